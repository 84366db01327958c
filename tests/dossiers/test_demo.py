import io

import pytest

from dossiers import demo
from dossiers.models import Dossier, Status
from dossiers.selectors import official_queue
from identity.models import User

from .factories import AgencyFactory, CitizenFactory, official, version

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
            Status.COMPLETED,  # returned late
            Status.IN_PROCESSING,  # overdue now
            Status.SUBMITTED,  # filed at the counter on the citizen's behalf
        ]
    ), out.getvalue()
    assert sorted(Dossier.objects.filter(status=Status.COMPLETED).values_list("rating__score", flat=True)) == [3, 5]
    late = Dossier.objects.get(applicant__demo_key="demo-c1-late")
    assert late.completed_at > late.due_at
    counter = Dossier.objects.get(applicant__demo_key="demo-counter")
    assert (counter.channel, counter.filed_by.email) == ("counter", "intake@example.vn")
    demo.seed(password="x", stdout=out)
    assert Dossier.objects.count() == 10
    assert User.objects.get(email="citizen1@example.vn").dossiers.count() == 4


def test_demo_without_officials_does_nothing():
    out = io.StringIO()
    assert demo.seed(password="x", stdout=out) == []
    assert "skipped" in out.getvalue()


def test_each_demo_officials_agency_gets_a_queue(agency):
    """intake@ and intake2@ work at different agencies: both open a queue with demo dossiers."""
    other = AgencyFactory()
    version(code="1.000101", agencies=[agency], documents=[])
    version(code="1.000202", agencies=[other], documents=[])
    CitizenFactory(email="citizen2@example.vn")
    CitizenFactory(email="citizen1@example.vn", identity_level=1)
    intake = official(agency, "intake", email="intake@example.vn")
    official(agency, "processing", email="processing@example.vn")
    intake2 = official(other, "intake", email="intake2@example.vn")
    official(other, "processing", email="processing2@example.vn")
    demo.seed(password="x", stdout=io.StringIO())
    assert official_queue(user=intake).count() == 9  # every plan line but the draft
    assert official_queue(user=intake2).count() == 9
    assert not official_queue(user=intake).filter(current_agency=other).exists()
