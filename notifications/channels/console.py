"""Development backends that write one line per message to the console.

`make run` sends a few hundred demo messages in its first minute; printed
whole (Django's console backend prints every MIME part) they bury the demo
users' table. One line says who got what: the recipient masked, and the
subject (email) or what the SMS is about, never a body, which names the
borrower and holds a working status-page link. NOTIFICATIONS_CONSOLE_BODIES=True (CONSOLE_BODIES=1
in the environment) prints the whole messages again, recipients still masked.
"""

import copy
import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as FullEmailBackend

from cases.identity import mask_contact
from notifications.conf import conf

_lock = threading.Lock()


def line(text):
    with _lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


class MaskedFullEmailBackend(FullEmailBackend):
    """Django's console backend, whole messages, but the recipients masked:
    a developer needs the body and its link, not the borrower's address,
    and a console is often a log file."""

    def write_message(self, message):
        masked = copy.copy(message)
        masked.to = [mask_contact(address) for address in message.to]
        masked.cc = [mask_contact(address) for address in message.cc]
        masked.bcc = [mask_contact(address) for address in message.bcc]
        super().write_message(masked)


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        if conf.CONSOLE_BODIES:
            return MaskedFullEmailBackend(fail_silently=self.fail_silently).send_messages(email_messages)
        for message in email_messages:
            to = ", ".join(mask_contact(address) for address in message.recipients())
            line(f"email to {to}: {message.subject}")
        return len(email_messages)
