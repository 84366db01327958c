from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from portal.outbox import outbox_handler_register

        from . import receivers, services  # noqa: F401  (receivers connects the dossier signal)
        from .adapters import adapter_registry

        outbox_handler_register(services.SYNC_JOB, services.sync_job_run)
        outbox_handler_register(services.WEBHOOK_JOB, services.webhook_job_run)
        adapter_registry.autodiscover("integrations.adapters")
        adapter_registry.enabled()  # an unknown NATIONAL_SYNC_ADAPTER refuses to start
