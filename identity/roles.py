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

# Model permissions each role's group holds, as "app_label.codename". Each app adds the
# permissions of the roles that concern it; identity.services.roles_sync() applies them.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    INTAKE: [
        "identity.view_user",
        "identity.change_user",
        "identity.view_personaldocument",
        "identity.change_personaldocument",
        "dossiers.view_dossier",
        "dossiers.change_dossier",
        "dossiers.view_calendarexception",
    ],
    PROCESSING: [
        "identity.view_user",
        "identity.view_personaldocument",
        "dossiers.view_dossier",
        "dossiers.change_dossier",
        "dossiers.view_calendarexception",
    ],
    LEADER: [
        "identity.view_user",
        "identity.view_personaldocument",
        "dossiers.view_dossier",
        "dossiers.change_dossier",
        "dossiers.assign_dossier",
        "dossiers.view_calendarexception",
        "dossiers.add_calendarexception",
        "dossiers.change_calendarexception",
        "dossiers.delete_calendarexception",
    ],
    CASHIER: [
        "payments.view_payment",
        "payments.record_counter_payment",
        "payments.view_refund",
        "payments.add_refund",
        "payments.view_receipt",
    ],
    CATALOG_EDITOR: [
        "services.view_agency",
        "services.view_field",
        "services.view_procedure",
        "services.add_procedure",
        "services.change_procedure",
        "services.view_requireddocument",
        "services.add_requireddocument",
        "services.change_requireddocument",
        "services.delete_requireddocument",
        "services.view_feeline",
        "services.add_feeline",
        "services.change_feeline",
        "services.delete_feeline",
        "services.view_bundlepart",
        "services.add_bundlepart",
        "services.change_bundlepart",
        "services.delete_bundlepart",
        "services.view_procedureversion",
    ],
    CATALOG_PUBLISHER: [
        "services.view_agency",
        "services.view_field",
        "services.view_procedure",
        "services.publish_procedure",
        "services.view_requireddocument",
        "services.view_feeline",
        "services.view_bundlepart",
        "services.view_procedureversion",
    ],
    AUDITOR: ["portal.view_auditevent"],
    VOLUNTEER: ["identity.view_user"],
}


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions listed above. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for label in perms:
            app_label, codename = label.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
