"""The e-ID client against an OpenID Provider we did not write: panva's oidc-provider (npm),
started on 127.0.0.1 with client_secret_basic only, signed UserInfo, the RFC 9207 `iss` in the
authorization response and RP-initiated logout (tests/identity/oidc_provider/server.js)."""

import json
import os
import re
import select
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from identity.models import User

pytestmark = pytest.mark.django_db(transaction=True)

OP_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "cong-dvc-test"
CLIENT_SECRET = "a secret: with reserved+chars"
CITIZEN = {"login": "citizen-7", "pid": "086090000777", "name": "Trương Thị Bảy", "birth": "19900115"}


def _require_node():
    if shutil.which("node") and shutil.which("npm"):
        return
    reason = "node and npm are needed to run panva's oidc-provider (apt-get install nodejs npm)"
    if os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_line(process, marker: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([process.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return
    raise RuntimeError(f"oidc-provider did not start: {''.join(seen)}")


@pytest.fixture
def oidc_op(live_server, settings):
    _require_node()
    if not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OP_DIR, check=True, timeout=600)
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    settings.SITE_URL = live_server.url
    settings.EID_ISSUER = issuer
    settings.EID_CLIENT_ID = CLIENT_ID
    settings.EID_CLIENT_SECRET = CLIENT_SECRET
    settings.EID_SCOPES = "openid profile"
    settings.EID_TOKEN_AUTH_METHOD = ""
    accounts = {
        CITIZEN["login"]: {
            settings.EID_CLAIM_PERSONAL_ID: CITIZEN["pid"],
            settings.EID_CLAIM_NAME: CITIZEN["name"],
            settings.EID_CLAIM_BIRTH_DATE: CITIZEN["birth"],
            settings.EID_CLAIM_LEVEL: "2",
        }
    }
    env = {
        **os.environ,
        "OP_PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"{live_server.url}/tai-khoan/vneid/callback/",
        "POST_LOGOUT_REDIRECT_URI": f"{live_server.url}/",
        "ACCOUNTS": json.dumps(accounts),
    }
    process = subprocess.Popen(
        ["node", "server.js"], cwd=OP_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        _wait_for_line(process, "listening")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def _login_page(browser: requests.Session, portal: str):
    start = browser.get(f"{portal}/tai-khoan/vneid/", allow_redirects=False, timeout=10)
    assert start.status_code == 302
    authorize = parse_qs(urlparse(start.headers["Location"]).query)
    page = browser.get(start.headers["Location"], timeout=10)
    assert page.status_code == 200 and "Test OP login" in page.text
    return authorize, page


def _sign_in_at_op(browser: requests.Session, page, login: str):
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    return browser.post(urljoin(page.url, action), data={"login": login}, timeout=10)


def _csrf(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_login_logout_and_fresh_login_against_panva_oidc_provider(oidc_op, live_server):
    portal = live_server.url
    browser = requests.Session()

    # 1. Sign in: code flow with client_secret_basic, `iss` in the answer, signed UserInfo.
    authorize, page = _login_page(browser, portal)
    assert "prompt" not in authorize
    landed = _sign_in_at_op(browser, page, CITIZEN["login"])
    assert landed.status_code == 200, landed.text[:500]
    assert urlparse(landed.url).path == "/tai-khoan/"
    assert "Định danh mức 2" in landed.text
    user = User.objects.get(personal_id=CITIZEN["pid"])
    assert user.identity_level == 2 and user.personal_id_source == "eid"
    assert user.full_name == CITIZEN["name"] and user.eid_issuer == oidc_op and user.eid_subject == CITIZEN["login"]

    # 2. Portal sign-out ends the provider's session too (RP-initiated logout with id_token_hint).
    signed_out = browser.post(
        f"{portal}/accounts/logout/", data={"csrfmiddlewaretoken": _csrf(landed)}, allow_redirects=False, timeout=10
    )
    end_session = urlparse(signed_out.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}" == oidc_op
    end_params = parse_qs(end_session.query)
    assert end_params["id_token_hint"] and end_params["post_logout_redirect_uri"] == [f"{portal}/"]
    confirm = browser.get(signed_out.headers["Location"], timeout=10)
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', confirm.text, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    back = browser.post(unescape(form.group(1)), data={**fields, "logout": "yes"}, timeout=10)
    assert back.status_code == 200 and back.url == f"{portal}/"
    assert browser.get(f"{portal}/tai-khoan/", allow_redirects=False, timeout=10).status_code == 302

    # 3. The next e-ID sign-in on this browser asks the provider for a fresh login.
    authorize, page = _login_page(browser, portal)
    assert authorize["prompt"] == ["login"]
    reasons = re.search(r'<p id="reasons">([^<]*)</p>', page.text).group(1).split()
    assert "login_prompt" in reasons  # the provider received prompt=login
    assert "no_session" in reasons  # and its session of the first sign-in is gone
    again = _sign_in_at_op(browser, page, CITIZEN["login"])
    assert urlparse(again.url).path == "/tai-khoan/" and "Định danh mức 2" in again.text
    assert User.objects.filter(personal_id=CITIZEN["pid"]).count() == 1
    assert "eid_prompt_login" not in browser.cookies.get_dict()
