import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import LoanCase
from notifications.models import StaffTask


class BorrowerLink(models.Model):
    """The borrower's way in to their status page: /s/<token>/.

    The token is never stored. It is an HMAC of `key` under SECRET_KEY, so it
    can be put into each message at send time, while the database holds only
    its SHA-256 (`token_hash`) for the lookup. Re-issuing revokes the old link."""

    case = models.ForeignKey(LoanCase, on_delete=models.CASCADE, related_name="borrower_links")
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("borrower link")
        verbose_name_plural = _("borrower links")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(revoked_at__isnull=True), name="one_active_link_per_case")
        ]

    def __str__(self):
        return f"{self.case_id} ({'revoked' if self.revoked_at else 'active'})"


class BorrowerQuestion(models.Model):
    """A question or complaint sent from the status page; the officer's work
    is the StaffTask it created.

    `submission` comes from the form the borrower loaded; it is unique so a
    double-clicked or re-sent form creates one task, not two."""

    case = models.ForeignKey(LoanCase, on_delete=models.CASCADE, related_name="borrower_questions")
    task = models.OneToOneField(StaffTask, on_delete=models.PROTECT, related_name="borrower_question")
    submission = models.UUIDField(unique=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("borrower question")
        verbose_name_plural = _("borrower questions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "created_at"], name="borrower_question_case_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.task_id}"
