import datetime as dt

import factory
from django.contrib.auth.models import Group

from catalog.models import Agency
from identity import roles
from identity.models import OfficialProfile, PersonalDocument, SandboxResident, User
from portal.kernel.cccd import cccd_gender_digit


def cccd_number(*, province="086", sex="M", birth=dt.date(1990, 1, 15), serial=1) -> str:
    return f"{province}{cccd_gender_digit(sex=sex, birth_year=birth.year)}{birth.year % 100:02d}{serial:06d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.00.{n:02d}.H57")
    name = factory.Sequence(lambda n: f"Cơ quan thử {n}")
    level = Agency.Level.PROVINCE


def official(*, role: str, agency: Agency, email: str | None = None, **fields) -> User:
    if not Group.objects.filter(name=role).exists():
        roles.roles_sync()
    user = UserFactory(email=email or f"{role}-{agency.pk}-{User.objects.count()}@gov.test", is_staff=True, **fields)
    OfficialProfile.objects.create(user=user, agency=agency)
    user.groups.add(Group.objects.get(name=role))
    return user


class SandboxResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SandboxResident

    full_name = factory.Sequence(lambda n: f"Lê Thị Mẫu {n}")
    sex = "F"
    date_of_birth = dt.date(1992, 6, 1)
    personal_id = factory.Sequence(lambda n: cccd_number(sex="F", birth=dt.date(1992, 6, 1), serial=500 + n))
    eid_level = 2


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG_BYTES = _png()
PDF_BYTES = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class PersonalDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalDocument

    owner = factory.SubFactory(UserFactory)
    doc_type = "birth_certificate"
    title = "Giấy khai sinh"
    file = factory.django.FileField(filename="doc.pdf", data=PDF_BYTES)
    content_type = "application/pdf"
    size = len(PDF_BYTES)
