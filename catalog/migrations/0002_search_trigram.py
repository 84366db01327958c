"""PostgreSQL only: unaccent + pg_trgm and trigram GIN indexes on the normalised search columns,
matching Django's icontains SQL (UPPER(col::text) LIKE UPPER(...)). A no-op on SQLite."""

from django.db import migrations

INDEXES = {
    "services_pv_search_name_trgm": "search_name",
    "services_pv_search_text_trgm": "search_text",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON services_procedureversion '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
