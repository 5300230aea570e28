"""Accessible names of links, buttons and disclosure summaries in rendered HTML, computed as
Chromium does for the markup these templates use (accname 1.2, simplified): ``aria-label``
wins; otherwise the text content, with images' ``alt``, without ``aria-hidden`` parts, where
a ``visually-hidden`` child (``position: absolute`` makes it block-level) or a block element
is set off by spaces; whitespace is then collapsed. That is why ``Edit<span
class="visually-hidden">: About</span>`` is heard as "Edit : About" and the templates give
such controls an ``aria-label`` instead."""

from __future__ import annotations

from html.parser import HTMLParser

CONTROLS = frozenset({"a", "button", "summary"})
VOID = frozenset({"img", "br", "input", "hr", "meta", "link", "source", "wbr"})
BLOCKS = frozenset({"div", "p", "li", "ul", "ol", "section", "h1", "h2", "h3", "h4", "br"})


class _Names(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[tuple[str, str, str]] = []  # (tag, accessible name, visible text)
        self._control: str | None = None
        self._label: str | None = None
        self._parts: list[str] = []
        self._visible: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, set off by spaces, hidden)

    def _hidden(self) -> bool:
        return any(hidden for _tag, _block, hidden in self._stack)

    def _off_screen(self) -> bool:
        return any(block and tag == "visually-hidden" for tag, block, _ in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._control is None:
            if tag in CONTROLS:
                self._control, self._label = tag, attributes.get("aria-label")
                self._parts, self._visible, self._stack = [], [], []
            return
        if tag == "img":
            if not self._hidden():
                self._parts.append(f" {attributes.get('alt') or ''} ")
            return
        if tag in VOID:
            return
        classes = (attributes.get("class") or "").split()
        off_screen = "visually-hidden" in classes
        block = off_screen or tag in BLOCKS
        hidden = attributes.get("aria-hidden") == "true" or "hidden" in attributes
        self._stack.append(("visually-hidden" if off_screen else tag, block, hidden))
        if block:
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._control is None:
            return
        if not self._stack and tag == self._control:
            text = self._label if self._label is not None else "".join(self._parts)
            visible = " ".join("".join(self._visible).split())
            self.names.append((self._control, " ".join(text.split()), visible))
            self._control = None
            return
        if self._stack:
            _tag, block, _hidden = self._stack.pop()
            if block:
                self._parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._control is None or self._hidden():
            return
        self._parts.append(data)
        if not self._off_screen():
            self._visible.append(data)


def controls(html: str) -> list[tuple[str, str, str]]:
    """``(tag, accessible name, visible text)`` of every link, button and summary, in order."""
    parser = _Names()
    parser.feed(html)
    return parser.names


def accessible_names(html: str, tag: str | None = None) -> list[str]:
    """The accessible names of the page's controls (only ``tag`` ones when given)."""
    return [name for kind, name, _visible in controls(html) if tag is None or kind == tag]


def stray_spaces(html: str) -> list[str]:
    """Names with a space before punctuation or starting with punctuation (a hidden part
    glued to the visible text): "Edit : About", ": account menu"."""
    return [
        name
        for name in accessible_names(html)
        if any(f" {mark}" in name for mark in ":,.;") or name[:1] in {":", ",", ".", ";"}
    ]
