"""A member's private calendar feed: create (or regenerate), revoke, read.

The feed URL ``/events/feed/<token>.ics`` is the only thing the token opens: it is not an API
token (those start ``rnd_`` and live in ``accounts.ApiToken``), not a session, and no other URL
looks it up. Only its SHA-256 digest is stored, with a short prefix so the member can tell
URLs apart; the token itself is shown once. One feed is active per member (a partial unique
constraint): making a new one revokes the old, so a leaked URL is fixed by regenerating.

What the feed lists (``feed_events_for``): events the member is going to or attended, and
events they organize, that are published or cancelled (``STATUS:CANCELLED``), still visible
to them, ending no earlier than ``FEED_PAST_DAYS`` ago; at most ``FEED_MAX_EVENTS``, soonest
first. Reading it is a handful of indexed queries whatever the member's history.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from rounds.core.audit import audit
from rounds.core.errors import NotFound
from rounds.core.ratelimit import rate_limit

from . import policies
from .access import visible_events_q
from .models import CalendarFeed, Event, EventOrganizer, Registration, RegistrationState, State

#: Feed tokens start with this, so a leaked one is recognisable (and never mistaken for an
#: API token, which starts ``rnd_``).
FEED_TOKEN_PREFIX = "rcal_"
#: ``rcal_`` + 43 characters of ``secrets.token_urlsafe(32)`` (256 bits).
_TOKEN_RE = re.compile(r"\Arcal_[A-Za-z0-9_-]{43}\Z")
#: Characters of the token kept (in clear) to tell feeds apart in the settings list.
PREFIX_LENGTH = len(FEED_TOKEN_PREFIX) + 6
FEED_PAST_DAYS = 90
FEED_MAX_EVENTS = 500
#: ``last_used_at`` is written at most this often (a client polls every few hours).
_LAST_USED_RESOLUTION = timedelta(minutes=15)
_FEED_STATES = (RegistrationState.GOING, RegistrationState.ATTENDED)


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_well_formed_token(token: str) -> bool:
    return bool(_TOKEN_RE.match(token or ""))


def calendar_feed_active(*, user: Any) -> CalendarFeed | None:
    """The member's active feed, if any."""
    return CalendarFeed.objects.filter(user_id=user.pk, revoked_at__isnull=True).first()


@transaction.atomic
def calendar_feed_create(*, actor: Any) -> tuple[CalendarFeed, str]:
    """Make a new feed URL for ``actor`` (revoking the active one) and return the feed with its
    token — shown once, never stored. Rate-limited (``calendar_feed``): 429 when over."""
    rate_limit(actor_id=actor.pk, action="calendar_feed")
    now = timezone.now()
    revoked = CalendarFeed.objects.select_for_update().filter(
        user_id=actor.pk, revoked_at__isnull=True
    )
    for old in revoked:
        old.revoked_at = now
        old.save(update_fields=["revoked_at", "updated_at"])
        audit(actor=actor, action="calendar_feed.revoke", target=old)
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=actor, digest=feed_token_digest(token), prefix=token[:PREFIX_LENGTH]
    )
    audit(actor=actor, action="calendar_feed.create", target=feed)
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: Any) -> CalendarFeed:
    """Revoke ``actor``'s active feed: its URL answers 404 from now on. NotFound when they have
    none."""
    feed = (
        CalendarFeed.objects.select_for_update()
        .filter(user_id=actor.pk, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise NotFound("You have no active calendar feed.")
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at", "updated_at"])
    audit(actor=actor, action="calendar_feed.revoke", target=feed)
    return feed


def calendar_feed_authenticate(token: str) -> CalendarFeed | None:
    """The active feed whose token is ``token`` (its member active and not leaving), or None
    for anything malformed, unknown or revoked. Records the last use, coarsely."""
    if not is_well_formed_token(token):
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(
            digest=feed_token_digest(token),
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .first()
    )
    if feed is None or getattr(feed.user, "deletion_scheduled", None):
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > _LAST_USED_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return feed


def feed_events_for(user: Any, *, now: Any = None) -> list[Event]:
    """The events of ``user``'s feed (see the module docstring), each with what
    ``policies`` needs about ``user`` remembered (join link) and the organizer's profile.

    Driven from the member's side — their registrations (index ``user, state, event``) and
    co-organizer rows — so the cost follows the member's own history, never the number of
    events on the site; then one query for the events and one for the member's registrations
    on them."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=FEED_PAST_DAYS)
    going_ids = set(
        Registration.objects.filter(
            user_id=user.pk, state__in=_FEED_STATES, event__ends_at__gte=cutoff
        ).values_list("event_id", flat=True)
    )
    co_organizing_ids = set(
        EventOrganizer.objects.filter(user_id=user.pk, event__ends_at__gte=cutoff).values_list(
            "event_id", flat=True
        )
    )
    events: list[Event] = list(
        Event.objects.filter(visible_events_q(user))
        .filter(
            Q(pk__in=going_ids | co_organizing_ids) | Q(organizer_id=user.pk),
            state__in=(State.PUBLISHED, State.CANCELLED),
            ends_at__gte=cutoff,
        )
        .select_related("organizer__profile")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(user_id=user.pk),
                to_attr="_feed_registrations",
            )
        )
        .order_by("starts_at", "id")[:FEED_MAX_EVENTS]
    )
    for event in events:
        rows = getattr(event, "_feed_registrations", [])
        policies.remember_viewer(
            event,
            user.pk,
            co_organizer=event.pk in co_organizing_ids,
            registration=rows[0] if rows else None,
        )
    return events


def feed_read(*, token: str) -> tuple[CalendarFeed, list[Event]]:
    """The feed for ``token`` and its events; NotFound for a malformed, unknown or revoked
    token (the same answer for each). Rate-limited per member (``calendar_feed_read``)."""
    feed = calendar_feed_authenticate(token)
    if feed is None:
        raise NotFound("No calendar feed at that address.")
    rate_limit(actor_id=feed.user_id, action="calendar_feed_read")
    return feed, feed_events_for(feed.user)
