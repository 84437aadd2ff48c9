"""Log lines: JSON in production, and no borrower's personal data or link
token in any line, Django's or gunicorn's."""

import datetime
import io
import json
import logging
import os
import re
import select
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from cases import services as case_services
from loanflow.logs import GunicornLogger, JsonFormatter, RedactFilter, redact, wants_json
from notifications import dispatch
from notifications.models import Channel, Notification, NotificationStatus

TOKEN = "q4ZkP0x_Jm8-3vT9bYcLwN2uRfA7sHdE1gKiOpQzXyU"


@pytest.mark.parametrize(
    "text, expected",
    [
        # Borrowers' links (borrowers/urls.py: /s/<token>/), in every form a line holds them.
        (f"GET /s/{TOKEN}/ HTTP/1.1", "GET /s/[redacted]/ HTTP/1.1"),
        (f"Not Found: /s/{TOKEN}/", "Not Found: /s/[redacted]/"),
        (f"https://loan.bank.example/s/{TOKEN}/", "https://loan.bank.example/s/[redacted]/"),
        (f"/s/{TOKEN}", "/s/[redacted]"),
        (f"/s/{TOKEN}?utm=sms", "/s/[redacted]?utm=sms"),
        # Mainland mobiles, bare and in +86 forms: the last 4 digits stay.
        ("短信发送至13812345678失败", "短信发送至*******5678失败"),
        ("to +8613812345678.", "to *******5678."),
        ("to +86 138 1234 5678", "to *******5678"),
        ("to 0086-138-1234-5678", "to *******5678"),
        ("?phone=%2B8613912345678&x=1", "?phone=*******5678&x=1"),
        # Email addresses: the first character and the domain stay.
        ("bounced: zhangsan@example.com", "bounced: z***@example.com"),
        ("li.si+loan@mail.bank.com.cn;", "l***@mail.bank.com.cn;"),
        ("?email=wang%40example.com", "?email=w***%40example.com"),
        # Resident ID numbers: the last 4 stay.
        ("ID 110105199001010025 checked", "ID **************0025 checked"),
        ("证件号11010519900101002X有误", "证件号**************002X有误"),
    ],
)
def test_it_redacts(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "Notification 1234 sent in 0.35 s",
        "case HL-2026-000123 moved to signed",
        "uuid 550e8400-e29b-41d4-a716-446655440000",
        "provider id 20261130123456789012",  # 20 digits: not an ID number, not a mobile
        "1764500000123 ms since epoch",
        "GET /static/css/app.css HTTP/1.1",
        "GET /cases/HL-2026-000123/ HTTP/1.1",
    ],
)
def test_it_leaves_other_text_alone(text):
    assert redact(text) == text


def record(msg, args=(), exc_info=None, **extra):
    rec = logging.LogRecord("notifications.dispatch", logging.WARNING, __file__, 1, msg, args, exc_info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_the_filter_scrubs_arguments_and_tracebacks():
    class Case:
        def __str__(self):
            return "张三 13812345678"

    try:
        raise ValueError("no such address: zhangsan@example.com")
    except ValueError:
        rec = record("Sending %s to %s failed (%s)", ("sms", Case(), f"/s/{TOKEN}/"), exc_info=sys.exc_info())
    assert RedactFilter().filter(rec) is True
    assert rec.getMessage() == "Sending sms to 张三 *******5678 failed (/s/[redacted]/)"
    assert "zhangsan@example.com" not in rec.exc_text and "z***@example.com" in rec.exc_text


def test_the_filter_scrubs_mapping_arguments_and_bad_formats():
    rec = record("%(who)s called", ({"who": "13812345678"},))
    RedactFilter().filter(rec)
    assert rec.getMessage() == "*******5678 called"
    broken = record("%s and %s", ("13812345678",))
    RedactFilter().filter(broken)
    assert "13812345678" not in broken.getMessage()


def test_the_json_formatter_writes_one_object_per_line():
    rec = record("Notice %s failed", (42,), case_number="HL-2026-000123", notification_id=42, request=object())
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "notifications.dispatch"
    assert entry["message"] == "Notice 42 failed"
    assert entry["case_number"] == "HL-2026-000123" and entry["notification_id"] == 42
    assert "request" not in entry  # only the named extras
    assert datetime.datetime.fromisoformat(entry["ts"]).utcoffset() == datetime.timedelta(0)


def test_the_json_formatter_keeps_chinese_readable_and_the_traceback():
    try:
        raise RuntimeError("模板渲染失败")
    except RuntimeError:
        rec = record("出错了", exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(rec))
    assert entry["message"] == "出错了"
    assert "RuntimeError: 模板渲染失败" in entry["exc"]


def test_it_chooses_the_format_from_the_environment():
    assert wants_json({}) is True
    assert wants_json({"DEBUG": "1"}) is False
    assert wants_json({"DEBUG": "1", "LOG_FORMAT": "json"}) is True
    assert wants_json({"LOG_FORMAT": "TEXT"}) is False
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        wants_json({"LOG_FORMAT": "xml"})


@pytest.mark.parametrize("env, formatter", [({"DEBUG": "1"}, "text"), ({"DEBUG": "0"}, "json"), ({"DEBUG": "1", "LOG_FORMAT": "json"}, "json")])
def test_settings_pick_the_format(env, formatter):
    environ = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "LOG_FORMAT")}
    environ.update(env, LOANFLOW_ALLOW_DEV_KEY="1")
    out = subprocess.run(
        [sys.executable, "-c", "from loanflow import settings; print(settings.LOGGING['handlers']['console']['formatter'])"],
        env=environ, capture_output=True, text=True, check=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert out.stdout.strip() == formatter


# --- Through the real LOGGING configuration --------------------------------------------


@pytest.fixture
def console():
    """What the root logger's console handler (LOGGING) writes."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def test_a_log_call_comes_out_as_redacted_json(console):
    logging.getLogger("notifications.dispatch").warning(
        "SMS to %s failed", "+8613812345678", extra={"case_number": "HL-2026-000123", "notification_id": 7}
    )
    entry = json.loads(console.getvalue().splitlines()[-1])
    assert entry["message"] == "SMS to *******5678 failed"
    assert entry["case_number"] == "HL-2026-000123" and entry["notification_id"] == 7


@pytest.mark.django_db
def test_a_dead_link_is_logged_without_its_token(client, console):
    response = client.get(f"/s/{TOKEN}/")
    assert response.status_code == 404
    lines = [json.loads(line) for line in console.getvalue().splitlines()]
    [entry] = [e for e in lines if e["logger"] == "django.request"]
    assert entry["message"] == "Not Found: /s/[redacted]/"
    assert TOKEN not in console.getvalue()


# --- gunicorn's access log -------------------------------------------------------------


def access_line(logger_class, monkeypatch, log_format=None):
    if log_format:
        monkeypatch.setenv("LOG_FORMAT", log_format)
    cfg = Config()
    cfg.set("accesslog", "-")
    log = logger_class(cfg)
    stream = io.StringIO()
    for handler in log.access_log.handlers:
        if getattr(handler, "_gunicorn", False):  # not pytest's capture handlers
            handler.setStream(stream)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/s/{TOKEN}/?phone=13812345678",
        "PATH_INFO": f"/s/{TOKEN}/",
        "QUERY_STRING": "phone=13812345678",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.10",
        "HTTP_REFERER": f"https://loan.bank.example/s/{TOKEN}/",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = types.SimpleNamespace(status="302 Found", sent=0, headers=[("Location", "/loan/")])
    request = types.SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    log.access(response, request, environ, datetime.timedelta(milliseconds=12))
    return stream.getvalue()


def test_gunicorn_access_lines_are_redacted(monkeypatch):
    line = access_line(GunicornLogger, monkeypatch, "text")
    assert '"GET /s/[redacted]/?phone=*******5678 HTTP/1.1" 302' in line
    assert '"https://loan.bank.example/s/[redacted]/"' in line
    assert TOKEN not in line and "13812345678" not in line


def test_gunicorn_access_lines_are_json_in_production(monkeypatch):
    entry = json.loads(access_line(GunicornLogger, monkeypatch, "json"))
    assert entry["logger"] == "gunicorn.access"
    assert "GET /s/[redacted]/?phone=*******5678 HTTP/1.1" in entry["message"]


def test_gunicorns_own_logger_would_leak_them(monkeypatch):
    # What GunicornLogger is for: the stock class writes the token as it came.
    assert TOKEN in access_line(glogging.Logger, monkeypatch)


def read_line(stream, timeout=10):
    """The next line, or "" if none comes within `timeout` seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""


def test_a_real_gunicorn_uses_the_logger_class(tmp_path):
    # What deploy/gunicorn.conf.py's logger_class = "loanflow.logs.GunicornLogger" does.
    app = tmp_path / "tinyapp.py"
    app.write_text(
        "def app(environ, start_response):\n"
        "    start_response('404 Not Found', [('Content-Type', 'text/plain')])\n"
        "    return [b'no']\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{root}", "LOG_FORMAT": "text"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "-w", "1", "--access-logfile", "-",
         "--logger-class", "loanflow.logs.GunicornLogger", "tinyapp:app"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )
    try:
        port = None
        deadline = time.monotonic() + 20
        while port is None and time.monotonic() < deadline:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", read_line(server.stderr, 1))
            port = found and int(found.group(1))
        assert port, "gunicorn did not start"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/s/{TOKEN}/?m=13812345678", timeout=5)
        line = read_line(server.stdout)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "/s/[redacted]/?m=*******5678" in line
    assert TOKEN not in line


@pytest.mark.django_db
def test_each_send_outcome_is_a_line_with_its_case_and_notice_and_no_contact(case, officer, console, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    case_services.case_transition(name="sign", case=case, actor=officer)
    notice = Notification.objects.get(case=case, channel=Channel.SMS)
    assert dispatch.send(notice.pk) == NotificationStatus.DELIVERED
    [entry] = [json.loads(line) for line in console.getvalue().splitlines()
               if json.loads(line).get("notification_id") == notice.pk]
    assert entry["logger"] == "notifications.dispatch" and entry["level"] == "INFO"
    assert entry["case_number"] == case.number and "delivered" in entry["message"]
    assert case.borrower_phone[-11:] not in console.getvalue()
