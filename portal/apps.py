from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")
    # Permissions of portal's models for the official roles (collected by identity.roles).
    role_permissions = {"auditor": ["portal.view_auditevent"]}

    def ready(self):
        from .kernel.uploads import image_limits_apply

        image_limits_apply()
