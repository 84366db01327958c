import datetime as dt

import factory
from django.contrib.auth.models import Group

from catalog.models import Agency
from identity import roles
from identity.models import OfficialProfile, PersonalDocument, SandboxResident, User
from portal.kernel.cccd import cccd_gender_digit
from tests.support.world import PDF_BYTES


def cccd_number(*, province="086", sex="M", birth=dt.date(1990, 1, 15), serial=1) -> str:
    return f"{province}{cccd_gender_digit(sex=sex, birth_year=birth.year)}{birth.year % 100:02d}{serial:06d}"


PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    """A citizen verified at level 2 with a full profile (personal ID, birth date, address)."""

    email = factory.Sequence(lambda n: f"citizen{n}@example.vn")
    full_name = "Nguyễn Thị Hằng"
    # A structurally valid number for a woman born in 1990 (portal/kernel/cccd.py).
    personal_id = factory.Sequence(lambda n: f"086190{(n + 500000) % 1000000:06d}")
    date_of_birth = dt.date(1990, 5, 17)
    sex = "F"
    phone = "0912345678"
    address_line = "12 Đường Phạm Thái Bường"
    identity_level = 2
    verified_via = "eid"
    personal_id_source = "eid"


def official(agency: Agency, *role_names: str, email: str | None = None, **fields) -> User:
    """A staff user of `agency` holding `role_names` (groups from identity.roles)."""
    if Group.objects.filter(name__in=role_names).count() != len(set(role_names)):
        roles.roles_sync()
    user = UserFactory(
        email=email or f"{'-'.join(role_names) or 'staff'}.{agency.pk}.{User.objects.count()}@example.vn",
        is_staff=True,
        **fields,
    )
    OfficialProfile.objects.create(user=user, agency=agency)
    user.groups.add(*Group.objects.filter(name__in=role_names))
    return User.objects.get(pk=user.pk)  # a fresh permission cache


class SandboxResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SandboxResident

    full_name = factory.Sequence(lambda n: f"Lê Thị Mẫu {n}")
    sex = "F"
    date_of_birth = dt.date(1992, 6, 1)
    personal_id = factory.Sequence(lambda n: cccd_number(sex="F", birth=dt.date(1992, 6, 1), serial=500 + n))
    eid_level = 2


class PersonalDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalDocument

    owner = factory.SubFactory(UserFactory)
    doc_type = "birth_certificate"
    title = "Giấy khai sinh"
    file = factory.django.FileField(filename="doc.pdf", data=PDF_BYTES)
    content_type = "application/pdf"
    size = len(PDF_BYTES)
