"""Every publishing path calls the professionalism guard, through its page and its API.

``PATHS`` lists every place where member-written text is published: how to submit a text there
through the page (the no-JavaScript form post, and the htmx one) and through the API, and how
to read what was stored. For each path and each interface: patient information is blocked
(422, findings, nothing saved, even when "acknowledged"); a warning needs confirmation (422),
then publishes with the acknowledgement and counts the override (counts only, never the text);
clean text publishes the first time. A new publishing path (``publishing_path(...)`` next to
its service) fails ``test_every_publishing_path_is_in_the_table`` until it is added here, and
a new free-text column fails ``test_every_free_text_column_is_a_publishing_path`` until it is
guarded or exempted with a reason.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import rounds
from rounds.core.models import GuardTally
from rounds.core.publishing import PUBLISHING_PATHS
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.network.models import ConnectionRequest
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

PATIENT_INFO = "My patient John Smith, DOB 03/14/1956, MRN 00123456, was admitted with chest pain."
WARNING = "This new EHR rollout is a load of crap."
WARNING_RULE = ("offensive", "offensive.profanity")
CLEAN = "Hospitalist and clinical educator; I lead our sepsis quality program."
HTMX = {"HX-Request": "true"}


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """One publishing path and how to exercise it.

    ``arrange(member)`` creates what the path needs (e.g. a recipient) and returns it;
    ``page(client, member, target, text, acknowledge, htmx)`` and ``api(api, member, target,
    text, acknowledge)`` submit ``text``; ``stored(member, target)`` reads what is published
    (None when nothing is). Success is ``page_ok`` / ``api_ok``.
    """

    name: str
    kind: str
    field: str
    arrange: Callable[[Profile], Any]
    page: Callable[[Client, Profile, Any, str, bool, bool], HttpResponse]
    api: Callable[[ApiClient, Profile, Any, str, bool], HttpResponse]
    stored: Callable[[Profile, Any], str | None]
    page_ok: tuple[int, ...] = (200, 302)
    api_ok: int = 200


def _ack(data: dict[str, Any], acknowledge: bool, value: Any) -> dict[str, Any]:
    return {**data, "acknowledge_warnings": value} if acknowledge else data


def _nothing(member: Profile) -> None:
    return None


def _post(client: Client, url: str, data: dict[str, Any], htmx: bool) -> HttpResponse:
    return client.post(url, data, headers=HTMX if htmx else {})


def _bio_page(client, member, target, text, acknowledge, htmx):
    url = reverse("profiles:edit_section", args=["about"])
    return _post(client, url, _ack({"bio": text}, acknowledge, "1"), htmx)


def _headline_page(client, member, target, text, acknowledge, htmx):
    data = {
        "display_name": member.display_name,
        "handle": member.handle,
        "headline": text,
        "role": member.role,
        "career_stage": member.career_stage,
    }
    url = reverse("profiles:edit_section", args=["basics"])
    return _post(client, url, _ack(data, acknowledge, "1"), htmx)


def _profile_api(field: str):
    def submit(api, member, target, text, acknowledge):
        return api.patch("/me/profile", _ack({field: text}, acknowledge, True))

    return submit


def _profile_stored(field: str):
    def stored(member, target):
        return getattr(Profile.objects.get(pk=member.pk), field)

    return stored


def _recipient(member: Profile) -> Profile:
    return ProfileFactory(display_name="Ana Lucia Ferreira")


def _note_page(client, member, target, text, acknowledge, htmx):
    url = reverse("network:connect", args=[target.handle])
    return _post(client, url, _ack({"note": text}, acknowledge, "1"), htmx)


def _note_api(api, member, target, text, acknowledge):
    return api.post(
        "/network/requests", _ack({"handle": target.handle, "note": text}, acknowledge, True)
    )


def _note_stored(member, target):
    request = ConnectionRequest.objects.filter(sender=member.user, recipient=target.user).first()
    return None if request is None else request.note


def _conversation(member: Profile) -> Any:
    """A conversation with a connection, opened by them with a clean first message."""
    from rounds.messaging.tests.factories import start
    from rounds.network.tests.factories import connect

    other = ProfileFactory(display_name="Ana Lucia Ferreira")
    connect(member.user, other.user)
    return start(other.user, member.user, body="Good to meet you at grand rounds.")


def _message_page(client, member, target, text, acknowledge, htmx):
    url = reverse("messaging:send", args=[target.conversation_id])
    return _post(client, url, _ack({"body": text}, acknowledge, "1"), htmx)


def _message_api(api, member, target, text, acknowledge):
    path = f"/conversations/{target.conversation_id}/messages"
    return api.post(path, _ack({"body": text}, acknowledge, True))


def _message_stored(member, target):
    from rounds.messaging.models import Message

    newest = Message.objects.filter(conversation_id=target.conversation_id).order_by("-id")
    return newest.values_list("body", flat=True).first()


def _contact(member: Profile) -> Any:
    """A contact in the member's private notebook (someone not on Rounds)."""
    from rounds.contacts.tests.factories import add_contact

    return add_contact(member.user, "Ana Lucia Ferreira")


def _contact_note_page(client, member, target, text, acknowledge, htmx):
    url = reverse("contacts:log", args=[target.pk])
    data = {"kind": "note", "occurred_on": timezone.localdate().isoformat(), "body": text}
    return _post(client, url, _ack(data, acknowledge, "1"), htmx)


def _contact_note_api(api, member, target, text, acknowledge):
    return api.post(
        f"/contacts/{target.pk}/notes", _ack({"kind": "note", "body": text}, acknowledge, True)
    )


def _contact_note_stored(member, target):
    from rounds.contacts.models import ContactNote

    newest = ContactNote.objects.filter(contact=target).order_by("-id")
    return newest.values_list("body", flat=True).first()


def _how_met_page(client, member, target, text, acknowledge, htmx):
    data = {"name": "Ana Lucia Ferreira", "how_met": text}
    return _post(client, reverse("contacts:add"), _ack(data, acknowledge, "1"), htmx)


def _how_met_api(api, member, target, text, acknowledge):
    return api.post(
        "/contacts", _ack({"name": "Ana Lucia Ferreira", "how_met": text}, acknowledge, True)
    )


def _how_met_stored(member, target):
    from rounds.contacts.models import Contact

    return Contact.objects.filter(owner=member.user).values_list("how_met", flat=True).first()


def _post_page(client, member, target, text, acknowledge, htmx):
    data = {"body": text, "audience": "public"}
    return _post(client, reverse("feed:create"), _ack(data, acknowledge, "1"), htmx)


def _post_api(api, member, target, text, acknowledge):
    return api.post("/posts", _ack({"body": text, "audience": "public"}, acknowledge, True))


def _post_stored(member, target):
    from rounds.feed.models import Post

    newest = Post.objects.filter(author=member.user).order_by("-id")
    return newest.values_list("body", flat=True).first()


def _public_post(member: Profile) -> Any:
    """A public post by another member (the one commented on)."""
    from rounds.feed.services import post_create

    author = ProfileFactory(display_name="Ana Lucia Ferreira")
    return post_create(actor=author.user, body="Our sepsis bundle audit is out.", audience="public")


def _comment_page(client, member, target, text, acknowledge, htmx):
    url = reverse("feed:comment", args=[target.pk])
    return _post(client, url, _ack({"body": text}, acknowledge, "1"), htmx)


def _comment_api(api, member, target, text, acknowledge):
    return api.post(f"/posts/{target.pk}/comments", _ack({"body": text}, acknowledge, True))


def _comment_stored(member, target):
    from rounds.feed.models import Comment

    newest = Comment.objects.filter(post=target, author=member.user).order_by("-id")
    return newest.values_list("body", flat=True).first()


# --- community (groups and forums) ------------------------------------------------------------


def _group_name_page(client, member, target, text, acknowledge, htmx):
    data = {"name": text, "visibility": "public", "description": "Clinicians comparing notes."}
    return _post(client, reverse("community:create"), _ack(data, acknowledge, "1"), htmx)


def _group_name_api(api, member, target, text, acknowledge):
    return api.post("/groups", _ack({"name": text}, acknowledge, True))


def _group_field_stored(field: str):
    def stored(member, target):
        from rounds.community.models import Group

        return Group.objects.filter(created_by=member.user).values_list(field, flat=True).first()

    return stored


def _group_description_page(client, member, target, text, acknowledge, htmx):
    data = {"name": "Sepsis Forum", "visibility": "public", "description": text}
    return _post(client, reverse("community:create"), _ack(data, acknowledge, "1"), htmx)


def _group_description_api(api, member, target, text, acknowledge):
    return api.post(
        "/groups", _ack({"name": "Sepsis Forum", "description": text}, acknowledge, True)
    )


def _forum_group(member: Profile) -> Any:
    """A public group the member belongs to."""
    from rounds.community.services import group_create

    return group_create(actor=member.user, name="Hospital Medicine Forum")


def _thread_page(field: str):
    def submit(client, member, target, text, acknowledge, htmx):
        data = {"title": "Handover tools", "body": "Which checklist do you use?", field: text}
        url = reverse("community:thread_create", args=[target.slug])
        return _post(client, url, _ack(data, acknowledge, "1"), htmx)

    return submit


def _thread_api(field: str):
    def submit(api, member, target, text, acknowledge):
        data = {"title": "Handover tools", "body": "Which checklist do you use?", field: text}
        return api.post(f"/groups/{target.slug}/threads", _ack(data, acknowledge, True))

    return submit


def _thread_stored(field: str):
    def stored(member, target):
        from rounds.community.models import Thread

        newest = Thread.objects.filter(group=target).order_by("-id")
        return newest.values_list(field, flat=True).first()

    return stored


def _forum_thread(member: Profile) -> Any:
    """A thread in a public group the member belongs to."""
    from rounds.community.services import thread_create

    group = _forum_group(member)
    return thread_create(actor=member.user, group=group, title="Handover tools", body="Ideas?")


def _reply_page(client, member, target, text, acknowledge, htmx):
    url = reverse("community:reply_create", args=[target.group.slug, target.pk])
    return _post(client, url, _ack({"body": text}, acknowledge, "1"), htmx)


def _reply_api(api, member, target, text, acknowledge):
    path = f"/groups/{target.group.slug}/threads/{target.pk}/replies"
    return api.post(path, _ack({"body": text}, acknowledge, True))


def _reply_stored(member, target):
    from rounds.community.models import Reply

    newest = Reply.objects.filter(thread=target).order_by("-id")
    return newest.values_list("body", flat=True).first()


# --- events: a registrant's goal, people met (rounds/events/preparation.py) --------------------


def _event_registration(member: Profile) -> Any:
    """An upcoming event the member is going to."""
    from rounds.events.tests.factories import make_event, register

    event = make_event(title="Sepsis summit")
    register(event, member.user)
    return event


def _goal_page(client, member, target, text, acknowledge, htmx):
    url = reverse("events:prepare", args=[target.pk])
    return _post(client, url, _ack({"goal": text}, acknowledge, "1"), htmx)


def _goal_api(api, member, target, text, acknowledge):
    return api.put(f"/events/{target.pk}/goal", _ack({"goal": text}, acknowledge, True))


def _goal_stored(member, target):
    from rounds.events.models import Registration

    return Registration.objects.get(event=target, user=member.user).goal or None


def _met_attendee(member: Profile) -> Any:
    """A past event the member went to, with another attendee (the one marked as met)."""
    from rounds.events.tests.factories import fresh, make_event, make_past, register

    event = make_event(title="Sepsis summit")
    other = ProfileFactory(display_name="Ana Lucia Ferreira")
    register(event, member.user)
    register(event, other.user)
    make_past(event)
    return fresh(event), other


def _met_note_page(client, member, target, text, acknowledge, htmx):
    event, other = target
    url = reverse("events:met_mark", args=[event.pk, other.handle])
    return _post(client, url, _ack({"note": text}, acknowledge, "1"), htmx)


def _met_note_api(api, member, target, text, acknowledge):
    event, other = target
    path = f"/events/{event.pk}/met/{other.handle}"
    return api.put(path, _ack({"note": text}, acknowledge, True))


def _met_note_stored(member, target):
    from rounds.events.models import MetAttendee

    event, other = target
    return (
        MetAttendee.objects.filter(event=event, user=member.user, other=other.user)
        .values_list("note", flat=True)
        .first()
    )


# --- events: title, description, cancellation reason, shift title (rounds/events/services.py) --


def _event_form(**overrides: Any) -> dict[str, Any]:
    from datetime import timedelta

    start = (timezone.now() + timedelta(days=9)).strftime("%Y-%m-%dT10:00")
    end = (timezone.now() + timedelta(days=9)).strftime("%Y-%m-%dT12:00")
    data = {
        "title": "Sepsis summit",
        "kind": "networking",
        "description": "Talks and a mixer.",
        "time_zone": "UTC",
        "starts_at": start,
        "ends_at": end,
        "city": "Chicago",
    }
    data.update(overrides)
    return data


def _event_api_body(**overrides: Any) -> dict[str, Any]:
    from datetime import timedelta

    start = timezone.now() + timedelta(days=9)
    data = {
        "title": "Sepsis summit",
        "description": "Talks and a mixer.",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "city": "Chicago",
    }
    data.update(overrides)
    return data


def _event_field_page(field: str):
    def submit(client, member, target, text, acknowledge, htmx):
        data = _event_form(**{field: text})
        return _post(client, reverse("events:create"), _ack(data, acknowledge, "1"), htmx)

    return submit


def _event_field_api(field: str):
    def submit(api, member, target, text, acknowledge):
        return api.post("/events", _ack(_event_api_body(**{field: text}), acknowledge, True))

    return submit


def _event_field_stored(field: str):
    def stored(member, target):
        from rounds.events.models import Event

        return Event.objects.filter(organizer=member.user).values_list(field, flat=True).first()

    return stored


def _own_event(member: Profile) -> Any:
    """An upcoming volunteering event the member organizes."""
    from rounds.events.tests.factories import make_event

    return make_event(member.user, title="Free clinic day", kind="volunteering")


def _cancel_page(client, member, target, text, acknowledge, htmx):
    url = reverse("events:cancel", args=[target.pk])
    return _post(client, url, _ack({"reason": text}, acknowledge, "1"), htmx)


def _cancel_api(api, member, target, text, acknowledge):
    return api.post(f"/events/{target.pk}/cancel", _ack({"reason": text}, acknowledge, True))


def _cancel_stored(member, target):
    from rounds.events.models import Event

    return Event.objects.get(pk=target.pk).cancel_reason or None


def _shift_page(client, member, target, text, acknowledge, htmx):
    from datetime import timedelta

    data = {
        "title": text,
        # Times are local to the event's zone (UTC here), whole minutes inside the event.
        "starts_at": (target.starts_at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": target.ends_at.strftime("%Y-%m-%dT%H:%M"),
    }
    url = reverse("events:shifts", args=[target.pk])
    return _post(client, url, _ack(data, acknowledge, "1"), htmx)


def _shift_api(api, member, target, text, acknowledge):
    data = {
        "title": text,
        "starts_at": target.starts_at.isoformat(),
        "ends_at": target.ends_at.isoformat(),
    }
    return api.post(f"/events/{target.pk}/shifts", _ack(data, acknowledge, True))


def _shift_stored(member, target):
    from rounds.events.models import EventShift

    return EventShift.objects.filter(event=target).values_list("title", flat=True).first()


PATHS = [
    Path(
        name="profile.bio",
        kind="bio",
        field="bio",
        arrange=_nothing,
        page=_bio_page,
        api=_profile_api("bio"),
        stored=_profile_stored("bio"),
    ),
    Path(
        name="profile.headline",
        kind="headline",
        field="headline",
        arrange=_nothing,
        page=_headline_page,
        api=_profile_api("headline"),
        stored=_profile_stored("headline"),
    ),
    Path(
        name="network.connection_note",
        kind="connection_note",
        field="note",
        arrange=_recipient,
        page=_note_page,
        api=_note_api,
        stored=_note_stored,
        page_ok=(302,),  # the connect page is a plain form: it redirects after sending
        api_ok=201,
    ),
    Path(
        name="messaging.message",
        kind="message",
        field="body",
        arrange=_conversation,
        page=_message_page,
        api=_message_api,
        stored=_message_stored,
        api_ok=201,  # the page redirects (plain POST) or returns a fresh composer (htmx, 200)
    ),
    Path(
        name="contacts.note",  # private, but patient identifiers are never stored
        kind="other",
        field="body",
        arrange=_contact,
        page=_contact_note_page,
        api=_contact_note_api,
        stored=_contact_note_stored,
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="contacts.how_met",
        kind="other",
        field="how_met",
        arrange=_nothing,
        page=_how_met_page,
        api=_how_met_api,
        stored=_how_met_stored,
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="feed.post",
        kind="post",
        field="body",
        arrange=_nothing,
        page=_post_page,
        api=_post_api,
        stored=_post_stored,
        api_ok=201,  # the page redirects (plain POST) or returns a fresh composer (htmx, 200)
    ),
    Path(
        name="feed.comment",
        kind="comment",
        field="body",
        arrange=_public_post,
        page=_comment_page,
        api=_comment_api,
        stored=_comment_stored,
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="community.group_name",
        kind="group_description",
        field="name",
        arrange=_nothing,
        page=_group_name_page,
        api=_group_name_api,
        stored=_group_field_stored("name"),
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="community.group_description",
        kind="group_description",
        field="description",
        arrange=_nothing,
        page=_group_description_page,
        api=_group_description_api,
        stored=_group_field_stored("description"),
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="community.thread_title",
        kind="thread",
        field="title",
        arrange=_forum_group,
        page=_thread_page("title"),
        api=_thread_api("title"),
        stored=_thread_stored("title"),
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="community.thread_body",
        kind="thread",
        field="body",
        arrange=_forum_group,
        page=_thread_page("body"),
        api=_thread_api("body"),
        stored=_thread_stored("body"),
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="community.reply_body",
        kind="reply",
        field="body",
        arrange=_forum_thread,
        page=_reply_page,
        api=_reply_api,
        stored=_reply_stored,
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="events.goal",  # private to the registrant, but patient identifiers never stored
        kind="other",
        field="goal",
        arrange=_event_registration,
        page=_goal_page,
        api=_goal_api,
        stored=_goal_stored,
        page_ok=(302,),
    ),
    Path(
        name="events.met_note",  # private to the member who met them
        kind="other",
        field="note",
        arrange=_met_attendee,
        page=_met_note_page,
        api=_met_note_api,
        stored=_met_note_stored,
        page_ok=(302,),
        api_ok=201,  # the first save marks the attendee as met
    ),
    Path(
        name="events.title",
        kind="event_description",
        field="title",
        arrange=_nothing,
        page=_event_field_page("title"),
        api=_event_field_api("title"),
        stored=_event_field_stored("title"),
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="events.description",
        kind="event_description",
        field="description",
        arrange=_nothing,
        page=_event_field_page("description"),
        api=_event_field_api("description"),
        stored=_event_field_stored("description"),
        page_ok=(302,),
        api_ok=201,
    ),
    Path(
        name="events.cancel_reason",
        kind="event_description",
        field="reason",
        arrange=_own_event,
        page=_cancel_page,
        api=_cancel_api,
        stored=_cancel_stored,
        page_ok=(302,),
    ),
    Path(
        name="events.shift_title",
        kind="event_description",
        field="title",
        arrange=_own_event,
        page=_shift_page,
        api=_shift_api,
        stored=_shift_stored,
        page_ok=(302,),
        api_ok=201,
    ),
]

#: Free-text columns that are not publishing paths, and why.
NOT_PUBLISHED_BY_MEMBERS = {
    "messaging.Message.body_html": "the sanitised rendering of Message.body, which passed the "
    "guard (messaging.message) when it was sent",
    "feed.PostRevision.body": "earlier versions of a post: each passed the guard (feed.post) "
    "when it was published",
    "profiles.Organization.description": "no member-facing write path yet (staff edit it)",
    "events.Event.description_html": "the sanitised rendering of Event.description, which "
    "passed the guard (events.description) when it was written",
    "moderation.Report.details": "read only by moderators, never published; a report of a "
    "patient-privacy breach must be able to quote what it reports",
    "accounts.MemberSession.session_data": "the browser session's own state (who is signed "
    "in, sign-in flows), written by the framework, never shown to anyone",
}

INTERFACES = ["page", "page-htmx", "api"]


@pytest.fixture(params=PATHS, ids=lambda path: path.name)
def path(request) -> Path:
    return request.param


@pytest.fixture(params=INTERFACES)
def submit(request, member, client, path):
    """``submit(target, text, acknowledge) -> (status, response)`` through one interface."""
    interface = request.param
    if interface == "api":
        api = api_as(member.user)
        return lambda target, text, ack: path.api(api, member, target, text, ack)
    client.force_login(member.user)
    htmx = interface == "page-htmx"
    return lambda target, text, ack: path.page(client, member, target, text, ack, htmx)


def _is_api(response: HttpResponse) -> bool:
    return response["Content-Type"].startswith("application/json")


def _succeeded(path: Path, response: HttpResponse) -> bool:
    if _is_api(response):
        return response.status_code == path.api_ok
    return response.status_code in path.page_ok


def _tallies() -> dict[tuple[str, str, str, str], int]:
    return {
        (t.kind, t.category, t.rule, t.outcome): t.count
        for t in GuardTally.objects.filter(count__gt=0)
    }


def _assert_no_text_in_tallies(text: str, *fragments: str) -> None:
    """No counter row holds the text or any of its flagged ``fragments``."""
    for row in GuardTally.objects.values():
        for value in row.values():
            assert not any(part in str(value) for part in (text, *fragments)), row


# --- the behaviours, for every path and interface ----------------------------------------------


def test_patient_information_is_blocked_and_nothing_is_saved(path, submit, member):
    """Patient identifiers are a 422 with highlighted findings; nothing is published, even
    when the author "acknowledges" (blocks cannot be overridden)."""
    target = path.arrange(member)
    before = path.stored(member, target)
    for acknowledge in (False, True):
        response = submit(target, PATIENT_INFO, acknowledge)
        assert response.status_code == 422, response.content[:400]
        if _is_api(response):
            body = assert_error(response, 422, path.field)
            guard = body["guard"]
            assert guard["verdict"] == "block" and guard["blocked"] is True
            assert guard["needs_confirmation"] is False
            report = guard["fields"][path.field]
            rules = {f["rule"] for f in report["findings"]}
            assert {"phi.mrn", "phi.dob"} <= rules
            for finding in report["findings"]:
                assert PATIENT_INFO[finding["start"] : finding["end"]] == finding["matched"]
        else:
            html = response.content.decode()
            assert 'class="guard-mark guard-mark-block">00123456</mark>' in html
            assert "This could identify a patient" in html
            assert 'name="acknowledge_warnings"' not in html  # no "Publish anyway"
        assert path.stored(member, target) == before
    tallies = _tallies()
    assert tallies[(path.kind, "patient_information", "phi.mrn", "blocked")] == 2
    assert not [key for key in tallies if key[3] == "overridden"]
    _assert_no_text_in_tallies(PATIENT_INFO, "John Smith", "03/14/1956", "00123456")


def test_warning_needs_confirmation_then_publishes_and_counts_the_override(path, submit, member):
    """A warning-only text is a 422 asking for confirmation; with the acknowledgement it is
    published and the override is counted (the counter holds no text)."""
    target = path.arrange(member)
    before = path.stored(member, target)

    response = submit(target, WARNING, False)
    assert response.status_code == 422, response.content[:400]
    if _is_api(response):
        guard = assert_error(response, 422, path.field)["guard"]
        assert guard["verdict"] == "warn" and guard["needs_confirmation"] is True
        assert [f["rule"] for f in guard["fields"][path.field]["findings"]] == [WARNING_RULE[1]]
    else:
        html = response.content.decode()
        assert 'class="guard-mark guard-mark-warn">crap</mark>' in html
        assert 'name="acknowledge_warnings"' in html  # the one-click "Publish anyway"
    assert path.stored(member, target) == before
    assert _tallies() == {(path.kind, *WARNING_RULE, "warned"): 1}

    response = submit(target, WARNING, True)
    assert _succeeded(path, response), (response.status_code, response.content[:400])
    assert path.stored(member, target) == WARNING
    assert _tallies() == {
        (path.kind, *WARNING_RULE, "warned"): 1,
        (path.kind, *WARNING_RULE, "overridden"): 1,
    }
    _assert_no_text_in_tallies(WARNING, "crap", "EHR rollout")


def test_clean_text_is_published_the_first_time(path, submit, member):
    """A professional text is published without any question, and nothing is counted."""
    target = path.arrange(member)
    response = submit(target, CLEAN, False)
    assert _succeeded(path, response), (response.status_code, response.content[:400])
    assert path.stored(member, target) == CLEAN
    assert not GuardTally.objects.exists()


# --- no path can be forgotten -------------------------------------------------------------------


def _import_all_services() -> None:
    """Import every app's services module: publishing paths register when they are declared."""
    for module in pkgutil.iter_modules(rounds.__path__):
        try:
            importlib.import_module(f"rounds.{module.name}.services")
        except ModuleNotFoundError as exc:
            if exc.name != f"rounds.{module.name}.services":
                raise
    for name in SERVICE_MODULES_ELSEWHERE:
        importlib.import_module(name)


#: Service modules not named ``services`` that declare publishing paths.
SERVICE_MODULES_ELSEWHERE = ("rounds.events.preparation",)


def test_every_publishing_path_is_in_the_table():
    """The table above lists exactly the publishing paths the services declare."""
    _import_all_services()
    assert {p.name for p in PATHS} == set(PUBLISHING_PATHS)
    for p in PATHS:
        declared = PUBLISHING_PATHS[p.name]
        assert (declared.kind, declared.field) == (p.kind, p.field), p.name


def test_every_free_text_column_is_a_publishing_path():
    """Every TextField of our models (and every column a path names) is guarded, or exempt
    with a reason: a new kind of member text cannot skip the guard unnoticed."""
    _import_all_services()
    guarded = {p.model_field for p in PUBLISHING_PATHS.values()}
    for name in guarded:
        label, model_name, field_name = name.split(".")
        apps.get_model(label, model_name)._meta.get_field(field_name)  # names a real column
    free_text = {
        f"{model._meta.app_label}.{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("rounds.")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
    }
    unguarded = free_text - guarded - set(NOT_PUBLISHED_BY_MEMBERS)
    assert not unguarded, f"free-text columns without a publishing path: {sorted(unguarded)}"
