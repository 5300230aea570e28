"""HTML pages of profiles: home, profile page, editor, directory and organizations."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rounds.core.models import AuditEntry
from rounds.profiles.models import Affiliation, Organization, Profile, Role, Specialty
from rounds.profiles.tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    ProfileFactory,
    UserFactory,
)

HTMX = {"HX-Request": "true"}
VALID_NPI = "1234567893"  # the CMS example: well formed (check digit matches)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories hash passwords; a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_client(client, db):
    staff = ProfileFactory(user=UserFactory(is_staff=True))
    client.force_login(staff.user)
    return client


def png_bytes(size: tuple[int, int] = (64, 64), *, noise: bool = False) -> bytes:
    image = (
        Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
        if noise
        else Image.new("RGB", size, (11, 95, 134))
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def section_url(section: str) -> str:
    return reverse("profiles:edit_section", args=[section])


# --- who may open which page ---------------------------------------------------------------

PAGE_MATRIX = [
    # (page, visitor, member, owner, staff)
    ("home", 200, 200, 200, 200),
    ("directory", 200, 200, 200, 200),
    ("organizations", 200, 200, 200, 200),
    ("organization", 200, 200, 200, 200),
    ("members_only_profile", 404, 200, 200, 200),
    ("public_profile", 200, 200, 200, 200),
    ("edit", 302, 200, 200, 200),
    ("settings", 302, 200, 200, 200),
]


@pytest.mark.parametrize(("page", "visitor", "member", "owner", "staff"), PAGE_MATRIX)
@pytest.mark.django_db
def test_pages_render_for_the_right_principals(client, page, visitor, member, owner, staff):
    """Each page answers visitors, members, the profile's owner and staff as intended."""
    owner_profile = ProfileFactory(visibility="members")
    public_profile = ProfileFactory(visibility="public")
    org = AffiliationFactory(user=owner_profile.user).organization
    urls = {
        "home": "/",
        "directory": reverse("profiles:directory"),
        "organizations": reverse("profiles:organizations"),
        "organization": reverse("profiles:organization", args=[org.slug]),
        "members_only_profile": reverse("profiles:detail", args=[owner_profile.handle]),
        "public_profile": reverse("profiles:detail", args=[public_profile.handle]),
        "edit": reverse("profiles:edit"),
        "settings": reverse("accounts:settings"),
    }
    principals = [
        (None, visitor),
        (ProfileFactory().user, member),
        (owner_profile.user, owner),
        (ProfileFactory(user=UserFactory(is_staff=True)).user, staff),
    ]
    for user, expected in principals:
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(urls[page]).status_code == expected, (page, user)


# --- home -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_for_visitors_explains_three_networks_and_offers_sign_up(client):
    """Visitors see the landing page: the three networks and sign-up / sign-in calls to action."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Operational", "Personal", "Strategic"):
        assert name in html
    assert reverse("account_signup") in html
    assert reverse("account_login") in html


def test_home_for_a_member_welcomes_and_teaches_how_to_start(member_client, member):
    """A signed-in member sees a welcome, completeness hints and how to start their network."""
    response = member_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Welcome, {member.display_name}" in html
    assert "% complete" in html
    assert reverse("profiles:affiliation_add") in html
    assert reverse("profiles:edit_section", args=["tags"]) in html


def test_home_links_to_colleagues_at_the_members_organization(member_client, member):
    """With a current position, home links to the directory filtered by that organization."""
    affiliation = AffiliationFactory(user=member.user)
    response = member_client.get("/")
    assert f"?organization={affiliation.organization.slug}" in response.content.decode()


@pytest.mark.django_db
def test_home_creates_a_profile_for_a_user_without_one(client):
    """A user without a profile (e.g. a superuser) gets one instead of an error."""
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get("/").status_code == 200
    assert Profile.objects.filter(user=user).exists()


# --- profile page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_profile_is_visible_to_visitors(client):
    """Visitors can open a public profile."""
    profile = ProfileFactory(visibility="public")
    response = client.get(reverse("profiles:detail", args=[profile.handle]))
    assert response.status_code == 200
    assert profile.display_name in response.content.decode()


@pytest.mark.django_db
def test_members_only_profile_is_404_for_visitors(client):
    """A members-only profile looks missing to visitors (404, our error page)."""
    profile = ProfileFactory(visibility="members")
    response = client.get(reverse("profiles:detail", args=[profile.handle]))
    assert response.status_code == 404
    assert "Skip to main content" in response.content.decode()  # rendered with our layout


def test_unknown_handle_is_404(member_client):
    """An unknown handle is a 404, never a 500."""
    assert member_client.get("/members/nobody-here/").status_code == 404
    assert member_client.get("/members/" + "x" * 500 + "/").status_code == 404


def test_members_only_profile_is_visible_to_members(member_client, other_member):
    """Signed-in members see members-only profiles."""
    response = member_client.get(reverse("profiles:detail", args=[other_member.handle]))
    assert response.status_code == 200


def test_inactive_members_profile_is_404(member_client):
    """Deactivated accounts' profiles are not shown."""
    gone = ProfileFactory(user=UserFactory(is_active=False), visibility="public")
    assert member_client.get(reverse("profiles:detail", args=[gone.handle])).status_code == 404


def test_profile_page_shows_the_details(member_client, other_member):
    """The profile shows headline, specialties, positions with links, goals, languages, open-to."""
    affiliation = AffiliationFactory(user=other_member.user, title="Hospitalist")
    past = AffiliationFactory(
        user=other_member.user, is_current=False, organization__name="Old Clinic"
    )
    other_member.specialties.set([Specialty.objects.get(slug="emergency-medicine")])
    other_member.languages = ["es", "fr"]
    other_member.open_to_mentoring = True
    other_member.save()
    html = member_client.get(
        reverse("profiles:detail", args=[other_member.handle])
    ).content.decode()
    assert "Emergency Medicine" in html
    assert reverse("profiles:organization", args=[affiliation.organization.slug]) in html
    assert past.organization.name in html
    assert "Spanish, French" in html
    assert "Mentoring others" in html


def test_bio_markdown_is_rendered_and_sanitised(member_client, other_member):
    """The bio renders Markdown and never passes through scripts."""
    other_member.bio = "I like **teaching**.\n\n<script>alert(1)</script>"
    other_member.save()
    html = member_client.get(
        reverse("profiles:detail", args=[other_member.handle])
    ).content.decode()
    assert "<strong>teaching</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_non_clinicians_are_clearly_labelled(member_client):
    """A patient advocate's profile says "Not a clinician"; a physician's does not."""
    advocate = ProfileFactory(role=Role.PATIENT_ADVOCATE)
    physician = ProfileFactory(role=Role.PHYSICIAN)
    advocate_html = member_client.get(reverse("profiles:detail", args=[advocate.handle]))
    physician_html = member_client.get(reverse("profiles:detail", args=[physician.handle]))
    assert "Not a clinician" in advocate_html.content.decode()
    assert "Not a clinician" not in physician_html.content.decode()


def test_npi_badges_distinguish_on_file_from_verified(member_client):
    """An NPI on file shows "NPI on file"; only a verified one shows "NPI verified"."""
    on_file = ProfileFactory(npi=VALID_NPI)
    html = member_client.get(reverse("profiles:detail", args=[on_file.handle])).content.decode()
    assert "NPI on file" in html
    assert "NPI verified" not in html
    assert VALID_NPI not in html  # the number itself is not shown to other members

    from django.utils import timezone

    on_file.npi_verified_at = timezone.now()
    on_file.save()
    html = member_client.get(reverse("profiles:detail", args=[on_file.handle])).content.decode()
    assert "NPI verified" in html
    assert "NPI on file" not in html


@pytest.mark.parametrize(
    ("level", "visitor", "member", "owner"),
    [
        ("nobody", False, False, True),
        ("connections", False, False, True),
        ("members", False, True, True),
        ("public", True, True, True),
    ],
)
@pytest.mark.django_db
def test_phone_and_location_follow_their_visibility(client, level, visitor, member, owner):
    """Phone and location show only to the audience their owner chose."""
    profile = ProfileFactory(
        visibility="public",
        phone="+1 555 010 9999",
        phone_visibility=level,
        city="Springfield",
        country="Atlantis",
        location_visibility=level,
    )
    url = reverse("profiles:detail", args=[profile.handle])
    stranger = ProfileFactory()
    for who, expected in ((None, visitor), (stranger.user, member), (profile.user, owner)):
        client.logout()
        if who is not None:
            client.force_login(who)
        html = client.get(url).content.decode()
        assert ("+1 555 010 9999" in html) is expected, (level, who)
        assert ("Atlantis" in html) is expected, (level, who)


@pytest.mark.parametrize(
    ("level", "member", "owner"),
    [("nobody", False, True), ("connections", False, True), ("members", True, True)],
)
@pytest.mark.django_db
def test_email_follows_its_visibility_and_never_reaches_visitors(client, level, member, owner):
    """The email address shows per its visibility and never to visitors."""
    profile = ProfileFactory(visibility="public", email_visibility=level)
    email = profile.user.email
    url = reverse("profiles:detail", args=[profile.handle])
    assert email not in client.get(url).content.decode()
    client.force_login(ProfileFactory().user)
    assert (email in client.get(url).content.decode()) is member
    client.force_login(profile.user)
    assert (email in client.get(url).content.decode()) is owner


def test_staff_see_the_verify_npi_button(staff_client):
    """Staff see the NPI verification control on a profile with an NPI."""
    target = ProfileFactory(npi=VALID_NPI)
    url = reverse("profiles:detail", args=[target.handle])
    verify = reverse("profiles:verify_npi", args=[target.handle])
    assert verify in staff_client.get(url).content.decode()


def test_members_do_not_see_the_verify_npi_button(member_client):
    """Members never see the staff NPI control."""
    target = ProfileFactory(npi=VALID_NPI)
    html = member_client.get(reverse("profiles:detail", args=[target.handle])).content.decode()
    assert reverse("profiles:verify_npi", args=[target.handle]) not in html


def test_staff_verify_and_unverify_an_npi(staff_client):
    """Staff verify (and withdraw) an NPI with a POST; each is audited."""
    target = ProfileFactory(npi=VALID_NPI)
    url = reverse("profiles:verify_npi", args=[target.handle])
    response = staff_client.post(url, {"verified": "1"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.npi_verified
    assert AuditEntry.objects.filter(action="profile.npi.verify").exists()
    staff_client.post(url, {"verified": "0"})
    target.refresh_from_db()
    assert not target.npi_verified


def test_staff_cannot_verify_a_missing_npi(staff_client):
    """Verifying a member without an NPI shows a message, changes nothing, never 500."""
    target = ProfileFactory()
    response = staff_client.post(
        reverse("profiles:verify_npi", args=[target.handle]), {"verified": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "no NPI on file" in response.content.decode()


def test_members_cannot_verify_an_npi(member_client):
    """A member's verify POST is refused with 403 and changes nothing."""
    target = ProfileFactory(npi=VALID_NPI)
    response = member_client.post(
        reverse("profiles:verify_npi", args=[target.handle]), {"verified": "1"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.npi_verified


def test_verify_npi_only_accepts_post(staff_client):
    """GET on the verify endpoint is 405."""
    target = ProfileFactory(npi=VALID_NPI)
    assert staff_client.get(reverse("profiles:verify_npi", args=[target.handle])).status_code == 405


# --- profile editor: pages ------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_requires_sign_in(client):
    """Visitors are sent to sign in."""
    response = client.get(reverse("profiles:edit"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_editor_page_shows_every_section_with_its_audience(member_client):
    """The editor lists every section and says who sees the information."""
    html = member_client.get(reverse("profiles:edit")).content.decode()
    for section in (
        "avatar",
        "basics",
        "about",
        "affiliations",
        "specialties",
        "tags",
        "languages",
        "open_to",
        "location",
        "contact",
        "visibility",
        "npi",
    ):
        assert f'id="section-{section}"' in html
    assert html.count("Who sees this") >= 10


@pytest.mark.parametrize(
    "section",
    [
        "basics",
        "about",
        "specialties",
        "tags",
        "languages",
        "location",
        "contact",
        "visibility",
        "open_to",
        "npi",
        "avatar",
    ],
)
def test_section_form_renders_as_page_and_as_fragment(member_client, section):
    """A section's form is a full page without htmx and just the section with htmx."""
    page = member_client.get(section_url(section))
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "<form" in page.content.decode()
    fragment = member_client.get(section_url(section), headers=HTMX)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    assert f'id="section-{section}"' in body
    assert "<form" in body
    assert "HX-Request" in fragment["Vary"]


def test_section_view_mode_fragment_for_cancel(member_client):
    """Cancel fetches the section back in view mode (no form)."""
    response = member_client.get(section_url("basics") + "?mode=view", headers=HTMX)
    assert response.status_code == 200
    assert "<form" not in response.content.decode()


def test_unknown_section_is_404(member_client):
    """Unknown sections are 404, for GET and POST."""
    assert member_client.get(section_url("secrets")).status_code == 404
    assert member_client.post(section_url("secrets"), {}).status_code == 404


# --- profile editor: saving each section ----------------------------------------------------

SECTION_POSTS = {
    "basics": (
        {
            "display_name": "Dr. Ana Ruiz",
            "handle": "ana-ruiz",
            "headline": "Hospitalist",
            "role": "physician",
            "career_stage": "mid",
        },
        lambda p: (
            p.handle == "ana-ruiz" and p.headline == "Hospitalist" and p.career_stage == "mid"
        ),
    ),
    "about": ({"bio": "I teach **ward rounds**."}, lambda p: p.bio == "I teach **ward rounds**."),
    "specialties": (
        {"specialties": ["emergency-medicine", "medical-toxicology"]},
        lambda p: (
            {s.slug for s in p.specialties.all()} == {"emergency-medicine", "medical-toxicology"}
        ),
    ),
    "tags": (
        {
            "goals": ["find-a-mentor"],
            "goals_other": "Start a clinic, Global surgery",
            "interests": ["telehealth"],
            "interests_other": "",
        },
        lambda p: (
            {g.slug for g in p.goals.all()} == {"find-a-mentor", "start-a-clinic", "global-surgery"}
            and {i.slug for i in p.interests.all()} == {"telehealth"}
        ),
    ),
    "languages": ({"languages": ["es", "en"]}, lambda p: set(p.languages) == {"es", "en"}),
    "location": (
        {"city": "Lyon", "region": "", "country": "France", "location_visibility": "public"},
        lambda p: p.city == "Lyon" and p.location_visibility == "public",
    ),
    "contact": (
        {
            "phone": "+33 1 23 45 67 89",
            "phone_visibility": "members",
            "email_visibility": "members",
        },
        lambda p: p.phone == "+33 1 23 45 67 89" and p.email_visibility == "members",
    ),
    "visibility": ({"visibility": "public"}, lambda p: p.visibility == "public"),
    "open_to": (
        {"open_to_mentoring": "on", "open_to_speaking": "on"},
        lambda p: p.open_to_mentoring and p.open_to_speaking and not p.open_to_volunteering,
    ),
    "npi": ({"npi": "1234-567-893"}, lambda p: p.npi == VALID_NPI and not p.npi_verified),
}


@pytest.mark.parametrize("section", sorted(SECTION_POSTS))
def test_section_saves_with_a_plain_post(member_client, member, section):
    """Without JavaScript a section saves with a POST and redirects back to the editor."""
    data, check = SECTION_POSTS[section]
    response = member_client.post(section_url(section), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#section-{section}")
    member.refresh_from_db()
    assert check(member)
    followed = member_client.get(response["Location"])
    assert "saved" in followed.content.decode()


@pytest.mark.parametrize("section", sorted(SECTION_POSTS))
def test_section_saves_with_htmx_and_swaps_back_to_view_mode(member_client, member, section):
    """With htmx a section saves and returns just the section in view mode, saying Saved."""
    data, check = SECTION_POSTS[section]
    response = member_client.post(section_url(section), data, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="section-{section}"' in body
    assert "Saved." in body
    assert 'method="post"' not in body or section == "avatar"
    member.refresh_from_db()
    assert check(member)


def test_open_to_unchecked_boxes_turn_flags_off(member_client, member):
    """Unchecking every open-to box clears the flags."""
    member.open_to_mentoring = True
    member.save()
    member_client.post(section_url("open_to"), {})
    member.refresh_from_db()
    assert not member.open_to_mentoring


def test_existing_own_goals_stay_checked(member_client, member):
    """A member's own (uncurated) goal appears as a checked box next time."""
    member_client.post(section_url("tags"), {"goals_other": "Write a textbook"})
    html = member_client.get(section_url("tags")).content.decode()
    tag = re.search(r'<input[^>]*value="write-a-textbook"[^>]*>', html)
    assert tag is not None
    assert "checked" in tag.group(0)


# --- profile editor: validation -------------------------------------------------------------


def _assert_unchanged(member: Profile, **fields) -> None:
    member.refresh_from_db()
    for name, value in fields.items():
        assert getattr(member, name) == value, name


@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_npi_is_422_with_the_message_and_changes_nothing(member_client, member, htmx):
    """A malformed NPI (bad check digit) is refused with 422 and a clear message."""
    response = member_client.post(
        section_url("npi"), {"npi": "1234567890"}, headers=HTMX if htmx else {}
    )
    assert response.status_code == 422
    assert "check digit" in response.content.decode()
    assert ("<html" in response.content.decode()) is not htmx
    _assert_unchanged(member, npi=None)


@pytest.mark.parametrize("htmx", [False, True])
def test_taken_handle_is_422_and_changes_nothing(member_client, member, other_member, htmx):
    """Choosing another member's handle is refused with 422; nothing is saved."""
    data = {
        "display_name": "New Name",
        "handle": other_member.handle,
        "headline": "",
        "role": "physician",
        "career_stage": "na",
    }
    response = member_client.post(section_url("basics"), data, headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert "already taken" in response.content.decode()
    _assert_unchanged(member, handle=member.handle, display_name=member.display_name)


def test_over_long_headline_is_422(member_client, member):
    """A headline over 160 characters is refused with the limit in the message."""
    data = {
        "display_name": member.display_name,
        "handle": member.handle,
        "headline": "x" * 161,
        "role": "physician",
        "career_stage": "na",
    }
    response = member_client.post(section_url("basics"), data)
    assert response.status_code == 422
    assert "At most 160 characters" in response.content.decode()
    _assert_unchanged(member, headline="Internist and clinical educator")


def test_bad_role_is_422(member_client, member):
    """An unknown role is refused with 422."""
    data = {
        "display_name": member.display_name,
        "handle": member.handle,
        "headline": "",
        "role": "wizard",
        "career_stage": "na",
    }
    response = member_client.post(section_url("basics"), data)
    assert response.status_code == 422
    assert "valid choice" in response.content.decode()
    _assert_unchanged(member, role="physician")


def test_reserved_handle_is_422(member_client, member):
    """Reserved handles (e.g. "admin") are refused."""
    data = {
        "display_name": member.display_name,
        "handle": "admin",
        "headline": "",
        "role": "physician",
        "career_stage": "na",
    }
    response = member_client.post(section_url("basics"), data)
    assert response.status_code == 422
    assert "reserved" in response.content.decode()


def test_unknown_specialty_is_422(member_client, member):
    """A specialty outside the vocabulary is refused."""
    response = member_client.post(section_url("specialties"), {"specialties": ["astrology"]})
    assert response.status_code == 422
    assert member.specialties.count() == 0


def test_too_many_specialties_is_422(member_client, member):
    """More than 10 specialties is refused with a message."""
    slugs = list(Specialty.objects.values_list("slug", flat=True)[:11])
    response = member_client.post(section_url("specialties"), {"specialties": slugs})
    assert response.status_code == 422
    assert "At most 10" in response.content.decode()


def test_bad_phone_is_422(member_client, member):
    """A phone number with letters is refused."""
    data = {"phone": "call me maybe", "phone_visibility": "nobody", "email_visibility": "nobody"}
    response = member_client.post(section_url("contact"), data)
    assert response.status_code == 422
    _assert_unchanged(member, phone="")


def test_public_email_visibility_is_refused(member_client, member):
    """Email visibility cannot be public."""
    data = {"phone": "", "phone_visibility": "nobody", "email_visibility": "public"}
    response = member_client.post(section_url("contact"), data)
    assert response.status_code == 422
    _assert_unchanged(member, email_visibility="nobody")


def test_npi_taken_by_another_member_is_422(member_client, member):
    """An NPI already on file for someone else is refused."""
    ProfileFactory(npi=VALID_NPI)
    response = member_client.post(section_url("npi"), {"npi": VALID_NPI})
    assert response.status_code == 422
    assert "already on file" in response.content.decode()
    _assert_unchanged(member, npi=None)


def test_npi_can_be_removed(member_client, member):
    """The Remove button takes the NPI off file."""
    member.npi = VALID_NPI
    member.save()
    response = member_client.post(section_url("npi"), {"npi": VALID_NPI, "remove": "1"})
    assert response.status_code == 302
    _assert_unchanged(member, npi=None)


def test_editor_explains_npi_verification_is_done_by_staff(member_client):
    """The NPI section explains that staff verify it."""
    html = member_client.get(section_url("npi")).content.decode()
    assert "staff" in html


# --- avatar ---------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_avatar_upload_through_the_page(member_client, member, htmx):
    """A real PNG uploads, is re-encoded as JPEG, and shows on the profile."""
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = member_client.post(
        section_url("avatar"), {"avatar": upload}, headers=HTMX if htmx else {}
    )
    assert response.status_code == (200 if htmx else 302)
    member.refresh_from_db()
    assert member.avatar.name.endswith(".jpg")
    html = member_client.get(reverse("profiles:detail", args=[member.handle])).content.decode()
    assert member.avatar.url in html


def test_text_file_renamed_png_is_rejected(member_client, member):
    """A text file named .png is refused with a message; no avatar is stored."""
    upload = SimpleUploadedFile("me.png", b"not an image at all", content_type="image/png")
    response = member_client.post(section_url("avatar"), {"avatar": upload})
    assert response.status_code == 422
    assert "not an image we can read" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_over_the_limit_is_rejected(member_client, member, settings):
    """A photo over the size limit is refused with the limit in the message."""
    settings.AVATAR_MAX_BYTES = 1024 * 1024
    data = png_bytes((700, 700), noise=True)
    assert len(data) > settings.AVATAR_MAX_BYTES
    upload = SimpleUploadedFile("big.png", data, content_type="image/png")
    response = member_client.post(section_url("avatar"), {"avatar": upload})
    assert response.status_code == 422
    assert "at most 1 MB" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_request_over_the_body_limit_is_413_not_500(member_client, settings):
    """A body over the request limit is refused early with 413."""
    settings.MAX_REQUEST_BODY_BYTES = 10_000
    upload = SimpleUploadedFile("big.png", png_bytes((200, 200), noise=True))
    response = member_client.post(section_url("avatar"), {"avatar": upload})
    assert response.status_code == 413


def test_avatar_missing_file_is_422(member_client):
    """Submitting the avatar form without a file is a 422 with a message."""
    response = member_client.post(section_url("avatar"), {})
    assert response.status_code == 422


def test_avatar_can_be_removed(member_client, member):
    """Remove photo clears the avatar; initials show instead."""
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    member_client.post(section_url("avatar"), {"avatar": upload})
    response = member_client.post(reverse("profiles:avatar_remove"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.avatar


# --- affiliations ---------------------------------------------------------------------------


def test_add_position_page_searches_organizations(member_client):
    """The add-position form finds organizations by name (plain GET)."""
    OrganizationFactory(name="Mercy General")
    OrganizationFactory(name="Unrelated Clinic")
    response = member_client.get(reverse("profiles:affiliation_add") + "?org_q=mercy")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mercy General" in html
    assert "Unrelated Clinic" not in html


def test_organization_picker_fragment_for_htmx(member_client):
    """The picker's search returns only the options fragment to htmx."""
    OrganizationFactory(name="Mercy General")
    response = member_client.get(
        reverse("profiles:affiliation_org_options") + "?org_q=mercy", headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="org-options"' in body
    assert "<html" not in body
    assert "Mercy General" in body


def test_organization_picker_without_htmx_redirects_to_the_form(member_client):
    """Without htmx the picker URL goes to the full add-position page."""
    response = member_client.get(reverse("profiles:affiliation_org_options") + "?org_q=mercy")
    assert response.status_code == 302
    assert reverse("profiles:affiliation_add") in response["Location"]


@pytest.mark.parametrize("htmx", [False, True])
def test_add_a_position(member_client, member, htmx):
    """A member adds a current position at an organization."""
    org = OrganizationFactory()
    response = member_client.post(
        reverse("profiles:affiliation_add"),
        {
            "organization": org.slug,
            "title": "Fellow",
            "department": "Cardiology",
            "is_current": "on",
        },
        headers=HTMX if htmx else {},
    )
    assert response.status_code == (200 if htmx else 302)
    affiliation = Affiliation.objects.get(user=member.user)
    assert affiliation.organization == org
    assert affiliation.title == "Fellow"


def test_add_a_position_without_organization_is_422(member_client, member):
    """The organization must be chosen from the list."""
    response = member_client.post(
        reverse("profiles:affiliation_add"), {"organization": "no-such-org", "title": "Fellow"}
    )
    assert response.status_code == 422
    assert "Choose an organization" in response.content.decode()
    assert not Affiliation.objects.filter(user=member.user).exists()


def test_add_a_position_with_end_before_start_is_422(member_client, member):
    """Dates are validated by the service and shown on the form."""
    org = OrganizationFactory()
    response = member_client.post(
        reverse("profiles:affiliation_add"),
        {"organization": org.slug, "start_date": "2020-05-01", "end_date": "2019-01-01"},
    )
    assert response.status_code == 422
    assert "before the start date" in response.content.decode()


def test_edit_a_position(member_client, member):
    """A member edits their own position (plain POST and htmx)."""
    affiliation = AffiliationFactory(user=member.user)
    url = reverse("profiles:affiliation_edit", args=[affiliation.pk])
    assert member_client.get(url).status_code == 200
    assert member_client.get(url, headers=HTMX).status_code == 200
    response = member_client.post(url, {"title": "Chief resident", "is_current": "on"})
    assert response.status_code == 302
    affiliation.refresh_from_db()
    assert affiliation.title == "Chief resident"
    response = member_client.post(url, {"title": "Chief", "is_current": "on"}, headers=HTMX)
    assert response.status_code == 200
    affiliation.refresh_from_db()
    assert affiliation.title == "Chief"


def test_edit_a_current_position_with_end_date_is_422(member_client, member):
    """A current position cannot have an end date."""
    affiliation = AffiliationFactory(user=member.user)
    url = reverse("profiles:affiliation_edit", args=[affiliation.pk])
    response = member_client.post(url, {"is_current": "on", "end_date": "2020-01-01"})
    assert response.status_code == 422
    assert "no end date" in response.content.decode()


def test_someone_elses_position_is_404(member_client, other_member):
    """Editing or removing another member's position is a 404."""
    theirs = AffiliationFactory(user=other_member.user)
    assert (
        member_client.get(reverse("profiles:affiliation_edit", args=[theirs.pk])).status_code == 404
    )
    assert (
        member_client.post(reverse("profiles:affiliation_remove", args=[theirs.pk])).status_code
        == 404
    )
    assert Affiliation.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_out_of_range_position_ids_are_404(member_client, pk):
    """Ids no database could hold are 404, never an overflow 500."""
    assert member_client.get(f"/profile/edit/affiliations/{pk}/").status_code == 404
    assert member_client.post(f"/profile/edit/affiliations/{pk}/").status_code == 404
    assert member_client.post(f"/profile/edit/affiliations/{pk}/remove/").status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
def test_remove_a_position(member_client, member, htmx):
    """A member removes their own position."""
    affiliation = AffiliationFactory(user=member.user)
    response = member_client.post(
        reverse("profiles:affiliation_remove", args=[affiliation.pk]), headers=HTMX if htmx else {}
    )
    assert response.status_code == (200 if htmx else 302)
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()


def test_add_a_missing_organization_then_the_position(member_client, member):
    """A missing organization can be added, then chosen for the new position."""
    new = reverse("profiles:organization_new")
    assert member_client.get(new + "?name=Harbor").status_code == 200
    response = member_client.post(
        new, {"name": "Harbor Free Clinic", "kind": "clinic", "city": "Portland"}
    )
    assert response.status_code == 302
    org = Organization.objects.get(name="Harbor Free Clinic")
    page = member_client.get(response["Location"])
    assert f'value="{org.slug}"' in page.content.decode()
    member_client.post(reverse("profiles:affiliation_add"), {"organization": org.slug})
    assert Affiliation.objects.filter(user=member.user, organization=org).exists()


def test_add_a_missing_organization_with_htmx_continues_to_the_position(member_client):
    """With htmx, creating an organization swaps in the add-position form with it chosen."""
    response = member_client.post(
        reverse("profiles:organization_new"),
        {"name": "Harbor Free Clinic", "kind": "clinic"},
        headers=HTMX,
    )
    org = Organization.objects.get(name="Harbor Free Clinic")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{org.slug}"' in body
    assert "checked" in body


def test_duplicate_organization_is_422(member_client):
    """An organization that already exists is refused with a pointer to the list."""
    OrganizationFactory(name="Mercy General", city="Springfield")
    response = member_client.post(
        reverse("profiles:organization_new"),
        {"name": "Mercy General", "kind": "hospital", "city": "Springfield"},
    )
    assert response.status_code == 422
    assert "already listed" in response.content.decode()


def test_organization_with_bad_website_is_422(member_client):
    """A website must be an http(s) address."""
    response = member_client.post(
        reverse("profiles:organization_new"),
        {"name": "Somewhere", "kind": "clinic", "website": "javascript:alert(1)"},
    )
    assert response.status_code == 422


# --- directory ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_directory_for_visitors_shows_public_profiles_only(client):
    """Visitors see public profiles only."""
    public = ProfileFactory(visibility="public")
    private = ProfileFactory(visibility="members")
    html = client.get(reverse("profiles:directory")).content.decode()
    assert public.display_name in html
    assert private.display_name not in html


def test_directory_for_members_shows_everyone(member_client, other_member):
    """Members see members-only profiles too."""
    html = member_client.get(reverse("profiles:directory")).content.decode()
    assert other_member.display_name in html


def _directory_names(client, **params) -> str:
    response = client.get(reverse("profiles:directory"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_directory_filters_by_name(member_client):
    """The q filter matches names."""
    hit = ProfileFactory(display_name="Zora Quintero")
    miss = ProfileFactory(display_name="Abe Miller")
    html = _directory_names(member_client, q="quintero")
    assert hit.display_name in html
    assert miss.display_name not in html


def test_directory_filters_by_specialty(member_client):
    """The specialty filter matches members with that specialty."""
    hit = ProfileFactory(display_name="Hit Person")
    hit.specialties.set([Specialty.objects.get(slug="dermatology")])
    miss = ProfileFactory(display_name="Miss Person")
    html = _directory_names(member_client, specialty="dermatology")
    assert hit.display_name in html
    assert miss.display_name not in html


def test_directory_filters_by_organization(member_client):
    """The organization filter matches current positions and names the organization."""
    org = OrganizationFactory(name="Lakeside Hospital")
    hit = ProfileFactory(display_name="Hit Person")
    AffiliationFactory(user=hit.user, organization=org)
    past = ProfileFactory(display_name="Past Person")
    AffiliationFactory(user=past.user, organization=org, is_current=False)
    html = _directory_names(member_client, organization=org.slug)
    assert hit.display_name in html
    assert past.display_name not in html
    assert "Lakeside Hospital" in html


def test_directory_filters_by_location_respecting_visibility(member_client):
    """Location matches only members whose location the viewer may see."""
    shown = ProfileFactory(display_name="Shown Person", city="Lyon", location_visibility="members")
    hidden = ProfileFactory(display_name="Hidden Person", city="Lyon", location_visibility="nobody")
    html = _directory_names(member_client, location="lyon")
    assert shown.display_name in html
    assert hidden.display_name not in html


def test_directory_filters_by_role(member_client):
    """The role filter matches that role."""
    hit = ProfileFactory(display_name="Hit Person", role=Role.PHARMACIST)
    miss = ProfileFactory(display_name="Miss Person", role=Role.PHYSICIAN)
    html = _directory_names(member_client, role="pharmacist")
    assert hit.display_name in html
    assert miss.display_name not in html


def test_directory_filters_by_goal_and_interest(member_client, member):
    """The goal and interest filters match members' goals and interests."""
    from rounds.profiles.models import Goal, Interest

    hit = ProfileFactory(display_name="Hit Person")
    hit.goals.set([Goal.objects.get(slug="find-a-mentor")])
    hit.interests.set([Interest.objects.get(slug="telehealth")])
    miss = ProfileFactory(display_name="Miss Person")
    assert hit.display_name in _directory_names(member_client, goal="find-a-mentor")
    assert miss.display_name not in _directory_names(member_client, goal="find-a-mentor")
    assert hit.display_name in _directory_names(member_client, interest="telehealth")
    assert miss.display_name not in _directory_names(member_client, interest="telehealth")


def test_directory_filters_by_open_to_flags(member_client):
    """Open-to flags filter (several combine with AND)."""
    both = ProfileFactory(display_name="Both Flags", open_to_mentoring=True, open_to_speaking=True)
    one = ProfileFactory(display_name="One Flag", open_to_mentoring=True)
    html = _directory_names(member_client, open_to=["open_to_mentoring", "open_to_speaking"])
    assert both.display_name in html
    assert one.display_name not in html


def test_directory_cards_show_the_essentials(member_client):
    """Cards show initials, name, headline, role and current organization."""
    person = ProfileFactory(display_name="Ana Ruiz", headline="Hospitalist")
    AffiliationFactory(user=person.user, organization__name="Lakeside Hospital")
    html = _directory_names(member_client, q="Ruiz")
    assert ">AR<" in html
    assert "Hospitalist" in html
    assert "Lakeside Hospital" in html
    assert "Physician" in html


def test_directory_paginates_and_keeps_filters(member_client, settings):
    """Pages link to each other and keep the filters in the links."""
    settings.DIRECTORY_PAGE_SIZE = 2
    for index in range(5):
        ProfileFactory(display_name=f"Paged {index}", role=Role.NURSE)
    first = _directory_names(member_client, role="nurse")
    assert "Paged 0" in first and "Paged 2" not in first
    assert "role=nurse" in first and "page=2" in first
    second = _directory_names(member_client, role="nurse", page="2")
    assert "Paged 2" in second and "Paged 0" not in second
    assert "page=1" in second and "page=3" in second


@pytest.mark.parametrize("page", ["0", "-3", "abc", "1e9", "99999999999999999999", ""])
def test_directory_invalid_page_numbers_never_fail(member_client, page):
    """Junk page numbers fall back to a valid page; never a 500."""
    response = member_client.get(reverse("profiles:directory"), {"page": page})
    assert response.status_code == 200


def test_directory_over_long_query_is_400_with_a_message(member_client):
    """A query over 200 characters is refused with 400 and a message."""
    response = member_client.get(reverse("profiles:directory"), {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"role": "wizard"},
        {"open_to": "open_to_crime"},
        {"specialty": "s" * 500},
        {"organization": "o" * 500},
        {"q": "bad\x00byte"},
    ],
)
def test_directory_bad_params_are_400_never_500(member_client, params):
    """Invalid filter values are a 400 page with a message, never a 500."""
    response = member_client.get(reverse("profiles:directory"), params)
    assert response.status_code == 400
    assert "could not run that search" in response.content.decode()


def test_directory_unknown_slugs_just_match_nobody(member_client, other_member):
    """Unknown specialty or organization slugs are valid searches with no results."""
    html = _directory_names(member_client, specialty="no-such", organization="no-such-org")
    assert other_member.display_name not in html
    assert "No members match" in html


def test_directory_htmx_returns_results_fragment_with_status(member_client, other_member):
    """htmx gets just the results and an out-of-band status line for screen readers."""
    response = member_client.get(reverse("profiles:directory"), headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="results"' in body
    assert 'hx-swap-oob="true"' in body
    assert other_member.display_name in body


def test_directory_empty_state_teaches(member_client):
    """With no matches, the directory says what to do next."""
    html = _directory_names(member_client, q="nobody-is-called-this")
    assert "No members match" in html
    assert "Clear all filters" in html


# --- organizations --------------------------------------------------------------------------


@pytest.mark.django_db
def test_organizations_list_searches_and_filters_by_kind(client):
    """Organizations are searchable by name and filterable by kind, for visitors too."""
    OrganizationFactory(name="Mercy General", kind="hospital")
    OrganizationFactory(name="Mercy Free Clinic", kind="clinic")
    html = client.get(reverse("profiles:organizations"), {"q": "mercy", "kind": "clinic"})
    assert html.status_code == 200
    body = html.content.decode()
    assert "Mercy Free Clinic" in body
    assert "Mercy General" not in body


@pytest.mark.django_db
def test_organizations_list_paginates(client, settings):
    """The organizations list is paginated."""
    settings.DIRECTORY_PAGE_SIZE = 2
    for index in range(3):
        OrganizationFactory(name=f"Org {index}")
    body = client.get(reverse("profiles:organizations")).content.decode()
    assert "page=2" in body
    body = client.get(reverse("profiles:organizations"), {"page": "2"}).content.decode()
    assert "Org 2" in body


@pytest.mark.django_db
def test_organizations_bad_params_are_400(client):
    """Over-long searches and unknown kinds are 400, never 500."""
    assert client.get(reverse("profiles:organizations"), {"q": "x" * 201}).status_code == 400
    assert client.get(reverse("profiles:organizations"), {"kind": "castle"}).status_code == 400


@pytest.mark.django_db
def test_organization_page_lists_current_members_visible_to_the_viewer(client):
    """An organization page lists current members the viewer may see."""
    org = OrganizationFactory(name="Lakeside Hospital")
    public = ProfileFactory(display_name="Public Person", visibility="public")
    private = ProfileFactory(display_name="Private Person", visibility="members")
    for profile in (public, private):
        AffiliationFactory(user=profile.user, organization=org)
    url = reverse("profiles:organization", args=[org.slug])
    html = client.get(url).content.decode()
    assert "Lakeside Hospital" in html
    assert "Public Person" in html
    assert "Private Person" not in html
    client.force_login(ProfileFactory().user)
    html = client.get(url).content.decode()
    assert "Private Person" in html


@pytest.mark.django_db
def test_unknown_organization_is_404(client):
    """Unknown organization slugs are 404."""
    assert client.get("/organizations/no-such-place/").status_code == 404


def test_organization_members_fragment_for_htmx(member_client):
    """Paging an organization's members with htmx returns just the members list."""
    org = OrganizationFactory()
    response = member_client.get(reverse("profiles:organization", args=[org.slug]), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'id="members"' in response.content.decode()


# --- layout ---------------------------------------------------------------------------------


def test_layout_is_accessible_and_htmx_ready(member_client, member):
    """Every page has a skip link, landmarks, the CSRF header for htmx, and local assets only."""
    html = member_client.get("/").content.decode()
    assert 'href="#main"' in html
    assert '<main id="main"' in html
    assert 'aria-label="Main"' in html
    assert "X-CSRFToken" in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/css/rounds.css" in html
    assert "https://" not in html.split("<body")[0]  # no CDN in <head>
    assert reverse("profiles:detail", args=[member.handle]) in html
    assert reverse("accounts:settings") in html


@pytest.mark.django_db
def test_current_page_is_marked_in_navigation(client):
    """The navigation marks the current page with aria-current."""
    html = client.get(reverse("profiles:directory")).content.decode()
    assert 'href="/members/" aria-current="page"' in html


def test_messages_are_shown(member_client, member):
    """Django messages appear on the next page."""
    response = member_client.post(section_url("about"), {"bio": "Hello"}, follow=True)
    assert "About: saved." in response.content.decode()


@pytest.mark.parametrize("q", ["a", "jo", " x "])
def test_directory_asks_for_three_letters(member_client, q):
    """A one- or two-letter search is a 400 that says how many letters to type (no index
    serves such fragments: they scanned every member)."""
    response = member_client.get(reverse("profiles:directory"), {"q": q})
    assert response.status_code == 400
    assert "Type at least 3 letters" in response.content.decode()
