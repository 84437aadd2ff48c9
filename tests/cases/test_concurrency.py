"""Twenty simultaneous attempts at one transition: exactly one wins."""

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import CaseTransition, LoanCase
from cases.services import TransitionRefused
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
            services.case_sign(case=mine, actor=actor)
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
