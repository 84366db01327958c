"""Catalog administration for staff: editors edit drafts, publishers publish them.

Nothing is typed as JSON: fees, documents, bundle parts and the e-form's fields are rows (add,
remove, reorder by position); the e-form rows become the stored schema and are checked by the same
`schema_validate`; a preview renders the form citizens will see (also of unsaved rows). Publishing
shows what changes against the published version first; unpublishing asks for a reason. Both go
through catalog.services (permission-checked)."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .diff import snapshot_diff
from .eform import build_form_class, schema_validate
from .forms import FeeLineForm, RequiredDocumentForm, eform_formset
from .models import Agency, BundlePart, FeeLine, Field, Procedure, ProcedureVersion, RequiredDocument
from .services import PUBLISH_PERMISSION, CatalogError, procedure_publish, procedure_unpublish
from .snapshot import procedure_snapshot
from .transfer import catalog_export, catalog_import

# Columns of the row editors. Adding a field to the catalog is one line here
# (e.g. "parallel" for bundle parts, "needs_signoff" in PROCEDURE_FIELDSETS).
FEE_FIELDS = (
    ("position", "name"),
    ("kind", "amount", "per_unit_field"),
    ("tier_field", "tier_unit", "tier_first_units", "tier_further_amount", "cap"),
    "note",
)
BUNDLE_PART_FIELDS = ("position", "name", "agency", "procedure", "parallel")
DOCUMENT_FIELDS = (
    ("position", "key"),
    "name",
    "description",
    ("form", "copies", "mandatory"),
    "template",
    "reusable_kinds",
)


class LabelledRowsMixin:
    """Tabular rows show their labels only as column headings: give every input its own
    accessible name (the field's label), so screen readers announce e.g. "Số tiền (đồng)"."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.verbose_name:
            formfield.widget.attrs.setdefault("aria-label", str(db_field.verbose_name).capitalize())
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")

        return LabelledFormSet


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "province", "phone", "is_active")
    list_filter = ("level", "is_active", "province")
    search_fields = ("name", "short_name", "code", "address")
    autocomplete_fields = ("parent",)
    raw_id_fields = ("ward",)
    fieldsets = (
        (None, {"fields": ("name", "short_name", "code", "level", "parent", "is_active")}),
        (_("Location and contact"), {"fields": ("province", "ward", "address", "phone", "email", "opening_hours")}),
    )


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "name_en", "position")
    list_editable = ("position",)
    search_fields = ("name", "code", "name_en")
    prepopulated_fields = {"code": ("name",)}


class RequiredDocumentInline(admin.StackedInline):
    model = RequiredDocument
    form = RequiredDocumentForm
    extra = 0
    fields = DOCUMENT_FIELDS


class FeeLineInline(LabelledRowsMixin, admin.StackedInline):
    # Stacked, not a table: with the tier columns a table scrolls sideways on a phone.
    model = FeeLine
    form = FeeLineForm
    extra = 0
    fields = FEE_FIELDS


class BundlePartInline(LabelledRowsMixin, admin.TabularInline):
    model = BundlePart
    fk_name = "bundle"
    extra = 0
    fields = BUNDLE_PART_FIELDS
    autocomplete_fields = ("agency", "procedure")


class ProcedureVersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    can_delete = False
    fields = ("number", "status", "published_at", "published_by")
    readonly_fields = fields
    ordering = ("-number",)
    verbose_name_plural = _("version history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProcedureAdminForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = (
            "code", "name", "field", "description", "requirements", "level", "agencies", "online_level",
            "channel_online", "channel_counter", "channel_post", "processing_time_value", "processing_time_unit",
            "min_eid_level", "result_description", "legal_basis", "fee_timing", "refund_on_refusal",
            "needs_signoff", "result_doc_type", "certified_copy", "is_bundle",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The e-form's fields as rows (catalog.forms); rendered below the fieldsets.
        self.eform = eform_formset(
            data=self.data if self.is_bound else None, schema=self.instance.form_schema if self.instance.pk else []
        )

    def clean(self):
        cleaned = super().clean()
        if not self.eform.is_valid():
            raise forms.ValidationError(_("The e-form has problems: see the e-form rows below."))
        self.instance.form_schema = self.eform.schema
        return cleaned


class PublicationFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [("published", _("Published")), ("unpublished", _("Not published"))]

    def queryset(self, request, queryset):
        published = ProcedureVersion.objects.filter(status=ProcedureVersion.Status.PUBLISHED).values("procedure_id")
        if self.value() == "published":
            return queryset.filter(pk__in=published)
        if self.value() == "unpublished":
            return queryset.exclude(pk__in=published)
        return queryset


def _row_errors(formset) -> list[str]:
    return [
        f"{form.cleaned_data.get('name') or form.data.get(form.add_prefix('name'), '')}: {message}"
        for form in formset.forms
        for messages_ in form.errors.values()
        for message in messages_
    ]


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the procedure being unpublished?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=400,
        help_text=_("Recorded in the audit trail. Citizens can no longer find or file it."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Catalog file (JSON)"))
    publish = forms.BooleanField(label=_("Publish every imported procedure"), required=False)


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureAdminForm
    change_form_template = "admin/services/procedure/change_form.html"
    change_list_template = "admin/services/procedure/change_list.html"
    list_display = ("code", "name", "field", "level", "online_level", "publication", "updated_at")
    list_display_links = ("code", "name")
    list_filter = (PublicationFilter, "field", "level", "online_level", "is_bundle", "agencies")
    search_fields = ("code", "name", "description")
    filter_horizontal = ("agencies",)
    list_select_related = ("field",)
    inlines = (RequiredDocumentInline, FeeLineInline, BundlePartInline, ProcedureVersionInline)
    actions = ("publish_selected", "export_selected")
    readonly_fields = ("popularity", "updated_at", "updated_by_name")
    fieldsets = (
        (None, {"fields": ("code", "name", "field", "description", "requirements")}),
        (
            _("Where and how"),
            {
                "fields": (
                    "level",
                    "agencies",
                    "online_level",
                    ("channel_online", "channel_counter", "channel_post"),
                    ("processing_time_value", "processing_time_unit"),
                    "min_eid_level",
                )
            },
        ),
        (
            _("Result and legal basis"),
            {"fields": ("result_description", "legal_basis", "needs_signoff", "result_doc_type", "certified_copy")},
        ),
        (_("Fees"), {"fields": ("fee_timing", "refund_on_refusal")}),
        (_("Inter-agency bundle"), {"fields": ("is_bundle",)}),
        (_("Record"), {"fields": ("popularity", "updated_at", "updated_by_name")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("versions")

    @admin.display(description=_("updated by"))
    def updated_by_name(self, obj):
        return obj.updated_by or "—"

    @admin.display(description=_("publication"))
    def publication(self, obj):
        current = next((v for v in obj.versions.all() if v.status == ProcedureVersion.Status.PUBLISHED), None)
        if current is None:
            return format_html('<span class="eform-badge off">{}</span>', _("Not published"))
        return format_html('<span class="eform-badge on">{} v{}</span>', _("Published"), current.number)

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    # --- publishing ---------------------------------------------------------------------------
    def _publish(self, request, procedures):
        done = 0
        for procedure in procedures:
            try:
                procedure_publish(procedure=procedure, by=request.user)
                done += 1
            except CatalogError as exc:
                for message in exc.messages:
                    self.message_user(request, f"{procedure.code}: {message}", messages.ERROR)
        if done:
            text = ngettext("%(n)d procedure published.", "%(n)d procedures published.", done)
            self.message_user(request, text % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected procedures"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._publish(request, queryset)

    @admin.action(description=_("Export the selected procedures as JSON"))
    def export_selected(self, request, queryset):
        return self._json_download(catalog_export(procedures=list(queryset)))

    def _json_download(self, data):
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="catalog-{stamp}.json"'
        return response

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", wrap(self.preview_view), name="services_procedure_preview"),
            path("<int:pk>/publish/", wrap(self.publish_view), name="services_procedure_publish"),
            path("<int:pk>/unpublish/", wrap(self.unpublish_view), name="services_procedure_unpublish"),
            path("export/", wrap(self.export_view), name="services_procedure_export"),
            path("import/", wrap(self.import_view), name="services_procedure_import"),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        procedure = get_object_or_404(Procedure, pk=pk)
        if not self.has_view_or_change_permission(request, procedure):
            raise PermissionDenied
        schema = procedure.form_schema
        if request.method == "POST":  # "Preview" pressed in the editor: the rows as typed, unsaved
            rows = eform_formset(data=request.POST)
            schema = rows.schema if rows.is_valid() else None
            errors = [] if rows.is_valid() else [*rows.non_form_errors(), *_row_errors(rows)]
        else:
            errors = schema_validate(schema)
        language = request.GET.get("lang", "vi") if request.GET.get("lang") in ("vi", "en") else "vi"
        form = None if errors else build_form_class(schema, language=language)()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": procedure,
            "title": _("E-form preview: %(name)s") % {"name": procedure.name},
            "form": form,
            "schema_errors": errors,
            "language": language,
        }
        return TemplateResponse(request, "admin/services/procedure/preview.html", context)

    def _current_version(self, procedure):
        return procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()

    def publish_view(self, request, pk):
        """GET: what publishing would change (a readable diff) and a confirm button; POST: publish."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        procedure = get_object_or_404(Procedure.objects.select_related("field"), pk=pk)
        if request.method == "POST":
            self._publish(request, [procedure])
            return HttpResponseRedirect(reverse("admin:services_procedure_change", args=[pk]))
        current = self._current_version(procedure)
        sections = snapshot_diff(current.snapshot if current else None, procedure_snapshot(procedure))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": procedure,
            "title": _("Publish %(code)s: what changes") % {"code": procedure.code},
            "current_version": current,
            "sections": sections,
        }
        return TemplateResponse(request, "admin/services/procedure/publish_confirm.html", context)

    def unpublish_view(self, request, pk):
        """GET: ask why (required) and confirm; POST: unpublish with that reason."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        procedure = get_object_or_404(Procedure, pk=pk)
        form = UnpublishForm(request.POST or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            try:
                procedure_unpublish(procedure=procedure, by=request.user, reason=form.cleaned_data["reason"])
            except CatalogError as exc:
                problems = exc.messages
            else:
                text = ngettext("%(n)d procedure unpublished.", "%(n)d procedures unpublished.", 1) % {"n": 1}
                self.message_user(request, text, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:services_procedure_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": procedure,
            "title": _("Unpublish %(code)s") % {"code": procedure.code},
            "current_version": self._current_version(procedure),
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/services/procedure/unpublish_confirm.html", context)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._json_download(catalog_export())

    def import_view(self, request):
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            publish = form.cleaned_data["publish"]
            if publish and not self.has_publish_permission(request):
                raise PermissionDenied
            try:
                data = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
                report = catalog_import(data=data, by=request.user, publish=publish)
            except (ValueError, UnicodeDecodeError):
                problems = [_("The file is not valid JSON.")]
            except CatalogError as exc:
                problems = exc.messages
            else:
                self.message_user(
                    request,
                    _(
                        "Imported: %(pc)d new and %(pu)d updated procedures, %(ac)d new agencies, "
                        "%(fc)d new fields; %(pub)d published."
                    )
                    % {
                        "pc": report["procedures"]["created"],
                        "pu": report["procedures"]["updated"],
                        "ac": report["agencies"]["created"],
                        "fc": report["fields"]["created"],
                        "pub": report["published"],
                    },
                    messages.SUCCESS,
                )
                for note in report["notes"]:
                    self.message_user(request, note, messages.WARNING)
                return HttpResponseRedirect(reverse("admin:services_procedure_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import the catalog"),
            "form": form,
            "problems": problems,
            "can_publish": self.has_publish_permission(request),
        }
        return TemplateResponse(request, "admin/services/procedure/import.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = self.has_publish_permission(request)
        context["eform"] = context["adminform"].form.eform
        if obj is not None:
            current = self._current_version(obj)
            context["current_version"] = current
            context["unpublished_changes"] = current is not None and bool(
                snapshot_diff(current.snapshot, procedure_snapshot(obj))
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    """Read-only history of published versions."""

    list_display = ("code", "name", "number", "status", "published_at", "published_by")
    list_filter = ("status", "field", "level", "online_level")
    search_fields = ("code", "name", "search_name")
    readonly_fields = (
        "procedure",
        "number",
        "status",
        "published_at",
        "published_by",
        "code",
        "name",
        "field",
        "level",
        "online_level",
        "total_fee",
        "snapshot_pretty",
    )
    exclude = ("snapshot", "agencies", "search_name", "search_text")

    @admin.display(description=_("snapshot"))
    def snapshot_pretty(self, obj):
        """The published content in words (the same rendering as the publish page), not JSON."""
        parts = []
        for section in snapshot_diff(None, obj.snapshot):
            rows = format_html_join(
                "", '<tr><th scope="row">{}</th><td>{}</td></tr>', ((c.label, c.new) for c in section.changes)
            )
            parts.append(format_html('<h3>{}</h3><table class="eform-snapshot">{}</table>', section.title, rows))
        return format_html_join("", "{}", ((p,) for p in parts))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
