"""The demo community: deterministic, clustered, valid, and the demo accounts can sign in."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from rounds.accounts.models import User
from rounds.profiles.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    CommunityGenerator,
)
from rounds.profiles.models import Affiliation, Organization, Profile
from rounds.profiles.npi import is_valid_npi
from rounds.profiles.services import validate_handle

MEMBERS = 40


def seed(*extra: str, members: int = MEMBERS, seed: int = 7) -> str:
    out = StringIO()
    call_command("seed_demo", "--members", str(members), "--seed", str(seed), *extra, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """The community by natural keys (ids and timestamps aside)."""
    return {
        "profiles": list(
            Profile.objects.order_by("handle").values_list(
                "handle", "display_name", "headline", "role", "city", "npi", "visibility"
            )
        ),
        "organizations": list(
            Organization.objects.order_by("slug").values_list("slug", "name", "kind", "city")
        ),
        "affiliations": sorted(
            Affiliation.objects.values_list(
                "user__profile__handle", "organization__slug", "title", "is_current", "start_date"
            )
        ),
        "specialties": sorted(
            Profile.specialties.through.objects.values_list("profile__handle", "specialty__slug")
        ),
    }


@pytest.mark.django_db
def test_same_seed_gives_identical_data():
    """Seeding twice with the same seed and size stores the same community."""
    seed()
    first = snapshot()
    seed("--reset")
    assert snapshot() == first
    assert len(first["profiles"]) == MEMBERS + 2


@pytest.mark.django_db
def test_different_seeds_differ():
    """Another seed gives other names and organizations."""
    seed(seed=1)
    first = snapshot()
    seed("--reset", seed=2)
    second = snapshot()
    assert first["profiles"] != second["profiles"]
    assert first["organizations"] != second["organizations"]


@pytest.mark.django_db
def test_if_empty_is_idempotent_and_refuses_without_flags():
    """--if-empty leaves an existing community alone; no flag refuses to add a second one."""
    seed()
    before = snapshot()
    output = seed("--if-empty", seed=99)
    assert "not seeding" in output
    assert snapshot() == before
    with pytest.raises(CommandError):
        seed(seed=99)


@pytest.mark.django_db
def test_affiliations_are_clustered_by_organization():
    """Every workplace has several current members; each member has a current workplace."""
    seed()
    current = Affiliation.objects.filter(is_current=True)
    per_org = Counter(current.values_list("organization__slug", flat=True))
    workplaces = Organization.objects.exclude(kind=Organization.Kind.SOCIETY)
    assert workplaces.count() <= MEMBERS // 4
    for org in workplaces:
        assert per_org[org.slug] >= 3, org.name
    members = Profile.objects.exclude(user__email=STAFF_EMAIL)
    with_workplace = set(
        current.exclude(organization__kind=Organization.Kind.SOCIETY).values_list(
            "user_id", flat=True
        )
    )
    assert {p.user_id for p in members} <= with_workplace
    # departments follow the member's specialty on their main position
    clinical = members.filter(role="physician").prefetch_related("specialties")
    for profile in clinical:
        names = {s.name for s in profile.specialties.all()}
        departments = set(
            current.filter(user_id=profile.user_id).values_list("department", flat=True)
        )
        assert names & departments, profile.handle


@pytest.mark.django_db
def test_npis_are_valid_and_some_are_verified_by_staff():
    """Generated NPIs pass the check-digit rule; verified ones name the staff account."""
    seed(members=120)
    with_npi = Profile.objects.exclude(npi=None)
    assert with_npi.count() >= 10
    assert all(is_valid_npi(npi) for npi in with_npi.values_list("npi", flat=True))
    verified = with_npi.exclude(npi_verified_at=None)
    assert verified.exists()
    staff = User.objects.get(email=STAFF_EMAIL)
    assert set(verified.values_list("npi_verified_by", flat=True)) == {staff.pk}


@pytest.mark.django_db
def test_profiles_are_valid_and_privacy_varies():
    """Handles pass validation, emails are never public, visibility settings vary."""
    seed(members=120)
    profiles = list(Profile.objects.all())
    for profile in profiles:
        assert validate_handle(profile.handle) == profile.handle
    assert {p.email_visibility for p in profiles} <= {"nobody", "connections", "members"}
    assert Counter(p.email_visibility for p in profiles).most_common(1)[0][0] == "nobody"
    assert {p.visibility for p in profiles} == {"public", "members"}
    roles = {p.role for p in profiles}
    assert {"physician", "resident", "nurse"} <= roles
    assert len(roles) >= 6


@pytest.mark.django_db
def test_demo_and_staff_accounts_sign_in_through_the_login_form(client):
    """The demo and staff accounts log in with their documented passwords (allauth form)."""
    seed()
    demo = Profile.objects.get(user__email=DEMO_EMAIL)
    assert demo.headline and demo.bio and demo.npi_verified
    assert demo.specialties.exists() and demo.goals.exists() and demo.interests.exists()
    assert User.objects.get(email=STAFF_EMAIL).is_staff
    for email, password in ((DEMO_EMAIL, DEMO_PASSWORD), (STAFF_EMAIL, STAFF_PASSWORD)):
        response = client.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302, response.content[:500]
        assert int(client.session["_auth_user_id"]) == User.objects.get(email=email).pk
        client.logout()


def test_generator_is_deterministic_without_a_database():
    """Two generators with the same seed and size yield equal members; sizes scale orgs."""
    first = list(CommunityGenerator(seed=3, size=60).members())
    second = list(CommunityGenerator(seed=3, size=60).members())
    assert first == second
    assert len({m.handle for m in first}) == len(first)
    assert len(CommunityGenerator(seed=3, size=2000).organizations) > len(
        CommunityGenerator(seed=3, size=60).organizations
    )
