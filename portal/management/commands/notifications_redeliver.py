"""`manage.py notifications_redeliver`: publish again the notifications still pending — what the
beat job does every minute, for installations without beat (the embedded default) or by hand
after an outage."""

from django.core.management.base import BaseCommand

from portal.notifications import notifications_redeliver_pending


class Command(BaseCommand):
    help = "Publish again the notifications still pending (older than --older-than seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="only rows at least this old (seconds)")

    def handle(self, *args, **options):
        count = notifications_redeliver_pending(older_than_seconds=options["older_than"])
        self.stdout.write(f"{count} pending notification(s) published again.")
