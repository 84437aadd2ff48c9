"""The China business calendar, kept in the database by the bank.

The State Council announces each year's public holidays and make-up working
days (调休) in the autumn before, often after a release of the `holidays`
package. So the calendar is data: head office enters a year's notice on the
calendar page (or `manage.py load_calendar`), and from then on that year is
*announced*. A year nobody has entered is *estimated* from the `holidays`
package (statutory holidays from the lunar calendar, no make-up days), never
refused: deadlines that depend on it are stored as provisional (cases.sla) and
recomputed when the year is announced (cases.services).

Each process keeps a snapshot of the stored years for CACHE_SECONDS; the
process that writes a year forgets its copy at once. Another process may use
the old snapshot for up to that long, and the hourly recomputation of
provisional deadlines mends whatever it computed meanwhile.

This module is the only writer of BusinessYear and BusinessDay.
"""

import csv
import dataclasses
import datetime
import functools
import io
import re
import time

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import BusinessDay, BusinessYear

CACHE_SECONDS = 60
# The years whose State Council schedule the pinned `holidays` package holds
# (make-up days included; `chinesecalendar` agrees for all of them); a data
# migration stores them as announced, so imported histories are exact too.
# Every later year is entered by the bank.
SEED_YEARS = tuple(range(2010, 2027))
MAKEUP_DAY_NAME = "调休上班"
HOLIDAY = BusinessDay.Kind.HOLIDAY
WORKDAY = BusinessDay.Kind.WORKDAY


@dataclasses.dataclass(frozen=True)
class Year:
    """One year's exceptions to the weekend rule."""

    year: int
    announced: bool
    holidays: dict  # date -> name: the bank is closed
    workdays: dict  # date -> name: a Saturday or Sunday worked (调休)
    stored: bool  # False: nobody entered it; the `holidays` package's estimate
    source: str = ""

    def is_business_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def days(self) -> list[tuple]:
        """[(date, kind, name)] in date order."""
        rows = [(day, HOLIDAY, name) for day, name in self.holidays.items()]
        rows += [(day, WORKDAY, name) for day, name in self.workdays.items()]
        return sorted(rows)


class BusinessCalendar:
    """A snapshot of the calendar: the stored years, and estimates for the rest."""

    def __init__(self, stored: dict):
        self._stored = stored

    def year(self, year: int) -> Year:
        return self._stored.get(year) or package_estimate(year)

    def with_year(self, entry: Year) -> "BusinessCalendar":
        """This calendar with one year replaced: what entering it would give."""
        return BusinessCalendar({**self._stored, entry.year: entry})

    def stored_years(self) -> list[Year]:
        return [self._stored[year] for year in sorted(self._stored)]

    def is_announced(self, year: int) -> bool:
        return self.year(year).announced

    def is_business_day(self, day: datetime.date) -> bool:
        return self.year(day.year).is_business_day(day)

    def estimated_years_between(self, first: datetime.date, last: datetime.date) -> list[int]:
        """The years from `first` to `last` whose schedule is only an estimate."""
        return [year for year in range(first.year, last.year + 1) if not self.is_announced(year)]


@functools.lru_cache(maxsize=64)
def package_estimate(year: int) -> Year:
    """The `holidays` package's China calendar for a year, as an estimate."""
    china = holidays.country_holidays("CN", years=year, language="zh_CN")
    return Year(
        year=year,
        announced=False,
        holidays={day: name for day, name in china.items() if day.year == year},
        workdays={day: MAKEUP_DAY_NAME for day in china.weekend_workdays if day.year == year},
        stored=False,
        source="holidays",
    )


_snapshot = None
_loaded_at = 0.0


def current() -> BusinessCalendar:
    """The calendar as stored, read at most every CACHE_SECONDS per process."""
    global _snapshot, _loaded_at
    snapshot = _snapshot
    if snapshot is None or time.monotonic() - _loaded_at > CACHE_SECONDS:
        snapshot = load()
        _snapshot, _loaded_at = snapshot, time.monotonic()
    return snapshot


def forget():
    """Drop this process's snapshot: the next use reads the database."""
    global _snapshot
    _snapshot = None


def load() -> BusinessCalendar:
    days = {}
    for year_id, day, kind, name in BusinessDay.objects.values_list("year_id", "day", "kind", "name"):
        days.setdefault(year_id, []).append((day, kind, name))
    stored = {}
    for row in BusinessYear.objects.all():
        entries = days.get(row.year, [])
        stored[row.year] = Year(
            year=row.year,
            announced=row.status == BusinessYear.Status.ANNOUNCED,
            holidays={day: name for day, kind, name in entries if kind == HOLIDAY},
            workdays={day: name for day, kind, name in entries if kind == WORKDAY},
            stored=True,
            source=row.source,
        )
    return BusinessCalendar(stored)


def unannounced_year(today: datetime.date, calendar=None):
    """The year head office should enter now and has not: this year while it
    is only estimated, from 1 November also the coming one. None if all is in."""
    calendar = calendar or current()
    if not calendar.is_announced(today.year):
        return today.year
    if today >= datetime.date(today.year, 11, 1) and not calendar.is_announced(today.year + 1):
        return today.year + 1
    return None


# --- Entering a year -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Day:
    day: datetime.date
    kind: str
    name: str


@dataclasses.dataclass(frozen=True)
class RowError:
    line: int
    text: str
    message: str


# Words people write for the two kinds, in the notices and in spreadsheets.
_KIND_WORDS = {
    HOLIDAY: {"holiday", "h", "off", "day off", "休", "假", "放假", "休息", "休假", "节假日", "假日", "法定节假日"},
    WORKDAY: {"workday", "w", "work", "make-up", "makeup", "班", "上班", "补班", "调休", "调休上班", "工作日"},
}
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DAY_ONLY = re.compile(r"^(\d{1,2})\s*日$")
_RANGE = re.compile(r"\s*(?:~|～|至|到|—|–)\s*")
# "10月1日-7日": a hyphen is a range only between dates written in Chinese.
_CHINESE_HYPHEN_RANGE = re.compile(r"(?<=日)\s*-\s*(?=\d)")
_HEADER_WORDS = {"date", "日期"}


def split_table(text: str) -> list[tuple[int, list[str]]]:
    """Lines of a pasted table as (line number, cells): tab-separated (from a
    spreadsheet), comma-separated, or columns separated by spaces."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().lstrip("\ufeff").strip()
        if not line or line.startswith("#"):
            continue
        if "\t" in line:
            cells = line.split("\t")
        elif "," in line or "，" in line:
            cells = re.split(r"[,，]", line)
        else:
            # "10月1日 至 7日 休 国庆节": the range is one column.
            cells = _RANGE.sub(lambda match: match.group(0).strip(), line).split(None, 2)
        rows.append((number, _trimmed(cells)))
    return rows


def _trimmed(cells):
    """Cells without surrounding blanks, and without the empty ones a
    spreadsheet leaves at the end of a row."""
    cells = [cell.strip().lstrip("\ufeff") for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    """Rows of a CSV file (UTF-8, with or without Excel's byte-order mark)."""
    text = data.decode("utf-8-sig")
    return [
        (number, _trimmed(row))
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in row)
    ]


def _parse_date(text, year, month=None):
    """A date written as 2027-10-01, 2027/10/1, 2027年10月1日, 10月1日, or
    (the end of a range) 7日; None if it is not one."""
    match = _FULL_DATE.match(text)
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = _MONTH_DAY.match(text)
        if match:
            return datetime.date(year, int(match[1]), int(match[2]))
        match = _DAY_ONLY.match(text)
        if match and month is not None:
            return datetime.date(year, month, int(match[1]))
    except ValueError:
        return None
    return None


def _parse_dates(text, year):
    """The dates of a cell: one date, or a range "10月1日至7日" / "10月1日-7日" /
    "2027-10-01~2027-10-07". A range past 31 December ends in the next year
    (and its days there are refused as outside the year)."""
    parts = _RANGE.split(_CHINESE_HYPHEN_RANGE.sub("~", text), maxsplit=1)
    first = _parse_date(parts[0], year)
    if first is None or len(parts) == 1:
        return [first] if first else None
    last = _parse_date(parts[1], first.year, month=first.month)
    if last is not None and last < first and last.month < first.month:
        last = last.replace(year=last.year + 1)
    if last is None or last < first or (last - first).days > 31:
        return None
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _parse_kind(text):
    word = text.strip().lower()
    for kind, words in _KIND_WORDS.items():
        if word in words:
            return kind
    return None


def parse_rows(rows, year: int):
    """Check a year's table of (line number, [date, kind, name]) rows.

    Returns (days, errors): every row with a problem gets its own message,
    and the caller writes nothing unless errors is empty."""
    days, errors, seen = [], [], {}
    for index, (number, cells) in enumerate(rows):
        if index == 0 and cells and cells[0].strip().lower() in _HEADER_WORDS:
            continue  # a header row
        for message in _row_problems(cells, year, seen, number, days):
            errors.append(RowError(number, ", ".join(cells), message))
    days.sort(key=lambda d: d.day)
    return days, errors


def _row_problems(cells, year, seen, number, days):
    """The problems of one row; its days are added to `days` and `seen`."""
    if len(cells) < 2 or len(cells) > 3:
        return [_("Write each row as: date, holiday or workday, name.")]
    date_text, kind_text = cells[0], cells[1]
    name = cells[2].strip() if len(cells) == 3 else ""
    dates = _parse_dates(date_text, year)
    if dates is None:
        return [_("“%(text)s” is not a date; write it as %(example)s.") % {"text": date_text, "example": f"{year}-10-01"}]
    kind = _parse_kind(kind_text)
    if kind is None:
        return [_("“%(text)s” is neither a holiday (休) nor a make-up working day (班).") % {"text": kind_text}]
    if kind == HOLIDAY and not name:
        return [_("Give the holiday its name, e.g. 国庆节.")]
    problems = []
    for day in dates:
        if day.year != year:
            problems.append(_("%(day)s is not in %(year)s.") % {"day": day.isoformat(), "year": year})
        elif day in seen:
            problems.append(_("%(day)s is already on line %(line)s.") % {"day": day.isoformat(), "line": seen[day]})
        elif kind == WORKDAY and day.weekday() < 5:
            problems.append(
                _("%(day)s is a %(weekday)s, a working day anyway: a make-up working day falls on a Saturday or Sunday.")
                % {"day": day.isoformat(), "weekday": date_format(day, "l")}
            )
        else:
            seen[day] = number
            days.append(Day(day, kind, name or MAKEUP_DAY_NAME))
    return problems


def as_table(days) -> str:
    """Days as the text the calendar page's table field takes."""
    return "\n".join(f"{day.isoformat()}, {kind}, {name}" for day, kind, name in days)


@dataclasses.dataclass(frozen=True)
class DayChange:
    day: datetime.date
    before: tuple | None  # (kind, name), None if it was an ordinary day
    after: tuple | None


def changes(old: Year, days) -> list[DayChange]:
    """What entering `days` changes against the year as it is now."""
    before = {day: (kind, name) for day, kind, name in old.days()}
    after = {d.day: (d.kind, d.name) for d in days}
    return [
        DayChange(day, before.get(day), after.get(day))
        for day in sorted(set(before) | set(after))
        if before.get(day) != after.get(day)
    ]


def change_window(old: Year, days, announced: bool):
    """(first, last) day whose business-day status or certainty the edit
    changes, or None: the deadlines that count a day in it are recomputed."""
    if announced != old.announced:
        return datetime.date(old.year, 1, 1), datetime.date(old.year, 12, 31)
    changed = [change.day for change in changes(old, days)]
    return (min(changed), max(changed)) if changed else None


def year_store(*, year: int, status: str, days, source="", actor=None, at=None) -> BusinessYear:
    """Replace a year's stored days, in the caller's transaction, and note
    which days changed: their deadlines wait to be recomputed (pending until
    year_mark_recomputed). `days` come from parse_rows, already checked."""
    at = at or timezone.now()
    with transaction.atomic():
        old = load().year(year)
        window = change_window(old, days, status == BusinessYear.Status.ANNOUNCED)
        row = BusinessYear.objects.select_for_update().filter(year=year).first() or BusinessYear(year=year)
        row.status, row.source, row.updated_at, row.updated_by = status, source.strip(), at, actor
        if window is not None:
            # A recomputation still pending covers its days too.
            if row.recompute_requested_at is not None:
                window = (min(window[0], row.recompute_from), max(window[1], row.recompute_to))
            row.recompute_from, row.recompute_to = window
            row.recompute_requested_at = at
        row.save()
        BusinessDay.objects.filter(year=row).delete()
        BusinessDay.objects.bulk_create([BusinessDay(year=row, day=d.day, kind=d.kind, name=d.name) for d in days])
        transaction.on_commit(forget)
    forget()
    return row


def pending_recomputations():
    """Stored years whose changed days still wait for their deadlines to be recomputed."""
    return list(BusinessYear.objects.filter(recompute_requested_at__isnull=False).order_by("year"))


def year_mark_recomputed(row, *, result: dict, at) -> bool:
    """The recomputation of `row`'s pending days is done, unless the year was
    edited again meanwhile (then it stays pending, with the wider window)."""
    return bool(
        BusinessYear.objects.filter(year=row.year, recompute_requested_at=row.recompute_requested_at).update(
            recompute_from=None, recompute_to=None, recompute_requested_at=None, recomputed_at=at,
            recompute_result=result,
        )
    )


def seed_years(year_model, day_model, years=SEED_YEARS):
    """Store the trusted years from the `holidays` package where missing (the
    data migration, and again after a test database is flushed). Never
    overwrites what the bank entered."""
    stored = set(year_model.objects.filter(year__in=years).values_list("year", flat=True))
    for year in years:
        if year in stored:
            continue
        estimate = package_estimate(year)
        row = year_model.objects.create(
            year=year,
            status=BusinessYear.Status.ANNOUNCED,
            source=f"holidays {holidays.__version__}",
            updated_at=timezone.now(),
        )
        day_model.objects.bulk_create(
            [day_model(year=row, day=day, kind=kind, name=name) for day, kind, name in estimate.days()]
        )
    forget()
