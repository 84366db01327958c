"""Writes about people: profiles, identity level, e-ID sign-in, the personal document store,
and the privacy actions (export, close account)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import AuditAction, audit_events, audit_record
from portal.kernel.uploads import EXTENSIONS, UploadRefused, upload_check

from . import roles
from .hooks import document_release, has_open_dossier
from .models import PersonalDocument, RegistryCheckAttempt, User
from .population_registry import RegistryUnavailable, registry_adapter
from .selectors import personal_document_accessible, user_has_role

# --- identity level -----------------------------------------------------------------------------


@transaction.atomic
def user_verify_in_person(*, citizen: User, official: User, note: str = "", request=None) -> User:
    """An intake official checked the citizen's card at the desk: the account becomes level 2."""
    if not (official.is_superuser or user_has_role(official, roles.INTAKE)):
        raise PermissionDenied(_("Only one-stop desk (intake) officials can verify a citizen in person."))
    citizen = User.objects.select_for_update().get(pk=citizen.pk)
    if citizen.is_staff or citizen.is_official:
        raise ValidationError(_("Official accounts are not verified this way."))
    if not citizen.personal_id or not citizen.full_name or not citizen.date_of_birth:
        raise ValidationError(
            _("The citizen's profile needs a full name, date of birth and personal identification number first.")
        )
    if citizen.identity_level == User.Level.LEVEL_2:
        return citizen
    citizen.identity_level = User.Level.LEVEL_2
    citizen.verified_via = User.VerifiedVia.IN_PERSON
    citizen.personal_id_source = User.PersonalIdSource.IN_PERSON
    citizen.verified_at = timezone.now()
    citizen.in_person_requested_at = None
    citizen.save(
        update_fields=["identity_level", "verified_via", "personal_id_source", "verified_at", "in_person_requested_at"]
    )
    audit_record(
        actor=official,
        subject=citizen,
        action=AuditAction.VERIFY,
        obj=citizen,
        detail=f"in-person verification of CCCD {citizen.personal_id}. {note}".strip(),
        request=request,
    )
    return citizen


@transaction.atomic
def user_request_in_person_verification(*, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.identity_level < User.Level.LEVEL_2 and user.in_person_requested_at is None:
        user.in_person_requested_at = timezone.now()
        user.save(update_fields=["in_person_requested_at"])
    return user


@transaction.atomic
def user_mark_registry_match(*, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.registry_checked_at = timezone.now()
    user.save(update_fields=["registry_checked_at"])
    return user


class RegistryCheckRefused(Exception):
    """str(error) is the user-facing reason."""


def _registry_target_digest(personal_id: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"identity.registry-check|{personal_id}".encode(), hashlib.sha256
    ).hexdigest()


def registry_check_run(*, user: User) -> bool:
    """Compare the profile's name, birth date and personal ID with the population registry and
    record a match. At most REGISTRY_CHECK_LIMIT_PER_DAY checks per account and
    REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY per personal ID (from any account) in 24 hours, so a
    birth date cannot be guessed by trying every day of the year. Raises RegistryCheckRefused,
    or RegistryUnavailable when the registry does not answer (that try is not counted)."""
    if not (user.personal_id and user.full_name and user.date_of_birth):
        raise RegistryCheckRefused(_("Fill in your full name, date of birth and personal identification number first."))
    now = timezone.now()
    since = now - dt.timedelta(days=1)
    digest = _registry_target_digest(user.personal_id)
    RegistryCheckAttempt.objects.filter(at__lt=since - dt.timedelta(days=1)).delete()
    # The attempt is written (committed) before counting, without a lock: two checks at once on
    # different workers each see the other, so the limit holds across processes; at worst both
    # are refused.
    attempt = RegistryCheckAttempt.objects.create(user=user, target_digest=digest, at=now)
    recent = RegistryCheckAttempt.objects.filter(at__gte=since)
    if (
        recent.filter(user=user).count() > settings.REGISTRY_CHECK_LIMIT_PER_DAY
        or recent.filter(target_digest=digest).count() > settings.REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY
    ):
        attempt.delete()
        raise RegistryCheckRefused(
            _(
                "There have been too many checks of this account or this personal identification number against "
                "the national population database in the last 24 hours. Please try again tomorrow, or ask to "
                "be verified in person at the one-stop desk."
            )
        )
    try:
        matched = registry_adapter().verify(user.personal_id, user.full_name, user.date_of_birth)
    except RegistryUnavailable:
        attempt.delete()
        raise
    if matched:
        user_mark_registry_match(user=user)
    return matched


# --- e-ID ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EidIdentity:
    """What an e-ID provider told us about the person, after all checks passed."""

    provider: str
    subject: str
    personal_id: str
    full_name: str
    date_of_birth: object  # datetime.date | None
    level: int
    issuer: str = ""
    id_token: str = field(default="", repr=False, compare=False)  # kept for RP-initiated logout


@dataclass(frozen=True)
class EidLogin:
    """The account an e-ID sign-in landed on; `clash` is set when another account had claimed
    the same personal ID (the person is told, intake sees an audit event)."""

    user: User
    clash: bool = False
    linked: bool = False


class EidLoginError(Exception):
    """str(error) is the user-facing message."""


def eid_issuer_aliases(issuer: str) -> list[str]:
    """The issuer and the former names it had (EID_ISSUER_ALIASES), so that renaming the
    issuer does not lock anyone out: links recorded under an alias are found and moved."""
    aliases = [str(a).rstrip("/") for a in getattr(settings, "EID_ISSUER_ALIASES", []) or [] if str(a).strip()]
    return [issuer, *[a for a in aliases if a != issuer]]


def _eid_refuse_staff_or_closed(user: User) -> None:
    if user.is_staff or user.is_official:
        raise EidLoginError(_("Officials sign in with their email, password and two-factor code, not with VNeID."))
    if not user.is_active:
        raise EidLoginError(_("This account has been closed. Please contact the one-stop desk."))


def _eid_audit_clash(*, claimant: User, winner: User, personal_id: str, request=None) -> None:
    detail = (
        f"e-ID clash: personal ID {personal_id} verified by e-ID for account #{winner.pk}; "
        f"account #{claimant.pk} ({claimant.email or 'no email'}) had only claimed it and lost the claim"
    )
    for subject in (claimant, winner):
        audit_record(
            actor=None, subject=subject, action=AuditAction.CHANGE, obj=claimant, detail=detail, request=request
        )


@transaction.atomic
def user_from_eid(*, identity: EidIdentity, link_to: User | None = None, request=None) -> EidLogin:
    """Find or create the account of this e-ID and apply the identity level. Staff accounts
    never sign in through e-ID.

    The e-ID lands on: the account already linked to (issuer, subject); else `link_to`, an
    account whose holder is signed in and started the link from the profile (proof of control);
    else the account whose personal ID was itself verified (e-ID or at the desk). A personal ID
    that was merely typed or read from a card photo is a claim: it never links. A verified
    (level 2) e-ID wins the number; the claimant account loses it."""
    issuer = (identity.issuer or identity.provider).rstrip("/")
    linked = (
        User.objects.select_for_update()
        .filter(eid_issuer__in=eid_issuer_aliases(issuer), eid_subject=identity.subject)
        .first()
    )
    user = linked
    if user is None and link_to is not None:
        user = User.objects.select_for_update().get(pk=link_to.pk)
        _eid_refuse_staff_or_closed(user)
        if user.eid_subject:
            raise EidLoginError(_("Your account is already linked to another VNeID account."))
        if user.personal_id_verified and identity.personal_id and user.personal_id != identity.personal_id:
            raise EidLoginError(
                _(
                    "The personal identification number of this VNeID account differs from the one verified "
                    "on your account. Please contact the one-stop desk."
                )
            )
    verified_person = identity.level >= 2 and bool(identity.personal_id)
    holder = None
    if identity.personal_id:
        holder = User.objects.select_for_update().filter(personal_id=identity.personal_id).first()
    if user is None and holder is not None and verified_person and holder.personal_id_verified:
        user = holder
    if user is not None:
        _eid_refuse_staff_or_closed(user)
    clash = False
    if holder is not None and holder != user:
        _eid_refuse_staff_or_closed(holder)
        if not verified_person:
            holder = None  # an unverified e-ID does not take a number from anyone: the new account goes without
        elif holder.personal_id_verified:
            raise EidLoginError(
                _(
                    "This personal identification number is already verified on another account. "
                    "Please contact the one-stop desk."
                )
            )
        else:
            holder.personal_id = None
            holder.personal_id_source = User.PersonalIdSource.NONE
            holder.registry_checked_at = None
            holder.save(update_fields=["personal_id", "personal_id_source", "registry_checked_at"])
            clash = True
    if user is None:
        # No email from the e-ID: the account has none (NULL), and is asked for one when needed.
        user = User(email=None)
        user.set_unusable_password()
        if identity.personal_id and (
            holder is not None or not User.objects.filter(personal_id=identity.personal_id).exists()
        ):
            user.personal_id = identity.personal_id
            user.personal_id_source = User.PersonalIdSource.EID if verified_person else User.PersonalIdSource.TYPED
    user.eid_issuer = issuer
    user.eid_subject = identity.subject
    if identity.full_name:
        user.full_name = identity.full_name
    if identity.date_of_birth:
        user.date_of_birth = identity.date_of_birth
    if verified_person:
        # The e-ID is the authority on the number: it replaces a claimed one on a linked account.
        user.personal_id = identity.personal_id
        user.personal_id_source = User.PersonalIdSource.EID
        user.identity_level = User.Level.LEVEL_2
        user.verified_via = User.VerifiedVia.EID
        user.verified_at = timezone.now()
        from portal.kernel.cccd import cccd_parse

        info = cccd_parse(identity.personal_id)
        if info and info.sex:
            user.sex = info.sex
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise EidLoginError(_("We could not link this e-ID to an account. Please contact support.")) from exc
    if clash:
        _eid_audit_clash(claimant=holder, winner=user, personal_id=identity.personal_id, request=request)
    return EidLogin(user=user, clash=clash, linked=linked is None and link_to is not None)


# --- personal document store ------------------------------------------------------------------


def document_max_bytes() -> int:
    return int(getattr(settings, "IDENTITY_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


def document_file_check(upload) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload, by the kernel's one upload checker;
    raises ValidationError saying why otherwise."""
    try:
        content_type = upload_check(upload=upload, max_size=document_max_bytes())
    except UploadRefused as exc:
        raise ValidationError(exc.message) from exc
    return content_type, EXTENSIONS[content_type]


def _document_store_quota_check(*, owner: User, size: int) -> None:
    """A citizen's store holds at most DOCUMENT_STORE_MAX_FILES uploads and
    DOCUMENT_STORE_MAX_BYTES in all. The caller holds the owner's row lock, so two uploads at
    once cannot both slip under the limit."""
    max_files = int(settings.DOCUMENT_STORE_MAX_FILES)
    max_bytes = int(settings.DOCUMENT_STORE_MAX_BYTES)
    usage = PersonalDocument.objects.filter(owner=owner).aggregate(files=Count("pk"), used=Sum("size"))
    if usage["files"] >= max_files:
        raise ValidationError(
            _(
                "Your personal document store already holds %(count)d documents, the most it can hold. "
                "Delete documents you no longer need before adding another."
            )
            % {"count": max_files}
        )
    if (usage["used"] or 0) + size > max_bytes:
        raise ValidationError(
            _(
                "Adding this file would make your personal document store larger than %(max)s. "
                "Delete documents you no longer need before adding another."
            )
            % {"max": filesizeformat(max_bytes)}
        )


@transaction.atomic
def personal_document_add(
    *,
    owner: User,
    doc_type: str,
    title: str,
    upload=None,
    number: str = "",
    issuer: str = "",
    issued_on=None,
    expires_on=None,
    source: str = PersonalDocument.Source.UPLOAD,
    verified_by: User | None = None,
) -> PersonalDocument:
    document = PersonalDocument(
        owner=owner,
        doc_type=doc_type,
        title=title,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        source=source,
    )
    if upload is not None:
        content_type, extension = document_file_check(upload)
        if source == PersonalDocument.Source.UPLOAD:
            User.objects.select_for_update().filter(pk=owner.pk).first()
            _document_store_quota_check(owner=owner, size=upload.size)
        document.content_type = content_type
        document.size = upload.size
        document.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    # Only the portal itself or an official certify a document: a citizen's upload is unverified.
    if source in (PersonalDocument.Source.PORTAL, PersonalDocument.Source.EID) or verified_by is not None:
        document.verified = True
        document.verified_by = verified_by
        document.verified_at = timezone.now()
    document.save()
    return document


@transaction.atomic
def personal_document_delete(*, document: PersonalDocument, by: User) -> None:
    if document.owner_id != by.pk:
        raise PermissionDenied(_("You can only delete your own documents."))
    kept_by = document_release(document)
    if kept_by:
        raise ValidationError(_document_kept_message(kept_by))
    stored = document.file.name if document.file else ""
    storage = document.file.storage if document.file else None
    try:
        with transaction.atomic():
            document.delete()
    except ProtectedError as exc:
        raise ValidationError(_document_kept_message([])) from exc
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def _document_kept_message(labels: list[str]) -> str:
    codes = ", ".join(label for label in labels if label)
    if codes:
        return _(
            "This document was sent with dossier %(codes)s and is kept as part of its record, so it cannot be deleted."
        ) % {"codes": codes}
    return _("This document was sent with a dossier and is kept as part of its record, so it cannot be deleted.")


@transaction.atomic
def personal_document_certify(*, document: PersonalDocument, official: User, request=None) -> PersonalDocument:
    """An official compared the document with the original and certifies it."""
    if not personal_document_accessible(official, document) or document.owner_id == official.pk:
        raise PermissionDenied(_("You may not certify this document."))
    document = PersonalDocument.objects.select_for_update().get(pk=document.pk)
    if not document.verified:
        document.verified = True
        document.verified_by = official
        document.verified_at = timezone.now()
        document.source = PersonalDocument.Source.OFFICIAL
        document.save(update_fields=["verified", "verified_by", "verified_at", "source"])
        audit_record(
            actor=official,
            subject=document.owner,
            action=AuditAction.VERIFY,
            obj=document,
            detail=f"certified {document.title}",
            request=request,
        )
    return document


# What an official compared with the original when certifying: fixed once the document is verified.
DOCUMENT_IDENTIFYING_FIELDS = ("doc_type", "title", "number", "issuer", "issued_on", "expires_on")


def personal_document_may_edit(*, document: PersonalDocument, user: User) -> bool:
    """Officials never change a verified document (only a superuser corrects one, and that
    withdraws the verification); an unverified one they may correct."""
    return user.is_superuser or not document.verified


@transaction.atomic
def personal_document_update(*, document: PersonalDocument, by: User, changes: dict, request=None) -> PersonalDocument:
    """Someone other than the owner (an official in the admin) corrects a stored document.

    Refused for a verified document unless `by` is a superuser; a superuser's change of a
    verified document's identifying fields withdraws the verification. Every change is audited
    with the values before and after."""
    document = PersonalDocument.objects.select_for_update().get(pk=document.pk)
    if not by.is_superuser and not personal_document_accessible(by, document):
        raise PermissionDenied(_("You do not have access to this document."))
    if not personal_document_may_edit(document=document, user=by):
        raise PermissionDenied(_("A verified document cannot be changed."))
    unknown = set(changes) - set(DOCUMENT_IDENTIFYING_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    changed = {
        name: (getattr(document, name), value) for name, value in changes.items() if getattr(document, name) != value
    }
    if not changed:
        return document
    for name, (_before, after) in changed.items():
        setattr(document, name, after)
    update_fields = list(changed)
    withdrawn = document.verified
    if withdrawn:
        document.verified, document.verified_by, document.verified_at = False, None, None
        update_fields += ["verified", "verified_by", "verified_at"]
    document.save(update_fields=update_fields)
    detail = "; ".join(f"{name}: {before!s} -> {after!s}" for name, (before, after) in changed.items())
    audit_record(
        actor=by,
        subject=document.owner,
        action=AuditAction.CHANGE,
        obj=document,
        detail=f"changed {detail}" + ("; verification withdrawn" if withdrawn else ""),
        request=request,
    )
    return document


def personal_document_open(*, document: PersonalDocument, user: User, request=None):
    """The file for someone allowed to see it; any access by someone else than the owner is
    audited. Raises PermissionDenied otherwise."""
    if not personal_document_accessible(user, document):
        raise PermissionDenied(_("You do not have access to this document."))
    if document.owner_id != user.pk:
        audit_record(
            actor=user,
            subject=document.owner,
            action=AuditAction.DOWNLOAD,
            obj=document,
            detail=f"opened personal document {document.title}",
            request=request,
        )
    return document.file.open("rb")


# --- privacy ------------------------------------------------------------------------------------

PROFILE_EXPORT_FIELDS = [
    "email",
    "full_name",
    "personal_id",
    "date_of_birth",
    "sex",
    "phone",
    "address_line",
    "identity_level",
    "verified_via",
    "verified_at",
    "notify_email",
    "notify_sms",
    "date_joined",
    "last_login",
]


def account_export(*, user: User) -> bytes:
    """A ZIP with data.json (profile, documents, who accessed my data) and the document files."""

    def plain(value):
        return value.isoformat() if hasattr(value, "isoformat") else value

    profile = {name: plain(getattr(user, name)) for name in PROFILE_EXPORT_FIELDS}
    profile["province"] = str(user.province) if user.province_id else None
    profile["ward"] = str(user.ward) if user.ward_id else None
    buffer = io.BytesIO()
    documents = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in PersonalDocument.objects.filter(owner=user).order_by("pk"):
            entry = {
                "id": document.pk,
                "doc_type": document.doc_type,
                "title": document.title,
                "number": document.number,
                "issuer": document.issuer,
                "issued_on": plain(document.issued_on),
                "expires_on": plain(document.expires_on),
                "source": document.source,
                "verified": document.verified,
                "added_at": plain(document.created_at),
                "file": None,
            }
            if document.file:
                name = f"documents/{document.pk}-{document.file.name.rsplit('/', 1)[-1]}"
                try:
                    with document.file.open("rb") as handle:
                        archive.writestr(name, handle.read())
                    entry["file"] = name
                except FileNotFoundError:
                    entry["file"] = None
            documents.append(entry)
        accesses = [
            {
                "at": plain(event.at),
                "by": str(event.actor) if event.actor_id else None,
                "action": event.action,
                "object": f"{event.object_type}:{event.object_id}",
            }
            for event in audit_events(subject=user).select_related("actor").order_by("at")
        ]
        payload = {
            "exported_at": timezone.now().isoformat(),
            "profile": profile,
            "documents": documents,
            "accesses_by_officials": accesses,
        }
        archive.writestr("data.json", json.dumps(payload, ensure_ascii=False, indent=2))
    audit_record(actor=user, subject=user, action=AuditAction.EXPORT, obj=user, detail="self export")
    return buffer.getvalue()


class AccountCloseError(Exception):
    """str(error) is the user-facing reason."""


@transaction.atomic
def account_close(*, user: User) -> int:
    """Deactivate the account and scrub its personal data; refused while a dossier is open.
    Stored documents that were sent with a dossier stay with that dossier's record; returns how
    many were kept."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_official:
        raise AccountCloseError(_("Official accounts are closed by the administrator."))
    if has_open_dossier(user):
        raise AccountCloseError(
            _("You still have a dossier in progress. You can close your account once it is completed or withdrawn.")
        )
    files = []
    kept = 0
    for document in PersonalDocument.objects.filter(owner=user):
        if document_release(document):
            # Sent with a dossier: kept with that dossier's record, like the dossier itself.
            kept += 1
            continue
        if document.file:
            files.append((document.file.storage, document.file.name))
        document.delete()
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = None
    user.full_name = ""
    user.personal_id = None
    user.date_of_birth = None
    user.sex = ""
    user.phone = ""
    user.province = None
    user.ward = None
    user.address_line = ""
    user.personal_id_source = User.PersonalIdSource.NONE
    user.eid_issuer = ""
    user.eid_subject = None
    user.notify_email = False
    user.notify_sms = False
    user.is_active = False
    user.set_unusable_password()
    user.save()

    def remove_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return kept


# --- The applicant confirmed when filing --------------------------------------------------------

PROFILE_CONSENT_TEXT = gettext_lazy(
    "Save these details to my profile so that I do not type them again. They are used only to "
    "fill in my dossiers; I can change or delete them in “My account” at any time."
)


def profile_update_from_applicant(*, user: User, applicant: dict) -> list[str]:
    """The citizen confirmed their details when filing and agreed to keep them (PROFILE_CONSENT_TEXT):
    write them to the profile. A verified identity (level 2) keeps its name, number, birth date and
    sex; a number another account already holds is not taken; a typed number stays a claim.
    Returns the names of the fields changed."""
    from portal.kernel.cccd import cccd_normalize

    changes: dict = {}
    verified = user.identity_level >= User.Level.LEVEL_2
    if not verified:
        if applicant.get("full_name"):
            changes["full_name"] = str(applicant["full_name"])[:150]
        if applicant.get("date_of_birth"):
            with contextlib.suppress(ValueError):
                changes["date_of_birth"] = dt.date.fromisoformat(str(applicant["date_of_birth"]))
        if applicant.get("sex") in (User.Sex.MALE, User.Sex.FEMALE):
            changes["sex"] = applicant["sex"]
        pid = cccd_normalize(applicant.get("personal_id"))
        if pid and pid != user.personal_id and not User.objects.filter(personal_id=pid).exclude(pk=user.pk).exists():
            changes["personal_id"] = pid
            changes["personal_id_source"] = User.PersonalIdSource.TYPED
    if applicant.get("phone"):
        changes["phone"] = str(applicant["phone"]).replace(" ", "")[:15]
    residence = applicant.get("residence")
    ward = _residence_ward(residence)
    if ward is not None:
        # Confirmed at the applicant step, structured: province, commune, street line.
        changes["province_id"] = ward.province_id
        changes["ward_id"] = ward.pk
        changes["address_line"] = str(residence.get("line") or "").strip()[:255]
    elif applicant.get("address") and not (user.address_line or user.ward_id):
        changes["address_line"] = str(applicant["address"])[:255]
    changed = [name for name, value in changes.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, changes[name])
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError:
            user.refresh_from_db()
            return []
    return changed


def _residence_ward(residence):
    """The commune of a structured residence when it lies in the province given, else None."""
    from portal.admin_units import ward_get

    if not isinstance(residence, dict):
        return None
    code, province = str(residence.get("ward") or ""), str(residence.get("province") or "")
    if not (code.isascii() and code.isdigit() and len(code) <= 9):
        return None
    ward = ward_get(code=int(code))
    if ward is None or str(ward.province_id) != province:
        return None
    return ward


@transaction.atomic
def personal_document_issue(
    *,
    owner: User,
    doc_type: str,
    title: str,
    content: bytes,
    filename: str,
    issuer: str,
    origin: str,
    sha256: str,
    verify_url: str = "",
    number: str = "",
    issued_on=None,
) -> PersonalDocument:
    """A document the portal issued and signed (a dossier's result, a certified copy) put into
    its owner's store: verified, marked signed, issued by `issuer`. Once per `origin`: issuing
    it again (a regenerated PDF) replaces the file of the same row. Not counted against the
    store's upload quota (the citizen did not upload it)."""
    from django.core.files.base import ContentFile

    User.objects.select_for_update().filter(pk=owner.pk).first()
    document = PersonalDocument.objects.filter(owner=owner, origin=origin).first() or PersonalDocument(
        owner=owner, origin=origin
    )
    old = document.file.name if document.pk and document.file else ""
    document.doc_type = doc_type
    document.title = title[:255]
    document.number = number[:60]
    document.issuer = issuer[:255]
    document.issued_on = issued_on
    document.source = PersonalDocument.Source.PORTAL
    document.signed = True
    document.sha256 = sha256
    document.verify_url = verify_url[:300]
    document.verified = True
    document.verified_by = None
    document.verified_at = timezone.now()
    document.content_type = "application/pdf"
    document.size = len(content)
    document.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(content, name=filename), save=False)
    document.save()
    if old and old != document.file.name:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(old))
    return document
