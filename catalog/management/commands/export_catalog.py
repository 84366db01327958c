"""`manage.py export_catalog [--output FILE]`: the whole catalog as JSON (stdout by default)."""

import json

from django.core.management.base import BaseCommand

from catalog.transfer import catalog_export


class Command(BaseCommand):
    help = "Export fields, agencies and procedure drafts (documents, fees, e-form schemas) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        text = json.dumps(catalog_export(), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stderr.write(f"Catalog written to {output}")
        else:
            self.stdout.write(text)
