"""Helpers for tests: find executable constructs in rendered HTML (XSS checks)."""

from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_TAGS = frozenset(
    {
        "script",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "style",
        "link",
        "meta",
        "base",
        "form",
        "img",
        "video",
        "audio",
        "source",
    }
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and value:
                scheme = "".join(value.split()).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.found.append(f"{tag}[{name}={value[:30]}]")
            if (
                name == "style"
                and value
                and ("expression(" in value.lower() or "url(" in value.lower())
            ):
                self.found.append(f"{tag}[style]")


def executable_constructs(html: str) -> list[str]:
    """Every element, event handler or URL in ``html`` that could run script; empty when safe."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found
