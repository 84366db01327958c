"""Factories of the dossiers' models, and `version()`: a published procedure version with a
tiny e-form schema. Agencies, procedures, citizens and officials come from their apps' factories
(re-exported here for the dossier tests)."""

import factory
from django.utils import timezone

from catalog.models import Procedure, ProcedureVersion
from dossiers.models import Dossier
from tests.catalog.factories import AgencyFactory, FieldFactory, ProcedureVersionFactory
from tests.identity.factories import CitizenFactory, UserFactory, official
from tests.support.images import PNG_BYTES
from tests.support.world import PDF_BYTES

__all__ = ["PDF_BYTES", "PNG_BYTES", "AgencyFactory", "CitizenFactory", "DossierFactory", "official", "version"]

SCHEMA = [
    {"name": "reason", "type": "text", "label": {"vi": "Lý do", "en": "Reason"}, "required": True},
    {"name": "full_name", "type": "text", "label": {"vi": "Họ tên", "en": "Name"}, "prefill": "identity.full_name"},
]


class DossierFactory(factory.django.DjangoModelFactory):
    """A submitted dossier on a procedure version whose snapshot the test gives."""

    class Meta:
        model = Dossier

    code = factory.Sequence(lambda n: f"000.00.31.H57-261122-{n:04d}")
    status = "submitted"
    citizen = factory.SubFactory(UserFactory)
    procedure_version = factory.SubFactory(ProcedureVersionFactory)
    agency = factory.SubFactory(AgencyFactory)
    applicant = factory.LazyAttribute(lambda o: {"full_name": o.citizen.full_name})
    submitted_at = factory.LazyFunction(timezone.now)


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
        # One-step approval unless a test says otherwise (tests/dossiers/test_lifecycle.py walks the sign-off).
        "needs_signoff": extra.pop("needs_signoff", False),
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
    field = FieldFactory(code="ho-tich", name="Hộ tịch")
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
