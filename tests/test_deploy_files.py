"""The deployment files (deploy/): the systemd units stop their services the
way each stops cleanly, gunicorn's settings load and are all gunicorn's, and
deploy/env.example names every variable the app reads."""

import configparser
import importlib
import re
import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

BASE_DIR = Path(__file__).resolve().parent.parent
DEPLOY = BASE_DIR / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path)
    return parser


def gunicorn_settings(monkeypatch, **env):
    for name in ("BIND", "PORT", "WEB_WORKERS", "WEB_TIMEOUT", "WEB_GRACEFUL_TIMEOUT", "GUNICORN_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    return {k: v for k, v in namespace.items() if not k.startswith("_") and not callable(v) and k != "os"}


def test_it_has_the_web_and_worker_units():
    assert {p.name for p in UNITS} >= {"loanflow-web.service", "loanflow-worker.service"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_it_signals_only_the_main_process_and_reads_the_shared_environment(path):
    service = unit(path)["Service"]
    # KillMode=mixed: SIGTERM to the main process (gunicorn's arbiter, the
    # cluster's sentinel), which stops its workers gracefully.
    assert service["KillMode"] == "mixed"
    assert service["EnvironmentFile"] == "/etc/loanflow/env"


def test_it_gives_gunicorn_longer_to_stop_than_its_workers_get(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    web = unit(DEPLOY / "systemd" / "loanflow-web.service")["Service"]
    assert int(web["TimeoutStopSec"]) > settings["graceful_timeout"]
    assert "--config deploy/gunicorn.conf.py loanflow.wsgi" in web["ExecStart"]


def test_it_loads_gunicorn_settings_from_the_environment(monkeypatch):
    settings = gunicorn_settings(monkeypatch, PORT="8123", WEB_WORKERS="3")
    assert settings["bind"] == ["127.0.0.1:8123"]
    assert settings["workers"] == 3
    assert settings["accesslog"] == "-"
    assert gunicorn_settings(monkeypatch, BIND="0.0.0.0:9000")["bind"] == ["0.0.0.0:9000"]
    # Without WEB_WORKERS: 2 x cores + 1, never more than 8.
    assert 3 <= gunicorn_settings(monkeypatch)["workers"] <= 8


def test_it_uses_only_settings_gunicorn_knows_with_valid_values(monkeypatch):
    config = Config()
    for name, value in gunicorn_settings(monkeypatch).items():
        assert name in config.settings, f"gunicorn has no setting {name!r}"
        config.set(name, value)  # runs gunicorn's validator
    assert gunicorn_settings(monkeypatch)["logger_class"] == "loanflow.logs.GunicornLogger"
    module, cls = "loanflow.logs.GunicornLogger".rsplit(".", 1)
    assert hasattr(importlib.import_module(module), cls)


ENV_READ = re.compile(
    r"""(?:environ(?:\.get\(|\[)|env_bool\(|env_list\(|_int\()\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|["']([A-Z][A-Z0-9_]+)["']\s+in\s+os\.environ"""
)


def test_it_documents_every_environment_variable_the_app_reads():
    sources = [p for p in (BASE_DIR / "loanflow").glob("*.py") if p.name not in ("test_settings.py", "wsgi.py")]
    sources.append(DEPLOY / "gunicorn.conf.py")
    read = {"DATABASE_URL"}  # read by dj_database_url.config()
    for path in sources:
        read |= {a or b for a, b in ENV_READ.findall(path.read_text())}
    assert {"SECRET_KEY", "CACHE_URL", "NOTIFICATIONS_SMS_BACKEND", "WEB_WORKERS"} <= read  # the pattern finds them
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    assert sorted(read - documented) == []
