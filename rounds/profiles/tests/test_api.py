"""The profiles, directory and organizations endpoints of the JSON API: behaviour and privacy."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.test import Client
from PIL import Image

from rounds.core.models import AuditEntry
from rounds.core.testing import executable_constructs
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.profiles.models import Affiliation, Organization, Profile, Specialty
from rounds.profiles.tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    ProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set passwords; a cheap hasher keeps these tests fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


VALID_NPI = "1234567893"
OTHER_VALID_NPI = "1245319599"


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def upload(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


# --- GET /me ---------------------------------------------------------------------------------


def test_me_returns_account_and_full_private_profile(member):
    """GET /me shows the member's email, id and every private field including the NPI."""
    member.npi = VALID_NPI
    member.phone = "+1 555 0100"
    member.city = "Springfield"
    member.save()
    AffiliationFactory(user=member.user, is_current=False, title="Resident")
    body = api_as(member.user).get("/me").json()
    assert body["account"] == {"id": member.user.pk, "email": member.user.email, "time_zone": ""}
    profile = body["profile"]
    assert profile["handle"] == member.handle
    assert profile["npi"] == VALID_NPI
    assert profile["npi_on_file"] is True and profile["npi_verified"] is False
    assert profile["phone"] == "+1 555 0100"
    assert profile["city"] == "Springfield"
    assert profile["email_visibility"] == "nobody"
    assert profile["visibility"] == "members"
    assert profile["affiliations"][0]["title"] == "Resident"
    assert profile["affiliations"][0]["is_current"] is False


def test_me_creates_a_missing_profile(db):
    """An account without a profile (e.g. made by an admin) gets one on GET /me."""
    user = UserFactory(email="newcomer@example.org")
    response = api_as(user).get("/me")
    assert response.status_code == 200
    assert response.json()["profile"]["display_name"] == "newcomer"
    assert Profile.objects.filter(user=user).exists()


def test_me_requires_authentication():
    """Visitors get a JSON 401 from /me."""
    assert_error(ApiClient().get("/me"), 401)


# --- PATCH /me/profile -----------------------------------------------------------------------


def test_patch_profile_changes_only_the_fields_sent(member):
    """A partial update changes the fields sent and leaves the others as they were."""
    member.bio = "Original bio."
    member.save()
    cardiology = Specialty.objects.get(slug="cardiology")
    response = api_as(member.user).patch(
        "/me/profile",
        {
            "headline": "Cardiologist, Springfield General",
            "specialties": [cardiology.slug],
            "goals": ["find-a-mentor", "Learn point-of-care ultrasound"],
            "interests": ["Global health"],
            "languages": ["en", "es"],
            "open_to_mentoring": True,
            "role": "fellow",
            "career_stage": "trainee",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["headline"] == "Cardiologist, Springfield General"
    assert body["bio"] == "Original bio."
    assert body["specialties"] == [{"slug": "cardiology", "name": cardiology.name}]
    assert {g["slug"] for g in body["goals"]} == {"find-a-mentor", "learn-point-of-care-ultrasound"}
    curated = {g["slug"]: g["curated"] for g in body["goals"]}
    assert curated == {"find-a-mentor": True, "learn-point-of-care-ultrasound": False}
    assert body["languages"] == [
        {"code": "en", "name": "English"},
        {"code": "es", "name": "Spanish"},
    ]
    assert body["open_to_mentoring"] is True and body["open_to_speaking"] is False
    assert body["role"] == "fellow" and body["role_label"] == "Fellow"
    assert body["career_stage"] == "trainee"
    member.refresh_from_db()
    assert member.headline == "Cardiologist, Springfield General"
    assert member.bio == "Original bio."


def test_patch_profile_renders_bio_markdown_safely(member):
    """The bio comes back as written and as sanitised HTML without script."""
    bio = "**Sepsis** work. <script>alert(1)</script> [x](javascript:alert(1))"
    body = api_as(member.user).patch("/me/profile", {"bio": bio}).json()
    assert body["bio"] == bio
    assert "<strong>Sepsis</strong>" in body["bio_html"]
    assert executable_constructs(body["bio_html"]) == []


def test_patch_profile_with_empty_body_changes_nothing(member):
    """An empty JSON object is a valid no-op patch."""
    before = member.headline
    response = api_as(member.user).patch("/me/profile", {})
    assert response.status_code == 200
    assert response.json()["headline"] == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"headlin": "typo"}, "headlin"),
        ({"headline": "x" * 161}, "headline"),
        ({"bio": "x" * 5001}, "bio"),
        ({"display_name": None}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"role": "wizard"}, "role"),
        ({"career_stage": "eternal"}, "career_stage"),
        ({"email_visibility": "public"}, "email_visibility"),
        ({"visibility": "everyone"}, "visibility"),
        ({"specialties": ["not-a-specialty"]}, "specialties"),
        ({"specialties": "cardiology"}, "specialties"),
        ({"languages": ["xx"]}, "languages"),
        ({"goals": [""]}, "goals"),
        ({"goals": ["x" * 61]}, "goals"),
        ({"goals": ["g"] * 21}, "goals"),
        ({"phone": "call me"}, "phone"),
        ({"handle": "A!"}, "handle"),
        ({"handle": "admin"}, "handle"),
        ({"open_to_speaking": None}, "open_to_speaking"),
        ({"open_to_speaking": "maybe"}, "open_to_speaking"),
        ({"headline": 12}, "headline"),
        ({"headline": "nul\x00byte"}, "headline"),
    ],
)
def test_patch_profile_rejects_invalid_input_with_field_errors(member, changes, field):
    """Invalid values and unknown fields are a 422 naming the field; nothing is saved."""
    before = Profile.objects.values().get(pk=member.pk)
    assert_error(api_as(member.user).patch("/me/profile", changes), 422, field)
    assert Profile.objects.values().get(pk=member.pk) == before


def test_patch_profile_handle_taken_is_409(member, other_member):
    """Choosing a handle another member has is a 409 on `handle`."""
    response = api_as(member.user).patch("/me/profile", {"handle": other_member.handle})
    assert_error(response, 409, "handle")


def test_patch_profile_can_change_handle(member):
    """A free, valid handle is taken and the profile is reachable under it."""
    api = api_as(member.user)
    assert api.patch("/me/profile", {"handle": "dr-new-handle"}).json()["handle"] == "dr-new-handle"
    assert api.get("/members/dr-new-handle").status_code == 200


def test_patch_profile_requires_authentication(member):
    """Visitors get a 401 and nothing changes."""
    assert_error(ApiClient().patch("/me/profile", {"headline": "hacked"}), 401)
    member.refresh_from_db()
    assert member.headline != "hacked"


# --- NPI -------------------------------------------------------------------------------------


def test_put_valid_npi_puts_it_on_file(member):
    """A well-formed NPI is stored (normalised) and shown to its owner, unverified."""
    response = api_as(member.user).put("/me/profile/npi", {"npi": "1234-567-893"})
    assert response.status_code == 200
    assert response.json()["npi"] == VALID_NPI
    assert response.json()["npi_on_file"] is True
    assert response.json()["npi_verified"] is False
    assert AuditEntry.objects.filter(action="profile.npi.set").exists()


@pytest.mark.parametrize(
    ("npi", "words"),
    [
        ("1234567890", "check digit"),
        ("123456789", "10 digits"),
        ("12345678931", "10 digits"),
        ("12345abcde", "digits only"),
        ("3234567893", "starts with 1 or 2"),
    ],
)
def test_put_invalid_npi_is_422_with_a_message(member, npi, words):
    """Malformed NPIs are a 422 on `npi` whose message says what is wrong."""
    data = assert_error(api_as(member.user).put("/me/profile/npi", {"npi": npi}), 422, "npi")
    assert words in data["detail"]
    member.refresh_from_db()
    assert member.npi is None


@pytest.mark.parametrize("body", [{"npi": 1234567893}, {"npi": ["1234567893"]}, {}])
def test_put_npi_of_wrong_type_is_422(member, body):
    """A number, a list or a missing field is a 422 on `npi`."""
    assert_error(api_as(member.user).put("/me/profile/npi", body), 422, "npi")


def test_npi_on_file_for_another_member_is_409(member, other_member):
    """The same NPI cannot be on file for two members."""
    other_member.npi = VALID_NPI
    other_member.save()
    data = assert_error(api_as(member.user).put("/me/profile/npi", {"npi": VALID_NPI}), 409, "npi")
    assert "another member" in data["detail"]


def test_null_npi_removes_it_and_its_verification(member):
    """PUT {npi: null} removes the NPI on file."""
    member.npi = VALID_NPI
    member.save()
    response = api_as(member.user).put("/me/profile/npi", {"npi": None})
    assert response.status_code == 200
    assert response.json()["npi"] is None and response.json()["npi_on_file"] is False


def test_npi_number_is_never_shown_to_others(member, other_member):
    """Others see that an NPI is on file and verified, never the number, anywhere."""
    member.npi = VALID_NPI
    member.visibility = "public"
    member.save()
    for api in (api_as(other_member.user), ApiClient()):
        detail = api.get(f"/members/{member.handle}")
        assert detail.status_code == 200
        assert detail.json()["npi_on_file"] is True
        assert "npi" not in detail.json()
        assert VALID_NPI not in detail.content.decode()
        listing = api.get("/members", {"q": member.display_name})
        assert VALID_NPI not in listing.content.decode()


# --- staff NPI verification ------------------------------------------------------------------


def test_staff_verify_npi_is_recorded_and_audited(member):
    """Staff verify a member's NPI; the profile then shows it verified and an audit entry exists."""
    member.npi = VALID_NPI
    member.save()
    staff = UserFactory(is_staff=True)
    response = api_as(staff).post(f"/members/{member.handle}/npi-verification", {"verified": True})
    assert response.status_code == 200
    assert response.json()["npi_verified"] is True
    assert response.json()["npi_verified_at"]
    assert VALID_NPI not in response.content.decode()
    assert AuditEntry.objects.filter(action="profile.npi.verify", actor=staff).exists()
    assert api_as(staff).get(f"/members/{member.handle}").json()["npi_verified"] is True
    withdrawn = api_as(staff).post(
        f"/members/{member.handle}/npi-verification", {"verified": False}
    )
    assert withdrawn.json()["npi_verified"] is False
    assert AuditEntry.objects.filter(action="profile.npi.unverify").exists()


def test_non_staff_cannot_verify_an_npi(member, other_member):
    """A member who is not staff gets a 403 (the profile is visible to them) and nothing changes."""
    member.npi = VALID_NPI
    member.save()
    url = f"/members/{member.handle}/npi-verification"
    assert_error(api_as(other_member.user).post(url, {"verified": True}), 403)
    assert_error(api_as(member.user).post(url, {"verified": True}), 403)
    member.refresh_from_db()
    assert member.npi_verified_at is None


def test_verify_npi_errors(member):
    """Staff verifying a member with no NPI is 422; an unknown handle 404; visitors 401."""
    staff_api = api_as(UserFactory(is_staff=True))
    assert_error(
        staff_api.post(f"/members/{member.handle}/npi-verification", {"verified": True}), 422, "npi"
    )
    assert_error(staff_api.post("/members/nobody-here/npi-verification", {"verified": True}), 404)
    assert_error(
        staff_api.post(f"/members/{member.handle}/npi-verification", {"verified": "perhaps"}),
        422,
        "verified",
    )
    assert_error(
        ApiClient().post(f"/members/{member.handle}/npi-verification", {"verified": True}), 401
    )


# --- avatar ----------------------------------------------------------------------------------


def test_avatar_upload_and_removal(member):
    """A PNG upload becomes the avatar (absolute URL); DELETE removes it."""
    api = api_as(member.user)
    response = api.upload("/me/profile/avatar", {"avatar": upload("me.png", image_bytes())})
    assert response.status_code == 200, response.content
    url = response.json()["avatar_url"]
    assert url.startswith("http://testserver/media/avatars/") and url.endswith(".jpg")
    other_view = api_as(ProfileFactory().user).get(f"/members/{member.handle}").json()
    assert other_view["avatar_url"] == url
    removed = api.delete("/me/profile/avatar")
    assert removed.status_code == 200
    assert removed.json()["avatar_url"] is None


@pytest.mark.parametrize(
    "content",
    [b"this is not an image", b"%PDF-1.4\n" + b"0" * 100, b"GIF89a" + b"\x00" * 20],
)
def test_avatar_upload_rejects_non_images(member, content):
    """Files that are not readable images are a 422 on `avatar`."""
    response = api_as(member.user).upload(
        "/me/profile/avatar", {"avatar": upload("x.png", content)}
    )
    assert_error(response, 422, "avatar")
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_upload_rejects_files_over_the_avatar_limit(member, settings):
    """A file over AVATAR_MAX_BYTES (but under the request limit) is a 422 saying the limit."""
    settings.AVATAR_MAX_BYTES = 1024 * 1024
    big = image_bytes((600, 600), fmt="BMP")  # 1.08 MB, a real image
    data = assert_error(
        api_as(member.user).upload("/me/profile/avatar", {"avatar": upload("big.bmp", big)}),
        422,
        "avatar",
    )
    assert "at most 1 MB" in data["detail"]


def test_avatar_upload_over_the_request_limit_is_413(member, settings):
    """A body over MAX_REQUEST_BODY_BYTES is refused with a JSON 413 before it is read."""
    settings.MAX_REQUEST_BODY_BYTES = 100_000
    big = upload("huge.png", b"\x89PNG" + b"0" * 200_000)
    assert_error(api_as(member.user).upload("/me/profile/avatar", {"avatar": big}), 413)


def test_avatar_upload_without_a_file_is_422(member):
    """A multipart request without the `avatar` field, or a JSON body, is a 422."""
    api = api_as(member.user)
    assert_error(api.upload("/me/profile/avatar", {"photo": upload("a.png", image_bytes())}), 422)
    assert_error(api.post("/me/profile/avatar", {"avatar": "data"}), 422)


# --- affiliations ----------------------------------------------------------------------------


def test_affiliation_lifecycle(member):
    """Add, list, edit and remove a position through the API."""
    org = OrganizationFactory(name="Springfield General", slug="springfield-general")
    api = api_as(member.user)
    created = api.post(
        "/me/affiliations",
        {
            "organization": org.slug,
            "department": "Cardiology",
            "title": "Attending",
            "start_date": "2019-07-01",
        },
    )
    assert created.status_code == 201, created.content
    affiliation = created.json()
    assert affiliation["organization"] == {"slug": org.slug, "name": org.name}
    assert affiliation["is_current"] is True and affiliation["start_date"] == "2019-07-01"
    assert [a["id"] for a in api.get("/me/affiliations").json()] == [affiliation["id"]]

    other_org = OrganizationFactory()
    patched = api.patch(
        f"/me/affiliations/{affiliation['id']}",
        {"title": "Chief of Cardiology", "organization": other_org.slug},
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Chief of Cardiology"
    assert patched.json()["organization"]["slug"] == other_org.slug
    assert patched.json()["department"] == "Cardiology"

    ended = api.patch(
        f"/me/affiliations/{affiliation['id']}", {"is_current": False, "end_date": "2024-06-30"}
    )
    assert ended.json()["is_current"] is False and ended.json()["end_date"] == "2024-06-30"

    assert api.delete(f"/me/affiliations/{affiliation['id']}").status_code == 204
    assert api.get("/me/affiliations").json() == []


def test_affiliation_with_unknown_organization_is_422(member):
    """An organization slug that does not exist is a 422 on `organization`."""
    api = api_as(member.user)
    assert_error(
        api.post("/me/affiliations", {"organization": "no-such-place"}), 422, "organization"
    )
    affiliation = AffiliationFactory(user=member.user)
    assert_error(
        api.patch(f"/me/affiliations/{affiliation.pk}", {"organization": "no-such-place"}),
        422,
        "organization",
    )
    assert_error(
        api.patch(f"/me/affiliations/{affiliation.pk}", {"organization": None}), 422, "organization"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end_date": "2020-01-01"}, "end_date"),  # current positions have no end
        ({"is_current": False, "start_date": "2020-01-01", "end_date": "2019-01-01"}, "end_date"),
        ({"start_date": "2020-13-45"}, "start_date"),
        ({"title": "x" * 121}, "title"),
        ({"is_current": None}, "is_current"),
        ({"salary": 1}, "salary"),
    ],
)
def test_affiliation_validation(member, body, field):
    """Invalid positions are a 422 on the offending field."""
    org = OrganizationFactory()
    response = api_as(member.user).post("/me/affiliations", {"organization": org.slug, **body})
    assert_error(response, 422, field)
    assert not Affiliation.objects.filter(user=member.user).exists()


def test_cannot_touch_someone_elses_affiliation(member, other_member):
    """Another member's position id is a 404 for edit and delete."""
    theirs = AffiliationFactory(user=other_member.user)
    api = api_as(member.user)
    assert_error(api.patch(f"/me/affiliations/{theirs.pk}", {"title": "mine now"}), 404)
    assert_error(api.delete(f"/me/affiliations/{theirs.pk}"), 404)
    theirs.refresh_from_db()
    assert theirs.title != "mine now"


# --- GET /members/{handle}: visibility and privacy -------------------------------------------


def test_member_profile_shows_public_fields(member, other_member):
    """A member sees another's profile: name, role, specialties, affiliations, rendered bio."""
    cardiology = Specialty.objects.get(slug="cardiology")
    other_member.specialties.add(cardiology)
    other_member.bio = "I teach *echo*."
    other_member.role = "patient_advocate"
    other_member.open_to_speaking = True
    other_member.save()
    AffiliationFactory(user=other_member.user, title="Advocate", organization__name="Mercy")
    AffiliationFactory(user=other_member.user, title="Former", is_current=False)
    body = api_as(member.user).get(f"/members/{other_member.handle}").json()
    assert body["display_name"] == other_member.display_name
    assert body["role_label"] == "Patient advocate" and body["is_clinician"] is False
    assert body["specialties"] == [{"slug": "cardiology", "name": cardiology.name}]
    assert body["bio_html"] == "<p>I teach <em>echo</em>.</p>\n"
    assert body["open_to"] == ["speaking"]
    assert [a["title"] for a in body["current_affiliations"]] == ["Advocate"]
    assert body["current_affiliations"][0]["organization"]["name"] == "Mercy"


def test_handle_lookup_is_case_insensitive(member, other_member):
    """/members/{handle} finds the member whatever the case of the handle."""
    response = api_as(member.user).get(f"/members/{other_member.handle.upper()}")
    assert response.status_code == 200


def test_email_is_hidden_from_strangers_by_default(member, other_member):
    """With the default email visibility (nobody), other members see email null; the owner sees it."""
    assert api_as(member.user).get(f"/members/{other_member.handle}").json()["email"] is None
    own = api_as(other_member.user).get(f"/members/{other_member.handle}").json()
    assert own["email"] == other_member.user.email


def test_email_shown_to_members_when_shared_with_members(member, other_member):
    """email_visibility=members shows the email to members but never to visitors."""
    other_member.email_visibility = "members"
    other_member.visibility = "public"
    other_member.save()
    assert (
        api_as(member.user).get(f"/members/{other_member.handle}").json()["email"]
        == other_member.user.email
    )
    anonymous = ApiClient().get(f"/members/{other_member.handle}")
    assert anonymous.status_code == 200
    assert anonymous.json()["email"] is None
    assert other_member.user.email not in anonymous.content.decode()


def test_email_shared_with_connections_is_hidden_from_non_connections(member, other_member):
    """email_visibility=connections hides the email from members who are not connected."""
    other_member.email_visibility = "connections"
    other_member.save()
    assert api_as(member.user).get(f"/members/{other_member.handle}").json()["email"] is None


@pytest.mark.parametrize(
    ("level", "member_sees", "visitor_sees"),
    [
        ("public", True, True),
        ("members", True, False),
        ("connections", False, False),
        ("nobody", False, False),
    ],
)
def test_location_and_phone_follow_their_visibility(
    member, other_member, level, member_sees, visitor_sees
):
    """City/region/country and phone are shown exactly to the audience their owner chose."""
    other_member.visibility = "public"
    other_member.city, other_member.region, other_member.country = "Lyon", "ARA", "France"
    other_member.phone = "+33 4 00 00 00 00"
    other_member.location_visibility = level
    other_member.phone_visibility = level
    other_member.save()
    for api, sees in ((api_as(member.user), member_sees), (ApiClient(), visitor_sees)):
        body = api.get(f"/members/{other_member.handle}").json()
        assert (body["city"], body["region"], body["country"]) == (
            ("Lyon", "ARA", "France") if sees else (None, None, None)
        )
        assert body["phone"] == ("+33 4 00 00 00 00" if sees else None)


def test_search_cards_never_carry_contact_or_location_fields(member, other_member):
    """List items hold no email, phone, location or NPI, whatever the member shares."""
    other_member.visibility = "public"
    other_member.city = "Lyon"
    other_member.phone = "+33 4 00 00 00 00"
    other_member.npi = VALID_NPI
    other_member.location_visibility = other_member.phone_visibility = "public"
    other_member.email_visibility = "members"
    other_member.save()
    for api in (api_as(member.user), ApiClient()):
        response = api.get("/members", {"q": other_member.handle})
        item = response.json()["items"][0]
        assert item["handle"] == other_member.handle
        assert not {"email", "phone", "npi", "city", "region", "country"} & set(item)
        for secret in ("Lyon", "+33 4", VALID_NPI, other_member.user.email):
            assert secret not in response.content.decode()


def test_visitors_see_public_profiles_only(member, other_member):
    """Anonymous callers get public profiles and a 404 for members-only ones."""
    other_member.visibility = "public"
    other_member.save()
    anonymous = ApiClient()
    assert anonymous.get(f"/members/{other_member.handle}").status_code == 200
    assert_error(anonymous.get(f"/members/{member.handle}"), 404)


def test_unknown_and_deactivated_members_are_404(member, other_member):
    """An unknown handle, or a deactivated member's, is a 404 for everyone else."""
    api = api_as(member.user)
    assert_error(api.get("/members/nobody-by-this-name"), 404)
    other_member.user.is_active = False
    other_member.user.save()
    assert_error(api.get(f"/members/{other_member.handle}"), 404)


# --- GET /members: search --------------------------------------------------------------------


def test_search_finds_members_by_name_and_filters(member):
    """q, specialty, organization, role, goal and open_to narrow the results."""
    cardiology = Specialty.objects.get(slug="cardiology")
    org = OrganizationFactory(slug="mercy-hospital")
    alice = ProfileFactory(display_name="Alice Cardio", role="fellow", open_to_mentoring=True)
    alice.specialties.add(cardiology)
    AffiliationFactory(user=alice.user, organization=org)
    bob = ProfileFactory(display_name="Bob Other", role="nurse")
    api = api_as(member.user)

    def handles(**params):
        response = api.get("/members", params)
        assert response.status_code == 200, response.content
        return [item["handle"] for item in response.json()["items"]]

    assert handles(q="alice") == [alice.handle]
    assert handles(specialty="cardiology") == [alice.handle]
    assert handles(organization="mercy-hospital") == [alice.handle]
    assert handles(role="nurse") == [bob.handle]
    assert handles(open_to=["mentoring"]) == [alice.handle]
    assert handles(open_to=["mentoring", "speaking"]) == []
    assert handles(q="alice", role="nurse") == []
    assert set(handles()) == {member.handle, alice.handle, bob.handle}


def test_search_result_items_are_cards(member, other_member):
    """Each item carries the card fields: name, role, specialties, positions, NPI status."""
    item = api_as(member.user).get("/members", {"q": other_member.handle}).json()["items"][0]
    assert item["handle"] == other_member.handle
    assert {"role_label", "specialties", "current_affiliations", "npi_verified"} <= set(item)


def test_visitors_search_public_profiles_only(member, other_member):
    """Anonymous searches return public profiles only."""
    other_member.visibility = "public"
    other_member.save()
    items = ApiClient().get("/members").json()["items"]
    assert [i["handle"] for i in items] == [other_member.handle]


def test_location_search_never_reveals_hidden_locations(member, other_member):
    """A location search does not match members whose location is hidden from the viewer."""
    other_member.city = "Reykjavik"
    other_member.location_visibility = "nobody"
    other_member.save()
    assert api_as(member.user).get("/members", {"location": "reykjavik"}).json()["items"] == []
    other_member.location_visibility = "members"
    other_member.save()
    items = api_as(member.user).get("/members", {"location": "reykjavik"}).json()["items"]
    assert [i["handle"] for i in items] == [other_member.handle]


def test_search_paginates_without_counting(member):
    """page/page_size slice the results; has_next and next_page lead to the next page."""
    for n in range(4):
        ProfileFactory(display_name=f"Zed {n}")
    api = api_as(member.user)
    first = api.get("/members", {"q": "zed", "page_size": 3}).json()
    assert [i["display_name"] for i in first["items"]] == ["Zed 0", "Zed 1", "Zed 2"]
    assert first["has_next"] is True and first["next_page"] == 2
    assert first["page"] == 1 and first["page_size"] == 3
    second = api.get("/members", {"q": "zed", "page_size": 3, "page": 2}).json()
    assert [i["display_name"] for i in second["items"]] == ["Zed 3"]
    assert second["has_next"] is False and second["next_page"] is None
    beyond = api.get("/members", {"q": "zed", "page": 9}).json()
    assert beyond["items"] == [] and beyond["has_next"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"location": "y" * 201}, "location"),
        ({"specialty": "s" * 201}, "specialty"),
        ({"page": "abc"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "100000"}, "page"),
        ({"page_size": str(10**9)}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"role": "wizard"}, "role"),
        ({"open_to": ["everything"]}, "open_to"),
        ({"q": "nul\x00"}, "q"),
    ],
)
def test_search_rejects_bad_parameters_with_a_message(member, params, field):
    """Over-long text, bad numbers and unknown choices are a 422 naming the parameter."""
    data = assert_error(api_as(member.user).get("/members", params), 422, field)
    assert data["detail"].startswith(f"{field}: ")


def test_open_to_names_cover_every_profile_flag():
    """The API's short `open_to` names map one-to-one onto the profile's open_to_* fields."""
    from typing import get_args

    from rounds.profiles.models import OPEN_TO_FIELDS
    from rounds.profiles.schemas import OPEN_TO_SHORT, OpenTo

    assert set(OPEN_TO_SHORT) == set(OPEN_TO_FIELDS)
    assert set(OPEN_TO_SHORT.values()) == set(get_args(OpenTo))


def test_search_ignores_unknown_parameters(member):
    """Query parameters the endpoint does not know are ignored."""
    assert api_as(member.user).get("/members", {"sort": "chaos"}).status_code == 200


# --- organizations ---------------------------------------------------------------------------


def test_organization_search_and_detail(db):
    """Visitors can search organizations by name and kind and open one with its kind label."""
    OrganizationFactory(name="Mercy Hospital", slug="mercy", website="https://mercy.example")
    OrganizationFactory(name="Mercy Clinic", slug="mercy-clinic", kind="clinic")
    OrganizationFactory(name="Other Place", slug="other")
    api = ApiClient()
    names = [o["name"] for o in api.get("/organizations", {"q": "mercy"}).json()["items"]]
    assert names == ["Mercy Clinic", "Mercy Hospital"]
    clinics = api.get("/organizations", {"q": "mercy", "kind": "clinic"}).json()["items"]
    assert [o["slug"] for o in clinics] == ["mercy-clinic"]
    detail = api.get("/organizations/mercy").json()
    assert detail["kind"] == "hospital" and detail["kind_label"] == "Hospital"
    assert detail["website"] == "https://mercy.example"
    assert detail["city"] == "Springfield"
    assert_error(api.get("/organizations/nowhere"), 404)
    assert_error(api.get("/organizations", {"kind": "castle"}), 422, "kind")


def test_organization_members_are_filtered_for_the_viewer(member):
    """Current members are listed; visitors see public profiles only; former members never."""
    org = OrganizationFactory(slug="mercy")
    public = ProfileFactory(display_name="A Public", visibility="public")
    private = ProfileFactory(display_name="B Private")
    former = ProfileFactory(display_name="C Former", visibility="public")
    AffiliationFactory(user=public.user, organization=org)
    AffiliationFactory(user=private.user, organization=org)
    AffiliationFactory(user=former.user, organization=org, is_current=False)
    as_member = api_as(member.user).get("/organizations/mercy/members").json()
    assert [i["handle"] for i in as_member["items"]] == [public.handle, private.handle]
    as_visitor = ApiClient().get("/organizations/mercy/members").json()
    assert [i["handle"] for i in as_visitor["items"]] == [public.handle]
    assert_error(ApiClient().get("/organizations/nowhere/members"), 404)
    assert_error(ApiClient().get("/organizations/mercy/members", {"page_size": 101}), 422)


def test_member_adds_an_organization(member):
    """POST /organizations creates it (201, audited); a duplicate is a 409."""
    api = api_as(member.user)
    body = {
        "name": "Lakeside Clinic",
        "kind": "clinic",
        "city": "Madison",
        "website": "https://lakeside.example",
    }
    response = api.post("/organizations", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["slug"] == "lakeside-clinic-madison" and created["kind_label"] == "Clinic"
    assert Organization.objects.filter(slug=created["slug"]).exists()
    assert AuditEntry.objects.filter(action="organization.create", actor=member.user).exists()
    assert_error(api.post("/organizations", body), 409, "name")
    assert api.get(f"/organizations/{created['slug']}").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "kind": "castle"}, "kind"),
        ({"name": "", "kind": "clinic"}, "name"),
        ({"kind": "clinic"}, "name"),
        ({"name": "X", "kind": "clinic", "website": "javascript:alert(1)"}, "website"),
        ({"name": "X", "kind": "clinic", "website": "ftp://files.example"}, "website"),
        ({"name": "x" * 201, "kind": "clinic"}, "name"),
        ({"name": "X", "kind": "clinic", "verified": True}, "verified"),
    ],
)
def test_organization_create_validation(member, body, field):
    """Invalid organizations are a 422 on the offending field."""
    assert_error(api_as(member.user).post("/organizations", body), 422, field)


def test_visitors_cannot_add_organizations(db):
    """POST /organizations needs a member (401)."""
    assert_error(ApiClient().post("/organizations", {"name": "X", "kind": "clinic"}), 401)


# --- the journey -----------------------------------------------------------------------------


def test_signup_verify_login_edit_profile_and_appear_in_directory(settings):
    """A new physician signs up, confirms the email, logs in, edits the profile via the API and is
    found in the directory by another member."""
    settings.ACCOUNT_RATE_LIMITS = False
    browser = Client()
    signup = browser.post(
        "/accounts/signup/",
        {
            "email": "new.doc@example.org",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
            "display_name": "Dr. Nadia Okafor",
            "role": "physician",
        },
    )
    assert signup.status_code == 302, signup.content[:2000]
    assert len(mail.outbox) == 1
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body).group(1)
    confirm = browser.post(f"/accounts/confirm-email/{key}/")
    assert confirm.status_code == 302

    browser = Client()
    login = browser.post(
        "/accounts/login/",
        {"login": "new.doc@example.org", "password": "a-long-unusual-passphrase-42"},
    )
    assert login.status_code == 302
    session_api = ApiClient(browser)
    me = session_api.get("/me").json()
    assert me["account"]["email"] == "new.doc@example.org"
    assert me["profile"]["display_name"] == "Dr. Nadia Okafor"

    cardiology = Specialty.objects.get(slug="cardiology")
    org = OrganizationFactory(slug="lagos-heart")
    edited = session_api.patch(
        "/me/profile",
        {
            "headline": "Interventional cardiologist",
            "specialties": [cardiology.slug],
            "open_to_mentoring": True,
        },
    )
    assert edited.status_code == 200, edited.content
    assert session_api.post("/me/affiliations", {"organization": org.slug}).status_code == 201

    colleague = api_as(ProfileFactory().user)
    found = colleague.get(
        "/members",
        {"specialty": "cardiology", "organization": "lagos-heart", "open_to": "mentoring"},
    ).json()["items"]
    assert [m["display_name"] for m in found] == ["Dr. Nadia Okafor"]
    handle = found[0]["handle"]
    profile = colleague.get(f"/members/{handle}").json()
    assert profile["headline"] == "Interventional cardiologist"
    assert profile["email"] is None


@pytest.mark.parametrize("q", ["a", "jo"])
def test_member_search_asks_for_three_letters(member, q):
    """The API answers a one- or two-letter search with a 422 on ``q``."""
    response = api_as(member.user).get("/members", {"q": q})
    assert response.status_code == 422
    assert "Type at least 3 letters" in response.json()["errors"]["q"][0]
