"""Print shell assignments for the optional test services that answer on this machine.

Used by ``make test``: PostgreSQL (TEST_DATABASE_URL, else the local default) and Redis
(TEST_REDIS_URL, else the local default). Prints nothing for a service that does not answer.
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def postgres_ok(url: str) -> bool:
    if not reachable(url, 5432):
        return False
    try:
        import psycopg

        parsed = urlparse(url)
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or None,
            dbname="postgres",
            connect_timeout=2,
        ):
            return True
    except Exception:
        return False


def main() -> int:
    which = sys.argv[1]
    if which == "postgres":
        url = os.environ.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/rounds"
        if postgres_ok(url):
            print(url)
    elif which == "redis":
        url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
        if reachable(url, 6379):
            print(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
