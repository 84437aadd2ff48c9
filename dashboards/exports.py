"""CSV and XLSX exports of the report tables (tablib), opened by a spreadsheet program."""

import tablib
from django.http import HttpResponse
from django.utils.translation import gettext as _

FORMATS = {
    # CSV with a byte-order mark: Excel on Chinese Windows then reads UTF-8.
    "csv": ("text/csv; charset=utf-8", lambda data: "\ufeff" + data.export("csv")),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda data: data.export("xlsx"),
    ),
}

# Hard ceiling for a list export, so one click cannot dump a million rows.
MAX_ROWS = 50_000


def dataset(title, columns, rows) -> tablib.Dataset:
    """`columns` is a list of (key, header); `rows` a list of dicts."""
    data = tablib.Dataset(headers=[str(header) for _, header in columns], title=str(title)[:31])
    for row in rows:
        data.append([_cell(row.get(key)) for key, _ in columns])
    return data


# A text cell starting with one of these is a formula to a spreadsheet
# program: a branch name like =HYPERLINK("http://evil.example/", "click")
# would be live in the file. A leading apostrophe makes it text again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # spreadsheets have no time zones; values are local
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def response(data: tablib.Dataset, filename, fmt) -> HttpResponse:
    content_type, render = FORMATS[fmt]
    result = HttpResponse(render(data), content_type=content_type)
    result["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return result


def too_many_rows_message():
    return _("This export is limited to %(n)s rows; narrow the filters and export again.") % {"n": MAX_ROWS}
