from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from dossiers.hooks import transition_guard_register

        from . import receivers  # noqa: F401  (connects the dossier signals)
        from .providers import provider_registry
        from .services import payment_guard

        transition_guard_register(payment_guard)
        provider_registry.autodiscover("payments.providers")
        provider_registry.enabled()  # an unknown id in PAYMENT_PROVIDERS refuses to start
