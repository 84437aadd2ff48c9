"""Prometheus metrics, read from the database at scrape time.

Every gunicorn worker and qcluster process shares the database, so figures
read from it are the same whichever process answers the scrape: no
per-process counters to add up, no prometheus_client multiprocess directory.
Each scrape runs a fixed number of aggregate queries (ops.selectors), each
on an index. No labels name a person, a case or a branch.
"""

from django.utils import timezone
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from cases.states import OPEN_STATES
from notifications import circuit as breaker
from notifications import selectors as notification_selectors
from notifications.models import PENDING_STATUSES, SENT_CHANNELS, Channel, NotificationStatus, StaffTask
from ops import selectors

PREFIX = "loanflow"


def _gauge(name, documentation, labels, values: dict, keys):
    """A gauge with a sample for every key in `keys` (0 when absent), so an
    alert on a series never sees it vanish when the count drops to nothing."""
    family = GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=labels)
    for key in keys:
        key = key if isinstance(key, tuple) else (key,)
        family.add_metric([str(part) for part in key], values.get(key if len(key) > 1 else key[0], 0))
    return family


class LoanflowCollector(Collector):
    def collect(self):
        now = timezone.now()
        channels = Channel.values
        statuses = NotificationStatus.values

        yield _gauge(
            "notices",
            "Notices written in the last 24 hours, by current status and channel.",
            ["status", "channel"],
            selectors.notice_counts_recent(now),
            [(status, channel) for status in statuses for channel in channels],
        )
        yield _gauge(
            "notices_pending",
            "Notices queued or being sent now, however old (the outbox backlog).",
            ["status", "channel"],
            notification_selectors.pending_counts(),
            [(status, channel) for status in PENDING_STATUSES for channel in channels],
        )
        oldest = selectors.oldest_undelivered(now)
        yield _gauge(
            "notice_oldest_undelivered_age_seconds",
            "Age of the oldest notice to a borrower not yet delivered nor handled by staff, "
            "by status (queued, sending, sent awaiting receipt or call) and channel; 0 if none.",
            ["status", "channel"],
            {key: max((now - created).total_seconds(), 0.0) for key, created in oldest.items()},
            [(status, channel) for status in selectors.UNDELIVERED_STATUSES for channel in SENT_CHANNELS],
        )

        yield _histogram(
            "notice_delivery_seconds",
            "Time from a notice being written to its delivery, for notices delivered in the last hour.",
            selectors.delivery_latency(now),
        )
        yield _histogram(
            "notice_dispatch_seconds",
            "Time from a notice being written to the provider accepting it, for notices sent in the last hour "
            "(also where the provider never reports delivery).",
            selectors.delivery_latency(now, until="sent_at"),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_notices_uncertain",
            "Sends whose worker died or could not record the outcome, held until the provider reports on them.",
            value=notification_selectors.claim_counts(now)["uncertain"],
        )

        yield _gauge(
            "cases_overdue",
            "Open cases past their deadline, by stage.",
            ["stage"],
            selectors.overdue_open_cases(now),
            list(OPEN_STATES),
        )
        yield _gauge(
            "staff_tasks_open",
            "Open staff tasks (calls, contact checks, questions, escalations), by kind.",
            ["kind"],
            selectors.open_tasks_by_kind(),
            StaffTask.Kind.values,
        )

        circuit_open = GaugeMetricFamily(
            f"{PREFIX}_circuit_open", "1 while a channel's circuit breaker is open (notices wait).", labels=["channel"]
        )
        failures = GaugeMetricFamily(
            f"{PREFIX}_circuit_consecutive_failures",
            "Consecutive failed sends on a channel (the breaker opens at NOTIFICATIONS_CIRCUIT_FAILURES).",
            labels=["channel"],
        )
        for circuit in selectors.circuits(now):
            circuit_open.add_metric([circuit.channel], 1 if circuit.state == breaker.OPEN else 0)
            failures.add_metric([circuit.channel], circuit.consecutive_failures)
        yield circuit_open
        yield failures

        queue = selectors.task_queue(now)
        if queue["waiting"] is not None:
            yield GaugeMetricFamily(
                f"{PREFIX}_task_queue_waiting", "django-q2 tasks waiting for a worker.", value=queue["waiting"]
            )
        yield GaugeMetricFamily(
            f"{PREFIX}_tasks_failed_24h",
            "django-q2 tasks that failed in the last 24 hours.",
            value=selectors.failed_task_count(now),
        )


def _histogram(name, documentation, rows):
    family = HistogramMetricFamily(f"{PREFIX}_{name}", documentation, labels=["channel"])
    for row in rows:
        buckets = [(_bound(bound), count) for bound, count in row.buckets] + [("+Inf", row.count)]
        family.add_metric([row.channel], buckets=buckets, sum_value=row.sum_seconds)
    return family


def _bound(seconds) -> str:
    return f"{float(seconds)}"


# Only our collector: per-process metrics (memory, CPU of whichever worker
# answered) would say nothing about the service. Not auto-described, so
# registering it runs no query at import.
registry = CollectorRegistry(auto_describe=False)
registry.register(LoanflowCollector())
