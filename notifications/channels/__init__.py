"""Delivery channels: each a small class with `send(notification, text, html)`.

`send` returns a SendResult or raises DeliveryError. `permanent=True` means a
retry cannot help (invalid address, rejected content); `unreachable=True`
additionally says the contact itself is wrong, so staff must verify it.

`idempotent()` says whether the channel's provider, as configured, drops a
repeat of a notice by its idempotency key (the notice's UUID): a dead
worker's claim is then simply sent again; otherwise the sweeper holds it as
uncertain until the provider reports, or a grace period passes.
"""

from dataclasses import dataclass


class DeliveryError(Exception):
    def __init__(self, message, *, permanent=False, unreachable=False):
        super().__init__(message)
        self.permanent = permanent or unreachable
        self.unreachable = unreachable


@dataclass
class SendResult:
    # The provider's id for the message, used to match its webhooks later.
    provider_message_id: str | None = None
    # True when the backend's acceptance is as good as delivery (no receipts
    # will follow): console, file and test backends, SMTP without tracking.
    delivered: bool = False
