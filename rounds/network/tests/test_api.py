"""The network endpoints of the JSON API: every transition, each illegal one (a clear 4xx and
nothing changed), privacy of labels, types, health and recommendations, and authentication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.models import AuditEntry
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.network.models import (
    Block,
    Connection,
    ConnectionRequest,
    Follow,
    Interaction,
    RecommendationDismissal,
)
from rounds.network.services import (
    block,
    connection_request_send,
    connection_set_label,
    connection_set_type,
    follow,
)
from rounds.network.tests.factories import connect
from rounds.profiles.services import affiliation_add, profile_update
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

PENDING = ConnectionRequest.State.PENDING


@pytest.fixture
def alice(db):
    return ProfileFactory(handle="alice", display_name="Alice Adams")


@pytest.fixture
def bob(db):
    return ProfileFactory(handle="bob", display_name="Bob Brown")


@pytest.fixture
def carol(db):
    return ProfileFactory(handle="carol", display_name="Carol Chen")


def as_(profile) -> ApiClient:
    return api_as(profile.user)


def requests_between(a, b):
    return ConnectionRequest.objects.filter(
        sender__in=[a.user, b.user], recipient__in=[a.user, b.user]
    )


def connected(a, b) -> bool:
    return Connection.objects.filter(owner=a.user, other=b.user).exists()


def snapshot() -> dict[str, list]:
    """Every network row, to assert an illegal call changed nothing."""
    return {
        "requests": list(
            ConnectionRequest.objects.order_by("pk").values_list(
                "pk", "sender_id", "recipient_id", "state", "note", "responded_at"
            )
        ),
        "connections": list(
            Connection.objects.order_by("pk").values_list(
                "pk", "owner_id", "other_id", "label", "proposed_type", "override_type"
            )
        ),
        "follows": list(Follow.objects.order_by("pk").values_list("pk", "follower_id")),
        "blocks": list(Block.objects.order_by("pk").values_list("pk", "blocker_id", "blocked_id")),
        "interactions": list(Interaction.objects.order_by("pk").values_list("pk", "kind")),
        "dismissals": list(
            RecommendationDismissal.objects.order_by("pk").values_list("pk", "candidate_id")
        ),
    }


def send(sender, recipient, note: str = "") -> ConnectionRequest:
    return connection_request_send(actor=sender.user, recipient=recipient.user, note=note)


# --- requests: the transitions ---------------------------------------------------------------


def test_send_request_creates_a_pending_request(alice, bob):
    """POST /network/requests creates a pending request with the note and says who it is for."""
    response = as_(alice).post("/network/requests", {"handle": "bob", "note": "  Met at ACP.  "})
    assert response.status_code == 201, response.content
    body = response.json()
    sent = ConnectionRequest.objects.get()
    assert body["id"] == sent.pk
    assert body["direction"] == "outgoing"
    assert body["member"]["handle"] == "bob"
    assert body["member"]["display_name"] == "Bob Brown"
    assert body["note"] == "Met at ACP."
    assert body["state"] == "pending"
    assert (sent.sender, sent.recipient, sent.state) == (alice.user, bob.user, PENDING)
    assert sent.expires_at - sent.created_at >= timedelta(days=89)


def test_handles_are_case_insensitive(alice, bob):
    """A request to `BOB` reaches bob."""
    response = as_(alice).post("/network/requests", {"handle": "BOB"})
    assert response.status_code == 201, response.content
    assert ConnectionRequest.objects.get().recipient == bob.user


def test_request_lists_show_incoming_and_outgoing(alice, bob, carol):
    """Incoming (the default) lists requests to you; outgoing lists those you sent."""
    to_alice = send(bob, alice, note="Hello")
    from_alice = send(alice, carol)
    send(bob, carol)  # not alice's business
    incoming = as_(alice).get("/network/requests").json()
    assert [r["id"] for r in incoming["items"]] == [to_alice.pk]
    assert incoming["items"][0]["member"]["handle"] == "bob"
    assert incoming["items"][0]["direction"] == "incoming"
    assert incoming["items"][0]["note"] == "Hello"
    assert incoming["has_next"] is False
    outgoing = as_(alice).get("/network/requests", {"direction": "outgoing"}).json()
    assert [r["id"] for r in outgoing["items"]] == [from_alice.pk]
    assert outgoing["items"][0]["member"]["handle"] == "carol"


def test_request_list_is_paginated(alice):
    """Requests come in pages with has_next and next_page."""
    for _ in range(3):
        send(ProfileFactory(), alice)
    api = as_(alice)
    first = api.get("/network/requests", {"page_size": 2}).json()
    assert len(first["items"]) == 2 and first["has_next"] and first["next_page"] == 2
    second = api.get("/network/requests", {"page_size": 2, "page": 2}).json()
    assert len(second["items"]) == 1 and not second["has_next"]


def test_accept_creates_the_connection_as_the_viewer_sees_it(alice, bob):
    """Accepting returns the recipient's side of the new connection; both sides exist."""
    req = send(alice, bob)
    response = as_(bob).post(f"/network/requests/{req.pk}/accept")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["member"]["handle"] == "alice"
    assert body["label"] is None and body["override_type"] is None
    assert body["network_type"] == body["proposed_type"] == "personal"
    assert body["connected_at"] and body["last_interaction_at"]
    req.refresh_from_db()
    assert req.state == ConnectionRequest.State.ACCEPTED
    assert connected(alice, bob) and connected(bob, alice)
    assert as_(bob).get("/network/requests").json()["items"] == []


def test_accept_proposes_operational_for_colleagues(alice, bob):
    """Members sharing a current organization get an operational proposal."""
    org = OrganizationFactory()
    affiliation_add(actor=alice.user, organization=org)
    affiliation_add(actor=bob.user, organization=org)
    req = send(alice, bob)
    body = as_(bob).post(f"/network/requests/{req.pk}/accept").json()
    assert body["proposed_type"] == body["network_type"] == "operational"


def test_decline_closes_the_request_without_connecting(alice, bob):
    """Declining answers the request; no connection is made."""
    req = send(alice, bob)
    response = as_(bob).post(f"/network/requests/{req.pk}/decline")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "declined"
    assert response.json()["direction"] == "incoming"
    assert response.json()["member"]["handle"] == "alice"
    req.refresh_from_db()
    assert req.state == ConnectionRequest.State.DECLINED and req.responded_at
    assert not connected(alice, bob)


def test_withdraw_closes_the_request_without_connecting(alice, bob):
    """The sender withdraws a pending request."""
    req = send(alice, bob)
    response = as_(alice).post(f"/network/requests/{req.pk}/withdraw")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"
    assert response.json()["direction"] == "outgoing"
    req.refresh_from_db()
    assert req.state == ConnectionRequest.State.WITHDRAWN
    assert not connected(alice, bob)
    assert as_(alice).get("/network/requests", {"direction": "outgoing"}).json()["items"] == []


def test_a_new_request_may_follow_a_declined_one(alice, bob):
    """After a decline the sender may ask again."""
    req = send(alice, bob)
    as_(bob).post(f"/network/requests/{req.pk}/decline")
    assert as_(alice).post("/network/requests", {"handle": "bob"}).status_code == 201


# --- requests: expiry and the illegal transitions --------------------------------------------


def test_expired_request_cannot_be_accepted_and_nothing_changes(alice, bob):
    """A request past its expiry is a 409 on accept, is not listed, and nothing changes."""
    req = send(alice, bob)
    ConnectionRequest.objects.filter(pk=req.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = snapshot()
    assert_error(as_(bob).post(f"/network/requests/{req.pk}/accept"), 409)
    assert_error(as_(bob).post(f"/network/requests/{req.pk}/decline"), 409)
    assert_error(as_(alice).post(f"/network/requests/{req.pk}/withdraw"), 409)
    assert snapshot() == before
    assert not connected(alice, bob)
    assert as_(bob).get("/network/requests").json()["items"] == []
    assert as_(alice).get("/network/requests", {"direction": "outgoing"}).json()["items"] == []


def test_an_expired_request_does_not_block_a_new_one(alice, bob):
    """Once a request expired the sender may send a fresh one."""
    req = send(alice, bob)
    ConnectionRequest.objects.filter(pk=req.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert as_(alice).post("/network/requests", {"handle": "bob"}).status_code == 201
    req.refresh_from_db()
    assert req.state == ConnectionRequest.State.EXPIRED


def test_accepting_twice_is_a_409_and_changes_nothing(alice, bob):
    """A second accept is refused with 409 and leaves one connection."""
    req = send(alice, bob)
    as_(bob).post(f"/network/requests/{req.pk}/accept")
    before = snapshot()
    body = assert_error(as_(bob).post(f"/network/requests/{req.pk}/accept"), 409)
    assert "accepted" in body["detail"]
    assert snapshot() == before
    assert Connection.objects.count() == 2


def test_answering_an_answered_request_is_a_409(alice, bob):
    """Decline after withdraw, withdraw after decline: 409, nothing changes."""
    withdrawn = send(alice, bob)
    as_(alice).post(f"/network/requests/{withdrawn.pk}/withdraw")
    before = snapshot()
    assert_error(as_(bob).post(f"/network/requests/{withdrawn.pk}/decline"), 409)
    assert_error(as_(bob).post(f"/network/requests/{withdrawn.pk}/accept"), 409)
    assert snapshot() == before
    declined = send(alice, bob)
    as_(bob).post(f"/network/requests/{declined.pk}/decline")
    before = snapshot()
    assert_error(as_(alice).post(f"/network/requests/{declined.pk}/withdraw"), 409)
    assert snapshot() == before


def test_someone_elses_request_is_not_found(alice, bob, carol):
    """Only the recipient may accept or decline and only the sender withdraw: others get 404."""
    req = send(alice, bob)
    before = snapshot()
    assert_error(as_(carol).post(f"/network/requests/{req.pk}/accept"), 404)
    assert_error(as_(carol).post(f"/network/requests/{req.pk}/decline"), 404)
    assert_error(as_(carol).post(f"/network/requests/{req.pk}/withdraw"), 404)
    assert_error(as_(alice).post(f"/network/requests/{req.pk}/accept"), 404)  # the sender
    assert_error(as_(alice).post(f"/network/requests/{req.pk}/decline"), 404)
    assert_error(as_(bob).post(f"/network/requests/{req.pk}/withdraw"), 404)  # the recipient
    assert snapshot() == before
    assert ConnectionRequest.objects.get().state == PENDING


def test_unknown_and_impossible_request_ids_are_404(alice):
    """Ids that name no request, including ones beyond bigint, are 404 (never 500)."""
    for request_id in (999_999, 0, -1, 2**63, 10**30):
        for action in ("accept", "decline", "withdraw"):
            assert_error(as_(alice).post(f"/network/requests/{request_id}/{action}"), 404)
    assert_error(as_(alice).post("/network/requests/abc/accept"), 422)


def test_request_to_a_member_who_blocked_you_is_404(alice, bob):
    """A blocker does not exist for the blocked: 404, no request."""
    block(actor=bob.user, blocked=alice.user)
    before = snapshot()
    body = assert_error(as_(alice).post("/network/requests", {"handle": "bob"}), 404)
    assert body["detail"] == "No member with that handle."
    assert snapshot() == before


def test_request_to_yourself_is_422(alice):
    """Asking yourself is a 422 on `handle`."""
    body = assert_error(as_(alice).post("/network/requests", {"handle": "alice"}), 422, "handle")
    assert "yourself" in body["detail"]
    assert not ConnectionRequest.objects.exists()


def test_request_to_a_member_you_blocked_is_422(alice, bob):
    """You must unblock a member before asking them."""
    block(actor=alice.user, blocked=bob.user)
    before = snapshot()
    assert_error(as_(alice).post("/network/requests", {"handle": "bob"}), 422, "handle")
    assert snapshot() == before


def test_duplicate_requests_are_409(alice, bob):
    """A second request, either way, is a 409 and leaves the first alone."""
    send(alice, bob)
    before = snapshot()
    assert_error(as_(alice).post("/network/requests", {"handle": "bob"}), 409, "handle")
    assert_error(as_(bob).post("/network/requests", {"handle": "alice"}), 409, "handle")
    assert snapshot() == before


def test_request_to_a_connection_is_409(alice, bob):
    """Already connected: 409."""
    connect(alice.user, bob.user)
    before = snapshot()
    body = assert_error(as_(alice).post("/network/requests", {"handle": "bob"}), 409, "handle")
    assert "already connected" in body["detail"]
    assert snapshot() == before


def test_note_is_limited_to_500_characters(alice, bob):
    """A 501-character note is a 422 on `note`; 500 is fine."""
    assert_error(
        as_(alice).post("/network/requests", {"handle": "bob", "note": "x" * 501}), 422, "note"
    )
    assert not ConnectionRequest.objects.exists()
    response = as_(alice).post("/network/requests", {"handle": "bob", "note": "x" * 500})
    assert response.status_code == 201
    assert len(ConnectionRequest.objects.get().note) == 500


def test_request_to_an_unknown_or_inactive_member_is_404(alice, bob):
    """Missing and deactivated members look the same: 404."""
    assert_error(as_(alice).post("/network/requests", {"handle": "nobody"}), 404)
    bob.user.is_active = False
    bob.user.save()
    assert_error(as_(alice).post("/network/requests", {"handle": "bob"}), 404)
    assert not ConnectionRequest.objects.exists()


def test_request_body_is_validated(alice, bob):
    """Missing handle, unknown fields and NUL characters are 422 naming the field."""
    api = as_(alice)
    assert_error(api.post("/network/requests", {}), 422, "handle")
    assert_error(
        api.post("/network/requests", {"handle": "bob", "state": "accepted"}), 422, "state"
    )
    assert_error(api.post("/network/requests", {"handle": "bob", "note": "a\x00b"}), 422, "note")
    assert_error(api.post("/network/requests", {"handle": "bob", "note": None}), 422, "note")
    assert not ConnectionRequest.objects.exists()


# --- connections -----------------------------------------------------------------------------


def test_connection_list_shows_the_viewers_own_side(alice, bob, carol):
    """Items carry the contact and the viewer's own label and types, never the other side's."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="mentor")
    connection_set_label(actor=bob.user, other_id=alice.user.pk, label="family")
    connection_set_type(actor=bob.user, other_id=alice.user.pk, network_type="strategic")
    body = as_(alice).get("/network/connections").json()
    by_handle = {item["member"]["handle"]: item for item in body["items"]}
    assert set(by_handle) == {"bob", "carol"}
    assert by_handle["bob"]["label"] == "mentor"
    assert by_handle["bob"]["override_type"] is None
    assert by_handle["bob"]["network_type"] == "personal"
    assert by_handle["carol"]["label"] is None
    assert set(by_handle["bob"]) == {
        "member",
        "label",
        "label_notice",
        "proposed_type",
        "override_type",
        "network_type",
        "last_interaction_at",
        "connected_at",
    }
    bobs = as_(bob).get("/network/connections").json()["items"]
    assert [(i["label"], i["network_type"]) for i in bobs] == [("family", "strategic")]


def test_connection_list_filters_by_type_label_and_text(alice, bob, carol):
    """`type`, `label` and `q` narrow the list; unknown values are a 422."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_type(actor=alice.user, other_id=bob.user.pk, network_type="strategic")
    connection_set_label(actor=alice.user, other_id=carol.user.pk, label="friend")
    api = as_(alice)

    def handles(params):
        return [
            i["member"]["handle"] for i in api.get("/network/connections", params).json()["items"]
        ]

    assert handles({"type": "strategic"}) == ["bob"]
    assert handles({"type": "personal"}) == ["carol"]
    assert handles({"type": "operational"}) == []
    assert handles({"label": "friend"}) == ["carol"]
    assert handles({"q": "chen"}) == ["carol"]
    assert handles({"q": "nobody"}) == []
    assert_error(api.get("/network/connections", {"type": "romantic"}), 422, "type")
    assert_error(api.get("/network/connections", {"label": "boss"}), 422, "label")


def test_the_plain_connection_list_matches_the_filtered_one_item_for_item(alice, bob, carol):
    """The unfiltered list reads compiled value rows, the filtered one model instances: both
    must print the same items (label notice, override, pages)."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="patient")
    connection_set_type(actor=alice.user, other_id=carol.user.pk, network_type="strategic")
    api = as_(alice)
    plain = api.get("/network/connections").json()["items"]
    assert [i["member"]["handle"] for i in plain] == ["carol", "bob"]  # newest first
    assert plain[1]["label_notice"] and plain[0]["override_type"] == "strategic"
    # a filter takes the model path
    for params, expected in (
        ({"label": "patient"}, [plain[1]]),
        ({"type": "strategic"}, [plain[0]]),
    ):
        assert api.get("/network/connections", params).json()["items"] == expected
    first = api.get("/network/connections", {"page_size": 1}).json()
    second = api.get("/network/connections", {"page_size": 1, "page": 2}).json()
    assert (first["items"], first["has_next"], first["next_page"]) == ([plain[0]], True, 2)
    assert (second["items"], second["has_next"], second["next_page"]) == ([plain[1]], False, None)


def test_connection_counts_per_network(alice, bob, carol):
    """The counts use the type in effect, override included."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_type(actor=alice.user, other_id=bob.user.pk, network_type="operational")
    body = as_(alice).get("/network/connection-counts").json()
    assert body == {"operational": 1, "personal": 1, "strategic": 0, "total": 2}
    assert as_(carol).get("/network/connection-counts").json()["total"] == 1


def test_label_a_connection(alice, bob):
    """PATCH label sets your private label and re-proposes the type; the other side is untouched."""
    org = OrganizationFactory()
    goal_owner = {"goals": ["Research collaboration"]}
    profile_update(actor=alice.user, profile=alice, changes=goal_owner)
    profile_update(actor=bob.user, profile=bob, changes=goal_owner)
    affiliation_add(actor=bob.user, organization=org)
    connect(alice.user, bob.user)
    assert Connection.objects.get(owner=alice.user).proposed_type == "strategic"
    response = as_(alice).patch("/network/connections/bob", {"label": "friend"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["label"] == "friend"
    assert body["proposed_type"] == body["network_type"] == "personal"
    assert body["label_notice"] is None
    mine = Connection.objects.get(owner=alice.user)
    assert (mine.label, mine.proposed_type) == ("friend", "personal")
    assert Connection.objects.get(owner=bob.user).label == ""
    cleared = as_(alice).patch("/network/connections/bob", {"label": ""}).json()
    assert cleared["label"] is None and cleared["proposed_type"] == "strategic"
    assert as_(alice).patch("/network/connections/bob", {"label": "colleague"}).status_code == 200
    assert as_(alice).patch("/network/connections/bob", {"label": None}).json()["label"] is None


def test_patient_label_comes_with_a_boundaries_notice(alice, bob):
    """Labelling a contact `patient` is allowed and carries a professional-boundaries notice."""
    connect(alice.user, bob.user)
    body = as_(alice).patch("/network/connections/bob", {"label": "patient"}).json()
    assert body["label"] == "patient"
    assert "boundaries" in body["label_notice"]


def test_override_and_reset_the_network_type(alice, bob):
    """PATCH network_type overrides the proposal; "" (or null) returns to it."""
    connect(alice.user, bob.user)
    api = as_(alice)
    body = api.patch("/network/connections/bob", {"network_type": "strategic"}).json()
    assert body["override_type"] == body["network_type"] == "strategic"
    assert body["proposed_type"] == "personal"
    assert Connection.objects.get(owner=alice.user).override_type == "strategic"
    assert Connection.objects.get(owner=bob.user).override_type == ""
    body = api.patch("/network/connections/bob", {"network_type": ""}).json()
    assert body["override_type"] is None and body["network_type"] == "personal"
    api.patch("/network/connections/bob", {"network_type": "operational"})
    body = api.patch("/network/connections/bob", {"network_type": None}).json()
    assert body["override_type"] is None
    assert Connection.objects.get(owner=alice.user).override_type == ""


def test_label_and_type_in_one_patch(alice, bob):
    """Both fields in one PATCH are both applied."""
    connect(alice.user, bob.user)
    body = (
        as_(alice)
        .patch("/network/connections/bob", {"label": "collaborator", "network_type": "strategic"})
        .json()
    )
    assert (body["label"], body["network_type"]) == ("collaborator", "strategic")


def test_unknown_label_or_type_is_422_and_changes_nothing(alice, bob):
    """Values outside the lists, wrong types, empty and unknown fields are 422; nothing changes."""
    connect(alice.user, bob.user)
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="mentor")
    api = as_(alice)
    before = snapshot()
    assert_error(api.patch("/network/connections/bob", {"label": "boss"}), 422, "label")
    assert_error(
        api.patch("/network/connections/bob", {"network_type": "romantic"}), 422, "network_type"
    )
    assert_error(
        api.patch("/network/connections/bob", {"label": "friend", "network_type": "x"}),
        422,
        "network_type",
    )
    assert_error(api.patch("/network/connections/bob", {"label": 3}), 422, "label")
    assert_error(api.patch("/network/connections/bob", {}), 422, "__all__")
    assert_error(api.patch("/network/connections/bob", {"owner": "carol"}), 422, "owner")
    assert snapshot() == before


def test_a_connection_you_are_not_in_is_404(alice, bob, carol):
    """PATCH or DELETE of a connection you are not in is a 404; theirs is untouched."""
    connect(bob.user, carol.user)
    before = snapshot()
    api = as_(alice)
    for handle in ("carol", "bob", "nobody", "alice"):
        assert_error(api.patch(f"/network/connections/{handle}", {"label": "friend"}), 404)
        assert_error(api.patch(f"/network/connections/{handle}", {"network_type": "personal"}), 404)
        assert_error(api.delete(f"/network/connections/{handle}"), 404)
    assert snapshot() == before


def test_remove_a_connection(alice, bob):
    """DELETE removes both sides; removing again is a 404."""
    connect(alice.user, bob.user)
    response = as_(alice).delete("/network/connections/bob")
    assert response.status_code == 204
    assert not connected(alice, bob) and not connected(bob, alice)
    assert_error(as_(alice).delete("/network/connections/bob"), 404)
    assert as_(bob).get("/network/connections").json()["items"] == []


def test_a_connection_to_a_deactivated_member_can_still_be_removed(alice, bob):
    """A connection to a member since deactivated can still be labelled and removed."""
    connect(alice.user, bob.user)
    bob.user.is_active = False
    bob.user.save()
    assert as_(alice).patch("/network/connections/bob", {"label": "other"}).status_code == 200
    assert as_(alice).delete("/network/connections/bob").status_code == 204


# --- follows and relationships ---------------------------------------------------------------


def test_follow_and_unfollow(alice, bob):
    """PUT follows and DELETE unfollows, both idempotent, returning the relationship."""
    api = as_(alice)
    response = api.put("/members/bob/follow")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["handle"] == "bob"
    assert body["following"] is True and body["follower_count"] == 1
    assert Follow.objects.filter(follower=alice.user, followee=bob.user).count() == 1
    assert api.put("/members/bob/follow").json()["follower_count"] == 1
    assert Follow.objects.count() == 1
    body = api.delete("/members/bob/follow").json()
    assert body["following"] is False and body["follower_count"] == 0
    assert not Follow.objects.exists()
    assert api.delete("/members/bob/follow").status_code == 200


def test_illegal_follows(alice, bob, carol):
    """Yourself or a member you blocked: 422; a member who blocked you or nobody: 404."""
    block(actor=alice.user, blocked=bob.user)
    block(actor=carol.user, blocked=alice.user)
    api = as_(alice)
    before = snapshot()
    assert_error(api.put("/members/alice/follow"), 422, "handle")
    assert_error(api.put("/members/bob/follow"), 422, "handle")
    assert_error(api.put("/members/carol/follow"), 404)
    assert_error(api.put("/members/nobody/follow"), 404)
    assert_error(api.delete("/members/carol/follow"), 404)
    assert snapshot() == before


def test_followers_and_following_lists(alice, bob, carol):
    """A member's followers and followees are listed as cards, by name."""
    follow(actor=alice.user, followee=carol.user)
    follow(actor=bob.user, followee=carol.user)
    follow(actor=carol.user, followee=alice.user)
    api = as_(bob)
    followers = api.get("/members/carol/followers").json()
    assert [m["handle"] for m in followers["items"]] == ["alice", "bob"]
    assert followers["items"][0]["display_name"] == "Alice Adams"
    following = api.get("/members/carol/following").json()
    assert [m["handle"] for m in following["items"]] == ["alice"]
    assert_error(api.get("/members/nobody/followers"), 404)


def test_follower_lists_respect_privacy_and_blocks(alice, bob, carol):
    """Visitors see public profiles only; blocked and blocking members are left out."""
    carol.visibility = "public"
    carol.save()
    alice.visibility = "public"
    alice.save()
    follow(actor=alice.user, followee=carol.user)
    follow(actor=bob.user, followee=carol.user)  # bob's profile is members-only
    visitor = ApiClient().get("/members/carol/followers")
    assert visitor.status_code == 200
    assert [m["handle"] for m in visitor.json()["items"]] == ["alice"]
    assert_error(ApiClient().get("/members/bob/followers"), 404)  # members-only profile
    dave = ProfileFactory(handle="dave")
    block(actor=dave.user, blocked=bob.user)
    follow(actor=dave.user, followee=carol.user)
    assert [m["handle"] for m in as_(bob).get("/members/carol/followers").json()["items"]] == [
        "alice",
        "bob",
    ]
    assert_error(as_(bob).get("/members/dave/following"), 404)


def test_relationship_shows_connection_requests_follows_and_blocks(alice, bob, carol):
    """The relationship names pending requests by id and direction, follows both ways and counts."""
    api = as_(alice)
    fresh = api.get("/members/bob/relationship").json()
    assert fresh == {
        "handle": "bob",
        "is_self": False,
        "connected": False,
        "connected_at": None,
        "pending": None,
        "incoming_request_id": None,
        "outgoing_request_id": None,
        "following": False,
        "followed_by": False,
        "blocked_by_me": False,
        "follower_count": 0,
        "following_count": 0,
    }
    out = send(alice, bob)
    incoming = send(carol, alice)
    follow(actor=bob.user, followee=alice.user)
    body = api.get("/members/bob/relationship").json()
    assert body["pending"] == "outgoing" and body["outgoing_request_id"] == out.pk
    assert body["followed_by"] is True and body["following_count"] == 1
    body = api.get("/members/carol/relationship").json()
    assert body["pending"] == "incoming" and body["incoming_request_id"] == incoming.pk
    as_(bob).post(f"/network/requests/{out.pk}/accept")
    body = api.get("/members/bob/relationship").json()
    assert body["connected"] is True and body["connected_at"] and body["pending"] is None
    block(actor=alice.user, blocked=carol.user)
    assert api.get("/members/carol/relationship").json()["blocked_by_me"] is True
    assert_error(as_(carol).get("/members/alice/relationship"), 404)
    assert api.get("/members/alice/relationship").json()["is_self"] is True


# --- blocks ----------------------------------------------------------------------------------


def test_block_removes_ties_and_is_audited(alice, bob, carol):
    """Blocking removes the connection, follows both ways and pending requests; it is audited."""
    connect(alice.user, bob.user)
    follow(actor=alice.user, followee=bob.user)
    follow(actor=bob.user, followee=alice.user)
    pending = send(bob, carol)
    response = as_(carol).post("/network/blocks", {"handle": "bob"})
    assert response.status_code == 201, response.content
    assert response.json()["member"]["handle"] == "bob"
    pending.refresh_from_db()
    assert pending.state == ConnectionRequest.State.DECLINED
    response = as_(alice).post("/network/blocks", {"handle": "bob"})
    assert response.status_code == 201
    assert not connected(alice, bob) and not connected(bob, alice)
    assert not Follow.objects.exists()
    assert Block.objects.filter(blocker=alice.user, blocked=bob.user).exists()
    assert AuditEntry.objects.filter(action="network.block", actor=alice.user).exists()
    assert_error(as_(bob).get("/members/alice"), 404)
    assert_error(as_(bob).post("/network/requests", {"handle": "alice"}), 404)
    blocks = as_(alice).get("/network/blocks").json()
    assert [b["member"]["handle"] for b in blocks["items"]] == ["bob"]
    assert blocks["items"][0]["blocked_at"]


def test_blocking_twice_is_harmless(alice, bob):
    """A second block returns the existing one."""
    as_(alice).post("/network/blocks", {"handle": "bob"})
    assert as_(alice).post("/network/blocks", {"handle": "bob"}).status_code == 201
    assert Block.objects.count() == 1


def test_illegal_blocks(alice, bob):
    """Yourself: 422 on handle; a member who blocked you or nobody: 404; nothing changes."""
    block(actor=bob.user, blocked=alice.user)
    before = snapshot()
    api = as_(alice)
    assert_error(api.post("/network/blocks", {"handle": "alice"}), 422, "handle")
    assert_error(api.post("/network/blocks", {"handle": "bob"}), 404)
    assert_error(api.post("/network/blocks", {"handle": "nobody"}), 404)
    assert_error(api.post("/network/blocks", {"handle": ""}), 422, "handle")
    assert snapshot() == before


def test_unblock(alice, bob):
    """DELETE lifts the block (audited); the connection does not come back; again is a 404."""
    connect(alice.user, bob.user)
    block(actor=alice.user, blocked=bob.user)
    response = as_(alice).delete("/network/blocks/bob")
    assert response.status_code == 204
    assert not Block.objects.exists()
    assert not connected(alice, bob)
    assert AuditEntry.objects.filter(action="network.unblock").exists()
    assert_error(as_(alice).delete("/network/blocks/bob"), 404)
    assert as_(bob).get("/members/alice").status_code == 200


def test_unblock_works_when_blocked_back(alice, bob):
    """A member who blocked you back is invisible, yet you can still lift your own block."""
    block(actor=alice.user, blocked=bob.user)
    block(actor=bob.user, blocked=alice.user)
    assert as_(alice).delete("/network/blocks/bob").status_code == 204
    assert list(Block.objects.values_list("blocker_id", flat=True)) == [bob.user.pk]


def test_unblocking_someone_else_is_404(alice, bob, carol):
    """Only your own blocks can be lifted."""
    block(actor=bob.user, blocked=carol.user)
    before = snapshot()
    assert_error(as_(alice).delete("/network/blocks/carol"), 404)
    assert_error(as_(carol).delete("/network/blocks/bob"), 404)
    assert snapshot() == before


# --- interactions ----------------------------------------------------------------------------


def test_record_an_interaction(alice, bob):
    """Noting a meeting logs it and moves the connection's last interaction for both sides."""
    connect(alice.user, bob.user)
    old = timezone.now() - timedelta(days=400)
    Connection.objects.update(last_interaction_at=old)
    when = timezone.now() - timedelta(days=2)
    response = as_(alice).post(
        "/network/interactions", {"handle": "bob", "kind": "met", "occurred_at": when.isoformat()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "met" and body["member"]["handle"] == "bob"
    entry = Interaction.objects.get(kind="met")
    assert (entry.actor, entry.other, entry.occurred_at) == (alice.user, bob.user, when)
    for side in Connection.objects.all():
        assert side.last_interaction_at == when
    assert (
        as_(alice).post("/network/interactions", {"handle": "bob", "kind": "call"}).status_code
        == 201
    )
    assert Interaction.objects.filter(kind="call").count() == 1


def test_illegal_interactions(alice, bob):
    """Unknown kinds, future or zone-less times, yourself and strangers: refused, nothing logged."""
    api = as_(alice)
    before = snapshot()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert_error(
        api.post("/network/interactions", {"handle": "bob", "kind": "message"}), 422, "kind"
    )
    assert_error(
        api.post("/network/interactions", {"handle": "bob", "kind": "met", "occurred_at": future}),
        422,
        "occurred_at",
    )
    for bad in ("2024-01-01T10:00:00", "yesterday", "0001-01-01T00:00:00+05:00"):
        assert_error(
            api.post("/network/interactions", {"handle": "bob", "kind": "met", "occurred_at": bad}),
            422,
            "occurred_at",
        )
    assert_error(
        api.post("/network/interactions", {"handle": "alice", "kind": "met"}), 422, "handle"
    )
    assert_error(api.post("/network/interactions", {"handle": "nobody", "kind": "met"}), 404)
    assert snapshot() == before


# --- health ----------------------------------------------------------------------------------


def test_health_reports_the_viewers_own_network(alice, bob, carol):
    """Size, counts, shares, active and dormant ties, and metrics with explanation and next step."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_type(actor=alice.user, other_id=bob.user.pk, network_type="strategic")
    Connection.objects.filter(owner=alice.user, other=carol.user).update(
        last_interaction_at=timezone.now() - timedelta(days=200)
    )
    body = as_(alice).get("/network/health").json()
    assert body["size"] == 2
    assert body["counts"] == {"operational": 0, "personal": 1, "strategic": 1}
    assert body["shares"] == {"operational": 0.0, "personal": 0.5, "strategic": 0.5}
    assert body["active"] == 1 and body["dormant"] == 1 and body["dormant_days"] == 180
    assert body["weakest"] == "operational"
    keys = {m["key"] for m in body["metrics"]}
    assert {"size", "diversity", "ei_index", "effective_size", "constraint", "dormant"} <= keys
    for metric in body["metrics"]:
        assert metric["explanation"] and metric["next_step"] and metric["display"]
    longer = as_(alice).get("/network/health", {"dormant_days": 365}).json()
    assert longer["dormant"] == 0 and longer["dormant_days"] == 365


def test_health_of_an_empty_network(alice):
    """A member without connections gets zeros and a first step, not an error."""
    body = as_(alice).get("/network/health").json()
    assert body["size"] == 0 and body["weakest"] is None
    assert all(m["next_step"] for m in body["metrics"])


def test_health_period_must_be_one_of_the_listed(alice):
    """`dormant_days` other than 90, 180 or 365 is a 422."""
    for value in ("30", "abc", "-1", "9" * 30):
        assert_error(
            as_(alice).get("/network/health", {"dormant_days": value}), 422, "dormant_days"
        )


# --- recommendations -------------------------------------------------------------------------


def test_people_you_may_know_with_reasons(alice, bob, carol):
    """kind=people lists second-degree members with their card, score, mutuals and reasons."""
    connect(alice.user, bob.user)
    connect(bob.user, carol.user)
    body = as_(alice).get("/network/recommendations").json()
    assert body["kind"] == "people"
    assert [r["member"]["handle"] for r in body["items"]] == ["carol"]
    item = body["items"][0]
    assert item["mutual"] == 1 and item["reasons"][0] == "1 mutual connection"
    assert item["member"]["display_name"] == "Carol Chen"
    assert isinstance(item["score"], float)


def test_strategic_recommendations_with_reasons(alice, bob):
    """kind=strategic lists members outside your organizations who share your goals."""
    goal = {"goals": ["Research collaboration"]}
    profile_update(actor=alice.user, profile=alice, changes=goal)
    profile_update(actor=bob.user, profile=bob, changes=goal)
    affiliation_add(actor=alice.user, organization=OrganizationFactory())
    affiliation_add(actor=bob.user, organization=OrganizationFactory())
    body = as_(alice).get("/network/recommendations", {"kind": "strategic"}).json()
    assert body["kind"] == "strategic"
    assert [r["member"]["handle"] for r in body["items"]] == ["bob"]
    assert "outside your organization" in body["items"][0]["reasons"]


def test_recommendation_limit_and_kind_are_validated(alice):
    """An unknown kind or a limit outside 1–30 is a 422."""
    api = as_(alice)
    assert_error(api.get("/network/recommendations", {"kind": "enemies"}), 422, "kind")
    assert_error(api.get("/network/recommendations", {"limit": 31}), 422, "limit")
    assert_error(api.get("/network/recommendations", {"limit": 0}), 422, "limit")


def test_recommendation_limit_is_applied(alice, bob):
    """`limit` caps the number of recommendations."""
    connect(alice.user, bob.user)
    for _ in range(4):
        connect(bob.user, ProfileFactory().user)
    api = as_(alice)
    assert len(api.get("/network/recommendations").json()["items"]) == 4
    assert len(api.get("/network/recommendations", {"limit": 2}).json()["items"]) == 2


def test_dismiss_a_recommendation(alice, bob, carol):
    """Dismissing hides the member for 90 days."""
    connect(alice.user, bob.user)
    connect(bob.user, carol.user)
    api = as_(alice)
    response = api.post("/network/recommendations/carol/dismiss")
    assert response.status_code == 200, response.content
    assert response.json()["handle"] == "carol"
    dismissal = RecommendationDismissal.objects.get()
    assert (dismissal.user, dismissal.candidate) == (alice.user, carol.user)
    assert dismissal.until - timezone.now() > timedelta(days=89)
    assert api.get("/network/recommendations").json()["items"] == []


def test_illegal_dismissals(alice, bob):
    """Dismissing yourself is a 422, a blocker or nobody a 404; nothing is recorded."""
    block(actor=bob.user, blocked=alice.user)
    before = snapshot()
    assert_error(as_(alice).post("/network/recommendations/alice/dismiss"), 422, "handle")
    assert_error(as_(alice).post("/network/recommendations/bob/dismiss"), 404)
    assert_error(as_(alice).post("/network/recommendations/nobody/dismiss"), 404)
    assert snapshot() == before


def test_recommendations_never_include_blocked_connected_or_pending(alice, bob, carol):
    """Blocked, blocking, connected and pending members are never recommended."""
    connect(alice.user, bob.user)
    for _ in range(4):
        connect(bob.user, ProfileFactory().user)
    connect(bob.user, carol.user)
    others = list(Connection.objects.filter(owner=bob.user).exclude(other=alice.user))
    blocked, blocker, pending, *_rest = [side.other for side in others]
    block(actor=alice.user, blocked=blocked)
    block(actor=blocker, blocked=alice.user)
    connection_request_send(actor=alice.user, recipient=pending)
    handles = {
        r["member"]["handle"] for r in as_(alice).get("/network/recommendations").json()["items"]
    }
    excluded = {u.profile.handle for u in (blocked, blocker, pending)} | {"alice", "bob"}
    assert handles and not handles & excluded


# --- authorization ---------------------------------------------------------------------------

PRIVATE_OPERATIONS = [
    ("GET", "/network/requests"),
    ("POST", "/network/requests"),
    ("POST", "/network/requests/1/accept"),
    ("POST", "/network/requests/1/decline"),
    ("POST", "/network/requests/1/withdraw"),
    ("GET", "/network/connections"),
    ("GET", "/network/connection-counts"),
    ("PATCH", "/network/connections/bob"),
    ("DELETE", "/network/connections/bob"),
    ("GET", "/network/blocks"),
    ("POST", "/network/blocks"),
    ("DELETE", "/network/blocks/bob"),
    ("POST", "/network/interactions"),
    ("GET", "/network/health"),
    ("GET", "/network/recommendations"),
    ("POST", "/network/recommendations/bob/dismiss"),
    ("GET", "/members/bob/relationship"),
    ("PUT", "/members/bob/follow"),
    ("DELETE", "/members/bob/follow"),
]


@pytest.mark.parametrize(("method", "path"), PRIVATE_OPERATIONS)
def test_visitors_get_401(alice, bob, method, path):
    """Every private network endpoint is a JSON 401 without credentials, and changes nothing."""
    connect(alice.user, bob.user)
    before = snapshot()
    api = ApiClient()
    if method == "GET":
        response = api.get(path)
    else:
        response = api.send(method, path, {"handle": "bob", "kind": "met"})
    body = assert_error(response, 401)
    assert "Authentication" in body["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), PRIVATE_OPERATIONS)
def test_revoked_tokens_get_401(alice, method, path):
    """A revoked or unknown token is a 401 everywhere."""
    api = ApiClient(token="rnd_not-a-real-token")
    assert_error(api.get(path) if method == "GET" else api.send(method, path, {}), 401)


def test_session_auth_is_accepted(client, alice, bob):
    """A signed-in browser session may call the network API (CSRF: see the robustness tests)."""
    client.force_login(alice.user)
    api = ApiClient(client)
    assert api.get("/network/connections").status_code == 200
    assert api.post("/network/requests", {"handle": "bob"}).status_code == 201


def test_another_members_private_data_is_never_returned(alice, bob, carol):
    """Alice's token only ever returns alice's data; parameters naming bob are ignored."""
    connect(bob.user, carol.user)
    connection_set_label(actor=bob.user, other_id=carol.user.pk, label="family")
    connection_set_type(actor=bob.user, other_id=carol.user.pk, network_type="strategic")
    send(ProfileFactory(), bob)
    send(bob, ProfileFactory())
    block(actor=bob.user, blocked=ProfileFactory().user)
    api = as_(alice)
    spy = {"owner": "bob", "handle": "bob", "user": bob.user.pk, "viewer": bob.user.pk}
    assert api.get("/network/connections", spy).json()["items"] == []
    assert api.get("/network/connections", {**spy, "label": "family"}).json()["items"] == []
    assert api.get("/network/connection-counts", spy).json()["total"] == 0
    assert api.get("/network/requests", spy).json()["items"] == []
    assert api.get("/network/requests", {**spy, "direction": "outgoing"}).json()["items"] == []
    assert api.get("/network/blocks", spy).json()["items"] == []
    assert api.get("/network/health", spy).json()["size"] == 0
    assert api.get("/network/recommendations", spy).json()["items"] == []
    # the relationship says nothing about bob's connection to carol, labels or types
    rel = api.get("/members/bob/relationship").json()
    assert not rel["connected"] and "label" not in rel and "network_type" not in rel
    # and no URL reads another member's network: these do not exist
    for path in (
        "/network/health/bob",
        "/network/connections/bob",
        "/members/bob/connections",
        "/members/bob/health",
        "/members/bob/recommendations",
        "/network/recommendations/bob",
    ):
        assert api.get(path).status_code in {404, 405}, path


def test_private_network_endpoints_take_no_member_parameter():
    """In the OpenAPI schema, health, connections, counts and recommendations take no member."""
    from config.api import api

    schema = api.get_openapi_schema(path_prefix="")
    for path in (
        "/network/health",
        "/network/connections",
        "/network/connection-counts",
        "/network/recommendations",
        "/network/blocks",
        "/network/requests",
    ):
        params = {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}
        assert not params & {"handle", "user", "user_id", "owner", "member"}, (path, params)


# --- documentation ---------------------------------------------------------------------------


def test_network_paths_are_documented_in_openapi(client):
    """Every network path appears in /api/v1/openapi.json with a summary and error schema."""
    schema = client.get("/api/v1/openapi.json").json()
    expected = {
        ("get", "/api/v1/network/requests"),
        ("post", "/api/v1/network/requests"),
        ("post", "/api/v1/network/requests/{request_id}/accept"),
        ("post", "/api/v1/network/requests/{request_id}/decline"),
        ("post", "/api/v1/network/requests/{request_id}/withdraw"),
        ("get", "/api/v1/network/connections"),
        ("get", "/api/v1/network/connection-counts"),
        ("patch", "/api/v1/network/connections/{handle}"),
        ("delete", "/api/v1/network/connections/{handle}"),
        ("get", "/api/v1/network/blocks"),
        ("post", "/api/v1/network/blocks"),
        ("delete", "/api/v1/network/blocks/{handle}"),
        ("post", "/api/v1/network/interactions"),
        ("get", "/api/v1/network/health"),
        ("get", "/api/v1/network/recommendations"),
        ("post", "/api/v1/network/recommendations/{handle}/dismiss"),
        ("put", "/api/v1/members/{handle}/follow"),
        ("delete", "/api/v1/members/{handle}/follow"),
        ("get", "/api/v1/members/{handle}/followers"),
        ("get", "/api/v1/members/{handle}/following"),
        ("get", "/api/v1/members/{handle}/relationship"),
    }
    listed = {(m, p) for p, item in schema["paths"].items() for m in item}
    assert expected <= listed, expected - listed
    for method, path in expected:
        operation = schema["paths"][path][method]
        assert operation["summary"] and operation["description"], (method, path)
        assert "network" in operation["tags"]
        errors = {c for c in operation["responses"] if c.startswith("4")}
        assert "401" in errors, (method, path)
    for name in (
        "ConnectionOut",
        "RequestOut",
        "HealthOut",
        "RelationshipOut",
        "RecommendationOut",
    ):
        assert name in schema["components"]["schemas"], name
