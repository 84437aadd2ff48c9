from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views
from api.schema import DESCRIPTION

app_name = "api"

# The trailing slash is optional: an integration that leaves it off must not
# meet Django's APPEND_SLASH redirect, which drops a POST's body.
urlpatterns = [
    re_path(r"^v1/cases/?$", views.cases, name="cases"),
    re_path(r"^v1/cases/(?P<number>[^/]+)/?$", views.case, name="case"),
    re_path(r"^v1/cases/(?P<number>[^/]+)/transitions/?$", views.case_transition, name="case_transition"),
    re_path(r"^v1/cases/(?P<number>[^/]+)/contact/?$", views.case_contact, name="case_contact"),
    # The schema and its documentation page, served with their own
    # JavaScript and CSS (drf-spectacular-sidecar): no CDN. The split view
    # serves its start-up script as a second request, and our template moves
    # the page style to a file: nothing inline for the CSP to block.
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1", custom_settings={"DESCRIPTION": DESCRIPTION}),
         name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
         name="docs"),
    # Anything else under /api/ is a problem document too, not an HTML page.
    re_path(r"^.*$", views.not_found, name="not_found"),
]
