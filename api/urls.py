from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api import views

app_name = "api"

urlpatterns = [
    path("v1/cases/", views.cases, name="cases"),
    path("v1/cases/<str:number>/", views.case, name="case"),
    path("v1/cases/<str:number>/transitions/", views.case_transition, name="case_transition"),
    path("v1/cases/<str:number>/contact/", views.case_contact, name="case_contact"),
    # The schema and its documentation pages, served with their own
    # JavaScript and CSS (drf-spectacular-sidecar): no CDN.
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
