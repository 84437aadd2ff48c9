import re
import unicodedata
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cases.identity import normalize_phone

CASE_NUMBER_RE = re.compile(r"^HL-\d{4}-\d{6}$")


def _half_width(value):
    # Phone keyboards in Chinese mode type full-width digits and dashes.
    return unicodedata.normalize("NFKC", value or "").strip()


class VerifyForm(forms.Form):
    id_last4 = forms.CharField(
        label=_("Last 4 characters of your ID number"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "size": 6}),
    )

    def clean_id_last4(self):
        value = _half_width(self.cleaned_data["id_last4"]).upper()
        if not re.fullmatch(r"\d{3}[\dX]", value):
            raise ValidationError(_("Please enter 4 characters: digits, the last one may be X."))
        return value


class QuestionForm(forms.Form):
    CALLBACK_CHOICES = [
        ("any", _("Any time during opening hours")),
        ("morning", _("Weekday mornings (9:00–12:00)")),
        ("afternoon", _("Weekday afternoons (14:00–17:00)")),
        ("no_call", _("Please do not call; answer by SMS")),
    ]

    text = forms.CharField(
        label=_("Your question or complaint"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please write your question.")},
    )
    callback_time = forms.ChoiceField(label=_("When may we call you back?"), choices=CALLBACK_CHOICES)
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def callback_label(self):
        """The choice as the officer reads it (staff work in Chinese)."""
        with override("zh-hans"):
            return str(dict(self.CALLBACK_CHOICES)[self.cleaned_data["callback_time"]])


class FindForm(forms.Form):
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=30,
        help_text=_("It is in every message we sent you, e.g. HL-2026-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        help_text=_("The mobile number you gave the bank."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_case_number(self):
        value = _half_width(self.cleaned_data["case_number"]).upper().replace(" ", "")
        if not CASE_NUMBER_RE.match(value):
            raise ValidationError(_("A case number looks like HL-2026-000123."))
        return value

    def clean_phone(self):
        try:
            return normalize_phone(_half_width(self.cleaned_data["phone"]))
        except ValidationError:
            raise ValidationError(_("Please enter the 11-digit mobile number you gave us.")) from None
