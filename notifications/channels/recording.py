"""Email backends that record each send in NOTIFICATIONS_RECORD_DIR like
notifications.channels.sms.FileSmsBackend, surviving a killed process: what
the crash tests and drills read as "what the provider did".

FileRecordingEmailBackend plays an ESP that honours idempotency keys (a key
is accepted once). KeylessRecordingEmailBackend plays one that has none
(Postmark, Mailgun, SES): every call is a message in the borrower's inbox,
and each is reported later by a tracking webhook, written to events.log as
the ESP would POST it, for the test to deliver.
"""

import json
import os
import time

from anymail.message import AnymailRecipientStatus, AnymailStatus
from django.core.mail.backends.base import BaseEmailBackend

from notifications.channels.sms import append_line, record_send
from notifications.conf import conf


class FileRecordingEmailBackend(BaseEmailBackend):
    idempotent = True

    def send_messages(self, email_messages):
        for message in email_messages:
            self.hang("before", message)
            provider_id = record_send(
                conf.RECORD_DIR, "email", message.idempotency_key, ",".join(message.to), idempotent=self.idempotent
            )
            # What anymail puts on a sent message: the ESP's id, for its webhooks.
            message.anymail_status = AnymailStatus()
            message.anymail_status.set_recipient_status(
                {to: AnymailRecipientStatus(message_id=provider_id, status="queued") for to in message.to}
            )
            self.report(message, provider_id)
            self.hang("after", message)
        return len(email_messages)

    def report(self, message, provider_id):
        pass

    def hang(self, phase, message):
        """NOTIFICATIONS_RECORD_HANG: the first call to reach `phase` (in any
        process sharing the record directory) stops there until the process
        is killed: a worker killed before, or after, the ESP accepted it."""
        if phase not in [p.strip() for p in conf.RECORD_HANG.split(",")]:
            return
        try:
            fd = os.open(os.path.join(conf.RECORD_DIR, f"hang-{phase}"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return
        os.write(fd, message.idempotency_key.encode())
        os.close(fd)
        while True:
            time.sleep(60)


class KeylessRecordingEmailBackend(FileRecordingEmailBackend):
    idempotent = False

    def report(self, message, provider_id):
        event = {"key": message.idempotency_key, "message_id": provider_id, "to": message.to[0], "at": time.time()}
        append_line(os.path.join(conf.RECORD_DIR, "events.log"), json.dumps(event))
