from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Integration API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the events-out receivers to the domain's signals. Django's
        # way to register receivers: the module is imported once the app
        # registry is ready, and the domain never imports it.
        from api import events  # noqa: F401
