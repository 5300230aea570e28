"""htmx helpers: one view answers both a full page and the fragment htmx asked for.

A page template owns its fragments as ``{% partialdef %}`` blocks; a view renders
``"page.html"`` for a normal request and ``"page.html#fragment"`` for an htmx request.
Responses vary on ``HX-Request`` so caches never serve a fragment as a page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    """True for htmx requests that expect a fragment (not boosted, not a history restore)."""
    details = getattr(request, "htmx", None)
    if not details:
        return False
    return not details.boosted and not details.history_restore_request


def render_page_or_fragment(
    request: HttpRequest,
    template: str,
    *,
    fragment: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render ``template`` or, for htmx, only its ``{% partialdef fragment %}``."""
    name = f"{template}#{fragment}" if is_htmx(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
