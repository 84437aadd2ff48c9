"""Retention (PIPL): the two tools every app's anonymising uses. The rows
stay, with their statuses, dates and who did what: only the personal
content goes, replaced by cases.models.ANONYMISED.

cases.services.retention decides what is anonymised and when; each app
blanks its own records with these (notifications.retention, api.events).
"""

from cases.models import ANONYMISED


def marker(value):
    """The marker in place of a non-empty value; an empty one stays empty."""
    return ANONYMISED if value else value


def rows_anonymise(queryset, fields, new_values, *, read=(), dry_run=False) -> int:
    """Give each row of `queryset` the values new_values(row) returns for
    `fields` (reading `read` too), in one bulk UPDATE (none with dry_run);
    returns how many rows change. A row already anonymised does not change,
    so a second run writes nothing. The rows of one case are few: read at once."""
    changed = []
    for row in queryset.only("pk", *fields, *read).order_by("pk"):
        new = new_values(row)
        if any(getattr(row, field) != value for field, value in new.items()):
            for field, value in new.items():
                setattr(row, field, value)
            changed.append(row)
    if changed and not dry_run:
        queryset.model.objects.bulk_update(changed, fields, batch_size=500)
    return len(changed)
