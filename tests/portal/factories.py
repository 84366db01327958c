"""Factories of the portal's models (administrative units, notifications)."""

import factory

from portal.models import Notification, Province, Ward
from tests.identity.factories import UserFactory


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = 86
    name = "Vĩnh Long"
    division_type = "tỉnh"
    codename = "vinh_long"


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward
        django_get_or_create = ("code",)

    code = 28789
    name = "Phường Bến Tre"
    division_type = "phường"
    codename = factory.Sequence(lambda n: f"ward_{n}")
    province = factory.SubFactory(ProvinceFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    channel = Notification.Channel.INBOX
    event = "test.event"
    subject = "Hồ sơ đã được tiếp nhận"
    body = "Hồ sơ của bạn đã được tiếp nhận."
    status = Notification.Status.SENT
    dedupe_key = factory.Sequence(lambda n: f"key-{n}")
