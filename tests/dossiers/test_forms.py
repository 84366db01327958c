"""Forms 01–07 of Circular 03/2025/TT-VPCP (issue 17): what each carries, the date of the act,
the same text on regeneration, the real header, who signs, the control slip and the register;
and the codes (dossier codes past 9,999 a day, agency unit codes)."""

import datetime as dt
import re
import subprocess
import tempfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Agency
from dossiers import services
from dossiers.calendar import TZ
from dossiers.issued_pdfs import issued_document_context
from dossiers.models import DossierEvent, IssuedDocument
from dossiers.tasks import issued_document_generate_task
from identity.roles import PROCESSING
from tests.support.mfa import staff_login

from .conftest import pdf_upload
from .factories import AgencyFactory, official

pytestmark = pytest.mark.django_db

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def pdftotext(data: bytes) -> str:
    """The text a reader gets (poppler's pdftotext, in reading order)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        return subprocess.run(["pdftotext", pdf.name, "-"], check=True, capture_output=True, text=True).stdout


def _doc_text(dossier, kind) -> str:
    doc = IssuedDocument.objects.filter(dossier=dossier, kind=kind).order_by("-id").first()
    doc.file.open("rb")
    try:
        return pdftotext(doc.file.read())
    finally:
        doc.file.close()


def _without_stamp(text: str) -> str:
    """The text without the signature stamp's signing time (the only line that changes)."""
    return re.sub(r"\d\d:\d\d:\d\d \d\d/\d\d/\d{4}", "", text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def ward(agency) -> Agency:
    """The fixtures' ward People's Committee, whose real parent in the catalog is the provincial one."""
    province = AgencyFactory(code="000.00.00.H57", name="Ủy ban nhân dân tỉnh Thử Nghiệm", level="province")
    agency.parent = province
    agency.address = "Số 2 đường Phạm Hùng"
    agency.save()
    return agency


# --- 01–05: what each carries, through the real task ----------------------------------------------


@pytest.mark.usefixtures("real_pdf")
def test_forms_01_to_05_carry_what_the_circular_asks(
    ward, submitted, intake, processor, leader, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_receive(dossier=submitted, by=intake)
    receipt = _flat(_doc_text(d, "receipt"))
    for expected in (
        *MOTTO,
        "Mẫu số 01",
        "ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM",  # the real parent, above
        "UBND PHƯỜNG LONG CHÂU",  # the agency itself
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Thời gian giải quyết theo quy định: 5 ngày làm việc",
        "01 bộ",
        "Số vào sổ: 1",
        "Nhận kết quả:",
        "Số 2 đường Phạm Hùng",
    ):
        assert expected in receipt, expected

    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_request_supplement(dossier=d, by=processor, missing="Bản sao giấy khai sinh")
    supplement = _flat(_doc_text(d, "supplement"))
    assert "Mẫu số 02" in supplement and "Bản sao giấy khai sinh" in supplement and MOTTO[0] in supplement

    services.dossier_file_add(dossier=d, by=citizen, upload=pdf_upload("ks.pdf"), kind="supplement")
    d = services.dossier_resubmit(dossier=d, by=citizen)
    new_due = timezone.localtime(d.due_at).date() + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_extend(dossier=d, by=leader, new_due=new_due, reason="Chờ xác minh")
    apology = _flat(_doc_text(d, "apology"))
    assert "Mẫu số 04" in apology and new_due.strftime("%d/%m/%Y") in apology
    assert "THỦ TRƯỞNG CƠ QUAN" in apology  # signed by a leader: the head's title

    # Form 05: the lifecycle branch's "stop" action records this event; the real task renders it.
    stop = DossierEvent.objects.create(dossier=d, actor=leader, action="stop", note="Người nộp đề nghị dừng giải quyết")
    issued_document_generate_task.delay(d.pk, "stop", stop.pk)
    notice = _flat(_doc_text(d, "stop"))
    for expected in (*MOTTO, "Mẫu số 05", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Người nộp đề nghị dừng giải quyết"):
        assert expected in notice, expected

    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_refuse(dossier=d, by=leader, reason="Không đủ điều kiện")
    refusal = _flat(_doc_text(d, "refusal"))
    assert "Mẫu số 03" in refusal and "Không đủ điều kiện" in refusal


def test_form_04_names_the_head_only_above_a_leader(ward, received, processor, leader):
    processor.official_profile.title = "Chuyên viên Văn phòng"
    processor.official_profile.save()
    new_due = timezone.localtime(received.due_at).date() + dt.timedelta(days=7)
    d = services.dossier_extend(dossier=received, by=processor, new_due=new_due, reason="Chờ xác minh")
    by_processor = issued_document_context(dossier=d, event=d.events.get(action="extend"))["signer"]
    assert by_processor == {"name": processor.get_full_name(), "title": "Chuyên viên Văn phòng"}
    signer = issued_document_context(dossier=d, event=DossierEvent.objects.create(dossier=d, actor=leader, action="x"))
    assert signer["signer"]["title"] == "Thủ trưởng cơ quan"
    # A processing official without a job title signs as the official in charge, never as the head.
    plain = official(ward, PROCESSING)
    event = DossierEvent.objects.create(dossier=d, actor=plain, action="extend")
    assert issued_document_context(dossier=d, event=event)["signer"]["title"] == "Cán bộ xử lý"


# --- The date of the act, the same text on regeneration --------------------------------------------


@pytest.mark.usefixtures("real_pdf")
def test_a_regenerated_receipt_keeps_the_date_of_receipt(clock, submitted, intake, django_capture_on_commit_callbacks):
    clock.set(dt.datetime(2026, 12, 28, 9, 30, tzinfo=TZ))
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_receive(dossier=submitted, by=intake)
    first = _doc_text(d, "receipt")
    assert "ngày 28 tháng 12 năm 2026" in first

    clock.set(dt.datetime(2027, 2, 15, 10, tzinfo=TZ))
    receipt = IssuedDocument.objects.get(dossier=d, kind="receipt")
    with django_capture_on_commit_callbacks(execute=True):
        services.issued_document_regenerate(issued=receipt, by=intake)
    again = _doc_text(d, "receipt")
    # The digital signature's stamp says when the file was signed (now); the document's own text
    # (everything but the stamp) is the same, with the date of receipt.
    assert "Thời gian ký: 10:00:00 15/02/2027" in again
    first, again = _without_stamp(first), _without_stamp(again)
    assert "15/02/2027" not in again and "tháng 02 năm 2027" not in again
    assert again == first


# --- The header: the issuing agency and its real parent ---------------------------------------------


def test_the_header_prints_the_agency_and_its_real_parent(ward, received):
    context = issued_document_context(dossier=received, event=received.events.get(action="receive"))
    assert (context["agency_parent"], context["agency_name"]) == ("Ủy ban nhân dân tỉnh Thử Nghiệm", ward.name)


def test_the_demo_catalog_does_not_put_commune_committees_under_the_provincial_office():
    from catalog.demo_catalog import agencies

    rows = {row["code"]: row for row in agencies()}
    office = next(code for code, row in rows.items() if row["name"].startswith("Văn phòng Ủy ban nhân dân tỉnh"))
    province = next(code for code, row in rows.items() if row["name"] == "Ủy ban nhân dân tỉnh Vĩnh Long")
    committees = [row for row in rows.values() if row["level"] == "commune" and row["name"].startswith("Ủy ban")]
    assert committees and all(row["parent"] == province for row in committees)
    assert not [row for row in rows.values() if row["parent"] == office]
    assert rows[office]["parent"] == province


# --- 06: the control slip ------------------------------------------------------------------------


@pytest.mark.usefixtures("real_pdf")
def test_the_control_slip_lists_every_hand_over_from_the_admin_page(client, received, intake, processor, leader):
    services.dossier_assign(dossier=received, by=leader, official=processor)
    staff_login(client, processor)
    page = client.get(f"/admin/dossiers/dossier/{received.pk}/change/").content.decode()
    url = f"/admin/dossiers/dossier/{received.pk}/control-slip/"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _flat(pdftotext(response.content))
    for expected in (*MOTTO, "Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", received.code):
        assert expected in text, expected
    receive = timezone.localtime(received.events.get(action="receive").at, TZ)
    assert receive.strftime("%H:%M %d/%m/%Y") in text
    assert intake.get_full_name() in text and processor.get_full_name() in text
    assert "Trước hạn" in text  # the claim came before the due date
    # Printed twice without a new step: the same slip.
    assert _flat(pdftotext(client.get(url).content)) == text


def test_only_officials_of_the_dossiers_agency_print_its_control_slip(client, received, other_intake):
    staff_login(client, other_intake)
    assert client.get(f"/admin/dossiers/dossier/{received.pk}/control-slip/").status_code in (403, 404)


# --- 07: the register ----------------------------------------------------------------------------


@pytest.mark.usefixtures("real_pdf")
def test_the_register_lists_the_agencys_dossiers_as_pdf_and_csv(client, agency, received, leader, other_intake):
    staff_login(client, leader)
    day = timezone.localtime(received.received_at, TZ).date()
    query = {"agency": agency.pk, "period": "custom", "date_from": day.isoformat(), "date_to": day.isoformat()}
    csv_text = client.get("/admin/dossiers/dossier/register/", {**query, "format": "csv"}).content.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("Số vào sổ,Mã hồ sơ,Tên thủ tục hành chính")
    assert row.startswith(f"1,{received.code},")
    pdf = client.get("/admin/dossiers/dossier/register/", {**query, "format": "pdf"})
    text = _flat(pdftotext(pdf.content))
    for expected in (*MOTTO, "Mẫu số 07", "SỔ THEO DÕI HỒ SƠ", received.code):
        assert expected in text, expected
    assert f"ngày {day:%d} tháng {day:%m} năm {day.year}" in text  # dated by the period's last day

    staff_login(client, other_intake)  # another agency's official
    assert client.get("/admin/dossiers/dossier/register/", {**query, "format": "csv"}).status_code == 403


def test_the_register_refuses_another_agency_in_the_service(agency, other_intake):
    from django.core.exceptions import PermissionDenied

    from dossiers.registers import register_check

    with pytest.raises(PermissionDenied, match=r"Chỉ cán bộ của .+ mới được xem sổ theo dõi"):
        register_check(user=other_intake, agency=agency)


# --- Codes ---------------------------------------------------------------------------------------


def test_a_days_10000th_dossier_code_keeps_the_documented_format(db):
    from dossiers.models import DossierCodeCounter
    from dossiers.services.submission import DOSSIER_CODE_RE

    day = dt.date(2026, 12, 28)
    first = services.dossier_code_next(unit_code="000.00.31.H57", day=day)
    assert first == "000.00.31.H57-261228-0001"
    DossierCodeCounter.objects.filter(unit_code="000.00.31.H57", day=day).update(last=9998)
    codes = [services.dossier_code_next(unit_code="000.00.31.H57", day=day) for _ in range(2)]
    assert codes == ["000.00.31.H57-261228-9999", "000.00.31.H57-261228-10000"]
    for code in (first, *codes):
        match = re.match(DOSSIER_CODE_RE, code)
        assert match and match["unit"] == "000.00.31.H57" and match["day"] == "261228"
    assert int(re.match(DOSSIER_CODE_RE, codes[1])["number"]) == 10000


@pytest.mark.parametrize("code", ["000.00.31.H57", "000.00.99.H57", "001.23.99.H57", "000.00.00.H62", "G01.00.01.H62"])
def test_agency_unit_codes_of_the_right_shape_pass(code):
    AgencyFactory.build(code=code, name="X", level="commune").full_clean(validate_unique=False)


@pytest.mark.parametrize("code", ["Z.9", "000.100.99.H57", "000.00.31.h57", "000.00.31.H5", "00.00.31.H57", "X.1"])
def test_agency_unit_codes_of_another_shape_are_refused(code):
    with pytest.raises(ValidationError, match=r"Mã đơn vị có dạng AAA\.BB\.CC\.DDD"):
        AgencyFactory.build(code=code, name="X", level="commune").full_clean(validate_unique=False)


def test_every_demo_and_factory_agency_code_has_the_shape():
    from catalog.demo_catalog import agencies
    from catalog.models import AGENCY_CODE_RE

    codes = [row["code"] for row in agencies()] + [AgencyFactory.build().code for _ in range(150)]
    assert [code for code in codes if not re.match(AGENCY_CODE_RE, code)] == []


def test_the_catalog_import_refuses_an_agency_code_of_another_shape():
    from catalog.services import CatalogError
    from catalog.transfer import catalog_import

    data = {"format": "portal-catalog", "agencies": [{"code": "UBND-1", "name": "X", "level": "commune"}]}
    with pytest.raises(CatalogError, match=r"có dạng AAA\.BB\.CC\.DDD"):
        catalog_import(data=data)
