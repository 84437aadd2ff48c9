from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.identity import mask_email
from cases.models import (
    Branch,
    BusinessDay,
    BusinessYear,
    CaseAnonymisation,
    CaseTransition,
    DeadlineChange,
    LoanCase,
    SlaPolicy,
    User,
)
from cases.selectors import branch_scope, cases_for_user


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through services (audit trails, cases,
    notices): the admin may look, never write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BoundedIdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """SQLite holds integers of 64 bits: Django's multiple choice passes a
    bigger id to the query unchecked, and the overflow is a 500. It is just
    an id that does not exist."""

    def _check_values(self, value):
        for pk in value:
            try:
                too_big = abs(int(pk)) >= 2**63
            except (TypeError, ValueError):
                continue  # Django's own check names it
            if too_big:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)


class BoundedIdsAdmin(admin.ModelAdmin):
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", BoundedIdsMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(BoundedIdsAdmin, GroupAdmin):
    pass


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "hotline", "hotline_hours"]
    search_fields = ["code", "name"]


@admin.register(User)
class StaffAdmin(BoundedIdsAdmin, UserAdmin):
    list_display = ["username", "get_full_name", "branch", "is_active", "is_staff"]
    list_filter = ["branch", "groups", "is_active"]
    fieldsets = UserAdmin.fieldsets + ((_("Branch"), {"fields": ["branch"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((_("Branch"), {"fields": ["branch", "groups"]}),)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["state", "business_days", "clock"]

    def has_delete_permission(self, request, obj=None):
        return False


class CaseTransitionInline(admin.TabularInline):
    model = CaseTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "transition", "source", "target", "actor", "reason", "due_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LoanCase)
class LoanCaseAdmin(ReadOnlyAdmin):
    """Read-only: a case's data, state and deadline change only through
    cases.services, which writes the audit trail; personal data is masked."""

    list_display = ["number", "borrower_name", "branch", "officer", "status", "due_at"]
    list_filter = ["status", "branch"]
    search_fields = ["number", "borrower_name"]
    list_select_related = ["branch", "officer"]
    fields = [
        "number", "branch", "officer", "borrower_name", "masked_id", "masked_phone", "masked_email",
        "property_address", "loan_amount", "status", "entered_state_at", "due_at", "deadline_provisional",
        "sla_days", "held_from", "hold_reason",
        "documents_outstanding", "signed_by", "approved_by", "needs_attention", "created_at",
    ]
    readonly_fields = fields
    inlines = [CaseTransitionInline]
    show_full_result_count = False

    @admin.display(description=_("resident ID number"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=_("email"))
    def masked_email(self, obj):
        return mask_email(obj.borrower_email)


    def get_queryset(self, request):
        return cases_for_user(request.user).select_related("branch", "officer")


@admin.register(CaseTransition)
class CaseTransitionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "transition", "source", "target", "actor"]
    list_filter = ["transition", "target"]
    search_fields = ["case__number"]
    list_select_related = ["case", "actor"]
    show_full_result_count = False


    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "old_due_at", "new_due_at", "new_provisional", "actor", "reason"]
    search_fields = ["case__number"]
    list_select_related = ["case", "actor"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))


@admin.register(CaseAnonymisation)
class CaseAnonymisationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "closed_at", "retention_days", "via"]
    search_fields = ["case__number"]
    list_select_related = ["case"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))


class BusinessDayInline(admin.TabularInline):
    model = BusinessDay
    fields = ["day", "kind", "name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BusinessYear)
class BusinessYearAdmin(ReadOnlyAdmin):
    """Read-only here: a year is entered on the calendar page (/calendar/),
    which checks every row and recomputes the deadlines that depend on it."""

    list_display = ["year", "status", "source", "updated_at", "updated_by"]
    inlines = [BusinessDayInline]
