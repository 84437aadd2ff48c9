"""An email backend that records each send like notifications.channels.sms.FileSmsBackend."""

from django.core.mail.backends.base import BaseEmailBackend

from notifications.channels.sms import record_send
from notifications.conf import conf


class FileRecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            key = message.extra_headers.get("Idempotency-Key") or message.extra_headers.get("Message-ID")
            record_send(conf.RECORD_DIR, "email", key, ",".join(message.to))
        return len(email_messages)
