"""While an account deletion is scheduled, the member cannot publish or reach other members.

Others already treat them as absent (``profile_visible_to``), so anything they published would
come from an invisible member: every publishing path (the same table as the professionalism
guard's tests) and every write that reaches others without text is a 403 with a message that
says how to cancel — in the API's error shape, and in pages as the 403 page with a link to
Settings → Your data. Reading, exporting and cancelling keep working; after cancelling, the
same write goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rounds.accounts.data_rights.services import account_deletion_cancel, account_deletion_request
from rounds.accounts.policies import DELETION_SCHEDULED_MESSAGE
from rounds.core.tests.api_client import ApiClient, assert_error
from rounds.core.tests.test_publishing_paths import CLEAN, INTERFACES, PATHS, Path
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


def schedule_deletion(member: Profile) -> None:
    account_deletion_request(actor=member.user, password=PASSWORD, anonymise=False)


def session_client(member: Profile) -> Client:
    """Signed in after the request (it ends the member's sessions and revokes their tokens)."""
    client = Client(enforce_csrf_checks=False)
    client.force_login(member.user)
    return client


def assert_refused(response) -> None:
    """The 403 that explains the deletion: JSON in the API, the 403 page with the link else."""
    if response["Content-Type"].startswith("application/json"):
        body = assert_error(response, 403)
        assert body["detail"] == DELETION_SCHEDULED_MESSAGE
        return
    assert response.status_code == 403, (response.status_code, response.content[:400])
    html = response.content.decode()
    assert DELETION_SCHEDULED_MESSAGE in html
    if "error-card" in html:  # the 403 page (composers that show it inline: the message only)
        assert f'href="{reverse("accounts:data")}"' in html
        assert "Cancel the deletion in Settings</a>" in html


@pytest.fixture(params=PATHS, ids=lambda path: path.name)
def path(request) -> Path:
    return request.param


@pytest.mark.parametrize("interface", INTERFACES)
def test_no_publishing_path_accepts_a_leaving_member(path, interface, member):
    """Every publishing path refuses a clean text while the deletion is scheduled (nothing
    stored), and accepts it once the member has cancelled."""
    target = path.arrange(member)
    before = path.stored(member, target)
    schedule_deletion(member)
    client = session_client(member)

    def submit():
        if interface == "api":
            return path.api(ApiClient(client), member, target, CLEAN, False)
        return path.page(client, member, target, CLEAN, False, interface == "page-htmx")

    assert_refused(submit())
    assert path.stored(member, target) == before

    account_deletion_cancel(actor=member.user)
    response = submit()
    ok = path.api_ok if interface == "api" else None
    if ok is not None:
        assert response.status_code == ok, response.content[:400]
    else:
        assert response.status_code in path.page_ok, response.content[:400]
    assert path.stored(member, target) == CLEAN


# --- writes that reach other members without a text ---------------------------------------------


@dataclass(frozen=True)
class Reach:
    """A write that reaches others without publishing text: ``arrange(member)`` prepares it
    (before the deletion request) and returns a context; ``api(api, ctx)`` and (when a page
    does it) ``page(client, ctx)`` submit it; ``done(member, ctx)`` says whether it happened."""

    name: str
    arrange: Callable[[Profile], Any]
    api: Callable[[ApiClient, Any], Any]
    done: Callable[[Profile, Any], bool]
    page: Callable[[Client, Any], Any] | None = None


def _someone(member: Profile) -> Profile:
    return ProfileFactory(display_name="Ana Lucia Ferreira")


def _followed(member, other) -> bool:
    from rounds.network.models import Follow

    return Follow.objects.filter(follower=member.user, followee=other.user).exists()


def _requested(member, other) -> bool:
    from rounds.network.models import ConnectionRequest

    return ConnectionRequest.objects.filter(sender=member.user, recipient=other.user).exists()


def _incoming_request(member: Profile) -> Any:
    from rounds.network.services import connection_request_send

    return connection_request_send(actor=_someone(member).user, recipient=member.user)


def _connected(member, request) -> bool:
    from rounds.network.models import Connection

    return Connection.objects.filter(owner=member.user, other_id=request.sender_id).exists()


def _others_post(member: Profile) -> Any:
    from rounds.feed.tests.factories import make_post

    return make_post(_someone(member).user, "Our sepsis audit is out.")


def _liked(member, post) -> bool:
    from rounds.feed.models import Like

    return Like.objects.filter(post=post, user=member.user).exists()


def _reposted(member, post) -> bool:
    from rounds.feed.models import Post

    return Post.objects.filter(author=member.user, repost_of=post).exists()


def _others_group(member: Profile) -> Any:
    from rounds.community.tests.factories import make_group

    return make_group(_someone(member).user)


def _in_group(member, group) -> bool:
    from rounds.community.models import GroupMembership

    return GroupMembership.objects.filter(group=group, user=member.user).exists()


def _own_group_and_guest(member: Profile) -> Any:
    from rounds.community.tests.factories import make_group

    return make_group(member.user), _someone(member)


def _invited(member, ctx) -> bool:
    from rounds.community.models import GroupMembership

    group, guest = ctx
    return GroupMembership.objects.filter(group=group, user=guest.user).exists()


def _others_event(member: Profile) -> Any:
    from rounds.events.tests.factories import make_event

    return make_event(_someone(member).user)


def _registered(member, event) -> bool:
    from rounds.events.models import Registration

    return Registration.objects.filter(event=event, user=member.user).exists()


def _draft_event(member: Profile) -> Any:
    from rounds.events.tests.factories import make_event

    return make_event(member.user, publish=False)


def _published(member, event) -> bool:
    from rounds.events.models import Event

    return Event.objects.get(pk=event.pk).state == "published"


def _group_chat_and_newcomer(member: Profile) -> Any:
    from rounds.messaging.tests.factories import start
    from rounds.network.tests.factories import connect

    people = [ProfileFactory() for _ in range(3)]
    for person in people:
        connect(member.user, person.user)
    message = start(member.user, people[0].user, people[1].user, body="Journal club on Friday?")
    return message.conversation_id, people[2]


def _added(member, ctx) -> bool:
    from rounds.messaging.models import Participant

    conversation_id, newcomer = ctx
    return Participant.objects.filter(conversation_id=conversation_id, user=newcomer.user).exists()


def _message_request(member: Profile) -> Any:
    from rounds.messaging.tests.factories import start

    return start(_someone(member).user, member.user, body="Could we talk about your audit?")


def _request_accepted(member, message) -> bool:
    from rounds.messaging.models import Participant

    seat = Participant.objects.get(conversation_id=message.conversation_id, user=member.user)
    return seat.status == "active"


def _reported(member, other) -> bool:
    from rounds.moderation.models import Report

    return Report.objects.filter(reporter=member.user).exists()


REACHES = [
    Reach(
        name="follow",
        arrange=_someone,
        api=lambda api, other: api.put(f"/members/{other.handle}/follow"),
        page=lambda client, other: client.post(reverse("network:follow", args=[other.handle])),
        done=_followed,
    ),
    Reach(
        name="connection request without a note",
        arrange=_someone,
        api=lambda api, other: api.post("/network/requests", {"handle": other.handle}),
        page=lambda client, other: client.post(reverse("network:connect", args=[other.handle])),
        done=_requested,
    ),
    Reach(
        name="accept a connection request",
        arrange=_incoming_request,
        api=lambda api, request: api.post(f"/network/requests/{request.pk}/accept"),
        page=lambda client, request: client.post(
            reverse("network:request_accept", args=[request.pk])
        ),
        done=_connected,
    ),
    Reach(
        name="like",
        arrange=_others_post,
        api=lambda api, post: api.put(f"/posts/{post.pk}/like"),
        page=lambda client, post: client.post(reverse("feed:like", args=[post.pk]), {"liked": "1"}),
        done=_liked,
    ),
    Reach(
        name="repost",
        arrange=_others_post,
        api=lambda api, post: api.post(f"/posts/{post.pk}/reposts", {}),
        page=lambda client, post: client.post(
            reverse("feed:repost", args=[post.pk]), {"audience": "public", "body": ""}
        ),
        done=_reposted,
    ),
    Reach(
        name="join a group",
        arrange=_others_group,
        api=lambda api, group: api.post(f"/groups/{group.slug}/membership/join"),
        page=lambda client, group: client.post(
            reverse("community:membership", args=[group.slug, "join"])
        ),
        done=_in_group,
    ),
    Reach(
        name="invite to a group",
        arrange=_own_group_and_guest,
        api=lambda api, ctx: api.post(
            f"/groups/{ctx[0].slug}/invitations", {"handle": ctx[1].handle}
        ),
        page=lambda client, ctx: client.post(
            reverse("community:invite", args=[ctx[0].slug]), {"handle": ctx[1].handle}
        ),
        done=_invited,
    ),
    Reach(
        name="register for an event",
        arrange=_others_event,
        api=lambda api, event: api.put(f"/events/{event.pk}/registration", {"state": "going"}),
        page=lambda client, event: client.post(
            reverse("events:register", args=[event.pk]), {"state": "going"}
        ),
        done=_registered,
    ),
    Reach(
        name="publish an event",
        arrange=_draft_event,
        api=lambda api, event: api.post(f"/events/{event.pk}/publish"),
        page=lambda client, event: client.post(reverse("events:publish", args=[event.pk])),
        done=_published,
    ),
    Reach(
        name="add people to a conversation",
        arrange=_group_chat_and_newcomer,
        api=lambda api, ctx: api.post(
            f"/conversations/{ctx[0]}/participants", {"to": [ctx[1].handle]}
        ),
        page=lambda client, ctx: client.post(
            reverse("messaging:add_people", args=[ctx[0]]), {"to": ctx[1].handle}
        ),
        done=_added,
    ),
    Reach(
        name="accept a message request",
        arrange=_message_request,
        api=lambda api, message: api.post(f"/conversations/{message.conversation_id}/accept"),
        page=lambda client, message: client.post(
            reverse("messaging:accept", args=[message.conversation_id])
        ),
        done=_request_accepted,
    ),
    Reach(
        name="report",
        arrange=_someone,
        api=lambda api, other: api.post(
            "/reports", {"target_kind": "profile", "target_id": other.pk, "reason": "spam"}
        ),
        page=lambda client, other: client.post(
            reverse("moderation:report", args=["profile", other.pk]), {"reason": "spam"}
        ),
        done=_reported,
    ),
]


@pytest.mark.parametrize("reach", REACHES, ids=lambda reach: reach.name)
def test_writes_that_reach_others_refuse_a_leaving_member(reach, member):
    """Through the API (and the page where there is one): 403 with the message, nothing
    happens; after cancelling, the same API call goes through."""
    ctx = reach.arrange(member)
    schedule_deletion(member)
    client = session_client(member)
    api = ApiClient(client)
    assert_refused(reach.api(api, ctx))
    if reach.page is not None:
        assert_refused(reach.page(client, ctx))
    assert not reach.done(member, ctx)

    account_deletion_cancel(actor=member.user)
    response = reach.api(api, ctx)
    assert response.status_code < 300, response.content[:400]
    assert reach.done(member, ctx)


def test_reading_exporting_and_cancelling_keep_working(member, other_member):
    """During the grace period the member reads their pages and data, asks for an export,
    does private housekeeping (unfollow) and cancels — through the API and the pages."""
    from rounds.network.services import follow

    follow(actor=member.user, followee=other_member.user)
    schedule_deletion(member)
    client = session_client(member)
    api = ApiClient(client)
    for url in (reverse("profiles:home"), reverse("accounts:data"), reverse("accounts:settings")):
        assert client.get(url).status_code == 200, url
    assert api.get("/me/deletion").status_code == 200
    assert api.get("/conversations").status_code == 200
    assert api.post("/me/export").status_code == 202
    assert api.delete(f"/members/{other_member.handle}/follow").status_code < 300
    assert not _followed(member, other_member)
    response = client.post(reverse("accounts:deletion_cancel"))
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert not member.user.deletion_scheduled


def test_htmx_refusal_carries_the_message_for_the_page_script(member):
    """htmx does not swap a 403: the message and the cancel link travel in headers, which
    rounds.js shows in the page's alert box."""
    post = _others_post(member)
    schedule_deletion(member)
    client = session_client(member)
    response = client.post(
        reverse("feed:like", args=[post.pk]), {"liked": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert response["X-Rounds-Error"] == DELETION_SCHEDULED_MESSAGE
    assert response["X-Rounds-Error-Link"] == reverse("accounts:data")
    assert response["X-Rounds-Error-Link-Label"] == "Cancel the deletion in Settings"


def test_htmx_composer_refusal_carries_the_message_too(member):
    """The conversation composer answers a refused reply with the composer (403), which htmx
    does not swap: the reason travels in the same headers as every other refusal."""
    from rounds.messaging.models import Message
    from rounds.messaging.tests.factories import start
    from rounds.network.tests.factories import connect

    other = ProfileFactory()
    connect(member.user, other.user)
    conversation_id = start(member.user, other.user, body="Journal club on Friday?").conversation_id
    schedule_deletion(member)
    client = session_client(member)
    before = Message.objects.count()
    response = client.post(
        reverse("messaging:send", args=[conversation_id]),
        {"body": "See you there"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert response["X-Rounds-Error"] == DELETION_SCHEDULED_MESSAGE
    assert response["X-Rounds-Error-Link"] == reverse("accounts:data")
    assert Message.objects.count() == before
