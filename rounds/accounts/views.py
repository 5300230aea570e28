"""Account settings: sign-in and security links, a privacy summary, and personal API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from rounds.core.errors import ApplicationError
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, map_errors, require_valid_id
from rounds.profiles.services import profile_ensure

from .forms import TimeZoneForm, TokenCreateForm
from .models import User
from .selectors import api_token_list_for
from .services import MAX_ACTIVE_TOKENS, api_token_create, api_token_revoke, time_zone_set

SETTINGS_TEMPLATE = "accounts/settings.html"


def _member(request: HttpRequest) -> User:
    """The signed-in member (views using this are behind ``login_required``)."""
    assert isinstance(request.user, User)
    return request.user


def _settings(
    request: HttpRequest,
    *,
    form: TokenCreateForm | None = None,
    status: int = 200,
    time_zone_form: TimeZoneForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "profile": profile_ensure(user=request.user),
        "tokens": list(api_token_list_for(viewer=_member(request))),
        "token_form": form or TokenCreateForm(),
        "max_tokens": MAX_ACTIVE_TOKENS,
        "time_zone_form": time_zone_form
        or TimeZoneForm(initial={"time_zone": _member(request).time_zone}),
    }
    return render_page_or_fragment(
        request, SETTINGS_TEMPLATE, fragment="tokens", context=context, status=status
    )


@require_GET
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Account settings: email, password, two-factor, privacy summary and API tokens."""
    return _settings(request)


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its secret once; it is never stored or shown again."""
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_create(actor=_member(request), name=form.cleaned_data["name"])
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            response = render_page_or_fragment(
                request,
                "accounts/token_created.html",
                fragment="created",
                context={"token": token, "secret": secret},
                status=201,
            )
            add_never_cache_headers(response)
            return response
    return _settings(request, form=form, status=422)


@require_POST
@login_required
@map_errors
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the member's tokens (anyone else's is a 404)."""
    token = api_token_revoke(actor=_member(request), token_id=require_valid_id(token_id))
    if is_htmx(request):
        return _settings(request)
    messages.success(
        request, f"Token “{token.name}” revoked. Programs using it can no longer sign in."
    )
    return redirect("accounts:settings")


@require_POST
@login_required
def time_zone_update(request: HttpRequest) -> HttpResponse:
    """Set the zone pages show times in (validated against the IANA zone list)."""
    form = TimeZoneForm(request.POST)
    if form.is_valid():
        try:
            time_zone_set(actor=_member(request), time_zone=form.cleaned_data["time_zone"])
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Time zone saved.")
            return redirect("accounts:settings")
    return _settings(request, time_zone_form=form, status=422)
