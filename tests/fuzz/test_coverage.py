"""Every URL of the app has a fuzz entry or a stated reason for having none.

The URLs come from the URLconf itself (loanflow/urls.py and each app's
urls.py, walked with get_resolver()), so a URL added without a fuzz test
fails here."""

import importlib
import inspect
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

import tests.fuzz
from tests.fuzz import registry
from tests.fuzz.test_admin import model_admins


def url_keys(resolver=None, prefix="", namespace=""):
    """{key: route} for every URL: "namespace:name", or "route:<pattern>" when unnamed."""
    keys = {}
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            keys.update(url_keys(entry, route, inner))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            keys[name or f"route:{route}"] = route
    return keys


def covered_by_tests():
    """{url key: [test names]} from the @covers marks of tests/fuzz/test_*.py."""
    covered = {}
    for module_info in pkgutil.iter_modules(tests.fuzz.__path__):
        if not module_info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.fuzz.{module_info.name}")
        for name, test in inspect.getmembers(module, inspect.isfunction):
            for key in getattr(test, "fuzz_covers", ()):
                covered.setdefault(key, []).append(f"{module_info.name}.{name}")
    return covered


def admin_keys():
    """The admin URLs test_admin fuzzes for each registered model admin."""
    keys = set(registry.ADMIN_OWN)
    for model, _model_admin in model_admins():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        keys |= {f"{info}_changelist", f"{info}_add"}
    return keys


def test_it_enumerates_the_urlconf():
    keys = url_keys()
    assert "cases:search" in keys and "borrowers:find" in keys and "notifications:sms_receipt" in keys
    assert "admin:notifications_messagetemplate_changelist" in keys


def test_every_url_has_a_fuzz_entry_or_a_reason():
    covered = set(covered_by_tests()) | admin_keys() | set(registry.API_BY_SCHEMATHESIS)
    missing = sorted(
        f"{key} ({route})" for key, route in url_keys().items() if key not in covered and not registry.excluded(key)
    )
    assert not missing, "URLs without a fuzz entry (add one in tests/fuzz, or a reason in registry.py):\n" + "\n".join(
        missing
    )

