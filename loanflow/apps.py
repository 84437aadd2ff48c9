"""Chinese for the libraries that ship none, or ship it wrong.

django-axes has no Chinese catalogue, so its section, models and columns
showed in English under zh-CN. Its app gets a name staff understand, and its
words are listed here so `make messages` puts them in the project catalogue
(locale/), which Django consults first for every app's strings. Django's own
zh_Hans catalogue gives forms an ASCII colon after each label (环节:)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class LoginLockoutsConfig(AxesAppConfig):
    verbose_name = _("Login lockouts")


AXES_WORDS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("Logout Time"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)

DJANGO_WORDS = (
    gettext_noop(":"),  # a form's label suffix: "：" in Chinese
)
