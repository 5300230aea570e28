"""``manage.py send_event_reminders [--hours N]``: remind members of events they are going to.

Each member going to a published event that starts within the next N hours (default 24) gets
one ``event.reminder`` notification per event. Safe to run more often (hourly from cron or a
systemd timer next to ``send_digests``): a member is reminded of an event once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rounds.events.services import event_reminders_send


class Command(BaseCommand):
    help = "Remind members of the events they are going to that start soon."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=24, help="how far ahead to look (default 24)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours: int = options["hours"]
        if not 1 <= hours <= 24 * 14:
            raise CommandError("--hours must be between 1 and 336.")
        sent = event_reminders_send(ahead=timedelta(hours=hours))
        self.stdout.write(f"Event reminders sent: {sent}.")
