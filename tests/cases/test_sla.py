import datetime

import pytest

from cases import sla
from cases.services import TransitionRefused, case_sign
from tests.base import BEIJING, make_case

D = datetime.date


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


def test_it_refuses_a_year_the_calendar_does_not_cover():
    with pytest.raises(sla.CalendarNotCovered) as info:
        sla.deadline(at(2026, 12, 30), 5)
    assert info.value.year == 2027
    assert "2027" in str(info.value)


def test_business_days_between_skips_holidays_and_counts_makeup_days():
    assert sla.business_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert sla.business_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_a_transition_whose_deadline_is_uncovered_is_refused_and_writes_nothing(branch_a, officer):
    case = make_case(branch_a, officer, at=at(2026, 12, 24))
    # Signed on 31 Dec: its 1-day deadline falls in 2027, not yet announced.
    with pytest.raises(TransitionRefused) as info:
        case_sign(case=case, actor=officer, at=at(2026, 12, 31))
    assert info.value.code == "calendar"
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.transitions.count() == 0


def test_the_sla_policy_is_data(branch_a, officer):
    from cases.models import SlaPolicy

    SlaPolicy.objects.filter(state="signed").update(business_days=3)
    case = make_case(branch_a, officer, at=at(2026, 3, 2))
    case_sign(case=case, actor=officer, at=at(2026, 3, 2))
    assert sla.due_date(case.due_at) == D(2026, 3, 5)


def test_the_system_check_refuses_a_year_without_an_announced_schedule(settings):
    from cases.checks import check_business_calendar

    settings.BUSINESS_CALENDAR_YEARS = [2025, 2026, 2031]
    ids = [message.id for message in check_business_calendar(None)]
    assert "cases.E001" in ids
    settings.BUSINESS_CALENDAR_YEARS = [2025, 2026]
    assert "cases.E001" not in [message.id for message in check_business_calendar(None)]


def test_a_state_without_an_sla_policy_is_refused_not_left_without_a_clock(branch_a, officer):
    from cases.models import SlaPolicy

    case = make_case(branch_a, officer, at=at(2026, 3, 2))
    SlaPolicy.objects.filter(state="signed").delete()
    with pytest.raises(TransitionRefused) as info:
        case_sign(case=case, actor=officer, at=at(2026, 3, 2))
    assert info.value.code == "calendar"
    case.refresh_from_db()
    assert case.status == "submitted" and case.transitions.count() == 0
