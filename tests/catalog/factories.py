"""Factories of the catalog's models (agencies, fields, procedures and their versions); other
apps' tests import them from here."""

from decimal import Decimal

import factory
from django.utils import timezone

from catalog.models import Agency, FeeLine, Field, Procedure, ProcedureVersion, RequiredDocument
from portal.kernel.text import text_fold


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    # Never one of the fixtures' or demo codes (000.00.31.H57, 000.00.32.H57, 000.00.02.H62, …),
    # whatever ran before.
    # Always of the AAA.BB.CC.DDD shape (catalog.models.AGENCY_CODE_RE), however many are made.
    code = factory.Sequence(lambda n: f"{n // 100:03d}.{n % 100:02d}.99.H57")
    name = factory.Sequence(lambda n: f"UBND xã Số {n}")
    level = Agency.Level.COMMUNE


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


class ProcedureVersionFactory(factory.django.DjangoModelFactory):
    """A published version whose snapshot the test gives (default: code and name, no fees)."""

    class Meta:
        model = ProcedureVersion

    procedure = factory.SubFactory(ProcedureFactory)
    number = 1
    published_at = factory.LazyFunction(timezone.now)
    snapshot = factory.LazyAttribute(lambda o: {"code": o.procedure.code, "name": o.procedure.name, "fees": []})
    code = factory.SelfAttribute("procedure.code")
    name = factory.SelfAttribute("procedure.name")
    search_name = factory.LazyAttribute(lambda o: text_fold(o.name).lower())
    field = factory.SelfAttribute("procedure.field")
    level = factory.SelfAttribute("procedure.level")
    online_level = factory.SelfAttribute("procedure.online_level")


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
