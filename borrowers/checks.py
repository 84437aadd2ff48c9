"""Deploy checks of the borrower pages."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_link_key(app_configs, **kwargs):
    if settings.DEBUG or getattr(settings, "BORROWER_LINK_KEY", ""):
        return []
    return [
        checks.Warning(
            "BORROWER_LINK_KEY is not set: borrower links are derived from SECRET_KEY.",
            hint="Set BORROWER_LINK_KEY to a long random value kept apart from SECRET_KEY.",
            id="borrowers.W001",
        )
    ]
