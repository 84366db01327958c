"""A small, realistic world for the security and browser tests, built through the apps' public
service functions (not their model internals where a service exists): two agencies, a
published procedure with a required document and a fee, a citizen who owns a dossier, a
foreign citizen, and one official per role in each agency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

PASSWORD = "correct-horse-battery-staple-2026"

# A minimal but well-formed PDF (one blank A4 page), readable by pypdf.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)

ROLES_OF_AGENCY = (
    "intake",
    "processing",
    "leader",
    "cashier",
    "catalog_editor",
    "catalog_publisher",
    "auditor",
    "volunteer",
)


def pdf_upload(name: str = "to-khai.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def verified_user(email: str, **fields):
    """A user who can log in with email + password (email verification is mandatory)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def official_user(*, role: str, agency, email: str):
    from django.contrib.auth.models import Group

    from identity.models import OfficialProfile

    user = verified_user(email, full_name=f"Cán bộ {role}", is_staff=True)
    OfficialProfile.objects.create(user=user, agency=agency, title=role)
    user.groups.add(Group.objects.get(name=role))
    return user


def ward_get(*, code: int = 29218, name: str = "Xã Thử Nghiệm"):
    from portal.models import Province, Ward

    province, _ = Province.objects.get_or_create(
        code=86, defaults={"name": "Vĩnh Long", "division_type": "tỉnh", "codename": "vinh_long"}
    )
    ward, _ = Ward.objects.get_or_create(
        code=code, defaults={"name": name, "division_type": "xã", "codename": f"ward_{code}", "province": province}
    )
    return ward


def agency_create(*, code: str, name: str, ward=None):
    from catalog.models import Agency

    fields = {"ward": ward, "province": ward.province} if ward is not None else {}
    return Agency.objects.create(code=code, name=name, level=Agency.Level.COMMUNE, **fields)


def procedure_publish_simple(*, agency, code: str = "9.000111", name: str = "Đăng ký khai sinh thử nghiệm", fee=50000):
    """A published procedure of `agency` with one mandatory document, one fee and a tiny e-form."""
    from catalog.models import FeeLine, Field, Procedure, RequiredDocument
    from catalog.services import procedure_publish

    field_obj, _ = Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(
        code=code,
        name=name,
        description="Thủ tục dùng cho kiểm thử.",
        field=field_obj,
        level=agency.level,
        online_level="full",
        processing_time_value=Decimal("3"),
        form_schema=[
            {
                "name": "child_name",
                "type": "text",
                "label": {"vi": "Họ và tên người được khai sinh", "en": "Child's full name"},
                "required": True,
            }
        ],
    )
    procedure.agencies.set([agency])
    RequiredDocument.objects.create(procedure=procedure, key="to-khai", name="Tờ khai đăng ký khai sinh")
    if fee:
        FeeLine.objects.create(procedure=procedure, name="Lệ phí đăng ký khai sinh", amount=Decimal(fee))
    return procedure_publish(procedure=procedure, by=None)


@dataclass
class World:
    agency: object
    other_agency: object
    version: object
    owner: object
    foreign: object
    superuser: object
    officials: dict[str, object] = field(default_factory=dict)  # role -> official of `agency`
    other_officials: dict[str, object] = field(default_factory=dict)  # role -> official of `other_agency`
    draft: object = None
    dossier: object = None  # submitted, received, with a result
    dossier_file: object = None
    issued: object = None
    personal_document: object = None
    receipt: object = None  # the fee e-receipt (payments), when payments has landed


def world_build(*, with_result: bool = True) -> World:
    """Build the world. Side effects queued with transaction.on_commit (PDFs, notifications)
    run too, also inside a test's rolled-back transaction."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        world = _world_build(with_result=with_result)
    if with_result:
        world.issued = world.dossier.issued_documents.order_by("pk").first()
        world.receipt = _fee_receipt(world.dossier)
    return world


def _fee_receipt(dossier):
    from payments.models import Receipt

    return Receipt.objects.filter(payment__dossier=dossier).first()


def _world_build(*, with_result: bool) -> World:
    from identity.roles import roles_sync

    roles_sync()
    home = ward_get(code=29218, name="Xã Thử Nghiệm")
    elsewhere = ward_get(code=29219, name="Xã Bên Cạnh")
    agency = agency_create(code="000.00.01.H62", name="UBND xã Thử Nghiệm", ward=home)
    other = agency_create(code="000.00.02.H62", name="UBND xã Bên Cạnh", ward=elsewhere)
    version = procedure_publish_simple(agency=agency)
    owner = verified_user(
        "owner@example.vn",
        full_name="Nguyễn Thị Chủ",
        personal_id="086190000111",
        date_of_birth=dt.date(1990, 1, 15),
        sex="F",
        identity_level=2,
        province=home.province,
        ward=home,
    )
    foreign = verified_user(
        "foreign@example.vn",
        full_name="Trần Văn Khác",
        personal_id="086090000222",
        date_of_birth=dt.date(1990, 3, 1),
        sex="M",
        identity_level=2,
        province=elsewhere.province,
        ward=elsewhere,
    )
    superuser = verified_user("root@example.vn", full_name="Quản trị", is_staff=True, is_superuser=True)
    world = World(agency=agency, other_agency=other, version=version, owner=owner, foreign=foreign, superuser=superuser)
    for role in ROLES_OF_AGENCY:
        world.officials[role] = official_user(role=role, agency=agency, email=f"{role}@a.example.vn")
        world.other_officials[role] = official_user(role=role, agency=other, email=f"{role}@b.example.vn")
    world.personal_document = _personal_document(owner)
    world.draft = _dossier(world, submit=False)
    world.dossier = _dossier(world, submit=True)
    if with_result:
        _process(world)
    return world


def _personal_document(owner):
    from identity.services import personal_document_add

    return personal_document_add(
        owner=owner, doc_type="birth_certificate", title="Giấy khai sinh", upload=pdf_upload("giay-khai-sinh.pdf")
    )


def _dossier(world: World, *, submit: bool):
    from dossiers import services

    dossier = services.dossier_draft_create(citizen=world.owner, procedure_version=world.version)
    dossier = services.dossier_draft_update(dossier=dossier, by=world.owner, form_data={"child_name": "Nguyễn Văn Bé"})
    row = services.dossier_file_add(dossier=dossier, by=world.owner, doc_key="to-khai", upload=pdf_upload())
    if submit:
        dossier = services.dossier_submit(dossier=dossier, by=world.owner)
        world.dossier_file = row
    return dossier


def _process(world: World) -> None:
    """Pay (counter), receive, approve with a result file: the dossier then has issued PDFs."""
    from dossiers import services
    from dossiers.models import Dossier

    dossier = world.dossier
    from payments.services import counter_payment_record

    counter_payment_record(dossier=dossier, cashier=world.officials["cashier"], method="cash", payer_name="Chủ")
    dossier = services.dossier_receive(dossier=dossier, by=world.officials["intake"])
    dossier = services.dossier_approve(
        dossier=dossier, by=world.officials["leader"], result_file=pdf_upload("ket-qua.pdf"), note="Đồng ý"
    )
    world.dossier = Dossier.objects.get(pk=dossier.pk)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # test-only secret


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP computed independently of allauth (HMAC-SHA1, 30 s, 6 digits)."""
    import base64
    import hashlib
    import hmac
    import struct
    import time

    counter = int((time.time() if at is None else at) // period)
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def totp_activate(user, secret: str = TOTP_SECRET) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    Authenticator.objects.update_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(secret)}}
    )


def client_for(user, **client_kwargs):
    """A test client logged in as `user`; staff and officials also pass the two-factor step, as
    after a real login with password + TOTP (every staff page requires it)."""
    from django.test import Client

    from tests.support.mfa import staff_login

    client = Client(**client_kwargs)
    return client if user is None else staff_login(client, user)


BIRTH_REGISTRATION_SCHEMA = [
    {
        "name": "applicant_full_name",
        "type": "text",
        "label": {"vi": "Họ và tên người đi đăng ký", "en": "Applicant's full name"},
        "required": True,
        "prefill": "identity.full_name",
    },
    {
        "name": "applicant_id",
        "type": "cccd",
        "label": {"vi": "Số định danh cá nhân của người đi đăng ký", "en": "Applicant's personal ID number"},
        "required": True,
        "prefill": "identity.personal_id",
    },
    {
        "name": "child_full_name",
        "type": "text",
        "label": {"vi": "Họ, chữ đệm, tên của trẻ", "en": "Child's full name"},
        "required": True,
    },
    {
        "name": "child_birth_date",
        "type": "date",
        "label": {"vi": "Ngày, tháng, năm sinh của trẻ", "en": "Child's date of birth"},
        "required": True,
    },
    {
        "name": "declaration",
        "type": "checkbox",
        "label": {
            "vi": "Tôi cam đoan những nội dung khai trên đây là đúng sự thật.",
            "en": "I declare that the above is true.",
        },
        "required": True,
    },
]


@dataclass
class JourneyWorld:
    agency: object
    version: object
    resident: object  # the sandbox e-ID resident the citizen logs in as
    officials: dict[str, object] = field(default_factory=dict)


def journey_world(*, fee: int = 8000) -> JourneyWorld:
    """The catalog and the people of the browser journeys (no dossiers yet): a commune that
    handles birth registration with a fee due before intake, its officials (each with two-factor
    set up with TOTP_SECRET) and a level-2 sandbox resident who has no account yet."""
    from catalog.models import FeeLine, Field, Procedure, RequiredDocument
    from catalog.services import procedure_publish
    from identity.models import SandboxResident
    from identity.roles import roles_sync

    roles_sync()
    ward = ward_get()
    agency = agency_create(code="000.00.21.H62", name="UBND xã Phú Thuận", ward=ward)
    field_obj, _ = Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(
        code="1.001193",
        name="Đăng ký khai sinh",
        description="Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam.",
        field=field_obj,
        level=agency.level,
        online_level="full",
        processing_time_value=Decimal("1"),
        min_eid_level=1,
        form_schema=[dict(f) for f in BIRTH_REGISTRATION_SCHEMA],
        result_description="Giấy khai sinh (bản chính và bản điện tử).",
    )
    procedure.agencies.set([agency])
    RequiredDocument.objects.create(procedure=procedure, key="giay-chung-sinh", name="Giấy chứng sinh", mandatory=True)
    if fee:
        FeeLine.objects.create(procedure=procedure, name="Lệ phí đăng ký khai sinh", amount=Decimal(fee))
    version = procedure_publish(procedure=procedure, by=None)
    resident = SandboxResident.objects.create(
        personal_id="086192004321",
        full_name="Lê Thị Hoa",
        date_of_birth=dt.date(1992, 4, 18),
        sex="F",
        ward=ward,
        address_line="Số 12 đường Nguyễn Huệ",
        phone="0912345678",
        eid_level=2,
    )
    world = JourneyWorld(agency=agency, version=version, resident=resident)
    for role in ROLES_OF_AGENCY:
        official = official_user(role=role, agency=agency, email=f"{role}@example.vn")
        totp_activate(official)
        world.officials[role] = official
    return world
