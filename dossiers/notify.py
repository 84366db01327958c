"""Tell people about dossiers: the citizen on every status change, officials about new and
late dossiers. Delivery belongs to portal.notifications (an outbox written in the caller's
transaction, delivered by Celery after commit)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.notifications import notifications_enqueue_for


def notify(
    *, user, subject: str, body: str, sms_text: str, url: str, event: str, related=None, dedupe_key: str | None = None
) -> None:
    """Queue one notification. Must be called inside the transaction of the change it reports."""
    if user is not None:
        notify_many(
            users=[user], subject=subject, body=body, sms_text=sms_text, url=url, event=event, related=related,
            dedupe_key=dedupe_key,
        )  # fmt: skip


def notify_many(
    *, users, subject: str, body: str, sms_text: str, url: str, event: str, related=None, dedupe_key: str | None = None
) -> None:
    """`notify` for several people with the same message (one outbox INSERT)."""
    users = [u for u in users if u is not None]
    if not users:
        return
    notifications_enqueue_for(
        users=users, subject=subject, body=body, sms_text=sms_text, url=url, event=event, related=related,
        dedupe_key=dedupe_key,
    )  # fmt: skip


def dossier_url(dossier) -> str:
    return settings.SITE_URL + reverse("dossiers:detail", args=[dossier.pk])


def lookup_url(dossier) -> str:
    return settings.SITE_URL + reverse("dossiers:lookup") + f"?code={dossier.code or ''}"


# What the citizen is told after each action (English source, translated to Vietnamese).
def _citizen_texts(action: str) -> tuple[str, str] | None:
    return {
        "submit": (_("Dossier submitted"), _("Your dossier %(code)s has been submitted to %(agency)s.")),
        "receive": (
            _("Dossier received"),
            _("Your dossier %(code)s has been received. Expected result date: %(due)s."),
        ),
        "request_supplement": (
            _("Supplements requested"),
            _("Your dossier %(code)s needs supplements: %(note)s. Please upload them and resubmit."),
        ),
        "reject_intake": (_("Dossier not accepted"), _("Your dossier %(code)s was not accepted: %(note)s.")),
        "transfer": (_("Dossier transferred"), _("Your dossier %(code)s was transferred to %(agency)s.")),
        "approve": (_("Result ready"), _("The result of your dossier %(code)s is ready.")),
        "refuse": (_("Dossier refused"), _("Your dossier %(code)s was refused: %(note)s.")),
        "extend": (
            _("New result date"),
            _("We apologise: the result of your dossier %(code)s is delayed to %(due)s. %(note)s"),
        ),
        "return_result": (_("Result returned"), _("The result of your dossier %(code)s has been returned.")),
        "withdraw": (_("Dossier withdrawn"), _("Your dossier %(code)s has been withdrawn.")),
    }.get(action)


def citizen_notify(*, dossier, action: str, note: str = "", key: str | None = None) -> None:
    citizen = dossier.citizen
    with translation.override(settings.LANGUAGE_CODE):
        texts = _citizen_texts(action)
        if texts is None:
            return
        title, template = texts
        due = ""
        if dossier.due_at:
            from django.utils import timezone

            due = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y")
        agency = dossier.current_agency or dossier.agency
        params = {"code": dossier.code or "", "agency": agency.name if agency else "", "due": due, "note": note}
        body = template % params
        subject = f"{title}: {dossier.code}"
        sms = f"{dossier.code}: {body}"
    notify(
        user=citizen,
        subject=subject,
        body=body,
        sms_text=sms,
        url=dossier_url(dossier),
        event=f"dossier.{action}",
        related=dossier,
        dedupe_key=f"dossier:{dossier.pk}:{key}" if key else None,
    )


def officials_notify(*, users, dossier, event: str, subject: str, body: str) -> None:
    url = settings.SITE_URL + reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    notify_many(users=users, subject=subject, body=body, sms_text=body, url=url, event=event, related=dossier)
