"""Staff pages around one person's work and one case: my work, tasks, case detail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases import services, sla
from cases.models import LoanCase
from cases.services import TransitionRefused
from cases.states import REASON_REQUIRED, Transition
from dashboards import selectors
from dashboards.forms import ContactCorrectionForm, TaskOutcomeForm, TransitionForm
from dashboards.paging import paginate_table
from dashboards.tables import MyCasesTable
from loanflow.redirects import next_url
from notifications import actions as notification_actions
from notifications import selectors as notification_selectors
from notifications.models import Channel, StaffTask

TASK_CASES_PER_PAGE = 10  # a card per case, each with a form per task


def _case_or_404(user, number):
    try:
        return case_selectors.case_get_for_user(user, number)
    except LoanCase.DoesNotExist:
        raise Http404 from None


@login_required
def home(request):
    """My work: my open cases, most urgent first, and my open tasks."""
    now = timezone.now()
    table = MyCasesTable(selectors.my_open_cases(request.user), now=now)
    paginate_table(request, table)
    task_cases = notification_selectors.my_task_cases(request.user)
    task_page = Paginator(task_cases, TASK_CASES_PER_PAGE).get_page(request.GET.get("tasks"))
    ctx = {
        "table": table,
        "counts": selectors.my_case_counts(request.user, now),
        "open_tasks": sum(tasks for _case_id, tasks in task_cases),
        "task_page": task_page,
        "task_groups": notification_selectors.my_open_tasks_of_cases(
            request.user, [case_id for case_id, _tasks in task_page.object_list]
        ),
        "now": now,
    }
    return render(request, "dashboards/my_work.html", ctx)


@login_required
@require_POST
def task_complete(request, pk):
    try:
        task = notification_selectors.task_get_for_user(request.user, pk)
    except StaffTask.DoesNotExist:
        raise Http404 from None
    form = TaskOutcomeForm(request.POST)
    if task.status != StaffTask.Status.OPEN:
        messages.info(request, _("This task was already done."))
    elif not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        notification_actions.task_complete(
            task=task, actor=request.user, outcome=form.cleaned_data["outcome"], reached=form.cleaned_data["reached"]
        )
        task.refresh_from_db(fields=["status"])
        if task.status == StaffTask.Status.OPEN:
            # A borrower's question stays open until someone has reached them.
            messages.info(
                request,
                _("Attempt recorded; the task stays open: %(task)s, case %(case)s.")
                % {
                    "task": task.get_kind_display(),
                    "case": task.case.number,
                },
            )
        else:
            messages.success(
                request,
                _("Task recorded as done: %(task)s, case %(case)s.")
                % {
                    "task": task.get_kind_display(),
                    "case": task.case.number,
                },
            )
    return redirect(next_url(request, "cases:home"))


def _transition_buttons(case, user, failed=None):
    """One form per transition the user may fire now; a failed form keeps its input."""
    buttons = []
    for name in services.available_transitions(case, user):
        if failed is not None and failed.data.get("name") == name:
            form = failed
        else:
            form = TransitionForm(initial={"name": name, "seen_status": case.status})
        form.auto_id = f"{name}-%s"  # one form per transition on the page: ids must differ
        buttons.append(
            {
                "name": name,
                "label": Transition(name).label,
                "needs_reason": name in REASON_REQUIRED,
                "needs_documents": name == Transition.REQUEST_DOCUMENTS,
                "danger": name in (Transition.REJECT, Transition.WITHDRAW),
                "form": form,
            }
        )
    return buttons


def _detail(request, case, *, unmasked=False, failed=None, contact_form=None, status=200):
    ctx = {
        "can_correct_contact": request.user.has_perm("cases.correct_contact_loancase"),
        "contact_form": contact_form or ContactCorrectionForm(),
        "case": case,
        "timeline": selectors.case_timeline(case),
        "buttons": _transition_buttons(case, request.user, failed),
        "can_unmask": request.user.has_perm("cases.unmask_loancase"),
        "unmasked": unmasked,
        "days_overdue": selectors.days_overdue(case),
        "provisional_year": sla.due_date(case.due_at).year if case.deadline_provisional else None,
        "now": timezone.now(),
    }
    return render(request, "dashboards/detail.html", ctx, status=status)


@login_required
def case_detail(request, number):
    return _detail(request, _case_or_404(request.user, number))


@login_required
@require_POST
def case_transition(request, number):
    case = _case_or_404(request.user, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, failed=form, status=400)
    name = form.cleaned_data["name"]
    if form.cleaned_data["seen_status"] != case.status:
        messages.error(
            request,
            _("Someone else changed this case meanwhile (it is now “%(state)s”). Reload the page and try again.")
            % {"state": case.get_status_display()},
        )
        return redirect(case)
    try:
        services.case_transition(
            case=case, name=name, actor=request.user, reason=form.cleaned_data["reason"], payload=form.payload()
        )
    except TransitionRefused as refused:
        messages.error(request, str(refused.message))
        return redirect(case)
    messages.success(
        request,
        _("Done: “%(transition)s”. The case is now “%(state)s” and the borrower is being told.")
        % {"transition": Transition(name).label, "state": case.get_status_display()},
    )
    return redirect(case)


@login_required
@require_POST
def case_unmask(request, number):
    case = _case_or_404(request.user, number)
    try:
        services.case_unmask(case=case, actor=request.user)
    except TransitionRefused:
        raise PermissionDenied from None
    # Rendered, not redirected: the full data is shown for this response only
    # and is masked again on the next visit.
    return _detail(request, case, unmasked=True)


@login_required
@require_POST
def case_resend_link(request, number):
    case = _case_or_404(request.user, number)
    try:
        notices = services.case_resend_status_link(case=case, actor=request.user)
    except TransitionRefused as refused:
        messages.error(request, str(refused.message))
        return redirect(case)
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    channels = separator.join(str(Channel(n.channel).label) for n in notices)
    messages.success(
        request,
        _("A new status-page link is on its way to the borrower (%(channels)s). The old link no longer works.")
        % {"channels": channels},
    )
    return redirect(case)


@login_required
@require_POST
def case_correct_contact(request, number):
    case = _case_or_404(request.user, number)
    form = ContactCorrectionForm(request.POST)
    if form.is_valid():
        try:
            correction = services.case_correct_contact(
                case=case,
                actor=request.user,
                field=form.cleaned_data["field"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("value", error)
        except TransitionRefused:
            raise PermissionDenied from None
        else:
            messages.success(
                request,
                _("Contact corrected (%(old)s → %(new)s). The latest news is on its way to the new contact.")
                % {"old": correction.old_masked or "—", "new": correction.new_masked},
            )
            return redirect(case)
    return _detail(request, case, contact_form=form, status=400)
