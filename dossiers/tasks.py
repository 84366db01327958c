"""Celery tasks of the dossier app. They take ids and are safe to run twice."""

from celery import shared_task

from portal.kernel.tasks import task_options


@shared_task(
    name="dossiers.tasks.issued_document_generate",
    **task_options(
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=(OSError,),
        retry_backoff=True,
        retry_backoff_max=600,
        max_retries=5,
        soft_time_limit=90,
        time_limit=120,
    ),
)
def issued_document_generate_task(dossier_id: int, kind: str, event_id: int | None = None, force: bool = False) -> int:
    """Make one issued PDF unless it exists already; returns the IssuedDocument id."""
    from .issued_pdfs import issued_document_create

    return issued_document_create(dossier_id=dossier_id, kind=kind, event_id=event_id, force=force).pk


@shared_task(
    name="dossiers.tasks.dossier_deadlines_check", **task_options(acks_late=True, soft_time_limit=300, time_limit=360)
)
def dossier_deadlines_check_task() -> dict:
    """Beat job: tell the responsible officials about dossiers that became due soon or overdue."""
    from .services import dossier_deadlines_mark

    return dossier_deadlines_mark()


@shared_task(
    name="dossiers.tasks.issued_documents_redeliver",
    **task_options(acks_late=True, soft_time_limit=120, time_limit=180),
)
def issued_documents_redeliver_task() -> int:
    """Beat job: queue again the PDFs whose first queueing was lost (broker outage)."""
    from .issued_pdfs import issued_documents_redeliver_pending

    return issued_documents_redeliver_pending()


@shared_task(
    name="dossiers.tasks.procedure_popularity_refresh",
    **task_options(acks_late=True, soft_time_limit=300, time_limit=360),
)
def procedure_popularity_refresh_task() -> int:
    """Beat job: "most used services" follow the dossiers filed lately."""
    from .services import procedure_popularity_refresh

    return procedure_popularity_refresh()


@shared_task(
    name="dossiers.tasks.indicators_rollup", **task_options(acks_late=True, soft_time_limit=240, time_limit=300)
)
def indicators_rollup_task() -> int:
    """Beat job: count the new dossier events into the indicator rollups (idempotent)."""
    from .rollups import indicators_catch_up

    return indicators_catch_up()


@shared_task(
    name="dossiers.tasks.indicators_reconcile", **task_options(acks_late=True, soft_time_limit=240, time_limit=300)
)
def indicators_reconcile_task() -> dict:
    """Beat job (nightly): rebuild the last days of the indicator rollups from the raw rows."""
    from .rollups import indicators_reconcile

    return indicators_reconcile()
