from django.core.management.base import BaseCommand

from portal.admin_units import admin_units_load


class Command(BaseCommand):
    help = "Load the 34 provinces and 3,321 commune-level units (idempotent)."

    def handle(self, *args, **options):
        provinces, wards = admin_units_load()
        self.stdout.write(f"Administrative units: {provinces} provinces, {wards} commune-level units.")
