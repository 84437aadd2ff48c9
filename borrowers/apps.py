from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BorrowersConfig(AppConfig):
    name = "borrowers"
    verbose_name = _("Borrower status page")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from borrowers import checks  # noqa: F401  (registers the deploy check)
