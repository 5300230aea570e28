"""``manage.py trim_feed_inboxes [--keep N]``: keep each member's newest N feed-inbox entries.

The home feed reads what lies below a member's inbox at read time, so trimming never hides a
post; it only bounds the table that fan-out on write fills. Run daily (docs/deployment.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rounds.feed.services import INBOX_CAP, inbox_trim


class Command(BaseCommand):
    help = "Delete feed-inbox entries beyond each member's newest N (default: the inbox cap)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep", type=int, default=INBOX_CAP)

    def handle(self, *args: Any, **options: Any) -> None:
        keep = max(1, int(options["keep"]))
        deleted = inbox_trim(cap=keep)
        self.stdout.write(f"Trimmed {deleted} feed-inbox entries (kept the newest {keep} each).")
