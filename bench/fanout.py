"""Fan-out decision for the home feed's people source (issue 6), measured on the bench data.

    python -m bench.fanout --tier M [--repeat 15]

Compares, on PostgreSQL with the ``feed`` stage built, for the feed viewers (demo: 500
connections + 30 follows; hub_follower: every hub author + 40 prolific members; returning;
next_to_hubs):

- **(a0) IN list**: one ``author_id IN (people)`` scan, newest first, LIMIT page + 1 (the
  first cut);
- **(a) LATERAL**: per author, the newest page + 1 below the cursor from
  ``post_author_recent_idx``, merged (``selectors._people_newest_ids``);
- **(b) inbox**: fan-out on write into a capped per-member inbox
  ``(member, created_at, post)`` (``INBOX_CAP`` newest per member), with hub authors
  (``HUB_REACH`` or more connections + followers) left out of fan-out and merged at read time
  (LATERAL over the member's followed/connected hubs). A scratch table ``bench_fanout_inbox``
  holds the viewers' inboxes as the fan-out would have written them; the write cost is
  measured by fanning out one post of authors of several reaches (in a rolled-back
  transaction), and the steady-state volume is computed from the data (rows written per year,
  rows kept).

Each read is timed server-side (``EXPLAIN (ANALYZE)`` execution time, median of
``--repeat``), first page and a page a week back. Prints a table; the numbers and the decision
are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

INBOX_CAP = 500
HUB_REACH = 2000
PAGE = 21


def _ms(cursor: Any, sql: str, params: dict[str, Any], repeat: int) -> tuple[float, int]:
    """(median execution ms, rows) of ``sql`` via EXPLAIN ANALYZE."""
    times = []
    rows = 0
    for _ in range(repeat):
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]
        times.append(plan["Execution Time"])
        rows = plan["Plan"].get("Actual Rows", 0)
    return statistics.median(times), rows


def _viewer_lists(cursor: Any, viewer: int) -> dict[str, list[int]]:
    cursor.execute("SELECT other_id FROM network_connection WHERE owner_id = %s", [viewer])
    connected = [r[0] for r in cursor.fetchall()]
    cursor.execute("SELECT followee_id FROM network_follow WHERE follower_id = %s", [viewer])
    followed = [r[0] for r in cursor.fetchall()]
    cursor.execute(
        "SELECT group_id FROM community_groupmembership WHERE user_id = %s AND state = 'active'",
        [viewer],
    )
    groups = [r[0] for r in cursor.fetchall()]
    people = sorted({viewer, *connected, *followed})
    cursor.execute(
        "SELECT user_id FROM network_networkstate WHERE user_id = ANY(%s)"
        " AND degree + follower_count >= %s",
        [people, HUB_REACH],
    )
    hubs = [r[0] for r in cursor.fetchall()]
    return {
        "connected": connected,
        "followed": followed,
        "groups": groups,
        "people": people,
        "hubs": hubs,
    }


VISIBLE = """(p.author_id = %(viewer)s OR (p.moderation_state = 'visible'
    AND (p.audience IN ('public', 'members')
         OR (p.audience = 'connections' AND p.author_id = ANY(%(connected)s))
         OR (p.audience = 'group' AND EXISTS (SELECT 1 FROM community_group g
             WHERE g.id = p.group_id AND (g.visibility = 'public' OR g.id = ANY(%(groups)s)))))))"""

IN_LIST = f"""SELECT p.id FROM feed_post p JOIN accounts_user u ON u.id = p.author_id
WHERE p.author_id = ANY(%(people)s) AND NOT u.deletion_scheduled AND {VISIBLE} {{before}}
ORDER BY p.created_at DESC, p.id DESC LIMIT {PAGE}"""

LATERAL = f"""SELECT p.id FROM unnest(%(people)s::bigint[]) AS a(id)
JOIN accounts_user u ON u.id = a.id
CROSS JOIN LATERAL (SELECT p.id, p.created_at FROM feed_post p
  WHERE p.author_id = a.id AND NOT u.deletion_scheduled AND {VISIBLE} {{before}}
  ORDER BY p.created_at DESC, p.id DESC LIMIT {PAGE}) p
ORDER BY p.created_at DESC, p.id DESC LIMIT {PAGE}"""

INBOX = f"""SELECT id FROM (
  (SELECT i.post_id AS id, i.created_at FROM bench_fanout_inbox i
   WHERE i.member_id = %(viewer)s {{inbox_before}}
   ORDER BY i.created_at DESC, i.post_id DESC LIMIT {PAGE})
  UNION ALL
  (SELECT p.id, p.created_at FROM unnest(%(hubs)s::bigint[]) AS a(id)
   CROSS JOIN LATERAL (SELECT p.id, p.created_at FROM feed_post p
     WHERE p.author_id = a.id AND {VISIBLE} {{before}}
     ORDER BY p.created_at DESC, p.id DESC LIMIT {PAGE}) p)
) merged ORDER BY created_at DESC, id DESC LIMIT {PAGE}"""


def _fill_inbox(cursor: Any, viewer: int, lists: dict[str, list[int]]) -> int:
    """The viewer's inbox as fan-out on write would hold it: the newest ``INBOX_CAP`` visible
    posts of their non-hub people (the fan-out checks the audience when it writes)."""
    non_hubs = sorted(set(lists["people"]) - set(lists["hubs"]))
    cursor.execute("DELETE FROM bench_fanout_inbox WHERE member_id = %s", [viewer])
    cursor.execute(
        f"""INSERT INTO bench_fanout_inbox (member_id, created_at, post_id)
        SELECT %(viewer)s, p.created_at, p.id FROM unnest(%(people)s::bigint[]) AS a(id)
        CROSS JOIN LATERAL (SELECT p.id, p.created_at FROM feed_post p
          WHERE p.author_id = a.id AND {VISIBLE}
          ORDER BY p.created_at DESC, p.id DESC LIMIT {INBOX_CAP}) p
        ORDER BY p.created_at DESC, p.id DESC LIMIT {INBOX_CAP}""",
        {
            "viewer": viewer,
            "people": non_hubs,
            "connected": lists["connected"],
            "groups": lists["groups"],
        },
    )
    return int(cursor.rowcount)


def run(args: argparse.Namespace) -> int:
    from django.db import connection, transaction

    from bench.connections import network_viewers
    from bench.feedstage import feed_viewers
    from bench.generate import prepare_database
    from bench.tiers import tier_named

    tier = tier_named(args.tier)
    prepare_database(tier, "postgres")
    from rounds.accounts.models import User

    emails = {**network_viewers(tier), **feed_viewers()}
    viewers = {name: User.objects.get(email=email).pk for name, email in emails.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_fanout_inbox (member_id bigint NOT NULL,"
            " created_at timestamptz NOT NULL, post_id bigint NOT NULL,"
            " PRIMARY KEY (member_id, created_at, post_id))"
        )
        print(
            f"{'viewer':<14} {'people':>6} {'hubs':>4} {'inbox':>5}  "
            f"{'IN list':>9} {'LATERAL':>9} {'inbox':>9}   (ms, page 1 / a week back)"
        )
        for name, viewer in viewers.items():
            lists = _viewer_lists(cursor, viewer)
            kept = _fill_inbox(cursor, viewer, lists)
            cursor.execute("ANALYZE bench_fanout_inbox")
            cursor.execute(
                "SELECT created_at, id FROM feed_post WHERE author_id = ANY(%s)"
                " AND created_at < now() - interval '7 days' ORDER BY created_at DESC LIMIT 1",
                [lists["people"]],
            )
            week = cursor.fetchone()
            cells = []
            for sql in (IN_LIST, LATERAL, INBOX):
                timings = []
                for at in (None, week):
                    params = {
                        "viewer": viewer,
                        "people": lists["people"],
                        "connected": lists["connected"],
                        "groups": lists["groups"],
                        "hubs": lists["hubs"],
                    }
                    before = inbox_before = ""
                    if at is not None:
                        params.update(at=at[0], id=at[1])
                        before = (
                            "AND (p.created_at < %(at)s OR"
                            " (p.created_at = %(at)s AND p.id < %(id)s))"
                        )
                        inbox_before = (
                            "AND (i.created_at < %(at)s OR"
                            " (i.created_at = %(at)s AND i.post_id < %(id)s))"
                        )
                    text = sql.format(before=before, inbox_before=inbox_before)
                    timings.append(_ms(cursor, text, params, args.repeat)[0])
                cells.append(f"{timings[0]:5.1f}/{timings[1]:<5.1f}")
            print(
                f"{name:<14} {len(lists['people']):6d} {len(lists['hubs']):4d} {kept:5d}  "
                + " ".join(f"{c:>9}" for c in cells),
                flush=True,
            )
        # write cost of fan-out: one post's inbox rows for authors of several reaches
        print("\nfan-out on write, one post (rolled back):")
        cursor.execute(
            "SELECT user_id, degree + follower_count AS reach FROM network_networkstate"
            " ORDER BY reach DESC LIMIT 1"
        )
        top = cursor.fetchone()
        samples = [top]
        for reach in (50, 500, 1500):
            cursor.execute(
                "SELECT user_id, degree + follower_count FROM network_networkstate"
                " WHERE degree + follower_count >= %s ORDER BY degree + follower_count, user_id"
                " LIMIT 1",
                [reach],
            )
            row = cursor.fetchone()
            if row:
                samples.append(row)
        for author, reach in sorted(samples, key=lambda r: r[1]):
            times = []
            for _ in range(max(3, args.repeat // 3)):
                with transaction.atomic():
                    started = time.perf_counter()
                    cursor.execute(
                        """INSERT INTO bench_fanout_inbox (member_id, created_at, post_id)
                        SELECT r, now(), -1 FROM (
                          SELECT other_id AS r FROM network_connection WHERE owner_id = %(a)s
                          UNION SELECT follower_id FROM network_follow WHERE followee_id = %(a)s
                        ) recipients ON CONFLICT DO NOTHING""",
                        {"a": author},
                    )
                    times.append((time.perf_counter() - started) * 1000.0)
                    transaction.set_rollback(True)
            print(f"  reach {reach:6d}: {statistics.median(times):7.1f} ms", flush=True)
        cursor.execute(
            """SELECT SUM(n * LEAST(reach, %s)), SUM(n * reach) FROM (
                 SELECT p.author_id, COUNT(*) n, MAX(s.degree + s.follower_count) reach
                 FROM feed_post p JOIN network_networkstate s ON s.user_id = p.author_id
                 GROUP BY p.author_id) t WHERE reach < %s""",
            [HUB_REACH, HUB_REACH],
        )
        written, _ = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM network_networkstate")
        members = cursor.fetchone()[0]
        print(
            f"\ninbox rows written per year (non-hub authors): {int(written or 0):,}; "
            f"kept at the cap: ≤ {members * INBOX_CAP:,} ({INBOX_CAP} × {members:,} members)"
        )
        cursor.execute("DROP TABLE bench_fanout_inbox")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the feed's fan-out options.")
    parser.add_argument("--tier", default="M")
    parser.add_argument("--repeat", type=int, default=15)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
