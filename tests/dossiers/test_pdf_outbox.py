"""PDFs survive a broker outage: the row is written with the change, the file comes later."""

from dossiers import services
from dossiers.issued_pdfs import issued_documents_redeliver_pending
from dossiers.models import IssuedDocument, Status


def _reset_broker_pools(app) -> None:
    """Drop the producer/connection pools so the next publish uses conf.broker_url again."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def test_receive_succeeds_with_the_broker_down_and_redelivery_issues_the_receipt_once(
    submitted, intake, django_capture_on_commit_callbacks
):
    from portal.celery import app

    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    _reset_broker_pools(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            dossier = services.dossier_receive(dossier=submitted, by=intake)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old
        _reset_broker_pools(app)

    assert dossier.status == Status.IN_PROCESSING
    receipt = IssuedDocument.objects.get(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT)
    assert not receipt.file  # due, not made yet

    # The broker is back (eager here): the beat job queues what is pending, exactly once.
    assert issued_documents_redeliver_pending(older_than_seconds=0) == 1
    receipt.refresh_from_db()
    assert receipt.file.read().startswith(b"%PDF")
    assert issued_documents_redeliver_pending(older_than_seconds=0) == 0
    assert IssuedDocument.objects.filter(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT).count() == 1
