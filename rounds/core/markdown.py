"""Render member-authored Markdown to safe HTML (markdown-it-py, then nh3 sanitising).

``render_markdown`` serves every member text. With ``links=True`` (posts, comments, forum
texts) bare ``http(s)://`` addresses become links too, and with ``topics=True`` each
``#topic`` links to its topic page; with ``mentions`` each ``@handle`` the function resolves
(an existing member the viewer may see) links to their profile. Links are only ever rendered as sanitised anchors with
``rel="nofollow noopener ugc"``: nothing is fetched from the server to preview them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    "image"
)

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener ugc"

#: A #topic: a letter, then letters, digits, "_" or "-" (2–50 characters). Not after a word
#: character, "&" (an HTML entity such as ``&#39;``), "/" (a URL fragment) or another "#".
TOPIC_PATTERN = re.compile(r"(?<![\w&/#])#([A-Za-z][A-Za-z0-9_-]{1,49})(?![A-Za-z0-9_-])")
#: An @handle mention (profile handles: letters, digits and hyphens, 3–40 characters). Not after
#: a word character, "@", "/" or "." (e-mail addresses, URLs).
MENTION_PATTERN = re.compile(
    r"(?<![\w@/.])@([a-z0-9][a-z0-9-]{1,38}[a-z0-9])(?![a-z0-9-])", re.IGNORECASE
)
_URL_PATTERN = re.compile(r"(?<![\w/\"'=])(https?://[^\s<>\"']+)")
_TRAILING = ".,;:!?)]}'"
_TAG = re.compile(r"(<[^>]*>)")
_NO_LINKS_INSIDE = ("a", "code", "pre")


def topic_slugs(text: str) -> list[str]:
    """The distinct #topics named in ``text``, lower-cased, in order of appearance."""
    return list(topic_names(text))


def topic_names(text: str) -> dict[str, str]:
    """``{slug: name as first written}`` for the #topics in ``text``, in order of appearance."""
    names: dict[str, str] = {}
    for match in TOPIC_PATTERN.finditer(text or ""):
        names.setdefault(match.group(1).lower(), match.group(1))
    return names


def _linkify_text(
    text: str,
    *,
    links: bool,
    topic_url: Callable[[str], str] | None,
    mention_url: Callable[[str], str | None] | None = None,
) -> str:
    """Links in one HTML text segment (already escaped by markdown-it)."""
    if links:

        def url_link(match: re.Match[str]) -> str:
            url = match.group(1)
            trail = ""
            while url and url[-1] in _TRAILING:
                trail = url[-1] + trail
                url = url[:-1]
            if url.endswith("&amp") or len(url) <= len("https://"):
                return match.group(0)
            return f'<a href="{url}">{url}</a>{trail}'

        text = _URL_PATTERN.sub(url_link, text)
    if topic_url is not None or mention_url is not None:
        pieces = _TAG.split(text)  # URLs just linked must not get topic links inside them
        depth = 0
        for index, piece in enumerate(pieces):
            if piece.startswith("<a "):
                depth += 1
            elif piece == "</a>":
                depth -= 1
            elif not piece.startswith("<") and depth == 0:
                if topic_url is not None:
                    piece = TOPIC_PATTERN.sub(
                        lambda m: f'<a href="{topic_url(m.group(1).lower())}">#{m.group(1)}</a>',
                        piece,
                    )
                if mention_url is not None:
                    piece = _mention_links(piece, mention_url)
                pieces[index] = piece
        text = "".join(pieces)
    return text


def _mention_links(text: str, mention_url: Callable[[str], str | None]) -> str:
    """``@handle`` → a link where ``mention_url`` knows the handle (outside topic links)."""
    pieces = _TAG.split(text)
    depth = 0
    for index, piece in enumerate(pieces):
        if piece.startswith("<a "):
            depth += 1
        elif piece == "</a>":
            depth -= 1
        elif not piece.startswith("<") and depth == 0:

            def link(match: re.Match[str]) -> str:
                url = mention_url(match.group(1).lower())
                return f'<a href="{url}">{match.group(0)}</a>' if url else match.group(0)

            pieces[index] = MENTION_PATTERN.sub(link, piece)
    return "".join(pieces)


def _linkify(
    html: str,
    *,
    links: bool,
    topic_url: Callable[[str], str] | None,
    mention_url: Callable[[str], str | None] | None = None,
) -> str:
    """Apply ``_linkify_text`` to the text between tags, outside links and code."""
    pieces = _TAG.split(html)
    inside: list[str] = []
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            name = piece.strip("</>").split()[0].lower() if piece.strip("</>") else ""
            if name in _NO_LINKS_INSIDE:
                if piece.startswith("</"):
                    if name in inside:
                        inside.remove(name)
                elif not piece.endswith("/>"):
                    inside.append(name)
            continue
        if not inside and piece:
            pieces[index] = _linkify_text(
                piece, links=links, topic_url=topic_url, mention_url=mention_url
            )
    return "".join(pieces)


def render_markdown(
    text: str,
    *,
    links: bool = False,
    topics: Callable[[str], str] | None = None,
    mentions: Callable[[str], str | None] | None = None,
) -> SafeString:
    """Return sanitised HTML for ``text``; links get rel="nofollow noopener ugc".

    ``links``: bare http(s) addresses become links. ``topics``: a function giving the URL of
    a topic page from its slug; each ``#topic`` then links there. ``mentions``: a function
    giving the profile URL of a lower-cased handle, or None (plain text) for a handle that is
    not an existing member the viewer may see.
    """
    if topics is None and mentions is None:
        return mark_safe(_render_plain(text or "", links))  # noqa: S308 - nh3 output, memoised
    return mark_safe(_render(text or "", links=links, topics=topics, mentions=mentions))  # noqa: S308


@lru_cache(maxsize=4096)
def _render_plain(text: str, links: bool) -> str:
    """``render_markdown`` without topic or mention links: a pure function of the text, kept
    per process (a thread's replies, group descriptions and bios render on every view; the
    Markdown parse and nh3 clean cost ~0.2 ms a body)."""
    return _render(text, links=links, topics=None, mentions=None)


def _render(
    text: str,
    *,
    links: bool,
    topics: Callable[[str], str] | None,
    mentions: Callable[[str], str | None] | None,
) -> str:
    html = _md.render(text)
    if links or topics is not None or mentions is not None:
        html = _linkify(html, links=links, topic_url=topics, mention_url=mentions)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )
    return str(clean)
