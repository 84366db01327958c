from django.core.management.base import BaseCommand

from integrations.services import sync_reconcile


class Command(BaseCommand):
    help = "Compare the national portal's counts per agency and status with ours and re-send what it lacks."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compare only; send nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = sync_reconcile(resend=not dry_run)
        if run.error:
            self.stderr.write(f"error: {run.error}")
            return
        self.stdout.write(
            f"groups compared: {run.groups_compared}, different: {run.groups_different}, "
            f"messages re-sent: {run.messages_resent}"
        )
        for row in run.details.get("different", []):
            self.stdout.write(f"  {row['agency']} status {row['status']}: ours {row['ours']}, theirs {row['theirs']}")
