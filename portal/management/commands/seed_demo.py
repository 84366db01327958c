"""`manage.py seed_demo`: idempotent demo data for every app, then the demo accounts.

Each app contributes a `demo.py` module with `seed(*, password, stdout) -> list[tuple[str, str]]`
returning (email, description) rows for the accounts it made. Apps run in dependency order.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.admin_units import admin_units_load

SEED_APPS = ["catalog", "identity", "dossiers", "payments"]


class Command(BaseCommand):
    help = "Load demo data (administrative units, catalog, residents, accounts). Safe to run again."

    def handle(self, *args, **options):
        if settings.PRODUCTION and not settings.SANDBOX_ENABLED:
            raise CommandError("seed_demo refuses to run in production: demo accounts never belong there.")
        password = settings.DEMO_PASSWORD
        provinces, wards = admin_units_load()
        self.stdout.write(f"Administrative units: {provinces} provinces, {wards} commune-level units.")
        accounts: list[tuple[str, str]] = []
        for app in SEED_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                accounts.extend(module.seed(password=password, stdout=self.stdout) or [])
        if accounts:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {password}):"))
            width = max(len(email) for email, _ in accounts)
            for email, description in accounts:
                self.stdout.write(f"  {email.ljust(width)}  {description}")
