"""The registry of what ``make bench`` measures. Later capabilities append to ``TARGETS``.

A target's ``path`` may use these placeholders, filled by ``bench.run`` from the dataset:

- ``{handle}``     a typical member (not the viewer) with affiliations, specialties, interests
- ``{q}``          a common name fragment (matches thousands of members at tier M)
- ``{specialty}``  a common specialty slug
- ``{org}``        the slug of the largest workplace (by current affiliations)
- ``{conversation}`` the demo member's 1,000-message conversation (``bench.keeping``)
- ``{group}``, ``{thread}``, ``{post_q}``, ``{post_rare}``, ``{feed_cursor}`` the demo
  member's largest group, its busiest thread, a common and a rare word in posts, the cursor
  of the demo member's second feed page (``bench.feedstage.feed_context``)
- ``{event}`` the 2,000-registrant event the demo member is going to (``bench.events``)

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
    # the community (issue 6, bench/feedstage.py); "feed:" so ``--only feed:`` selects them.
    # Viewers: demo (500 connections, 20 groups, follows 5 hubs), hub_follower (follows every
    # hub author and 40 prolific members), returning (away for months; bench.feedstage)
    Target("feed: home feed", "/feed/", "session", 10.0),
    Target("feed: home feed API", "/api/v1/feed", "token", 5.0),
    Target("feed: home feed API, page 2", "/api/v1/feed?cursor={feed_cursor}", "token", 5.0),
    Target("feed: home feed, hubs", "/feed/", "session", 20.0, viewer="hub_follower"),
    Target("feed: home feed API, hubs", "/api/v1/feed", "token", 20.0, viewer="hub_follower"),
    Target("feed: home feed, returning", "/feed/", "session", 20.0, viewer="returning"),
    Target("feed: home feed API, returning", "/api/v1/feed", "token", 20.0, viewer="returning"),
    Target("feed: discussions", "/feed/?tab=discussions", "session", 10.0),
    Target("feed: discussions API", "/api/v1/feed/discussions", "token", 5.0),
    Target("feed: group page", "/groups/{group}/", "session", 8.0),
    Target("feed: group API", "/api/v1/groups/{group}/threads", "token", 8.0),
    Target("feed: thread", "/groups/{group}/threads/{thread}/", "session", 8.0),
    Target("feed: thread API", "/api/v1/groups/{group}/threads/{thread}/replies", "token", 8.0),
    Target("feed: post search", "/feed/?tab=search&q={post_q}", "session", 8.0),
    Target("feed: post search API", "/api/v1/posts/search?q={post_q}", "token", 8.0),
    Target("feed: post search API, rare", "/api/v1/posts/search?q={post_rare}", "token", 8.0),
    Target("feed: forum search API", "/api/v1/groups/search?q={post_q}", "token", 8.0),
    # events (issue 7, bench/events.py); "ev:" so ``--only ev:`` selects them. {event} is the
    # 2,000-registrant conference the demo member is going to (with a goal and goal tags)
    Target("ev: event list", "/events/", "session", 6.0),
    Target("ev: event list API", "/api/v1/events", "token", 6.0),
    Target("ev: event list, anonymous", "/events/", "none", 6.0),
    Target("ev: event list + specialty", "/events/?specialty={specialty}", "session", 6.0),
    Target("ev: event list API + specialty", "/api/v1/events?specialty={specialty}", "token", 6.0),
    Target("ev: event page", "/events/{event}/", "session", 6.0),
    Target("ev: event API", "/api/v1/events/{event}", "token", 6.0),
    Target("ev: roster page", "/events/{event}/roster/", "session", 6.0),
    Target("ev: roster API", "/api/v1/events/{event}/roster", "token", 6.0),
    Target("ev: who to meet", "/events/{event}/prepare/", "session", 10.0),
    Target("ev: who to meet API", "/api/v1/events/{event}/who-to-meet", "token", 10.0),
    Target("ev: my events", "/events/mine/", "session", None),
]
