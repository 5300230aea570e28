"""Project-wide pytest fixtures."""

from __future__ import annotations

import copy
import uuid

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    """Each test writes media under its own temp folder and starts with an empty cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Every API payload sent without ninja's validation is checked against its schema.
    settings.API_CHECK_OUTPUT = True
    # Argon2 is the production hasher (asserted in rounds/accounts/tests); tests hash thousands
    # of factory passwords, so they use a fast one. Argon2 stays listed to verify real hashes.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A fresh key prefix per test isolates the cache (sessions, rate limits, cached health) without
    # flushing it: with Redis, a flush would wipe the other xdist workers' sessions mid-test.
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    if "locmem" in caches["default"]["BACKEND"]:
        cache.clear()
    from rounds.core.cache import clear_local_copies

    clear_local_copies()  # per-process copies of shared cache entries (rounds/core/cache.py)
    yield


@pytest.fixture
def member(db):
    from rounds.profiles.tests.factories import ProfileFactory

    return ProfileFactory()


@pytest.fixture
def other_member(db):
    from rounds.profiles.tests.factories import ProfileFactory

    return ProfileFactory()


@pytest.fixture
def member_client(client, member):
    """A Django test client signed in as ``member``."""
    client.force_login(member.user)
    return client
