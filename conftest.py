"""Project-wide pytest fixtures."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path):
    """Each test writes media under its own temp folder and starts with an empty cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
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
    cache.clear()
    yield
    cache.clear()


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
