from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    # Imported here: apps.py is loaded before the models are ready.
    from cases.calendar import seed_years
    from cases.models import BusinessDay, BusinessYear
    from cases.roles import sync_roles
    from cases.sla import ensure_default_policies

    sync_roles()
    ensure_default_policies()
    # The data migration stored the trusted years; a flushed test database
    # has lost them.
    seed_years(BusinessYear, BusinessDay)


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Loan cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases import checks  # noqa: F401  (registers the calendar check)

        post_migrate.connect(_after_migrate, sender=self)
