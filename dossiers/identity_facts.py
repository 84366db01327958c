"""What an official is told about the applicant's identity: its level and how it was verified."""

from django.utils.translation import gettext as _


def applicant_identity(dossier) -> dict:
    """{level, via, verified, matches}: the account's identity level and how it was verified
    (e-ID, at the desk, or not), and whether the dossier's applicant number is that verified one."""
    citizen = dossier.citizen
    verified = citizen.personal_id_verified
    pid = str((dossier.applicant or {}).get("personal_id") or "")
    via = {
        "eid": _("verified by e-ID (VNeID)"),
        "in_person": _("checked in person at the one-stop desk"),
    }.get(citizen.verified_via or "", "")
    if not via:
        source = {
            "typed": _("number typed by the citizen (not verified)"),
            "cccd_qr": _("number read from a CCCD QR code (not verified)"),
        }
        via = source.get(citizen.personal_id_source or "", _("not verified"))
    return {
        "level": _("Level %(n)s") % {"n": citizen.identity_level},
        "via": via,
        "verified": verified,
        "verified_at": citizen.verified_at,
        "matches": verified and pid == citizen.personal_id,
    }
