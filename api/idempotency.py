"""Idempotency-Key on writes: a client that retries (a timeout, a dropped
connection) gets the first answer again and nothing is done twice; the same
key with another body is a 422. Keys are kept 24 hours.

The first answer is stored in the same transaction as the write itself, so
a crash leaves either both or neither; two requests with one key at once
meet at the key's unique index, and the second replays the first."""

import datetime
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotencyKey
from api.problems import Problem

KEEP = datetime.timedelta(hours=24)
HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(stored, fingerprint):
    if stored.request_hash != fingerprint:
        raise Problem(422, "idempotency_key_reused",
                      _("This Idempotency-Key was already used with another request; use a new key."))
    headers = {"Idempotent-Replayed": "true"}
    if stored.status_code == 201 and isinstance(stored.response, dict) and stored.response.get("url"):
        headers["Location"] = stored.response["url"]  # as the first answer said
    return Response(stored.response, status=stored.status_code, headers=headers)


def run(request, write):
    """`write()` returns the Response of a successful write, or raises."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return write()
    if len(key) > 255 or not key.isprintable():
        raise Problem(400, "invalid", _("An Idempotency-Key is at most 255 printable characters."))
    client, now = request.auth, timezone.now()
    fingerprint = _fingerprint(request)
    stored = IdempotencyKey.objects.filter(client=client, key=key, created_at__gte=now - KEEP).first()
    if stored is not None:
        return _replay(stored, fingerprint)
    return claim_and_write(request, write, client, key, fingerprint, now)


def claim_and_write(request, write, client, key, fingerprint, now):
    """The write under a claimed key. Also right when another request with
    the key committed after our first look (it replays that answer)."""
    try:
        with transaction.atomic():
            # An expired key of the same name is free again. (Only an expired
            # one: a key a concurrent request committed a moment ago stays.)
            IdempotencyKey.objects.filter(client=client, key=key, created_at__lt=now - KEEP).delete()
            # The key is claimed before the write: a second request with it
            # waits at the unique index until this one commits (then replays
            # its answer) or rolls back (then does the write itself).
            try:
                with transaction.atomic():
                    stored = IdempotencyKey.objects.create(
                        client=client, key=key, request_hash=fingerprint, status_code=0, response={}, created_at=now
                    )
            except IntegrityError:
                raise _Taken from None
            response = write()
            stored.status_code = response.status_code
            stored.response = json.loads(JSONRenderer().render(response.data))
            stored.save(update_fields=["status_code", "response"])
    except _Taken:
        return _replay(IdempotencyKey.objects.get(client=client, key=key), fingerprint)
    return response


class _Taken(Exception):
    """The key was claimed by a request that has committed meanwhile."""


def forget(now=None) -> int:
    """Delete the keys older than 24 hours (a daily schedule)."""
    now = now or timezone.now()
    return IdempotencyKey.objects.filter(created_at__lt=now - KEEP).delete()[0]
