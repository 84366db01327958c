"""The integration API (issue 12): service accounts with scoped tokens, the officials' and
systems' queue and steps (the lifecycle table through dossier_act), the citizens' uploads,
withdrawal and rating, idempotency keys and the errors a client sees."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Dossier, DossierFile, Status
from identity import service_accounts
from identity.models import PersonalDocument, ServiceToken
from identity.roles import INTAKE, LEADER, PROCESSING
from portal.models import AuditEvent
from tests.support.mfa import staff_login

from .factories import PDF_BYTES

pytestmark = pytest.mark.django_db
Scope = ServiceToken.Scope


@pytest.fixture
def system(agency):
    """The agency's back-office system, holding every handling role."""
    return service_accounts.service_account_create(
        name="Phần mềm một cửa phường Long Châu", agency=agency, roles=[INTAKE, PROCESSING, LEADER]
    )


def _token(account, *scopes):
    _row, secret = service_accounts.service_token_issue(account=account, scopes=list(scopes) or list(Scope.values))
    return secret


def _auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_is_stored_only_as_a_digest_and_each_use_is_audited(client, system, submitted):
    secret = _token(system, Scope.READ_QUEUE)
    row = ServiceToken.objects.get(account=system)
    assert secret.startswith("svc_") and secret not in (row.digest, row.prefix) and len(row.digest) == 64
    r = client.get("/api/v1/queue/", **_auth(secret))
    assert r.status_code == 200, r.content
    assert [d["code"] for d in r.json()["results"]] == [submitted.code]
    r = client.get(f"/api/v1/queue/{submitted.code}/", **_auth(secret))
    assert r.status_code == 200 and r.json()["citizen"] == submitted.citizen.full_name
    assert "receive" in [a["name"] for a in r.json()["actions"]]
    used = AuditEvent.objects.filter(actor=system.user)
    assert used.filter(detail__contains="GET /api/v1/queue/").count() >= 2
    assert used.filter(subject=submitted.citizen, object_id=str(submitted.pk)).exists()  # personal data read
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_missing_bad_and_revoked_credentials_answer_401_with_www_authenticate(client, system):
    r = client.get("/api/v1/queue/")
    assert r.status_code == 401 and "Bearer" in r["WWW-Authenticate"] and "Token" in r["WWW-Authenticate"]
    assert r.json()["detail"] == "Chưa cung cấp thông tin xác thực."
    r = client.get("/api/v1/queue/", **_auth("svc_nope_nope"))
    assert r.status_code == 401 and r.json()["detail"] == "Mã truy cập không hợp lệ."
    r = client.get("/api/v1/queue/", HTTP_ACCEPT_LANGUAGE="en", **_auth("svc_nope_nope"))
    assert r.json()["detail"] == "Invalid token."
    secret = _token(system)
    service_accounts.service_token_revoke(token=ServiceToken.objects.get(account=system))
    r = client.get("/api/v1/queue/", **_auth(secret))
    assert r.status_code == 401 and r["WWW-Authenticate"]


def test_a_system_takes_the_steps_the_table_allows_with_the_same_refusals(client, system, submitted):
    secret = _token(system, Scope.READ_QUEUE, Scope.ACT)
    url = f"/api/v1/queue/{submitted.code}/actions/"
    r = client.post(url + "receive/", {"note": "Đủ giấy tờ"}, content_type="application/json", **_auth(secret))
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.IN_PROCESSING and r.json()["received_at"] and r.json()["due_at"]
    # Not possible in this state: 409 with the lifecycle's Vietnamese reason.
    r = client.post(url + "reject_intake/", {"reason": "Thiếu"}, content_type="application/json", **_auth(secret))
    assert r.status_code == 409 and "hiện không thực hiện được" in r.json()["detail"]
    # A required input missing: 400 by field.
    r = client.post(url + "stop/", {}, content_type="application/json", **_auth(secret))
    assert r.status_code == 400 and r.json()["reason"] == ["Trường này là bắt buộc."]
    # Publishing a result needs the `results:publish` scope.
    r = client.post(url + "approve/", {"paper_result": True}, content_type="application/json", **_auth(secret))
    assert r.status_code == 403 and "results:publish" in r.json()["detail"]
    assert Dossier.objects.get(pk=submitted.pk).status == Status.IN_PROCESSING


def test_a_system_attaches_the_result_document_with_the_upload_checker(client, system, received):
    secret = _token(system)
    url = f"/api/v1/queue/{received.code}/actions/approve/"
    fake = SimpleUploadedFile("ket-qua.pdf", b"not a pdf at all", content_type="application/pdf")
    r = client.post(url, {"result_file": fake}, **_auth(secret))
    assert r.status_code == 409 and Dossier.objects.get(pk=received.pk).status == Status.IN_PROCESSING
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    r = client.post(url, {"result_file": result, "note": "Đã ký"}, HTTP_IDEMPOTENCY_KEY="kq-1", **_auth(secret))
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.RESULT_READY
    assert DossierFile.objects.filter(dossier=received, kind=DossierFile.Kind.RESULT).count() == 1
    again = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    r = client.post(url, {"result_file": again, "note": "Đã ký"}, HTTP_IDEMPOTENCY_KEY="kq-1", **_auth(secret))
    assert r.status_code == 200 and r["Idempotent-Replayed"] == "true"
    assert DossierFile.objects.filter(dossier=received, kind=DossierFile.Kind.RESULT).count() == 1


def test_another_agencys_dossier_is_not_found_and_a_citizen_is_not_an_official(
    client, other_agency, submitted, citizen
):
    other = service_accounts.service_account_create(name="Hệ thống khác", agency=other_agency, roles=[INTAKE])
    r = client.get(f"/api/v1/queue/{submitted.code}/", **_auth(_token(other)))
    assert r.status_code == 404
    client.force_login(citizen)
    r = client.get("/api/v1/queue/")
    assert r.status_code == 403


def test_an_official_uses_the_queue_with_the_admins_filters(client, intake, submitted, received):
    staff_login(client, intake)
    r = client.get("/api/v1/queue/", {"queue": "new"})
    assert r.status_code == 200 and r.json()["count"] == 0  # `received` took it out of the new queue
    r = client.get("/api/v1/queue/", {"queue": "processing"})
    assert [d["code"] for d in r.json()["results"]] == [received.code]
    r = client.get("/api/v1/queue/", {"page": 99})
    assert r.status_code == 404 and r.json()["detail"] == "Trang không hợp lệ."


def test_a_citizen_uploads_files_withdraws_and_cannot_rate_a_withdrawn_dossier(client, citizen, pv):
    client.force_login(citizen)
    bad = SimpleUploadedFile("to-khai.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    r = client.post("/api/v1/documents/", {"doc_type": "other", "title": "Tờ khai", "upload": bad})
    assert r.status_code == 400 and r.json()["upload"]
    good = SimpleUploadedFile("to-khai.pdf", PDF_BYTES, content_type="application/pdf")
    r = client.post("/api/v1/documents/", {"doc_type": "other", "title": "Tờ khai", "upload": good})
    assert r.status_code == 201, r.content
    document = PersonalDocument.objects.get(pk=r.json()["id"], owner=citizen)
    assert r.json()["content_type"] == "application/pdf" and document.size == len(PDF_BYTES)
    payload = {
        "procedure": pv.code,
        "form_data": {"reason": "Kết hôn"},
        "documents": [{"key": "to-khai", "personal_document": document.pk}],
    }
    r = client.post("/api/v1/dossiers/", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["received_at"] is None and r.json()["completed_at"] is None
    r = client.post(f"/api/v1/dossiers/{code}/withdraw/", {"reason": "Nộp nhầm"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == Status.WITHDRAWN
    r = client.post(f"/api/v1/dossiers/{code}/rate/", {"score": 5}, content_type="application/json")
    assert r.status_code == 409 and r.json()["detail"]


def test_an_idempotency_key_replays_the_first_answer_and_refuses_a_different_body(client, citizen, pv):
    client.force_login(citizen)
    document = PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")
    documents = [{"key": "to-khai", "personal_document": document.pk}]
    payload = {"procedure": pv.code, "form_data": {"reason": "Kết hôn"}, "documents": documents}
    first = client.post("/api/v1/dossiers/", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/dossiers/", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["code"] == first.json()["code"]
    assert again["Idempotent-Replayed"] == "true"
    assert Dossier.objects.filter(citizen=citizen).count() == 1
    other = {**payload, "form_data": {"reason": "Khác"}}
    r = client.post("/api/v1/dossiers/", other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["detail"]
    assert Dossier.objects.filter(citizen=citizen).count() == 1


def test_the_api_speaks_english_only_when_asked(client, pv, citizen):
    client.force_login(citizen)
    r = client.post("/api/v1/dossiers/", {"procedure": "9.999999"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"] == "Không tìm thấy thủ tục hành chính."
    r = client.post(
        "/api/v1/dossiers/", {"procedure": "9.999999"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.json()["detail"] == "Unknown procedure."


def test_service_accounts_are_refused_on_the_citizens_api(client, system):
    r = client.get("/api/v1/dossiers/", **_auth(_token(system)))
    assert r.status_code == 403
