from django.urls import path

from borrowers import views

app_name = "borrowers"

urlpatterns = [
    path("s/<str:token>/", views.enter, name="enter"),
]
