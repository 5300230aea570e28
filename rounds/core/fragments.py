"""Per-object fragments (rendered HTML, serialised payloads) cached under a version key.

A fragment is keyed by what it was built from: the object's primary key **and** its
``updated_at``. A write that changes what the fragment shows bumps ``updated_at`` (services
must make sure of that, see ``rounds.profiles.services.profile_touch``), so the next read
computes a new key and misses; nothing ever needs deleting, and no process can serve a stale
copy, whatever cache backend is configured (per-process memory or Redis).

Only content that is **the same for every viewer allowed to see the object** may be cached
under such a key: the caller decides who may see the object (the selector that produced the
keys), never the cache. A member's own private pages use ``cached_html`` instead (the last
section), whose keys name the viewer and the stamps of everything the HTML shows.

Keys also carry ``FRAGMENT_VERSION``, a digest of the code that renders the fragments (every
template under ``includes/``, ``profiles/`` and ``network/``, and ``FRAGMENT_SCHEMA``), so a
deploy that changes a template or a payload shape never reads fragments of the old code from a
shared cache. A timeout bounds what is left behind and covers the rare edits that do not go
through a service (the admin renaming an organization).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

T = TypeVar("T")

#: Seconds a fragment lives at most (also bounds staleness after edits made outside services).
FRAGMENT_TIMEOUT = 600

#: Bump by hand when a fragment's shape changes in Python code; templates are hashed below.
FRAGMENT_SCHEMA = 1

#: Template folders whose files are hashed into the version: every cached fragment is
#: rendered from templates in these.
_TEMPLATE_FOLDERS = ("includes", "profiles", "network")


def _code_version() -> str:
    digest = hashlib.sha256(str(FRAGMENT_SCHEMA).encode())
    folders: Any = settings.TEMPLATES[0]["DIRS"]
    for folder in folders:
        for name in _TEMPLATE_FOLDERS:
            for path in sorted((Path(folder) / name).rglob("*.html")):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


FRAGMENT_VERSION = _code_version()


def fragment_version() -> str:
    """The current code version of fragments (read it through here: ``fragments_forget``
    changes it)."""
    return FRAGMENT_VERSION


def fragments_forget() -> None:
    """Move to a fresh key space, so every fragment is built again (tests count cold reads
    this way, without clearing a cache that other tests or the sessions share)."""
    global FRAGMENT_VERSION
    FRAGMENT_VERSION = f"{_code_version()}-{uuid.uuid4().hex[:8]}"


def fragment_key(kind: str, pk: int, updated_at: datetime) -> str:
    """The cache key of ``kind`` for object ``pk`` as of ``updated_at``."""
    return f"frag:{FRAGMENT_VERSION}:{kind}:{pk}:{updated_at.timestamp():.6f}"


def cached_fragments(
    kind: str,
    rows: Sequence[tuple[int, datetime]],
    build: Callable[[list[int]], dict[int, T]],
) -> list[T]:
    """The fragments of ``rows`` ((pk, updated_at) in display order), building the missing ones.

    ``build(pks)`` returns {pk: fragment} for the pks not cached; a pk it leaves out (the object
    was deleted in between) is dropped from the result. One cache round trip to read, one to
    write the missing fragments.
    """
    found = cached_fragment_map(kind, rows, build)
    return [found[pk] for pk, _ in rows if pk in found]


def cached_fragment(kind: str, pk: int, updated_at: datetime, build: Callable[[], T]) -> T:
    """The fragment ``kind`` of one object, built by ``build()`` when not cached."""
    key = fragment_key(kind, pk, updated_at)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=FRAGMENT_TIMEOUT)
    return value  # type: ignore[no-any-return]


def cached_fragment_map(
    kind: str,
    rows: Sequence[tuple[int, datetime]],
    build: Callable[[list[int]], dict[int, T]],
) -> dict[int, T]:
    """Like ``cached_fragments`` but keyed by pk (for callers that pair fragments with other
    per-row data); pks that could not be built are absent."""
    keys = {pk: fragment_key(kind, pk, updated_at) for pk, updated_at in rows}
    found: dict[str, Any] = cache.get_many(list(keys.values())) if keys else {}
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        built = build(missing)
        fresh = {keys[pk]: value for pk, value in built.items() if pk in keys}
        if fresh:
            cache.set_many(fresh, timeout=FRAGMENT_TIMEOUT)
        found.update(fresh)
    return {pk: found[key] for pk, key in keys.items() if key in found}


# --- per-viewer HTML ---------------------------------------------------------------------------
#
# Some pages show a member their own, private data (their network's health, their suggestions,
# their connections with private labels). Their HTML may be cached too, under a key that holds
# the viewer and *everything the HTML was rendered from*: the stamps of the data (network
# version, profile ``updated_at``s, a row's own values) and the code version. The caller reads
# the stamps (cheap, one query) and so never gets HTML of older data; nothing is ever deleted.
#
# Forms in such HTML need the request's CSRF token, which must not be cached: the fragment is
# rendered with a placeholder that ``cached_html`` replaces on the way out.

#: Stands for the CSRF token in cached HTML (``{% csrf_token %}`` renders it as the value).
CSRF_PLACEHOLDER = "csrf-token-placeholder-not-a-token"


def render_for_cache(template_name: str, context: dict[str, Any]) -> str:
    """Render ``template_name`` for the per-viewer cache: no request (the HTML must depend on
    nothing but ``context``), CSRF token left as ``CSRF_PLACEHOLDER``."""
    from django.template.loader import render_to_string

    return render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER})


def _html_key(key_parts: tuple[Any, ...]) -> str:
    raw = repr((FRAGMENT_VERSION, key_parts)).encode()
    return f"html:{hashlib.sha256(raw).hexdigest()}"


def _with_token(request: Any, html: str) -> SafeString:
    if CSRF_PLACEHOLDER in html and not getattr(request, "_rendering_for_cache", False):
        from django.middleware.csrf import get_token

        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308  rendered by our templates (autoescaped)


def cached_html(request: Any, key_parts: tuple[Any, ...], build: Callable[[], str]) -> SafeString:
    """The HTML ``build()`` renders (with ``render_for_cache``), cached under ``key_parts``.

    ``key_parts`` must name the viewer and every stamp of what the HTML shows (see above).
    """
    key = _html_key(key_parts)
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, timeout=FRAGMENT_TIMEOUT)
    return _with_token(request, html)


def _cached_html_raw(
    items: Sequence[tuple[Hashable, tuple[Any, ...]]],
    build: Callable[[list[Hashable]], dict[Hashable, str]],
) -> list[str]:
    keys = {item: _html_key(parts) for item, parts in items}
    found: dict[str, Any] = cache.get_many(list(keys.values())) if keys else {}
    missing = [item for item, key in keys.items() if key not in found]
    if missing:
        built = build(missing)
        fresh = {keys[item]: html for item, html in built.items() if item in keys}
        if fresh:
            cache.set_many(fresh, timeout=FRAGMENT_TIMEOUT)
        found.update(fresh)
    return [found[keys[item]] for item, _ in items if keys[item] in found]


def cached_html_many(
    request: Any,
    items: Sequence[tuple[Hashable, tuple[Any, ...]]],
    build: Callable[[list[Hashable]], dict[Hashable, str]],
) -> list[SafeString]:
    """The HTML of each ``(item, key_parts)`` in order, in one cache round trip; the missing
    ones are rendered together by ``build(items)`` ({item: html}, rendered with
    ``render_for_cache``); items it leaves out are dropped."""
    return [_with_token(request, html) for html in _cached_html_raw(items, build)]


def cached_html_joined(
    request: Any,
    items: Sequence[tuple[Hashable, tuple[Any, ...]]],
    build: Callable[[list[Hashable]], dict[Hashable, str]],
) -> SafeString:
    """``cached_html_many`` joined into one piece of HTML, the CSRF token put in once for the
    whole list (a list of items with forms)."""
    return _with_token(request, "".join(_cached_html_raw(items, build)))


def template_digest(*names: str, extra: Any = None) -> str:
    """A digest of the templates ``names`` (found in the project's template folders) and of
    ``repr(extra)`` (values the templates show from code, e.g. choice labels), for the keys of
    HTML rendered from them: a deploy that changes one never reads the old HTML."""
    digest = hashlib.sha256(repr(extra).encode())
    folders: Any = settings.TEMPLATES[0]["DIRS"]
    for folder in folders:
        for name in names:
            path = Path(folder) / name
            if path.exists():
                digest.update(name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --- whole pages per viewer --------------------------------------------------------------------
#
# The last step of the same idea: a page whose every input is known by a cheap stamp is
# rendered once per viewer and stamp, layout included, and a warm request renders no template
# at all. The key holds:
#
# - the code (every template file, the static files' URLs) and the request's URL with its
#   query string;
# - the viewer: account, staff flag, email, time zone, and everything the site header shows
#   (their profile stamp and the three badge counts, read by the header's one query as on
#   every page);
# - the page's own ``key_parts``: the stamps of everything its body shows, chosen by the view.
#
# Never cached: htmx requests (they get fragments), requests that carry flash messages (shown
# once), anything but GET and HEAD, and responses other than 200. The CSRF token is put in per
# request, as for ``cached_html``.


def _page_code_version() -> str:
    from django.templatetags.static import static

    digest = hashlib.sha256(FRAGMENT_VERSION.encode())
    folders: Any = settings.TEMPLATES[0]["DIRS"]
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.html")):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    for asset in ("css/rounds.css", "js/rounds.js", "img/favicon.svg"):
        try:
            digest.update(static(asset).encode())
        except ValueError:  # not collected (tests without a manifest): the name stands
            digest.update(asset.encode())
    return digest.hexdigest()[:12]


_PAGE_VERSION: dict[str, str] = {}


def page_code_version() -> str:
    """The digest of every template and asset URL (computed once per fragment version)."""
    version = _PAGE_VERSION.get(FRAGMENT_VERSION)
    if version is None:
        _PAGE_VERSION.clear()
        version = _PAGE_VERSION[FRAGMENT_VERSION] = _page_code_version()
    return version


def page_cache_applies(request: Any) -> bool:
    """Whether this request's page may come from (and go to) the page cache."""
    if request.method not in ("GET", "HEAD") or getattr(request, "htmx", False):
        return False
    from django.contrib.messages import get_messages

    return len(get_messages(request)) == 0


def _viewer_state(request: Any) -> tuple[Any, ...]:
    """Everything about the viewer that the layout (and any page) may show."""
    from django.utils import timezone

    from rounds.core.context_processors import site

    user = request.user
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match is not None else ""
    if not user.is_authenticated:
        return ("visitor", timezone.get_current_timezone_name(), view)
    profile = site(request)["my_profile"]
    return (
        user.pk,
        bool(user.is_staff),
        user.email,
        timezone.get_current_timezone_name(),
        (profile.pk, profile.updated_at.timestamp()) if profile is not None else None,
        getattr(request, "_pending_request_count", None),
        getattr(request, "_unread_conversation_count", None),
        getattr(request, "_unread_notification_count", None),
        view,
    )


def render_page(
    request: Any,
    template_name: str,
    context: Callable[[], dict[str, Any]],
    *,
    key_parts: tuple[Any, ...],
    fragment: str | None = None,
) -> Any:
    """The page ``template_name`` renders with ``context()``, from the page cache when the
    viewer saw it with the same ``key_parts`` before (see above). ``context`` is only called
    on a miss; ``key_parts`` must name every stamp of what the page shows. With ``fragment``,
    an htmx request gets only that ``{% partialdef %}`` of the template (never cached)."""
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.template.loader import render_to_string

    from rounds.core.htmx import is_htmx, render_page_or_fragment

    if fragment is not None and is_htmx(request):
        return render_page_or_fragment(request, template_name, fragment=fragment, context=context())
    if not page_cache_applies(request):
        return render(request, template_name, context())
    key = _html_key(
        ("page", page_code_version(), request.get_full_path(), _viewer_state(request), key_parts)
    )
    html = cache.get(key)
    if html is None:
        request._rendering_for_cache = True
        try:
            html = render_to_string(
                template_name, {**context(), "csrf_token": CSRF_PLACEHOLDER}, request=request
            )
        finally:
            request._rendering_for_cache = False
        cache.set(key, html, timeout=FRAGMENT_TIMEOUT)
    return HttpResponse(_with_token(request, html))
