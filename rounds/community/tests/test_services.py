"""Membership lifecycles, forum writes, mentions and search through the services."""

from __future__ import annotations

import pytest

from rounds.community import services
from rounds.community.models import GroupMembership, Thread
from rounds.community.policies import can_post_in_group, is_group_moderator
from rounds.community.selectors import (
    member_group_ids,
    readable_group_ids,
    search_threads,
    threads_of,
)
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.network.services import block
from rounds.notifications.models import Kind, Notification
from rounds.profiles.tests.factories import ProfileFactory

from .factories import add_member, make_group, make_reply, make_thread

pytestmark = pytest.mark.django_db


def _user():
    return ProfileFactory().user


def test_public_join_is_immediate_and_counts_members():
    """Joining a public group makes an active member at once and bumps member_count."""
    group = make_group()
    user = _user()
    membership = services.group_join(actor=user, group=group)
    assert membership.state == "active"
    group.refresh_from_db()
    assert group.member_count == 2
    assert can_post_in_group(user, group)
    with pytest.raises(Conflict):
        services.group_join(actor=user, group=group)


def test_private_join_is_a_request_approved_with_a_notification():
    """A private group's join is a request; approval activates it and notifies the member."""
    owner = _user()
    group = make_group(owner, visibility="private")
    user = _user()
    assert services.group_join(actor=user, group=group).state == "requested"
    assert group.pk not in set(readable_group_ids(user))
    services.request_approve(actor=owner, group=group, user=user)
    assert group.pk in set(readable_group_ids(user))
    assert Notification.objects.filter(recipient=user, kind=Kind.GROUP_APPROVAL).exists()


def test_decline_removes_the_request():
    """A declined request leaves no membership, and the member may ask again."""
    owner = _user()
    group = make_group(owner, visibility="private")
    user = _user()
    services.group_join(actor=user, group=group)
    services.request_decline(actor=owner, group=group, user=user)
    assert not GroupMembership.objects.filter(group=group, user=user).exists()
    assert services.group_join(actor=user, group=group).state == "requested"


def test_invitation_to_secret_group_notifies_and_can_be_accepted_or_declined():
    """Invitations notify; the invitee accepts (member) or declines (row gone)."""
    owner = _user()
    group = make_group(owner, visibility="secret")
    a, b = _user(), _user()
    services.group_invite(actor=owner, group=group, invitee=a)
    services.group_invite(actor=owner, group=group, invitee=b)
    assert Notification.objects.filter(recipient=a, kind=Kind.GROUP_INVITATION).exists()
    services.invitation_accept(actor=a, group=group)
    services.invitation_decline(actor=b, group=group)
    assert set(member_group_ids(a)) == {group.pk}
    assert not GroupMembership.objects.filter(group=group, user=b).exists()


def test_secret_group_cannot_be_joined_without_invitation():
    """Joining a secret group without an invitation is a NotFound."""
    group = make_group(visibility="secret")
    with pytest.raises(NotFound):
        services.group_join(actor=_user(), group=group)


def test_banned_member_cannot_rejoin_and_loses_private_content():
    """A ban ends membership; the banned member cannot rejoin or read a private group."""
    owner = _user()
    group = make_group(owner, visibility="private")
    user = add_member(group)
    services.member_ban(actor=owner, group=group, user=user)
    group.refresh_from_db()
    assert group.member_count == 1
    assert group.pk not in set(readable_group_ids(user))
    with pytest.raises(Forbidden):
        services.group_join(actor=user, group=group)
    services.member_unban(actor=owner, group=group, user=user)
    assert services.group_join(actor=user, group=group).state == "requested"


def test_banned_member_reads_a_public_group_like_a_visitor():
    """Banned from a public group: its content stays readable (as signed out), posting is not."""
    owner = _user()
    group = make_group(owner)
    user = add_member(group)
    services.member_ban(actor=owner, group=group, user=user)
    assert group.pk in set(readable_group_ids(user))
    with pytest.raises(Forbidden):
        make_thread(group, user)


def test_moderators_cannot_remove_moderators_but_the_owner_can():
    """Only the owner removes or bans moderators; nobody removes the owner."""
    owner = _user()
    group = make_group(owner)
    mod_a = add_member(group, role="moderator")
    mod_b = add_member(group, role="moderator")
    with pytest.raises(Forbidden):
        services.member_remove(actor=mod_a, group=group, user=mod_b)
    with pytest.raises(Forbidden):
        services.member_ban(actor=mod_a, group=group, user=owner)
    services.member_remove(actor=owner, group=group, user=mod_b)
    assert not is_group_moderator(mod_b, group.pk)


def test_transfer_ownership_demotes_the_old_owner_to_moderator():
    """The new owner is an active member; the old owner becomes a moderator and may leave."""
    owner = _user()
    group = make_group(owner)
    heir = add_member(group)
    with pytest.raises(Conflict):
        services.group_leave(actor=owner, group=group)
    services.ownership_transfer(actor=owner, group=group, user=heir)
    roles = dict(GroupMembership.objects.filter(group=group).values_list("user_id", "role"))
    assert roles == {owner.pk: "moderator", heir.pk: "owner"}
    services.group_leave(actor=owner, group=group)
    with pytest.raises(NotFound):
        services.ownership_transfer(actor=heir, group=group, user=owner)


def test_mentions_notify_readers_once_and_skip_blocked_and_outsiders():
    """@mentions notify members who can read the thread, once; not outsiders of a private
    group, not members blocked either way."""
    owner = _user()
    group = make_group(owner, visibility="private")
    reader = add_member(group)
    blocker = add_member(group)
    outsider = _user()
    block(actor=blocker, blocked=owner)
    handles = [u.profile.handle for u in (reader, blocker, outsider)]
    body = " ".join(f"@{h} @{h}" for h in handles)
    thread = make_thread(group, owner, body=body)
    mentions = Notification.objects.filter(kind=Kind.MENTION)
    assert list(mentions.values_list("recipient_id", flat=True)) == [reader.pk]
    services.thread_update(actor=owner, thread=thread, body=body + " edited")
    assert mentions.count() == 1
    make_reply(thread, reader, body=f"Thanks @{owner.profile.handle}")
    assert mentions.filter(recipient=owner).count() == 1


def test_replies_bump_activity_order_and_quotes_stay_in_thread():
    """A reply moves its thread to the top; quoting a reply of another thread is refused."""
    owner = _user()
    group = make_group(owner)
    first = make_thread(group, owner, title="First")
    second = make_thread(group, owner, title="Second")
    assert [t.title for t in threads_of(viewer=owner, group=group)] == ["Second", "First"]
    reply = make_reply(first, owner)
    assert [t.title for t in threads_of(viewer=owner, group=group)] == ["First", "Second"]
    quoting = make_reply(first, owner, body="Agreed", quoted=reply)
    assert quoting.quoted_id == reply.pk
    with pytest.raises(ValidationFailed):
        services.reply_create(actor=owner, thread=second, body="x", quoted_id=reply.pk)
    services.thread_set_flags(actor=owner, thread=second, pinned=True)
    assert [t.title for t in threads_of(viewer=owner, group=group)] == ["Second", "First"]


def test_locked_threads_take_only_moderators_replies():
    """Members cannot reply in a locked thread; moderators still can."""
    owner = _user()
    group = make_group(owner)
    member = add_member(group)
    thread = make_thread(group, member)
    services.thread_set_flags(actor=owner, thread=thread, locked=True)
    with pytest.raises(Forbidden):
        make_reply(thread, member)
    make_reply(thread, owner)
    with pytest.raises(Forbidden):
        services.thread_set_flags(actor=member, thread=thread, locked=False)


def test_search_finds_threads_and_replies_and_hides_hidden_blocked_and_unreadable():
    """Search matches titles, bodies and replies in readable groups only; hidden content and
    blocked authors never match."""
    owner = _user()
    public = make_group(owner)
    private = make_group(owner, visibility="private")
    viewer = add_member(public)
    make_thread(public, owner, title="Anticoagulation bridging", body="Warfarin questions")
    in_reply = make_thread(public, owner, title="Night shifts", body="Sleep")
    make_reply(in_reply, owner, body="Bridging with heparin is rarely needed")
    make_thread(private, owner, title="Bridging secrets", body="members only")
    hidden = make_thread(public, owner, title="Hidden bridging", body="x")
    Thread.objects.filter(pk=hidden.pk).update(moderation_state="hidden")
    blocked_author = add_member(public)
    make_thread(public, blocked_author, title="Blocked bridging", body="x")
    block(actor=viewer, blocked=blocked_author)
    titles = {t.title for t in search_threads(viewer=viewer, query="bridging").items}
    assert titles == {"Anticoagulation bridging", "Night shifts"}
    assert search_threads(viewer=viewer, query="   ").items == []


def test_author_edits_and_deletes_only_their_own():
    """Only the author edits or deletes a thread or reply."""
    owner = _user()
    group = make_group(owner)
    member = add_member(group)
    thread = make_thread(group, owner)
    reply = make_reply(thread, owner)
    with pytest.raises(Forbidden):
        services.thread_update(actor=member, thread=thread, title="Mine now")
    with pytest.raises(Forbidden):
        services.reply_delete(actor=member, reply=reply)
    services.reply_delete(actor=owner, reply=reply)
    thread.refresh_from_db()
    assert thread.reply_count == 0
    services.thread_delete(actor=owner, thread=thread)
    assert not Thread.objects.exists()
