"""Per-run fixtures on a generated database: logged-in sessions for bench citizens and the
bench official (with an activated TOTP authenticator and a session that passed two-factor,
as identity.middleware requires for the admin), API tokens, dossier codes to look up,
and pending VNPay payments for the IPN run. Returns plain data for the load client."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.urls import NoReverseMatch, reverse

from .datagen import BENCH_CITIZENS, BENCH_PASSWORD

OFFICIAL_EMAIL = "official@bench.example.vn"
LEADER_EMAIL = "leader@bench.example.vn"


def _session_for(user, *, mfa: bool = False) -> str:
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    methods = [{"method": "password", "at": time.time(), "email": user.email}]
    if mfa:
        methods.append({"method": "mfa", "at": time.time(), "type": "totp"})
    try:
        from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

        store[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    except ImportError:
        store["account_authentication_methods"] = methods
    store.create()
    return store.session_key


def _url(name: str, *args, default: str | None = None) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return default


def _official(agency, *, email: str = OFFICIAL_EMAIL, superuser: bool = False):
    """The bench official (intake and processing at `agency`); `superuser`: the province's
    indicators reader, who sees every agency on the indicators page."""
    from django.contrib.auth.models import Group

    from identity.models import OfficialProfile, User
    from identity.roles import INTAKE, PROCESSING, roles_sync

    roles_sync()
    user, _created = User.objects.update_or_create(
        email=email,
        defaults={
            "full_name": "Lãnh đạo (bench)" if superuser else "Cán bộ Một cửa (bench)",
            "is_staff": True,
            "is_superuser": superuser,
            "is_active": True,
            "identity_level": 2,
        },
    )
    user.set_password(BENCH_PASSWORD)
    user.save()
    OfficialProfile.objects.update_or_create(user=user, defaults={"agency": agency, "title": "Chuyên viên"})
    user.groups.set(Group.objects.filter(name__in=[INTAKE, PROCESSING]))
    try:
        from allauth.mfa.models import Authenticator

        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            try:
                from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

                TOTP.activate(user, generate_totp_secret())
            except ImportError:
                Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "bench"})
    except ImportError:
        pass
    try:  # mark e-mail verified so allauth never interposes a verification step
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    except ImportError:
        pass
    return user


def build(*, ipn_orders: int) -> dict:
    from rest_framework.authtoken.models import Token

    from catalog.models import Agency, ProcedureVersion
    from dossiers.models import Dossier
    from identity.models import User

    rnd = random.Random(7)
    big_agency = Agency.objects.order_by("pk").first()
    official = _official(big_agency)
    leader = _official(big_agency, email=LEADER_EMAIL, superuser=True)
    from django.utils import timezone

    today = timezone.localdate()
    indicators = _url("admin:dossiers_dossier_indicators")
    if indicators:
        # A year of every agency (the generated data ends yesterday).
        indicators += f"?period=custom&date_from={today - dt.timedelta(days=364)}&date_to={today}"
    citizens = list(
        User.objects.filter(email__endswith="@bench.example.vn", is_staff=False).order_by("pk")[:BENCH_CITIZENS]
    )
    # A generated level-2 citizen stands for one who verified with the e-ID: their personal ID
    # is proven (User.personal_id_verified), which waives the ID copy of the submission's
    # procedure (dossiers document_waived). Older databases lack the source: set it here.
    User.objects.filter(pk__in=[u.pk for u in citizens], identity_level__gte=2, personal_id_source="").update(
        personal_id_source=User.PersonalIdSource.EID
    )
    # The upload endpoint fills each citizen's store (50 documents at most): what earlier runs
    # uploaded is removed, so a `--reuse` run measures uploads, not a full store's refusals.
    _uploads_clear(citizens)
    # The load run starts no worker: the outbox jobs of earlier runs' filings and payments are
    # never carried out and stay pending (23,000 after a day of runs), and the relay's sweep of the
    # pending rows grew with them, taking CPU from the endpoints measured. Each run starts with
    # none, as a province's outbox does with its workers running.
    _outbox_clear()
    citizen_sessions, citizen_tokens, verified_tokens = [], [], []
    for user in citizens:
        citizen_sessions.append(_session_for(user))
        token, _ = Token.objects.get_or_create(user=user)
        citizen_tokens.append(token.key)
        if user.identity_level >= 2:
            verified_tokens.append(token.key)

    # Dossier codes to look up: a uniform sample over the whole table.
    with connection.cursor() as cur:
        cur.execute(f"SELECT MAX(id) FROM {Dossier._meta.db_table}")
        max_id = cur.fetchone()[0] or 0
    ids = [rnd.randint(1, max_id) for _ in range(2000)] if max_id else []
    codes = list(Dossier.objects.filter(pk__in=ids, code__isnull=False).values_list("code", flat=True)[:500])
    # The official's dossier screen: dossiers their agency holds, sampled over the whole table.
    # Taken in the order drawn: the database returns the matching rows in its own order (the
    # rows an earlier run's submissions and payments wrote came first), which made the sample
    # the bench's own newest dossiers after a few `--reuse` runs.
    drawn = list(dict.fromkeys(rnd.randint(1, max_id) for _ in range(5000))) if max_id else []
    held = Dossier.objects.filter(pk__in=drawn, current_agency=big_agency).exclude(status="draft")
    held = set(held.values_list("pk", flat=True))
    screen_ids = [pk for pk in drawn if pk in held][:50]
    screens = [u for u in (_url("admin:dossiers_dossier_change", pk) for pk in screen_ids) if u]

    # A free, online, level-1 procedure of the one-stop desk whose mandatory document comes
    # from the e-ID data: the API can file it with the e-form data alone.
    submit_version = None
    for v in ProcedureVersion.objects.filter(
        status="published", agencies=big_agency, total_fee=0, online_level="full"
    ).order_by("pk"):
        snap = v.snapshot or {}
        if int(snap.get("min_eid_level") or 1) > 1 or snap.get("form_schema") or snap.get("is_bundle"):
            continue
        docs = [d for d in snap.get("documents", []) if d.get("mandatory")]
        if all("eid:identity" in (d.get("reusable_kinds") or []) for d in docs):
            submit_version = v
            break
    procedure_codes = list(
        ProcedureVersion.objects.filter(status="published").order_by("?").values_list("code", flat=True)[:50]
    )
    procedure_paths = [p for p in (_procedure_url(c) for c in procedure_codes) if p]
    search_url = _first_url(["services:search", "services:catalog", "services:procedure_list", "services:procedures"])

    return {
        "urls": {
            "home": _url("services:home", default="/"),
            "baseline": "/bench/baseline/",
            "search": search_url,
            "search_param": "q",
            "lookup_page": _url("dossiers:lookup"),
            "lookup_param": "code",
            "my_dossiers": _url("dossiers:mine"),
            "queue": queue_urls(big_agency),
            "queue_full": queue_urls(big_agency, full_only=True),
            "indicators": indicators,
            "dossier_screen": screens,
        },
        "leader_session": _session_for(leader, mfa=True),
        "citizen_sessions": citizen_sessions,
        "citizen_tokens": citizen_tokens,
        "official_session": _session_for(official, mfa=True),
        "official_agency": {"id": big_agency.pk, "code": big_agency.code},
        "lookup_codes": codes,
        "procedure_paths": procedure_paths,
        "submit": (
            {
                "payload": {
                    "procedure": submit_version.code,
                    "agency": big_agency.pk,
                    "form_data": {},
                    # Generated citizens have no address on their profile; the filing needs one.
                    "applicant": {"address": "Số 1 đường Lê Lợi, phường Bến Thành"},
                },
                "procedure_code": submit_version.code,
                # Only a verified citizen may leave out the ID copy the procedure asks for.
                "tokens": verified_tokens,
            }
            if submit_version
            else {"why": "no free, level-1 procedure without required uploads at the one-stop desk"}
        ),
        "vnpay": {
            "tmn_code": getattr(settings, "VNPAY_TMN_CODE", ""),
            "hash_secret": getattr(settings, "VNPAY_HASH_SECRET", ""),
            "ipn_path": _url("payments:vnpay-ipn"),
        },
        **ipn_orders_create(ipn_orders, big_agency),
    }


def _first_url(names: list[str]) -> str | None:
    for name in names:
        url = _url(name)
        if url:
            return url
    return None


def _procedure_url(code: str) -> str | None:
    for name in ("services:procedure", "services:procedure_detail", "services:detail"):
        url = _url(name, code)
        if url:
            return url
    return None


def dossier_screen_urls(agency, n: int = 50) -> list[str]:
    """The processing screens of open dossiers of the official's agency (issue 19's dossier screen)."""
    from dossiers.lifecycle import OPEN_STATUSES
    from dossiers.models import Dossier

    ids = Dossier.objects.filter(current_agency=agency, status__in=OPEN_STATUSES).values_list("pk", flat=True)[:n]
    return [u for u in (_url("admin:dossiers_dossier_change", pk) for pk in ids) if u]


def queue_urls(agency, *, full_only: bool = False) -> list[str] | None:
    """The admin queue views of the official's agency (the dossiers admin decides the filters).
    `full_only`: only the queues holding at least one full admin page, for the scale run, which
    must compare pages of the same length at both scales."""
    base = _url("admin:dossiers_dossier_changelist")
    if not base:
        return None
    try:
        from dossiers.selectors import QUEUES, queue_filter

        keys = ["", *QUEUES]
    except ImportError:
        return [base + q for q in ("", "?queue=new", "?queue=processing", "?queue=due_soon", "?queue=overdue")]
    if not full_only:
        return [base + (f"?queue={k}" if k else "") for k in keys]
    from django.contrib import admin as django_admin

    from dossiers.models import Dossier

    model_admin = django_admin.site._registry.get(Dossier)
    per_page = getattr(model_admin, "list_per_page", 100)
    qs = Dossier.objects.exclude(status="draft").filter(current_agency=agency)
    full = []
    for key in keys:
        if (queue_filter(qs, key) if key else qs)[:per_page].count() >= per_page:
            full.append(base + (f"?queue={key}" if key else ""))
    return full


def _uploads_clear(citizens) -> None:
    from identity.models import PersonalDocument

    uploaded = PersonalDocument.objects.filter(
        owner__in=citizens, doc_type="other", title__startswith="Tờ khai ", dossier_uses__isnull=True
    )
    for document in uploaded.exclude(file=""):
        document.file.delete(save=False)
    uploaded.delete()


def _outbox_clear() -> None:
    from portal.models import OutboxJob

    OutboxJob.objects.filter(status__in=[OutboxJob.Status.PENDING, OutboxJob.Status.RUNNING]).delete()


def ipn_orders_create(count: int, agency) -> dict:
    """Pending VNPay payments of submitted dossiers, one per IPN the load run will send."""
    if not count:
        return {"ipn_orders": []}
    try:
        from payments import services as pay
    except ImportError as exc:
        return {"ipn_orders": [], "ipn_why": f"payments app not available: {exc}"}
    from dossiers.models import Dossier
    from payments.models import Payment

    # The generator writes no payments: every one is an order of an earlier run (the IPN paid
    # it). Removed, their dossiers can be paid again, so `--reuse` runs keep finding orders.
    payments_remove(Payment.objects.filter(provider="vnpay").values_list("pk", flat=True))
    candidates = (
        Dossier.objects.filter(
            status__in=pay.PAYABLE_DOSSIER_STATES, procedure_version__total_fee__gt=0, payments__isnull=True
        )
        .select_related("procedure_version", "agency", "citizen")
        .order_by("-pk")[: count * 2]
    )
    orders, failures = [], []
    for dossier in candidates:
        if len(orders) >= count:
            break
        try:
            pay.fees_create_for_dossier(dossier=dossier)
            payment = pay.payment_start(dossier=dossier, provider_id="vnpay", payer=dossier.citizen)
        except Exception as exc:  # a dossier that cannot be paid is simply not used
            failures.append(str(exc))
            continue
        orders.append({"reference": payment.reference, "amount": str(payment.amount), "dossier_code": dossier.code})
    out = {"ipn_orders": orders}
    if not orders:
        out["ipn_why"] = "no payable submitted dossier" + (f" ({failures[0]})" if failures else "")
    return out


def payments_remove(ids) -> None:
    """Remove bench payments with what hangs on them (fees, refunds, receipts, outbox jobs), so
    that their dossiers can be paid again. Bench databases only."""
    from django.db import transaction

    from payments.models import Fee, Payment
    from portal.models import OutboxJob

    ids = list(ids)
    if not ids:
        return
    with transaction.atomic():
        dossier_ids = list(Payment.objects.filter(pk__in=ids).values_list("dossier_id", flat=True))
        OutboxJob.objects.filter(key__in=[f"payment:{pk}:{k}" for pk in ids for k in ("receipt", "notice")]).delete()
        Fee.objects.filter(payment_id__in=ids).update(payment=None)
        for rel in Payment._meta.related_objects:
            if rel.related_model is not Fee and rel.on_delete.__name__ in ("PROTECT", "RESTRICT"):
                rel.related_model._base_manager.filter(**{rel.field.name + "__in": ids}).delete()
        Payment.objects.filter(pk__in=ids).delete()
        Fee.objects.filter(dossier_id__in=dossier_ids).delete()


# A one-page PDF the upload checker accepts (the same as tests/support/world.py's).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
