"""Account pages: settings, API tokens, allauth pages in our layout, and the sign-up journey."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from rounds.accounts.models import ApiToken
from rounds.accounts.services import token_digest
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory, UserFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fast_passwords_and_no_rate_limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- settings page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_settings_requires_sign_in(client):
    """Visitors are sent to sign in."""
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_settings_links_to_security_pages_and_privacy(member_client):
    """Settings link to email, password, two-factor and the profile's privacy controls."""
    response = member_client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("account_email", "account_change_password", "mfa_index", "profiles:edit"):
        assert reverse(name) in html
    assert "Privacy" in html
    assert "API tokens" in html


@pytest.mark.django_db
def test_settings_work_for_a_user_without_a_profile(client):
    """A superuser without a profile gets one rather than an error."""
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    assert client.get(reverse("accounts:settings")).status_code == 200
    assert Profile.objects.filter(user=user).exists()


# --- API tokens -----------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_stored_hashed(member_client, member):
    """Creating a token shows its secret once; only its SHA-256 digest is stored."""
    response = member_client.post(reverse("accounts:token_create"), {"name": "Zotero sync"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = re.search(r'value="(rnd_[^"]+)"', html).group(1)
    token = ApiToken.objects.get(user=member.user)
    assert token.name == "Zotero sync"
    assert token.digest == token_digest(secret)
    assert secret not in {token.prefix, token.digest, token.name}
    assert secret.startswith(token.prefix)
    settings_html = member_client.get(reverse("accounts:settings")).content.decode()
    assert "Zotero sync" in settings_html
    assert f"{token.prefix}…" in settings_html
    assert secret not in settings_html


def test_created_token_authenticates_the_api(member_client, member, client):
    """The secret shown works as a bearer token (and only the secret)."""
    from rounds.accounts.services import api_token_authenticate

    html = member_client.post(reverse("accounts:token_create"), {"name": "Script"}).content.decode()
    secret = re.search(r'value="(rnd_[^"]+)"', html).group(1)
    assert api_token_authenticate(secret) == member.user


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_token_name_is_validated(member_client, member, name):
    """A missing or over-long name is a 422 with the message on the settings page."""
    response = member_client.post(reverse("accounts:token_create"), {"name": name})
    assert response.status_code == 422
    assert "API tokens" in response.content.decode()
    assert not ApiToken.objects.filter(user=member.user).exists()


def test_token_limit_is_enforced_with_a_message(member_client, member):
    """After the maximum number of active tokens, creating another is refused with a message."""
    from rounds.accounts.services import MAX_ACTIVE_TOKENS, api_token_create

    for index in range(MAX_ACTIVE_TOKENS):
        api_token_create(actor=member.user, name=f"t{index}")
    response = member_client.post(reverse("accounts:token_create"), {"name": "one more"})
    assert response.status_code == 422
    assert "revoke one first" in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_revoke_a_token(member_client, member, htmx):
    """Revoking marks the token revoked and shows it as such."""
    from rounds.accounts.services import api_token_create

    token, _ = api_token_create(actor=member.user, name="Old script")
    response = member_client.post(
        reverse("accounts:token_revoke", args=[token.pk]), headers=HTMX if htmx else {}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    if htmx:
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" not in body
        assert "Revoked" in body
    else:
        assert response.status_code == 302
        page = member_client.get(response["Location"]).content.decode()
        assert "revoked" in page


def test_revoking_someone_elses_token_is_404(member_client):
    """Another member's token cannot be revoked (404), and stays active."""
    from rounds.accounts.services import api_token_create

    other = ProfileFactory()
    token, _ = api_token_create(actor=other.user, name="Theirs")
    response = member_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_out_of_range_token_id_is_404(member_client):
    """A token id no database could hold is a 404, never an overflow 500."""
    response = member_client.post("/settings/tokens/99999999999999999999999/revoke/")
    assert response.status_code == 404


def test_token_endpoints_only_accept_post(member_client):
    """Creating and revoking need POST."""
    assert member_client.get(reverse("accounts:token_create")).status_code == 405
    assert member_client.get(reverse("accounts:token_revoke", args=[1])).status_code == 405


# --- allauth pages in our layout ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
@pytest.mark.django_db
def test_allauth_entrance_pages_use_our_layout(client, name):
    """Sign-in, sign-up and password reset pages render inside the Rounds layout."""
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skip to main content" in html
    assert "auth-card" in html
    assert "/static/css/rounds.css" in html


@pytest.mark.django_db
def test_signup_page_has_name_and_role_with_labels(client):
    """Sign-up asks for the name and role, each with a visible label."""
    html = client.get(reverse("account_signup")).content.decode()
    assert 'name="display_name"' in html
    assert 'name="role"' in html
    assert 'for="id_display_name"' in html
    assert "Patient advocate" in html


@pytest.mark.parametrize(
    "name", ["account_email", "account_change_password", "mfa_index", "account_logout"]
)
def test_allauth_manage_pages_use_our_layout(member_client, name):
    """Email, password, two-factor and sign-out pages render inside the Rounds layout."""
    response = member_client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skip to main content" in html
    assert "manage-card" in html


@pytest.mark.django_db
def test_two_factor_activation_recovery_codes_and_deactivation(client):
    """TOTP can be activated, recovery codes viewed, and TOTP deactivated through our pages."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    profile = ProfileFactory()
    client.force_login(profile.user)
    # Sensitive changes ask for the password again, on our layout.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    reauth = client.get(response["Location"])
    assert "Skip to main content" in reauth.content.decode()
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "qr-code" in page.content.decode()
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert "manage-card" in codes.content.decode()
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


@pytest.mark.django_db
def test_failed_sign_in_shows_the_error_in_our_layout(client):
    """A wrong password re-renders the sign-in page with a message."""
    profile = ProfileFactory()
    response = client.post(
        reverse("account_login"), {"login": profile.user.email, "password": "wrong-password"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "form-errors" in html
    assert "Skip to main content" in html


# --- the whole journey ----------------------------------------------------------------------


@pytest.mark.django_db
def test_signup_verify_login_edit_profile_and_appear_in_directory(client):
    """A new member signs up, confirms their email, edits their profile and is found."""
    email = "new.doctor@example.org"
    password = "a-long-unusual-passphrase-42"
    response = client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": password,
            "password2": password,
            "display_name": "Dr. Nadia Okafor",
            "role": "resident",
        },
    )
    assert response.status_code == 302
    assert reverse("account_email_verification_sent") in response["Location"]
    sent = client.get(response["Location"])
    assert sent.status_code == 200
    assert "Skip to main content" in sent.content.decode()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    assert link is not None
    confirm_url = link.group(1)
    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200
    assert "Confirm" in confirm_page.content.decode()
    response = client.post(confirm_url)
    assert response.status_code == 302

    # Sign in (the confirmation may already have; signing in again is harmless).
    client.logout()
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302

    profile = Profile.objects.get(user__email=email)
    assert profile.display_name == "Dr. Nadia Okafor"
    assert profile.role == "resident"
    edit = client.get(reverse("profiles:edit"))
    assert edit.status_code == 200
    response = client.post(
        reverse("profiles:edit_section", args=["basics"]),
        {
            "display_name": "Dr. Nadia Okafor",
            "handle": "nadia-okafor",
            "headline": "Internal medicine resident, global health",
            "role": "resident",
            "career_stage": "trainee",
        },
    )
    assert response.status_code == 302
    client.post(reverse("profiles:edit_section", args=["visibility"]), {"visibility": "public"})

    directory = client.get(reverse("profiles:directory"), {"q": "okafor"}).content.decode()
    assert "Dr. Nadia Okafor" in directory
    assert "/members/nadia-okafor/" in directory

    client.logout()
    public = client.get(reverse("profiles:directory"), {"q": "global health"}).content.decode()
    assert "Dr. Nadia Okafor" in public
