"""The catalog app's folder is `catalog/`, its label stays `services`: a database migrated before
the rename needs no new migration, and its tables, content types and permissions keep working."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.utils import translation

from catalog.models import Agency, Procedure, ProcedureVersion
from identity.models import User


def test_the_catalog_package_keeps_the_services_label():
    config = apps.get_app_config("services")
    assert config.name == "catalog"
    assert Agency._meta.app_label == "services"
    assert {Agency._meta.db_table, Procedure._meta.db_table, ProcedureVersion._meta.db_table} == {
        "services_agency",
        "services_procedure",
        "services_procedureversion",
    }


@pytest.mark.django_db
def test_the_models_match_the_migrations_so_no_new_migration_is_made():
    out = StringIO()
    # --check exits non-zero (SystemExit) when a migration would be written.
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()

    # As makemigrations does: with translations off, verbose names compare as written.
    with translation.override(None):
        loader = MigrationLoader(None, ignore_no_migrations=True)
        autodetector = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps))
        changes = autodetector.changes(graph=loader.graph)
    assert changes == {}


@pytest.mark.django_db
def test_a_database_migrated_under_the_old_name_has_nothing_left_to_migrate():
    """The test database was migrated from the migration files, which name the app `services`
    (as a database made before the rename does): the recorded migrations are the graph's and
    `migrate` would apply nothing."""
    executor = MigrationExecutor(connection)
    applied = executor.loader.applied_migrations
    assert ("services", "0001_initial") in applied
    assert ("services", "0002_search_trigram") in applied
    assert not any(app == "catalog" for app, _ in executor.loader.graph.nodes)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []

    out = StringIO()
    call_command("migrate", "--plan", stdout=out)
    assert "No planned migration operations" in out.getvalue()


@pytest.mark.django_db
def test_content_types_and_permissions_keep_the_services_label():
    content_type = ContentType.objects.get_for_model(Agency)
    assert (content_type.app_label, content_type.model) == ("services", "agency")
    assert not ContentType.objects.filter(app_label="catalog").exists()

    user = User.objects.create_user("catalog-staff@example.vn", "pw-for-tests-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type=content_type, codename="change_agency"))
    user = User.objects.get(pk=user.pk)
    assert user.has_perm("services.change_agency")
    assert not user.has_perm("services.publish_procedure")
