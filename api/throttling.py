"""A ceiling on each API client's requests, so one misbehaving integration
(a retry loop, a sync that never pages) cannot take the service from the
officers. Counted in the shared cache (Redis in production), per client."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_rate(self):
        # Read at each request, not at import, so settings can change it.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if request.auth is None:
            return None  # unauthenticated: answered 401 before any work
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
