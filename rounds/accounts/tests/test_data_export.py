"""Data export: the lifecycle (pending → building → ready | failed → expired), the archive's
contents (every category of the member's data, nothing private of anyone else), the
owner-only download, polling, email, expiry and the purge command."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from rounds.accounts.data_rights import archive as archive_module
from rounds.accounts.data_rights.registry import datarights_modules
from rounds.accounts.data_rights.services import (
    EXPORT_STALE_AFTER,
    MAX_EXPORTS_PER_DAY,
    data_export_build,
    data_export_request,
    data_exports_purge,
    export_dir,
    export_file_path,
)
from rounds.accounts.models import DataExport
from rounds.accounts.services import api_token_create
from rounds.accounts.tests.archives import archive_text, read_archive
from rounds.core.models import AuditEntry
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.network.models import Connection
from rounds.network.services import (
    block,
    connection_request_send,
    connection_set_label,
    follow,
    interaction_record,
    recommendation_dismiss,
)
from rounds.network.tests.factories import connect
from rounds.profiles.services import profile_set_avatar, profile_update
from rounds.profiles.tests.factories import AffiliationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

#: The files every export holds from accounts, profiles and network.
CORE_FILES = {
    "account.json",
    "api_tokens.json",
    "profile.json",
    "affiliations.json",
    "connections.json",
    "connection_requests.json",
    "follows.json",
    "blocks.json",
    "interactions.json",
    "recommendations_dismissed.json",
    "network_counts.json",
    "README.txt",
}


def jpeg_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile("me.jpg", out.getvalue(), content_type="image/jpeg")


def request_and_build(client, django_capture_on_commit_callbacks) -> DataExport:
    """Ask for an export through the page; the (inline) task builds it after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:data_export"))
    assert response.status_code == 302
    return DataExport.objects.order_by("-id").first()


def download(client, export: DataExport):
    response = client.get(reverse("accounts:data_export_download", args=[export.pk]))
    assert response.status_code == 200, response.status_code
    return response


@pytest.fixture
def rich_member(member, other_member):
    """A member with data in every category, and others around them with private data of
    their own (labels, blocks) that must never reach the member's export."""
    me = member.user
    profile_update(
        actor=me,
        profile=member,
        changes={
            "headline": "Hospitalist and quality lead",
            "bio": "I teach point-of-care ultrasound.",
            "city": "Springfield",
            "phone": "+1 555 0100",
            "goals": ["Find a research collaborator"],
            "languages": ["en", "es"],
        },
    )
    profile_set_avatar(actor=me, profile=member, upload=jpeg_upload())
    AffiliationFactory(user=me, title="Attending physician", department="Hospital Medicine")
    api_token_create(actor=me, name="Zotero sync")
    # A connection whose two sides carry different private labels.
    colleague = other_member.user
    connect(me, colleague)
    connection_set_label(actor=me, other_id=colleague.pk, label="colleague")
    connection_set_label(actor=colleague, other_id=me.pk, label="supervisor")
    sent_to, received_from = ProfileFactory(), ProfileFactory()
    connection_request_send(actor=me, recipient=sent_to.user, note="Loved your sepsis talk")
    connection_request_send(actor=received_from.user, recipient=me, note="We met at SHM")
    followed, follower = ProfileFactory(), ProfileFactory()
    follow(actor=me, followee=followed.user)
    follow(actor=follower.user, followee=me)
    blocked, blocker = ProfileFactory(), ProfileFactory(display_name="Secret Blocker")
    block(actor=me, blocked=blocked.user)
    block(actor=blocker.user, blocked=me)
    interaction_record(actor=me, other_id=colleague.pk, kind="met")
    recommendation_dismiss(actor=me, candidate_id=ProfileFactory().user_id)
    return member


# --- contents ------------------------------------------------------------------------------


def test_export_holds_every_category_of_the_members_data(
    member_client, rich_member, django_capture_on_commit_callbacks
):
    """The archive has a file per category with the member's data, their photo and a README
    describing every file."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    assert export.state == DataExport.State.READY
    files = read_archive(download(member_client, export))
    assert set(files) >= CORE_FILES
    assert files["media/avatar.jpg"][:2] == b"\xff\xd8"  # the JPEG we stored
    account = files["account.json"]
    assert account["email"] == rich_member.user.email
    assert account["email_addresses"] == [
        {"email": rich_member.user.email, "verified": True, "primary": True}
    ]
    assert account["two_factor"] == {"enabled": False, "methods": []}
    profile = files["profile.json"]
    assert profile["headline"] == "Hospitalist and quality lead"
    assert profile["bio"] == "I teach point-of-care ultrasound."
    assert profile["phone"] == "+1 555 0100"
    assert profile["goals"] == ["Find a research collaborator"]
    assert profile["avatar"] == "media/avatar.jpg"
    assert files["affiliations.json"][0]["title"] == "Attending physician"
    assert files["api_tokens.json"][0]["name"] == "Zotero sync"
    (connection_entry,) = files["connections.json"]
    assert connection_entry["label"] == "colleague"
    assert connection_entry["member"]["handle"]
    notes = {r["direction"]: r["note"] for r in files["connection_requests.json"]}
    assert notes == {"sent": "Loved your sepsis talk", "received": "We met at SHM"}
    assert len(files["follows.json"]["following"]) == 1
    assert len(files["follows.json"]["followers"]) == 1
    assert len(files["blocks.json"]) == 1
    assert files["interactions.json"][0]["kind"] == "met"
    assert len(files["recommendations_dismissed.json"]) == 1
    readme = files["README.txt"]
    for name in set(files) - {"README.txt"}:
        assert name in readme, name


def test_export_holds_each_registered_apps_files(
    member_client, member, django_capture_on_commit_callbacks
):
    """Every app's datarights module contributes its files (messaging, contacts, … included)."""
    expected = set()
    for module in datarights_modules():
        expected.update(f"{key}.json" for key in module.export(member.user))
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    assert expected <= set(read_archive(download(member_client, export)))


def test_export_holds_nothing_private_of_anyone_else(
    member_client, rich_member, other_member, django_capture_on_commit_callbacks
):
    """The other side's label of a shared connection, who blocked the member and token
    secrets never appear in the export."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    files = read_archive(download(member_client, export))
    text = archive_text(files)
    assert Connection.objects.get(owner=other_member.user).label == "supervisor"
    assert "supervisor" not in text
    assert "Secret Blocker" not in text
    assert len(files["blocks.json"]) == 1  # only the block the member made
    token = rich_member.user.api_tokens.get()
    assert token.digest not in text
    assert "password" not in files["account.json"]


def test_other_members_private_notes_about_the_member_stay_out(
    member_client, member, other_member, django_capture_on_commit_callbacks
):
    """Another member's private notebook note about this member is in their own export,
    never in this member's."""
    import datetime as dt

    from rounds.contacts.datarights import export_member_data as contacts_export
    from rounds.contacts.models import Contact
    from rounds.contacts.services import note_create

    canary = "zz-other-members-private-note-zz"
    connect(member.user, other_member.user)  # each gets a notebook entry for the other
    contact = Contact.objects.get(owner=other_member.user, member=member.user)
    note_create(
        actor=other_member.user,
        contact=contact,
        kind="note",
        occurred_on=dt.date.today(),
        body=canary,
    )
    assert canary in archive_text({"x": contacts_export(other_member.user)})
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    assert canary not in archive_text(read_archive(download(member_client, export)))


def test_export_queries_do_not_grow_with_the_network(member):
    """Exporting accounts, profiles and network data costs the same queries for 2 or 20 ties."""
    own = [m for m in datarights_modules() if m.app_label in {"accounts", "profiles", "network"}]

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            for module in own:
                module.export(member.user)
        return len(captured)

    for _ in range(2):
        other = ProfileFactory()
        connect(member.user, other.user)
        follow(actor=member.user, followee=other.user)
    small = count()
    for _ in range(18):
        other = ProfileFactory()
        connect(member.user, other.user)
        follow(actor=member.user, followee=other.user)
    assert count() == small


# --- lifecycle -----------------------------------------------------------------------------


def test_request_is_pending_until_the_task_runs_and_a_second_request_is_409(member_client, member):
    """Without the task having run the export is pending; asking again is a 409 with a message."""
    assert member_client.post(reverse("accounts:data_export")).status_code == 302
    export = DataExport.objects.get(user=member.user)
    assert export.state == DataExport.State.PENDING
    response = member_client.post(reverse("accounts:data_export"))
    assert response.status_code == 409
    assert "still being prepared" in response.content.decode()
    assert DataExport.objects.filter(user=member.user).count() == 1
    api = api_as(member.user)
    assert_error(api.post("/me/export"), 409)


def test_pending_export_is_polled_and_polling_stops_when_ready(member_client, member):
    """While building, the export section polls itself; once ready it shows the download."""
    data_export_request(actor=member.user)
    fragment = member_client.get(reverse("accounts:data_export"), **HTMX)
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'hx-trigger="every 3s"' in html and "<html" not in html
    assert "Preparing your copy" in html
    export = data_export_build(export_id=DataExport.objects.get().pk)
    html = member_client.get(reverse("accounts:data_export"), **HTMX).content.decode()
    assert "hx-trigger" not in html
    assert reverse("accounts:data_export_download", args=[export.pk]) in html


def test_htmx_request_answers_the_export_fragment_with_202(member_client, member):
    """An htmx request answers with the export section, status 202."""
    response = member_client.post(reverse("accounts:data_export"), **HTMX)
    assert response.status_code == 202
    assert 'id="export"' in response.content.decode()


def test_ready_export_emails_a_link_and_is_audited_with_ids_only(
    member_client, member, mailoutbox, django_capture_on_commit_callbacks
):
    """The member is emailed a link to the data page; audit entries hold ids, never data."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    (mail,) = mailoutbox
    assert mail.to == [member.user.email]
    assert reverse("accounts:data") in mail.body
    assert export.file_name not in mail.body
    download(member_client, export)
    actions = list(
        AuditEntry.objects.filter(target_type="accounts.dataexport").values_list(
            "action", "target_id", "data"
        )
    )
    assert [a for a, _, _ in actions] == [
        "data_export.download",
        "data_export.ready",
        "data_export.request",
    ]
    assert all(target == str(export.pk) and data == {} for _, target, data in actions)


def test_archive_is_stored_outside_media_with_a_random_name(
    member_client, member, settings, django_capture_on_commit_callbacks
):
    """The file lives in DATA_EXPORT_DIR (not MEDIA_ROOT) under an unguessable name."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    path = export_file_path(export)
    assert path is not None and path.is_file()
    assert path.parent == export_dir()
    assert str(settings.MEDIA_ROOT) not in str(path)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}\.zip", export.file_name)  # 24 random bytes


def test_a_new_ready_export_expires_the_previous_one(
    member_client, member, django_capture_on_commit_callbacks
):
    """One export at a time: when a new one is ready the old one expires and its file goes."""
    first = request_and_build(member_client, django_capture_on_commit_callbacks)
    first_path = export_file_path(first)
    second = request_and_build(member_client, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.state == DataExport.State.EXPIRED
    assert not first_path.exists()
    assert second.state == DataExport.State.READY
    response = member_client.get(reverse("accounts:data_export_download", args=[first.pk]))
    assert response.status_code == 404


def test_failed_build_is_recorded_and_leaves_no_file(member, monkeypatch):
    """A build that raises marks the export failed, removes the partial file, and the member
    may ask again."""

    def explode(user, target):
        target.write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr("rounds.accounts.data_rights.services.write_archive", explode)
    export = data_export_request(actor=member.user)
    result = data_export_build(export_id=export.pk)
    assert result is not None and result.state == DataExport.State.FAILED
    assert list(export_dir().iterdir()) == []
    assert AuditEntry.objects.filter(action="data_export.fail").exists()
    assert data_export_request(actor=member.user).state == DataExport.State.PENDING


def test_build_runs_once_when_the_task_is_delivered_twice(member):
    """A second delivery of the same task finds the export no longer pending and does nothing."""
    export = data_export_request(actor=member.user)
    assert data_export_build(export_id=export.pk) is not None
    assert data_export_build(export_id=export.pk) is None
    assert len(list(export_dir().iterdir())) == 1


def test_requests_per_day_are_limited(member):
    """After MAX_EXPORTS_PER_DAY requests in 24 hours a new one is a 409."""
    from rounds.core.errors import Conflict

    for _ in range(MAX_EXPORTS_PER_DAY):
        export = data_export_request(actor=member.user)
        data_export_build(export_id=export.pk)
    with pytest.raises(Conflict):
        data_export_request(actor=member.user)


def test_stale_build_does_not_block_a_new_request(member):
    """An export stuck building (its worker died) is given up so the member can ask again."""
    export = data_export_request(actor=member.user)
    DataExport.objects.filter(pk=export.pk).update(
        state=DataExport.State.BUILDING, updated_at=timezone.now() - EXPORT_STALE_AFTER
    )
    assert data_export_request(actor=member.user).state == DataExport.State.PENDING
    export.refresh_from_db()
    assert export.state == DataExport.State.FAILED


# --- download ------------------------------------------------------------------------------


def test_download_is_for_the_owner_only(
    member_client, member, other_member, client, django_capture_on_commit_callbacks
):
    """Another member gets a 404 and a visitor is sent to sign in; the owner gets the ZIP,
    never cached."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    url = reverse("accounts:data_export_download", args=[export.pk])
    response = member_client.get(url)
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    b"".join(response.streaming_content)
    client.logout()
    visitor = client.get(url)
    assert visitor.status_code == 302 and reverse("account_login") in visitor["Location"]
    client.force_login(other_member.user)
    assert client.get(url).status_code == 404


def test_expired_export_is_a_404_even_before_the_purge(
    member_client, member, django_capture_on_commit_callbacks
):
    """Past its 7 days the link is a 404 at once, and the purge deletes the file."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    path = export_file_path(export)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    url = reverse("accounts:data_export_download", args=[export.pk])
    assert member_client.get(url).status_code == 404
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired_exports", stdout=io.StringIO())
    export.refresh_from_db()
    assert export.state == DataExport.State.EXPIRED
    assert not path.exists()
    page = member_client.get(reverse("accounts:data")).content.decode()
    assert "has expired" in page


def test_download_with_impossible_ids_is_a_404(member_client):
    """Ids beyond any database integer are a 404, never an error."""
    for export_id in (0, 2**63, 2**70):
        url = f"/settings/data/exports/{export_id}/download/"
        assert member_client.get(url).status_code == 404


def test_missing_file_is_a_404(member_client, member, django_capture_on_commit_callbacks):
    """A ready export whose file vanished is a 404, not an error."""
    export = request_and_build(member_client, django_capture_on_commit_callbacks)
    export_file_path(export).unlink()
    url = reverse("accounts:data_export_download", args=[export.pk])
    assert member_client.get(url).status_code == 404


def test_purge_deletes_stray_files_after_a_day(member):
    """Archive files no export refers to (a crash mid-build) are deleted after a day."""
    stray = export_dir() / "abcdefghijklmnopqrstuvwx.zip.part"
    stray.write_bytes(b"x")
    recent = export_dir() / "bcdefghijklmnopqrstuvwxy.zip"
    recent.write_bytes(b"x")
    old = time.time() - 2 * 86400
    os.utime(stray, (old, old))
    counts = data_exports_purge()
    assert counts["orphans"] == 1
    assert not stray.exists() and recent.exists()


# --- API -----------------------------------------------------------------------------------


def test_api_export_lifecycle(member, django_capture_on_commit_callbacks):
    """POST /me/export → 202; GET shows it ready with a download URL; the download is the ZIP."""
    api = api_as(member.user)
    assert_error(api.get("/me/export"), 404)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/me/export")
    assert response.status_code == 202
    status = api.get("/me/export").json()
    assert status["state"] == "ready"
    assert status["download_url"].endswith("/api/v1/me/export/download")
    download_response = api.get("/me/export/download")
    assert download_response.status_code == 200
    assert download_response["Content-Type"] == "application/zip"
    assert set(read_archive(download_response)) >= CORE_FILES


def test_api_download_is_a_404_without_a_ready_export_and_401_for_visitors(member, other_member):
    """No ready export → 404 (another member's ready export does not count); no auth → 401."""
    export = data_export_request(actor=other_member.user)
    data_export_build(export_id=export.pk)
    assert_error(api_as(member.user).get("/me/export/download"), 404)
    assert_error(ApiClient().get("/me/export/download"), 401)
    assert_error(ApiClient().post("/me/export"), 401)
    assert_error(ApiClient().get("/me/export"), 401)


def test_archive_names_are_safe_and_unique():
    """Module keys become safe file names; a key two apps share is prefixed by the app."""
    used: set[str] = set()
    assert archive_module._file_name("messages", "messaging", used) == "messages.json"
    assert archive_module._file_name("messages", "contacts", used) == "contacts-messages.json"
    assert archive_module._file_name("../../etc/passwd", "x", used) == "etc-passwd.json"
    assert archive_module._media_name("../avatar.jpg", used) == "media/avatar.jpg"
    assert archive_module._media_name("avatar.jpg", used) == "media/avatar-2.jpg"


def test_data_page_queries_do_not_grow_with_past_exports(member_client, member):
    """The data page costs the same queries after 1 or 5 exports (it shows the latest)."""

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(reverse("accounts:data")).status_code == 200
        return len(captured)

    data_export_build(export_id=data_export_request(actor=member.user).pk)
    small = count()
    for _ in range(4):
        data_export_build(export_id=data_export_request(actor=member.user).pk)
    assert count() == small
