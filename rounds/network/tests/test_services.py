"""Network services: every request transition, each illegal one, connections, labels, types,
follows, blocks, interactions and dismissals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from rounds.core.errors import Conflict, NotFound, ValidationFailed
from rounds.core.models import AuditEntry
from rounds.network.models import (
    Block,
    Connection,
    ConnectionRequest,
    Follow,
    Interaction,
    NetworkState,
    RecommendationDismissal,
)
from rounds.network.services import (
    NotPending,
    block,
    connection_remove,
    connection_request_accept,
    connection_request_decline,
    connection_request_send,
    connection_request_withdraw,
    connection_requests_expire,
    connection_set_label,
    connection_set_type,
    follow,
    interaction_record,
    recommendation_dismiss,
    unblock,
    unfollow,
)
from rounds.network.tests.factories import connect
from rounds.profiles.services import affiliation_add, profile_update
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return ProfileFactory().user


@pytest.fixture
def bob(db):
    return ProfileFactory().user


@pytest.fixture
def carol(db):
    return ProfileFactory().user


def pair_rows(a, b):
    return Connection.objects.filter(owner__in=[a, b], other__in=[a, b]).count()


def test_send_and_accept_creates_both_private_sides(alice, bob):
    """Accepting creates one row per side, bumps both degrees and logs the interaction."""
    request = connection_request_send(
        actor=alice, recipient=bob, note="Enjoyed your talk on sepsis bundles."
    )
    assert request.state == "pending"
    assert request.expires_at > timezone.now() + timedelta(days=89)
    side = connection_request_accept(actor=bob, request_id=request.pk)
    assert side.owner == bob and side.other == alice
    assert pair_rows(alice, bob) == 2
    assert NetworkState.objects.get(user=alice).degree == 1
    assert NetworkState.objects.get(user=bob).degree == 1
    request.refresh_from_db()
    assert request.state == "accepted" and request.responded_at
    assert Interaction.objects.filter(kind="connected").count() == 1


def test_decline_and_withdraw(alice, bob, carol):
    """The recipient declines; the sender withdraws; neither creates a connection."""
    r1 = connection_request_send(actor=alice, recipient=bob)
    connection_request_decline(actor=bob, request_id=r1.pk)
    r2 = connection_request_send(actor=alice, recipient=carol)
    connection_request_withdraw(actor=alice, request_id=r2.pk)
    assert ConnectionRequest.objects.get(pk=r1.pk).state == "declined"
    assert ConnectionRequest.objects.get(pk=r2.pk).state == "withdrawn"
    assert not Connection.objects.exists()
    # a declined request does not prevent a later one
    connection_request_send(actor=alice, recipient=bob)


def test_requests_expire_after_90_days(alice, bob, carol):
    """Past expiry a request can no longer be accepted, and the sweep marks it expired."""
    request = connection_request_send(actor=alice, recipient=bob)
    ConnectionRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(NotPending, match="expired"):
        connection_request_accept(actor=bob, request_id=request.pk)
    other = connection_request_send(actor=carol, recipient=bob)
    ConnectionRequest.objects.filter(pk=other.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    assert connection_requests_expire() == 2
    assert set(ConnectionRequest.objects.values_list("state", flat=True)) == {"expired"}
    # an expired request does not block a new one
    connection_request_send(actor=alice, recipient=bob)
    assert not Connection.objects.exists()


def test_accepting_twice_is_refused_and_changes_nothing(alice, bob):
    """A second accept answers NotPending; still exactly two rows."""
    request = connection_request_send(actor=alice, recipient=bob)
    connection_request_accept(actor=bob, request_id=request.pk)
    with pytest.raises(NotPending):
        connection_request_accept(actor=bob, request_id=request.pk)
    with pytest.raises(NotPending):
        connection_request_decline(actor=bob, request_id=request.pk)
    assert pair_rows(alice, bob) == 2


def test_accepting_someone_elses_request_is_not_found(alice, bob, carol):
    """Only the recipient can accept or decline; only the sender can withdraw."""
    request = connection_request_send(actor=alice, recipient=bob)
    for attempt in (
        lambda: connection_request_accept(actor=carol, request_id=request.pk),
        lambda: connection_request_accept(actor=alice, request_id=request.pk),
        lambda: connection_request_decline(actor=carol, request_id=request.pk),
        lambda: connection_request_withdraw(actor=bob, request_id=request.pk),
        lambda: connection_request_accept(actor=bob, request_id=10**9),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert ConnectionRequest.objects.get(pk=request.pk).state == "pending"


def test_self_duplicate_and_reverse_requests_are_refused(alice, bob):
    """No request to oneself, no duplicate, no crossing request, none when connected."""
    with pytest.raises(ValidationFailed, match="yourself"):
        connection_request_send(actor=alice, recipient=alice)
    connection_request_send(actor=alice, recipient=bob)
    with pytest.raises(Conflict, match="already waiting"):
        connection_request_send(actor=alice, recipient=bob)
    with pytest.raises(Conflict, match="accept their request"):
        connection_request_send(actor=bob, recipient=alice)
    assert ConnectionRequest.objects.count() == 1


def test_database_refuses_a_second_pending_request_for_a_pair(alice, bob):
    """The one-pending-per-pair constraint holds in the database, in either direction."""
    now = timezone.now()
    ConnectionRequest.objects.create(sender=alice, recipient=bob, expires_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionRequest.objects.create(sender=bob, recipient=alice, expires_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionRequest.objects.create(sender=alice, recipient=alice, expires_at=now)


def test_note_is_limited_to_500_characters(alice, bob):
    """A note over 500 characters is refused with a clear message."""
    with pytest.raises(ValidationFailed, match="500"):
        connection_request_send(actor=alice, recipient=bob, note="x" * 501)
    assert not ConnectionRequest.objects.exists()


def test_request_to_connected_member_is_a_conflict(alice, bob):
    """Connected members cannot request again."""
    connect(alice, bob)
    with pytest.raises(Conflict, match="already connected"):
        connection_request_send(actor=bob, recipient=alice)


def test_remove_connection_removes_both_sides(alice, bob):
    """Removing deletes both rows and lowers both degrees; removing again is NotFound."""
    connect(alice, bob)
    connection_remove(actor=bob, other_id=alice.pk)
    assert pair_rows(alice, bob) == 0
    assert NetworkState.objects.get(user=alice).degree == 0
    with pytest.raises(NotFound):
        connection_remove(actor=alice, other_id=bob.pk)


def test_labels_and_types_are_private_per_side(alice, bob):
    """Each side labels and types the tie independently; the other side is unaffected."""
    connect(alice, bob)
    connection_set_label(actor=alice, other_id=bob.pk, label="friend")
    connection_set_type(actor=bob, other_id=alice.pk, network_type="strategic")
    mine = Connection.objects.get(owner=alice, other=bob)
    theirs = Connection.objects.get(owner=bob, other=alice)
    assert mine.label == "friend" and mine.network_type == "personal"
    assert theirs.label == "" and theirs.network_type == "strategic"
    with pytest.raises(ValidationFailed):
        connection_set_label(actor=alice, other_id=bob.pk, label="boss")
    with pytest.raises(ValidationFailed):
        connection_set_type(actor=alice, other_id=bob.pk, network_type="professional")


def test_patient_label_is_allowed(alice, bob):
    """Labelling a connection as patient is possible (the page shows a boundaries notice)."""
    connect(alice, bob)
    assert connection_set_label(actor=alice, other_id=bob.pk, label="patient").label == "patient"


def test_proposal_follows_affiliations_and_keeps_overrides(alice, bob, carol):
    """Joining the same organization makes the tie operational unless the member overrode it."""
    connect(alice, bob)
    connect(alice, carol)
    assert Connection.objects.get(owner=alice, other=bob).network_type == "personal"
    connection_set_type(actor=alice, other_id=carol.pk, network_type="strategic")
    org = OrganizationFactory()
    affiliation_add(actor=alice, organization=org)
    affiliation_add(actor=bob, organization=org)
    affiliation_add(actor=carol, organization=org)
    assert Connection.objects.get(owner=alice, other=bob).network_type == "operational"
    assert Connection.objects.get(owner=bob, other=alice).network_type == "operational"
    assert (
        Connection.objects.get(owner=alice, other=carol).network_type == "strategic"
    )  # override kept
    assert Connection.objects.get(owner=carol, other=alice).network_type == "operational"


def test_shared_goal_outside_the_organization_is_strategic(alice, bob):
    """Members outside each other's organizations who share a goal are strategic contacts."""
    affiliation_add(actor=alice, organization=OrganizationFactory())
    affiliation_add(actor=bob, organization=OrganizationFactory())
    connect(alice, bob)
    assert Connection.objects.get(owner=alice, other=bob).network_type == "personal"
    profile_update(
        actor=alice, profile=alice.profile, changes={"goals": ["Research collaboration"]}
    )
    profile_update(actor=bob, profile=bob.profile, changes={"goals": ["Research collaboration"]})
    assert Connection.objects.get(owner=alice, other=bob).network_type == "strategic"


def test_follow_and_unfollow(alice, bob):
    """Following is one-way and idempotent; counts follow."""
    follow(actor=alice, followee=bob)
    follow(actor=alice, followee=bob)
    assert Follow.objects.count() == 1
    assert NetworkState.objects.get(user=bob).follower_count == 1
    assert NetworkState.objects.get(user=alice).following_count == 1
    with pytest.raises(ValidationFailed):
        follow(actor=alice, followee=alice)
    assert unfollow(actor=alice, followee_id=bob.pk) is True
    assert unfollow(actor=alice, followee_id=bob.pk) is False
    assert NetworkState.objects.get(user=bob).follower_count == 0


def test_block_removes_ties_and_stops_everything(alice, bob):
    """Blocking removes the connection and follows, closes requests, and is audited."""
    connect(alice, bob)
    follow(actor=alice, followee=bob)
    follow(actor=bob, followee=alice)
    block(actor=alice, blocked=bob)
    assert pair_rows(alice, bob) == 0
    assert not Follow.objects.exists()
    assert AuditEntry.objects.filter(action="network.block").exists()
    with pytest.raises(NotFound):
        connection_request_send(actor=bob, recipient=alice)
    with pytest.raises(NotFound):
        follow(actor=bob, followee=alice)
    with pytest.raises(ValidationFailed, match="unblock"):
        connection_request_send(actor=alice, recipient=bob)
    assert unblock(actor=alice, blocked_id=bob.pk)
    assert not Block.objects.exists()
    connection_request_send(actor=bob, recipient=alice)


def test_block_closes_pending_requests_both_ways(alice, bob, carol):
    """A pending request between blocker and blocked is closed; it can no longer be accepted."""
    request = connection_request_send(actor=bob, recipient=alice)
    block(actor=alice, blocked=bob)
    assert ConnectionRequest.objects.get(pk=request.pk).state == "declined"
    request2 = connection_request_send(actor=alice, recipient=carol)
    block(actor=alice, blocked=carol)
    assert ConnectionRequest.objects.get(pk=request2.pk).state == "withdrawn"


def test_interactions_refresh_last_interaction_on_both_sides(alice, bob):
    """Recording an interaction updates both sides' last-interaction time; future times are refused."""
    connect(alice, bob)
    when = timezone.now() - timedelta(days=3)
    Connection.objects.update(last_interaction_at=timezone.now() - timedelta(days=300))
    interaction_record(actor=alice, other_id=bob.pk, kind="met", occurred_at=when)
    assert set(Connection.objects.values_list("last_interaction_at", flat=True)) == {when}
    with pytest.raises(ValidationFailed):
        interaction_record(
            actor=alice, other_id=bob.pk, kind="met", occurred_at=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(ValidationFailed):
        interaction_record(actor=alice, other_id=bob.pk, kind="telepathy")


def test_every_change_bumps_the_network_version(alice, bob):
    """Cached health and recommendations key on a version that every own change bumps."""

    def version():
        return NetworkState.objects.get(user=alice).version

    connect(alice, bob)
    v = version()
    connection_set_label(actor=alice, other_id=bob.pk, label="colleague")
    assert version() > v
    v = version()
    recommendation_dismiss(actor=alice, candidate_id=bob.pk)
    assert version() > v
    assert RecommendationDismissal.objects.get(user=alice).until > timezone.now() + timedelta(
        days=89
    )


def test_expire_command_records_expired_requests(alice, bob):
    """The daily command marks requests past their expiry as expired and says how many."""
    from io import StringIO

    from django.core.management import call_command

    request = connection_request_send(actor=alice, recipient=bob)
    ConnectionRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    out = StringIO()
    call_command("expire_connection_requests", stdout=out)
    assert "1 connection request(s) expired." in out.getvalue()
    assert ConnectionRequest.objects.get(pk=request.pk).state == "expired"
