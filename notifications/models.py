import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import CaseTransition, LoanCase


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    STATUS_PAGE = "status_page", _("Status page")
    PHONE = "phone", _("Phone call")


# The channels that go out to the borrower. Status-page notices are on the
# page the moment the case changes: never "undelivered", never a contact.
SENT_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PHONE)


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    CANCELLED = "cancelled", _("Cancelled")
    # Written for a channel whose contact is known not to work; not sent.
    # Correcting the contact sends the latest such notice to the new one.
    SUPPRESSED = "suppressed", _("Not sent (contact not working)")


# Statuses in which the notice still waits for the system to act.
PENDING_STATUSES = (NotificationStatus.QUEUED, NotificationStatus.SENDING)
# The borrower has it (or has at least been shown it).
DELIVERED_STATUSES = (
    NotificationStatus.DELIVERED,
    NotificationStatus.READ,
    NotificationStatus.ACKNOWLEDGED,
)
# The borrower has been shown it or could have been: what "unread" and
# "mark read" apply to (queued and failed notices never reached them).
SEEN_STATUSES = (NotificationStatus.SENT,) + DELIVERED_STATUSES
# Ended without reaching the borrower: a person must act (a staff task exists).
FAILED_STATUSES = (NotificationStatus.FAILED, NotificationStatus.BOUNCED)
# Copies of a piece of news that did not and will not reach the borrower.
NOT_WORKING_STATUSES = FAILED_STATUSES + (NotificationStatus.SUPPRESSED,)
# The order in which the same news is tried on the borrower's channels.
FAILOVER_ORDER = (Channel.SMS, Channel.EMAIL)


class MessageTemplate(models.Model):
    """What the borrower is told for one event on one channel in one language.

    `key` is a transition name (sign, approve, ...) or a system event
    (progress_update, hold_reminder, ack_escalation). Bodies are Django
    templates rendered with the case context (see notifications.rendering)."""

    key = models.CharField(_("event"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "language"], name="template_key_channel_language")
        ]

    def __str__(self):
        return f"{self.key} / {self.get_channel_display()} / {self.language}"


class Notification(models.Model):
    """One notice to the borrower on one channel: the outbox row.

    Written in the transaction of the transition that caused it; the row, not
    the task queue, is the source of truth. `uuid` is the idempotency key and
    Message-ID of every send."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notifications")
    transition = models.ForeignKey(
        CaseTransition,
        verbose_name=_("change of state"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    key = models.CharField(_("event"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    # Email only. Bodies are rendered when the notice is written; the
    # borrower's status-page link is put in at send time (services.final_bodies), so
    # the database never holds the raw token.
    body_html = models.TextField(_("HTML message"), blank=True)

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Set while a `sending` claim is held as uncertain: its worker died (or
    # could not record the outcome) after maybe handing the message to a
    # provider that cannot drop a repeat. The notice is not sent again until
    # the provider's report finishes it or NOTIFICATIONS_UNCERTAIN_GRACE passes.
    uncertain_since = models.DateTimeField(_("uncertain since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, null=True, blank=True, unique=True)

    created_at = models.DateTimeField(_("created at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # A failed or escalated notice is "handled" once staff reached the borrower.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # When this notice's news was sent on the next channel instead (it failed
    # finally, or its provider's circuit was open): failover happens once.
    failed_over_at = models.DateTimeField(_("failed over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper's lookup: queued rows by due time, stale claims.
            models.Index(
                fields=["next_attempt_at"], name="notif_queued_due_idx", condition=Q(status="queued")
            ),
            models.Index(fields=["claimed_at"], name="notif_sending_claim_idx", condition=Q(status="sending")),
            models.Index(fields=["case", "created_at"], name="notif_case_time_idx"),
            models.Index(fields=["status", "created_at"], name="notif_status_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.case_id} ({self.get_status_display()})"


class DeliveryEvent(models.Model):
    """Every attempt and every provider event of a notification, in order.

    `provider_event_id` is unique so a duplicate webhook writes nothing."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=40)
    detail = models.TextField(_("detail"), blank=True)
    provider_event_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.notification_id}: {self.kind}"


class StaffTask(models.Model):
    """Work for a person: a call to make, a contact to verify, a borrower's
    question to answer. Every failed notice ends in one of these."""

    class Kind(models.TextChoices):
        CALL_BORROWER = "call_borrower", _("Call the borrower")
        VERIFY_CONTACT = "verify_contact", _("Verify contact details")
        BORROWER_QUESTION = "borrower_question", _("Answer the borrower's question")
        PHONE_NOTICE = "phone_notice", _("Tell the borrower by phone")
        # A call that did not reach the borrower, handed to the branch supervisor.
        ESCALATION = "escalation", _("Borrower not reached: escalated")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="tasks")
    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="tasks"
    )
    detail = models.TextField(_("detail"), blank=True)
    # For borrower questions: when the borrower would like a call back.
    callback_time = models.CharField(_("preferred call-back time"), max_length=100, blank=True)
    due_at = models.DateTimeField(_("task due"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the person doing the task spoke to the borrower.
    reached_at = models.DateTimeField(_("borrower reached at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff task")
        verbose_name_plural = _("staff tasks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "due_at"], name="task_open_assignee_idx", condition=Q(status="open")),
            models.Index(fields=["case", "created_at"], name="task_case_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.case_id}"

    @property
    def tried_without_reaching(self):
        """Still open although the officer already called: the borrower was not
        reached (each attempt is noted in `outcome`), so it is not answered."""
        return self.status == self.Status.OPEN and bool(self.outcome)


class BorrowerNews(models.Model):
    """A moment news reached the borrower: a message delivered to them by
    email or SMS, a call that reached them, or their own action (they opened
    the status page, acknowledged a message). Silence is measured on these
    rows, never on what was merely written or sent. Append-only."""

    class How(models.TextChoices):
        EMAIL = "email", _("Email delivered")
        SMS = "sms", _("SMS delivered")
        CALL = "call", _("Call reached the borrower")
        STATUS_PAGE = "status_page", _("Borrower opened the status page")
        ACKNOWLEDGED = "acknowledged", _("Borrower acknowledged a message")

    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="news")
    at = models.DateTimeField(_("at"))
    how = models.CharField(_("how"), max_length=20, choices=How.choices)
    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the provider later said the message bounced after all: the
    # row stays for the record, but no longer counts as news.
    retracted_at = models.DateTimeField(_("retracted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("news reaching the borrower")
        verbose_name_plural = _("news reaching the borrower")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"], name="news_case_time_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.how} {self.at}"


class ProviderCircuit(models.Model):
    """A circuit breaker per sending channel, shared by every worker.

    After CIRCUIT_FAILURES consecutive failed attempts (an outage, not a bad
    address) the circuit opens for CIRCUIT_COOL_OFF seconds: notices on the
    channel wait instead of hammering the provider, and their news goes out
    on the borrower's next channel at once. The first attempt after the
    cool-off is the probe: success closes the circuit, failure reopens it."""

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, primary_key=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    open_until = models.DateTimeField(_("open until"), null=True, blank=True)
    opened_count = models.PositiveIntegerField(_("times opened"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("provider circuit")
        verbose_name_plural = _("provider circuits")

    def __str__(self):
        return f"{self.channel}: {self.consecutive_failures}"


class BorrowerLink(models.Model):
    """The borrower's way in to their status page: /s/<token>/, in every
    message. Here rather than in borrowers/ because the worker puts it into
    each message at send time (notifications.links).

    The token is never stored. It is an HMAC of `key` under BORROWER_LINK_KEY,
    so it can be put into each message at send time, while the database holds
    only its SHA-256 (`token_hash`) for the lookup. Re-issuing revokes the old
    link."""

    case = models.ForeignKey(LoanCase, on_delete=models.CASCADE, related_name="borrower_links")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        db_table = "borrowers_borrowerlink"  # created by borrowers' first migration
        verbose_name = _("borrower link")
        verbose_name_plural = _("borrower links")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(revoked_at__isnull=True), name="one_active_link_per_case")
        ]

    def __str__(self):
        return f"{self.case_id} ({'revoked' if self.revoked_at else 'active'})"
