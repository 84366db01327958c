import pytest
from django.core.cache import cache
from django.db import connection

from dossiers.models import Dossier, Status
from identity.models import PersonalDocument
from portal.models import Notification

from .factories import CitizenFactory

pytestmark = pytest.mark.django_db


def _file(client, pv, citizen, document=None):
    """File through the API with the declaration `document` (a new one of the citizen's by default)."""
    document = document or PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")
    payload = {
        "procedure": pv.code,
        "form_data": {"reason": "Kết hôn"},
        "documents": [{"key": "to-khai", "personal_document": document.pk}],
    }
    return client.post("/api/v1/dossiers/", payload, content_type="application/json")


def test_create_and_submit_through_the_api(client, citizen, pv, django_capture_on_commit_callbacks):
    doc = PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):  # the notices are written after the commit
        r = _file(client, pv, citizen, doc)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == Status.SUBMITTED and body["code"]
    assert [e["action"] for e in body["events"]] == ["submit"] and body["parts"] == []
    assert client.get("/api/v1/dossiers/").json()["results"][0]["code"] == body["code"]
    detail = client.get(f"/api/v1/dossiers/{body['code']}/").json()
    assert detail["events"] == body["events"]  # filed in one step: no draft on the timeline
    # What the citizen may do now, from the lifecycle table (the page offers the same).
    assert detail["actions"] == [{"name": "withdraw", "label": "Rút hồ sơ", "destructive": True}]
    dossier = Dossier.objects.get(code=body["code"])
    assert list(dossier.files.values_list("doc_key", "personal_document")) == [("to-khai", doc.pk)]
    assert dossier.form_data["reason"] == "Kết hôn" and dossier.current_agency_id == dossier.agency_id
    inbox = Notification.objects.get(user=citizen, channel="inbox")
    assert body["code"] in inbox.subject


def test_api_filing_takes_a_bounded_number_of_statements(
    client, citizen, pv, intake, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    doc = PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")
    client.force_login(citizen)
    payload = {
        "procedure": pv.code,
        "form_data": {"reason": "Kết hôn"},
        "documents": [{"key": "to-khai", "personal_document": doc.pk}],
    }
    client.post("/api/v1/dossiers/", payload, content_type="application/json")  # warm the caches
    # user (the session is read from the cache), official profile, version, documents, agency,
    # number, savepoint, dossier, files, event, the outbox job of the notices (one INSERT),
    # release: a fixed number, not one per field, document, recipient or channel. Who the
    # intake officials are and the notification rows are the job's, after the commit. On
    # PostgreSQL the number comes with the dossier's id, and the dossier, its event and the job
    # are one statement (portal.rows.rows_together): 8 instead of 12.
    bound = 8 if connection.vendor == "postgresql" else 12
    with django_capture_on_commit_callbacks() as after_commit, django_assert_max_num_queries(bound):
        r = client.post("/api/v1/dossiers/", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert not Notification.objects.filter(subject__contains=code).exists()  # not before the commit
    for callback in after_commit:
        callback()
    assert Notification.objects.filter(user=intake, subject__contains=code).exists()
    assert Notification.objects.filter(user=citizen, subject__contains=code).exists()


def test_api_refuses_a_document_of_someone_else(client, citizen, pv):
    other = PersonalDocument.objects.create(owner=CitizenFactory(), doc_type="x", title="Giấy tờ của người khác")
    client.force_login(citizen)
    r = _file(client, pv, citizen, other)
    assert r.status_code == 400
    assert not Dossier.objects.exists()


def test_api_refuses_incomplete_dossier_with_reasons(client, citizen, pv):
    client.force_login(citizen)
    r = client.post("/api/v1/dossiers/", {"procedure": pv.code, "form_data": {}}, content_type="application/json")
    assert r.status_code == 400
    assert "form:reason" in r.json()["errors"]
    assert not Dossier.objects.exclude(status=Status.DRAFT).exists()
    assert not Dossier.objects.exists()  # the whole creation rolled back


def test_api_needs_authentication(client):
    assert client.get("/api/v1/dossiers/").status_code in (401, 403)


def test_api_token_auth(client, citizen, pv):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=citizen)
    r = client.get("/api/v1/dossiers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert r.status_code == 200


def test_lookup_api_public_without_personal_data(client, received):
    r = client.get(f"/api/v1/lookup/{received.code}/")
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == received.code and body["status"] == Status.IN_PROCESSING
    assert body["due_at"] and body["received_at"] and body["agency"] == received.agency.name
    text = r.content.decode()
    assert received.citizen.full_name not in text and received.citizen.personal_id not in text
    assert "form_data" not in body and "applicant" not in body
    assert client.get("/api/v1/lookup/000-000000-0000/").status_code == 404


def test_lookup_api_is_rate_limited(client, received, settings):
    cache.clear()
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    old = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "lookup": "3/min"}
    try:
        codes = [client.get(f"/api/v1/lookup/{received.code}/").status_code for _ in range(5)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = old
        cache.clear()
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_lookup_page_is_rate_limited(client, settings):
    cache.clear()
    settings.DOSSIER_LOOKUP_RATE = "2/m"
    codes = [client.get("/ho-so/tra-cuu/", {"code": "x"}).status_code for _ in range(4)]
    cache.clear()
    assert codes[:2] == [200, 200] and codes[-1] in (403, 429)


def test_level_two_enforced_by_api(client, agency):
    from .factories import version

    pv2 = version(code="1.000009", agencies=[agency], min_eid_level=2)
    user = CitizenFactory(identity_level=1)
    client.force_login(user)
    r = client.post("/api/v1/dossiers/", {"procedure": pv2.code}, content_type="application/json")
    assert r.status_code == 403
    assert "định danh mức 2" in r.json()["detail"]


def test_the_level_rule_is_the_services_whoever_calls_it(agency):
    """Page, API and a direct service call get the same refusal: the rule is in the service."""
    from dossiers import services

    from .factories import version

    pv2 = version(code="1.000010", agencies=[agency], min_eid_level=2)
    user = CitizenFactory(identity_level=1)
    with pytest.raises(services.DossierLevelRequired, match="định danh mức 2"):
        services.dossier_draft_create(citizen=user, procedure_version=pv2)
    with pytest.raises(services.DossierLevelRequired, match="định danh mức 2"):
        services.dossier_file_and_submit(citizen=user, procedure_version=pv2)
    assert not Dossier.objects.filter(citizen=user).exists()


def test_the_filing_notices_are_a_job_that_tells_no_one_twice(client, citizen, pv, intake):
    from dossiers.services.submission import FILED_NOTICE_JOB, dossier_filed_notify
    from portal.models import OutboxJob

    client.force_login(citizen)
    r = _file(client, pv, citizen)
    assert r.status_code == 201, r.content
    dossier = Dossier.objects.get(code=r.json()["code"])
    # The filing's transaction holds the job (nothing lost if the process dies before it runs)...
    job = OutboxJob.objects.get(kind=FILED_NOTICE_JOB)
    assert job.payload == {"dossier_id": dossier.pk}
    assert not Notification.objects.filter(subject__contains=dossier.code).exists()
    # ...and the job, run twice (a worker that died after it), writes each notice once.
    dossier_filed_notify(**job.payload)
    dossier_filed_notify(**job.payload)
    told = Notification.objects.filter(subject__contains=dossier.code)
    assert {n.user_id for n in told} == {citizen.pk, intake.pk}
    assert told.filter(user=citizen, channel="inbox").count() == 1
    assert told.filter(user=intake, channel="inbox").count() == 1


@pytest.mark.parametrize("name", ["DossierOutputSerializer", "DossierDetailSerializer", "LookupSerializer"])
def test_fields_bound_once_represent_a_dossier_as_drf_does(name, client, citizen, pv, intake):
    """BoundOnceSerializer skips DRF's per-instance copy of the fields, not its rules: the same
    dossier comes out the same as through DRF's own loop (dates, nulls, nested method fields)."""
    from rest_framework import serializers

    from dossiers import api

    client.force_login(citizen)
    r = _file(client, pv, citizen)
    dossier = Dossier.objects.select_related("procedure_version", "agency", "current_agency").get(code=r.json()["code"])
    cls = getattr(api, name)
    fast = cls(dossier, context={"user": citizen}).data
    drf = serializers.Serializer.to_representation(cls(dossier, context={"user": citizen}), dossier)
    assert dict(fast) == dict(drf)
    assert list(fast) == list(cls().fields)  # every declared field, in order
    assert fast["submitted_at"] and fast["completed_at"] is None


def test_official_serializers_keep_their_own_fields(client, citizen, pv, intake):
    from rest_framework import serializers

    from dossiers.api_officials import OfficialDossierDetailSerializer

    client.force_login(citizen)
    r = _file(client, pv, citizen)
    dossier = Dossier.objects.get(code=r.json()["code"])
    fast = OfficialDossierDetailSerializer(dossier, context={"user": intake}).data
    drf = serializers.Serializer.to_representation(
        OfficialDossierDetailSerializer(dossier, context={"user": intake}), dossier
    )
    assert dict(fast) == dict(drf)
    assert fast["citizen"] == citizen.full_name and fast["assigned_to"] is None
    assert {a["name"] for a in fast["actions"]} >= {"receive"}  # the official's actions, from their context
