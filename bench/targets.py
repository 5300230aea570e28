"""The registry of what ``make bench`` measures. Later capabilities append to ``TARGETS``.

A target's ``path`` may use these placeholders, filled by ``bench.run`` from the dataset:

- ``{handle}``     a typical member (not the viewer) with affiliations, specialties, interests
- ``{q}``          a common name fragment (matches thousands of members at tier M)
- ``{specialty}``  a common specialty slug
- ``{org}``        the slug of the largest workplace (by current affiliations)
- ``{conversation}`` the demo member's 1,000-message conversation (``bench.keeping``)

``auth`` is "none", "session" (the viewer's browser session cookie) or "token" (the viewer's
API token as ``Authorization: Bearer``). ``max_ratio`` is the limit on R = p50(target) /
p50(/healthz) in the same round; None means "measured, no limit". ``max_tail``, when set, also
limits p99 / p50 of the target (medians over rounds). ``viewer`` is who signs in: ``demo`` (the
demo member; 500 connections once the ``connections`` stage is built) or ``next_to_hubs`` (the
member with the most ties to hub members, see ``bench.connections.network_viewers``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    auth: str
    max_ratio: float | None
    max_tail: float | None = None
    viewer: str = "demo"

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
    # the three networks (issue 3); "net:" so that ``--only net:`` selects them
    Target("net: My Network", "/network/", "session", 12.0),
    Target("net: PYMK page", "/network/recommendations/", "session", 8.0, max_tail=6.0),
    Target(
        "net: PYMK page, hubs",
        "/network/recommendations/",
        "session",
        8.0,
        max_tail=6.0,
        viewer="next_to_hubs",
    ),
    Target(
        "net: PYMK API",
        "/api/v1/network/recommendations?kind=people",
        "token",
        8.0,
        max_tail=6.0,
    ),
    Target(
        "net: PYMK API, hubs",
        "/api/v1/network/recommendations?kind=people",
        "token",
        8.0,
        max_tail=6.0,
        viewer="next_to_hubs",
    ),
    Target("net: connections page", "/network/connections/", "session", 8.0),
    Target("net: connections API", "/api/v1/network/connections", "token", 8.0),
    Target("net: health API", "/api/v1/network/health", "token", 12.0),
    # floors, measured without a limit: what any signed-in page (base layout, session, the
    # member's own profile for the header) and any token API call cost before their own work
    Target("floor: signed-in page", "/network/blocked/", "session", None),
    Target("floor: token API", "/api/v1/network/connection-counts", "token", None),
    # keeping relationships (issue 5, bench/keeping.py); "keep:" so ``--only keep:`` selects them
    Target("keep: inbox", "/messages/", "session", 8.0),
    Target("keep: inbox API", "/api/v1/conversations", "token", 8.0),
    Target("keep: conversation", "/messages/{conversation}/", "session", 8.0),
    Target("keep: messages API", "/api/v1/conversations/{conversation}/messages", "token", 8.0),
    Target("keep: notifications", "/notifications/", "session", 6.0),
    Target("keep: notifications API", "/api/v1/notifications", "token", 6.0),
    Target("keep: due to reconnect", "/contacts/due/", "session", 8.0),
    Target("keep: due API", "/api/v1/contacts/due", "token", 8.0),
]
