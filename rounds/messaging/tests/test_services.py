"""The message services: starting conversations and requests, sending, blocks, groups,
read markers, mute, leave, delete, interactions and notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.messaging.models import Conversation, Message, MessageHide, Participant
from rounds.messaging.selectors import (
    inbox_for,
    message_search_for,
    messages_page,
    unread_conversation_count,
)
from rounds.messaging.services import (
    MAX_OPEN_REQUESTS,
    conversation_leave,
    conversation_mark_read,
    conversation_request_accept,
    conversation_request_ignore,
    conversation_set_muted,
    conversation_start,
    message_delete,
    message_send,
)
from rounds.messaging.tests.factories import reply, start
from rounds.network.models import Interaction
from rounds.network.services import block, unblock
from rounds.network.tests.factories import connect
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

Status = Participant.Status
MESSAGE_KINDS = [Kind.MESSAGE, Kind.MESSAGE_REQUEST]


def message_notifications(user):
    """Notifications about messages (connection requests notify too)."""
    return Notification.objects.filter(recipient=user, kind__in=MESSAGE_KINDS)


@pytest.fixture
def ana():
    return ProfileFactory(handle="ana", display_name="Ana Ruiz").user


@pytest.fixture
def ben():
    return ProfileFactory(handle="ben", display_name="Ben Okafor").user


@pytest.fixture
def chen():
    return ProfileFactory(handle="chen", display_name="Chen Li").user


def seat(user, message_or_conversation) -> Participant:
    conversation_id = getattr(message_or_conversation, "conversation_id", None)
    conversation_id = conversation_id or message_or_conversation.pk
    return Participant.objects.select_related("conversation").get(
        user=user, conversation_id=conversation_id
    )


def visible_bodies(user, message) -> list[str]:
    return [m.body for m in messages_page(seat=seat(user, message)).items]


# --- one-to-one and requests ------------------------------------------------------------------


def test_writing_to_a_connection_starts_an_active_conversation(ana, ben):
    """Connected members get a one-to-one conversation both see in their inbox, unread for
    the recipient only."""
    connect(ana, ben)
    message = start(ana, ben, body="  Hello **Ben**  ")
    conversation = message.conversation
    assert conversation.kind == Conversation.Kind.DIRECT
    assert message.body == "Hello **Ben**"
    assert seat(ben, message).status == Status.ACTIVE
    assert [s.conversation_id for s in inbox_for(viewer=ben).items] == [conversation.pk]
    assert seat(ben, message).is_unread and not seat(ana, message).is_unread
    conversation.refresh_from_db()
    assert conversation.last_message_id == message.pk


def test_the_pair_keeps_one_conversation(ana, ben):
    """Writing again, from either side, reuses the pair's conversation."""
    connect(ana, ben)
    first = start(ana, ben)
    second = start(ben, ana, body="Back to you")
    assert second.conversation_id == first.conversation_id
    assert Conversation.objects.count() == 1


def test_a_stranger_message_is_a_request_and_the_sender_waits(ana, ben):
    """To a non-connection the first message is a request (only under Requests), and the
    sender cannot send another until it is accepted."""
    message = start(ana, ben)
    assert seat(ben, message).status == Status.REQUEST
    assert inbox_for(viewer=ben).items == []
    assert [s.conversation_id for s in inbox_for(viewer=ben, box="requests").items] == [
        message.conversation_id
    ]
    with pytest.raises(Forbidden, match="waiting for Ben Okafor"):
        reply(ana, message, "Did you see my message?")
    with pytest.raises(Forbidden):
        start(ana, ben, body="Hello again?")
    assert Message.objects.count() == 1


def test_accepting_a_request_lets_both_write(ana, ben):
    """After acceptance the conversation is in the inbox and both can send."""
    message = start(ana, ben)
    with pytest.raises(Forbidden, match="Accept this message request"):
        reply(ben, message)
    conversation_request_accept(actor=ben, conversation_id=message.conversation_id)
    assert [s.conversation_id for s in inbox_for(viewer=ben).items] == [message.conversation_id]
    reply(ben, message)
    reply(ana, message, "Great")
    assert Message.objects.count() == 3
    with pytest.raises(Conflict):
        conversation_request_accept(actor=ben, conversation_id=message.conversation_id)


def test_ignoring_a_request_hides_it_and_keeps_the_sender_out(ana, ben):
    """An ignored request leaves Requests; the sender still cannot write; it can be accepted
    later."""
    message = start(ana, ben)
    conversation_request_ignore(actor=ben, conversation_id=message.conversation_id)
    assert inbox_for(viewer=ben, box="requests").items == []
    assert inbox_for(viewer=ben).items == []
    with pytest.raises(Forbidden):
        reply(ana, message)
    with pytest.raises(Conflict):
        conversation_request_ignore(actor=ben, conversation_id=message.conversation_id)
    conversation_request_accept(actor=ben, conversation_id=message.conversation_id)
    assert seat(ben, message).status == Status.ACTIVE


def test_writing_back_through_compose_accepts_the_request(ana, ben):
    """The recipient who starts a message to the sender answers (and accepts) the request."""
    message = start(ana, ben)
    answer = start(ben, ana, body="Happy to talk")
    assert answer.conversation_id == message.conversation_id
    assert seat(ben, message).status == Status.ACTIVE


def test_connecting_later_opens_a_waiting_request(ana, ben):
    """Once the two connect, the sender may write again and the request becomes a normal
    conversation."""
    message = start(ana, ben)
    connect(ana, ben)
    reply(ana, message, "Now that we are connected")
    assert seat(ben, message).status == Status.ACTIVE


def test_open_requests_are_capped(ana, settings):
    """A member cannot leave more than MAX_OPEN_REQUESTS requests unanswered."""
    strangers = [ProfileFactory().user for _ in range(MAX_OPEN_REQUESTS)]
    for stranger in strangers:
        start(ana, stranger)
    with pytest.raises(ValidationFailed) as caught:
        start(ana, ProfileFactory().user)
    assert "to" in caught.value.errors


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a message first"),
        ("   \n ", "Write a message first"),
        ("x" * 5001, "5,000 characters"),
        ("a\x00b", "not allowed"),
        (None, "must be text"),
    ],
)
def test_bad_bodies_are_refused(ana, ben, body, message):
    """Empty, over-long, NUL-laden or non-text bodies are a 422 on ``body``; nothing is sent."""
    connect(ana, ben)
    with pytest.raises(ValidationFailed, match=message) as caught:
        conversation_start(actor=ana, recipients=[ben], body=body)
    assert "body" in caught.value.errors
    assert not Message.objects.exists()


def test_a_5000_character_message_is_accepted(ana, ben):
    """The limit is inclusive."""
    connect(ana, ben)
    assert len(start(ana, ben, body="y" * 5000).body) == 5000


def test_recipients_are_checked(ana, ben):
    """Nobody, yourself, or an inactive member are refused."""
    with pytest.raises(ValidationFailed, match="Choose who"):
        conversation_start(actor=ana, recipients=[], body="Hi")
    with pytest.raises(ValidationFailed, match="yourself"):
        conversation_start(actor=ana, recipients=[ana], body="Hi")
    ben.is_active = False
    ben.save()
    with pytest.raises(NotFound):
        conversation_start(actor=ana, recipients=[ben], body="Hi")


# --- blocks -----------------------------------------------------------------------------------


def test_blocks_stop_new_conversations_both_ways(ana, ben):
    """Blocked by them: NotFound (they do not exist for you); blocked by you: a 422 saying so."""
    block(actor=ben, blocked=ana)
    with pytest.raises(NotFound):
        start(ana, ben)
    with pytest.raises(ValidationFailed, match="unblock them first"):
        start(ben, ana)
    assert not Conversation.objects.exists()


def test_a_block_makes_a_one_to_one_conversation_read_only(ana, ben):
    """Neither side can send after a block; earlier messages stay readable."""
    connect(ana, ben)
    message = start(ana, ben)
    block(actor=ana, blocked=ben)
    for actor in (ana, ben):
        with pytest.raises(Forbidden, match="read-only"):
            reply(actor, message)
    assert visible_bodies(ben, message) == [message.body]
    unblock(actor=ana, blocked_id=ben.pk)
    reply(ben, message, "We can talk again")


def test_in_a_group_a_block_hides_new_messages_both_ways_for_good(ana, ben, chen):
    """In a group, members with a block between them do not see each other's new messages,
    not even after the block is lifted; the others see everything."""
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen, body="Welcome both")
    block(actor=ben, blocked=chen)
    from_ben = reply(ben, first, "Ben here")
    from_chen = reply(chen, first, "Chen here")
    assert visible_bodies(chen, first) == ["Welcome both", "Chen here"]
    assert visible_bodies(ben, first) == ["Welcome both", "Ben here"]
    assert visible_bodies(ana, first) == ["Welcome both", "Ben here", "Chen here"]
    assert set(MessageHide.objects.values_list("message_id", "user_id")) == {
        (from_ben.pk, chen.pk),
        (from_chen.pk, ben.pk),
    }
    assert seat(chen, first).last_message_id == from_chen.pk  # the inbox preview skips it
    unblock(actor=ben, blocked_id=chen.pk)
    assert "Ben here" not in visible_bodies(chen, first)
    assert not message_search_for(viewer=chen, q="Ben here").items


# --- groups -----------------------------------------------------------------------------------


def test_groups_are_made_of_connections(ana, ben, chen):
    """A group with a member the creator is not connected to is refused, naming them."""
    connect(ana, ben)
    with pytest.raises(ValidationFailed, match="Chen Li"):
        start(ana, ben, chen)
    connect(ana, chen)
    message = start(ana, ben, chen)
    assert message.conversation.kind == Conversation.Kind.GROUP
    assert Participant.objects.filter(conversation=message.conversation).count() == 3


def test_groups_hold_at_most_twenty_people(ana):
    """19 others plus the creator is the largest group."""
    others = [ProfileFactory().user for _ in range(20)]
    for other in others:
        connect(ana, other)
    with pytest.raises(ValidationFailed, match="at most 20"):
        start(ana, *others)
    assert start(ana, *others[:19]).conversation.participants.count() == 20


def test_a_member_who_left_reads_nothing_new(ana, ben, chen):
    """After leaving a group: no new messages, no inbox entry, no search hits, no sending."""
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen, body="Before you left")
    conversation_leave(actor=chen, conversation_id=first.conversation_id)
    reply(ana, first, "A secret after Chen left")
    assert visible_bodies(chen, first) == ["Before you left"]
    assert inbox_for(viewer=chen).items == []
    assert not message_search_for(viewer=chen, q="secret").items
    assert message_search_for(viewer=chen, q="Before").items
    with pytest.raises(Forbidden, match="You left"):
        reply(chen, first)
    with pytest.raises(Conflict):
        conversation_leave(actor=chen, conversation_id=first.conversation_id)


def test_a_group_everyone_left_is_read_only(ana, ben, chen):
    """Nobody left to read it: sending is refused."""
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen)
    conversation_leave(actor=ben, conversation_id=first.conversation_id)
    conversation_leave(actor=chen, conversation_id=first.conversation_id)
    with pytest.raises(Forbidden, match="Everyone else has left"):
        reply(ana, first)


def test_leaving_a_one_to_one_conversation_archives_it_until_the_next_message(ana, ben):
    """Archive hides it from the inbox; a new message brings it back."""
    connect(ana, ben)
    message = start(ana, ben)
    conversation_leave(actor=ben, conversation_id=message.conversation_id)
    assert inbox_for(viewer=ben).items == []
    assert len(inbox_for(viewer=ben, box="archived").items) == 1
    with pytest.raises(Conflict):
        conversation_leave(actor=ben, conversation_id=message.conversation_id)
    reply(ana, message, "Still there?")
    assert len(inbox_for(viewer=ben).items) == 1


# --- reading, muting, deleting ----------------------------------------------------------------


def test_read_markers_move_forward_only(ana, ben):
    """Marking read moves to the newest visible message and never back; unread counts follow."""
    connect(ana, ben)
    message = start(ana, ben)
    assert unread_conversation_count(viewer=ben) == 1
    marked = conversation_mark_read(actor=ben, conversation_id=message.conversation_id)
    assert marked.last_read_message_id == message.pk
    assert unread_conversation_count(viewer=ben) == 0
    second = reply(ana, message, "One more")
    assert unread_conversation_count(viewer=ben) == 1
    conversation_mark_read(actor=ben, conversation_id=message.conversation_id)
    Participant.objects.filter(user=ben).update(last_message=message)  # an older target
    conversation_mark_read(actor=ben, conversation_id=message.conversation_id)
    assert seat(ben, message).last_read_message_id == second.pk


def test_reading_a_request_records_nothing(ana, ben):
    """The sender learns nothing until the request is accepted."""
    message = start(ana, ben)
    conversation_mark_read(actor=ben, conversation_id=message.conversation_id)
    assert seat(ben, message).last_read_message_id is None


def test_muted_conversations_leave_the_badge_and_notify_nobody(ana, ben):
    """Muting stops notifications and the badge count; unmuting restores both."""
    connect(ana, ben)
    message = start(ana, ben)
    conversation_mark_read(actor=ben, conversation_id=message.conversation_id)
    conversation_set_muted(actor=ben, conversation_id=message.conversation_id, muted=True)
    before = message_notifications(ben).count()
    reply(ana, message, "Muted?")
    assert message_notifications(ben).count() == before
    assert unread_conversation_count(viewer=ben) == 0
    conversation_set_muted(actor=ben, conversation_id=message.conversation_id, muted=False)
    assert unread_conversation_count(viewer=ben) == 1


def test_deleting_erases_the_text_for_everyone(ana, ben):
    """Only the author deletes; the row stays with an empty body."""
    connect(ana, ben)
    message = start(ana, ben, body="Oops, wrong chat")
    with pytest.raises(Forbidden):
        message_delete(actor=ben, conversation_id=message.conversation_id, message_id=message.pk)
    deleted = message_delete(
        actor=ana, conversation_id=message.conversation_id, message_id=message.pk
    )
    assert deleted.body == "" and deleted.is_deleted
    again = message_delete(
        actor=ana, conversation_id=message.conversation_id, message_id=message.pk
    )
    assert again.deleted_at == deleted.deleted_at
    assert visible_bodies(ben, message) == [""]
    with pytest.raises(NotFound):
        message_delete(actor=ana, conversation_id=message.conversation_id, message_id=10**12)


def test_outsiders_reach_nothing(ana, ben, chen):
    """Every service treats a non-participant as if the conversation did not exist."""
    connect(ana, ben)
    message = start(ana, ben)
    cid = message.conversation_id
    for call in (
        lambda: message_send(actor=chen, conversation_id=cid, body="Let me in"),
        lambda: conversation_mark_read(actor=chen, conversation_id=cid),
        lambda: conversation_set_muted(actor=chen, conversation_id=cid, muted=True),
        lambda: conversation_leave(actor=chen, conversation_id=cid),
        lambda: conversation_request_accept(actor=chen, conversation_id=cid),
        lambda: message_delete(actor=chen, conversation_id=cid, message_id=message.pk),
    ):
        with pytest.raises(NotFound):
            call()


# --- interactions and notifications -----------------------------------------------------------


def test_one_interaction_per_pair_conversation_and_day(ana, ben):
    """Many messages either way record one "message" interaction a day for the pair."""
    connect(ana, ben)
    message = start(ana, ben)
    reply(ben, message)
    reply(ana, message, "And again")
    rows = Interaction.objects.filter(kind=Interaction.Kind.MESSAGE)
    assert list(rows.values_list("actor_id", "other_id", "source")) == [
        (ana.pk, ben.pk, f"message:{message.conversation_id}")
    ]
    rows.update(occurred_at=timezone.now() - timedelta(days=1))
    reply(ben, message, "Next day")
    assert rows.count() == 2


def test_requests_record_no_interaction_until_accepted(ana, ben):
    """An unanswered request is not an exchange."""
    message = start(ana, ben)
    assert not Interaction.objects.filter(kind=Interaction.Kind.MESSAGE).exists()
    conversation_request_accept(actor=ben, conversation_id=message.conversation_id)
    reply(ben, message)
    assert Interaction.objects.filter(kind=Interaction.Kind.MESSAGE).count() == 1


def test_group_messages_record_interactions_with_connections_only(ana, ben, chen):
    """In a group the sender's interactions go to the members they are connected to."""
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen)
    reply(ben, first, "Ben to the group")  # Ben and Chen are not connected
    pairs = set(
        Interaction.objects.filter(kind=Interaction.Kind.MESSAGE).values_list(
            "actor_id", "other_id"
        )
    )
    assert pairs == {(ana.pk, ben.pk), (ana.pk, chen.pk)}


def test_one_notification_until_the_recipient_looks(ana, ben):
    """A burst of messages notifies once; after reading, the next message notifies again."""
    connect(ana, ben)
    message = start(ana, ben)
    reply(ana, message, "Second")
    reply(ana, message, "Third")
    notes = message_notifications(ben)
    assert notes.count() == 1
    note = notes.get()
    assert (note.kind, note.text, note.url, note.actor_id) == (
        Kind.MESSAGE,
        "Ana Ruiz sent you a message",
        f"/messages/{message.conversation_id}/",
        ana.pk,
    )
    assert not message_notifications(ana).exists()
    conversation_mark_read(actor=ben, conversation_id=message.conversation_id)
    assert notes.get().read_at is not None
    reply(ana, message, "Fourth")
    assert notes.filter(read_at__isnull=True).count() == 1


def test_a_request_notifies_as_a_message_request(ana, ben):
    """A stranger's first message is a message-request notification."""
    start(ana, ben)
    assert list(message_notifications(ben).values_list("kind", flat=True)) == [Kind.MESSAGE_REQUEST]


def test_group_notifications_skip_members_behind_a_block(ana, ben, chen):
    """A member who blocked the sender (or was blocked) is neither notified nor shown it."""
    connect(ana, ben)
    connect(ana, chen)
    first = start(ana, ben, chen)
    Notification.objects.all().delete()
    block(actor=chen, blocked=ben)
    reply(ben, first, "Hello group")
    recipients = Notification.objects.filter(kind__in=MESSAGE_KINDS)
    assert set(recipients.values_list("recipient_id", flat=True)) == {ana.pk}
