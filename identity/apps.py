from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Identity")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import m2m_changed

        from portal.audit import audit_scope_register

        from .eid import eid_on_sign_out
        from .models import User
        from .selectors import audit_events_visible_to, roles_forget

        user_logged_out.connect(eid_on_sign_out, dispatch_uid="identity.eid_on_sign_out")
        audit_scope_register(audit_events_visible_to)
        m2m_changed.connect(roles_forget, sender=User.groups.through, dispatch_uid="identity.roles_forget")
