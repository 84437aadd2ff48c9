from django.urls import path

from ops import views

app_name = "ops"

urlpatterns = [
    # No trailing slash: what load balancers and Prometheus are usually told.
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("ops/status/", views.status, name="status"),
]
