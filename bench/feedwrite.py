"""The write side of the feed benchmark (issue 6): publishing and how soon followers see it.

    python -m bench.feedwrite --tier M [--posts 40] [--followers 8] [--rounds 3]

``bench.run`` measures GETs; this measures ``POST /api/v1/posts`` against ``/healthz`` on the
same production server setup (gunicorn, ``PRODUCTION=1``), for two authors: the demo member
(500 connections, some followers) and the hub author with the most connections + followers
(thousands). Per round: ``/healthz`` p50 over ``--posts`` requests, then ``--posts`` posts by
each author, each followed by reading the home feed (API) of ``--followers`` of that
author's followers/connections until the post is on it. Reported:

- **create post R** = p50(POST) / p50(/healthz) of the same round (median over rounds;
  target R ≤ 15);
- **visible in followers' feeds**: p50/p99 of the time from the POST's answer to a follower's
  feed answer that holds the post (target p99 ≤ 1 s; ≤ 5 s for the hub author), and how many
  feed reads it took (1 = there at the first read).

The server runs with a high post rate limit (``RATE_LIMIT_POSTS``) so the measurement is not
refused; the posts it creates and the followers' tokens are deleted afterwards. Results go to
bench/results/feedwrite-latest.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bench.generate import DEFAULT_SEED, ensure_dataset, prepare_database
from bench.tiers import tier_named

BODY_PREFIX = "Bench write check"
MAX_WAIT = 10.0


def _request(base: str, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _timed(base: str, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    started = time.perf_counter()
    status, data = _request(base, method, path, headers, body)
    return (time.perf_counter() - started) * 1000.0, status, data


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _authors_and_followers(count: int) -> dict[str, tuple[str, list[str]]]:
    """{label: (author e-mail, e-mails of ``count`` members whose feed includes the author)}."""
    from django.db.models import F

    from rounds.accounts.models import User
    from rounds.network.models import Connection, Follow, NetworkState
    from rounds.profiles.demo import DEMO_EMAIL

    demo = User.objects.get(email=DEMO_EMAIL)
    hub_id = (
        NetworkState.objects.exclude(user_id=demo.pk)
        .annotate(reach=F("degree") + F("follower_count"))
        .order_by("-reach", "user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    result = {}
    for label, user_id in (("ordinary (demo)", demo.pk), ("hub", hub_id)):
        if user_id is None:
            continue
        audience = list(
            Connection.objects.filter(owner_id=user_id)
            .order_by("id")
            .values_list("other_id", flat=True)[: count // 2]
        ) + list(
            Follow.objects.filter(followee_id=user_id)
            .order_by("id")
            .values_list("follower_id", flat=True)[: count - count // 2]
        )
        emails = list(User.objects.filter(pk__in=audience).values_list("email", flat=True))
        result[label] = (User.objects.get(pk=user_id).email, emails)
    return result


def run(args: argparse.Namespace) -> int:
    from bench import run as bench_run

    tier = tier_named(args.tier)
    bench_run.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    database_url = prepare_database(tier, args.db)
    ensure_dataset(tier, args.seed)
    plan = _authors_and_followers(args.followers)
    tokens: dict[str, str] = {}
    for author, followers in plan.values():
        for email in [author, *followers]:
            if email not in tokens:
                tokens[email] = bench_run.sign_in(email)[1]
    env = bench_run.server_environment(database_url)
    env["RATE_LIMIT_POSTS"] = "1000000"
    results: dict[str, Any] = {"authors": {}}
    with bench_run.production_server(env, workers=args.workers) as base:
        for _ in range(10):  # warm up
            _request(base, "GET", "/healthz", {})
        per_author: dict[str, dict[str, list[float]]] = {
            label: {"ratio": [], "create": [], "lag": [], "reads": []} for label in plan
        }
        for number in range(1, args.rounds + 1):
            health = [_timed(base, "GET", "/healthz", {})[0] for _ in range(args.posts)]
            health_p50 = statistics.median(health)
            for label, (author, followers) in plan.items():
                auth = {
                    "Authorization": f"Bearer {tokens[author]}",
                    "Content-Type": "application/json",
                }
                creates: list[float] = []
                for i in range(args.posts):
                    body = json.dumps(
                        {"body": f"{BODY_PREFIX} {number}-{i} #benchwrite", "audience": "public"}
                    ).encode()
                    ms, status, data = _timed(base, "POST", "/api/v1/posts", auth, body)
                    if status != 201:
                        print(f"  POST answered {status}: {data[:200]!r}", flush=True)
                        return 1
                    creates.append(ms)
                    post_id = json.loads(data)["id"]
                    answered = time.perf_counter()
                    for email in followers[: max(1, args.followers)]:
                        reads = 0
                        while True:
                            reads += 1
                            _, status, feed = _timed(
                                base,
                                "GET",
                                "/api/v1/feed?page_size=5",
                                {"Authorization": f"Bearer {tokens[email]}"},
                            )
                            ids = [p["id"] for p in json.loads(feed)["items"]]
                            if post_id in ids:
                                per_author[label]["lag"].append(
                                    (time.perf_counter() - answered) * 1000.0
                                )
                                per_author[label]["reads"].append(reads)
                                break
                            if time.perf_counter() - answered > MAX_WAIT:
                                per_author[label]["lag"].append(float("inf"))
                                per_author[label]["reads"].append(reads)
                                break
                        answered = time.perf_counter()  # the next follower reads after this one
                per_author[label]["create"] += creates
                per_author[label]["ratio"].append(statistics.median(creates) / health_p50)
                print(
                    f"Round {number} {label:<16} healthz p50 {health_p50:6.2f} ms  create p50 "
                    f"{statistics.median(creates):7.2f} ms (R {statistics.median(creates) / health_p50:5.1f})",
                    flush=True,
                )
        for label, numbers in per_author.items():
            lag = numbers["lag"]
            results["authors"][label] = {
                "author": plan[label][0],
                "followers_checked": len(plan[label][1]),
                "create_p50_ms": statistics.median(numbers["create"]),
                "create_p99_ms": _percentile(numbers["create"], 0.99),
                "create_ratio": statistics.median(numbers["ratio"]),
                "visible_p50_ms": statistics.median(lag),
                "visible_p99_ms": _percentile(lag, 0.99),
                "visible_max_ms": max(lag),
                "reads_max": max(numbers["reads"]),
            }
    _cleanup(tokens)
    print()
    print(
        f"{'author':<18} {'create p50':>10} {'p99':>8} {'R':>6} {'visible p50':>12} "
        f"{'p99':>8} {'max':>8} {'reads':>5}"
    )
    for label, row in results["authors"].items():
        print(
            f"{label:<18} {row['create_p50_ms']:10.2f} {row['create_p99_ms']:8.2f} "
            f"{row['create_ratio']:6.1f} {row['visible_p50_ms']:12.2f} "
            f"{row['visible_p99_ms']:8.2f} {row['visible_max_ms']:8.2f} {row['reads_max']:5d}"
        )
    results.update(
        {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "tier": tier.name,
            "rounds": args.rounds,
            "posts_per_round": args.posts,
            "workers": args.workers,
        }
    )
    (bench_run.RESULTS_DIR / "feedwrite-latest.json").write_text(
        json.dumps(results, indent=2, default=str)
    )
    hub = results["authors"].get("hub", {})
    ordinary = results["authors"].get("ordinary (demo)", {})
    ok = (
        all(row["create_ratio"] <= 15 for row in results["authors"].values())
        and ordinary.get("visible_p99_ms", 0) <= 1000
        and hub.get("visible_p99_ms", 0) <= 5000
    )
    return 0 if ok else 1


def _cleanup(tokens: dict[str, str]) -> None:
    from rounds.accounts.models import ApiToken
    from rounds.feed.models import Post, Topic

    Post.objects.filter(body__startswith=BODY_PREFIX).delete()
    Topic.objects.filter(slug="benchwrite").delete()
    ApiToken.objects.filter(user__email__in=list(tokens), name__startswith="bench ").delete()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark publishing a post (issue 6).")
    parser.add_argument("--tier", default="M")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--posts", type=int, default=30, help="posts per author per round")
    parser.add_argument("--followers", type=int, default=6, help="followers checked per post")
    parser.add_argument("--workers", type=int, default=2)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
