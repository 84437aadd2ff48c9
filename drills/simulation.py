"""A simulated stretch of a bank's work, through the real services, on the
China business calendar, with faults: provider outages, wrong contacts, a
policy freeze. Officers and supervisors work their tasks at realistic
delays in business hours; borrowers sometimes open their page. The world
keeps its own record of what actually reached each borrower (the ground
truth), independent of the app's records, so the drill measures the app.

Runs in a throwaway database (drills.management.commands.drill) with the
clock moved by time-machine; the providers are drills.providers.
"""

import dataclasses
import datetime
import heapq
import itertools
import random
from collections import Counter
from decimal import Decimal
from unittest import mock

import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test.utils import override_settings
from django.utils import timezone

from cases import sla
from cases.identity import id_number_check_char
from cases.models import Branch, LoanCase, Role, User
from cases.services import (
    TransitionRefused,
    case_correct_contact,
    case_create,
    case_transition,
    cases_hold,
    cases_resume,
)
from cases.states import FINAL_STATES, CaseState
from drills import providers
from notifications import actions as notification_actions
from notifications import dispatch, followup
from notifications import outcomes as notification_outcomes
from notifications import services as notification_services
from notifications.models import Notification, NotificationStatus, StaffTask

TICK = datetime.timedelta(minutes=10)
# Business days from entering a state to the staff's next step (lowest, highest).
NEXT_STEP_AFTER = {
    CaseState.SUBMITTED: (1, 3),
    CaseState.SIGNED: (0, 1),
    CaseState.UNDER_REVIEW: (2, 5),
    CaseState.APPROVED: (1, 2),
    CaseState.REGISTRATION: (4, 8),
}
DAY_START, DAY_END = datetime.time(9, 0), datetime.time(17, 30)
HOLD_REASON = "所在城市房贷政策调整，暂缓办理"


@dataclasses.dataclass(frozen=True)
class Faults:
    email_outage: tuple | None = None  # (day it starts, calendar days)
    sms_outage: tuple | None = None  # (day it starts, business days)
    wrong_contacts: float = 0.0  # share of borrowers with a wrong mobile and/or email on file
    freeze_share: float = 0.0  # share of open cases held by a policy freeze
    freeze_start: int = 4  # day of the freeze
    freeze_days: int = 9  # calendar days it lasts
    lost_receipts: float = 0.0  # share of accepted SMS whose delivery receipt never comes


NO_FAULTS = Faults()
# The month with faults: an email outage of three days and an SMS
# outage of two working days, overlapping by a day; 10% wrong contacts; a
# quarter of the cases held for nine days by a policy freeze.
# Also 2% of SMS receipts lost: the message was delivered, the bank never hears.
STANDARD_FAULTS = Faults(
    email_outage=(3, 3), sms_outage=(5, 2), wrong_contacts=0.10, freeze_share=0.25, lost_receipts=0.02
)


@dataclasses.dataclass
class Borrower:
    case_id: int
    number: str
    true_phone: str
    true_email: str
    phone_wrong: bool = False  # what is on file now (staff may correct it)
    email_wrong: bool = False
    initial_phone_wrong: bool = False
    initial_email_wrong: bool = False
    held: bool = False
    created_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    # (at, how, written): what truly reached them, and when that news was
    # written (a late receipt of an old message is not the closing news)
    news: list = dataclasses.field(default_factory=list)
    documents_asked_at: datetime.datetime | None = None
    documents_coming: bool = False


class World:
    def __init__(self, *, cases, days, start, faults, seed, stdout=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.cases, self.days, self.faults = cases, days, faults
        self.start = start
        self.end = start + datetime.timedelta(days=days)
        self.stdout = stdout
        self.events = []
        self.sequence = itertools.count()
        self.borrowers = {}  # case id -> Borrower
        self.recipients = {}  # phone or email -> (case id, true?)
        self.accepted_keys = Counter()
        self.deliveries = Counter()  # (case, channel, news) delivered to the borrower
        self.final_failures = []  # (notification id, case id, at)
        self.last_task_seen = 0
        self.try_again = set()  # tasks tried without reaching the borrower
        self.outages = {"email": self._email_window(), "sms": self._sms_window()}

    # --- The clock and the schedule ---------------------------------------------

    def at(self, when, action, *args):
        heapq.heappush(self.events, (when, next(self.sequence), action, args))

    def run(self):
        providers.world = self
        # The app's own jitter (retry backoff, deferrals) draws from the
        # global generator: seeded too, so a seed repeats the same month.
        random.seed(self.seed)
        real_notice_failed = notification_outcomes.notice_failed

        def recording_notice_failed(notification, *, unreachable, at):
            self.final_failures.append((notification.pk, notification.case_id, at))
            return real_notice_failed(notification, unreachable=unreachable, at=at)

        with (
            override_settings(
                EMAIL_BACKEND="drills.providers.DrillEmailBackend",
                NOTIFICATIONS_SMS_BACKEND="drills.providers.DrillSmsBackend",
                NOTIFICATIONS_EMAIL_TRACKED=True,
                SITE_URL="https://drill.bank.example",
            ),
            # The drill's worker sends what is due each tick; nothing goes to a queue.
            mock.patch.object(notification_services, "queue", lambda ids: None),
            mock.patch.object(notification_outcomes, "notice_failed", recording_notice_failed),
            time_machine.travel(self.start, tick=False) as clock,
        ):
            self.setup()
            now = self.start
            while now < self.end:
                while self.events and self.events[0][0] <= now:
                    when, _seq, action, args = heapq.heappop(self.events)
                    clock.move_to(when)
                    action(*args)
                clock.move_to(now)
                self.work_the_outbox()
                if now.minute == 0:
                    self.hourly(now)
                if self.is_working_time(now):
                    self.pick_up_tasks(now)
                now += TICK
            clock.move_to(self.end)
        providers.world = None

    def is_working_time(self, moment):
        local = moment.astimezone(sla.local_tz())
        return sla.is_business_day(local.date()) and DAY_START <= local.time() < DAY_END

    def working_hours_later(self, moment, hours):
        """`hours` of working time after `moment` (business days, 9:00–17:30)."""
        left = datetime.timedelta(hours=hours)
        local = moment.astimezone(sla.local_tz())
        while True:
            day = local.date()
            opens = datetime.datetime.combine(day, DAY_START, tzinfo=sla.local_tz())
            closes = datetime.datetime.combine(day, DAY_END, tzinfo=sla.local_tz())
            if sla.is_business_day(day) and local < closes:
                begin = max(local, opens)
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
            local = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=sla.local_tz())

    def business_days_later(self, moment, low, high):
        """A random working moment `low`..`high` business days after `moment`."""
        day = sla.add_business_days(sla.local_day(moment), self.rng.randint(low, high))
        minute = self.rng.randint(0, int((DAY_END.hour - DAY_START.hour) * 60) - 1)
        return datetime.datetime.combine(day, DAY_START, tzinfo=sla.local_tz()) + datetime.timedelta(minutes=minute)

    # --- Faults ----------------------------------------------------------------------

    def _email_window(self):
        if not self.faults.email_outage:
            return None
        first_day, days = self.faults.email_outage
        begins = self.start + datetime.timedelta(days=first_day, hours=9)
        return begins, begins + datetime.timedelta(days=days)

    def _sms_window(self):
        if not self.faults.sms_outage:
            return None
        first_day, business_days = self.faults.sms_outage
        day = sla.local_day(self.start + datetime.timedelta(days=first_day))
        while not sla.is_business_day(day):
            day += datetime.timedelta(days=1)
        begins = datetime.datetime.combine(day, datetime.time(8), tzinfo=sla.local_tz())
        ends = datetime.datetime.combine(sla.add_business_days(day, business_days), datetime.time(8), tzinfo=sla.local_tz())
        return begins, ends

    def down(self, channel, now):
        window = self.outages[channel]
        return window is not None and window[0] <= now < window[1]

    def refuses_at_once(self, phone):
        """Half the wrong numbers are refused by the gateway at once; the rest
        are accepted and fail in a delivery receipt."""
        case_id, true = self.recipients.get(phone, (None, False))
        return not true and case_id is not None and case_id % 2 == 0

    def accepted(self, channel, key, to, message_id, now):
        self.accepted_keys[key] += 1
        case_id, true = self.recipients.get(to, (None, False))
        # Which news this is: the same news sent twice is a duplicate even
        # under two keys.
        news = Notification.objects.filter(uuid=key).values_list("key", "transition_id", "created_at").first()
        if channel == "email":
            delay = self.rng.uniform(1, 10) if true else self.rng.uniform(2, 30)
            kind, reason = ("delivered", None) if true else ("bounced", "bounced")
        else:
            delay = self.rng.uniform(0.2, 3) if true else self.rng.uniform(1, 10)
            kind, reason = ("delivered", None) if true else ("failed", "invalid_number")
        lost = channel == "sms" and self.rng.random() < self.faults.lost_receipts
        when = now + datetime.timedelta(minutes=delay)
        self.at(when, self.receipt, channel, message_id, kind, reason, case_id, true, news, lost)

    def receipt(self, channel, message_id, kind, reason, case_id, true, news, lost):
        now = timezone.now()
        if not lost:
            notification_outcomes.provider_event_record(
                message_id=message_id, event_id=f"{message_id}:{kind}", kind=kind, at=now, reject_reason=reason
            )
        if kind == "delivered" and true and case_id is not None:
            self.deliveries[(case_id, channel, news)] += 1
            self.reached(case_id, now, channel, written=news[2] if news else now)

    # --- People ------------------------------------------------------------------------

    def setup(self):
        group = {role: Group.objects.get(name=role) for role in Role.values}
        self.branches, self.officers, self.supervisors = [], {}, {}
        for n, (code, name) in enumerate([("BJ", "北京分行"), ("SH", "上海分行"), ("SZ", "深圳分行")]):
            branch = Branch.objects.create(code=code, name=name, hotline=f"400-800-{n:04d}")
            self.branches.append(branch)
            self.officers[branch.pk] = [self._person(f"{code}-officer{i}", branch, group[Role.OFFICER]) for i in (1, 2, 3)]
            self.supervisors[branch.pk] = self._person(f"{code}-supervisor", branch, group[Role.SUPERVISOR])
        self.head_office = self._person("head-office", None, group[Role.HEAD_OFFICE])
        arrivals = max(1, int(self.days * 0.6))
        for n in range(self.cases):
            day = self.start + datetime.timedelta(days=self.rng.uniform(0, arrivals))
            self.at(self.working_hours_later(day, 0.1), self.open_case, n)
        if self.faults.freeze_share:
            begins = self.working_hours_later(self.start + datetime.timedelta(days=self.faults.freeze_start), 1)
            self.at(begins, self.freeze)

    def _person(self, username, branch, group):
        user = User.objects.create_user(username, password=None, branch=branch)
        user.groups.add(group)
        return user

    def open_case(self, n):
        branch = self.rng.choice(self.branches)
        officer = self.rng.choice(self.officers[branch.pk])
        true_phone = f"+86139{n:08d}"
        true_email = f"borrower{n}@example.com"
        phone_wrong = email_wrong = False
        if self.rng.random() < self.faults.wrong_contacts:
            which = self.rng.random()
            phone_wrong, email_wrong = which < 0.7, which >= 0.5
        has_email = self.rng.random() >= 0.15  # some borrowers give no email
        phone = f"+86137{n:08d}" if phone_wrong else true_phone
        email = (f"borrower{n}@exmaple.com" if email_wrong else true_email) if has_email else ""
        first17 = f"11010519800101{n % 1000:03d}"
        case = case_create(
            branch=branch, officer=officer, borrower_name=f"借款人{n}",
            borrower_id_number=first17 + id_number_check_char(first17), borrower_phone=phone, borrower_email=email,
            property_address="北京市朝阳区建国路1号", loan_amount=Decimal("1000000"),
        )
        email_wrong = email_wrong and has_email
        borrower = Borrower(case.pk, case.number, true_phone, true_email, phone_wrong, email_wrong,
                            phone_wrong, email_wrong, created_at=case.created_at)
        self.borrowers[case.pk] = borrower
        self.recipients[true_phone] = (case.pk, True)
        self.recipients[true_email] = (case.pk, True)
        if phone_wrong:
            self.recipients[phone] = (case.pk, False)
        if email and email_wrong:
            self.recipients[email] = (case.pk, False)
        self.at(self.business_days_later(case.created_at, *NEXT_STEP_AFTER[CaseState.SUBMITTED]), self.advance, case.pk)
        if self.rng.random() < 0.02:
            self.at(self.business_days_later(case.created_at, 5, 15), self.withdraw, case.pk)

    # --- The workflow --------------------------------------------------------------------

    def advance(self, case_id):
        case = LoanCase.objects.get(pk=case_id)
        if case.status in FINAL_STATES + (CaseState.ON_HOLD, CaseState.DOCUMENTS_REQUESTED):
            return  # closed; resumed by the freeze's end; or waiting for the borrower's documents
        name, actor = self.next_step(case)
        reason = {"request_documents": "请补充近六个月银行流水", "reject": "收入证明不足以覆盖月供"}.get(name, "")
        payload = {"documents": ["银行流水"]} if name == "request_documents" else None
        try:
            case_transition(case=case, name=name, actor=actor, reason=reason, payload=payload)
        except TransitionRefused:
            self.at(self.business_days_later(timezone.now(), 1, 1), self.advance, case_id)
            return
        self.after_transition(case)

    def next_step(self, case):
        officer = User.objects.get(pk=case.officer_id)
        supervisor = self.supervisors[case.branch_id]
        if case.status == CaseState.UNDER_REVIEW:
            roll = self.rng.random()
            if roll < 0.25 and not case.transitions.filter(transition="request_documents").exists():
                return "request_documents", officer
            return ("reject", supervisor) if roll < 0.30 else ("approve", supervisor)
        return {
            CaseState.SUBMITTED: ("sign", officer),
            CaseState.SIGNED: ("start_review", officer),
            CaseState.APPROVED: ("start_registration", officer),
            CaseState.REGISTRATION: ("disburse", self.head_office),  # 贷放分控: not the approver
        }[case.status]

    def after_transition(self, case):
        borrower, now = self.borrowers[case.pk], timezone.now()
        if case.status in FINAL_STATES:
            borrower.closed_at = now
        elif case.status == CaseState.DOCUMENTS_REQUESTED:
            borrower.documents_asked_at, borrower.documents_coming = now, False
        elif case.status in NEXT_STEP_AFTER:
            self.at(self.business_days_later(now, *NEXT_STEP_AFTER[case.status]), self.advance, case.pk)

    def documents_arrive(self, case_id):
        case = LoanCase.objects.get(pk=case_id)
        if case.status == CaseState.ON_HOLD:
            self.at(self.business_days_later(timezone.now(), 1, 1), self.documents_arrive, case_id)
            return
        if case.status != CaseState.DOCUMENTS_REQUESTED:
            return
        case_transition(case=case, name="receive_documents", actor=User.objects.get(pk=case.officer_id))
        self.after_transition(case)

    def withdraw(self, case_id):
        case = LoanCase.objects.get(pk=case_id)
        if case.status in FINAL_STATES:
            return
        try:
            case_transition(case=case, name="withdraw", actor=User.objects.get(pk=case.officer_id), reason="借款人撤回申请")
        except TransitionRefused:
            return
        self.after_transition(case)

    def freeze(self):
        open_cases = list(
            LoanCase.objects.exclude(status__in=FINAL_STATES + (CaseState.ON_HOLD,)).values_list("pk", flat=True)
        )
        chosen = self.rng.sample(open_cases, int(len(open_cases) * self.faults.freeze_share))
        cases_hold(cases=LoanCase.objects.filter(pk__in=chosen), actor=self.head_office, reason=HOLD_REASON)
        for case_id in chosen:
            self.borrowers[case_id].held = True
        self.at(timezone.now() + datetime.timedelta(days=self.faults.freeze_days), self.thaw, chosen)

    def thaw(self, chosen):
        cases_resume(cases=LoanCase.objects.filter(pk__in=chosen, status=CaseState.ON_HOLD), actor=self.head_office)
        for case in LoanCase.objects.filter(pk__in=chosen).exclude(status__in=FINAL_STATES):
            if case.status == CaseState.DOCUMENTS_REQUESTED:
                continue  # still waiting for the borrower
            self.at(self.business_days_later(timezone.now(), 0, 1), self.advance, case.pk)

    # --- The worker and the schedules -------------------------------------------------------

    def work_the_outbox(self):
        """What django-q2's workers do: send every notice that is due (a
        failover's copy goes out in the same minute)."""
        for _round in range(5):
            due = list(
                Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)
            )
            if not due:
                return
            for pk in due:
                dispatch.send(pk)

    def hourly(self, now):
        dispatch.sweep()  # stale claims; its queueing is work_the_outbox's loop
        followup.send_progress_updates(now)
        followup.call_the_unreached(now)
        followup.escalate_unacknowledged(now)

    # --- Staff at work ------------------------------------------------------------------------

    def pick_up_tasks(self, now):
        """Each new open task, and each one tried without success, is done
        by its assignee some working hours later."""
        new = StaffTask.objects.filter(status=StaffTask.Status.OPEN, pk__gt=self.last_task_seen)
        rows = list(new.values_list("pk", "assigned_to_id"))
        rows += list(StaffTask.objects.filter(pk__in=self.try_again, status="open").values_list("pk", "assigned_to_id"))
        self.try_again.clear()
        supervisors = {person.pk for person in self.supervisors.values()}
        for task_id, assignee_id in rows:
            self.last_task_seen = max(self.last_task_seen, task_id)
            hours = self.rng.uniform(0.5, 2) if assignee_id in supervisors else self.rng.uniform(0.5, 3)
            self.at(self.working_hours_later(now, hours), self.do_task, task_id)

    def do_task(self, task_id):
        task = StaffTask.objects.select_related("case", "assigned_to", "notification").get(pk=task_id)
        if task.status != StaffTask.Status.OPEN:
            return
        now = timezone.now()
        if not self.is_working_time(now):
            self.at(self.working_hours_later(now, 0.25), self.do_task, task_id)
            return
        borrower = self.borrowers[task.case_id]
        actor = task.assigned_to
        if task.kind == StaffTask.Kind.VERIFY_CONTACT:
            if self.rng.random() < 0.9:  # the loan file, or a call on the other channel, gives the right one
                channel = task.notification.channel if task.notification_id else "sms"
                self.correct(borrower, actor, "phone" if channel == "sms" else "email")
                return
            self.call(task, borrower, actor, "档案中没有其他联系方式")
            return
        if task.kind == StaffTask.Kind.ESCALATION:
            # A supervisor finds a working number and email one way or another.
            for field, wrong in (("phone", borrower.phone_wrong), ("email", borrower.email_wrong)):
                if wrong:
                    self.correct(borrower, actor, field)
            self.call(task, borrower, actor, "主管跟进", answer_rate=0.95)
            return
        self.call(task, borrower, actor, "")

    def call(self, task, borrower, actor, note, answer_rate=0.85):
        reached = not borrower.phone_wrong and self.rng.random() < answer_rate
        outcome = ("已电话告知借款人办理进度" if reached else "无人接听或号码有误") + (f"（{note}）" if note else "")
        notification_actions.task_complete(task=task, actor=actor, outcome=outcome, reached=reached)
        if reached:
            self.reached(borrower.case_id, timezone.now(), "call")
        task.refresh_from_db()
        if task.status == StaffTask.Status.OPEN:
            self.try_again.add(task.pk)  # an attempt noted on an escalation: again later

    def correct(self, borrower, actor, field):
        case = LoanCase.objects.get(pk=borrower.case_id)
        value = borrower.true_phone if field == "phone" else borrower.true_email
        try:
            case_correct_contact(case=case, actor=actor, field=field, value=value, note="档案中的联系方式，借款人确认")
        except ValidationError as exc:
            if exc.code != "unchanged":  # already on file and working: nothing to correct
                raise
        if field == "phone":
            borrower.phone_wrong = False
        else:
            borrower.email_wrong = False

    # --- The borrowers ---------------------------------------------------------------------------

    def reached(self, case_id, when, how, written=None):
        """News truly reached the borrower: the ground truth the drill measures."""
        borrower = self.borrowers[case_id]
        borrower.news.append((when, how, written or when))
        if borrower.documents_asked_at and not borrower.documents_coming and when >= borrower.documents_asked_at:
            borrower.documents_coming = True
            self.at(self.business_days_later(when, 2, 6), self.documents_arrive, case_id)
        if how in ("email", "sms") and self.rng.random() < 0.25:
            self.at(when + datetime.timedelta(hours=self.rng.uniform(0.5, 6)), self.open_page, case_id)

    def open_page(self, case_id):
        case = LoanCase.objects.get(pk=case_id)
        notification_actions.status_page_opened(case=case)
        self.reached(case_id, timezone.now(), "status_page")
        if self.rng.random() < 0.4:
            latest = (
                Notification.objects.filter(case=case, channel="status_page", acknowledged_at__isnull=True)
                .order_by("-created_at").first()
            )
            if latest is not None:
                notification_actions.notification_acknowledge(notification=latest)
