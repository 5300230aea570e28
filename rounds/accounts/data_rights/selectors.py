"""Reads for data rights: a member's exports and deletion, and the download gatekeeper."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rounds.core.errors import NotFound

from ..models import AccountDeletion, DataExport


def latest_export_for(*, viewer: Any) -> DataExport | None:
    """The member's most recent export (any state), or None."""
    return DataExport.objects.filter(user_id=viewer.pk).order_by("-created_at", "-id").first()


def scheduled_deletion_for(*, viewer: Any) -> AccountDeletion | None:
    """The member's scheduled deletion, or None."""
    return AccountDeletion.objects.filter(
        user_id=viewer.pk, state=AccountDeletion.State.SCHEDULED
    ).first()


def access_export_for_download(viewer: Any, export_id: int | None = None) -> DataExport:
    """The ready, unexpired export ``export_id`` (the latest ready one when None) if ``viewer``
    owns it and its file exists. NotFound otherwise: other members' exports, expired ones and
    missing ones look the same."""
    from .services import export_file_path

    if viewer is None or not viewer.is_authenticated:
        raise NotFound("No such export.")
    qs = DataExport.objects.filter(
        user_id=viewer.pk, state=DataExport.State.READY, expires_at__gt=timezone.now()
    )
    if export_id is not None:
        qs = qs.filter(pk=export_id)
    export = qs.order_by("-created_at", "-id").first()
    if export is None:
        raise NotFound("No such export, or its link has expired.")
    path = export_file_path(export)
    if path is None or not path.is_file():
        raise NotFound("No such export, or its link has expired.")
    return export
