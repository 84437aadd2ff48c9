from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control


@cache_control(max_age=86400)
def favicon(request):
    # Browsers ask for /favicon.ico whatever the page says; the icon is a
    # static file. Not a permanent redirect: its hashed name changes with it.
    return redirect(static("favicon.svg"))


admin.site.site_header = _("loanflow administration")
admin.site.site_title = _("loanflow administration")
admin.site.index_title = _("Data and settings")


urlpatterns = [
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Log in and out only: the login page tells staff to ask their branch's
    # administrator for a new password, so there is no self-service reset
    # (its e-mail would be one more way into a staff account).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("", include("ops.urls")),  # /healthz, /metrics, /ops/status/
    path("", include("borrowers.urls")),
    path("", include("dashboards.urls")),
]
