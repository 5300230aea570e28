"""Template helpers of the feed: ``{{ post.body|post_markdown:post.mention_links }}`` (links,
#topics and @mentions of members the viewer may see, as resolved by ``selectors.decorate`` /
``comments_for``; without the argument mentions stay plain text)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(name="post_markdown")
def post_markdown(text: Any, mentions: Any = None) -> SafeString:
    """Sanitised HTML of a post or comment: Markdown, bare links, #topics and the @mentions
    found in ``mentions`` (a ``{handle: profile URL}`` dict) linked."""
    from rounds.feed.schemas import render_post_body

    links = mentions if isinstance(mentions, dict) else None
    return mark_safe(render_post_body(str(text or ""), links))  # noqa: S308 - sanitised (nh3)
