"""Profile, NPI, avatar, organization and affiliation services: validation, atomicity, audit."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.models import AuditEntry
from rounds.profiles.models import Affiliation, Goal, Interest, Organization, Profile
from rounds.profiles.services import (
    affiliation_add,
    affiliation_remove,
    affiliation_update,
    organization_create,
    profile_create_for_user,
    profile_set_avatar,
    profile_set_npi,
    profile_update,
    profile_verify_npi,
)
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def png_bytes(size=(64, 48), *, exif: bool = False, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", size, (20, 120, 200))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "CanonCamera"  # Make
        data[0x8825] = {2: (40.0, 26.0, 46.0)}  # GPS latitude
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def test_new_profile_gets_a_unique_handle_from_the_name():
    """Two members with the same name get distinct, URL-safe handles."""
    a = profile_create_for_user(user=UserFactory(), display_name="Ana María Núñez")
    b = profile_create_for_user(user=UserFactory(), display_name="Ana María Núñez")
    assert a.handle == "ana-maria-nunez"
    assert b.handle != a.handle and b.handle.startswith("ana-maria-nunez")


def test_profile_update_applies_all_fields(member):
    """A full valid change set is saved, tags created for free additions."""
    profile_update(
        actor=member.user,
        profile=member,
        changes={
            "display_name": "Dr. Priya Raman",
            "headline": "Hospitalist · QI lead",
            "bio": "I work on **sepsis** pathways.",
            "role": "physician",
            "career_stage": "mid",
            "specialties": ["internal-medicine", "hospital-medicine"],
            "goals": ["Leadership", "Point-of-care teaching"],
            "interests": ["Patient safety"],
            "languages": ["en", "ta"],
            "city": "Chicago",
            "region": "IL",
            "country": "United States",
            "location_visibility": "public",
            "phone": "+1 (312) 555-0100",
            "phone_visibility": "connections",
            "email_visibility": "members",
            "visibility": "public",
            "open_to_mentoring": True,
            "handle": "priya-raman",
        },
    )
    member.refresh_from_db()
    assert member.handle == "priya-raman"
    assert sorted(s.slug for s in member.specialties.all()) == [
        "hospital-medicine",
        "internal-medicine",
    ]
    assert Goal.objects.get(slug="leadership").curated is True
    assert Goal.objects.get(slug="point-of-care-teaching").curated is False
    assert list(member.interests.values_list("slug", flat=True)) == ["patient-safety"]
    assert member.languages == ["en", "ta"]
    assert member.open_to_mentoring is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"headline": "x" * 161}, "headline"),
        ({"display_name": "   "}, "display_name"),
        ({"role": "surgeon-general"}, "role"),
        ({"email_visibility": "public"}, "email_visibility"),
        ({"handle": "Bad Handle!"}, "handle"),
        ({"handle": "admin"}, "handle"),
        ({"specialties": ["not-a-specialty"]}, "specialties"),
        ({"languages": ["xx"]}, "languages"),
        ({"goals": ["ok", ""]}, "goals"),
        ({"goals": "leadership"}, "goals"),
        ({"interests": ["x" * 61]}, "interests"),
        ({"phone": "call me maybe"}, "phone"),
        ({"open_to_speaking": "yes"}, "open_to_speaking"),
        ({"bio": 42}, "bio"),
        ({"bio": "a\x00b"}, "bio"),
        ({"is_staff": True}, "is_staff"),
    ],
)
def test_invalid_changes_are_rejected_and_nothing_changes(member, changes, field):
    """Each invalid field raises ValidationFailed naming it; the profile is unchanged."""
    before = Profile.objects.values().get(pk=member.pk)
    with pytest.raises(ValidationFailed) as exc:
        profile_update(
            actor=member.user, profile=member, changes={"headline": "Changed", **changes}
        )
    assert field in exc.value.errors
    assert Profile.objects.values().get(pk=member.pk) == before


def test_handle_taken_is_a_conflict(member, other_member):
    """Taking another member's handle is refused with 409 semantics."""
    with pytest.raises(Conflict):
        profile_update(actor=member.user, profile=member, changes={"handle": other_member.handle})


def test_only_the_owner_may_update_a_profile(member, other_member):
    """Editing someone else's profile is forbidden."""
    with pytest.raises(Forbidden):
        profile_update(actor=other_member.user, profile=member, changes={"headline": "hacked"})


def test_valid_npi_goes_on_file_unverified_and_is_audited(member):
    """A valid NPI is stored, not verified, and the change is in the audit log."""
    profile_set_npi(actor=member.user, profile=member, npi="1234567893")
    member.refresh_from_db()
    assert member.npi_on_file and not member.npi_verified
    assert AuditEntry.objects.filter(action="profile.npi.set", target_id=str(member.pk)).exists()


def test_invalid_npi_is_rejected(member):
    """A wrong check digit is a validation error and nothing is stored."""
    with pytest.raises(ValidationFailed, match="check digit"):
        profile_set_npi(actor=member.user, profile=member, npi="1234567890")
    member.refresh_from_db()
    assert member.npi is None


def test_npi_is_unique_per_member(member, other_member):
    """The same NPI cannot be on file for two members."""
    profile_set_npi(actor=member.user, profile=member, npi="1234567893")
    with pytest.raises(Conflict):
        profile_set_npi(actor=other_member.user, profile=other_member, npi="1234567893")


def test_only_staff_verify_and_changing_npi_clears_verification(member):
    """Verification is staff-only, audited, and reset when the member changes the number."""
    staff = UserFactory(is_staff=True)
    profile_set_npi(actor=member.user, profile=member, npi="1234567893")
    with pytest.raises(Forbidden):
        profile_verify_npi(actor=member.user, profile=member)
    profile = profile_verify_npi(actor=staff, profile=member)
    assert profile.npi_verified
    assert AuditEntry.objects.filter(action="profile.npi.verify", actor=staff).exists()
    member.refresh_from_db()
    profile_set_npi(actor=member.user, profile=member, npi="1245319599")
    member.refresh_from_db()
    assert member.npi_on_file and not member.npi_verified


def test_verifying_without_npi_is_refused(member):
    """Staff cannot verify a member who has no NPI on file."""
    with pytest.raises(ValidationFailed):
        profile_verify_npi(actor=UserFactory(is_staff=True), profile=member)


def test_avatar_is_reencoded_resized_and_stripped_of_exif(member):
    """A JPEG with EXIF (GPS) becomes a clean JPEG of at most 512 px."""
    upload = SimpleUploadedFile(
        "me.jpg", png_bytes((1600, 1200), exif=True), content_type="image/jpeg"
    )
    profile_set_avatar(actor=member.user, profile=member, upload=upload)
    member.refresh_from_db()
    with member.avatar.open("rb") as fh, Image.open(fh) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= 512
        assert not image.getexif()


@pytest.mark.parametrize(
    "payload",
    [b"this is not an image", b"%PDF-1.4 fake", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b""],
)
def test_avatar_rejects_non_images(member, payload):
    """Files that are not JPEG/PNG/WebP/GIF images are refused with a message."""
    upload = SimpleUploadedFile("evil.png", payload, content_type="image/png")
    with pytest.raises(ValidationFailed) as exc:
        profile_set_avatar(actor=member.user, profile=member, upload=upload)
    assert "avatar" in exc.value.errors
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_rejects_oversized_files(member, settings):
    """Uploads above AVATAR_MAX_BYTES are refused before decoding."""
    settings.AVATAR_MAX_BYTES = 1024
    upload = SimpleUploadedFile(
        "big.png", png_bytes((400, 400)) + b"\0" * 2048, content_type="image/png"
    )
    with pytest.raises(ValidationFailed, match="at most"):
        profile_set_avatar(actor=member.user, profile=member, upload=upload)


def test_avatar_rejects_decompression_bombs(member):
    """An image claiming a huge pixel count is refused rather than decoded."""
    upload = SimpleUploadedFile("bomb.png", png_bytes((8000, 6000)), content_type="image/png")
    with pytest.raises(ValidationFailed):
        profile_set_avatar(actor=member.user, profile=member, upload=upload)


def test_organization_create_makes_unique_slugs_and_refuses_duplicates(member):
    """A new organization gets a slug; the same name in the same city is a conflict."""
    org = organization_create(
        actor=member.user, name="Lakeview Free Clinic", kind="clinic", city="Austin"
    )
    assert org.slug == "lakeview-free-clinic-austin"
    with pytest.raises(Conflict):
        organization_create(
            actor=member.user, name="lakeview free clinic", kind="clinic", city="austin"
        )
    with pytest.raises(ValidationFailed):
        organization_create(actor=member.user, name="X", kind="spaceship")
    with pytest.raises(ValidationFailed):
        organization_create(
            actor=member.user, name="Y", kind="clinic", website="javascript:alert(1)"
        )
    assert Organization.objects.filter(name__iexact="lakeview free clinic").count() == 1


def test_affiliation_lifecycle_and_rules(member, other_member):
    """Add, update and remove positions; a current position has no end; others' are NotFound."""
    org = OrganizationFactory()
    aff = affiliation_add(
        actor=member.user, organization=org, title="Attending", start_date=date(2020, 7, 1)
    )
    with pytest.raises(ValidationFailed):
        affiliation_add(
            actor=member.user, organization=org, is_current=True, end_date=date(2021, 1, 1)
        )
    with pytest.raises(ValidationFailed):
        affiliation_add(
            actor=member.user,
            organization=org,
            is_current=False,
            start_date=date(2021, 1, 1),
            end_date=date(2020, 1, 1),
        )
    affiliation_update(
        actor=member.user,
        affiliation_id=aff.pk,
        changes={"is_current": False, "end_date": date(2024, 6, 30)},
    )
    aff.refresh_from_db()
    assert not aff.is_current and aff.end_date == date(2024, 6, 30)
    with pytest.raises(NotFound):
        affiliation_update(actor=other_member.user, affiliation_id=aff.pk, changes={"title": "x"})
    with pytest.raises(NotFound):
        affiliation_remove(actor=other_member.user, affiliation_id=aff.pk)
    affiliation_remove(actor=member.user, affiliation_id=aff.pk)
    assert not Affiliation.objects.filter(pk=aff.pk).exists()


def test_database_enforces_affiliation_and_npi_constraints(member):
    """Check constraints hold even if code bypasses the services."""
    from django.db import IntegrityError, transaction

    org = OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Affiliation.objects.create(
            user=member.user, organization=org, is_current=True, end_date=date(2020, 1, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(pk=member.pk).update(npi_verified_at="2026-01-01T00:00:00Z")
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(pk=member.pk).update(email_visibility="public")


def test_vocabularies_are_loaded():
    """The curated specialties (≥ 60 with slugs), goals and interests are in the database."""
    from rounds.profiles.models import Specialty

    assert Specialty.objects.count() >= 60
    assert Specialty.objects.filter(slug="cardiology", parent__slug="internal-medicine").exists()
    assert Goal.objects.filter(slug="find-a-mentor", curated=True).exists()
    assert Interest.objects.filter(curated=True).count() >= 20
    assert ProfileFactory().specialties.count() == 0
