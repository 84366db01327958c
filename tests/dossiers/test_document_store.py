"""A signed electronic result goes to the citizen's document store as a reusable document of the
kind the catalog names; a later dossier that needs that kind offers it first, and the official
sees it is the signed original (signature checked), not an upload."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import services
from dossiers.models import DossierFile, IssuedDocument
from identity.models import PersonalDocument
from tests.support.mfa import staff_login

from .factories import PDF_BYTES, version

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_pdf")]

STORE_DOC = {
    "key": "giay-khai-sinh",
    "name": "Giấy khai sinh của trẻ (bản điện tử)",
    "description": "",
    "form": "original",
    "copies": 1,
    "mandatory": False,
    "template_url": "",
    "reusable_kinds": ["store:birth_extract"],
}


def _birth_registration_life(*, agency, citizen, intake, processor, leader, capture):
    pv = version(
        code="1.001193",
        name="Đăng ký khai sinh",
        agencies=[agency],
        needs_signoff=True,
        result_doc_type="birth_extract",
    )
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Khai sinh cho con"})
    services.dossier_file_add(
        dossier=draft, by=citizen, doc_key="to-khai", upload=SimpleUploadedFile("tk.pdf", PDF_BYTES, "application/pdf")
    )
    with capture(execute=True):
        d = services.dossier_submit(dossier=draft, by=citizen)
    with capture(execute=True):
        d = services.dossier_act(dossier=d, by=intake, action="receive")
    with capture(execute=True):
        d = services.dossier_act(
            dossier=d,
            by=processor,
            action="propose_approve",
            result_file=SimpleUploadedFile("giay-khai-sinh.pdf", PDF_BYTES, "application/pdf"),
        )
    assert not PersonalDocument.objects.filter(owner=citizen).exists()  # not before the head signs
    with capture(execute=True):
        d = services.dossier_act(dossier=d, by=leader, action="sign_off")
    with capture(execute=True):
        d = services.dossier_act(dossier=d, by=intake, action="return_result")
    return d


def test_birth_registration_result_lands_in_the_store_signed_and_a_later_dossier_offers_it(
    agency, citizen, intake, processor, leader, django_capture_on_commit_callbacks, client
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from portal.signing.verify import trust_roots

    d = _birth_registration_life(
        agency=agency,
        citizen=citizen,
        intake=intake,
        processor=processor,
        leader=leader,
        capture=django_capture_on_commit_callbacks,
    )
    # the uploaded result document itself, signed by the agency (not its cover sheet)
    result = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.SIGNED_RESULT)
    stored = PersonalDocument.objects.get(owner=citizen)
    assert stored.doc_type == "birth_extract"
    assert stored.issuer == "UBND phường Long Châu"
    assert stored.verified and stored.signed and stored.source == PersonalDocument.Source.PORTAL
    assert stored.number == d.code and d.code in stored.title
    assert stored.sha256 == result.sha256
    assert stored.verify_url.endswith("/") and "/kiem-tra-van-ban/d" in stored.verify_url
    with stored.file.open("rb") as fh:
        data = fh.read()
    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    ctx = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=ctx, ts_validation_context=ctx)
    assert status.bottom_line and status.intact and status.trusted

    # The citizen's store page says who issued it and that it is verified.
    client.force_login(citizen)
    page = client.get(reverse("identity:documents")).content.decode()
    assert "Cấp bởi UBND phường Long Châu, đã xác thực" in page

    # The verification page recognises the stored copy as the issued result.
    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("ks.pdf", data, "application/pdf")})
    assert "Chữ ký số hợp lệ" in page.content.decode() and d.code in page.content.decode()

    # A later procedure that accepts a birth extract offers it first, ticked.
    later = version(code="1.000229", name="Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", agencies=[agency],
                    documents=[STORE_DOC])  # fmt: skip
    client.post(reverse("dossiers:file", args=[later.code]))
    draft = later.dossiers.get(citizen=citizen)
    page = client.get(reverse("dossiers:step", args=[draft.pk, "documents"])).content.decode()
    offer = page.index("Đã có trong kho dữ liệu của bạn")
    assert offer < page.index("Tải tệp lên")
    assert f'name="store_giay-khai-sinh" value="{stored.pk}" checked' in page
    assert "Cấp bởi UBND phường Long Châu, đã xác thực" in page
    client.post(
        reverse("dossiers:step", args=[draft.pk, "documents"]),
        {"store_giay-khai-sinh": [str(stored.pk), ""], "action": "next"},
    )
    row = DossierFile.objects.get(dossier=draft, doc_key="giay-khai-sinh")
    assert row.personal_document == stored

    # The official sees on the dossier page that it is the signed original, its signature checked.
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Thẻ BHYT"})
    services.dossier_submit(dossier=draft, by=citizen)
    staff_login(client, intake)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[draft.pk])).content.decode()
    assert "Bản gốc có chữ ký số lấy từ kho dữ liệu của người nộp, không phải tệp tải lên" in page
    assert "Chữ ký số hợp lệ" in page


def test_a_paper_result_is_not_put_in_the_store(received, processor, django_capture_on_commit_callbacks, citizen):
    from dossiers.models import Dossier, Status

    Dossier.objects.filter(pk=received.pk).update(status=Status.IN_PROCESSING)
    received.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_approve(dossier=received, by=processor, paper_result=True)
    assert IssuedDocument.objects.get(dossier=received, kind=IssuedDocument.Kind.RESULT).file
    assert not PersonalDocument.objects.filter(owner=citizen, signed=True).exists()


def test_a_tampered_store_document_is_flagged_to_the_official(
    agency, citizen, intake, processor, leader, django_capture_on_commit_callbacks, client
):
    from django.core.files.base import ContentFile

    _birth_registration_life(
        agency=agency,
        citizen=citizen,
        intake=intake,
        processor=processor,
        leader=leader,
        capture=django_capture_on_commit_callbacks,
    )
    stored = PersonalDocument.objects.get(owner=citizen)
    with stored.file.open("rb") as fh:
        data = fh.read()
    # the stored file is the official's PDF (PDF_BYTES) signed: change its page size after signing
    start = data.index(b"MediaBox[0 0 595 842]") + len(b"MediaBox[0 0 595 84")
    stored.file.save("changed.pdf", ContentFile(data[:start] + b"3" + data[start + 1 :]))
    later = version(code="1.000229", name="Cấp thẻ bảo hiểm y tế", agencies=[agency], documents=[STORE_DOC])
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=later)
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="giay-khai-sinh", personal_document=stored)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Thẻ BHYT"})
    services.dossier_submit(dossier=draft, by=citizen)
    staff_login(client, intake)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[draft.pk])).content.decode()
    assert "nhưng chữ ký số không hợp lệ" in page
    assert "Văn bản đã bị thay đổi sau khi ký" in page
