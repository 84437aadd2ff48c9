"""Writes of the API's own records: clients, their tokens and webhook
secrets. (Cases are written by cases.services only; the API calls it.)"""

import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from api import tokens
from api.models import ApiClient
from cases.models import Role, User
from cases.states import Transition


def client_create(*, name, branch=None, transitions=(), may_create=False, may_correct_contact=False,
                  webhook_url="") -> tuple[ApiClient, str]:
    """A new client, its service account and its token (returned once, never
    stored). ValueError for an unknown transition name."""
    unknown = set(transitions) - set(Transition.values)
    if unknown:
        raise ValueError(f"unknown transitions: {', '.join(sorted(unknown))}")
    token, prefix = tokens.new_token()
    with transaction.atomic():
        user = User.objects.create_user(
            username=f"api-{slugify(name)[:40] or prefix}-{prefix[:4]}", branch=branch, first_name=name[:150],
        )
        user.set_unusable_password()  # a system never logs in to the pages
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=Role.SYSTEM))
        client = ApiClient.objects.create(
            name=name, branch=branch, user=user, transitions=sorted(set(transitions)), may_create=may_create,
            may_correct_contact=may_correct_contact, token_prefix=prefix, token_hash=tokens.hash_token(token),
            webhook_url=webhook_url, webhook_secret=secrets.token_urlsafe(32) if webhook_url else "",
        )
    return client, token


def client_revoke(client, at=None) -> bool:
    """The token stops working at once; the client's audit trail stays."""
    return bool(
        ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=at or timezone.now())
    )


def client_webhook_secret_new(client) -> str:
    """A new signing secret for the client's webhooks (shown to an admin once)."""
    secret = secrets.token_urlsafe(32)
    ApiClient.objects.filter(pk=client.pk).update(webhook_secret=secret)
    client.webhook_secret = secret
    return secret


def client_touch(client, at):
    # At most once a minute: a busy client must not write on every call.
    if client.last_used_at is None or (at - client.last_used_at).total_seconds() > 60:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=at)
