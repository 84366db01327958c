from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    # The app was called `services`; the label keeps its tables, migrations, content types and
    # permissions (`services.change_agency`), its admin URLs and the template folder names.
    label = "services"
    verbose_name = _("Service catalog")
    # Permissions of the catalog's models for the official roles (identity.roles collects them;
    # role names as strings: identity sits above the catalog).
    role_permissions = {
        "catalog_editor": [
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
        "catalog_publisher": [
            "services.view_agency",
            "services.view_field",
            "services.view_procedure",
            "services.publish_procedure",
            "services.view_requireddocument",
            "services.view_feeline",
            "services.view_bundlepart",
            "services.view_procedureversion",
        ],
    }

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .catalog_cache import catalog_generation_changed as bump
        from .models import Agency, Field, ProcedureVersion

        # A module-level receiver: a function defined here would be held only weakly by the
        # signals and collected when ready() returns — no save would ever start a new generation.
        for model in (ProcedureVersion, Agency, Field):
            post_save.connect(bump, sender=model, dispatch_uid=f"catalog-cache-save-{model.__name__}")
            post_delete.connect(bump, sender=model, dispatch_uid=f"catalog-cache-delete-{model.__name__}")
        m2m_changed.connect(bump, sender=ProcedureVersion.agencies.through, dispatch_uid="catalog-cache-agencies")
