"""The payments app wired into the real dossier lifecycle (dossiers.services): fee rows at
submission, intake blocked until paid with a clear message, refund on refusal."""

import pytest

from payments import services
from payments.models import Fee, Refund
from tests.catalog.factories import AgencyFactory, ProcedureVersionFactory
from tests.identity.factories import UserFactory, official

from .factories import fee_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_dossier_pdfs(monkeypatch):
    import dossiers.issued_pdfs as issued_pdfs

    monkeypatch.setattr(issued_pdfs, "pdf_render", lambda *, template_name, context: b"%PDF-1.4 stub")


def _snapshot(agency, **kwargs):
    snap = fee_snapshot(**kwargs)
    snap.update(
        {
            "agencies": [{"id": agency.pk, "code": agency.code, "name": agency.name}],
            "documents": [],
            "form_schema": [],
            "processing_time": {"value": "3", "unit": "working_days"},
            "channels": ["online", "counter"],
            "min_eid_level": 1,
            "is_bundle": False,
            "bundle_parts": [],
        }
    )
    return snap


def _applicant(draft):
    from dossiers.models import Dossier

    Dossier.objects.filter(pk=draft.pk).update(applicant={"full_name": "Nguyễn Văn An", "personal_id": "079090001234"})
    draft.refresh_from_db()


@pytest.fixture
def submitted(django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    agency = AgencyFactory()
    pv = ProcedureVersionFactory(snapshot=_snapshot(agency))
    pv.agencies.add(agency)
    citizen = UserFactory()
    draft = dossier_services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    _applicant(draft)
    return dossier_services.dossier_submit(dossier=draft, by=citizen)


def test_submission_creates_fee_and_intake_waits_for_payment(submitted, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    assert [f.amount for f in Fee.objects.filter(dossier=submitted)] == [135000]
    intake = official(submitted.agency, "intake")
    with pytest.raises(dossier_services.DossierActionError, match=r"chưa nộp phí, lệ phí \(135\.000 đồng\)") as exc:
        dossier_services.dossier_receive(dossier=submitted, by=intake)
    assert "chưa nộp phí, lệ phí (135.000 đồng)" in str(exc.value)

    services.counter_payment_record(dossier=submitted, cashier=official(submitted.agency, "cashier"), method="cash")
    received = dossier_services.dossier_receive(dossier=submitted, by=intake)
    assert received.status == "in_processing"

    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_refuse(
            dossier=received, by=official(submitted.agency, "leader"), reason="Không đủ điều kiện"
        )
    assert Refund.objects.get(payment__dossier=submitted).status == "pending"  # counter: cashier hands it back


def test_free_dossier_is_received_without_payment():
    from dossiers import services as dossier_services

    agency = AgencyFactory()
    pv = ProcedureVersionFactory(snapshot=_snapshot(agency, fees=[]))
    pv.agencies.add(agency)
    citizen = UserFactory()
    draft = dossier_services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    _applicant(draft)
    d = dossier_services.dossier_submit(dossier=draft, by=citizen)
    assert not Fee.objects.filter(dossier=d).exists()
    assert dossier_services.dossier_receive(dossier=d, by=official(agency, "intake")).status == "in_processing"
