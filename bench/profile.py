"""``python -m bench.profile``: one benchmark target, in process, with its queries and profile.

``make bench`` measures through gunicorn, which says *how fast*; this says *where the time
goes*. It runs the production settings (``PRODUCTION=1``, the benchmark database, Redis when
``--redis`` is given, as ``bench.run`` starts its server), signs in the target's viewer the same
way, and calls the WSGI application directly, ``--n`` times per target after a warm-up:

    .venv/bin/python -m bench.profile --tier M --redis redis://127.0.0.1:6379/5 \
        --only "feed: home feed" --n 300 [--queries] [--profile 25] [--sleep 2]

It prints per target: median and p95 wall time, median CPU time, queries per request and,
with ``--queries``, each query of the last request with its time; with ``--profile N``, the
top N functions of a cProfile over all requests. ``--sleep`` (ms) pauses between requests,
as a second gunicorn worker would leave this one idle. Nothing is written except the
viewer's session and API token (as ``bench.run`` does). Timings here are for comparing two
versions of the code on the same machine, not for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from typing import Any

from bench.environment import BENCH_SECRET_KEY, database_url
from bench.tiers import tier_named


def _setup(tier_slug: str, redis_url: str) -> None:
    os.environ.update(
        {
            "PRODUCTION": "1",
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "DATABASE_URL": database_url("postgres", tier_slug),
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "rounds-bench",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest pages need


def _environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
    script, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": script,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "HTTP_HOST": "127.0.0.1",
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", default="M")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", ""))
    parser.add_argument("--only", nargs="+", required=True, help="target names containing …")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--sleep", type=float, default=0.0, help="ms between requests")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--htmx", action="store_true", help="send HX-Request: true")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE each query of the last request"
    )
    args = parser.parse_args(argv)
    tier = tier_named(args.tier)
    _setup(tier.slug, args.redis)

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from bench.connections import network_viewers
    from bench.events import events_context
    from bench.feedstage import feed_context, feed_viewers
    from bench.keeping import keeping_context
    from bench.run import DEFAULT_QUERY, DEFAULT_SPECIALTY, choose_context, sign_in
    from bench.targets import BASELINE, TARGETS
    from rounds.profiles.demo import DEMO_EMAIL

    targets = [BASELINE] + [t for t in TARGETS if any(o in t.name for o in args.only)]
    context = choose_context(DEFAULT_QUERY, DEFAULT_SPECIALTY)
    for stage_context in (keeping_context, feed_context, events_context):
        try:  # a stage not built yet leaves its placeholders unfilled
            context.update(stage_context())
        except Exception as exc:
            print(f"({stage_context.__name__}: {exc!r})", file=sys.stderr)
    emails = {"demo": DEMO_EMAIL}
    if any(t.viewer != "demo" for t in targets):
        emails.update(network_viewers(tier))
        emails.update(feed_viewers())
    credentials: dict[str, tuple[str, str]] = {}
    token_name = f"profile-{os.getpid()}"
    application = WSGIHandler()
    connection.close()

    for target in targets:
        if target.viewer not in credentials:
            # Its own token name: a benchmark or another profile running meanwhile deletes
            # only theirs.
            credentials[target.viewer] = sign_in(emails[target.viewer], token_name=token_name)
        session, token = credentials[target.viewer]
        headers: dict[str, str] = {}
        if target.auth == "session":
            headers["Cookie"] = f"sessionid={session}"
        elif target.auth == "token":
            headers["Authorization"] = f"Bearer {token}"
        if args.htmx:
            headers["HX-Request"] = "true"
        _measure(application, connection, target.name, target.url_path(context), headers, args)
    from rounds.accounts.models import ApiToken

    ApiToken.objects.filter(name__startswith=f"{token_name} ").delete()
    return 0


def _measure(
    application: Any, connection: Any, name: str, path: str, headers: dict[str, str], args: Any
) -> None:
    statuses: set[str] = set()

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
        statuses.add(status)
        return None

    def call() -> int:
        body = application(_environ(path, headers), start_response)
        size = sum(len(chunk) for chunk in body)
        if hasattr(body, "close"):
            body.close()
        return size

    for _ in range(args.warmup):
        call()
    queries: list[tuple[float, str]] = []
    statements: list[tuple[str, Any]] = []

    def count(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))
            statements.append((sql, params))

    walls, cpus, counts = [], [], []
    profiler = cProfile.Profile() if args.profile else None
    size = 0
    for _ in range(args.n):
        if args.sleep:
            time.sleep(args.sleep / 1000)
        queries.clear()
        statements.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            if profiler:
                profiler.enable()
            size = call()
            if profiler:
                profiler.disable()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        counts.append(len(queries))
    walls.sort()
    print(
        f"{name:32} {path[:60]:60} {'/'.join(sorted(statuses))[:20]:20} "
        f"{size:>7} B  wall p50 {statistics.median(walls):6.2f} ms "
        f"p95 {walls[int(len(walls) * 0.95) - 1]:6.2f}  cpu {statistics.median(cpus):6.2f}  "
        f"queries {statistics.median(counts):g}",
        flush=True,
    )
    if args.queries:
        for ms, sql in queries:
            print(f"    {ms:6.2f} ms  {' '.join(sql.split())[:220]}")
    if args.explain:
        with connection.cursor() as cursor:  # this connection's prepared statements
            cursor.execute(
                "SELECT generic_plans, custom_plans, left(regexp_replace(statement, '\\s+', ' ', "
                "'g'), 110) FROM pg_prepared_statements ORDER BY custom_plans DESC"
            )
            for generic, custom, text in cursor.fetchall():
                print(f"     prepared: generic {generic:5} custom {custom:5}  {text}")
        for sql, params in list(statements):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
            print(f"  -- {' '.join(sql.split())[:150]}")
            for line in plan[:4] + plan[-2:]:
                print(f"     {line[:160]}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        restrict = os.environ.get("PROFILE_ONLY")  # e.g. "rounds/" for our own functions
        stats.print_stats(*([restrict] if restrict else []), args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())
