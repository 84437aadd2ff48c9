"""django-q2 entry points of the API. Thin: each calls one function."""

from api import idempotency, webhooks


def deliver_webhook(delivery_id):
    return webhooks.send(delivery_id)


def sweep_webhooks():
    return webhooks.sweep()


def forget_idempotency_keys():
    return idempotency.forget()
