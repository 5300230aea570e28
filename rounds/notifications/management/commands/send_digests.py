"""``manage.py send_digests``: the daily notification digest (run once a day from cron or a
systemd timer, see docs/deployment.md). Safe to run twice: nothing is mailed twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rounds.notifications.delivery import DIGEST_BATCH, digests_send


class Command(BaseCommand):
    help = "Email each member one digest of their unread notifications of digest kinds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DIGEST_BATCH,
            help=f"Members handled per batch (default {DIGEST_BATCH}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(1, min(int(options["batch_size"]), 10_000))
        run = digests_send(batch_size=batch_size)
        self.stdout.write(
            f"Digests: {run.emails} email(s) to {run.members} member(s) "
            f"covering {run.notifications} notification(s)."
        )
