"""The drill's email and SMS providers: simulated, in this process, and the
drill's ground truth. They fail as real ones do (an outage window times out,
a wrong address bounces, a wrong number is refused or fails later), report
delivery later through the same path as real webhooks, and log every
accepted idempotency key, so a notice sent twice is seen.

Settings point EMAIL_BACKEND and NOTIFICATIONS_SMS_BACKEND here during a
drill only; `world` is the running drill (drills.simulation.World).
"""

import types

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications.channels import DeliveryError
from notifications.channels.sms import BaseSmsBackend

world = None


class DrillEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            key = message.idempotency_key
            now = timezone.now()
            if world.down("email", now):
                raise ConnectionError("ESP unavailable (503)")
            message_id = f"esp-{key}"
            world.accepted("email", key, message.to[0], message_id, now)
            # What anymail puts on a sent message: the ESP's id, for its webhooks.
            message.anymail_status = types.SimpleNamespace(message_id=message_id)
        return len(email_messages)


class DrillSmsBackend(BaseSmsBackend):
    receipts = True  # delivery is reported later, as by a real gateway

    def send_message(self, message):
        now = timezone.now()
        if world.down("sms", now):
            raise DeliveryError("SMS gateway unreachable: read timeout")
        if world.refuses_at_once(message.to):
            raise DeliveryError("SMS gateway refused (400): invalid_number", permanent=True, unreachable=True)
        message_id = f"gw-{message.idempotency_key}"
        world.accepted("sms", message.idempotency_key, message.to, message_id, now)
        return message_id
