from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")
    # Permissions of the payments' models for the official roles (collected by identity.roles).
    role_permissions = {
        "cashier": [
            "payments.view_payment",
            "payments.record_counter_payment",
            "payments.view_refund",
            "payments.add_refund",
            "payments.view_receipt",
        ],
    }

    def ready(self):
        from dossiers.hooks import fee_provider_register, indicator_counter_register, transition_guard_register
        from portal.outbox import outbox_handler_register
        from portal.signing import signed_document_resolver_register

        from . import receivers, services  # noqa: F401  (receivers connects the dossier signals)
        from .providers import provider_registry
        from .selectors import fee_panel, fee_states, payment_indicator_counts

        transition_guard_register(services.payment_guard)
        indicator_counter_register(payment_indicator_counts)
        fee_provider_register(fee_states, fee_panel)
        outbox_handler_register(services.RECEIPT_JOB, services.receipt_job_run)
        signed_document_resolver_register(services.receipt_resolve)
        outbox_handler_register(services.PAID_NOTICE_JOB, services.payment_notice_job_run)
        outbox_handler_register(services.REFUND_JOB, services.refund_job_run)
        provider_registry.autodiscover("payments.providers")
        provider_registry.enabled()  # an unknown id in PAYMENT_PROVIDERS refuses to start
