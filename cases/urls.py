from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/<str:number>/", views.case_detail, name="detail"),
]
