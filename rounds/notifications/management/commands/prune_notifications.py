"""``manage.py prune_notifications``: delete read notifications older than 180 days (daily)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rounds.notifications.services import PRUNE_AFTER, notifications_prune


class Command(BaseCommand):
    help = "Delete read notifications older than --days (default 180). Unread ones stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=PRUNE_AFTER.days)

    def handle(self, *args: Any, **options: Any) -> None:
        days = int(options["days"])
        if days < 30:
            raise CommandError("Keep read notifications at least 30 days (--days 30 or more).")
        deleted = notifications_prune(older_than=timedelta(days=days))
        self.stdout.write(f"Pruned {deleted} read notification(s) older than {days} days.")
