from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")
    # Permissions of the dossiers' models for the official roles (collected by identity.roles).
    role_permissions = {
        "intake": ["dossiers.view_dossier", "dossiers.change_dossier", "dossiers.view_calendarexception"],
        "processing": ["dossiers.view_dossier", "dossiers.change_dossier", "dossiers.view_calendarexception"],
        "leader": [
            "dossiers.view_dossier",
            "dossiers.change_dossier",
            "dossiers.assign_dossier",
            "dossiers.view_calendarexception",
            "dossiers.add_calendarexception",
            "dossiers.change_calendarexception",
            "dossiers.delete_calendarexception",
        ],
    }

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from identity import hooks
        from portal.outbox import outbox_handler_register
        from portal.signing import signed_document_resolver_register

        from .calendar import calendar_exceptions_changed
        from .issued_pdfs import PDF_JOB, issued_document_job_run, issued_document_resolve
        from .models import CalendarException
        from .selectors import personal_document_in_handled_dossier, user_has_open_dossier
        from .services.drafts import personal_document_release
        from .services.submission import FILED_NOTICE_JOB, dossier_filed_notify

        for signal in (post_save, post_delete):
            signal.connect(calendar_exceptions_changed, sender=CalendarException, dispatch_uid="calendar-exceptions")
        hooks.document_access_checker_register(personal_document_in_handled_dossier)
        hooks.open_dossier_checker_register(user_has_open_dossier)
        hooks.document_releaser_register(personal_document_release)
        outbox_handler_register(PDF_JOB, issued_document_job_run)
        outbox_handler_register(FILED_NOTICE_JOB, dossier_filed_notify)
        signed_document_resolver_register(issued_document_resolve)
