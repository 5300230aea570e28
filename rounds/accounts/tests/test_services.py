"""API token service: creation, hashing at rest, authentication, revocation."""

from __future__ import annotations

import pytest

from rounds.accounts.models import ApiToken
from rounds.accounts.services import (
    MAX_ACTIVE_TOKENS,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    token_digest,
)
from rounds.core.errors import NotFound, ValidationFailed
from rounds.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_secret_is_returned_once_and_only_its_digest_is_stored(member):
    """The database holds the SHA-256 digest, never the secret."""
    token, secret = api_token_create(actor=member.user, name="zotero")
    assert secret.startswith("rnd_") and len(secret) > 40
    stored = ApiToken.objects.values_list("digest", "prefix", "name").get(pk=token.pk)
    assert secret not in " ".join(stored)
    assert stored[0] == token_digest(secret)
    assert AuditEntry.objects.filter(action="api_token.create").count() == 1


def test_token_authenticates_until_revoked(member):
    """A live token resolves to its member; revoked, it resolves to nobody."""
    token, secret = api_token_create(actor=member.user, name="cli")
    assert api_token_authenticate(secret) == member.user
    token.refresh_from_db()
    assert token.last_used_at is not None
    api_token_revoke(actor=member.user, token_id=token.pk)
    assert api_token_authenticate(secret) is None


@pytest.mark.parametrize("secret", ["", "rnd_", "rnd_nope", "Bearer x", "rnd_" + "a" * 500])
def test_unknown_secrets_do_not_authenticate(secret):
    """Garbage or unknown tokens authenticate nobody."""
    assert api_token_authenticate(secret) is None


def test_inactive_members_tokens_stop_working(member):
    """Deactivating an account disables its tokens."""
    _, secret = api_token_create(actor=member.user, name="cli")
    member.user.is_active = False
    member.user.save()
    assert api_token_authenticate(secret) is None


def test_members_cannot_revoke_each_others_tokens(member, other_member):
    """Revoking someone else's token looks like it does not exist."""
    token, secret = api_token_create(actor=member.user, name="cli")
    with pytest.raises(NotFound):
        api_token_revoke(actor=other_member.user, token_id=token.pk)
    assert api_token_authenticate(secret) == member.user


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_token_name_is_validated(member, name):
    """Tokens need a short, non-empty name."""
    with pytest.raises(ValidationFailed):
        api_token_create(actor=member.user, name=name)


def test_active_token_count_is_capped(member):
    """A member can hold at most MAX_ACTIVE_TOKENS active tokens."""
    for i in range(MAX_ACTIVE_TOKENS):
        api_token_create(actor=member.user, name=f"t{i}")
    with pytest.raises(ValidationFailed):
        api_token_create(actor=member.user, name="one too many")


def test_production_hashes_passwords_with_argon2_and_requires_12_characters():
    """Argon2 is the first hasher; passwords need ≥ 12 characters and not a common one."""
    from django.conf import settings as django_settings

    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in django_settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] == 12
    assert "CommonPasswordValidator" in validators
