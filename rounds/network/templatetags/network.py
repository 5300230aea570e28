"""Template tags of the network pages: ``{% load network %}``.

- ``{% pending_request_count as count %}``: how many connection requests wait for the signed-in
  member's answer (capped: the navigation shows "99+"), computed once per request.
- filter ``network_name``: "operational" → "Operational".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.context import Context

from rounds.core.compiled import SENTINEL_ID, SENTINEL_TIME, CompiledQuery
from rounds.network.models import NetworkType
from rounds.network.selectors import incoming_requests_for

register = template.Library()

#: Counting stops here; the badge then reads "99+".
PENDING_COUNT_CAP = 100


def _waiting_requests(recipient: Any, now: Any) -> Any:
    """How many connection requests wait for ``recipient``'s answer (an outer reference)."""
    from django.db.models import Count

    from rounds.network.models import ConnectionRequest
    from rounds.network.selectors import pending_q

    return (
        ConnectionRequest.objects.filter(pending_q(now), recipient=recipient)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _header_queryset(*, user_id: int, now: Any) -> Any:
    """The navigation's one query: the member's profile row and their three badge counts."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from rounds.messaging.selectors import unread_conversations_subquery
    from rounds.notifications.selectors import PROFILE_USER_ID, unread_count_annotation
    from rounds.profiles.models import Profile

    waiting = _waiting_requests(OuterRef("user_id"), now)
    return (
        Profile.objects.filter(user_id=user_id)
        .annotate(pending_requests=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))
        .annotate(unread_conversations=unread_conversations_subquery(OuterRef("user_id")))
        .annotate(unread_notifications=unread_count_annotation(user_column=PROFILE_USER_ID))
        .order_by()
        .values_list(
            *_profile_columns(), "pending_requests", "unread_conversations", "unread_notifications"
        )[:1]
    )


def _user_with_header_queryset(*, user_id: int, now: Any) -> Any:
    """The account row and, on the same row, ``_header_queryset``'s profile row and counts
    (the profile's columns are NULL for an account without one)."""
    from django.contrib.auth import get_user_model
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from rounds.messaging.selectors import unread_conversations_subquery
    from rounds.notifications.selectors import unread_count_annotation

    User = get_user_model()
    waiting = _waiting_requests(OuterRef("pk"), now)
    user_column = (
        f"{User._meta.db_table}.{User._meta.pk.column}"  # checked by unread_count_annotation
    )
    quoted = ".".join(f'"{part}"' for part in user_column.split("."))
    return (
        User._default_manager.filter(pk=user_id)
        .annotate(pending_requests=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))
        .annotate(unread_conversations=unread_conversations_subquery(OuterRef("pk")))
        .annotate(unread_notifications=unread_count_annotation(user_column=quoted))
        .order_by()
        .values_list(
            *_user_columns(),
            *(f"profile__{name}" for name in _profile_columns()),
            "pending_requests",
            "unread_conversations",
            "unread_notifications",
        )[:1]
    )


@lru_cache(maxsize=1)
def _user_columns() -> tuple[str, ...]:
    from django.contrib.auth import get_user_model

    return tuple(f.attname for f in get_user_model()._meta.concrete_fields)


#: The session's user with the navigation's row (``rounds.core.navigation``).
USER_WITH_HEADER = CompiledQuery(
    _user_with_header_queryset, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME}
)


def header_queries(user_id: int) -> list[tuple[CompiledQuery, dict[str, Any]]]:
    """The account ``user_id`` with its navigation row, and the view's first query when it
    named one (``rounds.core.navigation``): what ``user_from_header_rows`` reads."""
    from django.utils import timezone

    from rounds.core.navigation import pending_extra

    queries = [(USER_WITH_HEADER, {"user_id": user_id, "now": timezone.now()})]
    extra = pending_extra(user_id)
    if extra is not None:
        queries.append(extra)
    return queries


def user_from_header_rows(
    rows: list[tuple[Any, ...]] | None, extra_rows: list[tuple[Any, ...]] | None, using: str
) -> Any:
    """The account of ``USER_WITH_HEADER``'s ``rows`` (None when there is none); its profile
    and badge counts, and the view's rows, are kept for this request
    (``rounds.core.navigation.prefetched``, ``prefetched_rows``)."""
    from django.contrib.auth import get_user_model

    from rounds.core.navigation import current, keep_extra_rows
    from rounds.profiles.models import Profile

    keep_extra_rows(extra_rows)
    if not rows:
        return None
    row = rows[0]
    users, profiles = len(_user_columns()), len(_profile_columns())
    user = get_user_model().from_db(using, list(_user_columns()), row[:users])
    profile_values = row[users : users + profiles]
    profile = None
    if profile_values[0] is not None:  # the profile's id: NULL without one
        profile = Profile.from_db(using, list(_profile_columns()), profile_values)
    state = current()
    if state is not None:
        state.rows[user.pk] = (profile, tuple(row[users + profiles :]))
    return user


def user_with_header(user_id: int, using: str) -> Any:
    """The account ``user_id`` (None when there is none) with its profile and badge counts
    kept for this request's navigation (``rounds.core.navigation.prefetched``)."""
    from rounds.core.compiled import rows_joined

    queries = header_queries(user_id)
    if len(queries) == 1:
        query, values = queries[0]
        return user_from_header_rows(query.rows(using=using, **values), None, using)
    # the view's first query comes along (``core.navigation.prefetched_rows``)
    rows, (extra_rows,) = rows_joined(queries, using=using)
    return user_from_header_rows(rows, extra_rows, using)


@lru_cache(maxsize=1)
def _profile_columns() -> tuple[str, ...]:
    from rounds.profiles.models import Profile

    return tuple(f.attname for f in Profile._meta.concrete_fields)


#: Built with the ORM once per process (``core/compiled.py``): building this query took
#: 3–4 ms of Python per page for 0.1 ms of SQL.
HEADER_QUERY = CompiledQuery(
    _header_queryset, sentinels={"user_id": SENTINEL_ID, "now": SENTINEL_TIME}
)


def my_profile_with_pending_count(request: Any, user: Any) -> Any:
    """The signed-in member's profile (None without one) with the pending request count, the
    conversations waiting (``unread_conversation_count`` in ``rounds.messaging.templatetags``)
    and the unread notifications, in one query; the counts are kept on the request."""
    from django.db import router
    from django.utils import timezone

    from rounds.core.navigation import prefetched
    from rounds.profiles.models import Profile

    found = prefetched(user.pk)
    if found is not None:  # read with the account (``rounds.core.navigation``)
        profile, (pending, conversations, notifications) = found
        if profile is None:
            return None
    else:
        using = router.db_for_read(Profile)
        rows = HEADER_QUERY.rows(user_id=user.pk, now=timezone.now(), using=using)
        if not rows:
            return None
        columns = _profile_columns()
        row = rows[0]
        profile = Profile.from_db(using, list(columns), row[: len(columns)])
        pending, conversations, notifications = row[len(columns) :]
    request._pending_request_count = min(int(pending or 0), PENDING_COUNT_CAP)
    request._unread_notification_count = int(notifications or 0)  # capped at 100
    request._unread_conversation_count = int(conversations or 0)
    user.profile = profile  # the reverse one-to-one cache: user.profile needs no query
    return profile


@register.simple_tag(takes_context=True)
def pending_request_count(context: Context) -> int:
    """Pending, unexpired requests addressed to the signed-in member (0 for visitors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_pending_request_count", None)
    if cached is None:
        ids = incoming_requests_for(viewer=user).values_list("id", flat=True)
        cached = len(ids[:PENDING_COUNT_CAP])
        request._pending_request_count = cached  # type: ignore[attr-defined]
    return int(cached)


@register.filter
def network_name(key: Any) -> str:
    """The display name of a network type key."""
    try:
        return str(NetworkType(str(key)).label)
    except ValueError:
        return str(key)
