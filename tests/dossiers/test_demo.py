import io

import pytest

from dossiers import demo
from dossiers.models import Dossier, Status
from identity.models import User

from .factories import CitizenFactory, official, version

pytestmark = pytest.mark.django_db


def test_demo_dossiers_are_made_once_in_every_state(agency):
    version(code="1.000101", agencies=[agency], documents=[])
    CitizenFactory(email="citizen2@example.vn")
    CitizenFactory(email="citizen1@example.vn", identity_level=1)
    official(agency, "intake", email="intake@example.vn")
    official(agency, "processing", email="processing@example.vn")
    out = io.StringIO()
    demo.seed(password="x", stdout=out)
    statuses = sorted(Dossier.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [
            Status.SUBMITTED,
            Status.IN_PROCESSING,
            Status.SUPPLEMENT_REQUESTED,
            Status.COMPLETED,
            Status.REFUSED,
            Status.IN_PROCESSING,
            Status.DRAFT,
        ]
    ), out.getvalue()
    assert Dossier.objects.get(status=Status.COMPLETED).rating.score == 5
    demo.seed(password="x", stdout=out)
    assert Dossier.objects.count() == 7
    assert User.objects.get(email="citizen1@example.vn").dossiers.count() == 2


def test_demo_without_officials_does_nothing():
    out = io.StringIO()
    assert demo.seed(password="x", stdout=out) == []
    assert "skipped" in out.getvalue()
