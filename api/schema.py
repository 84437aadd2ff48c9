"""The API's description in its OpenAPI schema: what the operations do not
say by themselves (errors, retries, following changes, events out)."""

DESCRIPTION = """
Cases in and out for the bank's other systems: open cases, follow them, change their
state, correct contacts.

**Authentication.** `Authorization: Bearer <token>`; a token is issued once per system
by the bank's administrator (`manage.py api_client_create`). A system sees and changes
only its branch's cases (a case of another branch is a 404) and does only what it was
given (open cases, these transitions, contacts).

**Errors** are RFC 9457 problem documents (`application/problem+json`) with a stable
`code` (`invalid`, `malformed`, `duplicate`, `unauthenticated`, `permission`,
`four_eyes`, `separation_of_duties`, `not_found`, `wrong_state`, `conflict`, `guard`, `reason_required`,
`idempotency_key_reused`, `too_large`, `throttled`), a `detail` in the language of `Accept-Language`
(Chinese by default), and for bad input each field's messages in `errors`.

**Retries.** Send an `Idempotency-Key` header with each write. The same key and body
within 24 hours get the first answer again (header `Idempotent-Replayed: true`) and
nothing is done twice; the same key with another body is a 422. Each client may make
a set number of requests a minute (the bank's `API_RATE_LIMIT`, 1200 by default); past
it the answer is a 429 `throttled` with `Retry-After` in seconds.

**Following changes.** List with `updated_since` set to the start of your previous
sync minus 5 minutes, follow `next` to the end, and dedupe by `number`.

**Events out.** A system with a webhook URL gets a POST for every change of state
(`case.transition`) and every outcome of a notice to the borrower (`notice.outcome`:
delivered, read, acknowledged, failed, bounced) of its branch's cases:

```
Loanflow-Event: case.transition
Loanflow-Event-Id: 5b1c...           the same on a retry: dedupe on it
Loanflow-Timestamp: 1764480000       seconds since 1970
Loanflow-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>

{"id": "5b1c...", "event": "case.transition", "created_at": "2026-11-30T10:00:00+08:00",
 "data": {"case": "HL-2026-000123", "external_ref": "LOS-1", "transition": "sign",
          "from": "submitted", "to": "signed", "at": "...", "by": "...", "reason": "",
          "due_date": "2026-12-01", "deadline_provisional": false}}

{"id": "...", "event": "notice.outcome", "created_at": "...",
 "data": {"case": "HL-2026-000123", "external_ref": "LOS-1", "notice": "<uuid>",
          "news": "sign", "channel": "sms", "status": "delivered", "at": "..."}}
```

Check the signature with the secret you were given, refuse timestamps more than 5
minutes old, and answer 2xx. Anything else is retried with back-off for about 8 hours,
then held for the bank's administrator to send again.
"""
