"""What publishing a draft would change, in words a publisher reads: the published snapshot
against the draft's snapshot, item by item (documents, fees, e-form fields, bundle parts)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .fees import fee_line_rule
from .models import Agency, FeeLine, OnlineLevel, RequiredDocument, TimeUnit
from .models import FeeTiming as FeeTimingChoices

SCALARS = (
    ("code", _("national procedure code")),
    ("name", _("name")),
    ("description", _("description")),
    ("requirements", _("conditions")),
    ("level", _("implementing level")),
    ("online_level", _("online level")),
    ("channels", _("channels")),
    ("processing_time", _("processing time")),
    ("result_description", _("result")),
    ("legal_basis", _("legal basis")),
    ("min_eid_level", _("minimum e-ID level")),
    ("fee_timing", _("fee due")),
    ("refund_on_refusal", _("refund the fee if refused or rejected")),
    ("agencies", _("implementing agencies")),
    ("is_bundle", _("inter-agency bundle (liên thông)")),
)
CHOICES = {
    "level": dict(Agency.Level.choices),
    "online_level": dict(OnlineLevel.choices),
    "fee_timing": dict(FeeTimingChoices.choices),
    "form": dict(RequiredDocument.Form.choices),
    "kind": dict(FeeLine.Kind.choices),
    "unit": dict(TimeUnit.choices),
}
CHANNELS = {"online": _("online"), "counter": _("at the counter"), "post": _("by post")}


@dataclass
class Change:
    what: str  # "added" | "removed" | "changed"
    label: str
    old: str = ""
    new: str = ""


@dataclass
class Section:
    title: str
    changes: list[Change] = field(default_factory=list)


def _text(key: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key in CHOICES and isinstance(value, str):
        return str(CHOICES[key].get(value, value))
    if key == "channels":
        return ", ".join(str(CHANNELS.get(c, c)) for c in value)
    if key == "processing_time":
        return f"{value.get('value')} {CHOICES['unit'].get(value.get('unit'), value.get('unit'))}"
    if key == "agencies":
        return "; ".join(a.get("name", "") for a in value)
    if key == "min_eid_level":
        return str(_("Level %(n)s") % {"n": value})
    if key in ("amount", "tier_further_amount", "cap"):
        return f"{int(value):,} đồng".replace(",", ".")
    if key == "label" and isinstance(value, dict):
        return " / ".join(v for v in (value.get("vi"), value.get("en")) if v)
    if key == "options" and isinstance(value, list):
        return "; ".join(f"{o.get('value')}: {(o.get('label') or {}).get('vi', '')}" for o in value)
    if key == "agency" and isinstance(value, dict):
        return value.get("name", "")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


ITEM_LABELS = {
    "name": _("name"),
    "description": _("description"),
    "form": _("form"),
    "copies": _("number of copies"),
    "mandatory": _("mandatory"),
    "template_url": _("template file"),
    "reusable_kinds": _("can be taken from"),
    "kind": _("kind"),
    "amount": _("amount (VND)"),
    "note": _("note"),
    "per_unit_field": _("per unit of the e-form field"),
    "tier_field": _("units counted in the e-form field"),
    "tier_unit": _("unit name"),
    "tier_first_units": _("units at the amount"),
    "tier_further_amount": _("amount per further unit (VND)"),
    "cap": _("at most (VND, per copy)"),
    "type": _("Type"),
    "label": _("Label"),
    "required": _("Required"),
    "help": _("Help"),
    "options": _("Options"),
    "prefill": _("Prefill from"),
    "validation": _("Validation"),
    "agency": _("agency"),
    "procedure_code": _("component procedure"),
}


def _summary(item: dict) -> str:
    """One line about an added or removed item: its amount, its type and options, its agency."""
    parts = []
    if "amount" in item:
        parts += [_text("kind", item.get("kind")), fee_line_rule(item)]
    if "type" in item:
        from .forms import FIELD_TYPE_LABELS

        parts.append(str(FIELD_TYPE_LABELS.get(item["type"], item["type"])))
        if item.get("required"):
            parts.append(str(_("Required")).lower())
        if item.get("options"):
            parts.append(_text("options", item["options"]))
    if "form" in item and "copies" in item:
        parts.append(_text("form", item["form"]))
    if isinstance(item.get("agency"), dict):
        parts.append(_text("agency", item["agency"]))
    return "; ".join(p for p in parts if p and p != "—")


def _items(title, old_items, new_items, key, name) -> Section:
    """Items matched by `key`: added, removed, and changed attributes of the ones in both."""
    section = Section(str(title))
    old = {key(i): i for i in old_items}
    new = {key(i): i for i in new_items}
    for k, item in new.items():
        if k not in old:
            section.changes.append(Change("added", name(item), new=_summary(item)))
            continue
        for attr in item.keys() | old[k].keys():
            if attr in ("key",) or item.get(attr) == old[k].get(attr):
                continue
            label = f"{name(item)} — {ITEM_LABELS.get(attr, attr)}"
            section.changes.append(Change("changed", label, _text(attr, old[k].get(attr)), _text(attr, item.get(attr))))
    for k, item in old.items():
        if k not in new:
            section.changes.append(Change("removed", name(item), old=_summary(item)))
    old_order = [k for k in old if k in new]
    new_order = [k for k in new if k in old]
    if old_order != new_order:
        section.changes.append(Change("changed", str(_("order")), ", ".join(old_order), ", ".join(new_order)))
    return section


def _plain(fields: list) -> list:
    """E-form fields without keys that say nothing ("prefill": None, "required": False)."""
    return [{k: v for k, v in f.items() if v not in (None, False)} if isinstance(f, dict) else f for f in fields]


def _field_name(field: dict) -> str:
    """An e-form field's label in the reader's language (English when the editor gave one)."""
    from django.utils.translation import get_language

    label = field.get("label") or {}
    return (get_language() == "en" and label.get("en")) or label.get("vi") or field.get("name", "")


def snapshot_diff(published: dict | None, draft: dict) -> list[Section]:
    """Sections with at least one change; everything is "added" when nothing is published."""
    published = dict(published or {})
    draft = dict(draft)
    for snapshot in (published, draft):
        snapshot["form_schema"] = _plain(snapshot.get("form_schema") or [])
    general = Section(str(_("General information")))
    for key, label in SCALARS:
        if published.get(key) != draft.get(key):
            old, new = _text(key, published.get(key)), _text(key, draft.get(key))
            general.changes.append(Change("changed", str(label), old, new))
    sections = [
        general,
        _items(
            _("Required documents"),
            published.get("documents", []),
            draft.get("documents", []),
            key=lambda d: d.get("key"),
            name=lambda d: d.get("name", ""),
        ),
        _items(
            _("Fees"),
            published.get("fees", []),
            draft.get("fees", []),
            key=lambda f: f.get("name"),
            name=lambda f: f.get("name", ""),
        ),
        _items(
            _("E-form"),
            published.get("form_schema", []),
            draft.get("form_schema", []),
            key=lambda f: f.get("name"),
            name=_field_name,
        ),
        _items(
            _("Inter-agency bundle"),
            published.get("bundle_parts", []),
            draft.get("bundle_parts", []),
            key=lambda p: p.get("name"),
            name=lambda p: p.get("name", ""),
        ),
    ]
    return [s for s in sections if s.changes]
