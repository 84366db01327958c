from decimal import Decimal

import factory

from catalog.models import Agency, FeeLine, Field, Procedure, RequiredDocument
from portal.models import Province, Ward


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = 86
    name = "Vĩnh Long"
    division_type = "tỉnh"
    codename = "vinh_long"


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward
        django_get_or_create = ("code",)

    code = 28789
    name = "Phường Bến Tre"
    division_type = "phường"
    codename = factory.Sequence(lambda n: f"ward_{n}")
    province = factory.SubFactory(ProvinceFactory)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.{n:02d}.31.H62")
    name = factory.Sequence(lambda n: f"Sở số {n} tỉnh Vĩnh Long")
    level = Agency.Level.PROVINCE


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"field-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


SIMPLE_SCHEMA = [
    {
        "name": "full_name",
        "type": "text",
        "label": {"vi": "Họ và tên", "en": "Full name"},
        "required": True,
        "prefill": "identity.full_name",
        "validation": {"max_length": 100},
    }
]


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục mẫu số {n}")
    description = "Mô tả thủ tục."
    field = factory.SubFactory(FieldFactory)
    level = Agency.Level.PROVINCE
    online_level = "full"
    processing_time_value = Decimal("15")
    form_schema = factory.LazyFunction(lambda: [dict(f) for f in SIMPLE_SCHEMA])

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if not create:
            return
        self.agencies.set(extracted if extracted is not None else [AgencyFactory()])


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    key = factory.Sequence(lambda n: f"doc-{n}")
    name = "Tờ khai"


class FeeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeLine

    procedure = factory.SubFactory(ProcedureFactory)
    name = "Lệ phí"
    amount = Decimal("50000")
