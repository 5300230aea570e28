"""Settings → Your data (/settings/data/): request and download an export, request or cancel
the deletion of the account. Thin: each view calls one service or selector."""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, NotFound
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, map_errors, require_valid_id

from ..models import DataExport, User
from .forms import DeletionRequestForm
from .selectors import access_export_for_download, latest_export_for, scheduled_deletion_for
from .services import (
    DELETION_GRACE,
    EXPORT_LIFETIME,
    account_deletion_cancel,
    account_deletion_request,
    data_export_record_download,
    data_export_request,
    export_file_path,
)

TEMPLATE = "accounts/data.html"


def _member(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _render(
    request: HttpRequest,
    *,
    fragment: str = "export",
    form: DeletionRequestForm | None = None,
    export_error: str = "",
    status: int = 200,
) -> HttpResponse:
    member = _member(request)
    context: dict[str, Any] = {
        "export": latest_export_for(viewer=member),
        "export_error": export_error,
        "deletion": scheduled_deletion_for(viewer=member),
        "deletion_form": form or DeletionRequestForm(),
        "grace_days": DELETION_GRACE.days,
        "export_days": EXPORT_LIFETIME.days,
    }
    response = render_page_or_fragment(
        request, TEMPLATE, fragment=fragment, context=context, status=status
    )
    add_never_cache_headers(response)
    return response


@require_GET
@login_required
def data_page(request: HttpRequest) -> HttpResponse:
    """What we hold about the member, the export and the deletion of their account."""
    return _render(request)


@require_http_methods(["GET", "POST"])
@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """GET: the export's status (htmx polls it while the archive is built).
    POST: ask for a new export (409 while one is being built)."""
    if request.method == "GET":
        return _render(request)
    try:
        data_export_request(actor=_member(request))
    except ApplicationError as exc:
        return _render(request, export_error=exc.message, status=exc.status_code)
    if is_htmx(request):
        return _render(request, status=202)
    messages.success(request, "We are preparing your export and will email you when it is ready.")
    return redirect("accounts:data")


@require_GET
@login_required
def data_export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """The member's archive, as a download. Anyone else's, expired or missing: 404."""
    member = _member(request)
    try:
        export = access_export_for_download(member, require_valid_id(export_id))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return export_file_response(export, member)


def export_file_response(export: DataExport, member: User) -> HttpResponseBase:
    """Stream ``export``'s archive as an attachment, never cached; audits the download."""
    path = export_file_path(export)
    assert path is not None  # access_export_for_download checked it
    data_export_record_download(actor=member, export=export)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"rounds-data-{export.ready_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    add_never_cache_headers(response)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


@require_POST
@login_required
def deletion_request(request: HttpRequest) -> HttpResponse:
    """Schedule the account's deletion (current password required)."""
    member = _member(request)
    form = DeletionRequestForm(request.POST)
    if form.is_valid():
        if not ratelimit.consume(request, action="reauthenticate", user=member):
            form.add_error(None, "Too many attempts. Wait a minute, then try again.")
            return _render(request, fragment="deletion", form=form, status=429)
        try:
            deletion = account_deletion_request(
                actor=member,
                password=form.cleaned_data["password"],
                anonymise=form.anonymise,
                keep_session_key=request.session.session_key,
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Your account will be deleted on {deletion.scheduled_for:%d %B %Y}. "
                "Until then you can cancel here.",
            )
            return redirect("accounts:data")
    return _render(request, fragment="deletion", form=form, status=422)


@require_POST
@login_required
@map_errors
def deletion_cancel(request: HttpRequest) -> HttpResponse:
    """Cancel the scheduled deletion: the profile is visible again."""
    account_deletion_cancel(actor=_member(request))
    messages.success(request, "Deletion cancelled. Your profile is visible to other members again.")
    return redirect("accounts:data")
