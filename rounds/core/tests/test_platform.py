"""Platform behaviour: health endpoints, request-size limit, Markdown sanitising, deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rounds.core.markdown import render_markdown
from rounds.core.testing import executable_constructs

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_healthz_does_no_database_work(client, django_assert_num_queries):
    """/healthz answers 200 without touching the database (the benchmark floor)."""
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    """/readyz reports the database as ok."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_oversized_request_bodies_get_413(client):
    """A body above MAX_REQUEST_BODY_BYTES is refused with 413 before it is read."""
    response = client.post(
        "/api/v1/me/tokens",
        data=b"x",
        content_type="application/json",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    response = client.post(
        "/profile/edit/", data=b"x", content_type="text/plain", CONTENT_LENGTH=str(50 * 1024 * 1024)
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "![a](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://e.org" onclick="x()">e</a>',
        "<svg onload=alert(1)>",
    ],
)
def test_markdown_renders_no_executable_content(payload):
    """Hostile Markdown renders without scripts, handlers or dangerous URLs."""
    assert executable_constructs(str(render_markdown(payload))) == []


def test_the_xss_checker_finds_what_it_should():
    """The checker used by XSS tests flags scripts, handlers and javascript: URLs."""
    found = executable_constructs(
        '<script>x</script><a href=" JavaScript:1">a</a><p onclick="x">p</p>'
    )
    assert found == ["<script>", "a[href= JavaScript:1]", "p[onclick]"]


def test_markdown_links_are_marked_ugc():
    """Links members write carry rel=nofollow noopener ugc."""
    html = str(render_markdown("see [NEJM](https://www.nejm.org)"))
    assert 'href="https://www.nejm.org"' in html
    assert "nofollow" in html and "noopener" in html and "ugc" in html


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    """With production values, manage.py check --deploy reports nothing."""
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "PRODUCTION": "1",
            "SECRET_KEY": "k" * 20 + "-production-secret-key-for-check-deploy-0123456789",
            "ALLOWED_HOSTS": "rounds.example.org",
            "VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_a_secret_key(tmp_path):
    """Production refuses to start without SECRET_KEY."""
    result = _manage(
        "check",
        env={
            "PRODUCTION": "1",
            "ALLOWED_HOSTS": "rounds.example.org",
            "VAR_DIR": str(tmp_path),
            "SECRET_KEY": "",
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_sessions_work_with_the_production_session_engine(client, member):
    """The project's session engine (with or without Redis) keeps a member signed in across
    requests, under a key that names them."""
    from django.conf import settings as live_settings

    import config.settings as project_settings
    from rounds.accounts.sessions import member_id_in_key

    assert live_settings.SESSION_ENGINE == project_settings.SESSION_ENGINE
    assert project_settings.SESSION_ENGINE == "rounds.accounts.sessions"
    client.force_login(member.user)
    assert member_id_in_key(client.cookies["sessionid"].value) == member.user.pk
    assert client.get("/settings/").status_code == 200
    assert client.get("/profile/edit/").status_code == 200
