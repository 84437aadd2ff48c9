import datetime

import pytest

from cases import sla
from cases.services import TransitionRefused, case_transition
from tests.base import BEIJING, make_case

D = datetime.date

# The calendar is read from the database, where a migration stored the
# State Council's 2025 and 2026 schedules.
pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, 0, tzinfo=BEIJING)


@pytest.mark.parametrize(
    "start, days, due",
    [
        # Friday before Spring Festival 2026: Saturday 14 Feb is a make-up workday.
        (at(2026, 2, 13), 1, D(2026, 2, 14)),
        # From that Saturday, 1 day: Spring Festival runs 15–23 Feb, back on the 24th.
        (at(2026, 2, 14), 1, D(2026, 2, 24)),
        # Saturday 28 Feb 2026 is also a make-up workday.
        (at(2026, 2, 27), 1, D(2026, 2, 28)),
        # National Day 2026: 1–7 Oct off; Sat 10 Oct worked; Sun 20 Sep worked.
        (at(2026, 9, 30), 1, D(2026, 10, 8)),
        (at(2026, 10, 9), 1, D(2026, 10, 10)),
        (at(2026, 9, 18), 1, D(2026, 9, 20)),
        # Labour Day 2026: 1–5 May off, Sat 9 May worked.
        (at(2026, 4, 30), 1, D(2026, 5, 6)),
        (at(2026, 5, 8), 1, D(2026, 5, 9)),
        # 2025: Sun 26 Jan and Sat 8 Feb worked around Spring Festival (28 Jan–4 Feb).
        (at(2025, 1, 24), 1, D(2025, 1, 26)),
        (at(2025, 1, 27), 1, D(2025, 2, 5)),
        (at(2025, 2, 7), 1, D(2025, 2, 8)),
        # 2025 National Day: 1–8 Oct off; Sun 28 Sep and Sat 11 Oct worked.
        (at(2025, 9, 26), 1, D(2025, 9, 28)),
        (at(2025, 9, 30), 1, D(2025, 10, 9)),
        # An ordinary week: 5 business days from Monday is next Monday.
        (at(2026, 3, 2), 5, D(2026, 3, 9)),
        # 10 business days across Qingming 2026 (Sat 4 – Mon 6 Apr off).
        (at(2026, 3, 31), 10, D(2026, 4, 15)),
    ],
)
def test_it_counts_business_days_on_the_state_council_schedule(start, days, due):
    deadline = sla.deadline(start, days)
    assert sla.due_date(deadline) == due
    # Due by the end of that day, Beijing time.
    assert deadline == datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time(), tzinfo=sla.local_tz())


def test_a_late_evening_start_counts_from_its_beijing_day():
    # 23:30 UTC on Thu 12 Feb is Fri 13 Feb 07:30 in Beijing.
    start = datetime.datetime(2026, 2, 12, 23, 30, tzinfo=datetime.UTC)
    assert sla.due_date(sla.deadline(start, 1)) == D(2026, 2, 14)


def test_a_year_not_announced_is_estimated_not_refused():
    # 2027's schedule is not entered: New Year's Day (Fri 1 Jan) comes from
    # the lunar-calendar estimate, so 1 business day after 31 Dec is Mon 4 Jan.
    due = sla.due_in(at(2026, 12, 31), 1)
    assert sla.due_date(due.at) == D(2027, 1, 4)
    assert due.provisional and due.sla_days == 1
    # Entirely inside the announced 2026: exact, not provisional.
    assert not sla.due_in(at(2026, 12, 28), 3).provisional


def test_business_days_between_skips_holidays_and_counts_makeup_days():
    assert sla.business_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert sla.business_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_a_transition_whose_deadline_falls_in_an_unannounced_year_goes_ahead_provisionally(branch_a, officer):
    case = make_case(branch_a, officer, at=at(2026, 12, 24))
    # Signed on 31 Dec: its 1-day deadline falls in 2027, not yet announced.
    record = case_transition(name="sign", case=case, actor=officer, at=at(2026, 12, 31))
    case.refresh_from_db()
    assert case.status == "signed"
    assert sla.due_date(case.due_at) == D(2027, 1, 4)
    assert case.deadline_provisional and case.sla_days == 1
    assert record.deadline_provisional and record.due_at == case.due_at and record.sla_days == 1


def test_the_sla_policy_is_data(branch_a, officer):
    from cases.models import SlaPolicy

    SlaPolicy.objects.filter(state="signed").update(business_days=3)
    case = make_case(branch_a, officer, at=at(2026, 3, 2))
    case_transition(name="sign", case=case, actor=officer, at=at(2026, 3, 2))
    assert sla.due_date(case.due_at) == D(2026, 3, 5)


def test_a_state_without_an_sla_policy_is_refused_not_left_without_a_clock(branch_a, officer):
    from cases.models import SlaPolicy

    case = make_case(branch_a, officer, at=at(2026, 3, 2))
    SlaPolicy.objects.filter(state="signed").delete()
    with pytest.raises(TransitionRefused) as info:
        case_transition(name="sign", case=case, actor=officer, at=at(2026, 3, 2))
    assert info.value.code == "sla_policy"
    case.refresh_from_db()
    assert case.status == "submitted" and case.transitions.count() == 0
