"""Writes to the catalog: publishing a procedure draft as an immutable version, unpublishing it,
and counting use. Views, admin actions and commands call these; they hold the rules."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import AuditAction, audit_record

from .catalog_cache import catalog_generation_bump
from .eform import schema_validate
from .fees import fee_line_problems
from .models import OnlineLevel, Procedure, ProcedureVersion
from .search import search_normalize
from .snapshot import fee_line_snapshot, procedure_snapshot

PUBLISH_PERMISSION = "services.publish_procedure"


class CatalogError(Exception):
    """A rule of the catalog refused the change; `messages` are user-facing sentences."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(str(m) for m in self.messages))


def _check_publisher(by) -> None:
    # by=None is the system itself (management commands, demo seeding), not a web user.
    if by is not None and not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Only catalog publishers may publish or unpublish procedures."))


def procedure_problems(procedure: Procedure) -> list[str]:
    """Why this draft cannot be published yet (empty when it can)."""
    problems = []
    if not procedure.name.strip():
        problems.append(_("The procedure has no name."))
    if not procedure.agencies.exists():
        problems.append(_("Choose at least one implementing agency."))
    if procedure.processing_time_value is None or procedure.processing_time_value <= 0:
        problems.append(_("The processing time must be greater than zero."))
    if procedure.online_level != OnlineLevel.NONE and not procedure.channel_online:
        problems.append(_("A procedure offered online must have the online channel."))
    if not (procedure.channel_online or procedure.channel_counter or procedure.channel_post):
        problems.append(_("Choose at least one channel (online, counter, post)."))
    for fee in procedure_snapshot_fees(procedure):
        problems.extend(
            _("Fee “%(name)s”: %(error)s") % {"name": fee["name"], "error": error}
            for error in fee_line_problems(fee, procedure.form_schema or [])
        )
    if procedure.is_bundle and procedure.bundle_parts.count() < 2:
        problems.append(_("An inter-agency bundle needs at least two parts."))
    if not procedure.is_bundle and procedure.bundle_parts.exists():
        problems.append(_("Only an inter-agency bundle has bundle parts."))
    problems.extend(_("E-form: %(error)s") % {"error": error} for error in schema_validate(procedure.form_schema))
    return problems


def procedure_snapshot_fees(procedure: Procedure) -> list[dict]:
    return [fee_line_snapshot(fee) for fee in procedure.fees.all()]


def _search_text(snapshot: dict) -> str:
    parts = [
        snapshot["code"],
        snapshot["name"],
        snapshot["field"]["name"],
        snapshot["description"],
        *(a["name"] for a in snapshot["agencies"]),
        *(p["name"] for p in snapshot["bundle_parts"]),
    ]
    return search_normalize(" ".join(p for p in parts if p))


@transaction.atomic
def procedure_publish(*, procedure: Procedure, by) -> ProcedureVersion:
    """Freeze the draft into a new published version, superseding the current one.

    A no-op (returns the current version) when nothing changed since the last publish."""
    _check_publisher(by)
    procedure = Procedure.objects.select_for_update().select_related("field").get(pk=procedure.pk)
    problems = procedure_problems(procedure)
    if problems:
        raise CatalogError(problems)
    snapshot = procedure_snapshot(procedure)
    current = ProcedureVersion.objects.select_for_update().filter(
        procedure=procedure, status=ProcedureVersion.Status.PUBLISHED
    )
    current = current.first()
    if current is not None and current.snapshot == snapshot:
        return current
    if current is not None:
        current.status = ProcedureVersion.Status.SUPERSEDED
        current.save()
    number = (ProcedureVersion.objects.filter(procedure=procedure).aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        status=ProcedureVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=by,
        snapshot=snapshot,
        code=procedure.code,
        name=procedure.name,
        search_name=search_normalize(procedure.name),
        search_text=_search_text(snapshot),
        field=procedure.field,
        level=procedure.level,
        online_level=procedure.online_level,
        total_fee=sum((Decimal(f["amount"]) for f in snapshot["fees"]), Decimal(0)),
    )
    version.agencies.set(procedure.agencies.all())
    catalog_generation_bump()
    return version


@transaction.atomic
def procedure_unpublish(*, procedure: Procedure, by, reason: str = "") -> ProcedureVersion | None:
    """Hide the procedure from the public. Versions stay (dossiers keep pointing at them).

    A person (not the system, by=None) must say why; the reason goes to the audit trail."""
    _check_publisher(by)
    reason = (reason or "").strip()
    if by is not None and not reason:
        raise CatalogError(_("Say why the procedure is being unpublished."))
    Procedure.objects.select_for_update().filter(pk=procedure.pk).first()
    current = (
        ProcedureVersion.objects.select_for_update()
        .filter(procedure_id=procedure.pk, status=ProcedureVersion.Status.PUBLISHED)
        .first()
    )
    if current is None:
        return None
    current.status = ProcedureVersion.Status.UNPUBLISHED
    current.save()
    if by is not None:
        audit_record(
            actor=by,
            action=AuditAction.CHANGE,
            obj=current,
            detail=_("Unpublished version %(n)s: %(reason)s") % {"n": current.number, "reason": reason},
        )
    catalog_generation_bump()
    return current


def procedures_popularity_set(counts: dict[int, int]) -> int:
    """Set each procedure's popularity (procedure id -> uses, e.g. dossiers filed lately; the
    others get 0): drives "most used services" on the home page. Returns how many changed.

    Written in bulk by a periodic job rather than counted on every filing, which would lock the
    row of a popular procedure in every submission's transaction."""
    changed = [p for p in Procedure.objects.only("pk", "popularity") if p.popularity != counts.get(p.pk, 0)]
    for procedure in changed:
        procedure.popularity = counts.get(procedure.pk, 0)
    Procedure.objects.bulk_update(changed, ["popularity"], batch_size=500)
    if changed:
        catalog_generation_bump()
    return len(changed)
