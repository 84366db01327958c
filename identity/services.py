"""Writes about people: profiles, identity level, e-ID sign-in, the personal document store,
and the privacy actions (export, close account)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.models import AuditEvent

from . import roles
from .hooks import has_open_dossier
from .models import PersonalDocument, User
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
    citizen.verified_at = timezone.now()
    citizen.in_person_requested_at = None
    citizen.save(update_fields=["identity_level", "verified_via", "verified_at", "in_person_requested_at"])
    audit_record(
        actor=official,
        subject=citizen,
        action=AuditEvent.Action.VERIFY,
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


class EidLoginError(Exception):
    """str(error) is the user-facing message."""


@transaction.atomic
def user_from_eid(*, identity: EidIdentity) -> User:
    """Find the account for this e-ID (by subject, then by personal ID) or create it, and apply
    the identity level. Staff accounts never sign in through e-ID."""
    subject = f"{identity.provider}:{identity.subject}"
    user = User.objects.select_for_update().filter(eid_subject=subject).first()
    if user is None and identity.personal_id:
        user = User.objects.select_for_update().filter(personal_id=identity.personal_id).first()
    if user is not None and (user.is_staff or user.is_official):
        raise EidLoginError(_("Officials sign in with their email, password and two-factor code, not with VNeID."))
    if user is not None and not user.is_active:
        raise EidLoginError(_("This account has been closed. Please contact the one-stop desk."))
    if user is None:
        user = User(
            email=f"eid-{uuid.uuid4().hex[:16]}@eid.invalid",
            personal_id=identity.personal_id or None,
        )
        user.set_unusable_password()
    if user.eid_subject and user.eid_subject != subject:
        raise EidLoginError(_("This personal identification number is already linked to another e-ID account."))
    user.eid_subject = subject
    if identity.full_name:
        user.full_name = identity.full_name
    if identity.date_of_birth:
        user.date_of_birth = identity.date_of_birth
    if identity.personal_id and not user.personal_id:
        user.personal_id = identity.personal_id
    if identity.level >= 2 and identity.personal_id and user.personal_id == identity.personal_id:
        user.identity_level = User.Level.LEVEL_2
        user.verified_via = User.VerifiedVia.EID
        user.verified_at = timezone.now()
        if not user.sex and identity.personal_id:
            from portal.kernel.cccd import cccd_parse

            info = cccd_parse(identity.personal_id)
            user.sex = info.sex if info else ""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise EidLoginError(_("We could not link this e-ID to an account. Please contact support.")) from exc
    return user


# --- personal document store ------------------------------------------------------------------

ALLOWED_TYPES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}


def document_max_bytes() -> int:
    return int(getattr(settings, "IDENTITY_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    for magic, kind in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


def document_file_check(upload) -> tuple[str, str]:
    """Raise ValidationError unless the upload is a PDF/JPEG/PNG (by content) within the limit."""
    limit = document_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Please scan at a lower resolution.")
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_content_type(head)
    if kind is None:
        raise ValidationError(_("Only PDF, JPEG or PNG files are accepted; this file is none of them."))
    data = upload.read()
    upload.seek(0)
    if not _content_is_whole(data, kind[0]):
        raise ValidationError(
            _(
                "The file is damaged or hides other content (for example a web page or an archive). "
                "Please scan or photograph the document again."
            )
        )
    return kind


def _content_is_whole(data: bytes, content_type: str) -> bool:
    """The header alone is not enough: polyglots put a web page or an archive after a valid
    start. A PDF must end at its last %%EOF; an image must decode fully and end at its end marker."""
    if content_type == "application/pdf":
        return data.rstrip(b"\r\n\t \x00").endswith(b"%%EOF")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False
    tail = data.rstrip(b"\x00")
    if content_type == "image/jpeg":
        return tail.endswith(b"\xff\xd9")
    return tail.endswith(b"IEND\xaeB`\x82")


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
    stored = document.file.name if document.file else ""
    storage = document.file.storage if document.file else None
    document.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


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
            action=AuditEvent.Action.VERIFY,
            obj=document,
            detail=f"certified {document.title}",
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
            action=AuditEvent.Action.DOWNLOAD,
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
            for event in AuditEvent.objects.filter(subject=user).select_related("actor").order_by("at")
        ]
        payload = {
            "exported_at": timezone.now().isoformat(),
            "profile": profile,
            "documents": documents,
            "accesses_by_officials": accesses,
        }
        archive.writestr("data.json", json.dumps(payload, ensure_ascii=False, indent=2))
    audit_record(actor=user, subject=user, action=AuditEvent.Action.EXPORT, obj=user, detail="self export")
    return buffer.getvalue()


class AccountCloseError(Exception):
    """str(error) is the user-facing reason."""


@transaction.atomic
def account_close(*, user: User) -> None:
    """Deactivate the account and scrub its personal data; refused while a dossier is open."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_official:
        raise AccountCloseError(_("Official accounts are closed by the administrator."))
    if has_open_dossier(user):
        raise AccountCloseError(
            _("You still have a dossier in progress. You can close your account once it is completed or withdrawn.")
        )
    files = []
    for document in PersonalDocument.objects.filter(owner=user):
        if document.file:
            files.append((document.file.storage, document.file.name))
        document.delete()
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = f"closed-{user.pk}-{uuid.uuid4().hex[:8]}@closed.invalid"
    user.full_name = ""
    user.personal_id = None
    user.date_of_birth = None
    user.sex = ""
    user.phone = ""
    user.province = None
    user.ward = None
    user.address_line = ""
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
