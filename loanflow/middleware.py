"""Refuse a NUL character in the request's path, query string, cookies or form fields.

No page of ours has a use for U+0000, and PostgreSQL refuses it in any text
it is given ("A string literal cannot contain NUL (0x00) characters", a
ValueError raised by the driver): a NUL in an admin filter, a search box or
a case number would otherwise reach a query and answer 500. One check here
answers 400 for the whole site, before any view or query runs, on SQLite as
on PostgreSQL.

Form bodies are checked field by field, JSON bodies (the API, the
providers' webhooks) for the escape \\u0000. A multipart body sent to a
CSRF-exempt view is left to it: reading `request.POST` here would consume a
body it may read raw.
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse

NUL = "\x00"

# Both languages at once: this answer comes before the language is chosen,
# and whoever sent a NUL may read either.
MESSAGE_ZH = "请求无效：内容含有不允许的空字符（NUL，U+0000）。请删除后重试。"
MESSAGE_EN = "Bad request: it contains a NUL character (U+0000), which is not allowed. Remove it and try again."

PAGE = f"""<!doctype html>
<html lang="zh-Hans">
<head><meta charset="utf-8"><title>400 请求无效 · Bad request</title></head>
<body>
<h1>400 请求无效 · Bad request</h1>
<p>{MESSAGE_ZH}</p>
<p lang="en">{MESSAGE_EN}</p>
</body>
</html>
"""


def _has_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in querydict.lists())


def bad_request(request):
    if request.path.startswith("/api/"):
        # The API answers problem documents only (api.problems).
        body = {
            "type": "urn:loanflow:problem:nul_character",
            "title": "请求无效 · The request is not valid.",
            "status": 400,
            "detail": f"{MESSAGE_ZH} {MESSAGE_EN}",
            "code": "nul_character",
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False), status=400,
                            content_type="application/problem+json")
    return HttpResponse(PAGE, status=400, content_type="text/html; charset=utf-8")


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path
            or _has_nul(request.GET)
            or any(NUL in key or NUL in value for key, value in request.COOKIES.items())
        ):
            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            # JSON writes NUL as the escape \u0000 (a raw NUL byte is invalid
            # JSON, refused by the parser), and the API and the providers'
            # webhooks would hand the decoded string to a query.
            try:
                body = request.body
            except RequestDataTooBig:
                return None  # the view answers its own "too large"
            if b"\\u0000" in body:
                return bad_request(request)
        elif content_type == "application/x-www-form-urlencoded" or (
            content_type == "multipart/form-data" and not getattr(view_func, "csrf_exempt", False)
        ):
            # A form body is parsed from the cached body, so reading it here
            # takes nothing from the view. A multipart body is read from the
            # stream: only for the views CSRF protection reads it for anyway.
            if _has_nul(request.POST):
                return bad_request(request)
        return None
