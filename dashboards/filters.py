"""django-filter sets for the case lists; every choice is limited to what the user may see."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import LoanCase
from cases.states import OPEN_STATES, CaseState
from dashboards import selectors
from notifications import selectors as notification_selectors


class WholeNumberFilter(django_filters.NumberFilter):
    # "2.5" or "abc" is a form error in the user's language, not a 500.
    field_class = forms.IntegerField


class StaffChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, show_branch=False, **kwargs):
        self.show_branch = show_branch  # head office: two 王芳 in two branches
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        name = selectors.staff_name(obj)  # 王芳, as the tables show them, not bj_cy_officer1
        return f"{name} · {obj.branch}" if self.show_branch and obj.branch_id else name


class StaffChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = StaffChoiceField


class OverdueFilter(django_filters.FilterSet):
    branch = django_filters.ModelChoiceFilter(label=_("Branch"), queryset=None, empty_label=_("All branches"))
    status = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=[(s.value, s.label) for s in CaseState if s in OPEN_STATES],
        empty_label=_("All stages"),
    )
    officer = StaffChoiceFilter(label=_("Officer"), queryset=None, empty_label=_("All officers"))
    min_days = WholeNumberFilter(
        label=_("At least this many business days overdue"),
        method="filter_min_days",
        min_value=1,
        max_value=250,
        widget=forms.NumberInput(attrs={"min": 1, "max": 250, "step": 1}),
    )
    undelivered = django_filters.BooleanFilter(
        label=_("Has an undelivered notice"),
        method="filter_undelivered",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = LoanCase
        fields = ["branch", "status", "officer"]

    def __init__(self, *args, user, now=None, **kwargs):
        self.user = user
        self.now = now
        super().__init__(*args, **kwargs)
        self.filters["branch"].queryset = selectors.branches_for_user(user)
        self.filters["officer"].queryset = selectors.staff_for_user(user).select_related("branch")
        self.filters["officer"].extra["show_branch"] = user.is_head_office
        if not user.is_head_office:
            # One branch only: the choice would say nothing.
            del self.filters["branch"]

    def filter_min_days(self, queryset, name, value):
        # The form field has checked the value (a whole number, 1 to 250); a
        # filter method must not add form errors (django-filter is looping
        # over cleaned_data when it calls this).
        return queryset.filter(due_at__lte=selectors.overdue_cutoff(value, now=self.now))

    def filter_undelivered(self, queryset, name, value):
        if value is None:
            return queryset
        flag = notification_selectors.has_undelivered_notice()
        return queryset.filter(flag if value else ~flag)


class BulkFilter(OverdueFilter):
    """The bulk page lists all open cases, not only overdue ones."""

    class Meta(OverdueFilter.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.filters["min_days"]
