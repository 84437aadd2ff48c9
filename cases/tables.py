"""django-tables2 tables of the staff pages. Cells read only what the row's
query already fetched, so a page costs the same number of queries at any size."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import reports
from notifications.models import Channel, NotificationStatus

TEMPLATE = "cases/_table.html"
CHANNELS = dict(Channel.choices)
NOTICE_STATUSES = dict(NotificationStatus.choices)


def notice_badge(status):
    if not status:
        return "—"
    return format_html('<span class="badge notice-{}">{}</span>', status, NOTICE_STATUSES.get(status, status))


class CaseNumberColumn(tables.Column):
    def render(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[value]), value)


class OfficerColumn(tables.Column):
    def render(self, value):
        return reports.staff_name(value)


class OverdueTable(tables.Table):
    number = CaseNumberColumn(verbose_name=_("case number"))
    borrower_name = tables.Column(verbose_name=_("borrower"), orderable=False)
    status = tables.Column(verbose_name=_("stage"))
    days_overdue = tables.Column(
        verbose_name=_("business days overdue"), accessor="due_at", order_by=("due_at", "id"),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    due_at = tables.Column(verbose_name=_("due by"), order_by=("due_at", "id"))
    officer = OfficerColumn(verbose_name=_("officer"), order_by=("officer__username", "due_at"))
    branch = tables.Column(verbose_name=_("branch"), order_by=("branch__code", "due_at"))
    last_notice = tables.Column(verbose_name=_("last notice"), accessor="last_notice_status", orderable=False)

    def render_due_at(self, value):
        # Due by the end of this day (due_at itself is the midnight after it).
        return reports.sla.due_date(value).isoformat()

    class Meta:
        template_name = TEMPLATE
        order_by = ("days_overdue",)
        empty_text = _("No overdue cases here. Change the filters, or enjoy the quiet.")
        attrs = {"class": "list"}

    def __init__(self, *args, now=None, **kwargs):
        self.now = now
        super().__init__(*args, **kwargs)

    def render_status(self, record):
        return record.get_status_display()

    def render_days_overdue(self, record):
        days = reports.days_overdue(record, self.now)
        return "?" if days is None else days

    def render_last_notice(self, record):
        return format_html(
            "{} · {} <small>{}</small>",
            CHANNELS.get(record.last_notice_channel, record.last_notice_channel),
            notice_badge(record.last_notice_status),
            record.last_notice_at.astimezone(reports.sla.local_tz()).strftime("%m-%d %H:%M"),
        )


class MyCasesTable(tables.Table):
    number = CaseNumberColumn(verbose_name=_("case number"), orderable=False)
    borrower_name = tables.Column(verbose_name=_("borrower"), orderable=False)
    status = tables.Column(verbose_name=_("stage"), orderable=False)
    due_at = tables.Column(verbose_name=_("due"), orderable=False, default="—")

    class Meta:
        template_name = TEMPLATE
        empty_text = _("You have no open cases. New cases appear here when they are assigned to you.")
        attrs = {"class": "list"}
        row_attrs = {"class": lambda table, record: table.urgency(record)}

    def __init__(self, *args, now, **kwargs):
        self.now = now
        self.end_of_today = reports.sla.end_of_day(reports.selectors.today_local(now))
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
        day = reports.sla.due_date(record.due_at).isoformat()
        if urgency == "overdue":
            days = reports.days_overdue(record, self.now)
            if days is None:
                label = _("Overdue")
            else:
                label = ngettext("%(days)s business day overdue", "%(days)s business days overdue", days) % {"days": days}
            return format_html('<span class="badge bad">{}</span> {}', label, day)
        if urgency == "due-today":
            return format_html('<span class="badge warn">{}</span>', _("Due today"))
        return day


class NoticeProblemTable(tables.Table):
    case = tables.Column(verbose_name=_("case"), accessor="case__number", orderable=False)
    channel = tables.Column(verbose_name=_("channel"), orderable=False)
    status = tables.Column(verbose_name=_("status"), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_("created"), format="Y-m-d H:i", orderable=False)
    officer = tables.Column(verbose_name=_("officer"), accessor="case__officer", orderable=False)
    last_error = tables.Column(verbose_name=_("last error"), orderable=False, default="")
    actions = tables.TemplateColumn(
        template_name="cases/_notice_actions.html", verbose_name=_("actions"), orderable=False
    )

    class Meta:
        template_name = TEMPLATE
        empty_text = _("Nothing needs attention here.")
        attrs = {"class": "list"}

    def render_case(self, value):
        return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[value]), value)

    def render_status(self, record):
        return notice_badge(record.status)

    def render_channel(self, record):
        return record.get_channel_display()

    def render_officer(self, value):
        return reports.staff_name(value)


class BulkTable(tables.Table):
    pick = tables.TemplateColumn(
        template_code='<input type="checkbox" name="cases" value="{{ record.number }}" '
        'id="pick-{{ record.number }}" aria-label="{{ record.number }}"{% if record.number in table.picked %} checked{% endif %}>',
        verbose_name="", orderable=False,
    )
    number = CaseNumberColumn(verbose_name=_("case number"), orderable=False)
    borrower_name = tables.Column(verbose_name=_("borrower"), orderable=False)
    status = tables.Column(verbose_name=_("stage"), orderable=False)
    officer = OfficerColumn(verbose_name=_("officer"), orderable=False)
    branch = tables.Column(verbose_name=_("branch"), orderable=False)

    class Meta:
        template_name = TEMPLATE
        empty_text = _("No open cases match these filters.")
        attrs = {"class": "list"}

    def render_status(self, record):
        return record.get_status_display()
