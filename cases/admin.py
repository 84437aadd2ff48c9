from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from cases.models import Branch, CaseTransition, LoanCase, SlaPolicy, User


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "hotline", "hotline_hours"]
    search_fields = ["code", "name"]


@admin.register(User)
class StaffAdmin(UserAdmin):
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
class LoanCaseAdmin(admin.ModelAdmin):
    list_display = ["number", "borrower_name", "branch", "officer", "status", "due_at"]
    list_filter = ["status", "branch"]
    search_fields = ["number", "borrower_name"]
    list_select_related = ["branch", "officer"]
    # State and deadline change only through cases.services; the audit trail
    # below is read-only.
    readonly_fields = [
        "number", "status", "entered_state_at", "due_at", "held_from", "hold_reason",
        "signed_by", "approved_by", "masked_id", "documents_outstanding",
    ]
    exclude = ["borrower_id_number"]
    inlines = [CaseTransitionInline]
    show_full_result_count = False

    @admin.display(description=_("resident ID number"))
    def masked_id(self, obj):
        return obj.masked_id_number

    def has_add_permission(self, request):
        # Cases are opened through cases.services.case_create (numbering, deadline).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        from cases.selectors import cases_for_user

        return cases_for_user(request.user).select_related("branch", "officer")

    def save_model(self, request, obj, form, change):
        try:
            obj.full_clean(exclude=["number", "borrower_id_number", "status"])
        except Exception as exc:  # pragma: no cover - the form validated already
            messages.error(request, str(exc))
            return
        super().save_model(request, obj, form, change)


@admin.register(CaseTransition)
class CaseTransitionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "case", "transition", "source", "target", "actor"]
    list_filter = ["transition", "target"]
    search_fields = ["case__number"]
    list_select_related = ["case", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


