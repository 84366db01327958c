"""The population-registry check answers "matches" or not: without a limit, trying every day of
a year recovers anyone's birth date from their number. Checks are limited per account and per
personal ID, counted in the database (they survive a restart and hold across workers)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from identity.models import User
from identity.services import RegistryCheckRefused, registry_check_run

from .factories import SandboxResidentFactory, UserFactory, cccd_number

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT_MESSAGE = "quá nhiều lần trong 24 giờ qua"


def _guess(client, user, *, personal_id, birth):
    User.objects.filter(personal_id=personal_id).exclude(pk=user.pk).update(personal_id=None)
    User.objects.filter(pk=user.pk).update(personal_id=personal_id, date_of_birth=birth)
    client.force_login(user)
    return client.post(reverse("identity:registry-check"), follow=True).content.decode()


def test_the_sixth_birth_date_guess_is_refused_even_from_another_account(sandbox_urls, client, settings):
    settings.REGISTRY_CHECK_LIMIT_PER_DAY = 5
    settings.REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY = 5
    victim = SandboxResidentFactory(full_name="Phạm Thị Nạn Nhân", date_of_birth=dt.date(1992, 6, 1))
    first = UserFactory(full_name=victim.full_name)
    for day in range(1, 6):
        page = _guess(client, first, personal_id=victim.personal_id, birth=dt.date(1992, 1, day))
        assert "không khớp" in page and LIMIT_MESSAGE not in page
    cache.clear()  # a restart or another worker: the count is in the database, not the cache

    second = UserFactory(full_name=victim.full_name)
    page = _guess(client, second, personal_id=victim.personal_id, birth=dt.date(1992, 6, 1))

    assert LIMIT_MESSAGE in page
    assert "khớp với Cơ sở dữ liệu quốc gia về dân cư" not in page
    second.refresh_from_db()
    assert second.registry_checked_at is None


def test_one_account_cannot_try_more_than_the_limit_across_numbers(sandbox_urls, settings):
    settings.REGISTRY_CHECK_LIMIT_PER_DAY = 3
    user = UserFactory(full_name="Trần Văn Dò", date_of_birth=dt.date(1990, 1, 15))
    for serial in range(3):
        User.objects.filter(pk=user.pk).update(personal_id=cccd_number(serial=900 + serial))
        user.refresh_from_db()
        assert registry_check_run(user=user) is False
    User.objects.filter(pk=user.pk).update(personal_id=cccd_number(serial=950))
    user.refresh_from_db()
    with pytest.raises(RegistryCheckRefused, match="quá nhiều lần"):
        registry_check_run(user=user)


def test_a_registry_that_does_not_answer_does_not_use_up_the_limit(live_server, settings, closed_port):
    settings.REGISTRY_URL = f"http://127.0.0.1:{closed_port}/registry"
    settings.REGISTRY_RETRIES = 0
    settings.REGISTRY_BREAKER_THRESHOLD = 100
    settings.REGISTRY_CHECK_LIMIT_PER_DAY = 1
    from identity.population_registry import RegistryUnavailable

    user = UserFactory(full_name="Lê Văn Chờ", personal_id=cccd_number(serial=960), date_of_birth=dt.date(1990, 1, 15))
    for _ in range(2):
        with pytest.raises(RegistryUnavailable):
            registry_check_run(user=user)
