"""The guard integration's pieces: checking drafts, counting, highlighting, the composer preview,
the API error shape and the staff view of override rates."""

from __future__ import annotations

import html
import logging
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from rounds.core.errors import ContentBlocked, ContentNeedsConfirmation, ContentRefused
from rounds.core.models import GuardTally
from rounds.core.publishing import (
    PUBLISHING_PATHS,
    Draft,
    guard_text,
    guard_texts,
    highlight,
    override_rates,
    publishing_path,
    record_refusal,
)
from rounds.core.tests.api_client import api_as
from rounds.guard import Finding
from rounds.profiles.models import Profile
from rounds.profiles.services import BIO_PATH, HEADLINE_PATH, profile_update
from rounds.profiles.tests.factories import ProfileFactory, UserFactory

PATIENT_INFO = "Pt John Smith, MRN 00123456, admitted overnight."
WARNING = "What a load of crap."
PREVIEW = reverse("guard_preview")


def _counts() -> dict[tuple[str, str, str], int]:
    return {(t.kind, t.rule, t.outcome): t.count for t in GuardTally.objects.all()}


# --- guard_texts ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_clean_and_empty_drafts_return_reports_and_count_nothing(member):
    """Clean and empty drafts pass: each field gets an ok report, nothing is counted."""
    reports = guard_texts(
        actor=member.user,
        drafts=[Draft(BIO_PATH, "Hospitalist in Boston."), Draft(HEADLINE_PATH, "")],
        acknowledge_warnings=False,
    )
    assert {name: r.verdict for name, r in reports.items()} == {"bio": "ok", "headline": "ok"}
    assert not GuardTally.objects.exists()


@pytest.mark.django_db
def test_a_block_in_one_field_refuses_the_whole_write_and_names_every_flagged_field(member):
    """One field blocks, another only warns: ContentBlocked carries both, with their messages."""
    with pytest.raises(ContentBlocked) as caught:
        guard_texts(
            actor=member.user,
            drafts=[Draft(BIO_PATH, PATIENT_INFO), Draft(HEADLINE_PATH, WARNING)],
            acknowledge_warnings=True,
        )
    exc = caught.value
    assert exc.status_code == 422 and not exc.confirmable
    assert set(exc.fields) == {"bio", "headline"}
    assert "identify a patient" in exc.errors["bio"][0]
    assert "second look" in exc.errors["headline"][0]
    guard = exc.guard_dict()
    assert guard["verdict"] == "block" and guard["needs_confirmation"] is False
    assert guard["fields"]["headline"]["verdict"] == "warn"
    assert not GuardTally.objects.exists()  # the service's caller counts refusals it shows


@pytest.mark.django_db
def test_warnings_need_confirmation_and_an_override_counts_each_rule_once(member):
    """Unacknowledged warnings raise; acknowledged, each (kind, rule) is counted once per text."""
    text = "Crap. Total crap, and WHY DOES NOBODY READ THE NOTES BEFORE CALLING ME."
    with pytest.raises(ContentNeedsConfirmation) as caught:
        guard_text(actor=member.user, path=BIO_PATH, text=text, acknowledge_warnings=False)
    assert caught.value.confirmable and caught.value.guard_dict()["needs_confirmation"] is True
    report = guard_text(actor=member.user, path=BIO_PATH, text=text, acknowledge_warnings=True)
    assert report.verdict == "warn"
    assert _counts() == {
        ("bio", "offensive.profanity", "overridden"): 1,
        ("bio", "offensive.shouting", "overridden"): 1,
    }
    guard_text(actor=member.user, path=BIO_PATH, text=text, acknowledge_warnings=True)
    assert _counts()[("bio", "offensive.profanity", "overridden")] == 2


@pytest.mark.django_db
def test_a_refusal_is_counted_once(member):
    """record_refusal counts each refusal once, however many interfaces see it."""
    with pytest.raises(ContentRefused) as caught:
        guard_text(actor=member.user, path=BIO_PATH, text=PATIENT_INFO, acknowledge_warnings=False)
    record_refusal(caught.value)
    record_refusal(caught.value)
    assert _counts()[("bio", "phi.mrn", "blocked")] == 1


@pytest.mark.django_db
def test_members_own_details_and_addressed_colleagues_are_not_flagged(member):
    """The author's own office phone is theirs, and a colleague named in a note is no patient."""
    member.phone = "617-555-0142"
    member.save()
    guard_text(
        actor=member.user,
        path=BIO_PATH,
        text="Reach my office at 617-555-0142.",
        acknowledge_warnings=False,
    )
    note = PUBLISHING_PATHS["network.connection_note"]
    text = "Ana Ferreira presented a great case at grand rounds."
    with pytest.raises(ContentBlocked):
        guard_text(actor=member.user, path=note, text=text, acknowledge_warnings=False)
    guard_text(
        actor=member.user,
        path=note,
        text=text,
        acknowledge_warnings=False,
        colleague_names=["Ana Ferreira"],
    )


def test_publishing_paths_are_declared_once():
    """Declaring a path again identically is harmless; differently, or with an unknown kind,
    is an error."""
    assert publishing_path("profile.bio", kind="bio", field="bio", model_field=BIO_PATH.model_field)
    with pytest.raises(ValueError, match="twice"):
        publishing_path("profile.bio", kind="post", field="bio", model_field="x.Y.z")
    with pytest.raises(ValueError, match="kind"):
        publishing_path("test.nothing", kind="poem", field="x", model_field="x.Y.z")
    assert "test.nothing" not in PUBLISHING_PATHS


@pytest.mark.django_db
def test_an_unchanged_text_is_not_checked_again(member):
    """Saving other fields never re-asks about a headline published (with warnings) before."""
    Profile.objects.filter(pk=member.pk).update(headline="Fixing this crap since 2009")
    member.refresh_from_db()
    profile_update(
        actor=member.user,
        profile=member,
        changes={"display_name": "New Name", "headline": member.headline},
    )
    assert Profile.objects.get(pk=member.pk).display_name == "New Name"
    assert not GuardTally.objects.exists()


# --- override rates --------------------------------------------------------------------------


@pytest.mark.django_db
def test_override_rates_add_up_per_rule_over_the_period():
    """Rates are overridden / warned per rule, over the chosen days and kinds."""
    today = timezone.now().date()
    rows = [
        (today, "bio", "offensive", "offensive.profanity", "warned", 4),
        (today, "bio", "offensive", "offensive.profanity", "overridden", 1),
        (today, "connection_note", "offensive", "offensive.profanity", "warned", 4),
        (today, "bio", "patient_information", "phi.mrn", "blocked", 3),
        (today - timedelta(days=40), "bio", "offensive", "offensive.profanity", "overridden", 9),
    ]
    GuardTally.objects.bulk_create(
        GuardTally(day=d, kind=k, category=c, rule=r, outcome=o, count=n)
        for d, k, c, r, o, n in rows
    )
    rates = {r.rule: r for r in override_rates(since=today - timedelta(days=29))}
    assert (rates["offensive.profanity"].warned, rates["offensive.profanity"].overridden) == (8, 1)
    assert rates["offensive.profanity"].rate == pytest.approx(1 / 8)
    assert rates["phi.mrn"].blocked == 3 and rates["phi.mrn"].rate is None
    bio = {r.rule: r for r in override_rates(since=today, kind="bio")}
    assert bio["offensive.profanity"].rate == pytest.approx(1 / 4)
    assert override_rates()[0].overridden == 10  # all time: most overridden first


@pytest.mark.django_db
def test_staff_see_override_rates_in_the_admin(client):
    """The admin's guard tallies page shows the override rate per rule to staff."""
    today = timezone.now().date()
    for outcome, count in (("warned", 4), ("overridden", 1)):
        GuardTally.objects.create(
            day=today,
            kind="bio",
            category="offensive",
            rule="offensive.profanity",
            outcome=outcome,
            count=count,
        )
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get(reverse("admin:core_guardtally_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Override rates, the last 30 days" in page
    assert re.search(r"offensive\.profanity</td>\s*<td>4</td>\s*<td>1</td>\s*<td>\s*25 %", page)
    assert client.get(reverse("admin:core_guardtally_add")).status_code == 403


# --- highlighting ----------------------------------------------------------------------------


def _finding(start: int, end: int, text: str, severity: str = "warn") -> Finding:
    return Finding(
        category="offensive",
        rule="offensive.profanity",
        start=start,
        end=end,
        matched=text[start:end],
        severity=severity,  # type: ignore[arg-type]
        explanation="",
        suggestion="",
    )


def _plain(marked: str) -> str:
    """The highlighted HTML back to text: drop the finding numbers and tags, unescape."""
    without_refs = re.sub(r"<sup class=\"guard-ref\">.*?</sup>", "", marked)
    return html.unescape(re.sub(r"<[^>]+>", "", without_refs))


def test_highlight_escapes_everything_and_marks_the_spans():
    """Member text is escaped inside and outside marks; marks carry severity and a number."""
    text = '<script>alert("x")</script> & a <b>crap</b> day'
    start = text.index("crap")
    marked = str(highlight(text, [_finding(start, start + 4, text, "block")]))
    assert "<script>" not in marked and "&lt;script&gt;" in marked
    assert '<mark class="guard-mark guard-mark-block">crap</mark>' in marked
    assert "finding </span>1</sup>" in marked
    assert _plain(marked) == text


def test_highlight_clips_overlapping_findings():
    """Overlapping and nested spans never nest marks; every character appears once."""
    text = "abcdefghij"
    findings = [_finding(1, 5, text), _finding(3, 8, text), _finding(4, 6, text)]
    marked = str(highlight(text, findings))
    assert marked.count("<mark") == 2
    assert "<mark" not in marked.split("</mark>", 1)[0].split("<mark", 1)[1]
    assert _plain(marked) == text


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=80),
    spans=st.lists(st.tuples(st.integers(0, 90), st.integers(0, 90)), max_size=6),
)
def test_highlight_always_gives_back_the_text(text, spans):
    """For any text and any spans (even out of range), the highlight is the text, escaped."""
    findings = [_finding(min(a, b, len(text)), min(max(a, b), len(text)), text) for a, b in spans]
    assert _plain(str(highlight(text, findings))) == text


# --- the composer preview --------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_shows_findings_highlighted_and_stores_nothing(member_client):
    """The composer's preview returns the report fragment; it neither counts nor stores."""
    response = member_client.post(
        PREVIEW,
        {"guard_kind": "bio", "guard_field": "bio", "bio": PATIENT_INFO},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<mark class="guard-mark guard-mark-block">00123456</mark>' in page
    assert "This could identify a patient" in page
    assert "<html" not in page  # a fragment
    assert not GuardTally.objects.exists()
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_preview_of_clean_and_empty_drafts(member_client):
    """A clean draft says nothing was found; an empty one shows nothing."""
    clean = member_client.post(
        PREVIEW, {"guard_kind": "headline", "guard_field": "headline", "headline": "Hospitalist"}
    )
    assert "Nothing to review" in clean.content.decode()
    empty = member_client.post(PREVIEW, {"guard_kind": "bio", "guard_field": "bio", "bio": " "})
    assert empty.status_code == 200 and not empty.content.decode().strip()


@pytest.mark.django_db
def test_preview_treats_the_addressee_as_a_colleague(member_client):
    """A note's preview knows whom it is addressed to: their name is not a patient's."""
    other = ProfileFactory(display_name="Ana Ferreira")
    data = {
        "guard_kind": "connection_note",
        "guard_field": "note",
        "note": "Ana Ferreira presented a great case at grand rounds.",
    }
    assert "guard-mark" in member_client.post(PREVIEW, data).content.decode()
    data["guard_to"] = other.handle
    assert "Nothing to review" in member_client.post(PREVIEW, data).content.decode()
    data["guard_to"] = "nobody-by-that-name"
    assert "guard-mark" in member_client.post(PREVIEW, data).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"guard_kind": "poem", "guard_field": "bio", "bio": "x"},
        {"guard_kind": "bio", "guard_field": "Bio; drop", "bio": "x"},
        {"guard_kind": "bio", "guard_field": "bio", "bio": "x" * 20_001},
        {},
    ],
)
def test_preview_refuses_bad_input(member_client, data):
    """Unknown kinds, odd field names and over-long drafts are a 400, never a 500."""
    assert member_client.post(PREVIEW, data).status_code == 400


@pytest.mark.django_db
def test_preview_is_for_signed_in_members_and_posts_only(client, member):
    """Visitors get a 403; GET is not allowed."""
    data = {"guard_kind": "bio", "guard_field": "bio", "bio": WARNING}
    assert client.post(PREVIEW, data).status_code == 403
    client.force_login(member.user)
    assert client.post(PREVIEW, data).status_code == 200
    assert client.get(PREVIEW).status_code == 405


# --- the API and the logs --------------------------------------------------------------------


@pytest.mark.django_db
def test_refused_text_never_reaches_the_logs(member, caplog):
    """A refusal logs (at most) the path and status, never the text or its identifiers."""
    with caplog.at_level(logging.DEBUG):
        response = api_as(member.user).patch("/me/profile", {"bio": PATIENT_INFO})
    assert response.status_code == 422
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("John Smith", "00123456", PATIENT_INFO):
        assert secret not in logged


@pytest.mark.django_db
def test_openapi_documents_the_acknowledgement_and_the_guard_error(member):
    """The schema shows acknowledge_warnings on both write bodies and the guard's 422 shape."""
    schema = api_as(member.user).get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "acknowledge_warnings" in components["ProfilePatchIn"]["properties"]
    assert "acknowledge_warnings" in components["RequestIn"]["properties"]
    assert "guard" in components["GuardErrorOut"]["properties"]
    patch = schema["paths"]["/api/v1/me/profile"]["patch"]["responses"]["422"]
    assert patch["content"]["application/json"]["schema"]["$ref"].endswith("GuardErrorOut")


@pytest.mark.django_db
def test_acknowledge_warnings_must_be_a_boolean(member):
    """The flag is typed: a string that is not a boolean is a plain 422 on that field."""
    response = api_as(member.user).patch(
        "/me/profile", {"bio": WARNING, "acknowledge_warnings": "perhaps"}
    )
    assert response.status_code == 422
    assert "acknowledge_warnings" in response.json()["errors"]
    assert Profile.objects.get(pk=member.pk).bio == ""
