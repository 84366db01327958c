"""The second factor guards every staff page and API, not only /admin/ (issue 16, finding 4).

Every URL pattern of the URLconf is requested (GET and POST) by officials and a superuser who
signed in with their password but have not passed TOTP in this session: each answers with the
two-factor step (pages) or a 403 saying so (API), never with content, except the sign-in,
two-factor and sign-out pages, the health checks and the language switch. A citizen walking the
same URLs is never sent to a two-factor step."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from identity.middleware import path_is_exempt
from tests.security.test_authorization_matrix import _walk, all_entries
from tests.support.mfa import staff_login
from tests.support.world import totp_code, world_build

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
REAUTHENTICATE = "/accounts/2fa/reauthenticate/"


def _fill(route: str) -> str:
    """A concrete path for a route string; the guard does not depend on the object existing."""
    url = route.replace("^", "").replace("$", "")
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "x1", url)
    url = re.sub(r"<int:\w+>", "1", url)
    url = re.sub(r"<(?:\w+:)?\w+>", "x1", url)
    return "/" + url


def _urls(world) -> list[str]:
    """Every route of the URLconf, with the matrix's real objects where it has them."""
    real = {}
    for entry in all_entries():
        try:
            real.setdefault(entry.route, entry.url(world))
        except AttributeError:  # an object this configuration has not got (e.g. no receipt)
            continue
    return sorted({real.get(route) or _fill(route) for route in _walk(get_resolver().url_patterns)})


def _secrets(world) -> list[str]:
    return [world.owner.personal_id, world.owner.full_name, world.owner.email]


def _body(response) -> str:
    return "" if getattr(response, "streaming", False) else response.content.decode("utf-8", "replace")


@pytest.fixture
def world():
    return world_build()


def _officials_without_second_factor(world):
    """(who, client, the step they are sent to): no TOTP yet, and TOTP set up but not passed."""
    processing = world.officials["processing"]
    volunteer = world.officials["volunteer"]
    volunteer.is_staff = False  # an official profile alone is enough to need the second factor
    volunteer.save(update_fields=["is_staff"])
    processing_client = Client(raise_request_exception=False)
    processing_client.force_login(processing)  # has never set up TOTP
    return [
        ("processing official without TOTP", processing_client, ACTIVATE),
        (
            "volunteer (not staff) with TOTP not passed",
            staff_login(Client(raise_request_exception=False), volunteer, second_factor=False),
            REAUTHENTICATE,
        ),
        (
            "superuser with TOTP not passed",
            staff_login(Client(raise_request_exception=False), world.superuser, second_factor=False),
            REAUTHENTICATE,
        ),
    ]


def test_every_url_asks_staff_for_the_second_factor_first(world):
    urls = _urls(world)  # before the clients: building some URLs sets up TOTP for intake
    assert len(urls) > 150 and "/ho-so/nop-thay/9.000111/" in urls and "/sandbox/sms/" in urls
    failures = []
    for who, client, step in _officials_without_second_factor(world):
        for url in urls:
            exempt = path_is_exempt(url)
            for method in ("get",) if exempt else ("get", "post"):
                response = getattr(client, method)(url)
                body = _body(response)
                problem = None
                if response.status_code >= 500:
                    problem = f"server error {response.status_code}"
                elif any(secret in body for secret in _secrets(world)):
                    problem = "personal data in the answer"
                elif exempt:
                    pass
                elif url.startswith("/api/"):
                    if response.status_code != 403 or "xác thực hai lớp" not in response.json()["detail"]:
                        problem = f"expected 403 asking for the second factor, got {response.status_code}"
                elif response.status_code != 302 or not response["Location"].startswith(step):
                    problem = f"expected a redirect to {step}, got {response.status_code} {response.get('Location')}"
                if problem:
                    failures.append(f"{method.upper()} {url} as {who}: {problem}")
    assert not failures, f"{len(failures)} URLs answered staff without the second factor:\n" + "\n".join(failures)


def test_a_citizen_is_never_asked_for_a_second_factor(world):
    failures = []
    for url in _urls(world):
        client = Client(raise_request_exception=False)
        client.force_login(world.owner)
        response = client.get(url)
        if response.get("Location", "").startswith(("/accounts/2fa/", ACTIVATE)) or (
            response.status_code == 403 and "mfa_required" in _body(response)
        ):
            failures.append(url)
    assert not failures, f"A citizen was sent to a two-factor step on: {failures}"


def test_after_the_totp_step_the_official_reaches_the_dossier_file(world):
    client = staff_login(Client(), world.officials["intake"], second_factor=False)
    url = f"/ho-so/{world.dossier.pk}/tep/{world.dossier_file.pk}/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(REAUTHENTICATE)
    client.post(response["Location"], {"code": totp_code()})
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")


def test_staff_cannot_use_an_api_token(world):
    from rest_framework.authtoken.models import Token

    staff_token = Token.objects.create(user=world.officials["intake"])
    response = Client().get("/api/v1/dossiers/", HTTP_AUTHORIZATION=f"Token {staff_token.key}")
    assert response.status_code == 403 and "xác thực hai lớp" in response.json()["detail"]
    citizen_token = Token.objects.create(user=world.owner)
    response = Client().get("/api/v1/dossiers/", HTTP_AUTHORIZATION=f"Token {citizen_token.key}")
    assert response.status_code == 200 and world.dossier.code in response.content.decode()
