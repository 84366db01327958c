"""The officials' back office: Django's admin under the portal's name and emblem, with the apps
grouped the way officials think of their work rather than by code package."""

from django.conf import settings
from django.contrib import admin
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# (heading, app labels or "app_label.ModelName" in order). Anything not listed lands in "System".
ADMIN_GROUPS = (
    ("dossiers", _("Dossiers"), ("dossiers", "identity.PersonalDocument")),
    ("payments", _("Payments"), ("payments",)),
    ("catalog", _("Procedure catalog"), ("services",)),
    ("people", _("Users and permissions"), ("identity.User", "auth", "authtoken", "account", "mfa", "socialaccount")),
)
SYSTEM_GROUP = ("system", _("System"))


def _group_of(app_label: str, object_name: str) -> str:
    for key, _heading, members in ADMIN_GROUPS:
        if f"{app_label}.{object_name}" in members:
            return key
    for key, _heading, members in ADMIN_GROUPS:
        if app_label in members:
            return key
    return SYSTEM_GROUP[0]


class PortalAdminSite(admin.AdminSite):
    site_header = settings.PORTAL_NAME
    site_title = settings.PORTAL_NAME
    index_title = _("Back office")
    enable_nav_sidebar = True

    def each_context(self, request):
        context = super().each_context(request)
        context["portal_name"] = settings.PORTAL_NAME
        return context

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        # Every admin page builds the sidebar's list (each_context): a walk over every registered
        # model's permissions and URLs. What it shows depends only on who the user is and what
        # they may do (the model admins' has_*_permission read the user's permissions and
        # superuser flag), and on the language its names are sorted in: kept per process.
        user = request.user
        key = (user.pk, user.is_active, user.is_superuser, frozenset(user.get_all_permissions()), get_language())
        cached = self._app_lists.get(key)
        if cached is None:
            cached = self._grouped(super().get_app_list(request))
            if len(self._app_lists) > 500:
                self._app_lists.clear()
            self._app_lists[key] = cached
        return cached

    @cached_property
    def _app_lists(self) -> dict:
        return {}

    def _grouped(self, apps):
        headings = {key: heading for key, heading, _members in ADMIN_GROUPS} | {SYSTEM_GROUP[0]: SYSTEM_GROUP[1]}
        order = [key for key, _heading, _members in ADMIN_GROUPS] + [SYSTEM_GROUP[0]]
        groups: dict[str, dict] = {}
        for app in apps:
            for model in app["models"]:
                key = _group_of(app["app_label"], model["object_name"])
                group = groups.setdefault(
                    key,
                    {
                        "name": headings[key],
                        "app_label": key,
                        "app_url": app["app_url"],
                        "has_module_perms": True,
                        "models": [],
                    },
                )
                group["models"].append(model)
        return [groups[key] for key in order if key in groups]
