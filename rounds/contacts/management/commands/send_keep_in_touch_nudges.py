"""``manage.py send_keep_in_touch_nudges [--batch-size N]``: the daily keep-in-touch nudge.

Each member whose contacts fell due since their last nudge gets one notification ("3 people
are due for a catch-up", linking to /contacts/due/). Safe to run more often: a contact is
counted once. Run it daily from cron or a systemd timer next to ``send_digests``. It also
cancels import previews left unconfirmed for 14 days (their parsed rows are dropped).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rounds.contacts.imports import contact_import_previews_expire
from rounds.contacts.services import NUDGE_BATCH, keep_in_touch_nudges_send


class Command(BaseCommand):
    help = "Notify members whose contacts fell due to reconnect since their last nudge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=NUDGE_BATCH,
            help=f"members per batch and transaction (default {NUDGE_BATCH})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10,000.")
        notified = keep_in_touch_nudges_send(batch_size=batch_size)
        expired = contact_import_previews_expire()
        self.stdout.write(
            f"Keep-in-touch nudges sent to {notified} member(s); "
            f"{expired} stale import preview(s) cancelled."
        )
