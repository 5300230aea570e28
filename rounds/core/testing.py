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


def clear_test_cache() -> None:
    """Empty the current test's cache only, and this process's local copies. ``cache.clear()`` on Redis flushes the whole
    database — the other xdist workers' cached pages and sessions too, mid-test — so with Redis
    this deletes only the keys under the test's own ``KEY_PREFIX`` (set per test in conftest)."""
    from django.conf import settings
    from django.core.cache import cache

    from rounds.core.cache import clear_local_copies

    clear_local_copies()  # this process's copies of shared entries (rounds.core.cache)
    config = settings.CACHES["default"]
    if "redis" not in config["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{config.get('KEY_PREFIX', '')}:*", count=1000))
    if keys:
        client.delete(*keys)
