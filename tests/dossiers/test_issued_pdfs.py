import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from dossiers import services
from dossiers.issued_pdfs import issued_document_create
from dossiers.models import IssuedDocument

from .factories import official

pytestmark = pytest.mark.django_db


def _text(doc) -> str:
    doc.file.open("rb")
    reader = PdfReader(io.BytesIO(doc.file.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.usefixtures("real_pdf")
def test_intake_receipt_pdf_has_code_name_and_appointment(submitted, intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_receive(dossier=submitted, by=intake)
    receipt = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RECEIPT)
    text = _text(receipt)
    assert d.code in text.replace("\n", "")
    assert "Nguyễn Thị Hằng" in text
    assert timezone.localtime(d.due_at).strftime("%d/%m/%Y") in text
    reader = PdfReader(io.BytesIO(receipt.file.open("rb").read()))
    width_mm = float(reader.pages[0].mediabox.width) * 25.4 / 72
    assert 145 < width_mm < 151  # A5


@pytest.mark.usefixtures("real_pdf")
def test_forms_02_to_04_and_result_render(received, processor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_request_supplement(dossier=received, by=processor, missing="Bản sao sổ hộ khẩu")
    text = _text(IssuedDocument.objects.get(dossier=d, kind="supplement"))
    assert "Bản sao sổ hộ khẩu" in text
    from dossiers.models import Dossier, Status

    Dossier.objects.filter(pk=d.pk).update(status=Status.IN_PROCESSING)
    new_due = timezone.localtime(d.due_at).date() + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_extend(dossier=d, by=processor, new_due=new_due, reason="Chờ xác minh")
        d = services.dossier_refuse(dossier=d, by=processor, reason="Không đủ điều kiện")
    assert new_due.strftime("%d/%m/%Y") in _text(IssuedDocument.objects.get(dossier=d, kind="apology"))
    assert "Không đủ điều kiện" in _text(IssuedDocument.objects.get(dossier=d, kind="refusal"))


def test_generation_is_idempotent_and_regenerable(received, intake, django_capture_on_commit_callbacks):
    event = received.events.get(action="receive")
    first = issued_document_create(dossier_id=received.pk, kind="receipt", event_id=event.pk)
    name = first.file.name
    again = issued_document_create(dossier_id=received.pk, kind="receipt", event_id=event.pk)
    assert again.pk == first.pk and again.file.name == name
    assert IssuedDocument.objects.filter(dossier=received).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.issued_document_regenerate(issued=first, by=intake)
    first.refresh_from_db()
    assert IssuedDocument.objects.filter(dossier=received).count() == 1
    outsider = official(__import__("tests.dossiers.factories", fromlist=["x"]).AgencyFactory(code="Z.9"), "intake")
    with pytest.raises(services.DossierActionError, match=r"Bạn không có quyền .+ hồ sơ này"):
        services.issued_document_regenerate(issued=first, by=outsider)


def test_receipt_keeps_its_first_appointment_after_an_extension(received, processor):
    from dossiers.issued_pdfs import issued_document_context

    first_due = timezone.localtime(received.due_at)
    new_due = first_due.date() + dt.timedelta(days=10)
    d = services.dossier_extend(dossier=received, by=processor, new_due=new_due, reason="Cần xác minh")
    receipt_event = d.events.get(action="receive")
    apology_event = d.events.get(action="extend")
    assert issued_document_context(dossier=d, event=receipt_event)["due_at"] == first_due
    assert issued_document_context(dossier=d, event=apology_event)["due_at"].date() == new_due
