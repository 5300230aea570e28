"""Account deletion: the request (password, choice), what happens at once (hidden, tokens
revoked, other sessions ended), the 14-day grace period (404 for others, out of search and
recommendations, cancel restores), and the purge (nothing before 14 days; then every app's
erase, sessions, files and the User row)."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from rounds.accounts.data_rights.services import (
    DELETION_GRACE,
    account_deletion_cancel,
    account_deletion_request,
    account_deletions_purge_due,
    data_export_build,
    data_export_request,
    export_file_path,
)
from rounds.accounts.models import AccountDeletion, ApiToken, MemberSession, User
from rounds.accounts.services import api_token_create
from rounds.core.errors import Conflict, NotFound, ValidationFailed
from rounds.core.models import AuditEntry
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.network.models import NetworkState
from rounds.network.selectors import people_you_may_know
from rounds.network.services import follow
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal, Profile
from rounds.profiles.services import profile_set_avatar, profile_update
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def schedule(member: Profile, *, anonymise: bool = False) -> AccountDeletion:
    return account_deletion_request(actor=member.user, password=PASSWORD, anonymise=anonymise)


def purge_later(django_capture_on_commit_callbacks, *, days: int = 15) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return account_deletions_purge_due(now=timezone.now() + timedelta(days=days))


# --- the request ---------------------------------------------------------------------------


def test_wrong_password_schedules_nothing(member_client, member):
    """A wrong password is a 422 on the password field and nothing changes."""
    response = member_client.post(
        reverse("accounts:deletion_request"), {"contributions": "remove", "password": "nope"}
    )
    assert response.status_code == 422
    assert "not your current password" in response.content.decode()
    member.user.refresh_from_db()
    assert not member.user.deletion_scheduled
    assert not AccountDeletion.objects.exists()


def test_missing_or_oversized_input_is_a_422(member_client):
    """No password, an unknown choice or a huge password: a 422 with a message, never a 500."""
    for data in (
        {"contributions": "remove"},
        {"contributions": "burn-it-all", "password": PASSWORD},
        {"contributions": "remove", "password": "x" * 100_000},
        {"contributions": "remove", "password": "a\x00b"},
    ):
        response = member_client.post(reverse("accounts:deletion_request"), data)
        assert response.status_code == 422, data
    assert not AccountDeletion.objects.exists()


def test_request_schedules_hides_revokes_tokens_and_ends_other_sessions(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    """With the password the deletion is scheduled in 14 days; at once the member is hidden,
    every token is revoked and every other session ends, this one stays."""
    here, elsewhere = signed_in(member.user), signed_in(member.user)
    api_token_create(actor=member.user, name="script")
    with django_capture_on_commit_callbacks(execute=True):
        response = here.post(
            reverse("accounts:deletion_request"),
            {"contributions": "anonymise", "password": PASSWORD},
        )
    assert response.status_code == 302
    deletion = AccountDeletion.objects.get(user=member.user)
    assert deletion.state == AccountDeletion.State.SCHEDULED and deletion.anonymise
    assert abs(deletion.scheduled_for - (timezone.now() + DELETION_GRACE)) < timedelta(minutes=1)
    member.user.refresh_from_db()
    assert member.user.deletion_scheduled
    assert not ApiToken.objects.filter(user=member.user, revoked_at__isnull=True).exists()
    assert here.get(reverse("accounts:data")).status_code == 200
    assert elsewhere.get(reverse("accounts:data")).status_code == 302  # signed out
    page = here.get(reverse("accounts:data")).content.decode()
    assert deletion.scheduled_for.strftime("%-d %B %Y") in page
    assert "Cancel the deletion" in page
    (mail,) = mailoutbox
    assert mail.to == [member.user.email] and reverse("accounts:data") in mail.body
    entry = AuditEntry.objects.get(action="account.deletion_request")
    assert entry.data == {"anonymise": True, "tokens_revoked": 1, "sessions_ended": 1}


def test_second_request_is_a_conflict(member):
    """Asking again while a deletion is scheduled is a 409."""
    schedule(member)
    with pytest.raises(Conflict):
        schedule(member)
    assert_error(
        signed_in_api(member).post("/me/deletion", {"password": PASSWORD}),
        409,
    )


def signed_in_api(member: Profile) -> ApiClient:
    """An API client using the browser session (tokens are revoked by a deletion request)."""
    client = Client(enforce_csrf_checks=False)
    client.force_login(member.user)
    return ApiClient(client)


def test_member_without_usable_password_cannot_confirm(member):
    """An account without a usable password cannot confirm with one."""
    member.user.set_unusable_password()
    member.user.save()
    with pytest.raises(ValidationFailed):
        schedule(member)


def test_sign_in_during_grace_lands_on_the_data_page(member, client):
    """Signing in while a deletion is scheduled leads to the page where it can be cancelled."""
    schedule(member)
    response = client.post(
        reverse("account_login"), {"login": member.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:data")


# --- the grace period ----------------------------------------------------------------------


def test_profile_is_absent_for_others_during_grace_and_back_after_cancel(
    member, other_member, client
):
    """Others get a 404 (page and API), the member vanishes from the directory and search;
    the owner still sees their profile; cancelling restores everything."""
    member.visibility = "public"
    member.save()
    page = reverse("profiles:detail", args=[member.handle])
    viewer = signed_in(other_member.user)
    api = api_as(other_member.user)

    def visible() -> dict[str, bool]:
        directory = viewer.get(reverse("profiles:directory"), {"q": member.display_name})
        search = api.get("/members", {"q": member.display_name}).json()["items"]
        return {
            "page": viewer.get(page).status_code == 200,
            "visitor": client.get(page).status_code == 200,
            "api": api.get(f"/members/{member.handle}").status_code == 200,
            "directory": member.handle in directory.content.decode(),
            "search": any(item["handle"] == member.handle for item in search),
        }

    assert all(visible().values())
    schedule(member)
    assert not any(visible().values())
    assert signed_in(member.user).get(page).status_code == 200
    account_deletion_cancel(actor=member.user)
    assert all(visible().values())
    assert AuditEntry.objects.filter(action="account.deletion_cancel").count() == 1


def test_member_leaves_recommendations_during_grace(member, other_member):
    """A member deleting their account is no longer recommended to anyone."""
    viewer = other_member.user
    mutual = ProfileFactory().user
    connect(viewer, mutual)
    connect(member.user, mutual)
    assert member.user.pk in [r.user_id for r in people_you_may_know(viewer=viewer)]
    schedule(member)
    assert member.user.pk not in [r.user_id for r in people_you_may_know(viewer=viewer)]


def test_cancel_without_a_scheduled_deletion_is_a_404(member_client, member):
    """Cancelling when nothing is scheduled is a 404 (page) / NotFound (service)."""
    with pytest.raises(NotFound):
        account_deletion_cancel(actor=member.user)
    assert member_client.post(reverse("accounts:deletion_cancel")).status_code == 404


def test_cancel_through_the_page(member_client, member):
    """The cancel button ends the scheduled deletion and the member is visible again."""
    schedule(member)
    member_client.force_login(member.user)  # the request signed out every session
    response = member_client.post(reverse("accounts:deletion_cancel"))
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert not member.user.deletion_scheduled
    assert AccountDeletion.objects.get().state == AccountDeletion.State.CANCELLED
    html = member_client.get(reverse("accounts:data")).content.decode()
    assert "Ask for your account to be deleted" in html


# --- the purge -----------------------------------------------------------------------------


def test_purge_before_14_days_does_nothing(member, django_capture_on_commit_callbacks):
    """Within the grace period the purge leaves the account alone."""
    schedule(member)
    assert purge_later(django_capture_on_commit_callbacks, days=13) == 0
    assert User.objects.filter(pk=member.user.pk).exists()
    call_command("purge_deleted_accounts", stdout=io.StringIO())
    assert User.objects.filter(pk=member.user.pk).exists()


def test_cancelled_deletion_is_never_purged(member, django_capture_on_commit_callbacks):
    """A cancelled deletion is not carried out, however late."""
    schedule(member)
    account_deletion_cancel(actor=member.user)
    assert purge_later(django_capture_on_commit_callbacks, days=60) == 0
    assert User.objects.filter(pk=member.user.pk).exists()


def test_purge_after_14_days_deletes_everything(
    member, other_member, django_capture_on_commit_callbacks
):
    """After the grace period: the user, profile, sessions, avatar and export files are gone,
    and the purge is audited with ids only."""
    user = member.user
    out = io.BytesIO()
    Image.new("RGB", (40, 40)).save(out, format="JPEG")
    profile_set_avatar(
        actor=user, profile=member, upload=SimpleUploadedFile("a.jpg", out.getvalue())
    )
    avatar_path = member.avatar.path
    export = data_export_request(actor=user)
    export = data_export_build(export_id=export.pk)
    archive = export_file_path(export)
    deletion = schedule(member)
    client = signed_in(user)  # members may sign in during the grace period
    assert MemberSession.objects.filter(user=user).exists()
    assert purge_later(django_capture_on_commit_callbacks) == 1
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Profile.objects.filter(pk=member.pk).exists()
    assert not AccountDeletion.objects.exists()
    assert not MemberSession.objects.exists()
    assert client.get(reverse("accounts:data")).status_code == 302
    assert not os.path.exists(avatar_path)
    assert not archive.exists()
    entry = AuditEntry.objects.get(action="account.purge")
    assert entry.actor is None
    assert entry.data == {"user_id": user.pk, "deletion_id": deletion.pk, "anonymise": False}
    assert User.objects.filter(pk=other_member.user.pk).exists()


def test_purge_corrects_other_members_counters(
    member, other_member, django_capture_on_commit_callbacks
):
    """Connections and follows of the deleted member leave the others' counts right."""
    friend = other_member.user
    connect(member.user, friend)
    follow(actor=member.user, followee=friend)
    follow(actor=friend, followee=member.user)
    before = NetworkState.objects.get(user=friend)
    assert (before.degree, before.follower_count, before.following_count) == (1, 1, 1)
    schedule(member)
    purge_later(django_capture_on_commit_callbacks)
    after = NetworkState.objects.get(user=friend)
    assert (after.degree, after.follower_count, after.following_count) == (0, 0, 0)
    assert after.version > before.version


def test_purge_removes_tags_only_the_member_used(
    member, other_member, django_capture_on_commit_callbacks
):
    """Goals the member added and alone used go; shared and curated ones stay."""
    profile_update(
        actor=member.user, profile=member, changes={"goals": ["Mine alone", "Shared goal"]}
    )
    profile_update(
        actor=other_member.user, profile=other_member, changes={"goals": ["Shared goal"]}
    )
    schedule(member)
    purge_later(django_capture_on_commit_callbacks)
    names = set(Goal.objects.filter(curated=False).values_list("name", flat=True))
    assert "Mine alone" not in names and "Shared goal" in names
    assert Goal.objects.filter(curated=True).exists()


def test_purge_is_all_or_nothing(member, monkeypatch, django_capture_on_commit_callbacks):
    """When an app's erase fails, nothing of the member is deleted and the deletion stays
    scheduled for the next run."""

    def broken(user, *, anonymise=False):
        raise RuntimeError("erase failed")

    monkeypatch.setattr("rounds.network.datarights.erase_member_data", broken)
    schedule(member)
    assert purge_later(django_capture_on_commit_callbacks) == 0
    assert User.objects.filter(pk=member.user.pk).exists()
    assert AccountDeletion.objects.get().state == AccountDeletion.State.SCHEDULED


def test_purge_command_reports_what_it_did(member, django_capture_on_commit_callbacks):
    """The management command deletes due accounts and says how many."""
    deletion = schedule(member)
    AccountDeletion.objects.filter(pk=deletion.pk).update(
        scheduled_for=timezone.now() - timedelta(minutes=1)
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_deleted_accounts", stdout=out)
    assert "1 account(s) deleted" in out.getvalue()
    assert not User.objects.filter(pk=member.user.pk).exists()


# --- API -----------------------------------------------------------------------------------


def test_api_deletion_lifecycle(member):
    """GET 404 before; POST with the password → 201 and the token that asked stops working;
    with the session: GET shows it, DELETE cancels it."""
    api = api_as(member.user)
    assert_error(api.get("/me/deletion"), 404)
    assert_error(api.post("/me/deletion", {"password": "wrong"}), 422, field="password")
    response = api.post("/me/deletion", {"password": PASSWORD, "public_contributions": "anonymise"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "scheduled" and body["public_contributions"] == "anonymise"
    assert_error(api.get("/me/deletion"), 401)  # its token was revoked
    session = signed_in_api(member)
    assert session.get("/me/deletion").json()["scheduled_for"] == body["scheduled_for"]
    cancelled = session.delete("/me/deletion")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert_error(session.get("/me/deletion"), 404)
    assert_error(session.delete("/me/deletion"), 404)


def test_api_deletion_rejects_bad_bodies(member):
    """Missing password, unknown choice, extra fields or NUL: 422 naming the field."""
    api = api_as(member.user)
    assert_error(api.post("/me/deletion", {}), 422, field="password")
    assert_error(
        api.post("/me/deletion", {"password": PASSWORD, "public_contributions": "keep"}),
        422,
        field="public_contributions",
    )
    assert_error(api.post("/me/deletion", {"password": PASSWORD, "now": True}), 422, field="now")
    assert_error(api.post("/me/deletion", {"password": "a\u0000"}), 422, field="password")
    assert not AccountDeletion.objects.exists()


def test_api_password_attempts_are_rate_limited(member):
    """After ten wrong passwords in a minute the API answers 429."""
    api = signed_in_api(member)
    statuses = [api.post("/me/deletion", {"password": f"guess-{i}"}).status_code for i in range(12)]
    assert statuses[:10] == [422] * 10
    assert statuses[-1] == 429


def test_api_requires_authentication():
    """Visitors get 401 on every deletion endpoint."""
    api = ApiClient()
    assert_error(api.get("/me/deletion"), 401)
    assert_error(api.post("/me/deletion", {"password": "x"}), 401)
    assert_error(api.delete("/me/deletion"), 401)
