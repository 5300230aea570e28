"""Forum search on PostgreSQL in one statement of constant text (``selectors.search_threads``).

The ORM form of a forum search is five statements (the viewer's blocks, the newest matching
threads, the threads of the newest matching replies, those threads re-checked, the page's
rows) and ~5 ms of Python building them. Here the same steps, with the same rules and bounds,
are one statement: ``direct`` (the newest ``limit`` visible, readable matching threads) and
``via`` (the threads of the newest ``limit × REPLY_FANOUT`` visible matching replies) are read
as two arrays, their union is filtered by the same rules, ordered by latest activity and cut to
the page's window, and the window's threads come back with their author, profile and group
(every column, as ``select_related`` loads them).

The rules are ``selectors.visible_content_q`` (visible and not by a member blocked either way,
or the viewer's own) and ``selectors.readable_group_q`` (one of the viewer's active groups, or
a public group), or one group when the search is a group's. A visitor is viewer 0 (no account
has that id: their own content and memberships are empty, as the ORM's rules say).

That statement is sent with client-side binding, not prepared: a generic plan cannot tell a
rare word (read from the GIN index) from a common one (walked along ``thread_activity_idx``),
and planning it costs ~3 ms. So the matches themselves are kept (``candidates``), as for post
search (``feed/search.py``): the newest ``MAX_THREADS`` matching threads (every state, every
group) in latest-activity order and the newest ``MAX_REPLIES`` matching replies, computed for
no one, in the shared cache and per process under the **forum search version**, which every
save of a thread's title, body or latest activity and of a reply's body (a new reply moves
its thread's activity: ``reply_create``), and the data-rights anonymisation, change at once and
on commit. A request then runs ``_KEPT_SQL`` (prepared, constant text, no text search): both
lists walked in order with the viewer's rules and the same bounds, then the same union,
order and window. A deleted thread or reply no longer joins; moderation, blocks, memberships
and group privacy are read as they are now. When a walk runs out of the ids it was given
before its bound while more matches exist, the direct statement answers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db import connection

from rounds.core.cache import LocalCopies, VersionToken

#: Matches kept per query: threads (latest activity first) and replies (newest first).
MAX_THREADS = 1000
MAX_REPLIES = 3000
#: Ids a request passes per result its walks may keep (most matches are readable to most).
PASS_FACTOR = 4
CANDIDATE_SECONDS = 600
VERSION_KEY = "community:search:version"
_LOCAL = LocalCopies(max_chars=256, seconds=60.0, measure=lambda value: 1)

_PARSED: dict[bool, str] = {}


def _blocked() -> str:
    from rounds.network.models import Block

    return (
        f"ARRAY(SELECT CASE WHEN blocker_id = %(viewer)s THEN blocked_id ELSE blocker_id END"  # noqa: S608
        f" FROM {Block._meta.db_table}"
        " WHERE blocker_id = %(viewer)s OR blocked_id = %(viewer)s)"
    )


def _visible(a: str) -> str:
    """``selectors.visible_content_q`` on the row aliased ``a``."""
    return (
        f"(({a}.moderation_state = 'visible'"
        f" AND ({a}.author_id IS NULL OR {a}.author_id <> ALL({_blocked()})))"
        f" OR {a}.author_id = %(viewer)s)"
    )


def _readable(a: str) -> str:
    """``selectors.readable_group_q`` on the thread aliased ``a``."""
    from .models import Group, GroupMembership

    return (
        f"({a}.group_id IN (SELECT gm.group_id FROM {GroupMembership._meta.db_table} gm"  # noqa: S608
        " WHERE gm.state = 'active' AND gm.user_id = %(viewer)s)"
        f" OR EXISTS (SELECT 1 FROM {Group._meta.db_table} pg"
        f" WHERE pg.id = {a}.group_id AND pg.visibility = 'public'))"
    )


def _scope(one_group: bool) -> tuple[Any, str]:
    """Which threads a search reads (a function of the thread's alias) and the condition a
    matching reply ``r`` adds: the readable groups, or the one group searched."""
    from .models import Thread

    if not one_group:
        return _readable, ""
    reply_scope = (
        f" AND EXISTS (SELECT 1 FROM {Thread._meta.db_table} rt"  # noqa: S608 - names
        " WHERE rt.id = r.thread_id AND rt.group_id = %(group)s)"
    )
    return (lambda a: f"{a}.group_id = %(group)s"), reply_scope


def _fields(model: Any) -> list[Any]:
    """The columns read of ``model``: every one but a thread's stored search vector."""
    return [f for f in model._meta.concrete_fields if f.name != "search_vector"]


def _columns(model: Any, alias: str) -> list[str]:
    return [f"{alias}.{field.column}" for field in _fields(model)]


def _sql(one_group: bool) -> str:
    from django.contrib.auth import get_user_model

    from rounds.profiles.models import Profile

    from .models import Group, Reply, Thread

    thread, reply = Thread._meta.db_table, Reply._meta.db_table
    match = "search_vector @@ websearch_to_tsquery('english'::regconfig, %(q)s)"
    readable, reply_scope = _scope(one_group)
    columns = [
        *_columns(Thread, "t"),
        *_columns(get_user_model(), "u"),
        *_columns(Profile, "pr"),
        *_columns(Group, "g"),
    ]
    return f"""SELECT {", ".join(columns)}
FROM (SELECT ARRAY(
    SELECT th.id FROM {thread} th
    WHERE th.id = ANY(x.direct || x.via) AND {_visible("th")} AND {readable("th")}
    ORDER BY th.last_activity_at DESC, th.id DESC
    OFFSET %(offset)s LIMIT %(window)s) AS ids
  FROM (SELECT
    ARRAY(SELECT th.id FROM {thread} th
          WHERE {_visible("th")} AND {readable("th")} AND th.{match}
          ORDER BY th.last_activity_at DESC, th.id DESC LIMIT %(limit)s) AS direct,
    ARRAY(SELECT r.thread_id FROM {reply} r
          WHERE {_visible("r")} AND r.{match}{reply_scope}
          ORDER BY r.id DESC LIMIT %(replies)s) AS via
    OFFSET 0) x
  OFFSET 0) f
CROSS JOIN LATERAL unnest(f.ids) WITH ORDINALITY AS w(id, n)
JOIN {thread} t ON t.id = w.id
LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = t.author_id
LEFT JOIN {Profile._meta.db_table} pr ON pr.user_id = u.id
JOIN {Group._meta.db_table} g ON g.id = t.group_id
ORDER BY w.n
"""  # noqa: S608 - table and column names from the models, values bound


def _instances(rows: list[tuple[Any, ...]]) -> list[Any]:
    """Threads as ``select_related("author__profile", "group")`` loads them."""
    from django.contrib.auth import get_user_model

    from rounds.profiles.models import Profile

    from .models import Group, Thread

    models = (Thread, get_user_model(), Profile, Group)
    names = [[f.attname for f in _fields(model)] for model in models]
    # the fields' own conversions (the profile's JSON languages), as the ORM's iterator does
    converters: list[tuple[int, Any, Any]] = []
    start = 0
    for model in models:
        for field in _fields(model):
            for convert in field.get_db_converters(connection):
                converters.append((start, convert, field))
            start += 1
    threads = []
    for raw in rows:
        row = list(raw)
        for index, convert, field in converters:
            row[index] = convert(row[index], field, connection)
        values, start = [], 0
        for fields in names:
            values.append(row[start : start + len(fields)])
            start += len(fields)
        thread = Thread.from_db("default", names[0], values[0])
        user = profile = None
        if values[1][0] is not None:
            user = get_user_model().from_db("default", names[1], values[1])
            if values[2][0] is not None:
                profile = Profile.from_db("default", names[2], values[2])
                profile._state.fields_cache["user"] = user
            user._state.fields_cache["profile"] = profile
        thread._state.fields_cache["author"] = user
        thread._state.fields_cache["group"] = Group.from_db("default", names[3], values[3])
        threads.append(thread)
    return threads


def search_rows(
    *, viewer_id: int, query: str, group_id: int | None, page: int, size: int, fanout: int
) -> list[Any]:
    """The threads of ``ranked[(page - 1) * size : page * size + 1]`` (``search_threads``),
    loaded; one statement (from the kept matches when they suffice)."""
    if USE_KEPT_MATCHES:
        kept = kept_rows(
            viewer_id=viewer_id,
            query=query,
            group_id=group_id,
            page=page,
            size=size,
            fanout=fanout,
        )
        if kept is not None:
            return kept
    return direct_rows(
        viewer_id=viewer_id, query=query, group_id=group_id, page=page, size=size, fanout=fanout
    )


#: Off: every search takes the direct statement (the tests compare both).
USE_KEPT_MATCHES = True


def direct_rows(
    *, viewer_id: int, query: str, group_id: int | None, page: int, size: int, fanout: int
) -> list[Any]:
    """``search_rows`` in one statement with the text search itself (client-side binding)."""
    one_group = group_id is not None
    sql = _PARSED.get(one_group)
    if sql is None:
        sql = _PARSED[one_group] = _sql(one_group)
    limit = page * size + 1
    params: dict[str, Any] = {
        "viewer": viewer_id,
        "q": query,
        "group": group_id,
        "limit": limit,
        "replies": limit * fanout,
        "offset": (page - 1) * size,
        "window": size + 1,
    }
    if not one_group:
        del params["group"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _instances(rows)


# --- the kept matches ----------------------------------------------------------------------------


_VERSION = VersionToken(VERSION_KEY)


def search_version() -> str:
    """The current search version token (``core.cache.VersionToken``)."""
    return _VERSION.current()


def forum_changed() -> None:
    """A thread or reply was written or its text or activity changed: new kept matches for
    every query, at once and again once the transaction commits."""
    _VERSION.changed()


_THREAD_FIELDS = frozenset({"title", "body", "last_activity_at"})


def _thread_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is None or _THREAD_FIELDS & set(update_fields):
        forum_changed()


def _reply_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is None or "body" in update_fields:
        forum_changed()


def connect_signals() -> None:
    """(``CommunityConfig.ready``)"""
    from django.db.models.signals import post_save

    from .models import Reply, Thread

    post_save.connect(_thread_saved, sender=Thread, dispatch_uid="community.search.thread")
    post_save.connect(_reply_saved, sender=Reply, dispatch_uid="community.search.reply")


class Candidates:
    __slots__ = ("replies", "replies_complete", "threads", "threads_complete")

    def __init__(self, threads: list[int], replies: list[int]):
        self.threads, self.threads_complete = threads[:MAX_THREADS], len(threads) <= MAX_THREADS
        self.replies, self.replies_complete = replies[:MAX_REPLIES], len(replies) <= MAX_REPLIES


def _compute(query: str) -> tuple[list[int], list[int]]:
    from .models import Reply, Thread

    match = "search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Thread._meta.db_table} WHERE {match}"  # noqa: S608 - names
            " ORDER BY last_activity_at DESC, id DESC LIMIT %s",
            [query, MAX_THREADS + 1],
        )
        threads = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT id FROM {Reply._meta.db_table} WHERE {match}"  # noqa: S608 - names
            " ORDER BY id DESC LIMIT %s",
            [query, MAX_REPLIES + 1],
        )
        replies = [row[0] for row in cursor.fetchall()]
    return threads, replies


def candidates(query: str) -> Candidates:
    """The query's kept matches under the current version (per process, shared, or now)."""
    version = search_version()
    digest = hashlib.blake2b(query.encode(), digest_size=16).hexdigest()
    local_key = f"{version}:{digest}"
    found = _LOCAL.get(local_key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    shared_key = f"community:search:candidates:v1:{digest}"
    entry = cache.get(shared_key)
    if entry is not None and entry[0] == version:
        threads, replies = list(entry[1]), list(entry[2])
    else:
        threads, replies = _compute(query)
        cache.set(shared_key, (version, tuple(threads), tuple(replies)), CANDIDATE_SECONDS)
    found = Candidates(threads, replies)
    _LOCAL.put(local_key, found)
    return found


def _kept_sql(one_group: bool) -> str:
    from django.contrib.auth import get_user_model

    from rounds.profiles.models import Profile

    from .models import Group, Reply, Thread

    thread, reply = Thread._meta.db_table, Reply._meta.db_table
    readable, reply_scope = _scope(one_group)
    columns = [
        *_columns(Thread, "t"),
        *_columns(get_user_model(), "u"),
        *_columns(Profile, "pr"),
        *_columns(Group, "g"),
    ]
    return f"""SELECT x.direct_n, x.via_n, {", ".join(columns)}
FROM (SELECT cardinality(d.direct) AS direct_n, cardinality(v.via) AS via_n, ARRAY(
    SELECT th.id FROM {thread} th
    WHERE th.id = ANY(d.direct || v.via) AND {_visible("th")} AND {readable("th")}
    ORDER BY th.last_activity_at DESC, th.id DESC
    OFFSET %(offset)s LIMIT %(window)s) AS ids
  FROM (SELECT ARRAY(
      SELECT th.id FROM unnest(%(threads)s::bigint[]) WITH ORDINALITY AS c(id, n)
      JOIN {thread} th ON th.id = c.id
      WHERE {_visible("th")} AND {readable("th")}
      ORDER BY c.n LIMIT %(limit)s) AS direct OFFSET 0) d,
    (SELECT ARRAY(
      SELECT r.thread_id FROM unnest(%(replies)s::bigint[]) WITH ORDINALITY AS c(id, n)
      JOIN {reply} r ON r.id = c.id
      WHERE {_visible("r")}{reply_scope}
      ORDER BY c.n LIMIT %(reply_limit)s) AS via OFFSET 0) v
  OFFSET 0) x
LEFT JOIN LATERAL unnest(x.ids) WITH ORDINALITY AS w(id, n) ON TRUE
LEFT JOIN {thread} t ON t.id = w.id
LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = t.author_id
LEFT JOIN {Profile._meta.db_table} pr ON pr.user_id = u.id
LEFT JOIN {Group._meta.db_table} g ON g.id = t.group_id
ORDER BY w.n
"""  # noqa: S608 - table and column names from the models, values bound


_KEPT: dict[bool, str] = {}


def kept_rows(
    *, viewer_id: int, query: str, group_id: int | None, page: int, size: int, fanout: int
) -> list[Any] | None:
    """``search_rows`` from the kept matches in one prepared statement, or None when the
    direct statement must answer."""
    from rounds.core.compiled import prepared_cursor

    found = candidates(query)
    limit = page * size + 1
    reply_limit = limit * fanout
    threads = found.threads[: PASS_FACTOR * limit]
    replies = found.replies[: PASS_FACTOR * reply_limit]
    one_group = group_id is not None
    sql = _KEPT.get(one_group)
    if sql is None:
        sql = _KEPT[one_group] = _kept_sql(one_group)
    params: dict[str, Any] = {
        "viewer": viewer_id,
        "threads": "{" + ",".join(map(str, threads)) + "}",
        "replies": "{" + ",".join(map(str, replies)) + "}",
        "limit": limit,
        "reply_limit": reply_limit,
        "offset": (page - 1) * size,
        "window": size + 1,
    }
    if one_group:
        params["group"] = group_id
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    direct_n, via_n = rows[0][0], rows[0][1]
    # a walk that stopped short of its bound must have seen every match
    if direct_n < limit and not (len(threads) == len(found.threads) and found.threads_complete):
        return None
    if via_n < reply_limit and not (len(replies) == len(found.replies) and found.replies_complete):
        return None
    return _instances([row[2:] for row in rows if row[2] is not None])
