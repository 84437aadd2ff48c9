"""Cases in: the new-case form (officers), the import of an origination
system's file (head office), and the search a hotline agent uses to find a
caller's case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import importing, services
from cases import selectors as case_selectors
from cases.models import CaseImport
from cases.services import TransitionRefused
from dashboards import exports
from dashboards.forms import ImportUploadForm, NewCaseForm, SearchForm

SEARCH_LIMIT = 50
PROBLEMS_PER_PAGE = 100
# A report names the columns as the template's headers do: the user has
# that file open beside it.
COLUMN_LABELS = {field: aliases[1] for field, aliases in importing.COLUMNS.items()}


# --- A new case -------------------------------------------------------------------------


@permission_required("cases.add_loancase", raise_exception=True)
def case_new(request):
    form = NewCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, data=form.service_data())
        except ValidationError as invalid:
            form.add_service_errors(invalid)
        except TransitionRefused as refused:
            if refused.code == "permission":
                raise PermissionDenied from None
            form.add_error(None, refused.message)  # e.g. no deadline rule for a new case yet
        else:
            messages.success(
                request,
                _("Case %(number)s is open. Record the signing when the borrower has signed.")
                % {"number": case.number},
            )
            return redirect(case)
    return render(request, "dashboards/case_new.html", {"form": form}, status=400 if form.errors else 200)


# --- An origination system's file ---------------------------------------------------------


@permission_required("cases.import_loancase", raise_exception=True)
def case_import(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > importing.MAX_BYTES:
                raise importing.FileRefused(_("The file is larger than 20 MB; split it into several files."))
            rows = importing.read_rows(upload.read(), upload.name)
        except importing.FileRefused as refused:
            form.add_error("file", str(refused))
        else:
            checked = services.import_check(actor=request.user, rows=rows, file_name=upload.name)
            return redirect("cases:import_detail", checked.pk)
    recent = CaseImport.objects.select_related("created_by").order_by("-created_at", "-id")[:20]
    return render(
        request, "dashboards/import.html", {"form": form, "recent": recent}, status=400 if form.errors else 200
    )


def _import_or_404(request, pk) -> CaseImport:
    # The rows of a file wait only for the person who checked it.
    try:
        return CaseImport.objects.select_related("created_by").get(pk=pk, created_by=request.user)
    except CaseImport.DoesNotExist:
        raise Http404 from None


@permission_required("cases.import_loancase", raise_exception=True)
def case_import_detail(request, pk):
    case_import = _import_or_404(request, pk)
    problems = Paginator(case_import.problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    for problem in problems.object_list:
        problem["label"] = COLUMN_LABELS.get(problem["column"], problem["column"])
    bad_rows = len({p["row"] for p in case_import.problems})
    return render(
        request, "dashboards/import_detail.html", {"import": case_import, "problems": problems, "bad_rows": bad_rows}
    )


@require_POST
@permission_required("cases.import_loancase", raise_exception=True)
def case_import_run(request, pk):
    done = services.import_run(actor=request.user, case_import=_import_or_404(request, pk))
    if done.status == CaseImport.Status.IMPORTED:
        messages.success(request, _("Imported %(n)s new cases.") % {"n": done.new_rows})
    else:
        messages.error(request, _("Nothing was imported: some rows changed since the check. See the report."))
    return redirect("cases:import_detail", done.pk)


@permission_required("cases.import_loancase", raise_exception=True)
def case_import_report(request, pk):
    """The bad rows as a spreadsheet, to correct the file beside it."""
    case_import = _import_or_404(request, pk)
    columns = [("row", _("row")), ("label", _("column")), ("value", _("value (masked)")), ("message", _("problem"))]
    rows = [{**p, "label": str(COLUMN_LABELS.get(p["column"], p["column"]))} for p in case_import.problems]
    data = exports.dataset(_("Rows to correct"), columns, rows)
    return exports.response(data, f"import-{case_import.pk}-problems", "csv")


@permission_required("cases.import_loancase", raise_exception=True)
def case_import_template(request, kind):
    if kind not in importing.FORMATS:
        raise Http404
    content, content_type = importing.template(kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="loanflow-import-template.{kind}"'
    return response


# --- Search --------------------------------------------------------------------------------


@login_required
def case_search(request):
    # POSTed: a full ID number or mobile in a URL would stay in proxy and
    # server access logs and in the browser's history.
    form = SearchForm(request.POST or None)
    kind, found, more = None, [], False
    if form.is_valid() and form.cleaned_data["q"]:
        kind, cases = case_selectors.case_search(request.user, form.cleaned_data["q"])
        found = list(cases[: SEARCH_LIMIT + 1])
        more, found = len(found) > SEARCH_LIMIT, found[:SEARCH_LIMIT]
        if found and kind in case_selectors.SearchKind.PERSONAL:
            # Found by the borrower's personal data: logged (who, which cases, how).
            services.case_search_log(actor=request.user, cases=found, kind=kind)
    return render(
        request,
        "dashboards/search.html",
        {"form": form, "kind": kind, "found": found, "more": more, "limit": SEARCH_LIMIT},
    )
