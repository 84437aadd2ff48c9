"""Template helpers of the staff pages, including the server-drawn SVG trend chart."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from cases import sla
from cases.models import Role
from dashboards import selectors
from notifications import wording

register = template.Library()


@register.filter
def is_supervisor(user):
    return user.is_authenticated and (user.is_head_office or user.has_role(Role.SUPERVISOR))


@register.simple_tag(takes_context=True)
def nav_class(context, *url_names):
    """ "active" when the current page is one of the named URLs (for the navigation)."""
    match = getattr(context["request"], "resolver_match", None)
    if match and f"{match.namespace}:{match.url_name}" in url_names:
        return "active"
    return ""


@register.filter
def due_day(due_at):
    """The day a deadline falls on: due_at is the midnight that ends that day."""
    return sla.due_date(due_at) if due_at else None


@register.filter
def percent(value):
    return "—" if value is None else f"{value:.1f}%"


@register.simple_tag
def url_with(name, query, *args):
    """reverse(name) followed by the page's current query string."""
    url = reverse(name, args=args)
    return f"{url}?{query}" if query else url


WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 16, 36


@register.simple_tag
def trend_chart(days):
    """Bars: notices per day (left axis). Line: % delivered or acknowledged in
    time (right axis, 0–100). Plain inline SVG: no script, no external asset."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(days), 1)
    step = plot_w / count
    peak = max([d["total"] for d in days] + [1])
    bars, points, labels = [], [], []
    for i, day in enumerate(days):
        x = LEFT + i * step
        h = plot_h * day["total"] / peak
        bars.append(
            (
                f"{x + step * 0.15:.1f}",
                f"{TOP + plot_h - h:.1f}",
                f"{step * 0.7:.1f}",
                f"{h:.1f}",
                f"{day['day']:%m-%d}: {day['total']}",
            )
        )
        if day["rate"] is not None:
            points.append(f"{x + step / 2:.1f},{TOP + plot_h * (1 - day['rate'] / 100):.1f}")
        if i % 5 == 0 or i == count - 1:
            labels.append((f"{x + step / 2:.1f}", f"{HEIGHT - BOTTOM + 16}", f"{day['day']:%m-%d}"))
    title = _("Notices per day (bars) and share delivered or acknowledged in time (line), last %(n)s days") % {
        "n": len(days)
    }
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="trend-title" '
        'xmlns="http://www.w3.org/2000/svg"><title id="trend-title">{title}</title>'
        '<line x1="{l}" y1="{base}" x2="{r}" y2="{base}" class="axis"/>'
        '<text x="{lx}" y="{ty}" class="tick" text-anchor="end">{peak}</text>'
        '<text x="{lx}" y="{base}" class="tick" text-anchor="end">0</text>'
        '<text x="{rx}" y="{ty}" class="tick">100%</text><text x="{rx}" y="{base}" class="tick">0%</text>'
        '{bars}<polyline class="rate" points="{points}"/>{labels}</svg>',
        w=WIDTH,
        h=HEIGHT,
        title=title,
        l=LEFT,
        r=WIDTH - RIGHT,
        base=TOP + plot_h,
        lx=LEFT - 6,
        rx=WIDTH - RIGHT + 6,
        ty=TOP + 8,
        peak=peak,
        bars=format_html_join(
            "", '<rect x="{}" y="{}" width="{}" height="{}" class="bar"><title>{}</title></rect>', bars
        ),
        points=" ".join(points),
        labels=format_html_join("", '<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>', labels),
    )


@register.filter
def minutes(delta):
    """A timedelta in whole minutes (for the lockout page)."""
    return int(delta.total_seconds() // 60) if delta else 0


@register.simple_tag
def session_hours():
    return round(settings.SESSION_COOKIE_AGE / 3600)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def staff_name(user):
    return selectors.staff_name(user)


@register.filter
def event_label(event):
    """A delivery event's kind in the reader's words."""
    return wording.delivery_event_label(event.kind)


@register.filter
def event_detail(event):
    """A delivery event's detail in the reader's words ("attempt 2: ..." -> 第2次发送：...)."""
    if event.kind == "failover":  # the detail is the channel the news went on
        return wording.CHANNELS.get(event.detail, event.detail)
    return wording.error_text(event.detail)


@register.filter
def calendar_source(source):
    """Where a stored year came from, for head office: the seeded years name
    the open-source library they were taken from ("holidays 0.109")."""
    if source.startswith("holidays "):
        return _(
            "the open-source holidays library, version %(version)s, which follows the State Council's "
            "published schedule"
        ) % {"version": source.removeprefix("holidays ")}
    return source or "—"


@register.filter
def news_title(key):
    """What a notice told the borrower, in words (您已完成面签), from its key."""
    return wording.event_text(key)


@register.filter
def error_words(text):
    return wording.error_text(text)
