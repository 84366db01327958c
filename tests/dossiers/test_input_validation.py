"""What a citizen sends is checked before anything is made: the API's applicant and e-form
answers (same rules as the filing form, the level-2 identity lock, unknown keys, types, body
size), the timeline shows the citizen no official by name, odd form values give a form error
rather than a 500, and only a POST starts a draft."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier
from identity.models import PersonalDocument

from .conftest import pdf_upload
from .factories import CitizenFactory, version

pytestmark = pytest.mark.django_db

API = "/api/v1/dossiers/"


def _post(client, payload, **extra):
    return client.post(API, json.dumps(payload), content_type="application/json", **extra)


def _payload(pv, citizen, **changes):
    doc = PersonalDocument.objects.create(owner=citizen, doc_type="x", title="Tờ khai đã ký")
    return {
        "procedure": pv.code,
        "form_data": {"reason": "Kết hôn"},
        "documents": [{"key": "to-khai", "personal_document": doc.pk}],
        **changes,
    }


# --- The API's applicant -----------------------------------------------------------------------


def test_api_refuses_another_persons_identity_for_a_level_two_citizen(client, citizen, other_citizen, pv):
    client.force_login(citizen)
    applicant = {"full_name": other_citizen.full_name, "personal_id": other_citizen.personal_id}
    r = _post(client, _payload(pv, citizen, applicant=applicant))
    assert r.status_code == 400, r.content
    errors = r.json()["errors"]
    assert "định danh điện tử" in errors["applicant:full_name"][0]
    assert set(errors) == {"applicant:full_name", "applicant:personal_id"}
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("level", [1, 2])
def test_api_refuses_a_date_of_birth_that_is_not_a_date(client, pv, level):
    citizen = CitizenFactory(identity_level=level)
    client.force_login(citizen)
    r = _post(client, _payload(pv, citizen, applicant={"date_of_birth": "not-a-date"}))
    assert r.status_code == 400, r.content
    assert "Ngày sinh" in r.json()["errors"]["applicant:date_of_birth"][0]
    assert not Dossier.objects.exists()


def test_api_applies_the_filing_forms_rules_to_the_applicant(client, pv):
    citizen = CitizenFactory(identity_level=1)
    client.force_login(citizen)
    r = _post(client, _payload(pv, citizen, applicant={"personal_id": "12345", "phone": "call me", "sex": "X"}))
    assert r.status_code == 400, r.content
    assert set(r.json()["errors"]) == {"applicant:personal_id", "applicant:phone", "applicant:sex"}
    assert "12 chữ số" in r.json()["errors"]["applicant:personal_id"][0]
    assert not Dossier.objects.exists()


def test_api_refuses_a_list_as_address_and_unknown_keys(client, citizen, pv):
    client.force_login(citizen)
    r = _post(client, _payload(pv, citizen, applicant={"address": ["Vĩnh Long", 1]}))
    assert r.status_code == 400 and "address" in r.json()["applicant"]
    r = _post(client, _payload(pv, citizen, applicant={"is_staff": True, "phone": "0912345678"}))
    assert r.status_code == 400 and "is_staff" in r.json()["applicant"]
    r = _post(client, _payload(pv, citizen, status="completed"))
    assert r.status_code == 400 and "status" in r.json()
    r = _post(client, _payload(pv, citizen, applicant={"phone": 912345678}))
    assert r.status_code == 400 and "phone" in r.json()["applicant"]
    assert not Dossier.objects.exists()


def test_api_refuses_ids_no_row_can_have(client, citizen, pv):
    client.force_login(citizen)
    r = _post(client, _payload(pv, citizen, documents=[{"key": "to-khai", "personal_document": 10**30}]))
    assert r.status_code == 400 and "documents" in r.json()
    assert _post(client, _payload(pv, citizen, agency=10**30)).status_code == 400
    assert not Dossier.objects.exists()


def test_api_keeps_the_verified_identity_and_takes_the_other_changes(client, citizen, pv):
    """Control: a level-2 citizen may restate their own identity and change contact details."""
    client.force_login(citizen)
    applicant = {
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "phone": "0987 654 321",
        "address": "Số 3 đường Lê Lợi, Vĩnh Long",
    }
    r = _post(client, _payload(pv, citizen, applicant=applicant))
    assert r.status_code == 201, r.content
    stored = Dossier.objects.get().applicant
    assert stored["full_name"] == citizen.full_name and stored["personal_id"] == citizen.personal_id
    assert stored["phone"] == "0987 654 321" and stored["address"] == "Số 3 đường Lê Lợi, Vĩnh Long"


def test_a_level_one_citizen_types_the_applicant_as_on_the_filing_form(client, pv):
    citizen = CitizenFactory(identity_level=1)
    client.force_login(citizen)
    r = _post(client, _payload(pv, citizen, applicant={"full_name": "Nguyễn Văn Bảy", "personal_id": "086090000123"}))
    assert r.status_code == 201, r.content
    assert Dossier.objects.get().applicant["full_name"] == "Nguyễn Văn Bảy"


def test_the_level_two_lock_is_kept_by_the_draft_service(citizen, other_citizen, pv):
    """The filing form shows the verified identity as facts; the service refuses a change sent
    anyway, in Vietnamese, and keeps the verified values."""
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    with pytest.raises(services.DossierActionError, match="định danh điện tử đã xác thực"):
        services.dossier_draft_update(
            dossier=draft,
            by=citizen,
            applicant={"full_name": other_citizen.full_name, "personal_id": other_citizen.personal_id, "phone": "0911"},
        )
    same = {"full_name": citizen.full_name, "phone": "0911"}
    services.dossier_draft_update(dossier=draft, by=citizen, applicant=same)
    draft.refresh_from_db()
    assert draft.applicant["full_name"] == citizen.full_name
    assert draft.applicant["personal_id"] == citizen.personal_id and draft.applicant["phone"] == "0911"


def test_a_draft_is_submitted_with_the_verified_identity(citizen, other_citizen, pv):
    """A draft that holds another identity (typed before the account was verified) is filed
    with the verified one."""
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    Dossier.objects.filter(pk=draft.pk).update(
        applicant={**draft.applicant, "full_name": other_citizen.full_name, "personal_id": other_citizen.personal_id}
    )
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    dossier = services.dossier_submit(dossier=draft, by=citizen)
    dossier.refresh_from_db()
    assert dossier.applicant["full_name"] == citizen.full_name
    assert dossier.applicant["personal_id"] == citizen.personal_id


def test_the_applicant_step_refuses_a_changed_verified_identity(client, citizen, other_citizen, pv):
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get()
    url = reverse("dossiers:step", args=[draft.pk, "applicant"])
    page = client.get(url).content.decode()
    # The verified identity is shown as facts, not as inputs.
    assert 'name="full_name"' not in page and 'name="personal_id"' not in page
    assert citizen.full_name in page and citizen.personal_id in page
    response = client.post(
        url,
        {
            "full_name": other_citizen.full_name,
            "personal_id": other_citizen.personal_id,
            "date_of_birth": "2001-01-01",
            "sex": "F",
            "phone": "0912345678",
            "address": "Vĩnh Long",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "định danh điện tử đã xác thực của bạn, không thể thay đổi" in response.content.decode()
    draft.refresh_from_db()
    assert draft.applicant["personal_id"] == citizen.personal_id
    assert draft.applicant["date_of_birth"] == citizen.date_of_birth.isoformat()


# --- The API's e-form answers and body size -----------------------------------------------------


def test_api_refuses_answers_for_a_procedure_without_an_e_form(client, citizen, agency):
    pv = version(code="1.000077", agencies=[agency], schema=[], documents=[])
    client.force_login(citizen)
    r = _post(client, {"procedure": pv.code, "form_data": {"anything": "x" * 1000}})
    assert r.status_code == 400, r.content
    assert "không có tờ khai" in r.json()["detail"]
    assert not Dossier.objects.exists()
    assert _post(client, {"procedure": pv.code}).status_code == 201  # control: nothing to declare


def test_api_refuses_answers_the_e_form_does_not_have_or_of_the_wrong_type(client, citizen, pv):
    client.force_login(citizen)
    r = _post(client, _payload(pv, citizen, form_data={"reason": "Kết hôn", "note_to_self": "x"}))
    assert r.status_code == 400 and "note_to_self" in r.json()["errors"]["form_data"][0]
    r = _post(client, _payload(pv, citizen, form_data={"reason": ["Kết hôn", "x"]}))
    assert r.status_code == 400 and "form:reason" in r.json()["errors"]
    r = _post(client, _payload(pv, citizen, form_data=["reason"]))
    assert r.status_code == 400 and "form_data" in r.json()
    assert not Dossier.objects.exists()


def test_api_refuses_an_oversized_body(client, agency):
    pv = version(code="1.000078", agencies=[agency], schema=[], documents=[])
    citizen = CitizenFactory()
    client.force_login(citizen)
    r = _post(client, {"procedure": pv.code, "form_data": {"blob": "A" * (4 * 1024 * 1024)}})
    assert r.status_code == 413
    assert "quá lớn" in r.json()["detail"]
    assert not Dossier.objects.exists()


def test_the_api_body_limit_is_a_setting(client, citizen, pv, settings):
    settings.API_MAX_BODY_BYTES = 200
    client.force_login(citizen)
    assert _post(client, _payload(pv, citizen, applicant={"address": "x" * 300})).status_code == 413
    assert not Dossier.objects.exists()


# --- The timeline shown to the citizen ---------------------------------------------------------


def test_the_citizens_timeline_shows_no_internal_step_or_officials_name(client, received, processor, leader):
    from .factories import official

    release = Dossier.objects.filter(pk=received.pk)
    release.update(assigned_to=None)  # as when the official who received it hands it on
    received = services.dossier_claim(dossier=received, by=processor)
    release.update(assigned_to=None)
    other = official(received.agency, "processing", email="ho.thi.thu@example.vn")
    other.full_name = "Hồ Thị Thu"
    other.save()
    services.dossier_assign(dossier=received, by=leader, official=other)
    assert received.events.filter(action__in=["claim", "assign"]).count() == 2
    client.force_login(received.citizen)
    body = client.get(f"{API}{received.code}/").json()
    assert [e["action"] for e in body["events"]] == ["draft", "submit", "receive"]
    page = client.get(reverse("dossiers:detail", args=[received.pk])).content.decode()
    for text in (client.get(f"{API}{received.code}/").content.decode(), page):
        assert processor.full_name not in text and "Hồ Thị Thu" not in text
    assert received.agency.name in page and received.agency.name in json.dumps(body, ensure_ascii=False)


# --- Odd values in the filing form -------------------------------------------------------------


def test_a_ward_that_is_not_a_number_gives_a_form_error_not_a_500(client, citizen, agency):
    from portal.models import Province, Ward

    province = Province.objects.create(code=86, name="Vĩnh Long", division_type="tỉnh", codename="vinh_long")
    Ward.objects.create(code=29000, name="Phường Long Châu", division_type="phường", codename="lc", province=province)
    schema = [{"name": "applicant_address", "type": "address", "label": {"vi": "Nơi cư trú"}, "required": True}]
    pv = version(code="1.000056", agencies=[agency], schema=schema, documents=[])
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get()
    form_url = reverse("dossiers:step", args=[draft.pk, "form"])
    r = client.post(
        form_url,
        {"applicant_address_province": "86", "applicant_address_ward": "abc", "applicant_address_line": "Số 5"},
    )
    assert r.status_code == 400
    assert client.get(form_url).status_code == 200
    review = client.get(reverse("dossiers:step", args=[draft.pk, "review"]))
    assert review.status_code == 200
    assert "Nơi cư trú" in review.content.decode()  # named among what stops the submission
    r = client.post(reverse("dossiers:step", args=[draft.pk, "review"]), {"action": "submit"})
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize("value", ["abc", "²", "1" * 40])
def test_removing_a_file_that_cannot_exist_is_ignored(client, citizen, pv, value):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    client.force_login(citizen)
    url = reverse("dossiers:step", args=[draft.pk, "documents"])
    r = client.post(url, {"remove": value})
    assert r.status_code == 302 and r.url == url
    r = client.post(url, {"store_to-khai": value, "action": "save"})
    assert r.status_code == 302
    assert draft.files.count() == 1


# --- Only a POST starts a draft ----------------------------------------------------------------


def test_a_get_of_the_filing_link_creates_no_draft(client, citizen, pv):
    client.force_login(citizen)
    url = reverse("dossiers:file", args=[pv.code])
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bắt đầu nộp hồ sơ" in html and 'method="post"' in html
    assert not Dossier.objects.exists()


def test_a_cross_site_post_cannot_start_a_draft(citizen, pv):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen)
    url = reverse("dossiers:file", args=[pv.code])
    assert browser.post(url).status_code == 403  # no CSRF token: another site's form
    assert not Dossier.objects.exists()
    page = browser.get(url)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    r = browser.post(url, {"csrfmiddlewaretoken": token})
    draft = Dossier.objects.get()
    assert r.url == reverse("dossiers:step", args=[draft.pk, "applicant"])
    # The start page now offers to continue that draft; starting again resumes it.
    assert "Tiếp tục nộp hồ sơ" in browser.get(url).content.decode()
    browser.post(url, {"csrfmiddlewaretoken": token})
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {
            "full_name": "Nguyễn Văn Bảy",
            "personal_id": "086090000123",
            "date_of_birth": "1990-05-01",
            "sex": "M",
            "phone": "0912 345 678",
            "email": "bay@example.vn",
            "address": "Số 1 Lê Lợi",
        },
        {
            "full_name": "",
            "personal_id": "12345",
            "date_of_birth": "31/02/1990",
            "sex": "X",
            "phone": "call me",
            "email": "not-an-email",
            "address": "x" * 301,
        },
        {"personal_id": "086 090 000 123", "date_of_birth": "01/05/1990", "save_to_profile": "on"},
        {},
    ],
)
def test_the_apis_applicant_check_is_the_filing_forms(data):
    """The API checks the applicant with the filing form's own fields without making the form:
    the same values and the same messages, field by field, as the form gives."""
    from dossiers.forms import ApplicantForm

    form = ApplicantForm(data=data)
    form.is_valid()
    cleaned, errors = ApplicantForm.data_clean(data)
    assert errors == {name: list(messages) for name, messages in form.errors.items()}
    assert cleaned == form.cleaned_data


def test_a_dossiers_status_label_is_djangos(settings):
    """`get_status_display` is a lookup in the enum's labels, in the active language, as
    Django's own gives it; the API's `status_display` reads it."""
    from django.db.models import Model
    from django.utils import translation

    from dossiers.models import Status

    field = Dossier._meta.get_field("status")
    for language in ("vi", "en"):
        with translation.override(language):
            for status in [*Status.values, "no-such-status"]:
                dossier = Dossier(status=status)
                assert dossier.get_status_display() == Model._get_FIELD_display(dossier, field)
                assert dossier.status_label == dossier.get_status_display()
    with translation.override("vi"):
        assert Dossier(status=Status.SUBMITTED).get_status_display() != Status.SUBMITTED.value
