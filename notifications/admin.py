from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.admin import ReadOnlyAdmin
from cases.identity import mask_contact
from cases.selectors import branch_scope
from notifications import actions as notification_actions
from notifications import links, rendering, services
from notifications.models import BorrowerLink, DeliveryEvent, MessageTemplate, Notification, StaffTask


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["key", "channel", "language", "subject", "body_text", "body_html", "active"]

    def clean(self):
        cleaned = super().clean()
        # A template that does not compile or render would fall back to the
        # default at send time; better to say so now, to the person editing
        # it, and save nothing. Compiled and rendered with a sample case by
        # the sandboxed engine the messages use (rendering.SandboxEngine).
        for field, html in (("subject", False), ("body_text", False), ("body_html", True)):
            error = rendering.template_error(cleaned.get(field) or "", html=html)
            if error:
                self.add_error(field, ValidationError(_("This template has an error: %(error)s"), params={"error": error}))
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["key", "channel", "language", "subject", "active", "updated_at"]
    list_filter = ["channel", "language", "active", "key"]
    search_fields = ["key", "subject", "body_text"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview (sample case)"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return _("Save the template to see a preview.")
        try:
            subject, text, html = rendering.render_template(obj, rendering.SAMPLE_CONTEXT)
        except Exception as exc:
            return _("This template has an error: %(error)s") % {"error": exc}
        return format_html(
            '<p><strong>{}</strong></p><pre style="white-space:pre-wrap">{}</pre>{}',
            subject,
            text,
            format_html('<iframe sandbox srcdoc="{}" style="width:100%;height:260px;border:1px solid #ccc"></iframe>', html)
            if html
            else "",
        )


class DeliveryEventInline(admin.TabularInline):
    model = DeliveryEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "detail", "provider_event_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "case", "key", "channel", "masked_recipient", "status", "attempts", "next_attempt_at", "last_error",
    ]
    list_filter = ["status", "channel", "key"]
    search_fields = ["case__number", "uuid", "provider_message_id"]
    list_select_related = ["case"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [DeliveryEventInline]
    actions = ["retry"]
    # Notices change only through services (sending, webhooks, staff actions).
    readonly_fields = [
        "uuid", "case", "transition", "key", "channel", "language", "masked_recipient", "status", "subject",
        "shown_body", "attempts", "next_attempt_at", "claimed_at", "last_error", "provider_message_id", "created_at",
        "sent_at", "delivered_at", "read_at", "acknowledged_at", "failed_at", "handled_at", "handled_by",
        "escalated_at",
    ]
    # Staff see masked personal data only: the address itself is in no form.
    exclude = ["body", "body_html", "recipient"]

    @admin.display(description=_("message"))
    def shown_body(self, obj):
        return services.display_body(obj)

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj):
        return mask_contact(obj.recipient)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))

    @admin.action(description=_("Send the selected failed notices again"))
    def retry(self, request, queryset):
        done = 0
        for notification in queryset.select_related("case"):
            try:
                notification_actions.notification_retry(notification=notification, actor=request.user)
                done += 1
            except ValidationError as exc:
                messages.warning(request, f"{notification.case}: {' '.join(exc.messages)}")
        messages.success(request, _("%(count)d notices queued again.") % {"count": done})


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "notification", "kind", "detail"]
    list_filter = ["kind"]
    search_fields = ["notification__case__number", "provider_event_id"]
    list_select_related = ["notification"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "notification__case__"))


@admin.register(StaffTask)
class StaffTaskAdmin(ReadOnlyAdmin):
    # Tasks are completed on the staff pages (notifications.notification_actions.task_complete),
    # which also settles the notice behind them.
    list_display = ["due_at", "kind", "case", "assigned_to", "status", "completed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["case__number", "assigned_to__username"]
    list_select_related = ["case", "assigned_to"]
    readonly_fields = ["case", "notification", "kind", "created_at", "completed_at", "completed_by"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(branch_scope(request.user, "case__"))


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
        count = sum(links.link_revoke(link.case) for link in queryset.filter(revoked_at__isnull=True))
        self.message_user(
            request, ngettext("%(count)d link revoked.", "%(count)d links revoked.", count) % {"count": count},
            messages.SUCCESS,
        )
