"""Admin for the site shell's own data: the audit trail, notifications and side-effect jobs (the
outboxes) and sandbox SMS."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .audit import audit_events_visible_to
from .models import AuditEvent, Notification, OutboxJob, SandboxSmsMessage


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, changes or deletes rows here."""

    list_display = ["at", "actor", "action", "subject", "object_type", "object_id", "detail"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor__email", "subject__email", "detail", "object_id"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        # The rows an auditor may read: the scope identity registers (portal.audit).
        return audit_events_visible_to(request.user).select_related("actor", "subject")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "channel", "event", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "event")
    search_fields = ("user__email", "subject", "related_id", "address")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["deliver_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_deliver_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Deliver failed notifications again"), permissions=["deliver"])
    def deliver_again(self, request, queryset):
        from .notifications import notifications_publish

        ids = list(queryset.filter(status=Notification.Status.FAILED).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(status=Notification.Status.PENDING, attempts=0)
        notifications_publish(ids)
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "key", "status", "attempts", "next_attempt_at", "done_at")
    list_filter = ("status", "kind")
    search_fields = ("key",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxJob._meta.fields]
    actions = ["run_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_run_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Run failed jobs again"), permissions=["run"])
    def run_again(self, request, queryset):
        from django.utils import timezone

        from .outbox import outbox_publish

        ids = list(queryset.filter(status=OutboxJob.Status.FAILED).values_list("pk", flat=True))
        OutboxJob.objects.filter(pk__in=ids).update(
            status=OutboxJob.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        outbox_publish(ids)
        self.message_user(
            request,
            ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", len(ids)) % {"count": len(ids)},
            messages.SUCCESS,
        )


@admin.register(SandboxSmsMessage)
class SandboxSmsMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "to", "segments", "text")
    search_fields = ("to", "text", "reference")
    readonly_fields = [f.name for f in SandboxSmsMessage._meta.fields]
