"""The username django-axes records for a failed login.

Axes stores it in a 255-character column, but the login forms (ours and the
admin's) do not limit what is typed: a longer "username" made the insert
fail on PostgreSQL, a 500 instead of a counted failure. Cut to the column;
no real username is that long (150 at most), so no lockout key changes.
"""

from django.conf import settings

MAX_LENGTH = 255  # axes.models.AccessBase.username


def axes_username(request, credentials=None):
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(field)
    return username[:MAX_LENGTH] if isinstance(username, str) else username
