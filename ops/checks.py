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
