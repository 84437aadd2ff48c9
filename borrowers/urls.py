from django.urls import path

from borrowers import views

app_name = "borrowers"

# /s/<token>/ is the link in every message; everything after it lives under
# /loan/, a URL without the token.
urlpatterns = [
    path("s/<str:token>/", views.enter, name="enter"),
    path("loan/", views.status, name="status"),
    path("loan/notices/<int:pk>/received/", views.acknowledge, name="acknowledge"),
    path("loan/amount/", views.verify, name="verify"),
    path("loan/ask/", views.ask, name="ask"),
    path("loan/questions/<int:pk>/", views.question, name="question"),
    path("loan/find/", views.find, name="find"),
    path("loan/find/sent/", views.find_sent, name="find_sent"),
    path("loan/leave/", views.leave, name="leave"),
    path("loan/language/", views.language, name="language"),
]
