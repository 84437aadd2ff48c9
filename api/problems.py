"""Every error the API answers is an RFC 9457 problem document
(application/problem+json): a stable `code` a program can act on, a `title`
and a `detail` in the caller's language (Accept-Language; Chinese by
default), and for bad input the message of each field in `errors`."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from cases.services import TransitionRefused

MEDIA_TYPE = "application/problem+json"

# The service's refusal codes, and the HTTP status each is answered with.
REFUSAL_STATUS = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "permission": status.HTTP_403_FORBIDDEN,
    "four_eyes": status.HTTP_403_FORBIDDEN,
    "separation_of_duties": status.HTTP_403_FORBIDDEN,
    "wrong_state": status.HTTP_409_CONFLICT,
    "conflict": status.HTTP_409_CONFLICT,
    "guard": status.HTTP_409_CONFLICT,
    "reason_required": status.HTTP_400_BAD_REQUEST,
    "sla_policy": status.HTTP_409_CONFLICT,
}
# Titles by code where the status alone would mislead (a duplicate is a 409
# too, but not a state problem).
CODE_TITLES = {
    "duplicate": gettext_lazy("This already exists."),
    "idempotency_key_reused": gettext_lazy("This Idempotency-Key was used for another request."),
    "too_large": gettext_lazy("The request is too large."),
}
TITLES = {
    400: gettext_lazy("The request is not valid."),
    401: gettext_lazy("Authentication is needed."),
    403: gettext_lazy("Not allowed."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("Method not allowed."),
    406: gettext_lazy("Not acceptable."),
    409: gettext_lazy("The case is not in a state that allows this."),
    413: gettext_lazy("The request is too large."),
    415: gettext_lazy("Send JSON."),
    422: gettext_lazy("This Idempotency-Key was used for another request."),
    429: gettext_lazy("Too many requests."),
}


class Problem(exceptions.APIException):
    """An answer of ours with its own code and status."""

    def __init__(self, http_status, code, detail, **extra):
        self.status_code, self.problem_code, self.extra = http_status, code, extra
        super().__init__(detail=detail, code=code)


def problem_response(http_status, code, detail, **extra) -> Response:
    body = {
        "type": f"urn:loanflow:problem:{code}",
        "title": str(CODE_TITLES.get(code) or TITLES.get(http_status, _("Error."))),
        "status": http_status,
        "detail": str(detail),
        "code": code,
        **extra,
    }
    return Response(body, status=http_status, content_type=MEDIA_TYPE)


def _field_errors(detail):
    """{field: [message, ...]} from DRF's or Django's error structures."""
    if isinstance(detail, dict):
        return {str(field): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
                for field, messages in detail.items()}
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error as a problem."""
    if isinstance(exc, Problem):
        response = problem_response(exc.status_code, exc.problem_code, exc.detail, **exc.extra)
    elif isinstance(exc, TransitionRefused):
        response = problem_response(REFUSAL_STATUS.get(exc.code, 409), exc.code, exc.message)
    elif isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        codes = {e.code for errors_ in getattr(exc, "error_dict", {}).values() for e in errors_}
        code = "duplicate" if "duplicate" in codes else "invalid"
        response = problem_response(
            400 if code == "invalid" else 409, code, _("Some fields are not valid; see errors."),
            errors=_field_errors(errors),
        )
    elif isinstance(exc, RequestDataTooBig):
        response = problem_response(413, "too_large", _("The request body is larger than %(mb)s MB.")
                                    % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024) or 1})
    elif isinstance(exc, exceptions.ParseError):
        response = problem_response(400, "malformed", _("The body is not valid JSON."))
    elif isinstance(exc, exceptions.ValidationError):
        response = problem_response(400, "invalid", _("Some fields are not valid; see errors."),
                                    errors=_field_errors(exc.detail))
    elif isinstance(exc, (Http404, exceptions.NotFound)):
        response = problem_response(404, "not_found", _("No such case."))
    elif isinstance(exc, (DjangoPermissionDenied, exceptions.PermissionDenied)):
        response = problem_response(403, "permission", getattr(exc, "detail", None) or _("Not allowed."))
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response = problem_response(401, "unauthenticated", exc.detail)
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        response = problem_response(exc.status_code, code, exc.detail)
    else:
        return None  # a bug: Django's 500, logged
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


class ProblemSerializer(serializers.Serializer):
    """For the schema: what every error looks like."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable, for programs: invalid, duplicate, unauthenticated, permission, "
                                           "four_eyes, separation_of_duties, not_found, wrong_state, conflict, guard, reason_required, "
                                           "idempotency_key_reused, ...")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="For code invalid: each field's messages.",
    )
