"""Nothing a view answers is kept by a browser or a proxy unless the view says so.

Staff pages, exports and the borrower's pages show personal data; a shared
branch PC's back button or disk cache, or a caching proxy in front of the
bank's load balancer, must not keep them. Static files are answered by
whitenoise before this runs, and a view that wants caching (the favicon)
sets its own Cache-Control, which is left alone.
"""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
