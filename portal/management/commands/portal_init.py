"""`manage.py portal_init`: the reference data every installation needs, production included
(administrative units, official role groups). Idempotent; docker-compose runs it after migrate."""

from django.core.management.base import BaseCommand
from django.db import transaction

from identity.roles import roles_sync
from portal.admin_units import admin_units_load


class Command(BaseCommand):
    help = "Load administrative units and create the official role groups. Safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():
            provinces, wards = admin_units_load()
            self.stdout.write(f"Administrative units: {provinces} provinces, {wards} commune-level units.")
            roles_sync()
            self.stdout.write("Official role groups synchronised.")
