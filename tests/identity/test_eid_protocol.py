"""The e-ID client's protocol checks (finding 6 of issue 16): RP-initiated logout and
prompt=login after a sign-out, RFC 9207 `iss`, `azp`, signed UserInfo, token endpoint
authentication from discovery, and the provider's error in the log."""

import logging
import re
import time
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from django.utils.translation import override

from identity.eid import PROMPT_LOGIN_COOKIE, SESSION_KEY, oidc_token_auth, oidc_verify_id_token
from identity.models import User
from identity.sandbox_eid import sandbox_signing_key, subject_for
from identity.services import EidLoginError
from portal.sessions import SessionStore

from .factories import SandboxResidentFactory, UserFactory
from .test_eid import _authorize_page, _pick

pytestmark = pytest.mark.django_db(transaction=True)


def _csrf(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _answer(browser, page, resident) -> str:
    """The issuer's redirect back to the portal (not followed)."""
    params = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    answer = browser.post(
        page.url.split("?")[0],
        data={**params, "resident": resident.pk, "csrfmiddlewaretoken": _csrf(page)},
        allow_redirects=False,
    )
    return answer.headers["Location"]


def test_sign_out_ends_the_eid_session_and_the_next_eid_login_asks_again(sandbox_urls):
    resident = SandboxResidentFactory()
    browser = requests.Session()
    first = browser.get(f"{sandbox_urls}/tai-khoan/vneid/", allow_redirects=False)
    assert "prompt" not in parse_qs(urlparse(first.headers["Location"]).query)
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), resident)

    signed_out = browser.post(
        f"{sandbox_urls}/accounts/logout/", data={"csrfmiddlewaretoken": _csrf(landed)}, allow_redirects=False
    )

    end_session = urlparse(signed_out.headers["Location"])
    assert end_session.path == "/sandbox/eid/logout/"
    params = parse_qs(end_session.query)
    hint = jwt.decode(params["id_token_hint"][0], options={"verify_signature": False})
    assert hint["sub"] == subject_for(resident)
    assert params["post_logout_redirect_uri"] == [f"{sandbox_urls}/"]
    home = browser.get(signed_out.headers["Location"])
    assert home.url == f"{sandbox_urls}/" and browser.cookies.get(PROMPT_LOGIN_COOKIE) == "1"
    again = browser.get(f"{sandbox_urls}/tai-khoan/vneid/", allow_redirects=False)
    assert parse_qs(urlparse(again.headers["Location"]).query)["prompt"] == ["login"]
    # a completed e-ID sign-in clears the flag
    _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    assert PROMPT_LOGIN_COOKIE not in browser.cookies.get_dict()


def test_password_sign_out_stays_on_the_portal_but_flags_the_browser(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[PROMPT_LOGIN_COOKIE].value == "1"
    assert client.cookies[PROMPT_LOGIN_COOKIE]["httponly"]


def _tamper(location: str, **changes) -> str:
    url = urlparse(location)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{url.scheme}://{url.netloc}{url.path}?{urlencode(query)}"


@pytest.mark.parametrize(
    ("iss", "message"),
    [("https://evil.example/eid", "dịch vụ định danh không đúng"), (None, "không cho biết dịch vụ định danh")],
    ids=["foreign-iss", "missing-iss"],
)
def test_answer_with_a_wrong_or_missing_iss_is_refused(sandbox_urls, iss, message):
    resident = SandboxResidentFactory()
    browser = requests.Session()
    location = _answer(browser, _authorize_page(browser, sandbox_urls), resident)
    assert parse_qs(urlparse(location).query)["iss"] == [f"{sandbox_urls}/sandbox/eid"]
    landed = browser.get(_tamper(location, iss=iss))
    assert urlparse(landed.url).path == "/accounts/login/" and message in landed.text
    assert not User.objects.filter(personal_id=resident.personal_id).exists()


def test_provider_error_is_logged_and_explained(sandbox_urls, caplog):
    browser = requests.Session()
    page = _authorize_page(browser, sandbox_urls)
    state = parse_qs(urlparse(page.url).query)["state"][0]
    answer = {
        "error": "invalid_scope",
        "error_description": "scope citizen_pid is not allowed for this client",
        "state": state,
        "iss": f"{sandbox_urls}/sandbox/eid",
    }
    with caplog.at_level(logging.WARNING, logger="identity.eid"):
        landed = browser.get(f"{sandbox_urls}/tai-khoan/vneid/callback/?{urlencode(answer)}")
    assert "từ chối lượt đăng nhập (mã lỗi: invalid_scope)" in landed.text
    assert "scope citizen_pid is not allowed for this client" in caplog.text


def _signed(claims: dict) -> str:
    kid, key = sandbox_signing_key()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _claims(issuer: str, **extra) -> dict:
    now = int(time.time())
    return {
        "iss": issuer,
        "sub": "s-1",
        "aud": "cong-dvc-sandbox",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        **extra,
    }


def test_azp_is_required_for_several_audiences(sandbox_urls):
    issuer = f"{sandbox_urls}/sandbox/eid"
    several = ["cong-dvc-sandbox", "another-client"]
    with override("vi"), pytest.raises(EidLoginError, match="ứng dụng khác"):
        oidc_verify_id_token(_signed(_claims(issuer, aud=several)), nonce="n-1")
    with override("vi"), pytest.raises(EidLoginError, match="ứng dụng khác"):
        oidc_verify_id_token(_signed(_claims(issuer, aud=several, azp="another-client")), nonce="n-1")
    with override("vi"), pytest.raises(EidLoginError, match="ứng dụng khác"):
        oidc_verify_id_token(_signed(_claims(issuer, azp="another-client")), nonce="n-1")
    good = oidc_verify_id_token(_signed(_claims(issuer, aud=several, azp="cong-dvc-sandbox")), nonce="n-1")
    assert good["sub"] == "s-1"


def test_signed_userinfo_is_verified_and_read(sandbox_urls, settings):
    settings.EID_SCOPES = "openid"  # the identity claims come from UserInfo only
    settings.SANDBOX_EID_SIGNED_USERINFO = True
    resident = SandboxResidentFactory(full_name="Tạ Văn Ký")
    browser = requests.Session()
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    assert "Định danh mức 2" in landed.text
    assert User.objects.get(personal_id=resident.personal_id).full_name == "Tạ Văn Ký"


def test_token_endpoint_authentication_follows_discovery(settings):
    settings.EID_TOKEN_AUTH_METHOD = ""
    both = {"token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]}
    assert oidc_token_auth(both) == "client_secret_basic"
    assert oidc_token_auth({"token_endpoint_auth_methods_supported": ["client_secret_post"]}) == "client_secret_post"
    assert oidc_token_auth({}) == "client_secret_basic"  # the default of OpenID Connect Discovery
    with override("vi"), pytest.raises(EidLoginError, match="xác thực ứng dụng"):
        oidc_token_auth({"token_endpoint_auth_methods_supported": ["private_key_jwt"]})


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_both_client_authentications_sign_in(sandbox_urls, settings, method):
    settings.EID_TOKEN_AUTH_METHOD = method
    resident = SandboxResidentFactory()
    browser = requests.Session()
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    assert "Định danh mức 2" in landed.text


def test_flow_state_in_session_is_single_use(sandbox_urls):
    resident = SandboxResidentFactory()
    browser = requests.Session()
    location = _answer(browser, _authorize_page(browser, sandbox_urls), resident)
    assert SessionStore(session_key=browser.cookies["sessionid"]).get(SESSION_KEY)
    browser.get(location)
    replay = browser.get(location)
    assert "hết hạn" in replay.text
