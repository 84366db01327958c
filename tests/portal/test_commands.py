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
