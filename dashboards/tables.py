"""django-tables2 tables of the staff pages. Cells read only what the row's
query already fetched, so a page costs the same number of queries at any size."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import calendar as business_calendar
from cases import selectors as case_selectors
from cases import sla
from dashboards import selectors
from notifications import wording
from notifications.models import Channel, NotificationStatus

TEMPLATE = "dashboards/_table.html"
CHANNELS = dict(Channel.choices)
NOTICE_STATUSES = dict(NotificationStatus.choices)


def due_day(record):
    """The day a case is due by, marked when it rests on an estimated calendar year."""
    day = sla.due_date(record.due_at).isoformat()
    if record.deadline_provisional:
        return format_html(
            '{} <span class="badge provisional" title="{}">{}</span>', day, PROVISIONAL_HINT, PROVISIONAL
        )
    return day


PROVISIONAL = _("estimated")
PROVISIONAL_HINT = _("That year's public holidays are not announced yet; the date is recomputed when they are.")


def notice_badge(status):
    if not status:
        return "—"
    return format_html('<span class="badge notice-{}">{}</span>', status, NOTICE_STATUSES.get(status, status))


# At 360 px a case number or a stage name must not break one character a line.
NOWRAP = {"td": {"class": "nowrap"}}


class CaseNumberColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NOWRAP)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[value]), value)


class OfficerColumn(tables.Column):
    def render(self, value):
        return selectors.staff_name(value)


class OverdueTable(tables.Table):
    region_label = _("Overdue cases")  # names the scrollable box for screen readers
    number = CaseNumberColumn(verbose_name=_("case number"))
    borrower_name = tables.Column(verbose_name=_("borrower"), orderable=False)
    status = tables.Column(verbose_name=_("stage"), attrs=NOWRAP)
    days_overdue = tables.Column(
        # More days overdue is an earlier deadline: "-days_overdue" (most
        # overdue first, the default) shows ▼ as a descending sort should.
        verbose_name=_("business days overdue"),
        accessor="due_at",
        order_by=("-due_at", "-id"),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    due_at = tables.Column(verbose_name=_("due by"), order_by=("due_at", "id"), attrs=NOWRAP)
    officer = OfficerColumn(verbose_name=_("officer"), order_by=("officer__username", "due_at"))
    branch = tables.Column(verbose_name=_("branch"), order_by=("branch__code", "due_at"))
    last_notice = tables.Column(verbose_name=_("last notice"), accessor="last_notice_status", orderable=False)

    def render_due_at(self, record):
        # Due by the end of this day (due_at itself is the midnight after it).
        return due_day(record)

    class Meta:
        template_name = TEMPLATE
        order_by = ("-days_overdue",)
        empty_text = _("No overdue cases here. Change the filters, or enjoy the quiet.")
        attrs = {"class": "list"}

    def __init__(self, *args, now=None, **kwargs):
        self.now = now
        # One calendar for every row of the page.
        self.calendar = business_calendar.current()
        super().__init__(*args, **kwargs)

    def render_status(self, record):
        return record.get_status_display()

    def render_days_overdue(self, record):
        return selectors.days_overdue(record, self.now, self.calendar)

    def render_last_notice(self, record):
        return format_html(
            "{} · {} <small>{}</small>",
            CHANNELS.get(record.last_notice_channel, record.last_notice_channel),
            notice_badge(record.last_notice_status),
            record.last_notice_at.astimezone(sla.local_tz()).strftime("%m-%d %H:%M"),
        )


class MyCasesTable(tables.Table):
    region_label = _("My open cases")  # names the scrollable box for screen readers
    number = CaseNumberColumn(verbose_name=_("case number"), orderable=False)
    borrower_name = tables.Column(verbose_name=_("borrower"), orderable=False)
    status = tables.Column(verbose_name=_("stage"), orderable=False, attrs=NOWRAP)
    due_at = tables.Column(verbose_name=_("due"), orderable=False, default="—")

    class Meta:
        template_name = TEMPLATE
        empty_text = _("You have no open cases. New cases appear here when they are assigned to you.")
        attrs = {"class": "list"}
        row_attrs = {"class": lambda table, record: table.urgency(record)}

    def __init__(self, *args, now, **kwargs):
        self.now = now
        self.end_of_today = sla.end_of_day(case_selectors.today_local(now))
        self.calendar = business_calendar.current()
        super().__init__(*args, **kwargs)

    def urgency(self, record):
        if record.due_at is None:
            return "held"
        if record.due_at < self.now:
            return "overdue"
        if record.due_at <= self.end_of_today:
            return "due-today"
        return ""

    def render_status(self, record):
        return record.get_status_display()

    def render_due_at(self, record):
        urgency = self.urgency(record)
        day = due_day(record)
        if urgency == "overdue":
            days = selectors.days_overdue(record, self.now, self.calendar)
            label = ngettext("%(days)s business day overdue", "%(days)s business days overdue", days) % {"days": days}
            return format_html('<span class="badge bad">{}</span> {}', label, day)
        if urgency == "due-today":
            return format_html('<span class="badge warn">{}</span> {}', _("Due today"), day)
        return day


class NoticeProblemTable(tables.Table):
    region_label = _("Notices")  # names the scrollable box for screen readers
    case = CaseNumberColumn(verbose_name=_("case"), accessor="case__number", orderable=False)
    channel = tables.Column(verbose_name=_("channel"), orderable=False)
    status = tables.Column(verbose_name=_("status"), orderable=False, attrs=NOWRAP)
    created_at = tables.DateTimeColumn(verbose_name=_("created"), format="Y-m-d H:i", orderable=False)
    officer = tables.Column(verbose_name=_("officer"), accessor="case__officer", orderable=False)
    last_error = tables.Column(
        verbose_name=_("last error"), orderable=False, default="", attrs={"td": {"class": "wrap"}}
    )
    actions = tables.TemplateColumn(
        template_name="dashboards/_notice_actions.html", verbose_name=_("actions"), orderable=False
    )

    class Meta:
        template_name = TEMPLATE
        empty_text = _("Nothing needs attention here.")
        attrs = {"class": "list"}

    def render_status(self, record):
        return notice_badge(record.status)

    def render_channel(self, record):
        return record.get_channel_display()

    def render_officer(self, value):
        return selectors.staff_name(value)

    def render_last_error(self, value):
        return wording.error_text(value)


class BulkTable(tables.Table):
    region_label = _("Open cases to pick from")  # names the scrollable box for screen readers
    pick = tables.TemplateColumn(
        template_code='<input type="checkbox" name="cases" value="{{ record.number }}" '
        'id="pick-{{ record.number }}" aria-label="{{ record.number }}"{% if record.number in table.picked %} checked{% endif %}>',
        verbose_name=_("pick"),
        orderable=False,
    )
    number = CaseNumberColumn(verbose_name=_("case number"), orderable=False)
    borrower_name = tables.Column(verbose_name=_("borrower"), orderable=False)
    status = tables.Column(verbose_name=_("stage"), orderable=False, attrs=NOWRAP)
    officer = OfficerColumn(verbose_name=_("officer"), orderable=False)
    branch = tables.Column(verbose_name=_("branch"), orderable=False)

    class Meta:
        template_name = TEMPLATE
        empty_text = _("No open cases match these filters.")
        attrs = {"class": "list"}

    def render_status(self, record):
        return record.get_status_display()


ACCESS_WHAT = {
    "search:phone": _("found by the full mobile number"),
    "search:last4": _("found by the last 4 digits of a mobile or ID number"),
    "search:id_number": _("found by the full ID number"),
    "search:name": _("found by name"),
}


def access_what(value):
    """What a row of the access log records, in words."""
    if value in ACCESS_WHAT:
        return ACCESS_WHAT[value]
    return _("showed the full ID number and contacts")  # an unmasking


class AccessLogTable(tables.Table):
    region_label = _("Personal data accesses")  # names the scrollable box for screen readers
    created_at = tables.DateTimeColumn(verbose_name=_("at"), format="Y-m-d H:i", orderable=False, attrs=NOWRAP)
    user = OfficerColumn(verbose_name=_("staff member"), orderable=False, attrs=NOWRAP)
    case = CaseNumberColumn(verbose_name=_("case"), accessor="case__number", orderable=False)
    branch = tables.Column(verbose_name=_("branch"), accessor="case__branch", orderable=False, attrs=NOWRAP)
    what = tables.Column(verbose_name=_("what"), orderable=False)

    class Meta:
        template_name = TEMPLATE
        empty_text = _("Nobody saw or looked up personal data in this period.")
        attrs = {"class": "list"}

    def render_what(self, value):
        return access_what(value)
