"""``manage.py purge_expired_exports``: expire data exports older than 7 days and delete
their files; give up exports stuck building (their worker died) so the member can ask again;
delete archive files no export refers to. Run it daily (cron or the task worker).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rounds.accounts.data_rights.services import data_exports_purge


class Command(BaseCommand):
    help = "Expire data exports past their 7 days and delete their files."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = data_exports_purge()
        self.stdout.write(
            f"{counts['expired']} export(s) expired, {counts['failed']} stuck export(s) "
            f"given up, {counts['orphans']} stray file(s) deleted."
        )
