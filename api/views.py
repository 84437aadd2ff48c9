"""The integration API, version 1: thin views over cases.services (the one
write path) and api.selectors (reads within the client's branches). Each
write may carry an Idempotency-Key; each error is a problem document."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import idempotency, selectors
from api.problems import MEDIA_TYPE, Problem, ProblemSerializer
from api.serializers import (
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    ContactSerializer,
    TransitionSerializer,
)
from cases import services
from cases.models import Branch, LoanCase
from cases.states import CaseState, Transition

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Send the same key again (same body) to get the first answer again: nothing is done twice. "
                "Kept 24 hours.",
)


# Every operation may also answer these (wrong method, not JSON, too large).
ALWAYS = (405, 406, 413, 415)


def _problems(*statuses):
    return {(code, MEDIA_TYPE): OpenApiResponse(ProblemSerializer, description="A problem document (RFC 9457).")
            for code in statuses + ALWAYS}


REPLAYED = OpenApiParameter(
    "Idempotent-Replayed", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True,
    description="\"true\" when this is the stored answer to an earlier request with the same Idempotency-Key.",
)



def _case_or_404(request, number) -> LoanCase:
    try:
        return selectors.case_for_client(request.auth, number)
    except LoanCase.DoesNotExist:
        raise Problem(404, "not_found", _("No such case.")) from None


def _detail(case, status=200, headers=None) -> Response:
    context = {"timeline": selectors.case_timeline(case), "notices": selectors.case_notices(case)}
    return Response(CaseDetailSerializer(case, context=context).data, status=status, headers=headers)


class CasePagination(CursorPagination):
    # By id: new cases only ever come after the cursor, so paging through
    # while cases are being opened neither skips nor repeats one.
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception:  # noqa: BLE001 - DRF raises NotFound; a bad cursor is a bad request
            raise Problem(400, "invalid", _("This cursor is not valid; start again from the first page.")) from None


class CaseListQuery(serializers.Serializer):
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    branch = serializers.CharField(max_length=20, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    updated_since = serializers.DateTimeField(required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=200, required=False)
    cursor = serializers.CharField(max_length=500, required=False)


CASE_PAGE = inline_serializer(
    "CasePage",
    {
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": CaseSerializer(many=True),
    },
)


@extend_schema(
    methods=["GET"], operation_id="cases_list", summary="List cases",
    description="Cases in the client's branches, oldest first, a page at a time (cursor pagination: follow "
                "`next`). To follow changes, pass `updated_since`: the start of your previous sync minus 5 minutes "
                "(a change is stamped before its transaction commits, so a slow one can appear a little late), "
                "and dedupe by `number`.",
    parameters=[CaseListQuery],
    responses={200: CASE_PAGE, **_problems(400, 401, 404)},
)
@extend_schema(
    methods=["POST"], operation_id="cases_create", summary="Open a case",
    description="Opens a case in state `submitted`, with its first deadline. The borrower hears from the bank "
                "once the signing is recorded.",
    parameters=[IDEMPOTENCY_HEADER, REPLAYED], request=CaseCreateSerializer,
    responses={201: CaseDetailSerializer, **_problems(400, 401, 403, 404, 409, 422)},
)
@api_view(["GET", "POST"])
def cases(request):
    if request.method == "POST":
        return idempotency.run(request, lambda: _create(request))
    query = CaseListQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    branch = None
    if params.get("branch"):
        try:
            branch = selectors.branch_for_client(request.auth, params["branch"])
        except Branch.DoesNotExist:
            raise Problem(404, "not_found", _("No such branch.")) from None
    rows = selectors.case_list(
        request.auth, state=params.get("state"), branch=branch, overdue=params.get("overdue"),
        updated_since=params.get("updated_since"),
    )
    paginator = CasePagination()
    page = paginator.paginate_queryset(rows, request)
    return paginator.get_paginated_response(CaseSerializer(page, many=True).data)


def _create(request):
    client = request.auth
    if not client.may_create:
        raise Problem(403, "permission", _("This client may not open cases."))
    data = CaseCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    if not fields["branch"]:
        if client.branch is None:
            raise Problem(400, "invalid", _("Some fields are not valid; see errors."),
                          errors={"branch": [_("Give the branch code: this client serves every branch.")]})
        fields["branch"] = client.branch.code
    case = services.case_open(actor=client.user, data=fields, via="api")
    case = selectors.case_for_client(client, case.number)
    return _detail(case, status=201, headers={"Location": reverse("api:case", args=[case.number])})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([])
def not_found(request, *args, **kwargs):
    raise Problem(404, "not_found", _("There is no such address in the API; see /api/v1/docs/."))


@extend_schema(
    operation_id="cases_read", summary="Read a case",
    description="State, deadline (and whether it is estimated), the changes of state, and every notice to the "
                "borrower with its channel and status. Personal data is masked.",
    responses={200: CaseDetailSerializer, **_problems(401, 404)},
)
@api_view(["GET"])
def case(request, number):
    return _detail(_case_or_404(request, number))


@extend_schema(
    operation_id="cases_transition", summary="Change a case's state",
    description="Fires a transition through the same checks as a person's click (state, permission, four-eyes, "
                "reason, guards); the borrower is told. Refusals carry the service's code: wrong_state, "
                "permission, four_eyes, separation_of_duties, reason_required, guard, conflict.",
    parameters=[IDEMPOTENCY_HEADER, REPLAYED], request=TransitionSerializer,
    responses={200: CaseDetailSerializer, **_problems(400, 401, 403, 404, 409, 422)},
)
@api_view(["POST"])
def case_transition(request, number):
    return idempotency.run(request, lambda: _transition(request, number))


def _transition(request, number):
    data = TransitionSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    name = data.validated_data["name"]
    case = _case_or_404(request, number)
    if not request.auth.may_fire(name):
        raise Problem(403, "permission", _("This client may not “%(transition)s”.") % {"transition": Transition(name).label})
    expected = data.validated_data.get("expected_state")
    if expected and expected != case.status:
        raise Problem(409, "conflict", _("The case is “%(state)s” now, not the state you expected; nothing was done.")
                      % {"state": case.get_status_display()}, state=case.status)
    payload = {}
    if name == Transition.REQUEST_DOCUMENTS:
        payload["documents"] = [d.strip() for d in data.validated_data["documents"] if d.strip()]
        if not payload["documents"]:
            raise Problem(400, "invalid", _("Some fields are not valid; see errors."),
                          errors={"documents": [_("List the documents the borrower must bring.")]})
    services.case_transition(case=case, name=name, actor=request.auth.user, reason=data.validated_data["reason"],
                             payload=payload)
    return _detail(_case_or_404(request, number))


@extend_schema(
    operation_id="cases_correct_contact", summary="Correct the borrower's mobile or email",
    description="After the bank verified it with the borrower: the latest news that did not reach them goes to "
                "the new contact. The audit log keeps old and new masked.",
    parameters=[IDEMPOTENCY_HEADER, REPLAYED], request=ContactSerializer,
    responses={200: CaseDetailSerializer, **_problems(400, 401, 403, 404, 422)},
)
@api_view(["POST"])
def case_contact(request, number):
    return idempotency.run(request, lambda: _contact(request, number))


def _contact(request, number):
    data = ContactSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    case = _case_or_404(request, number)
    if not request.auth.may_correct_contact:
        raise Problem(403, "permission", _("This client may not correct contact details."))
    try:
        services.case_correct_contact(case=case, actor=request.auth.user, **data.validated_data)
    except ValidationError as exc:
        raise Problem(400, "invalid", _("Some fields are not valid; see errors."),
                      errors={"value": exc.messages}) from None
    return _detail(_case_or_404(request, number))
