from django.urls import path

from notifications import webhooks

app_name = "notifications"

urlpatterns = [
    path("sms/receipts/", webhooks.sms_receipt, name="sms_receipt"),
    # Strict variants of anymail's tracking webhooks (malformed JSON is a 400,
    # a replayed Mailgun signature is refused); anymail's own URLs are not mounted.
    path("email/mailgun/tracking/", webhooks.mailgun_tracking, name="mailgun_tracking"),
    path("email/<str:esp>/tracking/", webhooks.tracking, name="tracking"),  # postmark, resend, brevo
]
