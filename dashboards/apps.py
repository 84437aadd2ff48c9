from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The staff pages: my work, the case page, lists, reports, the calendar."""

    name = "dashboards"
    verbose_name = _("Staff pages")
