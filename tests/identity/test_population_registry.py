import datetime as dt

import pytest
from django.urls import reverse

from identity.population_registry import BREAKER_KEY, RegistryUnavailable, breaker_is_open, registry_adapter

from .factories import SandboxResidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_lookup_and_verify_against_the_sandbox_registry(sandbox_urls):
    resident = SandboxResidentFactory(full_name="Đặng Thị Thu Trang", date_of_birth=dt.date(1992, 6, 1))
    adapter = registry_adapter()
    person = adapter.lookup(resident.personal_id)
    assert person.full_name == "Đặng Thị Thu Trang"
    assert adapter.verify(resident.personal_id, "  đặng thị  THU trang ", dt.date(1992, 6, 1))
    assert not adapter.verify(resident.personal_id, "Đặng Thị Thu Trang", dt.date(1992, 6, 2))
    assert adapter.lookup("086190999999") is None


def test_answers_are_cached_briefly(sandbox_urls):
    resident = SandboxResidentFactory()
    adapter = registry_adapter()
    adapter.lookup(resident.personal_id)
    resident.delete()
    assert adapter.lookup(resident.personal_id) is not None


def test_wrong_token_is_not_an_answer(sandbox_urls, settings):
    settings.REGISTRY_TOKEN = "nope"
    settings.REGISTRY_RETRIES = 0
    resident = SandboxResidentFactory()
    import requests

    reply = requests.get(f"{sandbox_urls}/sandbox/registry/people/{resident.personal_id}/", timeout=5)
    assert reply.status_code == 401


def _citizen(client, resident):
    user = UserFactory(
        personal_id=resident.personal_id, full_name=resident.full_name, date_of_birth=resident.date_of_birth
    )
    client.force_login(user)
    return user


def test_profile_check_matches(sandbox_urls, client):
    resident = SandboxResidentFactory()
    user = _citizen(client, resident)
    page = client.post(reverse("identity:registry-check"), follow=True)
    assert "khớp với Cơ sở dữ liệu quốc gia về dân cư" in page.content.decode()
    user.refresh_from_db()
    assert user.registry_checked_at is not None and user.identity_level == 1


def test_registry_down_gives_a_calm_message(live_server, settings, client, closed_port):
    settings.REGISTRY_URL = f"http://127.0.0.1:{closed_port}/registry"
    settings.REGISTRY_RETRIES = 1
    settings.REGISTRY_BACKOFF = 0.01
    settings.REGISTRY_BREAKER_THRESHOLD = 2
    resident = SandboxResidentFactory()
    user = _citizen(client, resident)

    page = client.post(reverse("identity:registry-check"), follow=True)

    assert page.status_code == 200
    text = page.content.decode()
    assert "tạm thời chưa phản hồi" in text and "mức 1" in text
    assert "Đề nghị xác thực trực tiếp" in text
    user.refresh_from_db()
    assert user.registry_checked_at is None

    # A second failure opens the circuit (state in the cache): the next call does not even try.
    client.post(reverse("identity:registry-check"))
    assert breaker_is_open()
    with pytest.raises(RegistryUnavailable, match=r"^$"):
        registry_adapter().lookup("086190000001")
    from django.core.cache import cache

    assert cache.get(BREAKER_KEY)["open_until"] > 0

    # The citizen can ask for in-person verification instead.
    client.post(reverse("identity:request-in-person"))
    user.refresh_from_db()
    assert user.in_person_requested_at is not None


def test_registry_slow_gives_a_calm_message(sandbox_urls, settings, client):
    settings.REGISTRY_SANDBOX_DELAY = 1.5  # the live endpoint answers too late
    settings.REGISTRY_READ_TIMEOUT = 0.3
    settings.REGISTRY_RETRIES = 0
    resident = SandboxResidentFactory()
    _citizen(client, resident)
    page = client.post(reverse("identity:registry-check"), follow=True)
    assert page.status_code == 200
    assert "tạm thời chưa phản hồi" in page.content.decode()
