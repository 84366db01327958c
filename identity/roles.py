"""Official roles. Each role is a Django group; an official's scope is their agency
(OfficialProfile.agency) and, where it makes sense, its child agencies."""

from django.utils.translation import gettext_lazy as _

INTAKE = "intake"  # tiếp nhận
PROCESSING = "processing"  # xử lý
LEADER = "leader"  # phê duyệt
CASHIER = "cashier"  # thu phí
CATALOG_EDITOR = "catalog_editor"
CATALOG_PUBLISHER = "catalog_publisher"
AUDITOR = "auditor"
VOLUNTEER = "volunteer"  # files on behalf of citizens

ROLE_LABELS = {
    INTAKE: _("Intake (one-stop desk)"),
    PROCESSING: _("Processing"),
    LEADER: _("Approver / leader"),
    CASHIER: _("Cashier"),
    CATALOG_EDITOR: _("Catalog editor"),
    CATALOG_PUBLISHER: _("Catalog publisher"),
    AUDITOR: _("Auditor"),
    VOLUNTEER: _("Volunteer"),
}

# Model permissions each role's group holds, as "app_label.codename". Each app declares the
# permissions of its own models in its AppConfig (`role_permissions`, keyed by role name);
# roles_sync() collects them. These are identity's.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    INTAKE: [
        "identity.view_user",
        "identity.change_user",
        "identity.view_personaldocument",
        "identity.change_personaldocument",
    ],
    PROCESSING: ["identity.view_user", "identity.view_personaldocument"],
    LEADER: ["identity.view_user", "identity.view_personaldocument"],
    VOLUNTEER: ["identity.view_user"],
}


def role_permissions() -> dict[str, list[str]]:
    """Every role's permissions: identity's and those each installed app declares."""
    from django.apps import apps

    collected: dict[str, list[str]] = {role: [] for role in ROLE_LABELS}
    for config in apps.get_app_configs():
        declared = ROLE_PERMISSIONS if config.name == "identity" else getattr(config, "role_permissions", {})
        for role, perms in declared.items():
            if role not in collected:
                raise ValueError(f"{config.name} declares permissions for an unknown role {role!r}")
            collected[role].extend(perm for perm in perms if perm not in collected[role])
    return collected


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions the apps declare. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for label in perms:
            app_label, codename = label.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
