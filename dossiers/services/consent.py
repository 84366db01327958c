"""The citizen's consent to a filing on their behalf, proven before anything of theirs is shown:
a one-time code sent to their registered phone or email (only its salted hash is kept; it expires,
has few tries and is rate limited), or, in person, the scan of a consent form they signed."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from identity.selectors import official_agency
from portal.audit import AuditAction

from ..lifecycle import DRAFT_STATUSES
from ..models import Channel, Dossier, DossierFile, OnBehalfConsent
from .base import DossierActionError, _event, _lock
from .on_behalf import on_behalf_audit, on_behalf_check_allowed, on_behalf_is_filer

# Channels where the citizen stands in front of the official, so a signed form can prove consent.
IN_PERSON_CHANNELS = (Channel.COUNTER, Channel.MOBILE_TEAM)
CODE_METHODS = (OnBehalfConsent.Method.SMS, OnBehalfConsent.Method.EMAIL)
_HASH_SALT = "dossiers.on_behalf.consent_code"


def _check_filer(d: Dossier, by) -> None:
    if not on_behalf_is_filer(d, by):
        raise DossierActionError(
            _("Only the official filing this dossier on the applicant's behalf can confirm their consent.")
        )
    if d.status not in DRAFT_STATUSES:
        raise DossierActionError(_("This dossier has been submitted and can no longer be edited."))
    on_behalf_check_allowed(official=by, citizen=d.citizen, procedure_version=d.procedure_version)


def _consent_granted(d: Dossier, *, by, method: str) -> None:
    """The consent is proven: the applicant's data from their profile completes what was typed."""
    from .drafts import applicant_from_user

    typed = {key: value for key, value in (d.applicant or {}).items() if value not in ("", None)}
    d.consent_recorded = True
    d.applicant = {**applicant_from_user(d.citizen), **typed}
    d.save(update_fields=["consent_recorded", "applicant", "updated_at"])
    _event(dossier=d, actor=by, action="consent", data={"method": method})


def _phone_of(user) -> str:
    return "".join(ch for ch in (user.phone or "") if ch.isdigit() or ch == "+")


def _masked(address: str, method: str) -> str:
    if not address:
        return ""
    if method == OnBehalfConsent.Method.SMS:
        return "•" * max(len(address) - 3, 3) + address[-3:]
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def on_behalf_contacts(*, dossier: Dossier, by) -> dict[str, str]:
    """Where a code can go, masked (the last digits of the phone, the email's domain): enough for
    the official to say "a code was sent to your phone ending in 321", nothing more."""
    _check_filer(dossier, by)
    citizen = dossier.citizen
    return {
        OnBehalfConsent.Method.SMS: _masked(_phone_of(citizen), OnBehalfConsent.Method.SMS),
        OnBehalfConsent.Method.EMAIL: _masked(citizen.email or "", OnBehalfConsent.Method.EMAIL),
    }


def on_behalf_code_pending(dossier: Dossier) -> OnBehalfConsent | None:
    """The code last sent for this draft, while it can still be entered."""
    row = (
        OnBehalfConsent.objects.filter(dossier=dossier, method__in=CODE_METHODS).order_by("-created_at", "-id").first()
    )
    if row is None or row.verified_at or row.attempts >= settings.ON_BEHALF_CODE_MAX_ATTEMPTS:
        return None
    return row if row.expires_at and row.expires_at > timezone.now() else None


def _code_hash(code: str, salt: str) -> str:
    digest = salted_hmac(_HASH_SALT, f"{salt}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def _code_matches(code: str, stored: str) -> bool:
    salt, _sep, _digest = stored.partition("$")
    return bool(salt and code) and constant_time_compare(_code_hash(code, salt), stored)


def on_behalf_code_send(*, dossier: Dossier, by, method: str, request=None) -> OnBehalfConsent:
    """Send a one-time code to the citizen's registered phone (SMS) or email. One live code per
    draft; a new one replaces it, after a short wait, and a citizen gets a few codes an hour."""
    from portal.notifications import notification_enqueue

    if method not in CODE_METHODS:
        raise DossierActionError(_("Choose how to send the code."))
    now = timezone.now()
    with transaction.atomic():
        d = _lock(dossier)
        _check_filer(d, by)
        if d.consent_recorded:
            raise DossierActionError(_("The applicant's consent is already confirmed."))
        citizen = d.citizen
        address = _phone_of(citizen) if method == OnBehalfConsent.Method.SMS else (citizen.email or "")
        if not address:
            raise DossierActionError(
                _("The applicant has no registered phone number: send the code by email or use a signed consent form.")
                if method == OnBehalfConsent.Method.SMS
                else _(
                    "The applicant has no registered email address: send the code by SMS or use a signed consent form."
                )
            )
        last = OnBehalfConsent.objects.filter(dossier=d, method__in=CODE_METHODS).order_by("-created_at").first()
        if last is not None:
            wait = int(settings.ON_BEHALF_CODE_RESEND_SECONDS - (now - last.created_at).total_seconds())
            if wait > 0:
                raise DossierActionError(
                    ngettext(
                        "A code was sent a moment ago. Wait %(seconds)d second before sending a new one.",
                        "A code was sent a moment ago. Wait %(seconds)d seconds before sending a new one.",
                        wait,
                    )
                    % {"seconds": wait}
                )
        recent = OnBehalfConsent.objects.filter(
            citizen=citizen, method__in=CODE_METHODS, created_at__gte=now - timedelta(hours=1)
        ).count()
        if recent >= settings.ON_BEHALF_CODES_PER_HOUR:
            raise DossierActionError(
                _(
                    "Too many codes were sent to this applicant in the last hour. Try again later, "
                    "or use a signed consent form at the counter."
                )
            )
        # Only the newest code counts: the earlier ones stop working.
        OnBehalfConsent.objects.filter(dossier=d, verified_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        row = OnBehalfConsent.objects.create(
            dossier=d,
            citizen=citizen,
            official=by,
            method=method,
            code_hash=_code_hash(code, get_random_string(12)),
            expires_at=now + timedelta(seconds=settings.ON_BEHALF_CODE_TTL_SECONDS),
        )
        agency = official_agency(by)
        with translation.override(settings.LANGUAGE_CODE):
            params = {
                "code": code,
                "minutes": max(settings.ON_BEHALF_CODE_TTL_SECONDS // 60, 1),
                "official": by.get_full_name(),
                "agency": agency.name if agency else "",
                "procedure": d.procedure_version.name,
            }
            sms = (
                _(
                    "Confirmation code %(code)s (valid %(minutes)d minutes): you agree that %(official)s, "
                    "%(agency)s, files a dossier on your behalf. Read the code to them only if you agree. "
                    "Procedure: %(procedure)s"
                )
                % params
            )
            subject = _("Your confirmation code to let an official file on your behalf")
            body = (
                _(
                    "%(official)s (%(agency)s) asks to file the dossier “%(procedure)s” on your behalf.\n\n"
                    "If you agree, give them this code: %(code)s\n\n"
                    "The code is valid for %(minutes)d minutes. If you did not ask for this, do not give the "
                    "code to anyone."
                )
                % params
            )
        notification_enqueue(
            user=citizen,
            event="dossier.on_behalf_code",
            subject=subject,
            body=body,
            sms_text=sms,
            related=d,
            channels=[method],
            dedupe_key=f"on-behalf-code:{row.pk}",
            ignore_preferences=True,
        )
        on_behalf_audit(
            dossier=d,
            by=by,
            action=AuditAction.VERIFY,
            detail=f"consent code sent by {method} to {_masked(address, method)}",
            request=request,
        )
    return row


def on_behalf_code_verify(*, dossier: Dossier, by, code: str, request=None) -> Dossier:
    """Check the code the citizen read out. A wrong code counts against the code (and is
    audited); an expired or exhausted code needs a new one."""
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    now = timezone.now()
    error = None
    with transaction.atomic():
        d = _lock(dossier)
        _check_filer(d, by)
        if d.consent_recorded:
            return d
        row = (
            OnBehalfConsent.objects.select_for_update()
            .filter(dossier=d, method__in=CODE_METHODS)
            .order_by("-created_at", "-id")
            .first()
        )
        max_attempts = settings.ON_BEHALF_CODE_MAX_ATTEMPTS
        if row is None:
            error = _("Send a code to the applicant first.")
        elif row.attempts >= max_attempts:
            error = _("This code was entered wrongly too many times: send a new code.")
        elif row.expires_at is None or row.expires_at <= now:
            error = _("This code has expired: send a new code.")
        elif not _code_matches(code, row.code_hash):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = max_attempts - row.attempts
            error = (
                ngettext(
                    "The code is not right: %(left)d try left.", "The code is not right: %(left)d tries left.", left
                )
                % {"left": left}
                if left
                else _("The code is not right, and it was tried too many times: send a new code.")
            )
            on_behalf_audit(dossier=d, by=by, action=AuditAction.VERIFY, detail="wrong consent code", request=request)
        else:
            row.verified_at = now
            row.save(update_fields=["verified_at"])
            _consent_granted(d, by=by, method=row.method)
            on_behalf_audit(
                dossier=d,
                by=by,
                action=AuditAction.VERIFY,
                detail=f"consent confirmed with the code sent by {row.method}",
                request=request,
            )
    # Raised after the block: the wrong attempt and its audit row are kept.
    if error:
        raise DossierActionError(error)
    return d


def on_behalf_consent_form_attach(*, dossier: Dossier, by, upload, request=None) -> Dossier:
    """At the counter (or a mobile team session), the scan of the consent form the citizen signed
    proves their consent; it is attached to the dossier and the citizen is told."""
    from .drafts import dossier_file_store

    with transaction.atomic():
        d = _lock(dossier)
        _check_filer(d, by)
        if d.consent_recorded:
            raise DossierActionError(_("The applicant's consent is already confirmed."))
        if d.channel not in IN_PERSON_CHANNELS:
            raise DossierActionError(
                _(
                    "A signed consent form proves consent only when the applicant is with you, at the counter "
                    "or at a mobile team session: send a code instead."
                )
            )
        if upload is None:
            raise DossierActionError(_("Choose the scan of the signed consent form."))
        row = dossier_file_store(dossier=d, upload=upload, kind=DossierFile.Kind.CONSENT, by=by)
        OnBehalfConsent.objects.create(
            dossier=d,
            citizen=d.citizen,
            official=by,
            method=OnBehalfConsent.Method.SIGNED_FORM,
            verified_at=timezone.now(),
        )
        _consent_granted(d, by=by, method=OnBehalfConsent.Method.SIGNED_FORM)
        on_behalf_audit(
            dossier=d,
            by=by,
            action=AuditAction.VERIFY,
            obj=row,
            detail=f"signed consent form attached as file {row.pk}",
            request=request,
        )
        _citizen_told_of_signed_form(d, by=by)
    return d


def _citizen_told_of_signed_form(d: Dossier, *, by) -> None:
    """A paper form can be forged where a code cannot: the citizen hears of it at once."""
    from portal.notifications import notification_enqueue

    agency = official_agency(by)
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "official": by.get_full_name(),
            "agency": agency.name if agency else "",
            "procedure": d.procedure_version.name,
        }
        subject = _("A dossier is being filed on your behalf")
        body = (
            _(
                "%(official)s (%(agency)s) started the dossier “%(procedure)s” on your behalf, with the consent form "
                "you signed. If you did not sign it, contact %(agency)s."
            )
            % params
        )
    notification_enqueue(
        user=d.citizen,
        event="dossier.on_behalf_consent",
        subject=subject,
        body=body,
        related=d,
        dedupe_key=f"on-behalf-consent:{d.pk}",
    )
