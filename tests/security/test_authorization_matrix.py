"""Authorization matrix: every URL that carries an object id or code (pages, API, files,
admin) is requested by every kind of actor — anonymous, the citizen who owns the object, a
foreign citizen, each official role of the owning agency, the same role of another agency, a
superuser — and must answer as the policy says, never leaking the owner's data.

The URL patterns are discovered from the resolver; `test_every_object_url_is_in_the_matrix`
fails when a new one appears that the matrix does not cover, so none slips through unnoticed.
Pages without an object id that report on agencies (AGENCY_PAGE_ENTRIES) are in the matrix too:
who may open them, and that an allowed official sees their own agency's row and never another's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.world import ROLES_OF_AGENCY, client_for, world_build

pytestmark = pytest.mark.django_db

ALLOW, LOGIN, DENY, ANY = "allow", "login", "deny", "any"
HANDLERS = ("intake", "processing", "leader")
MONEY = ("intake", "processing", "leader", "cashier")
OFFICIALS_SAME = tuple(f"{role}@same" for role in ROLES_OF_AGENCY)
OFFICIALS_OTHER = tuple(f"{role}@other" for role in ROLES_OF_AGENCY)
ACTORS = ("anonymous", "owner", "foreign", "superuser", *OFFICIALS_SAME, *OFFICIALS_OTHER)


@dataclass
class Entry:
    route: str  # the resolver's route string, e.g. "ho-so/<int:pk>/"
    url: callable  # world -> path
    policy: dict  # actor -> ALLOW / LOGIN / DENY / ANY; missing actors get `default`
    method: str = "get"
    data: dict = field(default_factory=dict)
    default: str = DENY
    api: bool = False
    public: bool = False  # a public object: its page must still carry no personal data
    agency_scoped: bool = False  # a per-agency report: shows the world's agency only to its own officials


def _same(*roles):
    return {f"{r}@same": ALLOW for r in roles}


def _owner_page(route, url, **kw):
    return Entry(route, url, {"anonymous": LOGIN, "owner": ALLOW, **kw.pop("extra", {})}, **kw)


def _owner_action(route, url, **kw):
    # The owner's own POST may succeed or be refused by the lifecycle; others must be denied.
    return Entry(route, url, {"anonymous": LOGIN, "owner": ANY}, method="post", **kw)


def _verify_url(w) -> str:
    """The printed verification link of one of the dossier's issued documents."""
    from dossiers.models import IssuedDocument
    from portal.signing import verification_reference

    doc, _created = IssuedDocument.objects.get_or_create(dossier=w.dossier, kind="receipt", event=None)
    return f"/kiem-tra-van-ban/{verification_reference('d', doc.pk)}/"


def _public(route, url, **kw):
    return Entry(route, url, dict.fromkeys(ACTORS, ALLOW), default=ALLOW, public=True, **kw)


def _everyone_logged_in(route, url, **kw):
    return Entry(route, url, {"anonymous": LOGIN}, default=ANY, **kw)


SITE_ENTRIES = [
    _owner_page("ho-so/<int:pk>/", lambda w: f"/ho-so/{w.dossier.pk}/"),
    _owner_page("ho-so/<int:pk>/buoc/<slug:step>/", lambda w: f"/ho-so/{w.draft.pk}/buoc/applicant/"),
    _owner_action("ho-so/<int:pk>/xoa/", lambda w: f"/ho-so/{w.draft.pk}/xoa/"),
    _owner_action("ho-so/<int:pk>/rut/", lambda w: f"/ho-so/{w.dossier.pk}/rut/", data={"reason": "x"}),
    _owner_action("ho-so/<int:pk>/bo-sung/", lambda w: f"/ho-so/{w.dossier.pk}/bo-sung/"),
    _owner_action("ho-so/<int:pk>/danh-gia/", lambda w: f"/ho-so/{w.dossier.pk}/danh-gia/", data={"score": "1"}),
    _owner_page(
        "ho-so/<int:pk>/tep/<int:file_id>/",
        lambda w: f"/ho-so/{w.dossier.pk}/tep/{w.dossier_file.pk}/",
        extra={"superuser": ALLOW, **_same(*HANDLERS)},
    ),
    _owner_page(
        "ho-so/<int:pk>/giay-to/<int:doc_id>/",
        lambda w: f"/ho-so/{w.dossier.pk}/giay-to/{w.issued.pk}/",
        extra={"superuser": ALLOW, **_same(*HANDLERS)},
    ),
    _owner_page(
        "ho-so/<int:pk>/to-khai.pdf",
        lambda w: f"/ho-so/{w.dossier.pk}/to-khai.pdf",
        extra={"superuser": ALLOW, **_same(*HANDLERS)},
    ),
    _public("dia-gioi/tinh/<str:code>/xa/", lambda w: "/dia-gioi/tinh/86/xa/"),
    _everyone_logged_in("ho-so/nop/<str:code>/", lambda w: f"/ho-so/nop/{w.version.code}/"),
    Entry(
        "ho-so/nop-thay/<str:code>/",
        lambda w: f"/ho-so/nop-thay/{w.version.code}/",
        {
            "anonymous": LOGIN,
            "superuser": ALLOW,
            **{f"{r}@{s}": ALLOW for r in ("intake", "processing", "volunteer") for s in ("same", "other")},
        },
    ),
    _owner_page("tai-khoan/giay-to/<int:pk>/tep/", lambda w: f"/tai-khoan/giay-to/{w.personal_document.pk}/tep/"),
    _owner_action("tai-khoan/giay-to/<int:pk>/xoa/", lambda w: f"/tai-khoan/giay-to/{w.personal_document.pk}/xoa/"),
    _owner_action("hop-thu/<int:pk>/da-doc/", lambda w: f"/hop-thu/{_notification(w).pk}/da-doc/"),
    _owner_action("payments/dossiers/<str:code>/start/", lambda w: f"/payments/dossiers/{w.dossier.code}/start/"),
    _owner_page(
        "payments/receipts/<int:payment_id>/",
        lambda w: f"/payments/receipts/{w.receipt.payment_id}/",
        extra={"superuser": ALLOW, **_same(*MONEY)},
    ),
    _public("payments/receipts/check/<str:number>/", lambda w: f"/payments/receipts/check/{w.receipt.number}/"),
    _public("thu-tuc/<str:code>/", lambda w: f"/thu-tuc/{w.version.code}/"),
    Entry(
        "thu-tuc/<str:code>/mau/<slug:key>/",
        lambda w: f"/thu-tuc/{w.version.code}/mau/to-khai/",
        {},
        default=ANY,  # public template download (404 when the document has no template)
        public=True,
    ),
    # API
    Entry(
        "api/v1/dossiers/<str:code>/",
        lambda w: f"/api/v1/dossiers/{w.dossier.code}/",
        {"anonymous": LOGIN, "owner": ALLOW},
        api=True,
    ),
    Entry(
        "api/v1/dossiers/<str:code>/payments/",
        lambda w: f"/api/v1/dossiers/{w.dossier.code}/payments/",
        {"anonymous": LOGIN, "owner": ANY},
        method="post",
        data={"provider": "vnpay"},
        api=True,
    ),
    _public("kiem-tra-van-ban/<str:reference>/", lambda w: _verify_url(w)),
    Entry(
        "api/v1/dossiers/<str:code>/withdraw/",
        lambda w: f"/api/v1/dossiers/{w.dossier.code}/withdraw/",
        {"anonymous": LOGIN, "owner": ANY},
        method="post",
        data={"reason": "x"},
        api=True,
    ),
    Entry(
        "api/v1/dossiers/<str:code>/rate/",
        lambda w: f"/api/v1/dossiers/{w.dossier.code}/rate/",
        {"anonymous": LOGIN, "owner": ANY},
        method="post",
        data={"score": 1},
        api=True,
    ),
    # The officials' and systems' API: the handlers of the agency holding the dossier.
    Entry(
        "api/v1/queue/<str:code>/",
        lambda w: f"/api/v1/queue/{w.dossier.code}/",
        {"anonymous": LOGIN, "superuser": ALLOW, **_same(*HANDLERS)},
        api=True,
    ),
    Entry(
        "api/v1/queue/<str:code>/actions/<str:action>/",
        lambda w: f"/api/v1/queue/{w.dossier.code}/actions/claim/",
        {"anonymous": LOGIN, "superuser": ANY, **{f"{r}@same": ANY for r in HANDLERS}},
        method="post",
        api=True,
    ),
    _public("api/v1/lookup/<str:code>/", lambda w: f"/api/v1/lookup/{w.dossier.code}/", api=True),
    _public("api/v1/services/<str:code>/", lambda w: f"/api/v1/services/{w.version.code}/", api=True),
]

# Admin: models holding personal data, with the world object to open and the roles of the owning
# agency that may see it (besides holding the model's view permission; the superuser always).
PRIVATE_ADMIN_MODELS = {
    "dossiers.dossier": (lambda w: w.dossier, MONEY),
    "identity.user": (lambda w: w.owner, (*HANDLERS, "volunteer")),  # citizens of the agency's area
    "identity.personaldocument": (lambda w: w.personal_document, ()),
    "payments.payment": (lambda w: w.receipt.payment, MONEY),
    "payments.receipt": (lambda w: w.receipt, MONEY),
    "payments.refund": (None, MONEY),  # no refund in the world: covered by the coverage test only
    "portal.notification": (lambda w: _notification(w), ()),
    "portal.auditevent": (lambda w: _audit_event(w), ("auditor",)),
    "portal.sandboxsmsmessage": (lambda w: _sms(w), ()),
    # Side-effect jobs name payments and dossiers: the superuser only.
    "portal.outboxjob": (lambda w: _outbox_job(w), ()),
    "account.emailaddress": (lambda w: w.owner.emailaddress_set.first(), ()),
    "mfa.authenticator": (lambda w: _authenticator(w), ()),
    "authtoken.tokenproxy": (lambda w: _token(w), ()),
    # National sync messages (applicant's name and identity number), webhook subscriptions (their
    # secrets), deliveries and reconciliation runs: administrators (superuser) only; no row in the
    # world, covered by the coverage test (tests/integrations/test_admin_pages.py opens them).
    "integrations.syncmessage": (None, ()),
    "integrations.syncreconciliation": (None, ()),
    "integrations.webhooksubscription": (None, ()),
    "integrations.webhookdelivery": (None, ()),
    # Service accounts and their tokens' prefixes: the superuser only (no account in the world).
    "identity.serviceaccount": (None, ()),
}
# Admin models that hold no personal data: the public catalog and configuration.
NON_PERSONAL_ADMIN_MODELS = {
    "services.agency": "public catalog",
    "services.field": "public catalog",
    "services.procedure": "catalog drafts (staff only, no personal data); publishing is tested by services",
    "services.procedureversion": "published catalog",
    "identity.sandboxresident": "sandbox demo data, never real people, only with SANDBOX_ENABLED",
    "dossiers.calendarexception": "working-day calendar configuration",
    "auth.group": "role configuration",
    "django_celery_beat.periodictask": "scheduler configuration",
    "django_celery_beat.clockedschedule": "scheduler configuration",
    "django_celery_beat.crontabschedule": "scheduler configuration",
    "django_celery_beat.solarschedule": "scheduler configuration",
    "django_celery_beat.intervalschedule": "scheduler configuration",
}
ADMIN_OBJECT_VIEWS = ("change", "history", "delete")
# Object-bearing admin routes outside the standard change/history/delete views.
ADMIN_EXTRA_ENTRIES = [
    Entry(
        "admin/identity/user/<id>/password/",
        lambda w: f"/admin/identity/user/{w.owner.pk}/password/",
        {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN, "superuser": ALLOW},
    ),
    Entry(
        "admin/identity/personaldocument/<int:pk>/file/",
        lambda w: f"/admin/identity/personaldocument/{w.personal_document.pk}/file/",
        {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN, "superuser": ANY},
    ),
    Entry(
        "admin/dossiers/dossier/<int:pk>/action/<slug:action>/",
        lambda w: f"/admin/dossiers/dossier/{w.dossier.pk}/action/return_result/",
        {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN, "superuser": ANY, **dict.fromkeys(OFFICIALS_SAME, ANY)},
        method="post",
    ),
    Entry(
        # Form 06, printable at any moment by whoever may open the dossier's processing page.
        "admin/dossiers/dossier/<int:pk>/control-slip/",
        lambda w: f"/admin/dossiers/dossier/{w.dossier.pk}/control-slip/",
        {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN, "superuser": ANY, **dict.fromkeys(OFFICIALS_SAME, ANY)},
    ),
    Entry(
        "admin/dossiers/dossier/<int:pk>/issued/<int:doc_id>/regenerate/",
        lambda w: f"/admin/dossiers/dossier/{w.dossier.pk}/issued/{w.issued.pk}/regenerate/",
        {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN, "superuser": ANY, **dict.fromkeys(OFFICIALS_SAME, ANY)},
        method="post",
    ),
]
# Per-agency reports without an object id: leaders of an agency (and superusers) only.
AGENCY_PAGE_ENTRIES = [
    Entry(
        route,
        (lambda u: lambda w: u)(url),
        {
            "anonymous": LOGIN,
            "owner": LOGIN,
            "foreign": LOGIN,
            "superuser": ALLOW,
            "leader@same": ALLOW,
            "leader@other": ALLOW,
        },
        agency_scoped=True,
    )
    for route, url in [
        ("admin/dossiers/dossier/indicators/", "/admin/dossiers/dossier/indicators/"),
        ("admin/dossiers/dossier/indicators/", "/admin/dossiers/dossier/indicators/?period=this_year&format=csv"),
    ]
]
ADMIN_EXTRA_ENTRIES.append(
    Entry(
        # "View on site": staff only; it redirects to the object's public URL, which has its own checks.
        "admin/r/<path:content_type_id>/<path:object_id>/",
        lambda w: f"/admin/r/{_content_type_id(w.dossier)}/{w.dossier.pk}/",
        {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN},
        default=ANY,
    )
)


def _content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


# Object-bearing routes that are not about anyone's private objects, with the reason.
EXEMPT_ROUTES = {
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": "secret one-time key mailed to the owner (allauth)",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "secret one-time key (allauth)",
    "admin/(?P<url>.*)$": "admin catch-all (redirects)",
    "admin/services/procedure/<int:pk>/preview/": "catalog draft preview (no personal data)",
    "admin/services/procedure/<int:pk>/publish/": "catalog publishing (tested by services)",
    "admin/services/procedure/<int:pk>/unpublish/": "catalog publishing (tested by services)",
    "sandbox/registry/people/<str:personal_id>/": "sandbox registry, demo residents only, off in production",
    "sandbox/vnpay/paymentv2/confirm/<str:token>/": "sandbox gateway, off in production",
    "sandbox/momo/pay/<str:token>/": "sandbox gateway, off in production",
}
EXEMPT_PATTERNS = [
    re.compile(r"^admin/\^\(\?P<app_label>"),  # the app index pages
]


def _notification(world):
    from portal.models import Notification

    return Notification.objects.filter(user=world.owner).order_by("pk").first()


def _outbox_job(world):
    from portal.models import OutboxJob

    return OutboxJob.objects.get(key=f"payment:{world.receipt.payment_id}:receipt")


def _audit_event(world):
    from portal.models import AuditEvent

    # An official of the owning agency looked at the owner's data: its auditors may see that.
    event = AuditEvent.objects.filter(
        subject=world.owner, actor=world.officials["intake"], object_type="matrix"
    ).first()
    return event or AuditEvent.objects.create(
        actor=world.officials["intake"], subject=world.owner, action="view", object_type="matrix"
    )


def _sms(world):
    from portal.models import SandboxSmsMessage

    return SandboxSmsMessage.objects.order_by("pk").first()


def _authenticator(world):
    from allauth.mfa.models import Authenticator

    from tests.support.world import totp_activate

    totp_activate(world.officials["intake"])
    return Authenticator.objects.filter(user=world.officials["intake"]).first()


def _token(world):
    from rest_framework.authtoken.models import Token

    Token.objects.get_or_create(user=world.owner)
    return world.owner  # the admin's TokenProxy is keyed by the user's pk


def _admin_entries() -> list[Entry]:
    entries = []
    for model, admin_class in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        if label not in PRIVATE_ADMIN_MODELS:
            continue
        getter, roles = PRIVATE_ADMIN_MODELS[label]
        if getter is None:
            continue
        prefix = f"admin/{model._meta.app_label}/{model._meta.model_name}"
        for view in ADMIN_OBJECT_VIEWS:
            policy = {"anonymous": LOGIN, "owner": LOGIN, "foreign": LOGIN, "superuser": ALLOW}
            policy.update({f"{r}@same": ("perm", label) for r in roles})
            if view == "delete":  # nobody but the superuser deletes personal data in the admin
                policy.update({f"{r}@same": DENY for r in roles})
                policy["superuser"] = ANY
            entries.append(
                Entry(
                    f"{prefix}/<path:object_id>/{view}/",
                    (lambda g, v, p: lambda w: f"/{p}/{g(w).pk}/{v}/")(getter, view, prefix),
                    policy,
                )
            )
    return entries


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def object_routes() -> list[str]:
    return sorted({r for r in _walk(get_resolver().url_patterns) if "<" in r or "(?P" in r})


def all_entries() -> list[Entry]:
    return SITE_ENTRIES + ADMIN_EXTRA_ENTRIES + _admin_entries() + AGENCY_PAGE_ENTRIES


def _admin_model_of(route: str) -> str | None:
    match = re.match(r"^admin/(\w+)/(\w+)/<path:object_id>/", route)
    return f"{match[1]}.{match[2]}" if match else None


def test_every_object_url_is_in_the_matrix():
    covered = {e.route for e in all_entries()}
    missing = []
    for route in object_routes():
        if route in covered or route in EXEMPT_ROUTES or any(p.search(route) for p in EXEMPT_PATTERNS):
            continue
        model = _admin_model_of(route)
        if model and (model in NON_PERSONAL_ADMIN_MODELS or model in PRIVATE_ADMIN_MODELS):
            continue
        missing.append(route)
    assert not missing, (
        "These URLs carry an object id/code but are not in the authorization matrix "
        "(add them to tests/security/test_authorization_matrix.py):\n  " + "\n  ".join(missing)
    )


def test_the_matrix_has_no_stale_routes():
    routes = set(_walk(get_resolver().url_patterns))  # object routes and pages without an id
    stale = [e.route for e in all_entries() if e.route not in routes]
    assert not stale, f"Matrix entries whose URL no longer exists: {stale}"


# --- Running the matrix -----------------------------------------------------------------------------


def _actor_user(world, actor):
    if actor == "anonymous":
        return None
    if actor == "owner":
        return world.owner
    if actor == "foreign":
        return world.foreign
    if actor == "superuser":
        return world.superuser
    role, where = actor.split("@")
    return (world.officials if where == "same" else world.other_officials)[role]


def _expected(entry: Entry, actor: str, user) -> str:
    policy = entry.policy.get(actor, entry.default)
    if isinstance(policy, tuple):  # ("perm", "app.model"): allowed with the model's view permission
        app_label, model = policy[1].split(".")
        allowed = user.has_perm(f"{app_label}.view_{model}") or user.has_perm(f"{app_label}.change_{model}")
        return ALLOW if allowed else DENY
    return policy


def _secrets(world) -> list[str]:
    return [world.owner.personal_id, world.owner.full_name, world.owner.email]


def _classify(response) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if status >= 500:
        return f"{status} (server error)"
    if status in (401, 403, 404, 405):
        return DENY
    if (status in (301, 302) and "/login/" in location) or "/accounts/login" in location:
        return LOGIN
    if status in (301, 302) and location.rstrip("/").endswith("/admin"):
        return DENY  # the admin's "does not exist / not yours" redirect to its index
    return ALLOW if status < 400 else f"{status}"


def _check(entry: Entry, actor: str, world, response) -> str | None:
    """None when the answer is right; otherwise what went wrong."""
    user = _actor_user(world, actor)
    expected = _expected(entry, actor, user)
    got = _classify(response)
    body = response.content.decode("utf-8", "replace") if not getattr(response, "streaming", False) else ""
    if got.startswith(("5", "(")) or " (server error)" in got:
        return f"server error {response.status_code}"
    if entry.api and expected == LOGIN:
        return None if response.status_code in (401, 403) else f"expected 401/403, got {response.status_code}"
    if expected == ANY:
        return None
    if got != expected:
        return f"expected {expected}, got {response.status_code} {response.get('Location', '')}".strip()
    if got in (DENY, LOGIN) or entry.public:
        leaked = [s for s in _secrets(world) if s and s in body]
        if leaked:
            return f"response leaks {leaked}"
    if entry.agency_scoped and got == ALLOW:
        own = actor == "superuser" or actor.endswith("@same")
        if own != (world.agency.name in body):
            return f"the row of {world.agency.name} is {'missing' if own else 'shown to another agency'}"
    return None


def _buildable(entry: Entry, world) -> bool:
    try:
        entry.url(world)
    except AttributeError:
        return False
    return True


def _request(client, entry: Entry, world):
    url = entry.url(world)
    if entry.method == "post":
        if entry.api:
            return client.post(url, entry.data, content_type="application/json")
        return client.post(url, entry.data)
    return client.get(url)


@pytest.fixture
def world():
    return world_build()


@pytest.fixture
def clients(world):
    return {actor: client_for(_actor_user(world, actor), raise_request_exception=False) for actor in ACTORS}


def _run(world, clients, cells):
    failures = []
    # Owner requests last: an owner's POST may legitimately change the object (delete a draft).
    for entry, actor in sorted(cells, key=lambda cell: cell[1] == "owner"):
        if not _buildable(entry, world):
            continue  # this kind of object does not exist in this configuration (e.g. no SMS sandbox)
        response = _request(clients[actor], entry, world)
        problem = _check(entry, actor, world, response)
        if problem:
            failures.append(f"{entry.method.upper()} {entry.url(world)} as {actor}: {problem}")
    return failures


def test_authorization_matrix(world, clients):
    from dossiers.models import Dossier

    cells = [(e, a) for e in all_entries() for a in ACTORS]
    # First everyone who must be refused, then check the refused POSTs changed nothing.
    denied = [(e, a) for e, a in cells if e.policy.get(a, e.default) in (DENY, LOGIN)]
    failures = _run(world, clients, denied)
    assert Dossier.objects.filter(pk=world.draft.pk).exists()
    assert Dossier.objects.get(pk=world.dossier.pk).status == world.dossier.status
    assert world.owner.documents.filter(pk=world.personal_document.pk).exists()
    notification = _notification(world)
    assert notification is None or notification.read_at is None
    failures += _run(world, clients, [cell for cell in cells if cell not in denied])
    assert not failures, f"{len(failures)} authorization cells wrong:\n" + "\n".join(failures)
