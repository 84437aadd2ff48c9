"""When news last reached each borrower: the clock silence is measured on.

News is what reached the borrower, never what was written or sent: a
message delivered by email or SMS, a call that reached them, or their own
action on the status page. The only writer of BorrowerNews.
"""

import datetime

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import staff
from notifications.models import BorrowerNews

# A borrower reloading the status page is one piece of news, not twenty.
PAGE_VISIT_GAP = datetime.timedelta(hours=1)


def _standing():
    return BorrowerNews.objects.filter(retracted_at__isnull=True)


def visited_recently(case_id, at) -> bool:
    return _standing().filter(
        case_id=case_id, how=BorrowerNews.How.STATUS_PAGE, at__gt=at - PAGE_VISIT_GAP, at__lte=at
    ).exists()


def news_record(*, case_id, at, how, notification=None):
    """Log that news reached the borrower, in the caller's transaction, and
    close the calls that only had to bring them news as old as this or older.
    A call or page visit tells them everything up to now."""
    if how == BorrowerNews.How.STATUS_PAGE and visited_recently(case_id, at):
        return None
    news = BorrowerNews.objects.create(case_id=case_id, at=at, how=how, notification=notification)
    closed = staff.tasks_close_for_news(
        case_id=case_id,
        at=at,
        since=notification.created_at if notification is not None else at,
        outcome=_("Closed by itself: news reached the borrower (%(how)s, %(at)s).")
        % {"how": news.get_how_display(), "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")},
    )
    if closed:
        staff.clear_attention_if_done(case_id)
    return news


def news_retract(*, notification, at) -> int:
    """A message counted as delivered bounced after all: it was no news."""
    return BorrowerNews.objects.filter(notification=notification, retracted_at__isnull=True).update(retracted_at=at)


def last_news_at():
    """For annotating cases: when news last reached the borrower (None: never).
    One probe of the (case, at) index per case."""
    latest = _standing().filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]
    return Subquery(latest)


def news_as_recent_as(notification) -> BorrowerNews | None:
    """News that told the borrower at least what `notification` would have:
    a copy of the same news (or of later news) delivered, a call that reached
    them, or their own look at the status page, since it was written. A late
    receipt of an older message is not enough."""
    return (
        _standing()
        .filter(case_id=notification.case_id, at__gte=notification.created_at)
        .filter(Q(notification__isnull=True) | Q(notification__created_at__gte=notification.created_at))
        .exclude(notification=notification)
        .order_by("at")
        .first()
    )
