"""Concurrency on PostgreSQL: dossier codes under parallel submissions, and claiming."""

import threading

import pytest
from django.db import close_old_connections, connection

from dossiers import services
from dossiers.models import Dossier

from .conftest import pdf_upload
from .factories import AgencyFactory, CitizenFactory, official, version

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results.append(target(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    close_old_connections()
    return results, errors


def test_twenty_concurrent_submissions_get_twenty_distinct_codes():
    agency = AgencyFactory(code="000.00.31.H57")
    pv = version(agencies=[agency])
    drafts = []
    for _ in range(20):
        citizen = CitizenFactory()
        d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
        services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "x"})
        services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
        drafts.append(d)

    results, errors = _run_together(20, lambda i: services.dossier_submit(dossier=drafts[i], by=drafts[i].citizen).code)
    assert errors == []
    assert len(results) == 20 and len(set(results)) == 20
    assert sorted(int(code.rsplit("-", 1)[1]) for code in results) == list(range(1, 21))
    assert Dossier.objects.exclude(code=None).count() == 20


def test_two_officials_claiming_at_once_one_wins():
    agency = AgencyFactory(code="000.00.31.H57")
    pv = version(agencies=[agency])
    citizen = CitizenFactory()
    d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "x"})
    services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
    d = services.dossier_submit(dossier=d, by=citizen)
    officials = [official(agency, "processing"), official(agency, "intake")]

    for _round in range(3):
        Dossier.objects.filter(pk=d.pk).update(assigned_to=None)
        results, errors = _run_together(2, lambda i: services.dossier_claim(dossier=d, by=officials[i]).assigned_to_id)
        assert len(results) == 1 and len(errors) == 1
        assert isinstance(errors[0], services.DossierActionError)
        d.refresh_from_db()
        assert d.assigned_to_id == results[0]
