"""Forms of the staff pages. Each validates input and says what is wrong in
the user's language; the writes happen in services."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import calendar
from cases.models import BusinessYear, ContactCorrection
from cases.states import REASON_REQUIRED, CaseState, Transition
from dashboards import selectors


class TransitionForm(forms.Form):
    name = forms.ChoiceField(choices=Transition.choices, widget=forms.HiddenInput)
    # The status the user saw: if the case moved on meanwhile, the change is
    # refused as a conflict instead of being applied to a state they never saw.
    seen_status = forms.ChoiceField(choices=CaseState.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (the borrower will be told)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    documents = forms.CharField(
        label=_("Missing documents, one per line"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        name = data.get("name")
        if name in REASON_REQUIRED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give a reason; the borrower will be told it."))
        if name == Transition.REQUEST_DOCUMENTS and not self.document_list():
            self.add_error("documents", _("List the documents the borrower must bring, one per line."))
        return data

    def document_list(self) -> list[str]:
        text = self.cleaned_data.get("documents") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def payload(self) -> dict:
        if self.cleaned_data["name"] == Transition.REQUEST_DOCUMENTS:
            return {"documents": self.document_list()}
        return {}


class TaskOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write down what happened, e.g. who you spoke to and what was agreed.")},
    )
    # Asked every time, never pre-ticked: a wrong "reached" closes the matter
    # for a borrower nobody spoke to.
    reached = forms.TypedChoiceField(
        label=_("Did you reach the borrower?"),
        choices=[("yes", _("Yes, I spoke to the borrower")), ("no", _("No, not reached"))],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you reached the borrower.")},
    )


class HandledForm(forms.Form):
    note = forms.CharField(label=_("How was the borrower told?"), required=False, max_length=500)


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None, required=False, empty_label=_("All branches"))

    MAX_DAYS = 366

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = selectors.branches_for_user(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must not be after the end date."))
            if (end - start).days >= self.MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most one year."))
        return data

    @classmethod
    def defaults(cls, now=None):
        period = selectors.Period.last_days(30, now)
        return {"start": period.start, "end": period.end}

    def period(self):
        return selectors.Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])


class AccessLogForm(ReportForm):
    """The access log's period, and one case if the supervisor asks about one."""

    case = forms.CharField(label=_("case number"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["branch"]


class BulkForm(forms.Form):
    ACTIONS = [("hold", _("Put on hold")), ("resume", _("Resume"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason (the borrowers will be told)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=None,
        to_field_name="number",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one case.")},
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        # Only cases the user may see can be chosen: anything else is "not a valid choice".
        self.fields["cases"].queryset = cases

    def clean(self):
        data = super().clean()
        if data.get("action") == "hold" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give a reason; the borrowers will be told it."))
        return data


class CalendarYearForm(forms.Form):
    """A year of the business calendar as head office enters it: the State
    Council notice's dates as a small table, typed or pasted."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=BusinessYear.Status.choices,
        widget=forms.RadioSelect,
        initial=BusinessYear.Status.ANNOUNCED,
    )
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=200,
        help_text=_("The notice the dates come from, e.g. 国办发明电〔2026〕12号."),
    )
    days = forms.CharField(
        label=_("Holidays and make-up working days"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=_(
            "One row per date: date, 休 (holiday) or 班 (make-up working day), name. Paste from a spreadsheet or "
            "type, e.g. “2027-10-01, 休, 国庆节” or a range “10月1日至7日, 休, 国庆节”. Weekends need no row unless "
            "they are worked."
        ),
    )

    def __init__(self, *args, year, **kwargs):
        self.year = year
        super().__init__(*args, **kwargs)

    def clean_days(self):
        days, errors = calendar.parse_rows(calendar.split_table(self.cleaned_data["days"]), self.year)
        if errors:
            raise forms.ValidationError(
                [
                    _("Line %(line)s (%(text)s): %(message)s") % {"line": e.line, "text": e.text, "message": e.message}
                    for e in errors
                ]
            )
        return days

    def clean(self):
        data = super().clean()
        # An empty table would make every weekday of the year a business day,
        # Spring Festival included: never what anyone means.
        if data.get("days") == []:
            self.add_error("days", _("A year has public holidays: enter the notice's dates."))
        return data


class ContactCorrectionForm(forms.Form):
    """A verified new mobile or email for the borrower, typed twice."""

    field = forms.ChoiceField(label=_("Contact"), choices=ContactCorrection.Field.choices, widget=forms.RadioSelect)
    value = forms.CharField(label=_("New mobile or email"), max_length=254)
    value_again = forms.CharField(label=_("Again, to be sure"), max_length=254)
    note = forms.CharField(
        label=_("How did you verify it?"),
        max_length=500,
        help_text=_("E.g. “called the number in the loan file, the borrower confirmed”."),
        error_messages={"required": _("Say how you verified the new contact.")},
    )

    def clean(self):
        data = super().clean()
        # Spaces and dashes in a number, or case in an address, are no difference.
        first, second = (re.sub(r"[\s-]", "", data.get(key) or "").lower() for key in ("value", "value_again"))
        if first and second and first != second:
            self.add_error("value_again", _("The two entries differ; type the new contact again."))
        return data


class NewCaseForm(forms.Form):
    """A case the officer opens at the counter. The checks (a real ID number,
    a mobile that exists, an officer of the branch) are the service's, the
    same as for the API and an import; their messages land on the fields."""

    borrower_name = forms.CharField(label=_("borrower name"), max_length=100)
    borrower_id_number = forms.CharField(
        label=_("resident ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    borrower_phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    borrower_email = forms.CharField(
        label=_("email"), max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    property_address = forms.CharField(label=_("property address"), max_length=300)
    loan_amount = forms.CharField(
        label=_("loan amount (CNY)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    external_ref = forms.CharField(
        label=_("origination system reference"),
        max_length=64,
        required=False,
        help_text=_("If the case also exists in the origination system: its number there."),
    )
    officer = forms.ModelChoiceField(label=_("officer"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        officers = selectors.staff_for_user(user).select_related("branch")
        if officers.filter(pk=user.pk).exists() and not user.is_head_office:
            # An officer opens cases for themself.
            del self.fields["officer"]
        else:
            self.fields["officer"].queryset = officers
            self.fields["officer"].required = True
            self.fields["officer"].label_from_instance = lambda u: f"{selectors.staff_name(u)} · {u.branch}"

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name, "")
            for name in (
                "borrower_name",
                "borrower_id_number",
                "borrower_phone",
                "borrower_email",
                "property_address",
                "loan_amount",
                "external_ref",
            )
        }
        officer = self.cleaned_data.get("officer") or self.user
        return {**data, "officer": officer.username, "branch": officer.branch.code if officer.branch else ""}

    def add_service_errors(self, error):
        """The service's {field: message} onto the fields (branch/officer onto officer)."""
        for field, messages in error.message_dict.items():
            target = "officer" if field in ("branch", "officer") and "officer" in self.fields else field
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"))


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("case number, name, mobile or last 4 digits"),
            }
        ),
    )
