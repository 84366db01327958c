"""`manage.py import_catalog FILE [--publish]`: create or update the catalog from an export file."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.services import CatalogError
from catalog.transfer import catalog_import


class Command(BaseCommand):
    help = "Import a catalog JSON file (idempotent by procedure code); updates drafts, --publish publishes them."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--publish", action="store_true", help="publish every imported procedure")

    def handle(self, *args, file, publish=False, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            report = catalog_import(data=data, publish=publish)
        except CatalogError as exc:
            raise CommandError("\n".join(str(m) for m in exc.messages)) from exc
        for note in report["notes"]:
            self.stdout.write(note)
        for kind in ("fields", "agencies", "procedures"):
            self.stdout.write(f"{kind}: {report[kind]['created']} created, {report[kind]['updated']} updated")
        if publish:
            self.stdout.write(f"published: {report['published']}")
