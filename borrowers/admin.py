from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from borrowers import services
from borrowers.models import BorrowerLink, BorrowerQuestion
from cases.selectors import branch_scope


@admin.register(BorrowerLink)
class BorrowerLinkAdmin(admin.ModelAdmin):
    """Links are issued by the app (and by `manage.py borrower_link`); here
    staff can only see them and revoke them. The token itself is never stored."""

    list_display = ["case", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["case__number"]
    fields = ["case", "created_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request, queryset):
        count = sum(services.link_revoke(link.case) for link in queryset.filter(revoked_at__isnull=True))
        self.message_user(
            request, ngettext("%(count)d link revoked.", "%(count)d links revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(BorrowerQuestion)
class BorrowerQuestionAdmin(admin.ModelAdmin):
    list_display = ["case", "created_at", "task"]
    search_fields = ["case__number"]
    readonly_fields = ["case", "task", "submission", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))

    def has_add_permission(self, request):
        return False
