import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from portal.models import Province, Ward


@pytest.mark.django_db
def test_portal_init_loads_reference_data_idempotently():
    out = io.StringIO()
    call_command("portal_init", stdout=out)
    call_command("portal_init", stdout=out)
    assert "34 provinces" in out.getvalue()
    assert Province.objects.count() == 34
    assert Ward.objects.count() == 3321
    assert Group.objects.filter(name__in=["intake", "processing", "leader"]).count() == 3


@pytest.mark.django_db
def test_notifications_redeliver_command(settings, django_capture_on_commit_callbacks):
    from django.core import mail

    from portal.models import Notification
    from portal.notifications import notification_enqueue

    from .factories import UserFactory

    settings.EMAIL_BACKEND = "tests.portal.test_notifications.FailingEmailBackend"
    user = UserFactory(notify_sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification_enqueue(user=user, event="e", subject="Tiêu đề", body="Nội dung")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command("notifications_redeliver", "--older-than", "0", stdout=out)
    assert "1 pending" in out.getvalue()
    assert len(mail.outbox) == 1
    assert Notification.objects.get(channel="email").status == Notification.Status.SENT
