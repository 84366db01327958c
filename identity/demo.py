"""Demo data of the identity app: sandbox residents, demo citizens and officials for every role
in two agencies, and the catalog's demo staff. Idempotent; run after the catalog demo (it needs
its agencies)."""

from __future__ import annotations

import datetime as dt
import io
import random

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt, encrypt
from django.core.files.base import ContentFile

from portal.kernel.cccd import cccd_gender_digit
from portal.models import Province, Ward

from . import roles
from .models import OfficialProfile, PersonalDocument, SandboxResident, User
from .services import personal_document_add

# Demo only: every demo official's TOTP secret, so testers (and browser tests) can compute codes.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo data only)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Võ",
    "Phan",
    "Trương",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_M = ["Văn", "Hữu", "Minh", "Quốc", "Thanh", "Đức", "Công", "Hoàng"]
MIDDLE_F = ["Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu", "Bích", "Hồng"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khang",
    "Long",
    "Nam",
    "Phúc",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Tuấn",
    "Vinh",
]
GIVEN_F = [
    "Anh",
    "Châu",
    "Diễm",
    "Giang",
    "Hạnh",
    "Hoa",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Thảo",
    "Trang",
    "Vy",
]
STREETS = [
    "Ấp Phước Hòa",
    "Ấp Tân Thuận",
    "Khóm 2",
    "Khóm 5",
    "Số 12 đường 3 Tháng 2",
    "Số 45 đường Phạm Thái Bường",
    "Số 8 đường Nguyễn Huệ",
    "Ấp Long Hòa",
    "Ấp Bình Thạnh",
    "Số 101 đường Trần Phú",
]
# Pre-2025 provinces merged into today's Vĩnh Long: Vĩnh Long, Bến Tre, Trà Vinh.
BIRTH_PROVINCES = ["086", "086", "083", "084"]

CITIZEN2_ID = "086190001234"


def _residents(wards: list[Ward]) -> list[dict]:
    rng = random.Random(20260701)  # noqa: S311 (deterministic demo data)
    rows = []
    seen = set()
    for index in range(60):
        sex = "F" if index % 2 else "M"
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 58))
        name = " ".join(
            [
                rng.choice(FAMILY),
                rng.choice(MIDDLE_F if sex == "F" else MIDDLE_M),
                rng.choice(GIVEN_F if sex == "F" else GIVEN_M),
            ]
        )
        while True:
            number = (
                rng.choice(BIRTH_PROVINCES)
                + cccd_gender_digit(sex=sex, birth_year=birth.year)
                + f"{birth.year % 100:02d}"
                + f"{rng.randrange(0, 10**6):06d}"
            )
            if number not in seen and number != CITIZEN2_ID:
                seen.add(number)
                break
        rows.append(
            {
                "personal_id": number,
                "full_name": name,
                "date_of_birth": birth,
                "sex": sex,
                "ward": wards[index % len(wards)] if wards else None,
                "address_line": rng.choice(STREETS),
                "phone": f"09{rng.randrange(10**7, 10**8)}",
                "eid_level": 1 if index % 10 == 9 else 2,
            }
        )
    rows.insert(
        0,
        {
            "personal_id": CITIZEN2_ID,
            "full_name": "Trần Thị Bích Ngọc",
            "date_of_birth": dt.date(1990, 3, 14),
            "sex": "F",
            "ward": wards[0] if wards else None,
            "address_line": "Số 27 đường Lê Lợi",
            "phone": "0918123456",
            "eid_level": 2,
        },
    )
    return rows


def _vinh_long_wards() -> list[Ward]:
    province = Province.objects.filter(name__icontains="Vĩnh Long").first()
    if province is None:
        return []
    return list(Ward.objects.filter(province=province).order_by("code"))


def _mark_email_verified(user: User) -> None:
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


def _user(email: str, password: str, **fields) -> User:
    user, _created = User.objects.update_or_create(email=email, defaults=fields)
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    _mark_email_verified(user)
    return user


def _demo_totp(user: User) -> None:
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None and decrypt(existing.data.get("secret", "")) == DEMO_TOTP_SECRET:
        return
    if existing is not None:
        existing.delete()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(DEMO_TOTP_SECRET)})


def _catalog_staff(password: str) -> list[tuple[str, str]]:
    """The catalog's demo staff (catalog.demo.ACCOUNTS), at their agencies once the catalog
    demo made them."""
    from django.contrib.auth.models import Group

    from catalog.demo import ACCOUNTS
    from catalog.selectors import agency_by_code

    rows = []
    for email, name, role, agency_code, title, superuser in ACCOUNTS:
        agency = agency_by_code(code=agency_code)
        if agency is None:
            continue
        user = _user(email, password, full_name=name, is_staff=True, is_superuser=superuser)
        OfficialProfile.objects.update_or_create(user=user, defaults={"agency": agency, "title": title})
        user.groups.set([Group.objects.get(name=role)] if role else [])
        _demo_totp(user)
        label = "superuser" if superuser else f"official: {roles.ROLE_LABELS[role]}"
        rows.append((email, f"{label} — {title}"))
    return rows


def _pick_agencies():
    """A province-level agency (the one with the most fee-free published procedures) and a
    commune-level one (preferably a commune People's Committee), chosen deterministically."""
    from django.db.models import Count, Q

    from catalog.models import Agency

    active = Agency.objects.filter(is_active=True).order_by("code")
    provincial = active.filter(level=Agency.Level.PROVINCE)
    # The provincial agency with the most published fee-free procedures (demo dossiers can go
    # through intake without a payment there), so that its demo officials have a real queue;
    # the service centre when nothing is published yet.
    published = Q(procedure_versions__status="published")
    busiest = (
        provincial.annotate(
            free=Count("procedure_versions", filter=published & Q(procedure_versions__total_fee=0)),
            total=Count("procedure_versions", filter=published),
        )
        .filter(total__gt=0)
        .order_by("-free", "-total", "code")
        .first()
    )
    first = busiest or provincial.filter(name__icontains="hành chính công").first() or provincial.first()
    communal = active.filter(level=Agency.Level.COMMUNE)
    second = (
        communal.filter(name__icontains="Ủy ban").first()
        or communal.filter(name__icontains="UBND").first()
        or communal.first()
    )
    if second is None and first is not None:
        second = active.exclude(pk=first.pk).first()
    return first, second


def _sample_png(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 380), "#f4f1e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 590, 370], outline="#b01c1f", width=4)
    draw.text((30, 40), text, fill="#1f2a37")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _sample_pdf(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(image).text((60, 80), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PDF")
    return buffer.getvalue()


def _demo_documents(user: User, resident: SandboxResident) -> None:
    samples = [
        (
            "cccd",
            "Căn cước công dân",
            resident.personal_id,
            "Cục Cảnh sát QLHC về TTXH",
            dt.date(2021, 5, 20),
            "png",
            True,
        ),
        ("birth_certificate", "Giấy khai sinh", "125/1990", "UBND xã Tân Ngãi", dt.date(1990, 3, 20), "pdf", True),
        (
            "diploma",
            "Bằng tốt nghiệp đại học",
            "QH-2012-0451",
            "Trường Đại học Cần Thơ",
            dt.date(2012, 7, 1),
            "pdf",
            False,
        ),
    ]
    for doc_type, title, number, issuer, issued_on, kind, verified in samples:
        if PersonalDocument.objects.filter(owner=user, doc_type=doc_type, title=title).exists():
            continue
        content = _sample_png(f"{title} - {number}") if kind == "png" else _sample_pdf(f"{title} - {number}")
        upload = ContentFile(content, name=f"{doc_type}.{kind}")
        personal_document_add(
            owner=user,
            doc_type=doc_type,
            title=title,
            upload=upload,
            number=number,
            issuer=issuer,
            issued_on=issued_on,
            source=PersonalDocument.Source.PORTAL if verified else PersonalDocument.Source.UPLOAD,
        )


OFFICIAL_ROLES = [
    (roles.INTAKE, "intake", "Cán bộ tiếp nhận"),
    (roles.PROCESSING, "processing", "Chuyên viên xử lý"),
    (roles.LEADER, "leader", "Lãnh đạo phê duyệt"),
    (roles.CASHIER, "cashier", "Cán bộ thu phí"),
    (roles.AUDITOR, "auditor", "Cán bộ kiểm tra"),
    (roles.VOLUNTEER, "volunteer", "Tình nguyện viên"),
]
OFFICIAL_NAMES = ["Lê Minh Tâm", "Phạm Thu Hà", "Võ Quốc Bảo", "Nguyễn Thị Lệ", "Huỳnh Thanh Sang", "Đoàn Ngọc Yến"]


def seed(*, password: str, stdout) -> list[tuple[str, str]]:
    from django.contrib.auth.models import Group

    roles.roles_sync()
    wards = _vinh_long_wards()
    residents = []
    for row in _residents(wards):
        resident, _created = SandboxResident.objects.update_or_create(personal_id=row.pop("personal_id"), defaults=row)
        residents.append(resident)
    stdout.write(f"Sandbox residents: {SandboxResident.objects.count()}.")

    accounts: list[tuple[str, str]] = _catalog_staff(password)
    province = Province.objects.filter(name__icontains="Vĩnh Long").first()
    _user(
        "citizen1@example.vn",
        password,
        full_name="Nguyễn Văn An",
        phone="0912345678",
        province=province,
        ward=wards[1] if len(wards) > 1 else None,
        address_line="Ấp Phước Hòa",
        identity_level=User.Level.LEVEL_1,
    )
    accounts.append(("citizen1@example.vn", "citizen, identity level 1"))

    from .eid import eid_issuer
    from .sandbox_eid import subject_for

    resident = residents[0]
    citizen2 = _user(
        "citizen2@example.vn",
        password,
        full_name=resident.full_name,
        personal_id=resident.personal_id,
        date_of_birth=resident.date_of_birth,
        sex=resident.sex,
        phone=resident.phone,
        province=resident.ward.province if resident.ward else province,
        ward=resident.ward,
        address_line=resident.address_line,
        identity_level=User.Level.LEVEL_2,
        verified_via=User.VerifiedVia.EID,
        personal_id_source=User.PersonalIdSource.EID,
        eid_issuer=eid_issuer(),
        eid_subject=subject_for(resident),
    )
    if citizen2.verified_at is None:
        from django.utils import timezone

        citizen2.verified_at = timezone.now()
        citizen2.save(update_fields=["verified_at"])
    _demo_documents(citizen2, resident)
    accounts.append(("citizen2@example.vn", f"citizen, level 2 (VNeID sandbox resident {resident.personal_id})"))

    first, second = _pick_agencies()
    if second is not None and second.ward_id:
        # citizen1 lives in the commune of the second demo agency (its officials' territory)
        User.objects.filter(email="citizen1@example.vn").update(ward=second.ward, province_id=second.ward.province_id)
    if first is None:
        stdout.write("No agencies yet (run the catalog demo first): demo officials skipped.")
        return accounts
    for suffix, agency in (("", first), ("2", second)):
        if agency is None:
            continue
        for (role, local, title), name in zip(OFFICIAL_ROLES, OFFICIAL_NAMES, strict=True):
            email = f"{local}{suffix}@example.vn"
            official = _user(email, password, full_name=name, is_staff=True, identity_level=User.Level.LEVEL_1)
            OfficialProfile.objects.update_or_create(user=official, defaults={"agency": agency, "title": title})
            official.groups.set([Group.objects.get(name=role)])
            _demo_totp(official)
            accounts.append((email, f"official: {role}, {agency.short_name or agency.name}, two-factor required"))
    stdout.write(f"Demo officials' TOTP secret (demo only): {DEMO_TOTP_SECRET}")
    return accounts
