"""Public catalog pages: home, search with filters, the procedure page, template downloads.
Only published versions are shown; drafts never reach these views."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from portal.db_router import replica_reads
from portal.kernel.files import file_response

from .catalog_cache import catalog_generation, catalog_key
from .models import Agency, FeeTiming, OnlineLevel, Procedure, RequiredDocument, TimeUnit
from .selectors import (
    agencies_with_published,
    catalog_figures,
    fields_with_counts,
    popular_versions,
    procedure_version_current,
    version_agencies,
    version_search_ids,
    versions_by_ids,
)

PAGE_SIZE = 10
CHANNEL_LABELS = {"online": _("Online"), "counter": _("At the one-stop desk"), "post": _("By post")}


def dossier_file_url(code: str) -> str | None:
    """Where to file this procedure online, once the dossiers app provides it."""
    try:
        return reverse("dossiers:file", args=[code])
    except NoReverseMatch:
        return None


def _reusable_label(kind: str) -> str:
    if kind.startswith("eid:"):
        return _("Taken from your e-ID data")
    if kind.startswith("store:"):
        return _("Reusable from your personal document store")
    return kind


@require_GET
@replica_reads
def home(request):
    # Lazy: the template's {% cache %} fragments (keyed by language and catalog generation)
    # only evaluate these on a miss.
    figures = SimpleLazyObject(catalog_figures)
    context = {
        "catalog_generation": catalog_generation(),
        "fields": SimpleLazyObject(fields_with_counts),
        "popular": SimpleLazyObject(lambda: popular_versions(limit=6)),
        "figures": figures,
    }
    return render(request, "services/home.html", context)


@require_GET
@replica_reads
def search(request):
    params = {key: request.GET.get(key, "").strip() for key in ("q", "field", "agency", "level", "online_level")}
    ids = version_search_ids(**params)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page_ids = list(page.object_list)
    page.object_list = SimpleLazyObject(lambda: versions_by_ids(page_ids))
    active = {k: v for k, v in params.items() if v}
    context = {
        "results_key": catalog_key("search-page", sorted(active.items()), page.number),
        "params": params,
        "page": page,
        "query_string": urlencode(active),
        "filters_active": any(v for k, v in active.items() if k != "q"),
        "fields": fields_with_counts(),
        "agencies": agencies_with_published(),
        "levels": Agency.Level.choices,
        "online_levels": OnlineLevel.choices,
    }
    return render(request, "services/search.html", context)


@require_GET
@replica_reads
def procedure(request, code):
    version = procedure_version_current(code)
    if version is None:
        raise Http404(_("No published procedure has this code."))
    snap = version.snapshot
    form_labels = dict(RequiredDocument.Form.choices)
    documents = [
        {
            **doc,
            "form_label": form_labels.get(doc["form"], doc["form"]),
            "reusable_labels": sorted({str(_reusable_label(k)) for k in doc["reusable_kinds"]}),
        }
        for doc in snap["documents"]
    ]
    fees = [{**f, "show_kind": not f["name"].lower().startswith(("lệ phí", "phí"))} for f in snap["fees"]]
    total_fee = sum(int(f["amount"]) for f in fees)
    context = {
        "version": version,
        "p": snap,
        "documents": documents,
        "fees": fees,
        "total_fee": total_fee,
        "agencies": version_agencies(version),
        "online_level_label": dict(OnlineLevel.choices).get(snap["online_level"]),
        "level_label": dict(Agency.Level.choices).get(snap["level"]),
        "time_unit_label": dict(TimeUnit.choices).get(snap["processing_time"]["unit"]),
        "fee_timing_label": dict(FeeTiming.choices).get(snap["fee_timing"]),
        "channels": [CHANNEL_LABELS[c] for c in snap["channels"] if c in CHANNEL_LABELS],
        "file_url": dossier_file_url(code) if snap["online_level"] != OnlineLevel.NONE else None,
        "form_fields": [
            f.get("label", {}).get("vi", f.get("name")) for f in snap["form_schema"] if f.get("type") != "checkbox"
        ],
    }
    return render(request, "services/procedure.html", context)


@require_GET
@replica_reads
def document_template(request, code, key):
    """A blank form (mẫu đơn, tờ khai) of a published procedure: public, downloadable by anyone."""
    version = procedure_version_current(code)
    if version is None or not any(d["key"] == key and d["template_url"] for d in version.snapshot.get("documents", [])):
        raise Http404
    procedure = Procedure.objects.get(pk=version.procedure_id)
    document = procedure.documents.filter(key=key).exclude(template="").first()
    if document is None:
        raise Http404
    filename = document.template.name.rsplit("/", 1)[-1]
    return file_response(document.template, filename=filename, attachment=True, private=False)
