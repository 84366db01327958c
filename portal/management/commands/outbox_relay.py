"""`manage.py outbox_relay`: the process that publishes outbox jobs and notification rows to the
broker when OUTBOX_RELAY is on (portal/relay.py, portal/relay_loop.py). Woken by `NOTIFY portal_outbox` on PostgreSQL,
polling every OUTBOX_RELAY_POLL_SECONDS otherwise. Run one per installation (more are harmless:
the others stand by on an advisory lock). Stops on SIGTERM/SIGINT."""

import signal

from django.core.management.base import BaseCommand

from portal.relay_loop import relay_publish_due, relay_run


class Command(BaseCommand):
    help = "Publish due outbox jobs and notifications to the broker (LISTEN/NOTIFY, polling fallback)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="publish what is due now and exit")
        parser.add_argument("--poll", type=float, default=None, help="seconds between polls")

    def handle(self, *args, **options):
        if options["once"]:
            self.stdout.write(f"{relay_publish_due()} row(s) published.")
            return
        stopping = []

        def stop(_signum, _frame):
            stopping.append(True)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        relay_run(poll_seconds=options["poll"], stop=lambda: bool(stopping), log=self.stdout.write)
        self.stdout.write("outbox relay: stopped")
