"""``manage.py purge_deleted_accounts``: delete accounts whose 14-day grace period is over.

For each due deletion: every app's ``erase_member_data``, the member's sessions, then the
User row (its foreign keys cascade). Accounts still in their grace period are left alone.
Run it daily (cron or the task worker); see docs/deployment.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rounds.accounts.data_rights.services import account_deletions_purge_due


class Command(BaseCommand):
    help = "Delete the accounts whose deletion grace period (14 days) is over."

    def handle(self, *args: Any, **options: Any) -> None:
        count = account_deletions_purge_due()
        self.stdout.write(f"{count} account(s) deleted.")
