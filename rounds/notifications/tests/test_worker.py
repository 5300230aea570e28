"""Tasks run outside the request: with the RQ backend a request only queues the email, and a
real `manage.py rqworker` process sends it.

Needs PostgreSQL (the worker process reads the test database, so the rows must be committed:
a transactional test) and Redis at 127.0.0.1:6379; skipped otherwise (SQLite runs, machines
without Redis). Each run claims a Redis database of its own (1–14) with a lock key, so
parallel runs (``pytest -n 2``, several checkouts) never share a queue, and deletes every key
it made at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from rounds.notifications.models import Kind, Notification
from rounds.notifications.services import preferences_update
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LOCK_KEY = "rounds:test:rqworker-lock"
#: Databases 0 (local default) and 15 (the test runs' cache) are left alone.
CANDIDATE_DBS = range(1, 15)
OUR_KEY_PATTERNS = ("rq:*", "rounds:*")


def _redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_db():
    """A Redis database this test has to itself: ``(number, client)``; cleaned afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must see committed rows")
    if not _redis_reachable():
        pytest.skip(f"needs Redis at {REDIS_HOST}:{REDIS_PORT}")
    import redis

    owner = uuid.uuid4().hex
    for number in CANDIDATE_DBS:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if not client.set(LOCK_KEY, owner, nx=True, ex=600):
            continue  # another run holds it
        if client.dbsize() > 1:  # used by something else: leave it alone
            client.delete(LOCK_KEY)
            continue
        try:
            yield number, client
        finally:
            for pattern in OUR_KEY_PATTERNS:
                keys = list(client.scan_iter(match=pattern, count=500))
                if keys:
                    client.delete(*keys)
            if client.get(LOCK_KEY) == owner.encode():
                client.delete(LOCK_KEY)
        return
    pytest.skip("no free Redis database (1-14) to run a worker against")


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def test_a_real_worker_sends_the_email_after_the_request_returned(
    client, settings, redis_db, tmp_path
):
    """The request commits the notification and only queues its email; `rqworker --burst`
    (a separate process) sends it with the unsubscribe headers and marks it emailed."""
    number, redis_client = redis_db
    redis_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
    settings.RQ_QUEUES = {"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 120}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}

    ana = ProfileFactory(display_name="Ana Ruiz")
    ben = ProfileFactory(display_name="Ben Okafor", handle="ben-okafor")
    preferences_update(actor=ben.user, changes={Kind.CONNECTION_REQUEST: "immediate"})

    client.force_login(ana.user)
    response = client.post(reverse("network:connect", args=["ben-okafor"]), {"note": ""})
    assert response.status_code == 302, response.content[:500]

    notification = Notification.objects.get(recipient=ben.user)
    assert notification.emailed_at is None
    assert mail.outbox == []
    assert redis_client.llen("rq:queue:default") == 1  # queued, not sent

    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "TASKS_BACKEND": "rq",
        "EMAIL_URL": f"file://{mail_dir}",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "SITE_URL": "https://rounds.example",
        "PRODUCTION": "",
    }
    worker = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "rqworker",
            "--burst",
            "--job-class",
            "django_tasks_rq.Job",
            "default",
        ],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr.decode()[-3000:]

    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert redis_client.llen("rq:queue:default") == 0
    files = sorted(mail_dir.iterdir())
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes().split(b"\n" + b"-" * 79 + b"\n")[0])
    assert message["To"] == ben.user.email
    assert "Ana Ruiz asked to connect with you" in message["Subject"]
    assert (
        message["List-Unsubscribe"]
        .replace("\n", "")
        .replace(" ", "")
        .startswith("<https://rounds.example/notifications/unsubscribe/")
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
