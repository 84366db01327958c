"""PDFs survive a broker outage: the row is written with the change, the file comes later."""

from dossiers import services
from dossiers.issued_pdfs import issued_documents_redeliver_pending
from dossiers.models import IssuedDocument, Status
from tests.support.celery import broker_down


def test_receive_succeeds_with_the_broker_down_and_redelivery_issues_the_receipt_once(
    submitted, intake, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        dossier = services.dossier_receive(dossier=submitted, by=intake)

    assert dossier.status == Status.IN_PROCESSING
    receipt = IssuedDocument.objects.get(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT)
    assert not receipt.file  # due, not made yet

    # The broker is back (eager here): the beat job queues what is pending, exactly once.
    assert issued_documents_redeliver_pending(older_than_seconds=0) == 1
    receipt.refresh_from_db()
    assert receipt.file.read().startswith(b"%PDF")
    assert issued_documents_redeliver_pending(older_than_seconds=0) == 0
    assert IssuedDocument.objects.filter(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT).count() == 1
