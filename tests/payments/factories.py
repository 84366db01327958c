"""Factories for the payments tests: a submitted dossier with a procedure snapshot we build
here, so the tests do not depend on the dossiers services."""

import factory
from django.utils import timezone

from catalog.models import Agency, Field, Procedure, ProcedureVersion
from dossiers.models import Dossier
from identity.models import OfficialProfile, User


def fee_snapshot(fees=(("Lệ phí cấp bản sao trích lục", "fee", "135000"),), timing="before_intake", refund=True):
    return {
        "code": "1.000001",
        "name": "Cấp bản sao trích lục hộ tịch",
        "fees": [{"name": n, "kind": k, "amount": a, "note": ""} for n, k, a in fees],
        "fee_timing": timing,
        "refund_on_refusal": refund,
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    password = factory.django.Password("pw-for-tests-123")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.00.{n:02d}.H57")
    name = factory.Sequence(lambda n: f"UBND xã Số {n}")
    level = Agency.Level.COMMUNE


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = "ho-tich"
    name = "Hộ tịch"


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    code = factory.Sequence(lambda n: f"1.{n:06d}")
    name = "Cấp bản sao trích lục hộ tịch"
    field = factory.SubFactory(FieldFactory)
    level = Agency.Level.COMMUNE
    online_level = "full"
    processing_time_value = 1


class ProcedureVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureVersion

    procedure = factory.SubFactory(ProcedureFactory)
    number = 1
    published_at = factory.LazyFunction(timezone.now)
    snapshot = factory.LazyFunction(fee_snapshot)
    code = factory.SelfAttribute("procedure.code")
    name = factory.SelfAttribute("procedure.name")
    search_name = "cap ban sao trich luc ho tich"
    field = factory.SelfAttribute("procedure.field")
    level = Agency.Level.COMMUNE
    online_level = "full"


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier

    code = factory.Sequence(lambda n: f"000.00.31.H57-261122-{n:04d}")
    status = "submitted"
    citizen = factory.SubFactory(UserFactory)
    procedure_version = factory.SubFactory(ProcedureVersionFactory)
    agency = factory.SubFactory(AgencyFactory)
    applicant = factory.LazyAttribute(lambda o: {"full_name": o.citizen.full_name})
    submitted_at = factory.LazyFunction(timezone.now)


def official(agency, *, role="cashier", **kwargs) -> User:
    from django.contrib.auth.models import Group

    from identity.roles import roles_sync

    roles_sync()
    user = UserFactory(is_staff=True, **kwargs)
    OfficialProfile.objects.create(user=user, agency=agency)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)
