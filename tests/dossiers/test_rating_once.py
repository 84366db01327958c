"""A satisfaction rating is given once: a re-post cannot change it (the indicators count it)."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import DossierRating
from dossiers.services import DossierActionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(received, processor, intake):
    d = services.dossier_approve(dossier=received, by=processor, paper_result=True)
    return services.dossier_return_result(dossier=d, by=intake)


def test_a_second_rating_is_refused_by_the_service(completed, citizen):
    services.dossier_rate(dossier=completed, by=citizen, score=5, comment="Nhanh")
    with pytest.raises(DossierActionError, match="chỉ được đánh giá một lần"):
        services.dossier_rate(dossier=completed, by=citizen, score=1, comment="Đổi ý")
    rating = DossierRating.objects.get(dossier=completed)
    assert (rating.score, rating.comment) == (5, "Nhanh")


def test_a_reposted_rating_form_shows_why_and_changes_nothing(completed, citizen, client):
    client.force_login(citizen)
    url = reverse("dossiers:rate", args=[completed.pk])
    client.post(url, {"score": "5", "comment": "Tốt"})
    page = client.post(url, {"score": "1", "comment": "Tệ"}, follow=True)
    assert page.status_code == 200
    assert "chỉ được đánh giá một lần" in page.content.decode()
    assert DossierRating.objects.get(dossier=completed).score == 5
    assert completed.events.filter(action="rate").count() == 1
