from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from dossiers.hooks import transition_guard_register
        from portal.outbox import outbox_handler_register

        from . import receivers, services  # noqa: F401  (receivers connects the dossier signals)
        from .providers import provider_registry

        transition_guard_register(services.payment_guard)
        outbox_handler_register(services.RECEIPT_JOB, services.receipt_job_run)
        outbox_handler_register(services.PAID_NOTICE_JOB, services.payment_notice_job_run)
        outbox_handler_register(services.REFUND_JOB, services.refund_job_run)
        provider_registry.autodiscover("payments.providers")
        provider_registry.enabled()  # an unknown id in PAYMENT_PROVIDERS refuses to start
