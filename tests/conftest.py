import os
import shutil

import pytest

# Playwright's sync API runs an event loop; Django must allow ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.base import *  # noqa: E402,F401,F403  (fixtures)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium, never a downloaded browser; no background traffic on
    # a closed network.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def chinese_page(browser):
    """A desktop browser tab whose user reads Chinese."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot_dir():
    path = os.path.join(ARTIFACTS, "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Debian chromium not found at {CHROMIUM}: run `make browser`")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits, cached report figures and the calendar snapshot must not
    # leak from one test to the next.
    from django.core.cache import cache

    from cases import calendar

    cache.clear()
    calendar.forget()
    yield
    cache.clear()
    calendar.forget()
