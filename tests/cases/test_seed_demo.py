import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from cases import sla
from cases.models import Branch, CaseTransition, LoanCase, User
from cases.states import FINAL_STATES, CaseState
from notifications.models import Notification
from tests.base import requires_postgres

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_it_builds_a_realistic_demo_and_running_twice_does_no_harm(db):
    output = seed(cases=300, password="demo-pass-2026")

    assert Branch.objects.count() == 3
    assert User.objects.count() >= 12
    assert LoanCase.objects.count() == 300
    states = set(LoanCase.objects.values_list("status", flat=True))
    assert states == set(CaseState.values)
    overdue = LoanCase.objects.exclude(status__in=FINAL_STATES).filter(due_at__lt=timezone.now())
    assert overdue.exists()
    # Every user is printed with role, branch and the password, and can log in.
    for user in User.objects.all():
        line = next(line for line in output.splitlines() if line.startswith(user.username + " "))
        assert "demo-pass-2026" in line
        assert user.check_password("demo-pass-2026")
    assert "officer" in output and "supervisor" in output and "head_office" in output

    # Histories are real: the audit trail ends in the case's state, with its deadline.
    for case in LoanCase.objects.annotate(n=Count("transitions")).filter(n__gt=0)[:100]:
        last = case.transitions.order_by("-created_at", "-id").first()
        assert last.target == case.status
        assert last.due_at == case.due_at
        assert case.entered_state_at == last.created_at
        if case.due_at:
            assert case.due_at == sla.due_for(case.status, case.entered_state_at).at
    four_eyes = CaseTransition.objects.filter(transition="approve").select_related("case")
    assert all(t.actor_id != t.case.signed_by_id for t in four_eyes)

    transitions = CaseTransition.objects.count()
    seed(cases=300, password="another-pass-2026")
    assert LoanCase.objects.count() == 300
    assert CaseTransition.objects.count() == transitions
    assert Branch.objects.count() == 3
    user = User.objects.get(username="bj_cy_officer1")
    assert user.check_password("another-pass-2026")


def test_it_tops_up_to_the_number_asked(db):
    seed(cases=20, password="demo-pass-2026")
    seed(cases=50, password="demo-pass-2026")
    assert LoanCase.objects.count() == 50
    assert LoanCase.objects.values("number").distinct().count() == 50


def test_a_bad_number_of_jobs_is_refused(db):
    with pytest.raises(CommandError, match="--jobs"):
        seed(cases=5, jobs=0, password="demo-pass-2026")
    assert LoanCase.objects.count() == 0


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_build_the_demo_side_by_side():
    # Real forked processes, each with its own connection, writing at once.
    seed(cases=240, jobs=2, password="demo-pass-2026")

    assert LoanCase.objects.count() == 240
    assert LoanCase.objects.values("number").distinct().count() == 240
    assert set(LoanCase.objects.values_list("status", flat=True)) == set(CaseState.values)
    for case in LoanCase.objects.annotate(n=Count("transitions")).filter(n__gt=0):
        last = case.transitions.order_by("-created_at", "-id").first()
        assert (last.target, last.due_at) == (case.status, case.due_at)
    assert Notification.objects.filter(transition__isnull=False).exclude(
        case_id=F("transition__case_id")
    ).count() == 0

    seed(cases=240, jobs=2, password="demo-pass-2026")
    assert LoanCase.objects.count() == 240


def test_two_processes_share_a_sqlite_file(tmp_path):
    # The embedded default: real processes, one SQLite file in WAL mode, one
    # writer at a time. Run as `make run` would, outside the test database.
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    done = subprocess.run(
        manage + ["seed_demo", "--cases", "200", "--jobs", "2", "--password", "demo-pass-2026"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Demo cases: 200 in all (200 new, 2 processes," in done.stdout

    with sqlite3.connect(tmp_path / "demo.sqlite3") as db:
        cases, numbers = db.execute("SELECT count(*), count(DISTINCT number) FROM cases_loancase").fetchone()
        orphans = db.execute(
            "SELECT count(*) FROM notifications_notification n JOIN cases_casetransition t ON t.id = n.transition_id"
            " WHERE t.case_id != n.case_id"
        ).fetchone()[0]
        unsettled = db.execute(
            "SELECT count(*) FROM notifications_notification n WHERE n.status NOT IN ('queued', 'sending')"
            " AND n.channel IN ('email', 'sms') AND NOT EXISTS"
            " (SELECT 1 FROM notifications_deliveryevent e WHERE e.notification_id = n.id)"
        ).fetchone()[0]
    assert (cases, numbers, orphans, unsettled) == (200, 200, 0, 0)
