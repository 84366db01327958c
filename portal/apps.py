from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("Portal")
    # Permissions of portal's models for the official roles (collected by identity.roles).
    role_permissions = {"auditor": ["portal.view_auditevent"]}

    def ready(self):
        from .kernel.uploads import image_limits_apply

        image_limits_apply()


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's back-office site (portal/admin_site.py)."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
