"""The officials' side: queues per agency (new, in processing, supplements, due soon, overdue,
done), the processing page with one form per possible action, and the working-day calendar."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from identity.selectors import official_agency

from . import selectors, services
from .eform import answers_display
from .forms import (
    ApproveForm,
    AssignForm,
    ExtendForm,
    NoteForm,
    ReasonForm,
    ScanForm,
    SupplementRequestForm,
    TransferForm,
)
from .identity_facts import applicant_identity
from .models import CalendarException, Dossier, DossierFile, IssuedDocument, Status
from .services import DossierActionError
from .services.calendar import calendar_exception_delete, calendar_exception_may_change, calendar_exception_save

COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (a bounded subquery), never the whole table."""

    @cached_property
    def count(self):
        # Without ORDER BY: the database stops after COUNT_CAP + 1 index entries instead of
        # sorting them first.
        return self.object_list.order_by()[: COUNT_CAP + 1].count()


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return list(selectors.QUEUES.items())

    def queryset(self, request, queryset):
        if self.value() in selectors.QUEUES:
            return selectors.queue_filter(queryset, self.value())
        return queryset


# Each action: (form class, service call, statuses where it is offered, button label)
def _actions():
    return {
        "receive": (NoteForm, lambda d, u, f: services.dossier_receive(dossier=d, by=u, note=f["note"])),
        "request_supplement": (
            SupplementRequestForm,
            lambda d, u, f: services.dossier_request_supplement(dossier=d, by=u, missing=f["missing"], note=f["note"]),
        ),
        "reject_intake": (
            ReasonForm,
            lambda d, u, f: services.dossier_reject_intake(dossier=d, by=u, reason=f["reason"]),
        ),
        "transfer": (
            TransferForm,
            lambda d, u, f: services.dossier_transfer(dossier=d, by=u, to_agency=f["to_agency"], note=f["note"]),
        ),
        "transfer_back": (NoteForm, lambda d, u, f: services.dossier_transfer_back(dossier=d, by=u, note=f["note"])),
        "approve": (
            ApproveForm,
            lambda d, u, f: services.dossier_approve(
                dossier=d, by=u, result_file=f.get("result_file"), paper_result=f["paper_result"], note=f["note"]
            ),
        ),
        "refuse": (ReasonForm, lambda d, u, f: services.dossier_refuse(dossier=d, by=u, reason=f["reason"])),
        "extend": (
            ExtendForm,
            lambda d, u, f: services.dossier_extend(dossier=d, by=u, new_due=f["new_due"], reason=f["reason"]),
        ),
        "return_result": (NoteForm, lambda d, u, f: services.dossier_return_result(dossier=d, by=u, note=f["note"])),
        "claim": (None, lambda d, u, f: services.dossier_claim(dossier=d, by=u)),
        "assign": (AssignForm, lambda d, u, f: services.dossier_assign(dossier=d, by=u, official=f["official"])),
    }


OFFERED = {
    "claim": (
        Status.SUBMITTED,
        Status.IN_PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.TRANSFERRED,
        Status.RESULT_READY,
    ),
    "assign": (
        Status.SUBMITTED,
        Status.IN_PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.TRANSFERRED,
        Status.RESULT_READY,
    ),
    "receive": (Status.SUBMITTED,),
    "request_supplement": (Status.SUBMITTED, Status.IN_PROCESSING),
    "reject_intake": (Status.SUBMITTED,),
    "transfer": (Status.IN_PROCESSING,),
    "transfer_back": (Status.TRANSFERRED,),
    "approve": (Status.IN_PROCESSING,),
    "refuse": (Status.IN_PROCESSING, Status.TRANSFERRED),
    "extend": (Status.IN_PROCESSING, Status.TRANSFERRED, Status.SUPPLEMENT_REQUESTED),
    "return_result": (Status.RESULT_READY,),
}

ACTION_TITLES = {
    "claim": gettext_lazy("Take this dossier"),
    "assign": gettext_lazy("Assign to an official"),
    "receive": gettext_lazy("Receive (issue the intake receipt, form 01)"),
    "request_supplement": gettext_lazy("Request supplements (form 02)"),
    "reject_intake": gettext_lazy("Reject at intake (form 03)"),
    "transfer": gettext_lazy("Transfer to another agency"),
    "transfer_back": gettext_lazy("Hand back to the receiving agency"),
    "approve": gettext_lazy("Result ready"),
    "refuse": gettext_lazy("Refuse (form 03)"),
    "extend": gettext_lazy("Postpone with an apology (form 04)"),
    "return_result": gettext_lazy("Result returned to the applicant"),
}


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ["code", "procedure_name", "status_label", "due_date", "assigned_to"]
    list_filter = [QueueFilter, "status", "channel"]
    list_select_related = ["procedure_version", "current_agency", "assigned_to"]
    search_fields = ["=code"]
    ordering = ["due_at", "submitted_at"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator
    list_per_page = 50
    actions = ["claim_selected"]
    change_form_template = "admin/dossiers/dossier/process.html"

    class Media:
        css = {"all": ["dossiers/admin.css"]}

    def get_queryset(self, request):
        qs = super().get_queryset(request).exclude(status=Status.DRAFT).filter(current_agency__isnull=False)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            qs = qs.select_related(*self.list_select_related).defer(*selectors.LIST_DEFERRED)
        if request.user.is_superuser:
            return qs
        return qs.filter(current_agency_id__in=self._agency_ids(request))

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))  # as Django's own
    def action_checkbox(self, obj):
        """The row's selection box for the queue actions: the same markup as Django's, written
        directly instead of rendering a form widget template per row (a third of the page's time)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), obj),
        )

    @admin.display(description=gettext_lazy("procedure"), ordering="procedure_version__name")
    def procedure_name(self, obj):
        name = obj.procedure_version.name
        return name if len(name) <= 70 else name[:68] + "…"

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, obj):
        from .templatetags.dossier_tags import status_badge

        label = status_badge(obj)
        if obj.due_at and obj.status in (
            Status.SUBMITTED,
            Status.IN_PROCESSING,
            Status.SUPPLEMENT_REQUESTED,
            Status.TRANSFERRED,
        ):
            from django.utils import timezone
            from django.utils.html import format_html

            if obj.due_at < timezone.now():
                label = format_html('{} <span class="badge badge-danger">{}</span>', label, _("Overdue"))
        return label

    @admin.display(description=gettext_lazy("due at"), ordering="due_at")
    def due_date(self, obj):
        from django.utils import timezone

        return timezone.localtime(obj.due_at).strftime("%d/%m/%Y %H:%M") if obj.due_at else "—"

    def get_list_display(self, request):
        if request.user.is_superuser or len(self._agency_ids(request)) > 1:
            return [*self.list_display[:2], "current_agency", *self.list_display[2:]]
        return self.list_display

    def _agency_ids(self, request):
        from identity.selectors import official_agency_ids

        if not hasattr(request, "_dossier_agency_ids"):
            request._dossier_agency_ids = official_agency_ids(request.user)
        return request._dossier_agency_ids

    def changelist_view(self, request, extra_context=None):
        queue = request.GET.get("queue")
        title = _("Dossier queue") + (f": {selectors.QUEUES[queue]}" if queue in selectors.QUEUES else "")
        context = {"title": title, "show_indicators": _may_see_indicators(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)

    def indicators_view(self, request):
        """Service-quality indicators per agency (leaders of their agencies, superusers: all)."""
        from identity.selectors import official_agency_ids

        from .forms import IndicatorPeriodForm
        from .indicators import RATIO_KEYS, agency_indicators

        if not _may_see_indicators(request.user):
            raise PermissionDenied
        asked = any(k in request.GET for k in ("period", "date_from", "date_to"))
        form = IndicatorPeriodForm(request.GET if asked else {"period": "this_month"})
        rows, start, end = [], None, None
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            agency_ids = None if request.user.is_superuser else official_agency_ids(request.user)
            rows = agency_indicators(agency_ids=agency_ids, start=start, end=end)
            if request.GET.get("format") == "csv":
                return _indicators_csv(rows, start, end)
        query = request.GET.copy()
        query["format"] = "csv"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Service-quality indicators"),
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "columns": _indicator_columns(),
            "ratio_keys": RATIO_KEYS,
            "weights": _weights_display(),
            "csv_url": f"{reverse('admin:dossiers_dossier_indicators')}?{query.urlencode()}",
        }
        return TemplateResponse(request, "admin/dossiers/dossier/indicators.html", context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Take the selected dossiers"))
    def claim_selected(self, request, queryset):
        taken = 0
        for dossier in queryset[:100]:
            try:
                services.dossier_claim(dossier=dossier, by=request.user)
                taken += 1
            except DossierActionError as exc:
                self.message_user(request, f"{dossier.code}: {exc.message}", messages.WARNING)
        if taken:
            self.message_user(request, _("%(n)d dossier(s) taken.") % {"n": taken}, messages.SUCCESS)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "indicators/",
                self.admin_site.admin_view(self.indicators_view),
                name="{}_{}_indicators".format(*info),
            ),
            path(
                "<int:pk>/action/<slug:action>/",
                self.admin_site.admin_view(self.action_view),
                name="{}_{}_action".format(*info),
            ),
            path(
                "<int:pk>/issued/<int:doc_id>/regenerate/",
                self.admin_site.admin_view(self.regenerate_view),
                name="{}_{}_regenerate".format(*info),
            ),
            *super().get_urls(),
        ]

    def _dossier(self, request, pk) -> Dossier:
        # The processing page shows the citizen's data: only officials holding the dossier
        # model's view permission (intake, processing, leader) of the agency may open it.
        if not self.has_view_permission(request):
            raise PermissionDenied
        dossier = self.get_queryset(request).filter(pk=pk).first()
        if dossier is None:
            raise Http404
        return dossier

    def _forms(self, request, dossier, bound=None):
        forms = []
        for name, (form_class, _call) in _actions().items():
            if dossier.status not in OFFERED.get(name, ()) or not services.official_may(request.user, dossier, name):
                continue
            if name == "claim" and dossier.assigned_to_id:
                continue
            if bound and bound[0] == name:
                form = bound[1]
            elif form_class is None:
                form = None
            elif form_class is AssignForm:
                form = AssignForm(agency_id=dossier.current_agency_id, prefix=name)
            else:
                form = form_class(prefix=name)
            forms.append({"name": name, "title": ACTION_TITLES[name], "form": form})
        return forms

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dossier = self._dossier(request, object_id)
        return self._render(request, dossier)

    def _render(self, request, dossier, bound=None):
        scan_form = None
        if services.official_may(request.user, dossier, "receive") and dossier.status in (
            Status.SUBMITTED,
            Status.IN_PROCESSING,
        ):
            scan_form = ScanForm(documents=dossier.snapshot.get("documents", []), prefix="scan")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{_('Dossier')} {dossier.code}",
            "dossier": dossier,
            "snapshot": dossier.snapshot,
            "events": dossier.events.select_related("actor").order_by("at", "id"),
            "files": selectors.dossier_files(dossier),
            "issued": dossier.issued_documents.exclude(file=""),
            "action_forms": self._forms(request, dossier, bound),
            "scan_form": scan_form,
            "parts": dossier.parts.select_related("agency"),
            "answers": answers_display(dossier.snapshot.get("form_schema") or [], dossier.form_data),
            "identity": applicant_identity(dossier),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def action_view(self, request, pk, action):
        dossier = self._dossier(request, pk)
        change_url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        if action == "scan":
            form = ScanForm(request.POST, request.FILES, documents=dossier.snapshot.get("documents", []), prefix="scan")
            if form.is_valid():
                try:
                    services.dossier_file_add(
                        dossier=dossier,
                        by=request.user,
                        doc_key=form.cleaned_data["doc_key"],
                        upload=form.cleaned_data["upload"],
                        kind=DossierFile.Kind.SCAN,
                    )
                    self.message_user(request, _("The scan was added to the dossier."), messages.SUCCESS)
                except DossierActionError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Choose a file to upload."), messages.ERROR)
            return HttpResponseRedirect(change_url)
        table = _actions()
        if action not in table:
            raise Http404
        form_class, call = table[action]
        form = None
        if form_class is not None:
            kwargs = {"agency_id": dossier.current_agency_id} if form_class is AssignForm else {}
            form = form_class(request.POST, request.FILES, prefix=action, **kwargs)
            if not form.is_valid():
                self.message_user(request, _("Please correct the errors in the form."), messages.ERROR)
                return self._render(request, dossier, bound=(action, form))
        try:
            call(dossier, request.user, form.cleaned_data if form else {})
        except DossierActionError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            if form is not None:
                return self._render(request, dossier, bound=(action, form))
        else:
            self.message_user(request, _("Done: %(action)s.") % {"action": ACTION_TITLES[action]}, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def regenerate_view(self, request, pk, doc_id):
        dossier = self._dossier(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))
        issued = get_object_or_404(IssuedDocument, pk=doc_id, dossier=dossier)
        try:
            services.issued_document_regenerate(issued=issued, by=request.user)
        except DossierActionError as exc:
            raise PermissionDenied(exc.message) from exc
        self.message_user(request, _("The document is being generated again."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))


def _may_see_indicators(user) -> bool:
    from identity.roles import LEADER
    from identity.selectors import user_has_role

    return user.is_superuser or user_has_role(user, LEADER)


def _indicator_columns() -> list[dict]:
    """The ratio columns of the page and the CSV: key, label, target text."""
    from django.conf import settings

    labels = {
        "on_time_rate": gettext_lazy("On time"),
        "online_share": gettext_lazy("Filed online"),
        "fully_online_share": gettext_lazy("Fully online"),
        "online_payment_share": gettext_lazy("Paid online"),
        "digitised_results_share": gettext_lazy("Electronic results"),
        "satisfied_share": gettext_lazy("Satisfied (4–5)"),
    }
    columns = []
    for key, label in labels.items():
        target = settings.INDICATOR_TARGETS.get(key)
        target_text = (
            (_("target %(op)s %(value)s %%") % {"op": "≥" if target[0] == ">=" else ">", "value": target[1]})
            if target
            else ""
        )
        columns.append({"key": key, "label": label, "target": target_text})
    return columns


def _weights_display() -> list[tuple[str, int]]:
    from django.conf import settings

    labels = {c["key"]: c["label"] for c in _indicator_columns()}
    return [(labels.get(k, k), w) for k, w in settings.INDICATOR_WEIGHTS.items()]


def _indicators_csv(rows, start, end):
    import csv

    from django.http import HttpResponse

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chi-so-chat-luong-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response)
    columns = _indicator_columns()
    writer.writerow(
        [
            pgettext("period", "From"),
            pgettext("period", "To"),
            _("Agency code"),
            _("Agency"),
            _("Score (0–100)"),
            pgettext("indicators", "Received"),
            _("Resolved"),
            *[f"{c['label']} (%)" for c in columns],
            _("Overdue now"),
            _("Average rating"),
        ]
    )
    for r in rows:
        writer.writerow(
            [
                start.isoformat(),
                end.isoformat(),
                r.agency_code,
                r.agency_name,
                "—" if r.score is None else f"{r.score:.1f}",
                r.received,
                r.resolved,
                *[str(getattr(r, c["key"])) for c in columns],
                r.overdue_now,
                "—" if r.average_rating is None else f"{r.average_rating:.2f}",
            ]
        )
    return response


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    """Province-wide exceptions are kept by the province; an agency's leader keeps their own
    agency's (dossiers.services.calendar decides, the admin only follows)."""

    list_display = ["date", "kind", "name", "scope"]
    list_filter = ["kind", ("agency", admin.EmptyFieldListFilter)]
    date_hierarchy = "date"
    fields = ["date", "kind", "name", "agency"]

    @admin.display(description=gettext_lazy("applies to"), ordering="agency__name")
    def scope(self, obj):
        return obj.agency.name if obj.agency_id else _("The whole province")

    def get_queryset(self, request):
        return selectors.calendar_exceptions_visible_to(request.user).select_related("agency")

    def _province_keeper(self, request) -> bool:
        return calendar_exception_may_change(user=request.user, agency_id=None)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not calendar_exception_may_change(user=request.user, agency_id=obj.agency_id):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not calendar_exception_may_change(user=request.user, agency_id=obj.agency_id):
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "agency" and not self._province_keeper(request):
            # Anyone else chooses their own agency: the province-wide scope is not offered.
            agency = official_agency(request.user)
            field.queryset = field.queryset.filter(pk=agency.pk if agency else None)
            field.required, field.empty_label = True, None
        return field

    def save_model(self, request, obj, form, change):
        calendar_exception_save(exception=obj, by=request.user)

    def delete_model(self, request, obj):
        calendar_exception_delete(exception=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for exception in queryset:
            calendar_exception_delete(exception=exception, by=request.user)
