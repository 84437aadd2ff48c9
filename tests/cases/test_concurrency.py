"""Twenty simultaneous attempts at one transition: exactly one wins."""

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import CaseTransition, LoanCase
from cases.services import TransitionRefused
from cases.services.transitions import _apply_transition
from tests.base import make_case, make_user, requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 20


def test_twenty_threads_sign_the_same_case_once(branch_a):
    from cases.models import Role

    actors = [make_user(f"officer{i}", Role.OFFICER, branch_a) for i in range(ATTEMPTS)]
    case = make_case(branch_a, actors[0])
    barrier = threading.Barrier(ATTEMPTS)
    outcomes = []
    lock = threading.Lock()

    def attempt(actor):
        # Each thread has its own connection and its own copy of the case, as
        # twenty browser tabs would.
        mine = LoanCase.objects.get(pk=case.pk)
        barrier.wait()
        try:
            services.case_transition(name="sign", case=mine, actor=actor)
            result = "ok"
        except TransitionRefused as refused:
            result = refused.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == ATTEMPTS
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "conflict"}
    assert CaseTransition.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.status == "signed"


def test_a_transition_in_flight_while_head_office_announces_the_year_ends_up_recomputed(branch_a, head_office):
    """An officer's transition computes its deadline on the old calendar while
    head office stores 2027 and recomputes: whichever commits first, the case
    ends with the deadline of the announced year (PostgreSQL row locks)."""
    import datetime
    import time

    from django.db import transaction

    from cases import calendar, sla
    from cases.models import Role

    officer = make_user("officer_race", Role.OFFICER, branch_a)
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    case = make_case(branch_a, officer, at=datetime.datetime(2026, 12, 28, 9, tzinfo=beijing))
    old_calendar = calendar.current()
    locked = threading.Event()

    def officer_signs():
        try:
            with transaction.atomic():
                mine = LoanCase.objects.select_for_update().get(pk=case.pk)
                locked.set()
                time.sleep(0.5)  # the page is slow; head office saves meanwhile
                record = _apply_transition(
                    mine, "sign", officer, "", {}, datetime.datetime(2026, 12, 31, 10, tzinfo=beijing),
                    calendar=old_calendar,
                )
                mine.save()
                record.save()
        finally:
            connection.close()

    thread = threading.Thread(target=officer_signs)
    thread.start()
    assert locked.wait(10)
    days, errors = calendar.parse_rows([(1, ["2027-01-01~2027-01-04", "休", "元旦"])], 2027)
    assert not errors
    services.calendar_year_save(year=2027, status="announced", days=days, actor=head_office, queue=False)
    result = services.calendar_recompute_pending()  # what the queued task runs
    thread.join(timeout=30)

    case.refresh_from_db()
    assert case.status == "signed"
    # 1 business day after 31 Dec with 1–4 January off: Tuesday 5 January, final.
    assert sla.due_date(case.due_at) == datetime.date(2027, 1, 5)
    assert not case.deadline_provisional
    assert result.checked >= 1
