"""The integration API's records: the systems that call it, the answers it
keeps for retried writes, and the events it sends them."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Branch, User
from cases.states import Transition


class ApiClient(models.Model):
    """A system of the bank's that calls the API (the loan origination system,
    the CRM). It acts as its own service account, so every change it makes
    passes the same permission, four-eyes and branch checks as a person's
    and is audited under its name. Its token is shown once and stored only
    as a hash."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # None: every branch (a head-office system).
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(User, verbose_name=_("service account"), on_delete=models.PROTECT, related_name="api_client")
    may_create = models.BooleanField(_("may open cases"), default=False)
    may_correct_contact = models.BooleanField(_("may correct contact details"), default=False)
    # The transitions it may fire (names of cases.states.Transition).
    transitions = models.JSONField(_("transitions it may fire"), default=list, blank=True)
    token_prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    # Events out: where to POST them, signed with this secret (HMAC-SHA256).
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active

    def may_fire(self, name) -> bool:
        return name in self.transitions and name in Transition.values


class IdempotencyKey(models.Model):
    """The first answer to a write sent with an Idempotency-Key header: the
    same key and body get it again (nothing is done twice); the same key
    with another body is refused. Kept 24 hours."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_unique")]


class WebhookDelivery(models.Model):
    """One event for one client: written in the transaction of the change it
    reports (an outbox), then POSTed, signed, until the client answers 2xx,
    with the retry discipline of the borrowers' notices."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(ApiClient, verbose_name=_("client"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_due_idx", condition=models.Q(status="queued"),
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.client}"
