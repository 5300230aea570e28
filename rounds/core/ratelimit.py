"""Per-member rate limits for publishing and reporting (abuse brakes, not quotas).

``rate_limit(actor_id=, action=)`` counts one use of ``action`` in the current fixed window
(an hour by default) in the cache — Redis in production, so every web process shares the
counters — and raises ``RateLimited`` (429, ``Retry-After``) once the member is over the limit
for that window. Limits live in ``settings.RATE_LIMITS`` (per hour) and are documented in
docs/deployment.md. Services call it first, before any write, so a refused request changes
nothing.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited

#: What each limited action is called in the message a member sees.
ACTION_NAMES = {
    "post": "posts",
    "comment": "comments",
    "report": "reports",
    "thread": "threads",
    "reply": "replies",
    "message": "messages",
    "calendar_feed": "new calendar feed addresses",
    "calendar_feed_read": "calendar feed downloads",
}


def limit_for(action: str) -> tuple[int, int]:
    """(uses allowed, window in seconds) for ``action``; KeyError for an unknown action."""
    allowed = settings.RATE_LIMITS[action]
    return int(allowed), int(settings.RATE_LIMIT_WINDOW_SECONDS)


def rate_limit(*, actor_id: int, action: str, now: float | None = None) -> int:
    """Count one ``action`` by ``actor_id``; return how many remain in this window.

    Raises RateLimited when the member already used the window's allowance (that use is not
    counted against a later window).
    """
    allowed, window = limit_for(action)
    now = time.time() if now is None else now
    window_index = int(now // window)
    key = f"ratelimit:{action}:{actor_id}:{window_index}"
    cache.add(key, 0, timeout=window + 60)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(key, 1, timeout=window + 60)
        used = 1
    if used > allowed:
        retry_after = int((window_index + 1) * window - now) + 1
        name = ACTION_NAMES.get(action, action)
        minutes = max(1, round(retry_after / 60))
        raise RateLimited(
            f"You have reached the limit of {allowed} {name} per hour. "
            f"Please try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
            retry_after=retry_after,
        )
    return allowed - used
