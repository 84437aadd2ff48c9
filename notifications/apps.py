from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from anymail.signals import tracking

        from notifications import checks  # noqa: F401  (registers system checks)
        from notifications.webhooks import on_tracking

        tracking.connect(on_tracking, dispatch_uid="notifications.on_tracking")
