"""Staff tasks: who must act on a case, by when. The only writer of StaffTask.

Tasks are created for the case's officer, or, when a call did not reach the
borrower, for the branch supervisor the same business day (an escalation),
so no failure ends with nobody responsible.
"""

from django.db.models import Case, F, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import reachability, sla
from cases.models import LoanCase, Role, User
from notifications.models import StaffTask

# Tasks that exist to bring the borrower news: news reaching them by any
# other way does their job.
NEWS_CALLS = (StaffTask.Kind.CALL_BORROWER, StaffTask.Kind.ESCALATION)
# Open tasks in which somebody is already calling the borrower.
CALLING = (StaffTask.Kind.CALL_BORROWER, StaffTask.Kind.PHONE_NOTICE, StaffTask.Kind.ESCALATION)
# ...or at least trying to reach them (a contact check may end in a call).
REACHING_OUT = CALLING + (StaffTask.Kind.VERIFY_CONTACT,)


def task_create(*, case, kind, detail="", notification=None, callback_time="", assigned_to=None, at=None, due_at=None):
    """A task for the case's officer (or `assigned_to`), due the next business day."""
    at = at or timezone.now()
    return StaffTask.objects.create(
        case=case,
        kind=kind,
        detail=detail,
        notification=notification,
        callback_time=callback_time,
        # By id: the case's officer need not be read (one query per task in a loop).
        assigned_to_id=assigned_to.pk if assigned_to else case.officer_id,
        due_at=due_at or sla.deadline(at, 1),
        created_at=at,
    )


# A call asked for after this hour is due the next business day.
LAST_CALL_HOUR = 17


def end_of_business_day(at):
    """The end of today if today is a business day and there is still time
    to call, else the end of the next business day."""
    local = at.astimezone(sla.local_tz())
    if sla.is_business_day(local.date()) and local.hour < LAST_CALL_HOUR:
        return sla.end_of_day(local.date())
    return sla.deadline(at, 1)


def lock_case(case_id):
    """Serialise "is somebody on it? then ask somebody" per case: two workers
    (or a worker and a webhook) must not both create the task."""
    LoanCase.objects.select_for_update().filter(pk=case_id).exists()


def supervisor_for(case):
    """Who a not-reached borrower is escalated to: the branch supervisor,
    else head office, else (a branch with nobody above) the officer."""
    supervisors = User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR, branch_id=case.branch_id)
    person = supervisors.order_by("id").first()
    if person is None:
        person = User.objects.filter(is_active=True, groups__name=Role.HEAD_OFFICE).order_by("id").first()
    return person or User.objects.get(pk=case.officer_id)


def escalate(*, case, detail, at, notification=None):
    """Hand a borrower nobody could reach to the branch supervisor, due the
    same business day. One open escalation per case: a second failure while
    the supervisor is on it adds nothing."""
    lock_case(case.pk)
    if StaffTask.objects.filter(case=case, kind=StaffTask.Kind.ESCALATION, status=StaffTask.Status.OPEN).exists():
        return None
    return task_create(
        case=case,
        kind=StaffTask.Kind.ESCALATION,
        detail=detail,
        notification=notification,
        assigned_to=supervisor_for(case),
        at=at,
        due_at=end_of_business_day(at),
    )


def task_close(task, *, outcome, at, actor=None, reached=False) -> bool:
    """Mark an open task done with its outcome; False if it was done already.
    Earlier attempts noted on the task (task_note_attempt) stay on record."""
    return bool(
        StaffTask.objects.filter(pk=task.pk, status=StaffTask.Status.OPEN).update(
            status=StaffTask.Status.DONE,
            outcome=Case(
                When(outcome="", then=Value(outcome)),
                default=Concat(F("outcome"), Value("\n" + outcome), output_field=TextField()),
                output_field=TextField(),
            ),
            completed_at=at,
            completed_by=actor,
            reached_at=at if reached else None,
        )
    )


def task_note_attempt(task, *, actor, outcome, at):
    """A call that did not reach the borrower, on a task that stays open (a
    borrower's question, an escalation): the attempt is added to its outcome."""
    current = StaffTask.objects.select_for_update().filter(pk=task.pk, status=StaffTask.Status.OPEN).first()
    if current is None:
        return
    note = _("%(at)s, %(user)s: not reached. %(outcome)s") % {
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
        "user": actor.get_username(),
        "outcome": outcome,
    }
    current.outcome = "\n".join(line for line in (current.outcome, note) if line)
    current.save(update_fields=["outcome"])


def tasks_close_for_news(*, case_id, at, outcome, since=None, notification_ids=None) -> int:
    """News reached the borrower: close the calls that were only meant to bring
    it (not those about an unacknowledged message, nor contact checks).

    `since`: only tasks about notices written at or before this time; or
    `notification_ids`: only tasks about these notices."""
    tasks = StaffTask.objects.filter(case_id=case_id, status=StaffTask.Status.OPEN, kind__in=NEWS_CALLS).exclude(
        notification__escalated_at__isnull=False
    )
    if notification_ids is not None:
        tasks = tasks.filter(notification_id__in=notification_ids)
    elif since is not None:
        tasks = tasks.exclude(notification__created_at__gt=since)
    return tasks.update(status=StaffTask.Status.DONE, completed_at=at, outcome=outcome)


def tasks_close_unacknowledged(*, case_id, up_to, at, outcome) -> int:
    """The borrower acknowledged: the calls planned because messages up to
    `up_to` went unacknowledged are no longer needed."""
    return StaffTask.objects.filter(
        case_id=case_id,
        kind=StaffTask.Kind.CALL_BORROWER,
        status=StaffTask.Status.OPEN,
        notification__escalated_at__isnull=False,
        notification__created_at__lte=up_to,
    ).update(status=StaffTask.Status.DONE, completed_at=at, outcome=outcome)


def tasks_close_for_contact(*, case_id, channel, actor, outcome, at) -> int:
    """The contact was corrected: its verify-contact tasks are done."""
    return (
        StaffTask.objects.filter(case_id=case_id, status=StaffTask.Status.OPEN, kind=StaffTask.Kind.VERIFY_CONTACT)
        .exclude(notification__channel__in=_other_channels(channel))
        .update(status=StaffTask.Status.DONE, completed_at=at, completed_by=actor, outcome=outcome)
    )


def _other_channels(channel):
    return [other for other in ("email", "sms") if other != channel]


def someone_reaching_out(case_id) -> bool:
    return StaffTask.objects.filter(case_id=case_id, status=StaffTask.Status.OPEN, kind__in=REACHING_OUT).exists()


def contact_check_ask(*, case, detail, at, notification=None):
    """Ask the officer to find a working contact today, unless somebody is
    already trying to reach the borrower. Under the case's row lock."""
    lock_case(case.pk)
    if someone_reaching_out(case.pk):
        return None
    return task_create(
        case=case, kind=StaffTask.Kind.VERIFY_CONTACT, notification=notification, detail=detail, at=at,
        due_at=end_of_business_day(at),
    )


def call_ask(*, case, detail, at, notification=None):
    """Ask the officer to call the borrower today, unless somebody already
    is calling. Under the case's row lock; returns the task or None."""
    lock_case(case.pk)
    if StaffTask.objects.filter(case_id=case.pk, status=StaffTask.Status.OPEN, kind__in=CALLING).exists():
        return None
    return task_create(
        case=case, kind=StaffTask.Kind.CALL_BORROWER, notification=notification, detail=detail, at=at,
        due_at=end_of_business_day(at),
    )


def clear_attention_if_done(case_id):
    """The case stops needing attention once no call or contact check is open."""
    if not someone_reaching_out(case_id):
        reachability.attention_done(case_id)
