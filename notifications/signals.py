"""What the notice status writer tells other apps, inside its transaction
(see cases.signals for why a signal, and why inside the transaction)."""

from django.dispatch import Signal

# Sent with notification_id, status, event and at, after status.change wrote
# a notice's new status and its DeliveryEvent.
notice_status_changed = Signal()
