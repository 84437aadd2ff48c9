"""Where to send the user after a POST."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default):
    """The POSTed `next` if it stays on this site, else `default` (a URL, or
    a URL name for redirect()): never an open redirect."""
    target = request.POST.get("next") or ""
    # A path on this site only: a bare word ("foo") would be taken for a URL
    # name by redirect() and fail after the POST's write was done.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
