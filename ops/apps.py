from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the service: the load balancer's health check, Prometheus
    metrics, and head office's status page. Reads only; nothing imports it."""

    name = "ops"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ops import checks  # noqa: F401  (registers the settings check)
