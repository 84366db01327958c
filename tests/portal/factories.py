import factory
from django.contrib.auth import get_user_model

from portal.models import Notification


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoi{n}@example.vn")
    full_name = "Nguyễn Thị Hường"
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    notify_email = True
    notify_sms = True
    password = factory.PostGenerationMethodCall("set_password", "demo-portal-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


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
