"""Template helpers of the feed: ``{{ post.body|post_markdown }}`` (links and #topics)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from rounds.core.markdown import render_markdown

register = template.Library()


def _topic_url(slug: str) -> str:
    from django.urls import reverse

    return reverse("feed:topic", args=[slug])


@register.filter(name="post_markdown")
def post_markdown(text: Any) -> SafeString:
    """Sanitised HTML of a post or comment: Markdown, bare links and #topics linked."""
    return render_markdown(str(text or ""), links=True, topics=_topic_url)
