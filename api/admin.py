from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import services, webhooks
from api.models import ApiClient, WebhookDelivery
from cases.states import Transition


class ApiClientForm(forms.ModelForm):
    transitions = forms.MultipleChoiceField(
        label=_("transitions it may fire"), choices=Transition.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiClient
        fields = ["name", "may_create", "may_correct_contact", "transitions", "webhook_url"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "branch", "may_create", "may_correct_contact", "webhook_url", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = ["branch", "revoked_at"]
    # The branch is its service account's scope: fixed at creation (a new
    # client for another branch), so the two never drift apart.
    readonly_fields = ["branch", "user", "token_prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "branch", "user", "may_create", "may_correct_contact", "transitions", "webhook_url",
              "token_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "new_webhook_secret"]

    def has_add_permission(self, request):
        # A new client's token is shown once, by manage.py api_client_create.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.webhook_url and not obj.webhook_secret:
            secret = services.client_webhook_secret_new(obj)
            self.message_user(request, _("%(client)s: the webhook secret is %(secret)s — give it to the system's "
                                         "operators now; it is not shown again.")
                              % {"client": obj, "secret": secret}, messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        return False  # its changes are audited under its service account: revoke instead

    @admin.action(description=_("Revoke: the token stops working at once"))
    def revoke(self, request, queryset):
        count = sum(services.client_revoke(client) for client in queryset)
        self.message_user(request, ngettext("%(n)s client revoked.", "%(n)s clients revoked.", count) % {"n": count})

    @admin.action(description=_("New webhook signing secret (shown once)"))
    def new_webhook_secret(self, request, queryset):
        for client in queryset:
            secret = services.client_webhook_secret_new(client)
            self.message_user(request, _("%(client)s: the new webhook secret is %(secret)s — give it to the "
                                         "system's operators now; it is not shown again.")
                              % {"client": client, "secret": secret}, messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "client", "event", "status", "attempts", "created_at", "delivered_at", "last_error"]
    list_filter = ["status", "event", "client"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the failed ones again"))
    def send_again(self, request, queryset):
        count = webhooks.send_again(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, ngettext("%(n)s delivery queued again.", "%(n)s deliveries queued again.", count)
                          % {"n": count})
