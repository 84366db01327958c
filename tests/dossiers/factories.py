"""Factories for the dossier tests: a small catalog (agencies, a published procedure version
with a tiny e-form schema), citizens and officials."""

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from catalog.models import Agency, Field, Procedure, ProcedureVersion
from identity.models import OfficialProfile, User
from identity.roles import roles_sync

SCHEMA = [
    {"name": "reason", "type": "text", "label": {"vi": "Lý do", "en": "Reason"}, "required": True},
    {"name": "full_name", "type": "text", "label": {"vi": "Họ tên", "en": "Name"}, "prefill": "identity.full_name"},
]


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    # Never one of the fixtures' codes (000.00.31.H57, 000.00.32.H57), whatever ran before.
    code = factory.Sequence(lambda n: f"000.{n:02d}.99.H57")
    name = factory.Sequence(lambda n: f"UBND xã Số {n}")
    level = Agency.Level.COMMUNE


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = "ho-tich"
    name = "Hộ tịch"


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"citizen{n}@example.vn")
    full_name = "Nguyễn Thị Hằng"
    personal_id = factory.Sequence(lambda n: f"0863{n % 10}{n:07d}")
    date_of_birth = dt.date(1990, 5, 17)
    sex = "F"
    phone = "0912345678"
    address_line = "12 Đường Phạm Thái Bường"
    identity_level = 2
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


def official(agency, *roles, email=None) -> User:
    roles_sync()
    user = User.objects.create_user(
        email or f"{'-'.join(roles)}.{agency.pk}.{User.objects.count()}@example.vn",
        "pw-for-tests-123",
        is_staff=True,
        full_name="Trần Văn Bình",
    )
    OfficialProfile.objects.create(user=user, agency=agency)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)


def snapshot_for(*, code, name, agencies, documents=None, schema=None, processing=("5", "working_days"), **extra):
    return {
        "code": code,
        "name": name,
        "description": "",
        "requirements": "",
        "field": {"code": "ho-tich", "name": "Hộ tịch"},
        "level": "commune",
        "online_level": "full",
        "channels": ["online", "counter"],
        "processing_time": {"value": processing[0], "unit": processing[1]},
        "result_description": "Giấy xác nhận",
        "legal_basis": "",
        "min_eid_level": extra.pop("min_eid_level", 1),
        "fee_timing": "before_result",
        "refund_on_refusal": True,
        "agencies": [{"id": a.pk, "code": a.code, "name": a.name} for a in agencies],
        "documents": documents
        if documents is not None
        else [
            {
                "key": "to-khai",
                "name": "Tờ khai",
                "description": "",
                "form": "original",
                "copies": 1,
                "mandatory": True,
                "template_url": "",
                "reusable_kinds": [],
            }
        ],
        "fees": [],
        "form_schema": schema if schema is not None else SCHEMA,
        "is_bundle": False,
        "bundle_parts": [],
        **extra,
    }


def version(*, code="1.000001", name="Xác nhận tình trạng hôn nhân", agencies=None, **kwargs) -> ProcedureVersion:
    agencies = agencies or [AgencyFactory()]
    field = FieldFactory()
    procedure, _created = Procedure.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "field": field,
            "level": "commune",
            "online_level": "full",
            "processing_time_value": 5,
        },
    )
    snap = snapshot_for(code=code, name=name, agencies=agencies, **kwargs)
    number = procedure.versions.count() + 1
    procedure.versions.filter(status="published").update(status="superseded")
    pv = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        status="published",
        published_at=timezone.now(),
        snapshot=snap,
        code=code,
        name=name,
        search_name=name.lower(),
        field=field,
        level="commune",
        online_level="full",
    )
    pv.agencies.set(agencies)
    return pv


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


PNG_BYTES = _png()
