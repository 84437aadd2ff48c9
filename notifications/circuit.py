"""A circuit breaker per sending channel (email, SMS), shared by every worker
through the database. The only writer of ProviderCircuit.

An outage shows as consecutive failed attempts that a retry could mend
(timeouts, 5xx); after CIRCUIT_FAILURES of them the circuit opens for
CIRCUIT_COOL_OFF seconds. While it is open, notices on the channel wait
(dispatch defers them) and their news goes out on the borrower's next
channel at once (services.failover). After the cool-off one worker claims
the probe (half-open): one notice is tried while the others keep waiting;
its success closes the circuit, its failure opens it again. A bad address
is not an outage and does not count.
"""

import datetime

from django.db.models import F, Q
from django.utils import timezone

from notifications.conf import conf
from notifications.models import ProviderCircuit

# A breaker's states, read from its row by state().
CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"  # cool-off over: the next notice on the channel is the probe


def state(consecutive_failures, until, now) -> str:
    if until is not None and until > now:
        return OPEN
    if consecutive_failures >= conf.CIRCUIT_FAILURES:
        return HALF_OPEN
    return CLOSED


def open_until(channel, now=None):
    """When the channel's circuit closes again, or None if it is closed."""
    now = now or timezone.now()
    until = ProviderCircuit.objects.filter(channel=channel, open_until__gt=now).values_list("open_until", flat=True)
    return until.first()


def is_open(channel, now=None) -> bool:
    return open_until(channel, now) is not None


# How long a claimed probe keeps the others waiting (longer than any send).
PROBE_SECONDS = 120


def allow(channel, now=None) -> bool:
    """May a notice on `channel` be sent now? Yes while the circuit is
    closed; after a cool-off, yes for the one caller that claims the probe."""
    now = now or timezone.now()
    circuit = ProviderCircuit.objects.filter(channel=channel).values_list("consecutive_failures", "open_until").first()
    if circuit is None:
        return True
    current = state(*circuit, now)
    if current != HALF_OPEN:
        return current == CLOSED
    return bool(
        ProviderCircuit.objects.filter(channel=channel, consecutive_failures__gte=conf.CIRCUIT_FAILURES)
        .filter(Q(open_until__isnull=True) | Q(open_until__lte=now))
        .update(open_until=now + datetime.timedelta(seconds=PROBE_SECONDS), updated_at=now)
    )


def record_success(channel, now=None) -> bool:
    """A send went through: the provider works, the circuit closes. Returns
    True if it was open (an outage just ended)."""
    now = now or timezone.now()
    ended = ProviderCircuit.objects.filter(
        channel=channel, consecutive_failures__gte=conf.CIRCUIT_FAILURES, open_until__isnull=False
    ).update(consecutive_failures=0, open_until=None, updated_at=now)
    ProviderCircuit.objects.filter(channel=channel, consecutive_failures__gt=0).update(
        consecutive_failures=0, open_until=None, updated_at=now
    )
    return bool(ended)


def record_failure(channel, now=None) -> bool:
    """A send failed in a way a retry could mend. Returns True if this
    failure opened the circuit."""
    now = now or timezone.now()
    ProviderCircuit.objects.get_or_create(channel=channel)
    ProviderCircuit.objects.filter(channel=channel).update(
        consecutive_failures=F("consecutive_failures") + 1, updated_at=now
    )
    # Opened once per outage, and again after each failed probe (whose
    # claim set open_until a little ahead).
    return bool(
        ProviderCircuit.objects.filter(channel=channel, consecutive_failures__gte=conf.CIRCUIT_FAILURES)
        .filter(Q(open_until__isnull=True) | Q(open_until__lte=now + datetime.timedelta(seconds=PROBE_SECONDS)))
        .update(
            open_until=now + datetime.timedelta(seconds=conf.CIRCUIT_COOL_OFF),
            opened_count=F("opened_count") + 1,
            updated_at=now,
        )
    )
