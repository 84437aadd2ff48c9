"""System checks for the operations settings: a typo in METRICS_ALLOWED_IPS
should stop a deploy, not turn every scrape into a 500."""

import ipaddress

from django.conf import settings
from django.core import checks


@checks.register()
def check_metrics_settings(app_configs, **kwargs):
    problems = []
    for entry in getattr(settings, "METRICS_ALLOWED_IPS", []):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(
                checks.Error(
                    f"METRICS_ALLOWED_IPS has {entry!r}, which is not an IP address or network.",
                    hint="Give addresses or networks separated by commas, e.g. 127.0.0.1,::1,10.0.0.0/8.",
                    id="ops.E001",
                )
            )
    return problems


@checks.register(deploy=True)
def check_metrics_token(app_configs, **kwargs):
    # A reverse proxy on the same host that adds no header (a plain nginx
    # proxy_pass) makes every request from the internet look local.
    if settings.DEBUG or settings.METRICS_TOKEN:
        return []
    return [
        checks.Warning(
            "METRICS_TOKEN is empty: /metrics is answered by address alone, and a reverse proxy on this host "
            "would make every request look local.",
            hint="Set METRICS_TOKEN and give it to Prometheus (authorization: credentials).",
            id="ops.W001",
        )
    ]


@checks.register(deploy=True)
def check_shared_cache(app_configs, **kwargs):
    # Rate limits (borrower pages, the API), login lockouts' companions and the
    # Mailgun replay guard live in the cache: per process, each web worker
    # would keep its own count and its own memory of used tokens.
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or not backend.endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "The cache is in each process's memory: rate limits and the webhook replay guard are not shared "
            "by the web processes.",
            hint="Set CACHE_URL to a Redis database shared by every host.",
            id="ops.W002",
        )
    ]
