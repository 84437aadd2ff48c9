import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from cases import conditions
from cases.identity import (
    mask_email,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_phone,
)
from cases.states import FINAL_STATES, WORKING_STATES, CaseState

# What replaces the borrower's personal data once a closed case's retention
# period is over (cases.services.retention). Stored data, not a translated
# label: the same in every language, and easy to search for.
ANONYMISED = "已匿名"


class Branch(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)
    hotline_hours = models.CharField(_("hotline hours"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    # Each role is a Django group of the same name; permissions hang on the group.
    OFFICER = "officer", _("Loan officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    HEAD_OFFICE = "head_office", _("Head office")
    # Another of the bank's systems calling the integration API as its own
    # service account: never a person to assign work to, never logs in.
    SYSTEM = "system", _("Integration system")


class User(AbstractUser):
    # Staff belong to one branch; head office staff may have none and see all.
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    @cached_property
    def role_names(self) -> frozenset:
        # Read once per request: every scoped query asks.
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role) -> bool:
        return role in self.role_names

    @property
    def is_head_office(self) -> bool:
        # A system without a branch serves every branch, as head office does.
        return self.is_superuser or self.has_role(Role.HEAD_OFFICE) or (
            self.branch_id is None and self.has_role(Role.SYSTEM)
        )

    @property
    def role_labels(self) -> list:
        return [Role(name).label for name in sorted(self.role_names) if name in Role.values]


class SlaPolicy(models.Model):
    """How long a case may stay in a state, in China business days.

    Editable by administrators; the deadline of a case is computed when it
    enters the state and stored on the case (LoanCase.due_at)."""

    class Clock(models.TextChoices):
        BANK = "bank", _("Bank's clock")
        BORROWER = "borrower", _("Borrower's clock")

    state = models.CharField(_("state"), max_length=30, choices=CaseState.choices, unique=True)
    business_days = models.PositiveSmallIntegerField(_("business days"))
    clock = models.CharField(_("whose clock"), max_length=10, choices=Clock.choices, default=Clock.BANK)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["state"]

    def __str__(self):
        return f"{self.get_state_display()}: {self.business_days}"


class CaseNumberSequence(models.Model):
    """The last case number issued in each year; rows are locked to allocate."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


def _transition_permission(name):
    return f"cases.{name}_loancase"


class LoanCase(ConcurrentTransitionMixin, models.Model):
    """One mortgage application, from submission to disbursement.

    `status` changes only through cases.services.case_transition, which stores
    `due_at` for the state entered; due_at is NULL when no clock runs (final
    states and on hold), so the overdue list is a range scan of one index."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("case number"), max_length=20, unique=True)
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="cases")
    officer = models.ForeignKey(
        User, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="cases"
    )

    borrower_name = models.CharField(_("borrower name"), max_length=100)
    borrower_id_number = models.CharField(
        _("resident ID number"), max_length=18, validators=[validate_id_number]
    )
    borrower_phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    borrower_email = models.EmailField(_("email"), blank=True)
    property_address = models.CharField(_("property address"), max_length=300)
    loan_amount = models.DecimalField(_("loan amount (CNY)"), max_digits=14, decimal_places=2)

    status = FSMField(
        _("status"), max_length=30, choices=CaseState.choices, default=CaseState.SUBMITTED, protected=True
    )
    entered_state_at = models.DateTimeField(_("entered state at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # The deadline touched a year whose holiday schedule is not announced yet
    # (an estimate); it is recomputed when that year is announced.
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    # Business days the deadline was computed with, so a recomputation uses
    # the SLA of the day the case entered its state, not today's policy.
    sla_days = models.PositiveSmallIntegerField(_("SLA business days"), null=True, blank=True)
    held_from = models.CharField(
        _("held in state"), max_length=30, choices=CaseState.choices, blank=True
    )
    hold_reason = models.CharField(_("hold reason"), max_length=500, blank=True)
    documents_outstanding = models.JSONField(_("documents outstanding"), default=list, blank=True)
    signed_by = models.ForeignKey(
        User, verbose_name=_("signed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        User, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when a notice finally failed or a contact proved wrong; cleared by
    # staff once they have reached the borrower another way.
    # The loan origination system's own reference: what an import or the API
    # matches on, so the same case is never created twice (unique per branch).
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True, default="")
    # Who opened the case, and how: the staff form, the API (its service
    # account) or a file import. Empty for demo data and older cases.
    opened_by = models.ForeignKey(
        User, verbose_name=_("opened by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_via = models.CharField(_("opened via"), max_length=10, blank=True, default="", choices=[
        ("form", _("the new-case form")), ("api", _("the integration API")), ("import", _("a file import")),
    ])
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    email_unreachable = models.BooleanField(_("email unreachable"), default=False)
    phone_unreachable = models.BooleanField(_("phone unreachable"), default=False)
    # When the case was opened (backdated for imported histories).
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When the borrower's personal data was anonymised, the retention period
    # after closing being over (cases.services.retention): the number, amount,
    # states, dates and audit rows stay; names, numbers and texts are gone.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan case")
        verbose_name_plural = _("loan cases")
        ordering = ["-id"]
        indexes = [
            # Overdue / due-soon lookups, all branches and one branch. On
            # PostgreSQL the INCLUDE columns let the supervisor's overdue
            # counts by stage, branch and officer be index-only scans.
            models.Index(
                fields=["due_at"],
                name="case_open_due_idx",
                condition=~Q(status__in=FINAL_STATES),
                include=["status", "branch", "officer"],
            ),
            models.Index(
                fields=["branch", "due_at"],
                name="case_open_branch_due_idx",
                condition=~Q(status__in=FINAL_STATES),
                include=["status", "officer"],
            ),
            # The open cases whose deadline waits for a year to be announced:
            # what a calendar announcement recomputes.
            models.Index(
                fields=["id"],
                name="case_open_provisional_idx",
                condition=Q(deadline_provisional=True) & ~Q(status__in=FINAL_STATES),
            ),
            models.Index(fields=["officer", "status"], name="case_officer_status_idx"),
            models.Index(fields=["status"], name="case_status_idx"),
            # The API's "what changed since" for the systems that follow cases.
            models.Index(fields=["updated_at", "id"], name="case_updated_idx"),
            # The daily retention job's walk: closed cases still holding
            # personal data (anonymised ones leave the index).
            models.Index(
                fields=["id"],
                name="case_to_anonymise_idx",
                condition=Q(status__in=FINAL_STATES, anonymised_at__isnull=True),
                include=["entered_state_at"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "external_ref"], condition=~Q(external_ref=""), name="case_external_ref_unique",
            ),
        ]
        permissions = [
            ("sign_loancase", _("Can record signing")),
            ("start_review_loancase", _("Can start review")),
            ("approve_loancase", _("Can approve")),
            ("reject_loancase", _("Can reject")),
            ("request_documents_loancase", _("Can request documents")),
            ("receive_documents_loancase", _("Can record documents received")),
            ("start_registration_loancase", _("Can start mortgage registration")),
            ("disburse_loancase", _("Can disburse")),
            ("hold_loancase", _("Can put cases on hold")),
            ("resume_loancase", _("Can resume held cases")),
            ("withdraw_loancase", _("Can withdraw cases")),
            ("unmask_loancase", _("Can see unmasked personal data")),
            ("correct_contact_loancase", _("Can correct the borrower's contact details")),
            ("import_loancase", _("Can import cases from a file")),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.number])

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATES

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    # An anonymised case shows the marker wherever personal data was shown
    # (its contacts are blank, so nothing can be sent to them).
    @property
    def masked_id_number(self) -> str:
        return ANONYMISED if self.is_anonymised else mask_id_number(self.borrower_id_number)

    @property
    def masked_phone(self) -> str:
        return ANONYMISED if self.is_anonymised else mask_phone(self.borrower_phone)

    @property
    def masked_email(self) -> str:
        return ANONYMISED if self.is_anonymised else mask_email(self.borrower_email)

    # Transitions. They only change fields of this instance; the service saves,
    # audits and queues notices in one transaction. Arguments are keyword-only
    # and come from cases.services.case_transition.

    @transition(
        field=status,
        source=CaseState.SUBMITTED,
        target=CaseState.SIGNED,
        permission=_transition_permission("sign"),
        conditions=[conditions.borrower_reachable, conditions.loan_amount_positive],
    )
    def sign(self, *, actor, reason, payload):
        self.signed_by = actor

    @transition(
        field=status,
        source=CaseState.SIGNED,
        target=CaseState.UNDER_REVIEW,
        permission=_transition_permission("start_review"),
    )
    def start_review(self, *, actor, reason, payload):
        pass

    @transition(
        field=status,
        source=CaseState.UNDER_REVIEW,
        target=CaseState.APPROVED,
        permission=_transition_permission("approve"),
        conditions=[conditions.documents_complete],
    )
    def approve(self, *, actor, reason, payload):
        self.approved_by = actor

    @transition(
        field=status,
        source=[CaseState.UNDER_REVIEW, CaseState.DOCUMENTS_REQUESTED],
        target=CaseState.REJECTED,
        permission=_transition_permission("reject"),
    )
    def reject(self, *, actor, reason, payload):
        pass

    @transition(
        field=status,
        source=CaseState.UNDER_REVIEW,
        target=CaseState.DOCUMENTS_REQUESTED,
        permission=_transition_permission("request_documents"),
    )
    def request_documents(self, *, actor, reason, payload):
        self.documents_outstanding = list(payload.get("documents", []))

    @transition(
        field=status,
        source=CaseState.DOCUMENTS_REQUESTED,
        target=CaseState.UNDER_REVIEW,
        permission=_transition_permission("receive_documents"),
    )
    def receive_documents(self, *, actor, reason, payload):
        self.documents_outstanding = []

    @transition(
        field=status,
        source=CaseState.APPROVED,
        target=CaseState.REGISTRATION,
        permission=_transition_permission("start_registration"),
    )
    def start_registration(self, *, actor, reason, payload):
        pass

    @transition(
        field=status,
        source=CaseState.REGISTRATION,
        target=CaseState.DISBURSED,
        permission=_transition_permission("disburse"),
    )
    def disburse(self, *, actor, reason, payload):
        pass

    @transition(
        field=status,
        source=WORKING_STATES,
        target=CaseState.ON_HOLD,
        permission=_transition_permission("hold"),
    )
    def hold(self, *, actor, reason, payload):
        self.held_from = self.status
        self.hold_reason = reason

    @transition(
        field=status,
        source=CaseState.ON_HOLD,
        target=GET_STATE(lambda case, **kwargs: case.held_from, states=WORKING_STATES),
        permission=_transition_permission("resume"),
        conditions=[conditions.has_held_from],
    )
    def resume(self, *, actor, reason, payload):
        pass

    @transition(
        field=status,
        source=WORKING_STATES + (CaseState.ON_HOLD,),
        target=CaseState.WITHDRAWN,
        permission=_transition_permission("withdraw"),
    )
    def withdraw(self, *, actor, reason, payload):
        pass


class AuditRecord(models.Model):
    """An audit row: written once, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are immutable.")


class CaseTransition(AuditRecord):
    """Immutable audit row: one per state change, written in the same transaction."""

    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transitions")
    transition = models.CharField(_("transition"), max_length=30)
    source = models.CharField(_("from"), max_length=30, choices=CaseState.choices)
    target = models.CharField(_("to"), max_length=30, choices=CaseState.choices)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)
    due_at = models.DateTimeField(_("new deadline"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    sla_days = models.PositiveSmallIntegerField(_("SLA business days"), null=True, blank=True)
    # The deadline of the state this transition leaves, so SLA compliance is a
    # plain aggregate: on time when created_at <= left_due_at.
    left_due_at = models.DateTimeField(_("deadline of the state left"), null=True, blank=True)

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="transition_case_time_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.source} → {self.target}"


class CaseAccessLog(models.Model):
    """Who saw unmasked personal data of which case, or found it by the
    borrower's personal data, and when (PIPL). Supervisors and head office
    read it on the access-log page."""

    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="access_log")
    user = models.ForeignKey(User, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+")
    what = models.CharField(_("what"), max_length=50)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["created_at", "id"], name="access_log_time_idx")]


class ContactCorrection(AuditRecord):
    """Staff corrected the borrower's mobile or email after verifying it.
    Only masked values are kept: the audit trail must not become a copy of
    the personal data it protects."""

    class Field(models.TextChoices):
        PHONE = "phone", _("mobile phone")
        EMAIL = "email", _("email")

    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="contact_corrections")
    field = models.CharField(_("contact"), max_length=10, choices=Field.choices)
    old_masked = models.CharField(_("old (masked)"), max_length=120, blank=True)
    new_masked = models.CharField(_("new (masked)"), max_length=120)
    # How the new contact was verified, e.g. "called the number in the loan file".
    note = models.CharField(_("how it was verified"), max_length=500, blank=True)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("contact correction")
        verbose_name_plural = _("contact corrections")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="contact_corr_case_time_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.field} {self.old_masked} → {self.new_masked}"


class CaseAnonymisation(AuditRecord):
    """Immutable audit row: the case's personal data was anonymised because
    its retention period after closing was over (PIPL). It says when, by
    which rule and how many rows of each kind changed; never what they held."""

    case = models.OneToOneField(
        LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="anonymisation"
    )
    created_at = models.DateTimeField(_("at"))
    # When the case entered its final state, and the retention period then in force.
    closed_at = models.DateTimeField(_("case closed at"))
    retention_days = models.PositiveIntegerField(_("retention period (days)"))
    via = models.CharField(_("by"), max_length=10, choices=[
        ("schedule", _("the daily retention job")), ("command", _("a management command")),
    ])
    # {kind: rows changed}, e.g. {"notices": 12, "staff_tasks": 2}.
    counts = models.JSONField(_("rows changed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.created_at}"


class DeadlineChange(AuditRecord):
    """Immutable audit row: a case's deadline was recomputed without a change
    of state, because the business calendar of a year it depends on changed
    (e.g. the State Council's schedule was entered)."""

    case = models.ForeignKey(LoanCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="deadline_changes")
    old_due_at = models.DateTimeField(_("old deadline"))
    new_due_at = models.DateTimeField(_("new deadline"))
    old_provisional = models.BooleanField(_("old deadline provisional"))
    new_provisional = models.BooleanField(_("new deadline provisional"))
    # Null when the hourly recomputation did it rather than a person.
    actor = models.ForeignKey(
        User, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What changed in the calendar, e.g. the reference of the State Council notice.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="deadline_change_case_time_idx")]

    def __str__(self):
        return f"{self.case_id}: {self.old_due_at} → {self.new_due_at}"


class BusinessYear(models.Model):
    """One year of the China business calendar, as the bank keeps it.

    The State Council announces each year's public holidays and make-up
    working days (调休) in the autumn before. Until head office enters that
    notice, the year is an estimate: deadlines in it are computed and marked
    provisional, never refused. Written only by cases.calendar.year_store."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        ESTIMATED = "estimated", _("Estimated")

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Where the days come from, e.g. 国办发明电〔2025〕7号, so an auditor can check.
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The days an edit changed, whose deadlines still wait to be recomputed
    # (a django-q2 task does it after the save; the hourly job if that was lost).
    recompute_from = models.DateField(_("recompute from"), null=True, blank=True)
    recompute_to = models.DateField(_("recompute to"), null=True, blank=True)
    recompute_requested_at = models.DateTimeField(_("recomputation requested at"), null=True, blank=True)
    recomputed_at = models.DateTimeField(_("recomputed at"), null=True, blank=True)
    recompute_result = models.JSONField(_("recomputation result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("business calendar year")
        verbose_name_plural = _("business calendar years")
        ordering = ["year"]
        permissions = [("maintain_businessyear", _("Can maintain the business calendar"))]

    def __str__(self):
        return f"{self.year} ({self.get_status_display()})"


class BusinessDay(models.Model):
    """An exception to the weekend rule: a public holiday (any day the bank is
    closed) or a make-up working day on a weekend (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    year = models.ForeignKey(BusinessYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.name}"


class CaseImport(models.Model):
    """One file of new cases from the origination system: checked, then
    imported all at once or not at all. The checked rows are kept only
    between the check and the import (they hold ID numbers and phones);
    the report of what was wrong keeps masked values only."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, ready to import")
        REFUSED = "refused", _("Refused: rows to correct")
        IMPORTED = "imported", _("Imported")

    created_by = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("checked at"), default=timezone.now)
    file_name = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows = models.JSONField(default=list, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    new_rows = models.PositiveIntegerField(_("new cases"), default=0)
    existing_rows = models.PositiveIntegerField(_("already imported"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    first_number = models.CharField(_("first case number"), max_length=20, blank=True)
    last_number = models.CharField(_("last case number"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"
