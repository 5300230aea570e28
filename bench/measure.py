"""Measuring one URL: closed-loop load with wrk (preferred) or a small Python client.

Pure helpers (percentiles, ratios, summaries, wrk output parsing) are kept free of I/O so they
are unit-tested (tests/test_bench.py). Every load is bounded in time and in request count and
goes to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


@dataclass(frozen=True)
class Sample:
    """One measurement of one URL: latency percentiles (ms), throughput, and failures."""

    p50_ms: float
    p99_ms: float
    rps: float
    requests: int
    errors: int  # non-2xx responses and socket errors

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- pure statistics ----------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0..1) percentile by linear interpolation between closest ranks.

    Raises ValueError for an empty sequence.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be within 0..1")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def round_ratios(page_p50s: Sequence[float], baseline_p50s: Sequence[float]) -> list[float]:
    """R per round: the page's p50 divided by the baseline's p50 measured in the same round.

    Both sequences are indexed by round. Raises ValueError if they differ in length or a
    baseline is not positive.
    """
    if len(page_p50s) != len(baseline_p50s):
        raise ValueError("one baseline per round is needed")
    ratios = []
    for page, baseline in zip(page_p50s, baseline_p50s, strict=True):
        if baseline <= 0:
            raise ValueError("baseline latency must be positive")
        ratios.append(page / baseline)
    return ratios


def median_ratio(page_p50s: Sequence[float], baseline_p50s: Sequence[float]) -> float:
    """The benchmark's R: the median over rounds of the per-round ratio to the baseline."""
    return float(statistics.median(round_ratios(page_p50s, baseline_p50s)))


def verdict(ratio: float | None, limit: float | None) -> str:
    """ "pass", "FAIL", or "—" (no limit: a baseline or an informational target)."""
    if limit is None or ratio is None:
        return "—"
    return "pass" if ratio <= limit else "FAIL"


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk_duration(text: str) -> float:
    """wrk's "590.00us" / "1.10ms" / "2.00s" → milliseconds."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(us|ms|s|m)\s*", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk_output(output: str) -> Sample:
    """Parse ``wrk --latency`` output. Raises ValueError if the percentiles are missing."""
    percentiles: dict[str, float] = {}
    for match in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE):
        percentiles[match.group(1)] = parse_wrk_duration(match.group(2))
    if "50" not in percentiles or "99" not in percentiles:
        raise ValueError("wrk output has no latency distribution")
    requests_match = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    rps_match = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.MULTILINE)
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        # The sync server closes each connection after its response; wrk may count that
        # as a read error on a connection it wanted to reuse. Connect/write/timeout are real.
        errors += int(socket.group(1)) + int(socket.group(3)) + int(socket.group(4))
    return Sample(
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        rps=float(rps_match.group(1)) if rps_match else 0.0,
        requests=int(requests_match.group(1)) if requests_match else 0,
        errors=errors,
    )


# --- clients --------------------------------------------------------------------------------


def _check_local(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"The benchmark only sends traffic to 127.0.0.1 (got {host!r}).")


def fetch(url: str, headers: dict[str, str], *, timeout: float = 30.0) -> tuple[int, str, bytes]:
    """One GET without following redirects: (status, Location header, body)."""
    _check_local(url)
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, response.getheader("Location") or "", body
    finally:
        connection.close()


def drain(base: str, *, idle_ms: float = 5.0, attempts: int = 20, timeout: float = 30.0) -> int:
    """Wait until the server has answered what a load left behind; returns the fetches made.

    A closed-loop load stops at its deadline with requests still queued in the listen backlog
    (the client closed them, but a sync worker still reads and answers each). The next
    measurement would wait behind them: a 1-client p99 of a fast target then carries the
    8-client queue of the slow target before it. ``/healthz`` is queued behind the same
    backlog, so fetching it until one answers within ``idle_ms`` means the workers are free.
    """
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            fetch(base.rstrip("/") + "/healthz", {}, timeout=timeout)
        if (time.perf_counter() - started) * 1000.0 < idle_ms:
            return attempt
    return attempts


class WrkClient:
    """Runs Debian's ``wrk`` (closed loop, ``connections`` concurrent clients).

    Sends ``Connection: close`` by default: gunicorn's sync workers close every connection
    after the response, and wrk, expecting keep-alive, otherwise writes its next request into
    the closing socket and stalls (p99 of 0.6–1 s on a 40 ms page, measured). Pass
    ``keep_alive=True`` for a server that keeps connections open.
    """

    name = "wrk"

    def __init__(self, executable: str, *, keep_alive: bool = False):
        self.executable = executable
        self.keep_alive = keep_alive

    @classmethod
    def available(cls, *, keep_alive: bool = False) -> WrkClient | None:
        path = shutil.which("wrk")
        return cls(path, keep_alive=keep_alive) if path else None

    def measure(
        self, url: str, headers: dict[str, str], *, connections: int, seconds: float
    ) -> Sample:
        _check_local(url)
        threads = max(1, min(connections, 2))
        command = [
            self.executable,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--latency",
        ]
        if not self.keep_alive:
            command += ["-H", "Connection: close"]
        for key, value in headers.items():
            command += ["-H", f"{key}: {value}"]
        command.append(url)
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
        return parse_wrk_output(result.stdout)


class PythonClient:
    """A closed-loop client in Python threads (used when wrk is missing).

    Slower than wrk, so its absolute numbers include more client overhead; ratios to the
    baseline measured the same way remain comparable. Bounded by ``seconds`` and
    ``max_requests`` per client.
    """

    name = "python"

    def __init__(self, max_requests: int = 5000):
        self.max_requests = max_requests

    def measure(
        self, url: str, headers: dict[str, str], *, connections: int, seconds: float
    ) -> Sample:
        _check_local(url)
        latencies: list[list[float]] = [[] for _ in range(connections)]
        errors = [0] * connections
        deadline = time.perf_counter() + seconds

        def worker(index: int) -> None:
            for _ in range(self.max_requests):
                if time.perf_counter() >= deadline:
                    return
                started = time.perf_counter()
                try:
                    status, _, _ = fetch(url, headers, timeout=10.0)
                except OSError:
                    errors[index] += 1
                    continue
                latencies[index].append((time.perf_counter() - started) * 1000.0)
                if status >= 400:
                    errors[index] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 30)
        elapsed = time.perf_counter() - started
        values = [value for per_client in latencies for value in per_client]
        if not values:
            raise RuntimeError(f"no successful requests to {url}")
        return Sample(
            p50_ms=percentile(values, 0.50),
            p99_ms=percentile(values, 0.99),
            rps=len(values) / elapsed,
            requests=len(values),
            errors=sum(errors),
        )
