"""SMS through a pluggable backend (settings NOTIFICATIONS_SMS_BACKEND), in the
manner of Django's email backends: console, locmem (tests), file (records
each send; crash drills), and an HTTP gateway that real providers sit behind.

A backend's `send_message(message)` returns the provider's message id or
raises DeliveryError. `message.idempotency_key` is the notification's UUID:
a gateway that honours it never delivers the same notice twice.
"""

import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import requests
from django.utils.module_loading import import_string

from cases.identity import mask_contact
from notifications import services
from notifications.channels import DeliveryError, SendResult, console
from notifications.conf import conf


@dataclass
class SmsMessage:
    to: str
    body: str
    idempotency_key: str
    # What the message is about, without personal data or links ("您的申请
    #已进入审批"): what the development console prints.
    summary: str = ""


def get_backend(path=None):
    return import_string(path or conf.SMS_BACKEND)()


class SmsChannel:
    def send(self, notification, text, html) -> SendResult:
        backend = get_backend()
        message = SmsMessage(
            to=notification.recipient, body=text, idempotency_key=str(notification.uuid),
            summary=f"{notification.case.number} {services.subject_of(notification)}" if notification.case_id
            else services.subject_of(notification),  # a test message has no case
        )
        provider_id = backend.send_message(message)
        return SendResult(provider_message_id=provider_id, delivered=not backend.receipts)

    @staticmethod
    def idempotent() -> bool:
        return bool(import_string(conf.SMS_BACKEND).idempotent)


class BaseSmsBackend:
    # Whether the provider reports delivery later (delivery receipts).
    receipts = False
    # Whether the provider drops a repeat of a message by its idempotency
    # key: then a dead worker's claim is simply sent again.
    idempotent = False

    def send_message(self, message: SmsMessage) -> str | None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """One line per SMS: the number masked and what it is about, never the
    text (it names the borrower and holds a working link); the whole text
    with NOTIFICATIONS_CONSOLE_BODIES."""

    def send_message(self, message):
        if conf.CONSOLE_BODIES:
            sys.stdout.write(f"SMS to {mask_contact(message.to)} [{message.idempotency_key}]\n{message.body}\n{'-' * 40}\n")
            sys.stdout.flush()
        else:
            console.line(f"SMS to {mask_contact(message.to)}: {message.summary or '-'}")
        return None


# Tests read what was "sent" here, like django.core.mail.outbox.
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send_message(self, message):
        outbox.append(message)
        return f"locmem-{message.idempotency_key}"


class FileSmsBackend(BaseSmsBackend):
    """Records each send in NOTIFICATIONS_RECORD_DIR, surviving a killed process.

    Like a provider that honours idempotency keys, it accepts a key once:
    accepted/<key> is created atomically (O_EXCL); every call, accepted or
    not, is appended to calls.log, so a drill can prove no key went out twice."""

    idempotent = True

    def send_message(self, message):
        return record_send(conf.RECORD_DIR, "sms", message.idempotency_key, message.to)


_record_lock = threading.Lock()


def append_line(path, text):
    """One line appended whole (O_APPEND), even with several processes writing."""
    with _record_lock:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, (text + "\n").encode())
        finally:
            os.close(fd)


def record_send(directory, channel, key, to, *, idempotent=True):
    """Every call goes to calls.log; the first of a key creates accepted/<key>
    (O_EXCL). A repeat is dropped by a provider that honours keys, and is a
    second message to the borrower (duplicates.log) by one that does not."""
    if not directory:
        raise DeliveryError("NOTIFICATIONS_RECORD_DIR is not set", permanent=True)
    delay = float(conf.RECORD_DELAY or 0)
    if delay:
        time.sleep(delay)
    os.makedirs(os.path.join(directory, "accepted"), exist_ok=True)
    append_line(os.path.join(directory, "calls.log"), f"{time.time():.6f} {os.getpid()} {channel} {key}")
    try:
        fd = os.open(os.path.join(directory, "accepted", key), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, f"{channel} {to}\n".encode())
        os.close(fd)
    except FileExistsError:
        if not idempotent:
            append_line(os.path.join(directory, "duplicates.log"), f"{channel} {key}")
    return f"file-{key}"


class HttpSmsBackend(BaseSmsBackend):
    """POST {to, body, reference} as JSON to NOTIFICATIONS_SMS_GATEWAY_URL.

    The gateway answers 2xx with {"message_id": ...}; a 4xx other than
    408/429 is permanent (code "invalid_number" marks the number wrong);
    5xx, timeouts and connection errors are retried.

    The gateway deduplicates by the Idempotency-Key HTTP header (and the
    body's "reference"), both the notice's UUID: a repeat is never delivered."""

    receipts = True
    idempotent = True

    def send_message(self, message):
        url = conf.SMS_GATEWAY_URL
        if not url:
            raise DeliveryError("NOTIFICATIONS_SMS_GATEWAY_URL is not set", permanent=True)
        headers = {
            "Authorization": f"Bearer {conf.SMS_GATEWAY_KEY}",
            "Idempotency-Key": message.idempotency_key,
            "Content-Type": "application/json",
        }
        body = {"to": message.to, "body": message.body, "reference": message.idempotency_key}
        try:
            response = requests.post(url, data=json.dumps(body), headers=headers, timeout=conf.SMS_GATEWAY_TIMEOUT)
        except requests.RequestException as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise DeliveryError(f"SMS gateway {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            invalid = data.get("code") in ("invalid_number", "unreachable_number")
            raise DeliveryError(
                f"SMS gateway refused ({response.status_code}): {response.text[:200]}",
                permanent=True,
                unreachable=invalid,
            )
        return str(data.get("message_id") or uuid.uuid4())
