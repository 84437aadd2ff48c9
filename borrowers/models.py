from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import LoanCase
from notifications.models import StaffTask


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
