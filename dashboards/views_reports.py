"""Lists and reports across cases: overdue list, notification monitor,
supervisor report with exports, bulk hold/resume, the access log."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import calendar as business_calendar
from cases import selectors as case_selectors
from cases import services, sla
from cases.models import Role
from dashboards import exports, selectors
from dashboards.filters import BulkFilter, OverdueFilter
from dashboards.forms import AccessLogForm, BulkForm, HandledForm, ReportForm
from dashboards.paging import paginate_table
from dashboards.tables import AccessLogTable, BulkTable, NoticeProblemTable, OverdueTable, access_what
from loanflow.redirects import next_url
from notifications import actions as notification_actions
from notifications import selectors as notification_selectors
from notifications.models import FAILED_STATUSES, Notification, NotificationStatus


def supervisor_required(view):
    """Supervisor pages: supervisors and head office; anyone else gets 403."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_head_office or user.has_role(Role.SUPERVISOR)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _branch_in_scope_or_404(request):
    """A branch in the query string that the user may not see is a 404, as its cases are."""
    value = request.GET.get("branch") or ""
    if value and not selectors.branches_for_user(request.user).filter(pk=value if value.isdigit() else -1).exists():
        raise Http404 from None


# --- Overdue cases -------------------------------------------------------------


def _overdue_filter(request, now):
    _branch_in_scope_or_404(request)
    return OverdueFilter(
        request.GET or None, queryset=selectors.overdue_cases(request.user, now), user=request.user, now=now
    )


@login_required
def overdue_list(request):
    now = timezone.now()
    filterset = _overdue_filter(request, now)
    table = paginate_table(request, OverdueTable(filterset.qs, now=now))
    return render(request, "dashboards/overdue.html", {"filter": filterset, "table": table, "now": now})


OVERDUE_COLUMNS = [
    ("number", gettext_lazy("case number")),
    ("stage", gettext_lazy("stage")),
    ("days_overdue", gettext_lazy("business days overdue")),
    ("due_by", gettext_lazy("due by")),
    ("due_by_estimated", gettext_lazy("due date estimated")),
    ("officer", gettext_lazy("officer")),
    ("branch", gettext_lazy("branch")),
    ("last_notice", gettext_lazy("last notice")),
    ("last_notice_status", gettext_lazy("status")),
]


@login_required
def overdue_export(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404 from None
    now = timezone.now()
    filterset = _overdue_filter(request, now)
    cases = list(filterset.qs.order_by("due_at", "id")[: exports.MAX_ROWS + 1])
    if len(cases) > exports.MAX_ROWS:
        messages.error(request, exports.too_many_rows_message())
        return redirect(reverse("cases:overdue") + "?" + request.GET.urlencode())
    calendar = business_calendar.current()
    rows = [
        {
            "number": case.number,
            "stage": case.get_status_display(),
            "days_overdue": selectors.days_overdue(case, now, calendar),
            "due_by": sla.due_date(case.due_at),
            "due_by_estimated": _("yes") if case.deadline_provisional else "",
            "officer": selectors.staff_name(case.officer),
            "branch": case.branch.name,
            "last_notice": case.last_notice_at.astimezone(sla.local_tz()) if case.last_notice_at else None,
            "last_notice_status": NotificationStatus(case.last_notice_status).label if case.last_notice_status else "",
        }
        for case in cases
    ]
    data = exports.dataset(_("Overdue cases"), OVERDUE_COLUMNS, rows)
    return exports.response(data, f"overdue-{case_selectors.today_local(now)}", fmt)


# --- Notification monitor ------------------------------------------------------


@login_required
def notice_monitor(request):
    now = timezone.now()
    problem = request.GET.get("problem") or notification_selectors.Problem.FAILED
    if problem not in notification_selectors.Problem.ALL:
        problem = notification_selectors.Problem.FAILED
    table = paginate_table(
        request, NoticeProblemTable(notification_selectors.notice_problems(request.user, problem, now))
    )
    period = selectors.Period.last_days(30, now)
    ctx = {
        "table": table,
        "problem": problem,
        "problems": [
            (notification_selectors.Problem.FAILED, _("Failed or bounced")),
            (notification_selectors.Problem.STUCK, _("Stuck")),
            (notification_selectors.Problem.UNACKNOWLEDGED, _("Not acknowledged")),
        ],
        "counts": notification_selectors.notice_problem_counts(request.user, now),
        "rates": notification_selectors.delivery_rate_by_channel(request.user, period.since, period.until),
        "period": period,
        "target_hours": int(notification_selectors.NOTICE_TARGET.total_seconds() // 3600),
        "ack_hours": int(notification_selectors.ACK_EXPECTED_WITHIN.total_seconds() // 3600),
        "stuck_minutes": int(notification_selectors.QUEUE_STUCK_AFTER.total_seconds() // 60),
    }
    return render(request, "dashboards/notices.html", ctx)


def _notice_or_404(request, pk):
    try:
        return notification_selectors.notification_get_for_user(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def notice_retry(request, pk):
    notice = _notice_or_404(request, pk)
    if notice.status not in FAILED_STATUSES:
        messages.info(request, _("Only failed or bounced notices can be sent again."))
    else:
        try:
            notification_actions.notification_retry(notification=notice, actor=request.user)
        except ValidationError as error:
            # e.g. the contact is marked unreachable: verify it first.
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The notice to case %(case)s is queued to be sent again.") % {"case": notice.case.number}
            )
    return redirect(next_url(request, "cases:notices"))


@login_required
@require_POST
def notice_handled(request, pk):
    notice = _notice_or_404(request, pk)
    form = HandledForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if notice.handled_at is not None:
        messages.info(request, _("This notice was already marked as handled."))
    else:
        notification_actions.notification_mark_handled(notification=notice, actor=request.user, note=note)
        messages.success(request, _("Marked as handled: the notice to case %(case)s.") % {"case": notice.case.number})
    return redirect(next_url(request, "cases:notices"))


# --- Supervisor report ----------------------------------------------------------


REPORT_TABLES = {
    "overdue_branch": (
        gettext_lazy("Overdue by branch"),
        [("label", gettext_lazy("branch")), ("overdue", gettext_lazy("overdue cases"))],
    ),
    "overdue_stage": (
        gettext_lazy("Overdue by stage"),
        [("label", gettext_lazy("stage")), ("overdue", gettext_lazy("overdue cases"))],
    ),
    "overdue_officer": (
        gettext_lazy("Overdue by officer"),
        [
            ("label", gettext_lazy("officer")),
            ("branch__name", gettext_lazy("branch")),
            ("overdue", gettext_lazy("overdue cases")),
        ],
    ),
    "sla": (
        gettext_lazy("SLA compliance by stage"),
        [
            ("label", gettext_lazy("stage")),
            ("on_time", gettext_lazy("on time")),
            ("late", gettext_lazy("completed late")),
            ("still_late", gettext_lazy("still open, late")),
            ("rate", gettext_lazy("compliance %")),
        ],
    ),
    "kpi": (
        gettext_lazy("Notification completion rate by officer"),
        [
            ("label", gettext_lazy("officer")),
            ("branch", gettext_lazy("branch")),
            ("total", gettext_lazy("notices")),
            ("met", gettext_lazy("delivered or acknowledged in time")),
            ("rate", gettext_lazy("completion %")),
        ],
    ),
    "trend": (
        gettext_lazy("Notices per day"),
        [
            ("day", gettext_lazy("day")),
            ("total", gettext_lazy("notices")),
            ("met", gettext_lazy("delivered or acknowledged in time")),
            ("rate", gettext_lazy("completion %")),
        ],
    ),
}


# Columns of words (left-aligned); the others are figures.
TEXT_COLUMNS = {"label", "branch", "branch__name", "day"}


def _report_form(request, now):
    _branch_in_scope_or_404(request)
    data = request.GET.copy()
    for key, value in ReportForm.defaults(now).items():
        data.setdefault(key, value.isoformat())
    return ReportForm(data, user=request.user)


def _compute_report_rows(user, key, period, branch, now):
    if key.startswith("overdue_"):
        return selectors.overdue_counts(user, key.removeprefix("overdue_"), branch=branch, now=now)
    if key == "sla":
        return selectors.sla_compliance(user, period, branch=branch, now=now)
    if key == "kpi":
        return selectors.notice_kpi_by_officer(user, period, branch=branch)
    if key == "trend":
        return selectors.notice_trend(user, period.end, 30, branch=branch)
    raise Http404


def _report_rows(user, key, form, now):
    """(as_of, rows): the page and its exports show the same cached figures."""
    period, branch = form.period(), form.cleaned_data["branch"]
    parts = (period.start, period.end, branch.pk if branch else "")
    return selectors.cached_report(user, key, parts, lambda: _compute_report_rows(user, key, period, branch, now))


@supervisor_required
def supervisor_report(request):
    now = timezone.now()
    form = _report_form(request, now)
    ctx = {"form": form, "now": now}
    if form.is_valid():
        results = {key: _report_rows(request.user, key, form, now) for key in REPORT_TABLES}
        ctx["sections"] = {
            key: {
                "key": key,
                "title": title,
                "columns": [
                    {"field": field, "header": header, "text": field in TEXT_COLUMNS} for field, header in columns
                ],
                "rows": results[key][1],
            }
            for key, (title, columns) in REPORT_TABLES.items()
        }
        ctx["as_of"] = min(as_of for as_of, _rows in results.values())
        ctx["cache_minutes"] = selectors.REPORT_CACHE_SECONDS // 60
        ctx["query"] = request.GET.urlencode()
        ctx["target_hours"] = int(notification_selectors.NOTICE_TARGET.total_seconds() // 3600)
    return render(request, "dashboards/report.html", ctx, status=200 if form.is_valid() else 400)


@supervisor_required
def report_export(request, table, fmt):
    if table not in REPORT_TABLES or fmt not in exports.FORMATS:
        raise Http404 from None
    now = timezone.now()
    form = _report_form(request, now)
    if not form.is_valid():
        messages.error(request, _("The report filters are not valid; correct them and export again."))
        return redirect("cases:report")
    title, columns = REPORT_TABLES[table]
    data = exports.dataset(title, columns, _report_rows(request.user, table, form, now)[1])
    period = form.period()
    return exports.response(data, f"{table}-{period.start}-{period.end}", fmt)


# --- Bulk hold / resume --------------------------------------------------------------


@supervisor_required
def bulk_change(request):
    _branch_in_scope_or_404(request)
    user = request.user
    if not (user.has_perm("cases.hold_loancase") and user.has_perm("cases.resume_loancase")):
        raise PermissionDenied
    open_cases = case_selectors.case_list_for_user(user).select_related("branch", "officer")
    filterset = BulkFilter(request.GET or None, queryset=open_cases, user=user)
    ctx = {"filter": filterset, "query": request.GET.urlencode()}

    if request.method == "POST":
        form = BulkForm(request.POST, cases=open_cases)
        if form.is_valid():
            chosen = open_cases.filter(pk__in=[c.pk for c in form.cleaned_data["cases"]])
            if request.POST.get("confirm") != "yes":
                ctx.update({"form": form, "chosen": list(chosen), "confirming": True})
                return render(request, "dashboards/bulk.html", ctx)
            action = form.cleaned_data["action"]
            if action == "hold":
                result = services.cases_hold(cases=chosen, actor=user, reason=form.cleaned_data["reason"])
                text = _("%(changed)s cases put on hold, %(skipped)s skipped; %(notices)s notices queued.")
            else:
                result = services.cases_resume(cases=chosen, actor=user)
                text = _("%(changed)s cases resumed, %(skipped)s skipped; %(notices)s notices queued.")
            messages.success(
                request,
                text
                % {
                    "changed": result.changed,
                    "skipped": result.skipped,
                    "notices": result.notices,
                },
            )
            return redirect(request.get_full_path())
        ctx["form"] = form
        picked = set(request.POST.getlist("cases"))
    else:
        ctx["form"] = BulkForm(cases=open_cases, initial={"action": "hold"})
        picked = set()
    table = BulkTable(filterset.qs)
    table.picked = picked
    paginate_table(request, table)
    ctx["table"] = table
    return render(request, "dashboards/bulk.html", ctx)


# --- Who saw personal data (PIPL) -------------------------------------------------


def _access_log_form(request, now):
    data = request.GET.copy()
    for key, value in AccessLogForm.defaults(now).items():
        data.setdefault(key, value.isoformat())
    return AccessLogForm(data, user=request.user)


ACCESS_LOG_COLUMNS = [
    ("at", gettext_lazy("at")),
    ("staff", gettext_lazy("staff member")),
    ("login", gettext_lazy("login")),
    ("case", gettext_lazy("case")),
    ("branch", gettext_lazy("branch")),
    ("what", gettext_lazy("what")),
]


@supervisor_required
def access_log(request):
    """Who saw a borrower's full ID number and contacts, or found a case by
    them, in the supervisor's branch (head office: every branch)."""
    form = _access_log_form(request, timezone.now())
    table = None
    if form.is_valid():
        rows = selectors.access_log(request.user, form.period(), form.cleaned_data["case"])
        table = paginate_table(request, AccessLogTable(rows))
    return render(
        request,
        "dashboards/access_log.html",
        {"form": form, "table": table, "query": request.GET.urlencode()},
        status=200 if form.is_valid() else 400,
    )


@supervisor_required
def access_log_export(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404
    form = _access_log_form(request, timezone.now())
    if not form.is_valid():
        messages.error(request, _("The filters are not valid; correct them and export again."))
        return redirect("cases:access_log")
    entries = list(selectors.access_log(request.user, form.period(), form.cleaned_data["case"])[: exports.MAX_ROWS + 1])
    if len(entries) > exports.MAX_ROWS:
        messages.error(request, exports.too_many_rows_message())
        return redirect(reverse("cases:access_log") + "?" + request.GET.urlencode())
    rows = [
        {
            "at": timezone.localtime(entry.created_at),
            "staff": selectors.staff_name(entry.user),
            "login": entry.user.get_username(),
            "case": entry.case.number,
            "branch": entry.case.branch.name,
            "what": str(access_what(entry.what)),
        }
        for entry in entries
    ]
    data = exports.dataset(_("Personal data accesses"), ACCESS_LOG_COLUMNS, rows)
    return exports.response(data, f"access-log-{form.cleaned_data['start']}-{form.cleaned_data['end']}", fmt)
