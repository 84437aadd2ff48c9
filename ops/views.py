"""/healthz for load balancers, /metrics for Prometheus, /ops/status/ for head office."""

import functools
import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from notifications import circuit as breaker
from notifications.models import Channel, NotificationStatus, StaffTask
from notifications.selectors import queue_backlog
from ops import health, selectors
from ops.metrics import registry


@require_safe
def healthz(request):
    """200 when the database, the cache and the task broker all answer, else
    503 naming the ones that did not. No login, no personal data, never
    cached; the body is the same whoever asks."""
    results = health.run_checks()
    failed = [name for name, passed in results.items() if not passed]
    body = {"status": "fail" if failed else "ok", "checks": {name: "ok" if passed else "fail" for name, passed in results.items()}}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


# --- /metrics ------------------------------------------------------------------------

# Headers a reverse proxy adds: a request carrying one came through the
# proxy, so its REMOTE_ADDR (often 127.0.0.1) is the proxy's, not the client's.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def _allowed_networks():
    try:
        return [ipaddress.ip_network(entry, strict=False) for entry in settings.METRICS_ALLOWED_IPS]
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from None


def metrics_allowed(request) -> bool:
    """A request bearing METRICS_TOKEN, or one made directly (not through a
    proxy) from an address in METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())
    # The header the load balancer names the client in (CLIENT_IP_HEADER)
    # says the same.
    proxy_headers = {*PROXY_HEADERS, settings.CLIENT_IP_HEADER} - {"REMOTE_ADDR"}
    if any(name in request.META for name in proxy_headers):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


@require_safe
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


# --- The status page ---------------------------------------------------------------------


def head_office_required(view):
    """Head office and superusers; anyone else signed in gets 403."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_head_office:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _labelled(choices, value) -> str:
    return dict(choices.choices).get(value, value)


@head_office_required
def status(request):
    """Is the service keeping its promise? The queues, what failed, the
    breakers and the calendar, for every branch, in counts only."""
    now = timezone.now()
    backlog = queue_backlog(now)
    tasks = selectors.open_tasks_by_kind()
    ctx = {
        "now": now,
        "task_queue": selectors.task_queue(now),
        "failed_tasks": selectors.failed_tasks(now),
        "failed_task_count": selectors.failed_task_count(now),
        "schedules": selectors.schedules(now),
        "backlog": [
            {"status": _labelled(NotificationStatus, status), "channel": _labelled(Channel, channel), "count": n}
            for (status, channel), n in sorted(backlog["by_status"].items())
        ],
        "backlog_total": sum(backlog["by_status"].values()),
        "oldest_due": backlog["oldest_due"],
        "stale_claims": backlog["stale_claims"],
        "uncertain": backlog["uncertain"],
        "undelivered": [
            {"status": _labelled(NotificationStatus, status), "channel": _labelled(Channel, channel), "since": created}
            for (status, channel), created in sorted(selectors.oldest_undelivered(now).items(), key=lambda item: item[1])
        ],
        "circuits": [
            {"circuit": circuit, "channel": _labelled(Channel, circuit.channel), "state": CIRCUIT_STATES[circuit.state]}
            for circuit in selectors.circuits(now)
        ],
        "calendar": selectors.calendar_status(timezone.localdate(now)),
        "overdue": sum(selectors.overdue_open_cases(now).values()),
        "tasks": [{"kind": label, "count": tasks.get(kind, 0)} for kind, label in StaffTask.Kind.choices],
        "tasks_total": sum(tasks.values()),
    }
    return render(request, "ops/status.html", ctx)


CIRCUIT_STATES = {
    breaker.CLOSED: gettext_lazy("Closed (sending)"),
    breaker.OPEN: gettext_lazy("Open (notices wait)"),
    breaker.HALF_OPEN: gettext_lazy("Probing (one notice is tried)"),
}
