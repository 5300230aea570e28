"""Account deletion leaves nothing behind: a member with a unique canary string in every text
field Rounds stores for them (accounts, profiles, network through their services; every other
app through its ``seed_canary_data`` hook or, without one, a generic row in each of its tables
tied to the member), a real sign-in session, a photo and an export archive. After the
deletion request, the grace period and the purge, no column of any table (every model from
``apps.get_models()``: CharField, TextField, JSONField, EmailField, FileField…), no stored
session (raw SQL, decoded), no cached session and no file on disk holds the canary.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from rounds.accounts.data_rights.registry import datarights_modules
from rounds.accounts.data_rights.services import (
    account_deletions_purge_due,
    data_export_build,
    data_export_request,
    export_file_path,
)
from rounds.accounts.models import AccountDeletion, MemberSession
from rounds.accounts.services import api_token_create
from rounds.accounts.tests.canary import (
    autofill,
    files_holding,
    find_in_database,
    new_canary,
    npi_canary,
)
from rounds.network.services import (
    block,
    connection_request_accept,
    connection_request_send,
    follow,
    interaction_record,
    recommendation_dismiss,
)
from rounds.profiles.services import (
    affiliation_add,
    profile_set_avatar,
    profile_set_npi,
    profile_update,
)
from rounds.profiles.tests.factories import (
    PASSWORD,
    OrganizationFactory,
    ProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

#: Seeded through their services below.
SEEDED_HERE = {"accounts", "profiles", "network"}
#: Framework apps whose member rows are seeded below (sign-in emails, two-factor, admin
#: history, sessions) or that hold no member text (content types, permissions, audit ids).
FRAMEWORK = {"admin", "auth", "contenttypes", "sessions", "account", "mfa", "core"}


@pytest.fixture(autouse=True)
def _isolated_exports(settings, tmp_path):
    """Archives under a temp folder (sessions use the project's engine, as in production)."""
    settings.DATA_EXPORT_DIR = tmp_path / "exports"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), (200, 30, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def seed_accounts_profiles_network(user: Any, other: Any, canary: str, npi: str, phone: str):
    """Every text field of accounts, profiles and network, through their services."""
    profile = ProfileFactory(user=user, handle=canary, display_name=f"Dr {canary}")
    profile_update(
        actor=user,
        profile=profile,
        changes={
            "headline": f"Headline {canary}",
            "bio": f"Bio {canary}",
            "city": f"City {canary}",
            "region": f"Region {canary}",
            "country": f"Country {canary}",
            "phone": phone,
            "goals": [f"Goal {canary}"],
            "interests": [f"Interest {canary}"],
            "visibility": "public",
        },
    )
    profile_set_npi(actor=user, profile=profile, npi=npi)
    profile_set_avatar(actor=user, profile=profile, upload=jpeg())
    affiliation_add(
        actor=user,
        organization=OrganizationFactory(),
        department=f"Dept {canary}",
        title=f"Title {canary}",
    )
    api_token_create(actor=user, name=f"Token {canary}")
    EmailAddress.objects.create(user=user, email=f"{canary}.alt@example.net")
    accepted = connection_request_send(actor=user, recipient=other, note=f"Accepted {canary}")
    connection_request_accept(actor=other, request_id=accepted.pk)
    connection_request_send(actor=user, recipient=ProfileFactory().user, note=f"Sent {canary}")
    connection_request_send(actor=ProfileFactory().user, recipient=user, note=f"To {canary}")
    follow(actor=user, followee=ProfileFactory().user)
    follow(actor=ProfileFactory().user, followee=user)
    block(actor=user, blocked=ProfileFactory().user)
    interaction_record(actor=user, other_id=other.pk, kind="call", source=f"call:{canary}")
    recommendation_dismiss(actor=user, candidate_id=ProfileFactory().user_id)
    LogEntry.objects.create(
        user=ProfileFactory().user,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk),
        object_repr=user.email,
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["{canary}"]}}}}]',
    )
    return profile


def seed_other_apps(user: Any, other: Any, canary: str) -> list[str]:
    """Data in every other app: its module's ``seed_canary_data`` hook when it has one, else a
    generic row in each of its tables tied to the member (and rows hanging off those).
    Returns the tables that received a canary."""
    user_model = get_user_model()
    hooks = {m.app_label: m for m in datarights_modules()}
    filled: list[str] = []
    for config in apps.get_app_configs():
        label = config.label
        if label in SEEDED_HERE or label in FRAMEWORK:
            continue
        module = hooks.get(label)
        if module is not None and module.seed_canary is not None:
            module.seed_canary(user, canary=canary, other=other)
            filled.append(f"{label} (hook)")
            continue
        models = [m for m in config.get_models() if not m._meta.proxy]
        made: dict[Any, Any] = {}
        # Tables pointing at the member first, then tables pointing at those rows.
        for _ in range(3):
            for model in models:
                if model in made:
                    continue
                related = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
                if user_model not in related and not (related & set(made)):
                    continue
                rows = autofill(model, user=user, other=other, canary=canary, made=made)
                if rows:
                    made[model] = rows[0]
                    filled.append(f"{model._meta.label} ×{len(rows)}")
    return filled


def test_deleted_member_leaves_no_trace(django_capture_on_commit_callbacks):
    """Deletion request → grace (hidden, cancellable) → purge: the canary is nowhere."""
    canary, npi, phone = new_canary(), npi_canary(), "+1 (913) 407-5562"
    needles = [canary, npi, phone]
    user = UserFactory(email=f"{canary}@example.org")
    other_profile = ProfileFactory(visibility="public")
    other = other_profile.user
    profile = seed_accounts_profiles_network(user, other, canary, npi, phone)
    filled = seed_other_apps(user, other, canary)

    # A real sign-in (allauth records the email in the session) and an export archive.
    browser = Client()
    login = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("profiles:home")
    # Two-factor set up after signing in (with it, the sign-in above would ask for a code).
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": canary})
    export = data_export_build(export_id=data_export_request(actor=user).pk)
    archive, avatar = export_file_path(export), profile.avatar.path

    # The canary really is everywhere it should be before the deletion.
    before = find_in_database(needles)
    for column in (
        "accounts.User.email",
        "account.EmailAddress.email",
        "profiles.Profile.bio",
        "network.ConnectionRequest.note",
        "admin.LogEntry.object_repr",
    ):
        assert f"{column} holds {canary}" in before, column
    assert f"profiles.Profile.npi holds {npi}" in before
    assert f"profiles.Profile.phone holds {phone}" in before
    assert any(hit.startswith("session") for hit in before)
    assert files_holding(archive.parent, needles)
    session_keys = list(
        MemberSession.objects.filter(user=user).values_list("session_key", flat=True)
    )
    assert session_keys

    # Deletion request through the page, with the password.
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("accounts:deletion_request"),
            {"contributions": "anonymise", "password": PASSWORD},
        )
    assert response.status_code == 302
    viewer = Client()
    viewer.force_login(other)
    assert viewer.get(reverse("profiles:detail", args=[canary])).status_code == 404
    search = viewer.get(reverse("profiles:directory"), {"q": canary}).content.decode()
    assert reverse("profiles:detail", args=[canary]) not in search

    # Nothing happens before the grace period ends; then the purge erases everything.
    with django_capture_on_commit_callbacks(execute=True):
        assert account_deletions_purge_due(now=timezone.now() + timedelta(days=13)) == 0
        assert account_deletions_purge_due(now=timezone.now() + timedelta(days=15)) == 1
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not AccountDeletion.objects.exists()

    remaining = find_in_database(needles)
    assert remaining == [], f"left behind (seeded: {filled}): {remaining}"
    assert not MemberSession.objects.filter(session_key__in=session_keys).exists()
    assert not archive.exists()
    assert not os.path.exists(avatar)
    assert files_holding(archive.parent, needles) == []
    # The other member and their side of things are untouched.
    assert get_user_model().objects.filter(pk=other.pk).exists()
    assert viewer.get(reverse("profiles:detail", args=[other_profile.handle])).status_code == 200
