"""The registry of what ``make bench`` measures. Later capabilities append to ``TARGETS``.

A target's ``path`` may use these placeholders, filled by ``bench.run`` from the dataset:

- ``{handle}``     a typical member (not the viewer) with affiliations, specialties, interests
- ``{q}``          a common name fragment (matches thousands of members at tier M)
- ``{specialty}``  a common specialty slug
- ``{org}``        the slug of the largest workplace (by current affiliations)

``auth`` is "none", "session" (the viewer's browser session cookie) or "token" (the viewer's
API token as ``Authorization: Bearer``). ``max_ratio`` is the limit on R = p50(target) /
p50(/healthz) in the same round; None means "measured, no limit".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    auth: str
    max_ratio: float | None

    def url_path(self, context: dict[str, str]) -> str:
        return self.path.format(**context)


#: Every round measures the baseline first; every ratio divides by it.
BASELINE = Target("healthz", "/healthz", "none", None)

TARGETS: list[Target] = [
    Target("profile page", "/members/{handle}/", "session", 8.0),
    Target("member API", "/api/v1/members/{handle}", "token", 8.0),
    Target("search API", "/api/v1/members?q={q}", "token", 8.0),
    Target("search API + specialty", "/api/v1/members?q={q}&specialty={specialty}", "token", 8.0),
    Target("directory", "/members/", "session", 10.0),
    Target("directory + specialty", "/members/?specialty={specialty}", "session", 10.0),
    Target("directory + search", "/members/?q={q}", "session", 10.0),
]
