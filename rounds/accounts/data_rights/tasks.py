"""Background tasks of data rights: thin wrappers that take primary keys and call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def build_data_export(*, export_id: int) -> None:
    """Build one pending export's archive and email its owner."""
    from .services import data_export_build

    data_export_build(export_id=export_id)


@task()
def purge_deleted_accounts() -> int:
    """Purge every account whose 14-day grace period is over (also ``manage.py
    purge_deleted_accounts``)."""
    from .services import account_deletions_purge_due

    return account_deletions_purge_due()


@task()
def purge_expired_exports() -> dict[str, int]:
    """Expire old exports and delete their files (also ``manage.py purge_expired_exports``)."""
    from .services import data_exports_purge

    return data_exports_purge()
