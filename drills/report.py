"""The drill's figures, as a supervisor would bring them to the risk committee:
per borrower the longest silence (whole business days without news that
reached them), whether every final failure reached a named person within a
business day, and whether any message went out twice."""

import dataclasses
import datetime
from collections import Counter

import tablib
from django.db.models import Q

from cases import sla
from cases.models import ContactCorrection, LoanCase
from notifications.models import Notification, ProviderCircuit, StaffTask


def silent_business_days(earlier, later):
    """Whole business days strictly between the local days of two moments."""
    first, last = sla.local_day(earlier), sla.local_day(later)
    if last <= first:
        return 0
    days = sla.business_days_between(first, last)
    return days - (1 if sla.is_business_day(last) else 0)


@dataclasses.dataclass
class BorrowerFigures:
    number: str
    state: str
    contacts: str  # which contact on file was wrong at the start
    held: bool
    news: int
    longest_silence: int  # whole business days
    silent_from: datetime.date | None


def borrower_figures(world):
    """The longest silence of each borrower, from the drill's ground truth.

    From the case's opening to the end of the drill; a closed case stops
    counting once the news of its closing reached the borrower."""
    end_day = sla.local_day(world.end)
    end = datetime.datetime.combine(end_day, datetime.time(), tzinfo=sla.local_tz())
    states = dict(LoanCase.objects.values_list("pk", "status"))
    rows = []
    for borrower in world.borrowers.values():
        moments = sorted(at for at, _how, _written in borrower.news)
        stop = end
        if borrower.closed_at is not None:
            # Until the news of the closing (or anything newer) reached them.
            told = sorted(at for at, _how, written in borrower.news if written >= borrower.closed_at)
            stop = told[0] if told else end
        points = [borrower.created_at] + [at for at in moments if at < stop] + [stop]
        gaps = [(silent_business_days(a, b), a) for a, b in zip(points, points[1:], strict=False)]
        longest, since = max(gaps, key=lambda gap: gap[0]) if gaps else (0, None)
        wrong = [name for name, flag in (("phone", borrower.initial_phone_wrong), ("email", borrower.initial_email_wrong)) if flag]
        rows.append(
            BorrowerFigures(
                number=borrower.number, state=states[borrower.case_id], contacts="+".join(wrong) or "ok",
                held=borrower.held, news=len(moments), longest_silence=longest,
                silent_from=sla.local_day(since) if since else None,
            )
        )
    return sorted(rows, key=lambda row: (-row.longest_silence, row.number))


# Tasks in which a person acts on a failed notice: check the contact, call.
FAILURE_TASKS = (
    StaffTask.Kind.VERIFY_CONTACT,
    StaffTask.Kind.CALL_BORROWER,
    StaffTask.Kind.PHONE_NOTICE,
    StaffTask.Kind.ESCALATION,
)


def failures_reaching_a_person(world):
    """(final failures, those that reached a named person within one
    business day): a contact check, call or escalation about that notice's
    news, created at the failure or within a business day after it, or one
    already open about the case's contact at the moment it failed."""
    handled = 0
    for notification_id, case_id, at in world.final_failures:
        news = _same_news_ids(notification_id)
        within = sla.deadline(at, 1)
        tasks = StaffTask.objects.filter(case_id=case_id, kind__in=FAILURE_TASKS)
        about_it = tasks.filter(Q(notification_id__in=news) | Q(notification__isnull=True)).filter(
            created_at__gte=at, created_at__lte=within
        )
        already_on_it = tasks.filter(created_at__lte=at).filter(Q(completed_at__isnull=True) | Q(completed_at__gt=at))
        handled += about_it.exists() or already_on_it.exists()
    return len(world.final_failures), handled


def _same_news_ids(notification_id):
    notice = Notification.objects.filter(pk=notification_id).values("case_id", "key", "transition_id", "created_at")
    first = notice.first()
    if first is None:
        return []
    return list(Notification.objects.filter(**first).values_list("pk", flat=True))


def summary(world, seconds, threshold):
    figures = borrower_figures(world)
    failures, handled = failures_reaching_a_person(world)
    duplicates = sum(1 for count in world.accepted_keys.values() if count > 1)
    twice = sum(1 for count in world.deliveries.values() if count > 1)
    silences = Counter(min(row.longest_silence, threshold + 1) for row in figures)
    lines = [
        f"drill: {len(figures)} borrowers over {world.days} days from {sla.local_day(world.start)}, seed {world.seed}, "
        f"{seconds:.1f} s",
        f"faults: {describe_faults(world)}",
        "longest silence per borrower (whole business days without news that reached them): "
        + ", ".join(
            f"{'>' + str(threshold) if days > threshold else days}: {silences[days]}" for days in sorted(silences)
        ),
        f"borrowers more than {threshold} business days without news: "
        f"{sum(1 for row in figures if row.longest_silence > threshold)}",
        f"final failures: {failures}; with a task for a named person within 1 business day: {handled}; "
        f"without: {failures - handled}",
        f"duplicates: a notice accepted twice by a provider {duplicates}; "
        f"the same news delivered twice on one channel {twice}",
        "notices: " + ", ".join(f"{status} {count}" for status, count in _counts(Notification, "status")),
        "tasks: " + ", ".join(f"{kind} {count}" for kind, count in _counts(StaffTask, "kind")),
        f"contact corrections: {ContactCorrection.objects.count()}; circuits opened: "
        + ", ".join(f"{c.channel} {c.opened_count}" for c in ProviderCircuit.objects.order_by("channel")),
    ]
    return lines, figures


def describe_faults(world):
    faults = world.faults
    parts = []
    for channel, window in world.outages.items():
        if window:
            parts.append(f"{channel} outage {window[0]:%m-%d %H:%M}–{window[1]:%m-%d %H:%M}")
    if faults.wrong_contacts:
        parts.append(f"{faults.wrong_contacts:.0%} wrong contacts")
    if faults.freeze_share:
        parts.append(f"{faults.freeze_share:.0%} held for {faults.freeze_days} days from day {faults.freeze_start}")
    if faults.lost_receipts:
        parts.append(f"{faults.lost_receipts:.0%} of SMS receipts lost")
    return ", ".join(parts) or "none"


def _counts(model, field):
    return sorted(Counter(model.objects.values_list(field, flat=True)).items())


def dataset(figures):
    data = tablib.Dataset(
        headers=["case", "state", "wrong contact", "held", "news received", "longest silence (business days)",
                 "silent from"],
        title="drill",
    )
    for row in figures:
        data.append([row.number, row.state, row.contacts, "yes" if row.held else "", row.news,
                     row.longest_silence, row.silent_from.isoformat() if row.silent_from else ""])
    return data


def drill_failed(world, figures, threshold):
    """What failed the drill, in a line, or "" if nothing did."""
    problems = []
    silent = sum(1 for row in figures if row.longest_silence > threshold)
    if silent:
        problems.append(f"{silent} borrowers more than {threshold} business days without news")
    failures, handled = failures_reaching_a_person(world)
    if handled < failures:
        problems.append(f"{failures - handled} final failures reached nobody within a business day")
    duplicates = sum(1 for count in world.accepted_keys.values() if count > 1)
    duplicates += sum(1 for count in world.deliveries.values() if count > 1)
    if duplicates:
        problems.append(f"{duplicates} notices sent twice")
    return "; ".join(problems)
