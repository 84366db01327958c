"""CSRF on every state-changing form, and no open redirect through `next`."""

import pytest
from django.test import Client

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

# (id, path, form data, logged in?) — each endpoint that changes state through a browser form.
CSRF_FORMS = [
    ("login", "/accounts/login/", lambda u: {"login": u.email, "password": PASSWORD}, False),
    (
        "signup",
        "/accounts/signup/",
        lambda u: {"email": "n@example.vn", "password1": PASSWORD, "password2": PASSWORD},
        False,
    ),
    ("password-reset", "/accounts/password/reset/", lambda u: {"email": u.email}, False),
    ("language", "/i18n/setlang/", lambda u: {"language": "en", "next": "/"}, False),
    ("logout", "/accounts/logout/", lambda u: {}, True),
]


@pytest.mark.parametrize(("path", "data", "logged_in"), [p[1:] for p in CSRF_FORMS], ids=[p[0] for p in CSRF_FORMS])
def test_state_changing_form_without_csrf_token_is_refused(citizen, path, data, logged_in):
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(citizen)
    response = client.post(path, data(citizen))
    assert response.status_code == 403
    if logged_in:  # still logged in: the forged logout did nothing
        assert client.get("/accounts/email/").status_code == 200


@pytest.mark.parametrize(("path", "data", "logged_in"), [p[1:] for p in CSRF_FORMS], ids=[p[0] for p in CSRF_FORMS])
def test_the_same_form_with_its_token_is_accepted(citizen, path, data, logged_in):
    """Control for the test above: the refusal is the CSRF check, not a broken form."""
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(citizen)
    client.get("/")  # the header's language form sets the CSRF cookie on every page
    token = client.cookies["csrftoken"].value
    response = client.post(path, {**data(citizen), "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)


def test_forged_cross_site_post_with_a_stolen_cookie_but_wrong_token_is_refused(citizen):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"login": citizen.email, "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )
    assert response.status_code == 403


EVIL_TARGETS = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "https:evil.example",
    "http://127.0.0.1.evil.example/",
    "javascript:alert(1)",
    " https://evil.example",
    "https://testserver@evil.example/",
]


def _is_local(location: str) -> bool:
    return (location.startswith("/") and not location.startswith(("//", "/\\"))) or location.startswith(
        "http://testserver/"
    )


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_never_redirects_off_site(citizen, target):
    client = Client()
    response = client.post(f"/accounts/login/?next={target}", {"login": citizen.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _is_local(response["Location"]), response["Location"]
    response = client.post("/accounts/login/", {"login": citizen.email, "password": PASSWORD, "next": target})
    assert _is_local(response.get("Location", "/")), response.get("Location")


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_logout_never_redirects_off_site(citizen, target):
    client = Client()
    client.force_login(citizen)
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302
    assert _is_local(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_language_switch_never_redirects_off_site(target):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302
    assert _is_local(response["Location"]), response["Location"]
    response = client.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=target)
    assert _is_local(response["Location"]), response["Location"]


def test_login_keeps_a_local_next():
    """Control: a local `next` is honoured, so the tests above are not vacuous."""
    from .conftest import make_verified_user

    user = make_verified_user("next.control@example.vn")
    response = Client().post("/accounts/login/?next=/health/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/health/"


# --- Filing, documents and payments (need a dossier) ------------------------------------------------


def _owner_forms(world):
    return [
        ("filing-step", f"/ho-so/{world.draft.pk}/buoc/form/", {"child_name": "Forged", "action": "save"}),
        ("draft-delete", f"/ho-so/{world.draft.pk}/xoa/", {}),
        ("withdraw", f"/ho-so/{world.dossier.pk}/rut/", {"reason": "forged"}),
        ("rate", f"/ho-so/{world.dossier.pk}/danh-gia/", {"score": "1", "comment": "forged"}),
        ("supplement", f"/ho-so/{world.dossier.pk}/bo-sung/", {"action": "resubmit"}),
        ("pay", f"/payments/dossiers/{world.dossier.code}/start/", {"provider": "vnpay"}),
        ("document-delete", f"/tai-khoan/giay-to/{world.personal_document.pk}/xoa/", {}),
        ("profile", "/tai-khoan/", {"phone": "0900000000"}),
    ]


def test_filing_document_and_payment_forms_require_the_csrf_token():
    from dossiers.models import Dossier
    from payments.models import Payment
    from tests.support.world import world_build

    world = world_build(with_result=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    payments_before = Payment.objects.count()
    refused = {name: client.post(path, data).status_code for name, path, data in _owner_forms(world)}
    assert refused == dict.fromkeys(refused, 403), refused
    draft = Dossier.objects.get(pk=world.draft.pk)
    assert draft.form_data.get("child_name") != "Forged"
    assert Dossier.objects.get(pk=world.dossier.pk).status == world.dossier.status
    assert Payment.objects.count() == payments_before
    assert world.owner.documents.filter(pk=world.personal_document.pk).exists()


def test_the_api_refuses_session_authenticated_writes_without_csrf():
    from payments.models import Payment
    from tests.support.world import world_build

    world = world_build(with_result=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner)
    before = Payment.objects.count()
    response = client.post(
        f"/api/v1/dossiers/{world.dossier.code}/payments/", {"provider": "vnpay"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Payment.objects.count() == before


def test_payment_return_url_cannot_be_redirected_off_site():
    """The gateway's return URL is ours and signed: a tampered vnp_ReturnUrl is refused by the
    (sandbox) gateway, and our return page ignores any `next`."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    from payments.services import payment_start
    from tests.support.world import world_build

    world = world_build(with_result=False)
    payment = payment_start(dossier=world.dossier, provider_id="vnpay", payer=world.owner)
    url = urlsplit(payment.redirect_url)
    params = dict(parse_qsl(url.query))
    assert urlsplit(params["vnp_ReturnUrl"]).path == "/payments/vnpay/return/"
    params["vnp_ReturnUrl"] = "https://evil.example/steal"
    client = Client()
    client.force_login(world.owner)
    response = client.get(f"{url.path}?{urlencode(params)}")
    assert response.status_code in (200, 400)
    assert "evil.example" not in response.get("Location", "")
    assert "evil.example" not in response.content.decode()
    for target in EVIL_TARGETS:
        returned = client.get("/payments/vnpay/return/", {"next": target, "vnp_TxnRef": payment.reference})
        assert returned.status_code < 500
        assert _is_local(returned.get("Location", "/")), returned.get("Location")
