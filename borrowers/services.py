"""What the borrower does from the status page (writes): find their link
again, prove who they are, ask a question. The links themselves are in
notifications.links: every message carries one."""

import hashlib
import hmac

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django_q.tasks import async_task

from borrowers.models import BorrowerQuestion
from cases.identity import normalize_id_number
from cases.models import LoanCase
from notifications import links, staff
from notifications import services as notification_services
from notifications.models import Channel, StaffTask


def phone_digest(phone: str) -> str:
    """A keyed hash of a mobile (E.164): what a queued lookup carries instead
    of the number, since django-q2 keeps a task's arguments with its result."""
    return hmac.new(force_bytes(links.link_key()), b"find:" + phone.encode(), hashlib.sha256).hexdigest()


def link_request_queue(*, case_number: str, phone: str):
    """"Find my application": the lookup and the SMS happen in the worker, so
    the request does the same work, in the same time, whether or not the
    case and the mobile match (a timing difference would tell a caller
    which mobile belongs to which case)."""
    async_task("borrowers.tasks.send_found_link", case_number, phone_digest(phone), task_name="find-my-application")


def link_request(*, case_number: str, digest: str) -> bool:
    """Send a fresh link if the case number and the mobile number on file
    match (by their digests). The borrower was answered the same way already."""
    case = LoanCase.objects.filter(number=case_number).first()
    if case is None or not case.borrower_phone or case.phone_unreachable:
        return False
    if not hmac.compare_digest(phone_digest(case.borrower_phone), digest):
        return False
    notification_services.link_reissue_and_tell(case=case, channels=[Channel.SMS])
    return True


def id_last4_matches(case, answer: str) -> bool:
    """The light second factor: the last 4 characters of the ID number."""
    expected = normalize_id_number(case.borrower_id_number)[-4:]
    return len(expected) == 4 and hmac.compare_digest(expected, normalize_id_number(answer))


def question_ask(*, case, text, callback_time, submission, at=None) -> tuple[BorrowerQuestion, bool]:
    """Create a task for the officer from the borrower's question.

    Returns (question, created). The same `submission` asked twice returns
    the first question and creates nothing."""
    at = at or timezone.now()
    existing = BorrowerQuestion.objects.filter(submission=submission).select_related("task").first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            task = staff.task_create(
                case=case,
                kind=StaffTask.Kind.BORROWER_QUESTION,
                detail=text,
                callback_time=callback_time,
                at=at,
            )
            question = BorrowerQuestion.objects.create(case=case, task=task, submission=submission, created_at=at)
    except IntegrityError:
        # A concurrent double submit won the race; its task stands alone.
        return BorrowerQuestion.objects.select_related("task").get(submission=submission), False
    return question, True
