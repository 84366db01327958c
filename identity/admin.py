"""Admin for people: citizens (scoped, every view audited), officials, personal documents,
the read-only audit trail, and the sandbox residents."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction, audit_record
from portal.kernel.files import file_response

from . import service_accounts, services
from .models import OfficialProfile, PersonalDocument, SandboxResident, ServiceAccount, ServiceToken, User
from .roles import ROLE_LABELS
from .selectors import citizens_visible_to, personal_document_accessible, personal_document_filename


class OfficialProfileInline(admin.StackedInline):
    model = OfficialProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "identity_level", "verified_via", "in_person_requested_at", "is_staff"]
    list_filter = [
        "identity_level",
        "verified_via",
        "personal_id_source",
        ("in_person_requested_at", admin.EmptyFieldListFilter),
        "is_active",
    ]
    search_fields = ["email", "full_name", "personal_id", "phone"]
    readonly_fields = [
        "verified_at",
        "registry_checked_at",
        "in_person_requested_at",
        "personal_id_source",
        "eid_issuer",
        "eid_subject",
        "last_login",
        "date_joined",
    ]
    actions = ["verify_in_person"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal data"), {"fields": ("full_name", "personal_id", "date_of_birth", "sex", "phone")}),
        (_("Address"), {"fields": ("province", "ward", "address_line")}),
        (
            _("Identity"),
            {
                "fields": (
                    "identity_level",
                    "verified_via",
                    "verified_at",
                    "personal_id_source",
                    "registry_checked_at",
                    "in_person_requested_at",
                    "eid_issuer",
                    "eid_subject",
                )
            },
        ),
        (_("Notifications"), {"fields": ("notify_email", "notify_sms")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [OfficialProfileInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=citizens_visible_to(request.user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        # Officials look; changes to a citizen's identity happen through service actions.
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"] if f != "password"] + ["password"]

    def save_model(self, request, obj, form, change):
        if change and "personal_id" in form.changed_data:
            # A number edited by hand is no longer the one e-ID or the desk verified.
            obj.personal_id_source = User.PersonalIdSource.TYPED if obj.personal_id else User.PersonalIdSource.NONE
        super().save_model(request, obj, form, change)

    def get_inlines(self, request, obj):
        return self.inlines if request.user.is_superuser else []

    def user_change_password(self, request, id, form_url=""):
        # Only a superuser may set someone else's password; officials send a reset link instead.
        if not request.user.is_superuser and str(request.user.pk) != str(id):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.pk != request.user.pk and request.method == "GET":
            audit_record(
                actor=request.user,
                subject=obj,
                action=AuditAction.VIEW,
                obj=obj,
                detail="admin: viewed personal data",
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Verify in person (card checked at the desk): raise to level 2"))
    def verify_in_person(self, request, queryset):
        done = 0
        for citizen in queryset:
            try:
                services.user_verify_in_person(citizen=citizen, official=request.user, request=request)
                done += 1
            except (PermissionDenied, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{citizen}: {message}", messages.ERROR)
        if done:
            self.message_user(request, gettext("%(n)s citizen(s) verified at level 2.") % {"n": done}, messages.SUCCESS)


@admin.register(PersonalDocument)
class PersonalDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "doc_type", "verified", "created_at", "file_link"]
    list_filter = ["verified", "source", "doc_type"]
    search_fields = ["title", "number", "owner__email", "owner__full_name"]
    readonly_fields = [
        "owner",
        "file",
        "content_type",
        "size",
        "source",
        "verified",
        "verified_by",
        "verified_at",
        "created_at",
    ]
    actions = ["certify"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("owner")
        if request.user.is_superuser:
            return qs
        allowed = [
            doc.pk
            for doc in qs.filter(owner__in=citizens_visible_to(request.user))
            if personal_document_accessible(request.user, doc)
        ]
        return qs.filter(pk__in=allowed)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A verified document is what an official compared with the original: read-only.
        if obj is not None and not services.personal_document_may_edit(document=obj, user=request.user):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Through the service: the verification rule and the audit with before/after values.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            try:
                services.personal_document_update(document=obj, by=request.user, changes=changes, request=request)
            except ValidationError as exc:
                raise PermissionDenied(exc.messages[0]) from exc

    @admin.display(description=_("file"))
    def file_link(self, obj):
        if not obj.file:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:identity_personaldocument_file", args=[obj.pk]), gettext("Open")
        )

    def get_urls(self):
        return [
            path("<int:pk>/file/", self.admin_site.admin_view(self.file_view), name="identity_personaldocument_file"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk):
        document = get_object_or_404(self.get_queryset(request), pk=pk)
        if not document.file:
            raise Http404
        try:
            handle = services.personal_document_open(document=document, user=request.user, request=request)
        except PermissionDenied:
            raise Http404 from None
        return file_response(handle, filename=personal_document_filename(document), content_type=document.content_type)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.owner_id != request.user.pk and request.method == "GET":
            audit_record(
                actor=request.user,
                subject=obj.owner,
                action=AuditAction.VIEW,
                obj=obj,
                detail="admin: viewed personal document",
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Certify: compared with the original"))
    def certify(self, request, queryset):
        for document in queryset:
            try:
                services.personal_document_certify(document=document, official=request.user, request=request)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)


@admin.register(SandboxResident)
class SandboxResidentAdmin(admin.ModelAdmin):
    list_display = ["full_name", "personal_id", "date_of_birth", "sex", "ward", "eid_level"]
    search_fields = ["full_name", "personal_id"]
    list_filter = ["eid_level", "sex"]
    raw_id_fields = ["ward"]


class ServiceTokenInline(admin.TabularInline):
    model = ServiceToken
    extra = 0
    can_delete = False
    fields = ["prefix", "scopes", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # issued with the action below: the secret is shown once


class ServiceAccountForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("roles"),
        choices=[(r, ROLE_LABELS[r]) for r in service_accounts.SERVICE_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ServiceAccount
        fields = ["name", "agency", "roles", "is_active"]


# The tokens an administrator can issue: each action gives one set of scopes.
_TOKEN_SCOPE_SETS = {
    "issue_read_token": [ServiceToken.Scope.READ_QUEUE],
    "issue_act_token": [ServiceToken.Scope.READ_QUEUE, ServiceToken.Scope.ACT],
    "issue_full_token": list(ServiceToken.Scope.values),
}


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """Administrators create service accounts (an agency, its roles), issue scoped tokens (the
    secret is shown once, only its digest is kept) and revoke them. Uses are in the audit log."""

    list_display = ["name", "agency", "is_active", "created_at"]
    form = ServiceAccountForm
    inlines = [ServiceTokenInline]
    actions = [*_TOKEN_SCOPE_SETS, "revoke_tokens"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail names the account

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            service_accounts.service_account_sync(obj)
            return
        created = service_accounts.service_account_create(
            name=obj.name, agency=obj.agency, roles=obj.roles, by=request.user
        )
        obj.pk, obj.user_id = created.pk, created.user_id
        if not obj.is_active:
            obj.save()
            service_accounts.service_account_sync(obj)

    def _issue(self, request, queryset, scopes):
        for account in queryset:
            _token, secret = service_accounts.service_token_issue(account=account, scopes=scopes, by=request.user)
            self.message_user(
                request,
                gettext("New token for %(account)s (shown once, copy it now): %(secret)s")
                % {"account": account.name, "secret": secret},
                messages.WARNING,
            )

    @admin.action(description=_("Issue a token: read the queue"))
    def issue_read_token(self, request, queryset):
        self._issue(request, queryset, _TOKEN_SCOPE_SETS["issue_read_token"])

    @admin.action(description=_("Issue a token: read the queue and act on dossiers"))
    def issue_act_token(self, request, queryset):
        self._issue(request, queryset, _TOKEN_SCOPE_SETS["issue_act_token"])

    @admin.action(description=_("Issue a token: read, act and publish results"))
    def issue_full_token(self, request, queryset):
        self._issue(request, queryset, _TOKEN_SCOPE_SETS["issue_full_token"])

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        for account in queryset:
            for token in account.tokens.filter(revoked_at__isnull=True):
                service_accounts.service_token_revoke(token=token, by=request.user)
