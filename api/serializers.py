"""What goes in and out of the API. Input serializers check shape only
(types, lengths, choices); the meaning (a real ID number, an officer of that
branch, may this client do this) is checked by cases.services, once for the
pages, the import and the API alike."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import sla
from cases.models import ContactCorrection
from cases.states import CaseState, Transition
from notifications.models import Channel, NotificationStatus


class CaseCreateSerializer(serializers.Serializer):
    external_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                         help_text="The origination system's own reference; unique per branch.")
    branch = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                   help_text="Branch code; defaults to the client's own branch.")
    officer = serializers.CharField(max_length=150, help_text="The loan officer's login.")
    borrower_name = serializers.CharField(max_length=100)
    borrower_id_number = serializers.CharField(max_length=18, help_text="Resident ID number, 18 characters.")
    borrower_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    borrower_email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    property_address = serializers.CharField(max_length=300)
    loan_amount = serializers.CharField(max_length=20, help_text="Yuan, e.g. \"1200000.00\".")


class TransitionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=Transition.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="Required for reject, hold, withdraw and request_documents; the "
                                             "borrower is told it.")
    documents = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50, default=list,
        help_text="For request_documents: what the borrower must bring.",
    )
    expected_state = serializers.ChoiceField(
        choices=CaseState.choices, required=False,
        help_text="The state you last saw; if the case has moved on, nothing is done and the answer is a 409 "
                  "with code conflict.",
    )


class ContactSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=ContactCorrection.Field.choices)
    value = serializers.CharField(max_length=254)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                 help_text="How it was verified; kept masked in the audit log.")


class BorrowerSerializer(serializers.Serializer):
    """Masked: what staff pages show without unmasking."""

    name = serializers.CharField(source="borrower_name")
    id_number = serializers.CharField(source="masked_id_number")
    phone = serializers.CharField(source="masked_phone")
    email = serializers.SerializerMethodField()

    def get_email(self, case) -> str:
        return case.masked_email


class CaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    external_ref = serializers.CharField()
    state = serializers.ChoiceField(source="status", choices=CaseState.choices)
    state_label = serializers.CharField(source="get_status_display")
    branch = serializers.CharField(source="branch.code")
    officer = serializers.CharField(source="officer.username")
    borrower = BorrowerSerializer(source="*")
    property_address = serializers.CharField()
    loan_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_date = serializers.SerializerMethodField(help_text="The last day of the current stage's deadline; null when "
                                                           "no clock runs (on hold, closed).")
    deadline_provisional = serializers.BooleanField(help_text="True while that year's public holidays are not "
                                                              "announced: the date is estimated and may move.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_due_date(self, case) -> str | None:
        return sla.due_date(case.due_at).isoformat() if case.due_at else None

    def get_url(self, case) -> str:
        return reverse("api:case", args=[case.number])


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    transition = serializers.ChoiceField(choices=Transition.choices)
    source = serializers.ChoiceField(choices=CaseState.choices, help_text="The state it left.")
    target = serializers.ChoiceField(choices=CaseState.choices, help_text="The state it entered.")
    by = serializers.CharField(source="actor.username")
    reason = serializers.CharField()


class NoticeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    news = serializers.CharField(source="key", help_text="What the borrower was told: a transition's name, or "
                                                          "progress_update, hold_reminder, status_link, ...")
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=NotificationStatus.choices)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseSerializer):
    timeline = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, case):
        return TimelineEntrySerializer(self.context["timeline"], many=True).data

    @extend_schema_field(NoticeSerializer(many=True))
    def get_notices(self, case):
        return NoticeSerializer(self.context["notices"], many=True).data
