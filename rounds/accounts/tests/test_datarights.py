"""The data-rights contract: the registry finds every app's module (and a test fails for an
app holding member data without one), and the modules of accounts, profiles and network
export every text they store for a member and leave none behind after erase + delete."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from rounds.accounts.data_rights.registry import datarights_modules
from rounds.accounts.services import api_token_create
from rounds.accounts.tests.archives import archive_text
from rounds.accounts.tests.canary import find_in_database, new_canary, npi_canary
from rounds.network.services import (
    connection_request_accept,
    connection_request_send,
    interaction_record,
)
from rounds.profiles.services import affiliation_add, profile_set_npi, profile_update
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

OWN_APPS = ("accounts", "profiles", "network")
#: Tables of installed packages that hold member data (cascaded from User).
THIRD_PARTY = ("account", "mfa", "admin", "sessions", "core")

#: Apps under rounds/ whose tables point at the User model but hold no member data to export
#: or erase, and why. Everything else must have a datarights module.
EXEMPT = {
    "core": (
        "AuditEntry keeps ids and field names only (never member text); the cascade sets "
        "its actor to NULL. GuardTally holds counts only."
    ),
}


def _relates_to_user(model) -> bool:
    user_model = get_user_model()
    return any(
        field.is_relation
        and field.related_model is user_model
        and (field.many_to_one or field.one_to_one or field.many_to_many)
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) or field.many_to_many
    )


def test_every_app_holding_member_data_has_a_datarights_module():
    """An app under rounds/ with a model pointing at User must provide datarights.py."""
    covered = {module.app_label for module in datarights_modules()}
    missing = sorted(
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("rounds.")
        and config.label not in covered
        and config.label not in EXEMPT
        and any(_relates_to_user(model) for model in config.get_models())
    )
    assert missing == [], f"apps holding member data without a datarights module: {missing}"
    assert {"accounts", "profiles", "network"} <= covered


def test_exemptions_are_still_needed():
    """Every exempt app still exists and still has no datarights module (else drop it)."""
    covered = {module.app_label for module in datarights_modules()}
    for label in EXEMPT:
        assert apps.is_installed(f"rounds.{label}")
        assert label not in covered


def test_every_module_exports_json_and_accepts_anonymise(member):
    """Each module returns a dict of JSON-ready data and erases with both choices."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    for module in datarights_modules():
        data = module.export(member.user)
        assert isinstance(data, dict) and data, module.app_label
        json.dumps(data, cls=DjangoJSONEncoder)
        for anonymise in (False, True):
            with transaction.atomic():
                sid = transaction.savepoint()
                module.erase(member.user, anonymise=anonymise)
                transaction.savepoint_rollback(sid)


def seed_own_apps(user, other, canary: str, npi: str) -> None:
    """Every text accounts, profiles and network store for ``user``, holding ``canary``."""
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
            "goals": [f"Goal {canary}"],
            "interests": [f"Interest {canary}"],
        },
    )
    profile_set_npi(actor=user, profile=profile, npi=npi)
    affiliation_add(
        actor=user,
        organization=OrganizationFactory(),
        department=f"Dept {canary}",
        title=f"Title {canary}",
    )
    api_token_create(actor=user, name=f"Token {canary}")
    EmailAddress.objects.create(user=user, email=f"{canary}.alt@example.net", verified=False)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": canary})
    sent = connection_request_send(actor=user, recipient=other, note=f"Note {canary}")
    connection_request_accept(actor=other, request_id=sent.pk)
    pending_to = ProfileFactory().user
    connection_request_send(actor=user, recipient=pending_to, note=f"Pending {canary}")
    interaction_record(actor=user, other_id=other.pk, kind="met", source=f"met:{canary}")
    LogEntry.objects.create(
        user=ProfileFactory().user,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk),
        object_repr=user.email,
        action_flag=CHANGE,
        change_message="[]",
    )


def test_own_modules_export_every_canary_and_leave_none_after_erase():
    """accounts, profiles and network export every text they hold for the member (never the
    two-factor secret), and after erase + delete no row of any table holds the canary."""
    canary, npi = new_canary(), npi_canary()
    user = UserFactory(email=f"{canary}@example.org")
    other = ProfileFactory().user
    seed_own_apps(user, other, canary, npi)
    before = find_in_database([canary, npi])
    for column in (
        "accounts.User.email",
        "accounts.ApiToken.name",
        "account.EmailAddress.email",
        "mfa.Authenticator.data",
        "profiles.Profile.handle",
        "profiles.Profile.display_name",
        "profiles.Profile.headline",
        "profiles.Profile.bio",
        "profiles.Profile.city",
        "profiles.Profile.region",
        "profiles.Profile.country",
        "profiles.Goal.name",
        "profiles.Interest.name",
        "profiles.Affiliation.department",
        "profiles.Affiliation.title",
        "network.ConnectionRequest.note",
        "network.Interaction.source",
        "admin.LogEntry.object_repr",
    ):
        assert f"{column} holds {canary}" in before, column
    assert f"profiles.Profile.npi holds {npi}" in before
    own = {m.app_label: m for m in datarights_modules()}
    exported = archive_text({label: own[label].export(user) for label in OWN_APPS})
    for text in (
        f"{canary}@example.org",
        f"{canary}.alt@example.net",
        f"Token {canary}",
        f"Bio {canary}",
        f"Headline {canary}",
        f"City {canary}",
        f"Goal {canary}",
        f"Interest {canary}",
        f"Dept {canary}",
        f"Title {canary}",
        f"Note {canary}",
        f"Pending {canary}",
        f"met:{canary}",
        npi,
    ):
        assert text in exported, text
    assert '"secret"' not in exported
    with transaction.atomic():
        for label in OWN_APPS:
            own[label].erase(user, anonymise=False)
        user.delete()
    # Other apps' copies (e.g. a contact in the other member's notebook) are their modules'
    # business: tests/test_data_rights_canary.py runs the whole registry over every table.
    assert find_in_database([canary, npi], app_labels=[*OWN_APPS, *THIRD_PARTY]) == []
    assert get_user_model().objects.filter(pk=other.pk).exists()
