"""HTML pages of the network: every transition through the pages, each illegal one answered with
a clear 4xx and nothing changed, privacy of labels, types, health and recommendations, the
relationship panel on profiles, and sign-in for every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.core.models import AuditEntry
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
    connection_remove,
    connection_request_send,
    connection_set_label,
    connection_set_type,
    follow,
    recommendation_dismiss,
)
from rounds.network.tests.factories import connect
from rounds.profiles.models import Goal
from rounds.profiles.services import profile_update
from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
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


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice.user)
    return client


def login(client, profile):
    client.logout()
    client.force_login(profile.user)
    return client


def html(response) -> str:
    return response.content.decode()


def side(owner, other) -> Connection:
    return Connection.objects.get(owner=owner.user, other=other.user)


def connected(a, b) -> bool:
    return Connection.objects.filter(
        owner__in=[a.user, b.user], other__in=[a.user, b.user]
    ).exists()


def pending_between(a, b):
    return ConnectionRequest.objects.filter(
        sender__in=[a.user, b.user], recipient__in=[a.user, b.user], state=PENDING
    )


def snapshot(*models):
    """A comparable picture of the network tables, to prove that nothing changed."""
    return {
        model.__name__: sorted(model.objects.values_list(*[f.attname for f in model._meta.fields]))
        for model in models
    }


NETWORK_MODELS = (
    Connection,
    ConnectionRequest,
    Follow,
    Block,
    Interaction,
    RecommendationDismissal,
)


# --- sign-in --------------------------------------------------------------------------------

GET_PAGES = [
    ("network:home", []),
    ("network:connections", []),
    ("network:connection", ["bob"]),
    ("network:requests", []),
    ("network:recommendations", []),
    ("network:blocked", []),
    ("network:connect", ["bob"]),
    ("network:followers", ["bob"]),
    ("network:following", ["bob"]),
]
POST_ENDPOINTS = [
    ("network:connection_label", ["bob"]),
    ("network:connection_type", ["bob"]),
    ("network:connection_interaction", ["bob"]),
    ("network:connection_remove", ["bob"]),
    ("network:request_accept", [1]),
    ("network:request_decline", [1]),
    ("network:request_withdraw", [1]),
    ("network:recommendation_dismiss", ["bob"]),
    ("network:connect", ["bob"]),
    ("network:follow", ["bob"]),
    ("network:unfollow", ["bob"]),
    ("network:block", ["bob"]),
    ("network:unblock", ["bob"]),
]


@pytest.mark.parametrize(("name", "args"), GET_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in_for_every_network_page(client, bob, name, args):
    """Every network page asks visitors to sign in first."""
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "args"), POST_ENDPOINTS)
def test_anonymous_visitors_cannot_act_and_nothing_changes(client, alice, bob, name, args):
    """Every network action redirects visitors to sign in and changes nothing."""
    connect(alice.user, bob.user)
    before = snapshot(*NETWORK_MODELS)
    response = client.post(reverse(name, args=args), {"label": "friend", "note": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot(*NETWORK_MODELS) == before


@pytest.mark.parametrize(
    "name",
    [
        "network:request_accept",
        "network:request_decline",
        "network:request_withdraw",
    ],
)
def test_request_transitions_refuse_get(as_alice, name):
    """Transitions are POST only: a GET is 405 and changes nothing."""
    assert as_alice.get(reverse(name, args=[1])).status_code == 405


def test_navigation_shows_network_and_pending_count(as_alice, alice, bob, carol):
    """The main navigation links to Network, with the number of requests waiting."""
    connection_request_send(actor=bob.user, recipient=alice.user)
    connection_request_send(actor=carol.user, recipient=alice.user)
    page = html(as_alice.get(reverse("profiles:directory")))
    assert reverse("network:home") in page
    assert re.search(
        r'class="count-badge">2<span class="visually-hidden"> connection requests', page
    )


# --- My Network -----------------------------------------------------------------------------


def test_my_network_empty_state_teaches_how_to_start(as_alice, alice):
    """A member without connections learns how to start: colleagues at their organization,
    goals for strategic suggestions, and the advice on building a network."""
    org = AffiliationFactory(user=alice.user).organization
    page = html(as_alice.get(reverse("network:home")))
    assert "Start your three networks" in page
    assert f"{reverse('profiles:directory')}?organization={org.slug}" in page
    assert reverse("profiles:edit_section", args=["tags"]) in page
    assert 'data-place="empty_network"' in page
    assert "Network health" not in page


def test_my_network_shows_three_networks_balance_health_and_weakest(as_alice, alice, bob, carol):
    """With connections: counts by network, a balance chart with a table fallback, each health
    metric with a plain explanation and next step, and a tip for the neglected network."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_type(actor=alice.user, other_id=carol.user.pk, network_type="operational")
    response = as_alice.get(reverse("network:home"))
    assert response.status_code == 200
    page = html(response)
    for name in ("Operational", "Personal", "Strategic"):
        assert name in page
    assert 'role="img"' in page and "<desc" in page
    assert "Show the numbers" in page  # the table fallback
    for label in ("Network size", "Diversity", "Effective size", "Constraint", "Dormant ties"):
        assert label in page
    assert page.count("Next step:") == 7
    assert "Your smallest network" in page
    assert 'data-place="my_network"' in page
    assert "Only you see this page" in page


def test_my_network_dormant_period_is_a_choice(as_alice, alice, bob):
    """The member picks the dormant period; htmx swaps just the health section."""
    connect(alice.user, bob.user)
    page = html(as_alice.get(reverse("network:home"), {"dormant": "90"}))
    assert "no contact in 90 days" in page
    fragment = as_alice.get(reverse("network:home"), {"dormant": "365"}, **HTMX)
    assert fragment.status_code == 200
    assert html(fragment).lstrip().startswith('<section id="health"')
    assert "no contact in 365 days" in html(fragment)


def test_my_network_rejects_an_unknown_dormant_period(as_alice, alice, bob):
    """An unknown period is a 400 with a clear message, not a silent default."""
    connect(alice.user, bob.user)
    response = as_alice.get(reverse("network:home"), {"dormant": "7"})
    assert response.status_code == 400
    assert "Choose 90 days, 6 months or a year." in html(response)


def test_my_network_never_shows_another_members_data(client, alice, bob, carol):
    """Alice's My Network shows only her network, whatever the query string says."""
    dave = ProfileFactory(display_name="Dave Distinct")
    connect(bob.user, carol.user)
    connect(bob.user, dave.user)
    connection_set_label(actor=bob.user, other_id=dave.user.pk, label="mentor")
    login(client, alice)
    for params in ({}, {"user": bob.user.pk}, {"handle": "bob"}):
        page = html(client.get(reverse("network:home"), params))
        assert "Dave Distinct" not in page
        assert "Carol Chen" not in page
        assert "Start your three networks" in page  # Alice has no connections


# --- connections ----------------------------------------------------------------------------


def test_connections_list_shows_my_side_with_label_type_and_privacy_note(as_alice, alice, bob):
    """The list shows each contact with my label, my network type and who sees them (only me);
    the controls to change them open per connection (no form per row)."""
    connect(alice.user, bob.user)
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="colleague")
    page = html(as_alice.get(reverse("network:connections")))
    assert "Bob Brown" in page
    assert re.search(r'class="badge">Colleague<span class="visually-hidden"> \(your private', page)
    assert "only you see your label and network" in page
    assert 'data-place="labels_private"' in page
    assert "<select" not in page.split('id="results"')[1]
    edit = reverse("network:connection", args=["bob"])
    assert f'href="{edit}?next=' in page


def test_connection_controls_open_in_place_and_close_back_to_the_row(as_alice, alice, bob):
    """From the list, htmx opens one connection's controls in place and "Done" closes them."""
    connect(alice.user, bob.user)
    listing = reverse("network:connections")
    from_list = {**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{listing}"}
    url = reverse("network:connection", args=["bob"])
    opened = html(as_alice.get(url, {"next": listing}, **from_list))
    assert opened.lstrip().startswith(f'<li id="conn-{bob.user.pk}"')
    assert re.search(r'<select id="label-\d+"', opened)
    assert "?view=row&amp;next=" in opened
    closed = html(as_alice.get(url, {"view": "row", "next": listing}, **from_list))
    assert closed.lstrip().startswith(f'<li id="conn-{bob.user.pk}"')
    assert "<select" not in closed and "Edit label and network" in closed


def test_connections_list_shows_a_changed_label_at_once(as_alice, alice, bob):
    """A row is cached under what it shows: a new label (or a profile edit) shows next time."""
    connect(alice.user, bob.user)
    url = reverse("network:connections")
    assert not re.search(r'class="badge">Mentor<', html(as_alice.get(url)))
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="mentor")
    assert re.search(r'class="badge">Mentor<', html(as_alice.get(url)))
    profile_update(actor=bob.user, profile=bob, changes={"headline": "Nephrologist, Lyon"})
    assert "Nephrologist, Lyon" in html(as_alice.get(url))


def test_connections_list_never_shows_the_other_sides_label_or_type(as_alice, alice, bob):
    """Bob's private label and type for Alice never appear on Alice's list."""
    connect(alice.user, bob.user)
    connection_set_label(actor=bob.user, other_id=alice.user.pk, label="patient")
    connection_set_type(actor=bob.user, other_id=alice.user.pk, network_type="strategic")
    page = html(as_alice.get(reverse("network:connections")))
    assert not re.search(r'value="patient"\s+selected', page)
    assert not re.search(r'value="strategic"\s+selected', page)
    assert "Keep professional boundaries" not in page


def test_connections_filters_by_type_label_and_name(as_alice, alice, bob, carol):
    """Network type, label and name filters narrow the list."""
    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_type(actor=alice.user, other_id=carol.user.pk, network_type="strategic")
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="friend")
    url = reverse("network:connections")
    strategic = html(as_alice.get(url, {"type": "strategic"}))
    assert "Carol Chen" in strategic and "Bob Brown" not in strategic
    friends = html(as_alice.get(url, {"label": "friend"}))
    assert "Bob Brown" in friends and "Carol Chen" not in friends
    named = html(as_alice.get(url, {"q": "carol"}))
    assert "Carol Chen" in named and "Bob Brown" not in named
    fragment = as_alice.get(url, {"q": "bob"}, **HTMX)
    assert 'id="results"' in html(fragment) and "<html" not in html(fragment)


@pytest.mark.parametrize("params", [{"type": "social"}, {"label": "boss"}, {"q": "x" * 101}])
def test_connections_rejects_bad_filter_values(as_alice, params):
    """Unknown network types, labels or over-long searches are a 400 with a message."""
    response = as_alice.get(reverse("network:connections"), params)
    assert response.status_code == 400
    assert "We could not filter your connections." in html(response)


def test_connections_empty_state_explains(as_alice):
    """Without connections, the list says what will appear and how to fill it."""
    page = html(as_alice.get(reverse("network:connections")))
    assert "Your connections will appear here" in page
    assert reverse("profiles:directory") in page


def test_connections_paginate(as_alice, alice, settings):
    """The list is paginated (no count): page 2 holds the rest."""
    settings.NETWORK_PAGE_SIZE = 2
    for _ in range(3):
        connect(alice.user, ProfileFactory().user)
    url = reverse("network:connections")
    first = html(as_alice.get(url))
    assert first.count('class="card connection-item') == 2
    assert 'rel="next"' in first
    second = html(as_alice.get(url, {"page": 2}))
    assert second.count('class="card connection-item') == 1


def test_set_label_plain_post_redirects_back(as_alice, alice, bob):
    """A label posted without JavaScript is saved and the member returns to the list."""
    connect(alice.user, bob.user)
    next_url = reverse("network:connections") + "?type=personal"
    response = as_alice.post(
        reverse("network:connection_label", args=["bob"]), {"label": "mentor", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert side(alice, bob).label == "mentor"
    assert side(bob, alice).label == ""


def test_set_label_with_htmx_returns_the_item(as_alice, alice, bob):
    """With htmx the saved item comes back in place, saying it was saved."""
    connect(alice.user, bob.user)
    response = as_alice.post(
        reverse("network:connection_label", args=["bob"]), {"label": "collaborator"}, **HTMX
    )
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith(f'<li id="conn-{bob.user.pk}"')
    assert "Label saved." in fragment
    assert side(alice, bob).label == "collaborator"


def test_patient_label_shows_a_professional_boundaries_notice(as_alice, alice, bob):
    """Labelling a connection "patient" shows the notice about professional boundaries."""
    connect(alice.user, bob.user)
    response = as_alice.post(
        reverse("network:connection_label", args=["bob"]), {"label": "patient"}, **HTMX
    )
    assert "Keep professional boundaries" in html(response)
    assert 'data-place="patient_boundaries"' in html(response)


def test_clearing_a_label(as_alice, alice, bob):
    """The empty choice removes the label."""
    connect(alice.user, bob.user)
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="friend")
    as_alice.post(reverse("network:connection_label", args=["bob"]), {"label": ""})
    assert side(alice, bob).label == ""


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_bad_label_is_422_and_nothing_changes(as_alice, alice, bob, headers):
    """An unknown label is refused with a clear message (page or item) and nothing changes."""
    connect(alice.user, bob.user)
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="friend")
    before = snapshot(*NETWORK_MODELS)
    response = as_alice.post(
        reverse("network:connection_label", args=["bob"]), {"label": "boss"}, **headers
    )
    assert response.status_code == 422
    assert "Choose one of the listed relationships." in html(response)
    assert snapshot(*NETWORK_MODELS) == before


def test_type_override_and_back_to_proposal(as_alice, alice, bob):
    """The member overrides the proposed network, then goes back to the proposal."""
    connect(alice.user, bob.user)
    proposed = side(alice, bob).proposed_type
    url = reverse("network:connection_type", args=["bob"])
    response = as_alice.post(url, {"network_type": "strategic"}, **HTMX)
    assert response.status_code == 200
    assert "Network saved." in html(response)
    assert side(alice, bob).network_type == "strategic"
    assert side(bob, alice).override_type == ""
    as_alice.post(url, {"network_type": ""})
    current = side(alice, bob)
    assert current.override_type == ""
    assert current.network_type == proposed


def test_bad_network_type_is_422_and_nothing_changes(as_alice, alice, bob):
    """An unknown network type is refused and the connection stays as it was."""
    connect(alice.user, bob.user)
    before = snapshot(*NETWORK_MODELS)
    response = as_alice.post(
        reverse("network:connection_type", args=["bob"]), {"network_type": "social"}
    )
    assert response.status_code == 422
    assert "Choose operational, personal or strategic" in html(response)
    assert snapshot(*NETWORK_MODELS) == before


def test_log_an_interaction(as_alice, alice, bob):
    """Logging "we met" on a past day records it and refreshes the last interaction."""
    connect(alice.user, bob.user)
    Connection.objects.update(last_interaction_at=timezone.now() - timedelta(days=400))
    day = timezone.localdate() - timedelta(days=3)
    response = as_alice.post(
        reverse("network:connection_interaction", args=["bob"]),
        {"kind": "met", "occurred_on": day.isoformat()},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Interaction logged." in html(response)
    entry = Interaction.objects.get(actor=alice.user, kind="met")
    assert timezone.localtime(entry.occurred_at).date() == day
    assert timezone.localtime(side(alice, bob).last_interaction_at).date() == day
    assert timezone.localtime(side(bob, alice).last_interaction_at).date() == day


def test_log_a_call_today_without_javascript(as_alice, alice, bob):
    """A call logged today without JavaScript is saved and redirects with a message."""
    connect(alice.user, bob.user)
    response = as_alice.post(
        reverse("network:connection_interaction", args=["bob"]),
        {"kind": "call", "occurred_on": timezone.localdate().isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    assert "Logged: call with Bob Brown" in html(response)
    assert Interaction.objects.filter(actor=alice.user, kind="call").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "message", "occurred_on": "2025-01-01"}, "Choose “We met” or “We had a call”."),
        ({"kind": "met", "occurred_on": "not-a-date"}, "Enter a date like 2025-03-14."),
        ({"kind": "met", "occurred_on": "2999-01-01"}, "An interaction cannot be in the future."),
        ({"kind": "met", "occurred_on": "1990-01-01"}, "within the last ten years"),
    ],
)
def test_bad_interactions_are_422_and_nothing_changes(as_alice, alice, bob, data, message):
    """Unknown kinds, bad, future or ancient dates are refused with a message."""
    connect(alice.user, bob.user)
    before = snapshot(*NETWORK_MODELS)
    response = as_alice.post(reverse("network:connection_interaction", args=["bob"]), data)
    assert response.status_code == 422
    assert message in html(response)
    assert snapshot(*NETWORK_MODELS) == before


def test_remove_connection(as_alice, alice, bob):
    """Removing a connection deletes both sides; htmx replaces the item with a status."""
    connect(alice.user, bob.user)
    response = as_alice.post(reverse("network:connection_remove", args=["bob"]), **HTMX)
    assert response.status_code == 200
    assert "Bob Brown was removed from your connections." in html(response)
    assert not connected(alice, bob)


def test_remove_from_its_own_page_returns_to_the_list(as_alice, alice, bob):
    """Removing from the connection's own page goes back to the list, not to a 404."""
    connect(alice.user, bob.user)
    own_page = reverse("network:connection", args=["bob"])
    response = as_alice.post(reverse("network:connection_remove", args=["bob"]), {"next": own_page})
    assert response["Location"] == reverse("network:connections")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("network:connection_label", {"label": "friend"}),
        ("network:connection_type", {"network_type": "strategic"}),
        ("network:connection_interaction", {"kind": "met", "occurred_on": "2025-01-01"}),
        ("network:connection_remove", {}),
    ],
)
def test_changing_a_connection_you_are_not_part_of_is_404(client, alice, bob, carol, name, data):
    """Alice cannot touch Bob and Carol's connection, nor one she does not have: 404."""
    connect(bob.user, carol.user)
    login(client, alice)
    before = snapshot(*NETWORK_MODELS)
    for handle in ("carol", "bob", "nobody-here"):
        assert client.post(reverse(name, args=[handle]), data).status_code == 404
    assert snapshot(*NETWORK_MODELS) == before


def test_connection_page_of_someone_else_is_404(client, alice, bob, carol):
    """The single-connection page exists only for the viewer's own connections."""
    connect(bob.user, carol.user)
    login(client, alice)
    assert client.get(reverse("network:connection", args=["carol"])).status_code == 404
    login(client, bob)
    page = html(client.get(reverse("network:connection", args=["carol"])))
    assert "Your connection with Carol Chen" in page


# --- requests -------------------------------------------------------------------------------


def test_connect_form_shows_note_with_advice_and_counter(as_alice, bob):
    """The connect form has the note (≤ 500 characters, counter) and the advice on notes."""
    response = as_alice.get(reverse("network:connect", args=["bob"]))
    assert response.status_code == 200
    page = html(response)
    assert 'data-place="connection_note"' in page
    assert "personal note beats a blank request" in page
    assert 'maxlength="500"' in page
    assert 'data-counter-for="id_note"' in page
    assert "Who sees this:" in page


def test_send_a_request_with_a_note(as_alice, alice, bob):
    """Sending stores a pending request with the note and returns to their profile."""
    response = as_alice.post(
        reverse("network:connect", args=["bob"]), {"note": "  Loved your sepsis talk.  "}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("profiles:detail", args=["bob"])
    request = ConnectionRequest.objects.get(sender=alice.user, recipient=bob.user)
    assert request.state == PENDING
    assert request.note == "Loved your sepsis talk."


def test_note_over_500_characters_is_422_and_nothing_is_sent(as_alice, alice, bob):
    """A note over 500 characters is refused with the limit and its length."""
    response = as_alice.post(reverse("network:connect", args=["bob"]), {"note": "x" * 501})
    assert response.status_code == 422
    assert "Keep the note to 500 characters (this one has 501)." in html(response)
    assert not ConnectionRequest.objects.exists()


def test_request_yourself_is_422(as_alice, alice):
    """Asking yourself is refused with a message."""
    response = as_alice.post(reverse("network:connect", args=["alice"]), {"note": ""})
    assert response.status_code == 422
    assert "You cannot send a connection request to yourself." in html(response)
    assert not ConnectionRequest.objects.exists()


def test_duplicate_request_is_409_and_nothing_changes(as_alice, alice, bob):
    """A second request while one is pending (either way) is a 409 with a message."""
    connection_request_send(actor=alice.user, recipient=bob.user)
    before = snapshot(*NETWORK_MODELS)
    response = as_alice.post(reverse("network:connect", args=["bob"]), {"note": "again"})
    assert response.status_code == 409
    assert "Your request is already waiting for an answer." in html(response)
    assert snapshot(*NETWORK_MODELS) == before


def test_request_when_they_already_asked_is_409(client, alice, bob):
    """If the other member already asked, the form says to accept their request instead."""
    connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    page = html(client.get(reverse("network:connect", args=["bob"])))
    assert "has already asked to connect with you" in page
    response = client.post(reverse("network:connect", args=["bob"]), {"note": ""})
    assert response.status_code == 409
    assert "accept their request instead" in html(response)
    assert pending_between(alice, bob).count() == 1


def test_request_when_already_connected_is_409(as_alice, alice, bob):
    """Connected members cannot send another request."""
    connect(alice.user, bob.user)
    assert "You are already connected." in html(
        as_alice.get(reverse("network:connect", args=["bob"]))
    )
    response = as_alice.post(reverse("network:connect", args=["bob"]), {"note": ""})
    assert response.status_code == 409
    assert not pending_between(alice, bob).exists()


def test_request_a_blocker_is_404(client, alice, bob):
    """A member who blocked you does not exist for you: their connect form is a 404."""
    block(actor=bob.user, blocked=alice.user)
    login(client, alice)
    assert client.get(reverse("network:connect", args=["bob"])).status_code == 404
    assert client.post(reverse("network:connect", args=["bob"]), {"note": "hi"}).status_code == 404
    assert not ConnectionRequest.objects.exists()


def test_request_someone_you_blocked_is_422(as_alice, alice, bob):
    """Asking a member you blocked says to unblock them first."""
    block(actor=alice.user, blocked=bob.user)
    assert "You have blocked Bob Brown" in html(
        as_alice.get(reverse("network:connect", args=["bob"]))
    )
    response = as_alice.post(reverse("network:connect", args=["bob"]), {"note": ""})
    assert response.status_code == 422
    assert "unblock them first" in html(response)
    assert not ConnectionRequest.objects.exists()


def test_requests_page_lists_incoming_with_note_and_outgoing(client, alice, bob, carol):
    """Incoming requests show the sender's note with Accept/Decline; sent ones show Withdraw."""
    incoming = connection_request_send(actor=bob.user, recipient=alice.user, note="Met at ACP.")
    outgoing = connection_request_send(actor=alice.user, recipient=carol.user)
    login(client, alice)
    page = html(client.get(reverse("network:requests")))
    assert "Met at ACP." in page
    assert reverse("network:request_accept", args=[incoming.pk]) in page
    assert reverse("network:request_decline", args=[incoming.pk]) in page
    assert reverse("network:request_withdraw", args=[outgoing.pk]) in page
    assert "Carol Chen" in page


def test_requests_page_empty_states_explain(as_alice):
    """Without requests, each section says what will appear there."""
    page = html(as_alice.get(reverse("network:requests")))
    assert "No requests waiting" in page
    assert "Requests you send appear here" in page


def test_accept_request(client, alice, bob):
    """Accepting connects both members and returns to the requests page."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    response = client.post(reverse("network:request_accept", args=[request.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("network:requests")
    assert connected(alice, bob)
    request.refresh_from_db()
    assert request.state == ConnectionRequest.State.ACCEPTED


def test_accept_request_with_htmx_says_connected(client, alice, bob):
    """With htmx the request card becomes "You are now connected" with a link to label them."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    response = client.post(reverse("network:request_accept", args=[request.pk]), **HTMX)
    assert response.status_code == 200
    assert "You are now connected with Bob Brown." in html(response)
    assert reverse("network:connection", args=["bob"]) in html(response)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_accept_twice_is_409_and_nothing_changes(client, alice, bob, headers):
    """Accepting an answered request is a 409 with a clear message; nothing changes."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    client.post(reverse("network:request_accept", args=[request.pk]))
    before = snapshot(*NETWORK_MODELS)
    response = client.post(reverse("network:request_accept", args=[request.pk]), **headers)
    assert response.status_code == 409
    assert "This request was already accepted." in html(response)
    assert snapshot(*NETWORK_MODELS) == before


def test_accept_someone_elses_request_is_404(client, alice, bob, carol):
    """Carol cannot accept, decline or withdraw a request between Alice and Bob."""
    request = connection_request_send(actor=alice.user, recipient=bob.user)
    login(client, carol)
    for name in ("network:request_accept", "network:request_decline", "network:request_withdraw"):
        assert client.post(reverse(name, args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.state == PENDING
    assert not Connection.objects.exists()


def test_sender_cannot_accept_or_decline_own_request(as_alice, alice, bob):
    """Only the recipient answers a request; the sender only withdraws it."""
    request = connection_request_send(actor=alice.user, recipient=bob.user)
    assert as_alice.post(reverse("network:request_accept", args=[request.pk])).status_code == 404
    assert as_alice.post(reverse("network:request_decline", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.state == PENDING


def test_recipient_cannot_withdraw(client, alice, bob):
    """The recipient cannot withdraw a request they received."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    assert client.post(reverse("network:request_withdraw", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.state == PENDING


def test_decline_request(client, alice, bob):
    """Declining closes the request quietly; no connection."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    response = client.post(reverse("network:request_decline", args=[request.pk]), **HTMX)
    assert "declined. They are not told." in html(response)
    request.refresh_from_db()
    assert request.state == ConnectionRequest.State.DECLINED
    assert not connected(alice, bob)


def test_withdraw_request(as_alice, alice, bob):
    """The sender withdraws a pending request."""
    request = connection_request_send(actor=alice.user, recipient=bob.user)
    response = as_alice.post(reverse("network:request_withdraw", args=[request.pk]), follow=True)
    assert "Request to Bob Brown withdrawn." in html(response)
    request.refresh_from_db()
    assert request.state == ConnectionRequest.State.WITHDRAWN


def test_withdraw_twice_is_409(as_alice, alice, bob):
    """Withdrawing an already withdrawn request is a 409 on the requests page."""
    request = connection_request_send(actor=alice.user, recipient=bob.user)
    url = reverse("network:request_withdraw", args=[request.pk])
    as_alice.post(url)
    response = as_alice.post(url)
    assert response.status_code == 409
    assert "This request was already withdrawn." in html(response)
    assert "Connection requests" in html(response)


def test_expired_requests_disappear_and_cannot_be_accepted(client, alice, bob):
    """A request past its expiry is hidden on both sides and accepting it is a 409."""
    request = connection_request_send(actor=bob.user, recipient=alice.user, note="Old note")
    ConnectionRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    login(client, alice)
    assert "Old note" not in html(client.get(reverse("network:requests")))
    response = client.post(reverse("network:request_accept", args=[request.pk]))
    assert response.status_code == 409
    assert "This request has expired." in html(response)
    assert not connected(alice, bob)
    login(client, bob)
    page = html(client.get(reverse("network:requests")))
    assert reverse("network:request_withdraw", args=[request.pk]) not in page


@pytest.mark.parametrize("request_id", ["abc", "-1", "0", str(2**63), "9" * 40])
def test_bad_request_ids_are_404(as_alice, request_id):
    """Non-numeric, zero, negative or huge request ids are a 404, never a 500."""
    for action in ("accept", "decline", "withdraw"):
        response = as_alice.post(f"/network/requests/{request_id}/{action}/")
        assert response.status_code == 404


def test_next_must_stay_on_this_site(client, alice, bob):
    """A `next` pointing elsewhere is ignored: the member returns to the requests page."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    response = client.post(
        reverse("network:request_decline", args=[request.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("network:requests")


# --- follows --------------------------------------------------------------------------------


def test_follow_and_unfollow(as_alice, alice, bob):
    """Following is one click (no approval); unfollowing undoes it."""
    response = as_alice.post(reverse("network:follow", args=["bob"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("profiles:detail", args=["bob"])
    assert Follow.objects.filter(follower=alice.user, followee=bob.user).exists()
    as_alice.post(reverse("network:unfollow", args=["bob"]))
    assert not Follow.objects.exists()


def test_follow_with_htmx_swaps_the_relationship_panel(as_alice, alice, bob):
    """From the profile page, htmx swaps the relationship panel with the new state."""
    response = as_alice.post(
        reverse("network:follow", args=["bob"]), HTTP_HX_TARGET="relationship", **HTMX
    )
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="relationship"')
    assert "You follow Bob Brown" in fragment
    assert "Unfollow" in fragment
    assert "<strong>1</strong> follower" in fragment


def test_follow_yourself_is_422(as_alice, alice):
    """Following yourself is refused with a message (page and panel)."""
    response = as_alice.post(reverse("network:follow", args=["alice"]))
    assert response.status_code == 422
    assert "You cannot follow yourself." in html(response)
    panel = as_alice.post(
        reverse("network:follow", args=["alice"]), HTTP_HX_TARGET="relationship", **HTMX
    )
    assert panel.status_code == 422
    assert "You cannot follow yourself." in html(panel)
    assert not Follow.objects.exists()


def test_follow_a_blocker_is_404(client, alice, bob):
    """A member who blocked you cannot be followed (they do not exist for you)."""
    block(actor=bob.user, blocked=alice.user)
    login(client, alice)
    assert client.post(reverse("network:follow", args=["bob"])).status_code == 404
    assert not Follow.objects.exists()


def test_followers_and_following_lists(client, alice, bob, carol):
    """Followers and following lists show the members, with counts."""
    follow(actor=bob.user, followee=alice.user)
    follow(actor=carol.user, followee=alice.user)
    follow(actor=alice.user, followee=carol.user)
    login(client, ProfileFactory())
    followers = html(client.get(reverse("network:followers", args=["alice"])))
    assert "Bob Brown" in followers and "Carol Chen" in followers
    assert "2 members follow Alice Adams." in followers
    following = html(client.get(reverse("network:following", args=["alice"])))
    assert "Carol Chen" in following and "Bob Brown" not in following


def test_followers_list_hides_members_blocked_either_way(client, alice, bob, carol):
    """A follower the viewer blocked, or who blocked the viewer, is not listed."""
    dave = ProfileFactory(display_name="Dave Distinct")
    follow(actor=bob.user, followee=alice.user)
    follow(actor=dave.user, followee=alice.user)
    block(actor=carol.user, blocked=bob.user)
    block(actor=dave.user, blocked=carol.user)
    login(client, carol)
    page = html(client.get(reverse("network:followers", args=["alice"])))
    assert "Bob Brown" not in page
    assert "Dave Distinct" not in page


def test_followers_list_of_a_blocker_is_404(client, alice, bob):
    """A member who blocked you has no followers page for you."""
    block(actor=bob.user, blocked=alice.user)
    login(client, alice)
    assert client.get(reverse("network:followers", args=["bob"])).status_code == 404
    assert client.get(reverse("network:following", args=["bob"])).status_code == 404


def test_follow_lists_empty_states(as_alice):
    """Empty follow lists say what will appear there."""
    assert "No followers to show" in html(
        as_alice.get(reverse("network:followers", args=["alice"]))
    )
    page = html(as_alice.get(reverse("network:following", args=["alice"])))
    assert "Follow leaders in your field" in page


# --- blocks ---------------------------------------------------------------------------------


def test_block_removes_connection_follows_and_requests(client, alice, bob, carol):
    """Blocking removes the connection and follows both ways and is audited."""
    connect(alice.user, bob.user)
    follow(actor=alice.user, followee=bob.user)
    follow(actor=bob.user, followee=alice.user)
    login(client, alice)
    response = client.post(reverse("network:block", args=["bob"]))
    assert response.status_code == 302
    assert Block.objects.filter(blocker=alice.user, blocked=bob.user).exists()
    assert not connected(alice, bob)
    assert not Follow.objects.exists()
    assert AuditEntry.objects.filter(action="network.block", actor=alice.user).exists()


def test_blocked_member_gets_404_on_blockers_profile_and_connect_form(client, alice, bob):
    """After Alice blocks Bob, her profile and connect form do not exist for him."""
    login(client, alice)
    client.post(reverse("network:block", args=["bob"]))
    login(client, bob)
    assert client.get(reverse("profiles:detail", args=["alice"])).status_code == 404
    assert client.get(reverse("network:connect", args=["alice"])).status_code == 404
    assert client.post(reverse("network:follow", args=["alice"])).status_code == 404


def test_block_yourself_is_422(as_alice):
    """Blocking yourself is refused."""
    response = as_alice.post(reverse("network:block", args=["alice"]))
    assert response.status_code == 422
    assert not Block.objects.exists()


def test_blocked_list_and_unblock(as_alice, alice, bob):
    """The blocked list shows Bob with Unblock; unblocking removes the block."""
    block(actor=alice.user, blocked=bob.user)
    page = html(as_alice.get(reverse("network:blocked")))
    assert "Bob Brown" in page
    assert reverse("network:unblock", args=["bob"]) in page
    response = as_alice.post(
        reverse("network:unblock", args=["bob"]),
        {"next": reverse("network:blocked")},
        HTTP_HX_TARGET=f"blocked-{bob.user.pk}",
        **HTMX,
    )
    assert response.status_code == 200
    assert "You unblocked Bob Brown." in html(response)
    assert not Block.objects.exists()
    assert AuditEntry.objects.filter(action="network.unblock").exists()


def test_unblock_works_when_blocked_both_ways(as_alice, alice, bob):
    """A member who also blocked you can still be unblocked from your list."""
    block(actor=alice.user, blocked=bob.user)
    block(actor=bob.user, blocked=alice.user)
    response = as_alice.post(reverse("network:unblock", args=["bob"]))
    assert response.status_code == 302
    assert not Block.objects.filter(blocker=alice.user).exists()
    assert Block.objects.filter(blocker=bob.user).exists()


def test_unblock_someone_not_blocked_is_404(as_alice, bob):
    """Unblocking a member you did not block is a 404."""
    assert as_alice.post(reverse("network:unblock", args=["bob"])).status_code == 404


def test_blocked_list_empty_state(as_alice):
    """An empty blocked list explains how blocking works."""
    assert "You have not blocked anyone" in html(as_alice.get(reverse("network:blocked")))


# --- recommendations ------------------------------------------------------------------------


def give_goal(profile, goal):
    profile.goals.add(goal)
    profile.save()  # the recommendation cache key includes the profile's updated_at


def test_recommendations_show_reasons_connect_and_dismiss(client, alice, bob, carol):
    """People you may know come with reasons and Connect / Dismiss."""
    connect(alice.user, bob.user)
    connect(bob.user, carol.user)
    login(client, alice)
    page = html(client.get(reverse("network:recommendations")))
    assert "Carol Chen" in page
    assert "1 mutual connection" in page
    assert reverse("network:connect", args=["carol"]) in page
    assert reverse("network:recommendation_dismiss", args=["carol"]) in page


def test_strategic_recommendations_need_goals(client, alice, bob):
    """Without goals, strategic suggestions explain how to get them; with goals they appear."""
    login(client, alice)
    page = html(client.get(reverse("network:recommendations")))
    assert "Tell us what you are working towards" in page
    assert reverse("profiles:edit_section", args=["tags"]) in page
    goal = Goal.objects.filter(curated=True).first()
    give_goal(bob, goal)
    give_goal(alice, goal)
    page = html(client.get(reverse("network:recommendations")))
    assert "Bob Brown" in page
    assert f"shares goal {goal.name}".lower() in page.lower()


def test_recommendations_empty_state_without_connections(as_alice, alice):
    """With no connections, People you may know says how to start (colleagues at work)."""
    org = AffiliationFactory(user=alice.user).organization
    page = html(as_alice.get(reverse("network:recommendations")))
    assert "Suggestions come from your connections" in page
    assert f"?organization={org.slug}" in page


def test_dismiss_a_recommendation(client, alice, bob, carol):
    """Dismissing hides the suggestion (htmx swaps the card) and it does not return."""
    connect(alice.user, bob.user)
    connect(bob.user, carol.user)
    login(client, alice)
    response = client.post(
        reverse("network:recommendation_dismiss", args=["carol"]),
        HTTP_HX_TARGET=f"rec-pymk-{carol.user.pk}",
        **HTMX,
    )
    assert response.status_code == 200
    assert "We will not suggest Carol Chen again for 90 days." in html(response)
    assert RecommendationDismissal.objects.filter(user=alice.user, candidate=carol.user).exists()
    assert "Carol Chen" not in html(client.get(reverse("network:recommendations")))


def test_dismiss_without_javascript_redirects(as_alice, alice, bob):
    """A plain dismiss returns to the suggestions with a message."""
    response = as_alice.post(reverse("network:recommendation_dismiss", args=["bob"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("network:recommendations")


def test_dismiss_yourself_is_422_and_dismiss_a_blocker_is_404(client, alice, bob):
    """Dismissing yourself is refused; dismissing a member who blocked you is a 404."""
    block(actor=bob.user, blocked=alice.user)
    login(client, alice)
    assert client.post(reverse("network:recommendation_dismiss", args=["alice"])).status_code == 422
    assert client.post(reverse("network:recommendation_dismiss", args=["bob"])).status_code == 404
    assert not RecommendationDismissal.objects.exists()


def test_recommendations_are_never_another_members(client, alice, bob, carol):
    """Alice's suggestions page never shows Bob's suggestions, whatever the URL says."""
    dave = ProfileFactory(display_name="Dave Distinct")
    connect(bob.user, carol.user)
    connect(carol.user, dave.user)
    login(client, alice)
    for params in ({}, {"user": bob.user.pk}, {"handle": "bob"}):
        page = html(client.get(reverse("network:recommendations"), params))
        assert "Dave Distinct" not in page
    recommendation_dismiss(actor=bob.user, candidate_id=dave.user.pk)
    assert "Dave Distinct" not in html(client.get(reverse("network:home")))


# --- profile page: the relationship panel ---------------------------------------------------


def panel(client, handle: str) -> str:
    page = html(client.get(reverse("profiles:detail", args=[handle])))
    start = page.index('<section id="relationship"')
    return page[start : page.index("</section>", start)]


def test_profile_panel_for_visitors_invites_sign_in(client, db):
    """Visitors see counts and a sign-in invitation on a public profile."""
    public = ProfileFactory(handle="pub", visibility="public")
    text = panel(client, "pub")
    assert "Sign in to connect" in text
    assert "follower" in text
    assert reverse("network:followers", args=[public.handle]) not in text


def test_profile_panel_for_yourself(as_alice):
    """On your own profile the panel links to My network."""
    text = panel(as_alice, "alice")
    assert reverse("network:home") in text
    assert reverse("network:connect", args=["alice"]) not in text


def test_profile_panel_with_no_relationship(as_alice, bob):
    """A stranger's profile offers Connect, Follow and Block, with follower counts and links."""
    text = panel(as_alice, "bob")
    assert reverse("network:connect", args=["bob"]) in text
    assert reverse("network:follow", args=["bob"]) in text
    assert reverse("network:block", args=["bob"]) in text
    assert reverse("network:followers", args=["bob"]) in text
    assert reverse("network:following", args=["bob"]) in text


def test_profile_panel_with_outgoing_request(as_alice, alice, bob):
    """After asking, the panel says the request is pending and offers Withdraw."""
    request = connection_request_send(actor=alice.user, recipient=bob.user)
    text = panel(as_alice, "bob")
    assert "Request pending" in text
    assert reverse("network:request_withdraw", args=[request.pk]) in text
    assert reverse("network:connect", args=["bob"]) not in text


def test_profile_panel_with_incoming_request(client, alice, bob):
    """When they asked, the panel shows their note with Accept and Decline."""
    request = connection_request_send(actor=bob.user, recipient=alice.user, note="Hello Alice!")
    login(client, alice)
    text = panel(client, "bob")
    assert "Bob Brown asked to connect" in text
    assert "Hello Alice!" in text
    assert reverse("network:request_accept", args=[request.pk]) in text
    assert reverse("network:request_decline", args=[request.pk]) in text
    response = client.post(
        reverse("network:request_accept", args=[request.pk]),
        {"next": reverse("profiles:detail", args=["bob"])},
    )
    assert response["Location"] == reverse("profiles:detail", args=["bob"])
    assert "Connected" in panel(client, "bob")


def test_profile_panel_when_connected(as_alice, alice, bob):
    """Connected members see the badge, a link to label them, and Remove."""
    connect(alice.user, bob.user)
    text = panel(as_alice, "bob")
    assert "Connected" in text
    assert reverse("network:connection", args=["bob"]) in text
    assert reverse("network:connection_remove", args=["bob"]) in text


def test_profile_panel_when_following_and_followed(as_alice, alice, bob):
    """Following shows Unfollow; being followed shows "Follows you"."""
    follow(actor=alice.user, followee=bob.user)
    follow(actor=bob.user, followee=alice.user)
    text = panel(as_alice, "bob")
    assert reverse("network:unfollow", args=["bob"]) in text
    assert "Follows you" in text


def test_profile_panel_when_blocked_by_me(as_alice, alice, bob):
    """A member you blocked shows only Unblock."""
    block(actor=alice.user, blocked=bob.user)
    text = panel(as_alice, "bob")
    assert "You blocked Bob Brown" in text
    assert reverse("network:unblock", args=["bob"]) in text
    assert reverse("network:connect", args=["bob"]) not in text
    assert reverse("network:follow", args=["bob"]) not in text


def test_block_from_the_profile_panel_with_htmx(as_alice, alice, bob):
    """Blocking from the panel swaps it to the blocked state."""
    response = as_alice.post(
        reverse("network:block", args=["bob"]), HTTP_HX_TARGET="relationship", **HTMX
    )
    assert response.status_code == 200
    assert "You blocked Bob Brown" in html(response)


# --- home -----------------------------------------------------------------------------------


def test_home_shows_pending_requests_and_suggestions(client, alice, bob, carol):
    """Home shows requests waiting for an answer and a few people to meet."""
    dave = ProfileFactory(display_name="Dave Distinct")
    connect(alice.user, carol.user)
    connect(carol.user, dave.user)
    request = connection_request_send(actor=bob.user, recipient=alice.user, note="Hi from Bob")
    login(client, alice)
    page = html(client.get("/"))
    assert "Waiting for your answer" in page
    assert "Hi from Bob" in page
    assert reverse("network:request_accept", args=[request.pk]) in page
    assert "People to meet" in page
    assert "Dave Distinct" in page
    assert "Your three networks" in page and reverse("network:home") in page
    assert "Start your network" not in page


def test_home_without_connections_teaches_how_to_start(as_alice):
    """A new member's home still explains how to start a network."""
    page = html(as_alice.get("/"))
    assert "Start your network" in page
    assert "Waiting for your answer" not in page


def test_accept_from_home_returns_home(client, alice, bob):
    """Accepting on the home page (without JavaScript) comes back home."""
    request = connection_request_send(actor=bob.user, recipient=alice.user)
    login(client, alice)
    response = client.post(reverse("network:request_accept", args=[request.pk]), {"next": "/"})
    assert response["Location"] == "/"
    assert connected(alice, bob)


def test_organization_based_operational_proposal_is_shown(client, alice, bob):
    """Colleagues at the same organization are proposed as operational, and the item says so."""
    org = OrganizationFactory()
    AffiliationFactory(user=alice.user, organization=org)
    AffiliationFactory(user=bob.user, organization=org)
    connect(alice.user, bob.user)
    login(client, alice)
    page = html(client.get(reverse("network:connection", args=["bob"])))
    assert "Proposed: Operational" in page


def test_plain_connections_page_rows_match_the_orm_rows(alice, bob, carol):
    """The connections page's unfiltered list reads compiled rows: the same rows, in the same
    order and pages, as ``connection_rows_for``; the counts as the grouped ORM query."""
    from rounds.network.selectors import (
        ConnectionRow,
        connection_counts_for,
        connection_rows_for,
        connection_rows_plain_page,
    )

    connect(alice.user, bob.user)
    connect(alice.user, carol.user)
    connection_set_type(actor=alice.user, other_id=carol.user.pk, network_type="strategic")
    orm = [ConnectionRow(*row) for row in connection_rows_for(viewer=alice.user)]
    assert len(orm) == 2
    assert connection_rows_plain_page(viewer=alice.user, page=1, size=20) == (orm, False)
    assert connection_rows_plain_page(viewer=alice.user, page=1, size=1) == (orm[:1], True)
    assert connection_rows_plain_page(viewer=alice.user, page=2, size=1) == (orm[1:], False)
    assert connection_counts_for(viewer=alice.user) == {
        "operational": 0,
        "personal": 1,
        "strategic": 1,
    }


def test_cached_connections_page_shows_every_change(as_alice, alice, bob, carol):
    """The connections page is cached whole per viewer: a new connection, a label and a type
    change and a removal show on the next request."""
    url = reverse("network:connections")
    connect(alice.user, bob.user)
    html = as_alice.get(url).content.decode()
    assert bob.display_name in html and carol.display_name not in html
    warm = as_alice.get(url)
    assert not [t for t in warm.templates if t.name]  # from the page cache
    assert bob.display_name in warm.content.decode()
    connect(alice.user, carol.user)
    html = as_alice.get(url).content.decode()
    assert carol.display_name in html
    connection_set_label(actor=alice.user, other_id=bob.user.pk, label="mentor")
    labelled = as_alice.get(url).content.decode()
    assert labelled.count("Mentor") > html.count("Mentor")
    connection_set_type(actor=alice.user, other_id=bob.user.pk, network_type="operational")
    retyped = as_alice.get(url)
    assert [t for t in retyped.templates if t.name]  # rendered again, not the cached page
    connection_remove(actor=alice.user, other_id=carol.user.pk)
    assert carol.display_name not in as_alice.get(url).content.decode()
