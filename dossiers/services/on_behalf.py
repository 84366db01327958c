"""Filing on a citizen's behalf: who may start it (an official whose agency serves the area the
citizen lives in, or handles the procedure), who may see the citizen's data in such a dossier (the
filer only once the citizen's consent is proven, see consent.py), and the audit of every look at
it. Until the consent is proven, the official sees nothing of the citizen but what they typed."""

from django.utils.translation import gettext as _

from identity import roles
from identity.selectors import official_agency, official_agency_ids, user_has_role
from portal.audit import audit_record

from ..models import Dossier
from .base import DossierActionError

# Officials who may file for a citizen (superusers too); each must belong to an agency.
FILING_ROLES = (roles.INTAKE, roles.PROCESSING, roles.VOLUNTEER)


# --- Who may file for whom ----------------------------------------------------------------------


def on_behalf_may_file(user) -> bool:
    """Whether the user may file on behalf of citizens at all (for whom: `on_behalf_allowed`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user_has_role(user, *FILING_ROLES) and official_agency(user) is not None


def _handles_procedure(official, procedure_version) -> bool:
    handled = {a.get("id") for a in (procedure_version.snapshot or {}).get("agencies", [])}
    return bool(handled & official_agency_ids(official))


def _citizen_in_area(citizen, agency_ids: set[int]) -> bool:
    """The citizen lives in the commune of an agency in scope, or in the province of a province-
    or central-level agency in scope (as `identity.selectors.citizens_visible_to` reads it)."""
    from catalog.selectors import agency_area

    ward_id = citizen.ward_id
    province_id = citizen.province_id or (citizen.ward.province_id if ward_id else None)
    ward_ids, province_ids = agency_area(ids=agency_ids, active_only=True)
    return bool((ward_id and ward_id in ward_ids) or (province_id and province_id in province_ids))


def on_behalf_allowed(*, official, citizen, procedure_version) -> bool:
    """An official (intake, processing, volunteer) may file for a citizen when their agency (or
    one under it) handles the procedure, or serves the area where the citizen lives."""
    if not on_behalf_may_file(official) or official.pk == citizen.pk:
        return False
    if official.is_superuser:
        return True
    if _handles_procedure(official, procedure_version):
        return True
    return _citizen_in_area(citizen, official_agency_ids(official))


def _refusal() -> DossierActionError:
    return DossierActionError(
        _(
            "You may not file for this citizen: your agency neither serves the area where they live "
            "nor handles this procedure."
        )
    )


def on_behalf_check_allowed(*, official, citizen, procedure_version) -> None:
    if not on_behalf_allowed(official=official, citizen=citizen, procedure_version=procedure_version):
        raise _refusal()


# --- Access to the citizen's data -------------------------------------------------------------


def on_behalf_is_filer(dossier: Dossier, user) -> bool:
    """Whether `user` is the official filing this dossier for someone else."""
    return bool(dossier.filed_by_id) and getattr(user, "pk", None) == dossier.filed_by_id != dossier.citizen_id


def on_behalf_access_check(*, dossier: Dossier, by) -> None:
    """Raise DossierActionError unless `by` may see the citizen's data in this dossier. Only the
    filer of an on-behalf dossier is concerned (the citizen and handling officials are not):
    they must still be allowed to file for the citizen, and the citizen's consent be proven."""
    if not on_behalf_is_filer(dossier, by):
        return
    on_behalf_check_allowed(official=by, citizen=dossier.citizen, procedure_version=dossier.procedure_version)
    if not dossier.consent_recorded:
        raise DossierActionError(
            _("The applicant has not confirmed their consent yet: none of their data can be shown before that.")
        )


# --- Reading the citizen's data, audited --------------------------------------------------------


def on_behalf_audit(*, dossier: Dossier, by, action: str, detail: str, obj=None, request=None) -> None:
    """One audit row for an official's look at (or change of) the citizen's data in a dossier filed
    on their behalf. The row names the dossier by id, not by a foreign key: deleting the draft
    leaves it in place."""
    if getattr(by, "pk", None) == dossier.citizen_id:
        return
    audit_record(
        actor=by,
        subject=dossier.citizen,
        action=action,
        obj=obj if obj is not None else dossier,
        detail=f"on behalf, dossier #{dossier.pk}: {detail}",
        request=request,
    )


def applicant_store_documents(*, dossier: Dossier, by) -> list:
    """The applicant's personal document store, for attaching to the dossier: for the applicant,
    or for the official filing for them once their consent is proven (raises otherwise)."""
    from identity.selectors import personal_documents_of

    if by.pk != dossier.citizen_id:
        if not on_behalf_is_filer(dossier, by):
            raise DossierActionError(_("This dossier is not yours."))
        on_behalf_access_check(dossier=dossier, by=by)
    return list(personal_documents_of(dossier.citizen).exclude(file="").order_by("doc_type", "-created_at"))
