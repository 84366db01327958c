"""The permission backend: Django's ModelBackend with the user's permissions and roles read in one
statement (identity.selectors.user_access_load) instead of one for their own permissions, one for
their groups' and one for the roles. It signs nobody in (ModelBackend and allauth's backend do);
it loads the user of a session that names it, as ModelBackend (force_login picks the first one)."""

from django.contrib.auth.backends import ModelBackend

from .selectors import user_access_load


def _load(user_obj, obj, attr: str) -> None:
    # Superusers get every permission from ModelBackend (Permission.objects.all()), as before.
    active = user_obj.is_active and not user_obj.is_anonymous
    if obj is None and active and not user_obj.is_superuser and not hasattr(user_obj, attr):
        user_access_load(user_obj)


class PermissionBackend(ModelBackend):
    def authenticate(self, request, **credentials):
        return None

    def _get_permissions(self, user_obj, obj, from_name):
        _load(user_obj, obj, f"_{from_name}_perm_cache")
        return super()._get_permissions(user_obj, obj, from_name)

    def get_all_permissions(self, user_obj, obj=None):
        _load(user_obj, obj, "_perm_cache")
        return super().get_all_permissions(user_obj, obj)
