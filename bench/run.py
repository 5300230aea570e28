"""``make bench`` → ``python -m bench.run --tier M``: measure pages and endpoints at scale.

1. Creates/migrates ``rounds_bench_<tier>`` (PostgreSQL by default, ``--db sqlite`` for a
   file under var/bench/) and builds or reuses the tier's dataset (``bench/generate.py``).
2. Collects static files and starts the production server: gunicorn with ``--workers``
   (default 2), ``PRODUCTION=1 DEBUG=0``, the full middleware, on a free port of 127.0.0.1.
3. Signs in as the demo member (a session created in the session store, sent as a cookie)
   and creates an API token for the API targets.
4. Checks that every target answers 200 (not a redirect to the login page, not a 404),
   warms up, then measures interleaved rounds: healthz, target A, target B, … repeated
   ``--rounds`` times; each measurement is ``--seconds`` at 1 client (p50, p99) and again at
   ``--clients`` clients (requests/s), after which the server is drained (``measure.drain``)
   so that requests left queued by the load never delay the next measurement. R = p50(target) / p50(healthz) in the same round;
   the reported R is the median over rounds.
5. Prints a table and writes bench/results/latest.json (and a timestamped copy).

Exit status: 0 when every target with a limit passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.connections import network_viewers
from bench.environment import BASE_DIR, BENCH_SECRET_KEY
from bench.generate import DEFAULT_SEED, ensure_dataset, prepare_database
from bench.measure import (
    PythonClient,
    Sample,
    WrkClient,
    drain,
    fetch,
    median_ratio,
    round_ratios,
    verdict,
)
from bench.targets import BASELINE, TARGETS, Target
from bench.tiers import Tier, tier_named

RESULTS_DIR = BASE_DIR / "bench" / "results"
DEFAULT_QUERY = "son"
DEFAULT_SPECIALTY = "cardiology"


# --- dataset context -----------------------------------------------------------------------


def choose_context(query: str, specialty: str) -> dict[str, str]:
    """Placeholders for target paths, picked deterministically from the dataset."""
    from django.db.models import Count, Q

    from rounds.profiles.demo import DEMO_EMAIL
    from rounds.profiles.models import Organization, Profile

    total = Profile.objects.count()
    typical = (
        Profile.objects.filter(pk__gte=total // 2)
        .exclude(user__email=DEMO_EMAIL)
        .annotate(
            current=Count("user__affiliations", filter=Q(user__affiliations__is_current=True))
        )
        .filter(current__gte=2)
        .exclude(bio="")
        .order_by("pk")
        .values_list("handle", flat=True)
        .first()
    )
    if typical is None:
        typical = (
            Profile.objects.exclude(user__email=DEMO_EMAIL)
            .order_by("pk")
            .values_list("handle", flat=True)
            .first()
        )
    if typical is None:
        raise RuntimeError("The benchmark database has no members.")
    largest = (
        Organization.objects.exclude(kind=Organization.Kind.SOCIETY)
        .annotate(n=Count("affiliations", filter=Q(affiliations__is_current=True)))
        .order_by("-n", "pk")
        .values_list("slug", flat=True)
        .first()
    )
    return {"handle": typical, "q": query, "specialty": specialty, "org": largest or ""}


#: Redis for the server's cache and sessions, as in production (docs/deployment.md); empty for
#: the local defaults (per-process memory cache, sessions in the database). Set by ``--redis``.
SERVER_REDIS_URL = ""
SERVER_CACHE_PREFIX = "rounds-bench"


def sign_in(email: str, *, token_name: str = "bench") -> tuple[str, str]:
    """(session cookie value, API token secret) for the member with ``email``.

    The session is created in the configured session store with the same keys
    ``django.contrib.auth.login`` writes; earlier benchmark tokens of that member are deleted
    first so repeated runs never hit the active-token limit.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from rounds.accounts.models import ApiToken, User
    from rounds.accounts.services import api_token_create

    user = User.objects.get(email=email)
    # In the database, where the server's session engine reads it (with the account).
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "rounds.accounts.backends.MemberModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    ApiToken.objects.filter(user=user, name__startswith=f"{token_name} ").delete()
    _, secret = api_token_create(
        actor=user, name=f"{token_name} {datetime.now(UTC):%Y-%m-%d %H:%M}"
    )
    return str(store.session_key), secret


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PRODUCTION": "1",
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": SERVER_REDIS_URL,
            "CACHE_KEY_PREFIX": SERVER_CACHE_PREFIX,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    return env


def collect_static(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )


@contextlib.contextmanager
def production_server(env: dict[str, str], *, workers: int) -> Iterator[str]:
    """Run gunicorn on a free local port; yields its base URL; stops it (and only it) after."""
    port = free_port()
    log = open(RESULTS_DIR / "server.log", "w")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {RESULTS_DIR / 'server.log'}")
            try:
                status, _, _ = fetch(base + "/healthz", {}, timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the group of the process we started
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


# --- measuring -----------------------------------------------------------------------------


def headers_for(target: Target, session: str, token: str) -> dict[str, str]:
    if target.auth == "session":
        return {"Cookie": f"sessionid={session}"}
    if target.auth == "token":
        return {"Authorization": f"Bearer {token}"}
    return {}


def check_target(base: str, target: Target, path: str, headers: dict[str, str]) -> str | None:
    """None when ``path`` answers 200; otherwise why the target cannot be measured."""
    try:
        status, location, body = fetch(base + path, headers)
    except OSError as exc:
        return f"request failed: {exc}"
    if status != 200:
        where = f" → {location}" if location else ""
        return f"HTTP {status}{where}"
    if target is not BASELINE and len(body) < 20:
        return f"suspiciously small response ({len(body)} bytes): {body[:40]!r}"
    return None


def summarize(
    target: Target, samples_1: list[Sample], samples_n: list[Sample], baseline_p50s: list[float]
) -> dict[str, Any]:
    """One table row: medians over rounds; R from per-round ratios to the baseline.

    A measurement that completed no request (p50 reported as 0) counts as infinitely slow,
    so it can never pass.
    """
    idle = sum(1 for s in samples_1 + samples_n if s.requests == 0)
    p50s = [s.p50_ms if s.requests else float("inf") for s in samples_1]
    ratio = median_ratio(p50s, baseline_p50s)
    p50 = statistics.median(p50s)
    p99 = statistics.median(s.p99_ms for s in samples_1)
    tail = p99 / p50 if p50 else float("inf")
    result = verdict(ratio if target.max_ratio is not None else None, target.max_ratio)
    if target.max_tail is not None and result == "pass" and tail > target.max_tail:
        result = "FAIL"  # p99 more than max_tail × p50
    return {
        "name": target.name,
        "path": target.path,
        "auth": target.auth,
        "p50_ms": p50,
        "p99_ms": p99,
        "tail": tail,
        "max_tail": target.max_tail,
        "rps": statistics.median(s.rps for s in samples_n),
        "ratio": ratio,
        "ratios_per_round": round_ratios(p50s, baseline_p50s),
        "max_ratio": target.max_ratio,
        "verdict": result,
        "errors": sum(s.errors for s in samples_1 + samples_n),
        "idle_rounds": idle,
        "rounds_1_client": [s.as_dict() for s in samples_1],
        "rounds_many_clients": [s.as_dict() for s in samples_n],
    }


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        memory_gb = round(int(first.split()[1]) / 1024 / 1024, 1)
    commit = ""
    changed_files = 0
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
        changed_files = len(status.splitlines())
    import django

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "django": django.get_version(),
        "commit": commit,
        "uncommitted_changes": changed_files,  # tracked files modified in the working tree
    }


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def print_table(rows: list[dict[str, Any]], unavailable: dict[str, str], clients: int) -> None:
    header = f"{'target':<26} {'p50 ms':>8} {'p99 ms':>8} {f'rps@{clients}':>8} {'R':>6} {'max R':>6} {'p99/50':>6}  result"
    print(header)
    print("-" * len(header))
    for row in rows:
        limit = f"{row['max_ratio']:.0f}" if row["max_ratio"] is not None else "—"
        print(
            f"{row['name']:<26} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['rps']:8.0f} "
            f"{row['ratio']:6.2f} {limit:>6} {row['tail']:6.1f}  {row['verdict']}"
        )
    for name, reason in unavailable.items():
        print(f"{name:<26} {'not measured: ' + reason}")


def run(args: argparse.Namespace) -> int:
    global SERVER_REDIS_URL
    SERVER_REDIS_URL = args.redis
    tier: Tier = tier_named(args.tier)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    database_url = prepare_database(tier, args.db)
    stages = ensure_dataset(tier, args.seed, rebuild=args.rebuild)
    if args.redis:
        # The dataset is written in bulk, past every write path that versions the caches
        # (the feed's change counts, the event and directory versions): start from an empty
        # cache database, so nothing kept from an earlier dataset or run is served.
        import redis

        redis.Redis.from_url(args.redis).flushdb()
    from rounds.profiles.demo import DEMO_EMAIL

    context = choose_context(args.q, args.specialty)
    from bench.keeping import keeping_context

    context.update(keeping_context())  # {conversation} for the keep: targets
    from bench.feedstage import feed_context

    context.update(feed_context())  # {group}, {thread}, {post_q}, … for the feed: targets
    from bench.events import events_context

    context.update(events_context())  # {event} for the ev: targets
    credentials = {"demo": sign_in(DEMO_EMAIL)}
    env = server_environment(database_url)
    collect_static(env)
    client: Any = (
        PythonClient()
        if args.client == "python"
        else (WrkClient.available(keep_alive=args.keep_alive) or PythonClient())
    )
    if args.client == "wrk" and client.name != "wrk":
        print("wrk is not installed; using the Python client.", file=sys.stderr)
    targets = [t for t in TARGETS if not args.only or any(o in t.name for o in args.only)]
    if any(t.viewer != "demo" for t in targets):  # e.g. the member next to hubs (network)
        viewers = network_viewers(tier)
        from bench.feedstage import feed_viewers

        viewers.update(feed_viewers())  # hub_follower, returning (the feed: targets)
        for name, email in viewers.items():
            if name not in credentials:
                credentials[name] = sign_in(email)
            context[f"viewer:{name}"] = email
    print(
        f"Tier {tier.name} on {args.db} ({database_version()}), {args.workers} gunicorn workers, "
        f"{'Redis cache' if args.redis else 'no Redis'}, "
        f"client {client.name}, {args.rounds} rounds × {args.seconds:g} s at 1 and "
        f"{args.clients} clients. Context: {context}",
        flush=True,
    )
    load_before = os.getloadavg()
    if load_before[0] > 1.0:
        print(
            f"Warning: the machine is busy (load average {load_before[0]:.1f}); other processes "
            "compete with the server and the client, so latencies are noisier than usual.",
            flush=True,
        )
    unavailable: dict[str, str] = {}
    with production_server(env, workers=args.workers) as base:
        measured: list[tuple[Target, str, dict[str, str]]] = []
        for target in [BASELINE, *targets]:
            path = target.url_path(context)
            headers = headers_for(target, *credentials.get(target.viewer, ("", "")))
            problem = check_target(base, target, path, headers)
            if problem:
                unavailable[target.name] = problem
                print(f"  {target.name}: {path} not measured ({problem})", flush=True)
            else:
                measured.append((target, path, headers))
        if not measured or measured[0][0] is not BASELINE:
            print("The baseline /healthz does not answer; nothing to compare with.")
            return 1
        for _target, path, headers in measured:  # warm up: connections, caches, templates
            for _ in range(args.warmup):
                fetch(base + path, headers)
        ones: dict[str, list[Sample]] = {t.name: [] for t, _, _ in measured}
        many: dict[str, list[Sample]] = {t.name: [] for t, _, _ in measured}
        for number in range(1, args.rounds + 1):
            print(f"Round {number}/{args.rounds}", flush=True)
            for target, path, headers in measured:
                one = client.measure(base + path, headers, connections=1, seconds=args.seconds)
                several = client.measure(
                    base + path, headers, connections=args.clients, seconds=args.seconds
                )
                drain(base)  # the load's queued requests must not delay the next target
                ones[target.name].append(one)
                many[target.name].append(several)
                print(
                    f"  {target.name:<26} p50 {one.p50_ms:7.2f} ms  p99 {one.p99_ms:7.2f} ms  "
                    f"{several.rps:7.0f} req/s@{args.clients}"
                    + (
                        f"  ({one.errors + several.errors} errors)"
                        if one.errors + several.errors
                        else ""
                    ),
                    flush=True,
                )
        for target, path, headers in measured:  # still 200 after the load?
            problem = check_target(base, target, path, headers)
            if problem:
                unavailable[target.name] = f"after the run: {problem}"
    baseline = [s.p50_ms for s in ones[BASELINE.name]]
    rows = [
        summarize(target, ones[target.name], many[target.name], baseline)
        for target, _, _ in measured
        if target.name not in unavailable
    ]
    for row in rows:
        if row["errors"] and row["verdict"] == "pass":
            row["verdict"] = "FAIL"
            row["note"] = f"{row['errors']} error responses during the run"
        if row["idle_rounds"]:
            row["verdict"] = "FAIL" if row["max_ratio"] is not None else row["verdict"]
            row["note"] = "a measurement completed no request; raise --seconds"
    print()
    print_table(rows, unavailable, args.clients)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "tier": tier.name,
        "seed": args.seed,
        "db": args.db,
        "database": database_version(),
        "dataset": stages,
        "workers": args.workers,
        "redis": bool(args.redis),
        "client": client.name,
        "keep_alive": bool(getattr(client, "keep_alive", False)),
        "rounds": args.rounds,
        "seconds_per_measurement": args.seconds,
        "clients": args.clients,
        "context": context,
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "targets": rows,
        "unavailable": unavailable,
    }
    text = json.dumps(result, indent=2, default=str)
    (RESULTS_DIR / "latest.json").write_text(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS_DIR / f"{stamp}-{tier.slug}-{args.db}.json").write_text(text)
    print(f"\nWrote {RESULTS_DIR / 'latest.json'}")
    failed = unavailable or any(row["verdict"] == "FAIL" for row in rows)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark Rounds against /healthz.")
    parser.add_argument("--tier", default="M", help="S (2,000 members) or M (200,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset first")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (≥ 3)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for rps")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=20, help="requests per target first")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="let wrk reuse connections (only for servers that keep them open; gunicorn's "
        "sync workers do not)",
    )
    parser.add_argument("--q", default=DEFAULT_QUERY, help="name fragment for search targets")
    parser.add_argument("--specialty", default=DEFAULT_SPECIALTY, help="specialty slug filter")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="Redis URL for the server's cache and sessions, as in production "
        "(e.g. redis://127.0.0.1:6379/14; default $BENCH_REDIS_URL, else none)",
    )
    parser.add_argument("--only", nargs="*", help="measure only targets whose name contains …")
    args = parser.parse_args(argv)
    args.rounds = max(1, min(args.rounds, 20))
    args.seconds = max(1.0, min(args.seconds, 30.0))
    args.clients = max(1, min(args.clients, 64))
    args.warmup = max(0, min(args.warmup, 200))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
