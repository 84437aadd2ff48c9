"""What /healthz probes: can this process reach the database, the cache and
the task broker? Each probe is a round trip, not a look at the data: a
process that cannot reach one of them should be taken out of the pool.

Failures are logged (redacted, like every line) and named in the answer, but
their text is not sent back: an error message can hold host names or a URL
with a password."""

import logging
import os
import secrets
import threading

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

logger = logging.getLogger(__name__)

# A probe must answer well before a load balancer gives up (typically 5 s).
TIMEOUT_SECONDS = 2


def check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_cache() -> bool:
    # A key of this thread's own: two probes at once must not read each
    # other's value. It expires by itself.
    key = f"ops:healthz:{os.getpid()}:{threading.get_ident()}"
    value = secrets.token_hex(8)
    cache = caches["default"]
    cache.set(key, value, timeout=30)
    return cache.get(key) == value


def check_broker() -> bool:
    """django-q2's broker. With the ORM broker the tasks are in the database,
    which check_database covers; with Redis, ping it. Read from settings at
    call time (django-q2's own Conf is fixed at import)."""
    config = settings.Q_CLUSTER.get("redis")
    if not config:
        return True
    options = {"socket_connect_timeout": TIMEOUT_SECONDS, "socket_timeout": TIMEOUT_SECONDS}
    if isinstance(config, str):
        client = redis.Redis.from_url(config, **options)
    else:
        client = redis.Redis(**{**config, **options})
    try:
        return bool(client.ping())
    finally:
        client.close()


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> dict[str, bool]:
    """{component: passed} for every component, in a fixed order."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:  # any failure is an answer to report, not a 500
            logger.warning("Health check failed: %s", name, exc_info=True)
            results[name] = False
    return results
