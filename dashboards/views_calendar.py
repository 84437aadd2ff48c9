"""The business calendar pages: the years and their days for every staff
member; entering a year (the State Council's notice) for head office."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import calendar, selectors, services
from cases.models import BusinessYear
from dashboards.forms import CalendarYearForm

# Years a bank might enter or look up; anything else is a typo or a probe.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year_or_404(year):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


def _summary(entry):
    return {
        "year": entry.year,
        "announced": entry.announced,
        "stored": entry.stored,
        "holidays": len(entry.holidays),
        "workdays": len(entry.workdays),
        "source": entry.source,
    }


@login_required
def calendar_years(request):
    """Every stored year, plus this year and the next if nobody entered them."""
    snapshot = calendar.load()  # fresh: this page is where people check their edit
    today = timezone.localdate()
    years = {entry.year: entry for entry in snapshot.stored_years()}
    for year in (today.year, today.year + 1):
        years.setdefault(year, snapshot.year(year))
    stored = {row.year: row for row in BusinessYear.objects.select_related("updated_by")}
    rows = []
    for year in sorted(years, reverse=True):
        row = _summary(years[year])
        row["record"] = stored.get(year)
        rows.append(row)
    ctx = {
        "rows": rows,
        "unannounced": calendar.unannounced_year(today, snapshot),
        "provisional": selectors.provisional_count(),
        "can_maintain": request.user.has_perm("cases.maintain_businessyear"),
        "suggested_year": today.year + 1,
    }
    return render(request, "dashboards/calendar_years.html", ctx)


@login_required
def calendar_year(request, year):
    entry = calendar.load().year(_year_or_404(year))
    days = [{"day": day, "kind": kind, "name": name} for day, kind, name in entry.days()]
    ctx = {
        "entry": entry,
        "record": BusinessYear.objects.select_related("updated_by").filter(year=year).first(),
        "days": days,
        "can_maintain": request.user.has_perm("cases.maintain_businessyear"),
    }
    return render(request, "dashboards/calendar_year.html", ctx)


@login_required
def calendar_go(request):
    """The list page's "enter a year" box."""
    try:
        year = _year_or_404(int(request.GET.get("year", "")))
    except (ValueError, Http404):
        messages.error(
            request, _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
        return redirect("cases:calendar")
    return redirect("cases:calendar_edit", year)


@login_required
@permission_required("cases.maintain_businessyear", raise_exception=True)
def calendar_edit(request, year):
    """Enter or correct a year: the table, then a preview of what changes
    (days, and deadlines that would move), then save."""
    year = _year_or_404(year)
    snapshot = calendar.load()
    current = snapshot.year(year)
    if request.method != "POST":
        stored = BusinessYear.objects.filter(year=year).values_list("status", flat=True).first()
        initial = {
            "status": stored or BusinessYear.Status.ANNOUNCED,
            "source": current.source if current.stored else "",
            "days": calendar.as_table(current.days()),
        }
        form = CalendarYearForm(initial=initial, year=year)
        return render(request, "dashboards/calendar_edit.html", {"form": form, "year": year, "current": current})

    form = CalendarYearForm(request.POST, year=year)
    if not form.is_valid():
        ctx = {"form": form, "year": year, "current": current}
        return render(request, "dashboards/calendar_edit.html", ctx, status=400)
    data = form.cleaned_data
    if request.POST.get("confirm") == "back":
        return render(request, "dashboards/calendar_edit.html", {"form": form, "year": year, "current": current})
    announced = data["status"] == BusinessYear.Status.ANNOUNCED
    if request.POST.get("confirm") != "yes":
        entered = calendar.Year(
            year=year,
            announced=announced,
            holidays={d.day: d.name for d in data["days"] if d.kind == calendar.HOLIDAY},
            workdays={d.day: d.name for d in data["days"] if d.kind == calendar.WORKDAY},
            stored=True,
        )
        window = calendar.change_window(current, data["days"], announced)
        ctx = {
            "form": form,
            "year": year,
            "current": current,
            "confirming": True,
            "changes": calendar.changes(current, data["days"]),
            "impact": selectors.deadlines_preview(snapshot.with_year(entered), window),
            "entered": entered,
        }
        return render(request, "dashboards/calendar_edit.html", ctx)
    services.calendar_year_save(
        year=year, status=data["status"], days=data["days"], source=data["source"], actor=request.user
    )
    messages.success(
        request,
        _(
            "%(year)s saved (%(status)s). The deadlines that depend on it are being recomputed; this page shows "
            "when that is done."
        )
        % {"year": year, "status": BusinessYear.Status(data["status"]).label},
    )
    return redirect(reverse("cases:calendar_year", args=[year]))
