"""Admin of the integrations (administrators): the national sync's messages with why they are
pending or failed, reconciliation runs, webhook subscriptions (rotate a secret) and deliveries
with every attempt. Rows are written by services only; actions call the services."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import dvcqg_mapping as m
from . import services
from .models import SyncMessage, SyncReconciliation, WebhookAttempt, WebhookDelivery, WebhookSubscription


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncMessage)
class SyncMessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("dossier_code", "sequence", "step", "state", "attempts", "why")
    list_filter = ("state", "status_code", "agency_code")
    search_fields = ("dossier_code", "=message_id")
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in SyncMessage._meta.fields if f.name != "claimed_until"] + ["why"]
    actions = ["send_again"]

    @admin.display(description=gettext_lazy("step"))
    def step(self, obj):
        return f"{obj.status_code} · {obj.payload.get(m.FIELDS['step_name'], '')}"

    @admin.display(description=gettext_lazy("why"))
    def why(self, obj):
        if obj.state == SyncMessage.State.SENT:
            return _("Received by the national portal.")
        first = services.sync_next_unsent(obj.dossier_id)
        if first is not None and first.pk != obj.pk:
            return _("Waits for message #%(n)s of this dossier to go first.") % {"n": first.sequence}
        if obj.last_error:
            return obj.last_error
        return _("Waiting for its turn.")

    @admin.action(description=gettext_lazy("Send the selected messages again now"))
    def send_again(self, request, queryset):
        sent = services.sync_resend(messages=list(queryset), by=request.user)
        self.message_user(request, _("%(n)s messages sent.") % {"n": sent}, messages.SUCCESS)


@admin.register(SyncReconciliation)
class SyncReconciliationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ran_at", "groups_compared", "groups_different", "messages_resent", "error")
    readonly_fields = ("ran_at", "groups_compared", "groups_different", "messages_resent", "error", "details")


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ("name", "agency", "url", "events", "is_active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        services.webhook_url_check(url)
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "agency", "url", "is_active", "previous_secret_expires_at")
    list_filter = ("is_active", "agency")
    search_fields = ("name", "url")
    readonly_fields = ("secret", "previous_secret", "previous_secret_expires_at", "created_by", "created_at")
    actions = ["rotate_secret"]

    def save_model(self, request, obj, form, change):
        services.webhook_subscription_save(subscription=obj, by=request.user)

    @admin.action(description=gettext_lazy("Rotate the signing secret (the old one keeps signing for a while)"))
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            services.webhook_secret_rotate(subscription=subscription, by=request.user)
        self.message_user(request, _("New secrets made: %(n)s.") % {"n": queryset.count()}, messages.SUCCESS)


class WebhookAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ("at", "http_status", "error", "duration_ms")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("event_type", "subscription", "state", "attempts", "next_attempt_at", "created_at", "last_error")
    list_filter = ("state", "event_type", "subscription")
    search_fields = ("=event_id",)
    list_select_related = ("subscription",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields if f.name != "claimed_until"]
    inlines = [WebhookAttemptInline]
    actions = ["deliver_again"]

    @admin.action(description=gettext_lazy("Deliver the selected events again now"))
    def deliver_again(self, request, queryset):
        delivered = services.webhook_redeliver(deliveries=list(queryset), by=request.user)
        self.message_user(request, _("%(n)s deliveries delivered.") % {"n": delivered}, messages.SUCCESS)
