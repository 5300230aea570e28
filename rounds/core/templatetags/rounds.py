"""Template tags of the Rounds design system: ``{% load rounds %}``.

- ``{% tip "place" ["variant"] %}``: one short piece of networking advice (rounds.core.guidance).
- ``{% avatar profile "md" %}``: the member's photo, or their initials on a tinted disc.
- ``{% role_badge profile %}``: the role, clearly marked "Not a clinician" when it is not.
- ``{% audience level profile %}``: who will see a field shared at ``level``, in plain words.
- ``{% nav_current "app:view" ... %}``: ``aria-current="page"`` when the page matches.
- ``{% bar_chart %}``, ``{% balance_bar %}``, ``{% donut_chart %}``: SVG charts (core.charts).
- ``{% guard_slot form "bio" %}``: where the professionalism guard's findings on a field show,
  while composing (htmx fills it) and after a refused submit (core.publishing).
- filters ``markdown``, ``initials``, ``language_name``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rounds.core import charts, guidance
from rounds.core.markdown import render_markdown

register = template.Library()

HONORIFICS = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx."}
AVATAR_SIZES = {"sm": 32, "md": 48, "lg": 96, "xl": 128}


@register.filter
def initials(name: Any) -> str:
    """Up to two initials from a display name, skipping honorifics: "Dr. Ana Ruiz" → "AR"."""
    words = [w for w in str(name or "").split() if w.lower() not in HONORIFICS]
    letters = [w[0] for w in words if w[0].isalnum()]
    if not letters:
        return "?"
    if len(letters) == 1:
        return letters[0].upper()
    return (letters[0] + letters[-1]).upper()


@register.filter(name="markdown")
def markdown_filter(text: Any) -> SafeString:
    """Member-authored Markdown as sanitised HTML."""
    return render_markdown(str(text or ""))


@register.filter
def language_name(code: Any) -> str:
    from rounds.profiles.vocab import LANGUAGES

    return LANGUAGES.get(str(code), str(code))


@register.simple_tag
def avatar(profile: Any, size: str = "md") -> SafeString:
    """The member's photo (decorative: the name is always next to it) or their initials."""
    pixels = AVATAR_SIZES.get(size, AVATAR_SIZES["md"])
    if profile is not None and getattr(profile, "avatar", None):
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="" width="{}" height="{}" loading="lazy">',
            size,
            profile.avatar.url,
            pixels,
            pixels,
        )
    name = getattr(profile, "display_name", "") if profile is not None else ""
    tint = sum(ord(c) for c in name) % 6 + 1
    return format_html(
        '<span class="avatar avatar-{} avatar-initials tint-{}" aria-hidden="true">{}</span>',
        size,
        tint,
        initials(name),
    )


@register.simple_tag
def role_badge(profile: Any) -> SafeString:
    """The member's role; non-clinical roles say so plainly, so nobody is mistaken for one."""
    label = profile.get_role_display()
    if profile.is_clinician:
        return format_html('<span class="badge badge-role">{}</span>', label)
    return format_html(
        '<span class="badge badge-nonclinical">{} <span class="badge-note">· Not a clinician'
        "</span></span>",
        label,
    )


AUDIENCE_TEXT = {
    "nobody": "Only you",
    "connections": "Only you and your connections",
    "members": "All signed-in members",
    "public": "Anyone, including visitors who are not signed in",
}


@register.simple_tag
def audience(level: str, profile: Any = None) -> str:
    """Who sees a field shared at ``level``, capped by the profile's own visibility."""
    if level == "public" and profile is not None and profile.visibility != "public":
        return "All signed-in members (visitors would see it only if your profile were public)"
    return AUDIENCE_TEXT.get(level, "Only you")


@register.simple_tag(takes_context=True)
def nav_current(context: Context, *view_names: str) -> SafeString:
    """``aria-current="page"`` when the current view is one of ``view_names`` (``current_view``
    in the context, else the request's)."""
    current = context.get("current_view")
    if current is None:
        match = getattr(context.get("request"), "resolver_match", None)
        current = match.view_name if match is not None else None
    if current is not None and current in view_names:
        return mark_safe(' aria-current="page"')
    return mark_safe("")


def _badge_counts(context: Context) -> tuple[int, int, int]:
    """Pending requests, waiting conversations, unread notifications: from the page's one
    profile query when it ran (``core.context_processors.site``), else counted by the tags."""
    from rounds.messaging.templatetags.messaging import unread_conversation_badge
    from rounds.network.templatetags.network import pending_request_count
    from rounds.notifications.templatetags.notifications import unread_notification_count

    return (
        pending_request_count(context),
        unread_conversation_badge(context),
        unread_notification_count(context),
    )


#: Rendered site headers of this process, keyed by everything they show (see ``site_header``).
_HEADERS: dict[tuple[Any, ...], str] = {}
_HEADERS_MAX = 5000


@register.simple_tag(takes_context=True)
def site_header(context: Context) -> SafeString:
    """The site header (``includes/site_header.html``): brand, navigation with badges, bell
    and account menu. It depends only on the member, their profile stamp, the three badge
    counts and the current view, so it is rendered once per such combination and kept in
    this process (bounded; a changed profile or count is a new key, never a stale header).
    The logout form's CSRF token is put in per request."""
    from rounds.core.fragments import _with_token, render_for_cache

    request = context.get("request")
    user = getattr(request, "user", None)
    profile = context.get("my_profile")
    match = getattr(request, "resolver_match", None)
    current_view = match.view_name if match is not None else ""
    signed_in = bool(user is not None and user.is_authenticated)
    counts = _badge_counts(context) if signed_in else (0, 0, 0)
    who = (user.pk, bool(user.is_staff), user.email) if signed_in and user else (None, False, "")
    key = (
        *who,
        (profile.pk, profile.updated_at) if profile is not None else None,
        counts,
        current_view,
        context.get("SITE_NAME"),
    )
    html = _HEADERS.get(key)
    if html is None:
        html = render_for_cache(
            "includes/site_header.html",
            {
                "user": user,
                "my_profile": profile,
                "SITE_NAME": context.get("SITE_NAME"),
                "current_view": current_view,
                "pending_count": min(counts[0], 100),
                "unread_conversations": min(counts[1], 100),
                "unread_notifications": min(counts[2], 100),
            },
        )
        if len(_HEADERS) >= _HEADERS_MAX:
            _HEADERS.clear()
        _HEADERS[key] = html
    return _with_token(request, html)


@register.simple_tag
def tip(place: str, variant: str = "") -> SafeString:
    """One short piece of advice for ``place``; renders nothing for an unknown place."""
    try:
        advice = guidance.tip_for(place, variant)
    except KeyError:
        return mark_safe("")
    return format_html(
        '<div class="tip" role="note" data-place="{}"><p class="tip-title">'
        '<svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">'
        '<path d="M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.4 1 1.1 1 1.8V16h5v-.3c0-.7.4-1.4 '
        '1-1.8A6 6 0 0 0 12 3z" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round"/></svg>'
        '<span class="visually-hidden">Tip: </span>{}</p><p class="tip-text">{}</p></div>',
        place,
        advice.title,
        advice.text,
    )


@register.simple_tag
def bar_chart(data: Any, title: str, description: str, **options: Any) -> SafeString:
    return charts.bar_chart(data, title=title, description=description, **options)


@register.simple_tag
def balance_bar(data: Any, title: str, description: str, **options: Any) -> SafeString:
    return charts.balance_bar(data, title=title, description=description, **options)


@register.simple_tag
def donut_chart(data: Any, title: str, description: str, **options: Any) -> SafeString:
    return charts.donut_chart(data, title=title, description=description, **options)


@register.simple_tag
def join_parts(*parts: Any, separator: str = ", ") -> str:
    """Join the non-empty ``parts``: ``{% join_parts city region country %}``."""
    return separator.join(str(part) for part in parts if part)


@register.simple_tag
def guard_slot(form: Any, field: str) -> SafeString:
    """The live region under ``field`` that shows the professionalism guard's findings: the
    refusal's report after a submit, otherwise empty until the composer preview fills it."""
    from rounds.core.publishing import slot_id

    displays = getattr(form, "guard", None) or {}
    return mark_safe(  # noqa: S308  rendered by a template with autoescaping
        render_to_string(
            "guard/_slot.html", {"slot_id": slot_id(field), "guard": displays.get(field)}
        )
    )
