from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("anymail/", include("anymail.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("borrowers.urls")),
    path("", include("dashboards.urls")),
]
