from django.urls import path

from notifications import webhooks

app_name = "notifications"

urlpatterns = [
    path("sms/receipts/", webhooks.sms_receipt, name="sms_receipt"),
    # Strict variants of anymail's tracking webhooks (malformed JSON is a 400):
    # point the ESP here rather than at /anymail/<esp>/tracking/.
    path("email/mailgun/tracking/", webhooks.MailgunTracking.as_view(), name="mailgun_tracking"),
    path("email/postmark/tracking/", webhooks.PostmarkTracking.as_view(), name="postmark_tracking"),
]
