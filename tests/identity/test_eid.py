import re
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils.translation import override

from identity.eid import SESSION_KEY, oidc_discovery, oidc_verify_id_token, pkce_challenge
from identity.models import User
from identity.sandbox_eid import sandbox_id_token, sandbox_signing_key, subject_for
from identity.services import EidLoginError
from portal.sessions import SessionStore

from .factories import SandboxResidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _authorize_page(session: requests.Session, base: str):
    page = session.get(f"{base}/tai-khoan/vneid/", timeout=10)
    assert page.status_code == 200
    assert urlparse(page.url).path == "/sandbox/eid/authorize/"
    return page


def _pick(session: requests.Session, page, resident):
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    params = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    return session.post(
        page.url.split("?")[0],
        data={**params, "resident": resident.pk, "csrfmiddlewaretoken": csrf},
        timeout=10,
    )


def test_round_trip_lands_as_level2_citizen(sandbox_urls):
    resident = SandboxResidentFactory(full_name="Phạm Ngọc Hân", eid_level=2)
    browser = requests.Session()
    page = _authorize_page(browser, sandbox_urls)
    query = parse_qs(urlparse(page.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    assert resident.full_name in page.text

    landed = _pick(browser, page, resident)

    assert landed.status_code == 200
    assert urlparse(landed.url).path == "/tai-khoan/"
    assert "Định danh mức 2" in landed.text
    user = User.objects.get(personal_id=resident.personal_id)
    assert user.identity_level == 2 and user.verified_via == "eid"
    assert user.full_name == "Phạm Ngọc Hân" and user.date_of_birth == resident.date_of_birth
    assert (user.eid_issuer, user.eid_subject) == (f"{sandbox_urls}/sandbox/eid", subject_for(resident))
    assert user.personal_id_source == "eid" and user.personal_id_verified


def test_first_login_links_existing_account_verified_at_the_desk(sandbox_urls):
    resident = SandboxResidentFactory()
    existing = UserFactory(
        email="an@example.test",
        personal_id=resident.personal_id,
        identity_level=2,
        verified_via="in_person",
        personal_id_source="in_person",
    )
    browser = requests.Session()
    _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    existing.refresh_from_db()
    assert existing.identity_level == 2 and existing.eid_subject == subject_for(resident)
    assert User.objects.filter(personal_id=resident.personal_id).count() == 1


def test_level1_eid_account_stays_level1(sandbox_urls):
    resident = SandboxResidentFactory(eid_level=1)
    browser = requests.Session()
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    assert "mức 1" in landed.text
    assert User.objects.get(personal_id=resident.personal_id).identity_level == 1


def test_wrong_nonce_in_the_flow_is_refused_end_to_end(sandbox_urls):
    resident = SandboxResidentFactory()
    browser = requests.Session()
    page = _authorize_page(browser, sandbox_urls)
    store = SessionStore(session_key=browser.cookies["sessionid"])
    flow = store[SESSION_KEY]
    store[SESSION_KEY] = {**flow, "nonce": "another-nonce"}
    store.save()

    landed = _pick(browser, page, resident)

    assert urlparse(landed.url).path == "/accounts/login/"
    assert "nonce" in landed.text and "không thành công" in landed.text
    assert not User.objects.filter(personal_id=resident.personal_id).exists()


def test_cancel_at_the_issuer_and_forged_state(sandbox_urls):
    browser = requests.Session()
    page = _authorize_page(browser, sandbox_urls)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    params = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    cancelled = browser.post(page.url.split("?")[0], data={**params, "cancel": "1", "csrfmiddlewaretoken": csrf})
    assert "hủy hoặc bị từ chối" in cancelled.text
    forged = browser.get(f"{sandbox_urls}/tai-khoan/vneid/callback/?code=x&state=forged")
    assert forged.status_code == 200 and "hết hạn" in forged.text


def _config(sandbox_urls):
    return oidc_discovery()


def _token(resident, *, audience="cong-dvc-sandbox", nonce="n-1", issuer=None, lifetime=300):
    return sandbox_id_token(resident=resident, audience=audience, nonce=nonce, issuer=issuer, lifetime=lifetime)


def _refused(token, nonce="n-1"):
    with override("vi"), pytest.raises(EidLoginError, match="định danh") as info:
        oidc_verify_id_token(token, nonce=nonce)
    return str(info.value)


def test_valid_token_verifies(sandbox_urls):
    resident = SandboxResidentFactory()
    claims = oidc_verify_id_token(_token(resident, issuer=f"{sandbox_urls}/sandbox/eid"), nonce="n-1")
    assert claims["citizen_pid"] == resident.personal_id


def test_tampered_token_is_refused(sandbox_urls):
    resident = SandboxResidentFactory()
    header, _payload, signature = _token(resident, issuer=f"{sandbox_urls}/sandbox/eid").split(".")
    other = SandboxResidentFactory()
    forged_payload = _token(other, issuer=f"{sandbox_urls}/sandbox/eid").split(".")[1]
    assert "Chữ ký" in _refused(f"{header}.{forged_payload}.{signature}")


def test_token_signed_with_a_foreign_key_is_refused(sandbox_urls):
    resident = SandboxResidentFactory()
    kid, _key = sandbox_signing_key()
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": f"{sandbox_urls}/sandbox/eid",
        "aud": "cong-dvc-sandbox",
        "sub": subject_for(resident),
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        "citizen_pid": resident.personal_id,
    }
    token = jwt.encode(claims, foreign, algorithm="RS256", headers={"kid": kid})
    assert "Chữ ký" in _refused(token)
    hs = jwt.encode(claims, "shared-secret-guess-0123456789abcdef", algorithm="HS256", headers={"kid": kid})
    assert "không được ký" in _refused(hs)


def test_wrong_nonce_audience_issuer_and_expired_are_refused(sandbox_urls):
    resident = SandboxResidentFactory()
    issuer = f"{sandbox_urls}/sandbox/eid"
    assert "nonce" in _refused(_token(resident, issuer=issuer, nonce="someone-else"))
    assert "ứng dụng khác" in _refused(_token(resident, issuer=issuer, audience="another-client"))
    assert "hết hạn" in _refused(_token(resident, issuer=issuer, lifetime=-120))
    assert "đơn vị phát hành" in _refused(_token(resident, issuer="https://evil.example/eid"))
    assert "không đọc được" in _refused("not-a-jwt")


def test_token_endpoint_checks_pkce_secret_and_single_use(sandbox_urls, settings):
    resident = SandboxResidentFactory()
    browser = requests.Session()
    page = _authorize_page(browser, sandbox_urls)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    params = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    answer = browser.post(
        page.url.split("?")[0],
        data={**params, "resident": resident.pk, "csrfmiddlewaretoken": csrf},
        allow_redirects=False,
    )
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    verifier = SessionStore(session_key=browser.cookies["sessionid"])[SESSION_KEY]["verifier"]
    assert pkce_challenge(verifier) == params["code_challenge"]
    token_url = f"{sandbox_urls}/sandbox/eid/token/"
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "client_id": settings.EID_CLIENT_ID,
        "client_secret": settings.EID_CLIENT_SECRET,
    }
    assert (
        requests.post(token_url, data={**base, "client_secret": "wrong", "code_verifier": verifier}).status_code == 401
    )
    assert requests.post(token_url, data={**base, "code_verifier": "x" * 50}).json()["error"] == "invalid_grant"
    # the failed attempt consumed the code: codes are single use
    assert requests.post(token_url, data={**base, "code_verifier": verifier}).json()["error"] == "invalid_grant"


def test_discovery_and_userinfo(sandbox_urls):
    config = oidc_discovery()
    assert config["issuer"] == f"{sandbox_urls}/sandbox/eid"
    assert requests.get(config["jwks_uri"]).json()["keys"][0]["alg"] == "RS256"
    assert requests.get(config["userinfo_endpoint"], headers={"Authorization": "Bearer nope"}).status_code == 401


def test_officials_cannot_use_eid(sandbox_urls):
    resident = SandboxResidentFactory()
    UserFactory(email="staff@example.test", personal_id=resident.personal_id, is_staff=True)
    browser = requests.Session()
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    assert "Cán bộ đăng nhập bằng email" in landed.text


def test_callback_is_rate_limited(client, settings):
    settings.EID_CALLBACK_RATE = "2/m"
    url = "/tai-khoan/vneid/callback/?code=x&state=y"
    assert [client.get(url).status_code for _ in range(3)] == [302, 302, 429]


def test_user_meets_level():
    from identity.selectors import user_meets_level

    citizen = UserFactory()
    assert user_meets_level(citizen, 1) and not user_meets_level(citizen, 2)
    citizen.identity_level = 2
    assert user_meets_level(citizen, 2)


def test_claims_from_userinfo_when_not_in_the_id_token(sandbox_urls, settings):
    settings.EID_SCOPES = "openid"
    resident = SandboxResidentFactory(full_name="Huỳnh Minh Khang", sex="M")
    browser = requests.Session()
    page = _authorize_page(browser, sandbox_urls)
    assert parse_qs(urlparse(page.url).query)["scope"] == ["openid"]
    _pick(browser, page, resident)
    user = User.objects.get(personal_id=resident.personal_id)
    assert user.full_name == "Huỳnh Minh Khang" and user.identity_level == 2
