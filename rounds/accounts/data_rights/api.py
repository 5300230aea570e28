"""JSON API for data rights: /api/v1/me/export and /api/v1/me/deletion."""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Router, Status

from rounds.core.api_utils import absolute_url, error_responses, member_auth, viewer_of
from rounds.core.errors import NotFound

from ..models import AccountDeletion, DataExport
from .schemas import DeletionIn, DeletionOut, ExportOut
from .selectors import access_export_for_download, latest_export_for, scheduled_deletion_for
from .services import (
    account_deletion_cancel,
    account_deletion_request,
    data_export_request,
)
from .views import export_file_response

router = Router(tags=["data rights"], auth=member_auth)


def export_out(request: HttpRequest, export: DataExport) -> dict[str, Any]:
    downloadable = export.state == DataExport.State.READY
    return {
        "id": export.pk,
        "state": export.state,
        "requested_at": export.created_at,
        "ready_at": export.ready_at,
        "expires_at": export.expires_at,
        "size_bytes": export.size_bytes,
        "download_url": (
            absolute_url(request, reverse("api:data_export_download")) if downloadable else None
        ),
    }


def deletion_out(deletion: AccountDeletion) -> dict[str, Any]:
    return {
        "state": deletion.state,
        "requested_at": deletion.created_at,
        "scheduled_for": deletion.scheduled_for,
        "public_contributions": "anonymise" if deletion.anonymise else "remove",
        "cancelled_at": deletion.cancelled_at,
    }


@router.get(
    "/export",
    response={200: ExportOut, **error_responses(401, 404)},
    summary="Your latest data export",
    description="Its state; poll until `ready`, then follow `download_url`. 404 before the first.",
)
def export_status(request: HttpRequest) -> dict[str, Any]:
    export = latest_export_for(viewer=viewer_of(request))
    if export is None:
        raise NotFound("You have not asked for an export yet.")
    return export_out(request, export)


@router.post(
    "/export",
    response={202: ExportOut, **error_responses(401, 403, 409)},
    summary="Ask for a copy of your data",
    description=(
        "Builds a ZIP of JSON files (one per kind of data, with a README) in the background "
        "and emails you when it is ready; the download works for 7 days. 409 while another "
        "export is being prepared, or after 5 requests in 24 hours."
    ),
)
def export_request(request: HttpRequest) -> Status[dict[str, Any]]:
    export = data_export_request(actor=viewer_of(request))
    export.refresh_from_db()  # a local (inline) task backend has built it already
    return Status(202, export_out(request, export))


@router.get(
    "/export/download",
    response={200: None, **error_responses(401, 404)},
    url_name="data_export_download",
    summary="Download your data export",
    description="The ZIP archive of your latest ready export. 404 when none is ready or it expired.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The archive.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_download(request: HttpRequest) -> HttpResponseBase:
    member = viewer_of(request)
    return export_file_response(access_export_for_download(member), member)


@router.get(
    "/deletion",
    response={200: DeletionOut, **error_responses(401, 404)},
    summary="Your scheduled account deletion",
    description="404 when your account is not scheduled for deletion.",
)
def deletion_status(request: HttpRequest) -> dict[str, Any]:
    deletion = scheduled_deletion_for(viewer=viewer_of(request))
    if deletion is None:
        raise NotFound("Your account is not scheduled for deletion.")
    return deletion_out(deletion)


def _uses_token(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


@router.post(
    "/deletion",
    response={201: DeletionOut, **error_responses(401, 403, 409, 422, 429)},
    summary="Delete your account (after 14 days)",
    description=(
        "Requires your current password. At once your profile is hidden from everyone else, "
        "every API token is revoked (including the one making this call) and your other "
        "sessions end; after 14 days your account and data are deleted for good. Until then "
        "`DELETE /api/v1/me/deletion` (signed in) cancels it. 409 when already scheduled."
    ),
)
def deletion_request(request: HttpRequest, payload: DeletionIn) -> Any:
    member = viewer_of(request)
    if not ratelimit.consume(request, action="reauthenticate", user=member):
        return Status(
            429, {"detail": "Too many attempts; wait a minute and try again.", "errors": {}}
        )
    keep = None if _uses_token(request) else request.session.session_key
    deletion = account_deletion_request(
        actor=member,
        password=payload.password,
        anonymise=payload.public_contributions == "anonymise",
        keep_session_key=keep,
    )
    return Status(201, deletion_out(deletion))


@router.delete(
    "/deletion",
    response={200: DeletionOut, **error_responses(401, 403, 404)},
    summary="Cancel your account deletion",
    description="Your profile is visible again. Revoked API tokens stay revoked.",
)
def deletion_cancel(request: HttpRequest) -> dict[str, Any]:
    return deletion_out(account_deletion_cancel(actor=viewer_of(request)))
