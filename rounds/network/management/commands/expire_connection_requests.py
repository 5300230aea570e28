"""``manage.py expire_connection_requests``: mark pending requests older than 90 days expired.

Expired requests are already invisible and cannot be accepted (the selectors and services
check ``expires_at``); this records the state. Run it daily (cron or the task worker).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rounds.network.services import connection_requests_expire


class Command(BaseCommand):
    help = "Mark pending connection requests past their expiry as expired."

    def handle(self, *args: Any, **options: Any) -> None:
        count = connection_requests_expire()
        self.stdout.write(f"{count} connection request(s) expired.")
