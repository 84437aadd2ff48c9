"""The drill itself: a short simulated fortnight through the real services,
with and without faults. The month-long figures are in the closing notes."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from cases import sla
from drills import report, simulation

START = datetime.datetime(2026, 9, 14, tzinfo=sla.local_tz())


def run(faults, seed=3):
    world = simulation.World(cases=20, days=10, start=START, faults=faults, seed=seed)
    world.run()
    return world


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("faults", [simulation.STANDARD_FAULTS, simulation.NO_FAULTS], ids=["faults", "no-faults"])
def test_no_borrower_goes_more_than_three_business_days_without_news(faults):
    world = run(faults)
    figures = report.borrower_figures(world)
    assert len(figures) == 20
    assert max(row.longest_silence for row in figures) <= 3
    failures, handled = report.failures_reaching_a_person(world)
    assert handled == failures
    assert not [key for key, count in world.accepted_keys.items() if count > 1]
    assert report.drill_failed(world, figures, 3) == ""
    if faults.wrong_contacts:
        # The faults happened: outages opened circuits, wrong contacts were corrected.
        from cases.models import ContactCorrection
        from notifications.models import ProviderCircuit

        assert ProviderCircuit.objects.filter(opened_count__gt=0).exists()
        assert ContactCorrection.objects.exists() or not any(
            b.initial_phone_wrong or b.initial_email_wrong for b in world.borrowers.values()
        )


def test_silence_is_counted_in_whole_business_days_between_news(db):
    beijing = sla.local_tz()
    monday = datetime.datetime(2026, 9, 28, 10, tzinfo=beijing)
    # Monday to Thursday: Tuesday and Wednesday without news.
    assert report.silent_business_days(monday, monday + datetime.timedelta(days=3)) == 2
    # Across National Day (1–7 October 2026 off): 29 and 30 September, 8, 9
    # and the make-up Saturday 10 October.
    assert report.silent_business_days(monday, datetime.datetime(2026, 10, 12, 9, tzinfo=beijing)) == 5
    assert report.silent_business_days(monday, monday + datetime.timedelta(hours=5)) == 0


def test_the_command_refuses_bad_arguments():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("drill", cases=0)
    with pytest.raises(CommandError, match="csv or .xlsx"):
        call_command("drill", output="figures.pdf")
    with pytest.raises(CommandError, match="date like"):
        call_command("drill", start="next monday")
