from django.contrib import admin

from borrowers.models import BorrowerQuestion
from cases.selectors import branch_scope


@admin.register(BorrowerQuestion)
class BorrowerQuestionAdmin(admin.ModelAdmin):
    list_display = ["case", "created_at", "task"]
    search_fields = ["case__number"]
    readonly_fields = ["case", "task", "submission", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))

    def has_add_permission(self, request):
        return False
