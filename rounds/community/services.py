"""Writes for groups, memberships and forums.

Every service validates, then writes in one transaction, audits role and membership changes
(ids only), and notifies inside the transaction (``notify`` rolls back with it; e-mail goes out
after commit). Texts pass the professionalism guard (publishing paths below); threads and
replies are rate-limited ("thread", "reply") before anything else. Callers resolve the group,
thread or reply through ``rounds.community.access`` first, so what a service receives is
visible to the actor; a visible object the actor may not change is ``Forbidden`` (403).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from rounds.accounts.policies import ensure_not_leaving
from rounds.core.audit import audit
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.publishing import Draft, guard_texts, publishing_path
from rounds.core.ratelimit import rate_limit

from . import policies
from .mentions import mention_candidates, mentioned_handles
from .models import (
    MAX_GROUP_DESCRIPTION,
    MAX_REPLY_BODY,
    MAX_THREAD_BODY,
    MAX_THREAD_TITLE,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    Group,
    GroupMembership,
    GroupTopic,
    MembershipState,
    Reply,
    Role,
    Thread,
    Visibility,
)

GROUP_NAME_PATH = publishing_path(
    "community.group_name",
    kind="group_description",
    field="name",
    model_field="community.Group.name",
)
GROUP_DESCRIPTION_PATH = publishing_path(
    "community.group_description",
    kind="group_description",
    field="description",
    model_field="community.Group.description",
)
THREAD_TITLE_PATH = publishing_path(
    "community.thread_title", kind="thread", field="title", model_field="community.Thread.title"
)
THREAD_BODY_PATH = publishing_path(
    "community.thread_body", kind="thread", field="body", model_field="community.Thread.body"
)
REPLY_BODY_PATH = publishing_path(
    "community.reply_body", kind="reply", field="body", model_field="community.Reply.body"
)

MAX_GROUP_NAME = 120
T = TypeVar("T")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$")
RESERVED_SLUGS = frozenset({"new", "search", "invitations", "mine"})


# --- small validators ---------------------------------------------------------------------------


def _text(field: str, value: Any, *, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("Must be text.", field=field)
    value = value.strip()
    if "\x00" in value:
        raise ValidationFailed("Contains a character that is not allowed.", field=field)
    if required and not value:
        raise ValidationFailed("This field is required.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters (this has {len(value)}).", field=field)
    return value


def _visibility(value: Any) -> str:
    if value not in Visibility.values:
        raise ValidationFailed("Choose public, private or secret.", field="visibility")
    return str(value)


def _topics(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationFailed("Topics are a list of words.", field="topics")
    topics: list[str] = []
    for raw in value:
        if not isinstance(raw, str) or "\x00" in raw:
            raise ValidationFailed("Each topic is text.", field="topics")
        topic = " ".join(raw.lower().split())
        if not topic:
            continue
        if len(topic) > MAX_TOPIC_LENGTH:
            raise ValidationFailed(
                f"Each topic is at most {MAX_TOPIC_LENGTH} characters.", field="topics"
            )
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise ValidationFailed(f"At most {MAX_TOPICS} topics.", field="topics")
    return topics


def _specialties(value: Any) -> list[Any]:
    from rounds.profiles.models import Specialty

    if not value:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed("Specialties are a list of specialty codes.", field="specialties")
    if len(value) > MAX_TOPICS:
        raise ValidationFailed(f"At most {MAX_TOPICS} specialties.", field="specialties")
    slugs = {v for v in value if v and len(v) <= 80 and "\x00" not in v}
    found = list(Specialty.objects.filter(slug__in=slugs))
    if len(found) != len(set(value)):
        raise ValidationFailed("Unknown specialty.", field="specialties")
    return found


def _organization(value: Any) -> Any:
    from rounds.profiles.models import Organization

    if not value:
        return None
    if not isinstance(value, str) or len(value) > 80 or "\x00" in value:
        raise ValidationFailed("Unknown organization.", field="organization")
    organization = Organization.objects.filter(slug=value).first()
    if organization is None:
        raise ValidationFailed("Unknown organization.", field="organization")
    return organization


def _slug_for(name: str, requested: Any) -> str:
    if requested:
        if not isinstance(requested, str) or not SLUG_RE.match(requested):
            raise ValidationFailed(
                "3–80 lower-case letters, digits and hyphens (not at the ends).", field="slug"
            )
        if requested in RESERVED_SLUGS or Group.objects.filter(slug=requested).exists():
            raise Conflict("That address is taken.", field="slug")
        return requested
    stem = (slugify(name)[:70].strip("-") or "group").ljust(3, "0")
    candidate, number = stem, 1
    while candidate in RESERVED_SLUGS or Group.objects.filter(slug=candidate).exists():
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def _require_member(actor: Any) -> None:
    if actor is None or not actor.is_authenticated:
        raise Forbidden("Sign in first.")


def _require_moderator(actor: Any, group: Group) -> None:
    if not policies.can_moderate(actor, group):
        raise Forbidden("Only the group's owner and moderators can do that.")


def _require_owner(actor: Any, group: Group) -> None:
    if not policies.is_owner(actor, group):
        raise Forbidden("Only the group's owner can do that.")


def _group_url(group: Group) -> str:
    return reverse("community:group", args=[group.slug])


def _name(user: Any) -> str:
    from rounds.notifications.services import member_name

    return str(member_name(user.pk)[0])


def _count(group: Group, delta: int) -> None:
    Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + delta)
    group.member_count += delta


def _changes_memberships(service: Callable[..., T]) -> Callable[..., T]:
    """After a service that changes memberships, the group forgets its cached ones."""

    @functools.wraps(service)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return service(*args, **kwargs)
        finally:
            group = kwargs.get("group")
            if isinstance(group, Group):
                policies.forget_memberships(group)

    return wrapper


# --- groups ------------------------------------------------------------------------------------


@_changes_memberships
@transaction.atomic
def group_create(
    *,
    actor: Any,
    name: Any,
    description: Any = "",
    visibility: Any = Visibility.PUBLIC,
    slug: Any = "",
    topics: Any = None,
    specialties: Any = None,
    organization: Any = "",
    acknowledge_warnings: bool = False,
) -> Group:
    """Create a group with ``actor`` as its owner (and first member)."""
    _require_member(actor)
    name = _text("name", name, limit=MAX_GROUP_NAME, required=True)
    description = _text("description", description, limit=MAX_GROUP_DESCRIPTION)
    visibility = _visibility(visibility)
    topic_names = _topics(topics)
    specialty_rows = _specialties(specialties)
    org = _organization(organization)
    slug = _slug_for(name, slug)
    guard_texts(
        actor=actor,
        drafts=[Draft(GROUP_NAME_PATH, name), Draft(GROUP_DESCRIPTION_PATH, description)],
        acknowledge_warnings=acknowledge_warnings,
    )
    try:
        with transaction.atomic():
            group = Group.objects.create(
                name=name,
                slug=slug,
                description=description,
                visibility=visibility,
                organization=org,
                created_by=actor,
                member_count=1,
            )
    except IntegrityError as exc:
        raise Conflict("That address is taken.", field="slug") from exc
    GroupTopic.objects.bulk_create([GroupTopic(group=group, name=t) for t in topic_names])
    group.specialties.set(specialty_rows)
    GroupMembership.objects.create(
        group=group,
        user=actor,
        role=Role.OWNER,
        state=MembershipState.ACTIVE,
        joined_at=timezone.now(),
    )
    audit(actor=actor, action="community.group_create", target=group, visibility=visibility)
    return group


GROUP_FIELDS = {"name", "description", "visibility", "topics", "specialties", "organization"}


@transaction.atomic
def group_update(
    *, actor: Any, group: Group, changes: dict[str, Any], acknowledge_warnings: bool = False
) -> Group:
    """Change a group's about details (owner and moderators); visibility only by the owner."""
    _require_moderator(actor, group)
    unknown = set(changes) - GROUP_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    drafts: list[Draft] = []
    if "name" in changes:
        group.name = _text("name", changes["name"], limit=MAX_GROUP_NAME, required=True)
        drafts.append(Draft(GROUP_NAME_PATH, group.name))
    if "description" in changes:
        group.description = _text(
            "description", changes["description"], limit=MAX_GROUP_DESCRIPTION
        )
        drafts.append(Draft(GROUP_DESCRIPTION_PATH, group.description))
    if "visibility" in changes:
        visibility = _visibility(changes["visibility"])
        if visibility != group.visibility:
            _require_owner(actor, group)
            audit(
                actor=actor,
                action="community.group_visibility",
                target=group,
                before=group.visibility,
                after=visibility,
            )
            group.visibility = visibility
    topic_names = _topics(changes["topics"]) if "topics" in changes else None
    specialty_rows = _specialties(changes["specialties"]) if "specialties" in changes else None
    if "organization" in changes:
        group.organization = _organization(changes["organization"])
    guard_texts(actor=actor, drafts=drafts, acknowledge_warnings=acknowledge_warnings)
    group.save()
    if topic_names is not None:
        GroupTopic.objects.filter(group=group).delete()
        GroupTopic.objects.bulk_create([GroupTopic(group=group, name=t) for t in topic_names])
    if specialty_rows is not None:
        group.specialties.set(specialty_rows)
    return group


@transaction.atomic
def group_delete(*, actor: Any, group: Group) -> None:
    """Delete a group with its forum (owner only; audited)."""
    _require_owner(actor, group)
    audit(actor=actor, action="community.group_delete", target=group, slug=group.slug)
    group.delete()


# --- memberships ---------------------------------------------------------------------------------


def _membership(group: Group, user: Any, *, lock: bool = True) -> GroupMembership | None:
    qs = GroupMembership.objects.filter(group=group, user=user)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _activate(membership: GroupMembership, group: Group) -> GroupMembership:
    membership.state = MembershipState.ACTIVE
    membership.role = Role.MEMBER
    membership.joined_at = timezone.now()
    membership.save(update_fields=["state", "role", "joined_at", "updated_at"])
    _count(group, 1)
    return membership


@_changes_memberships
@transaction.atomic
def group_join(*, actor: Any, group: Group) -> GroupMembership:
    """Join a public group (at once), ask to join a private one, or accept an invitation.

    Raises Forbidden for a banned member, Conflict when already a member or already asked,
    NotFound for a secret group without an invitation (access already hides it).
    """
    ensure_not_leaving(actor)
    _require_member(actor)
    existing = _membership(group, actor)
    if existing is not None:
        if existing.state == MembershipState.INVITED:
            return _accept(actor, group, existing)
        if existing.state == MembershipState.BANNED:
            raise Forbidden("You were banned from this group and cannot rejoin it.")
        if existing.state == MembershipState.ACTIVE:
            raise Conflict("You are already a member.")
        raise Conflict("You have already asked to join; the moderators will answer.")
    if group.is_secret:
        raise NotFound("No group at that address.")
    state = MembershipState.ACTIVE if group.is_public else MembershipState.REQUESTED
    try:
        with transaction.atomic():
            membership = GroupMembership.objects.create(
                group=group,
                user=actor,
                state=state,
                joined_at=timezone.now() if state == MembershipState.ACTIVE else None,
            )
    except IntegrityError as exc:
        raise Conflict("You are already a member or have asked to join.") from exc
    if state == MembershipState.ACTIVE:
        _count(group, 1)
    return membership


def _accept(actor: Any, group: Group, membership: GroupMembership) -> GroupMembership:
    _activate(membership, group)
    audit(actor=actor, action="community.invitation_accept", target=membership)
    return membership


@_changes_memberships
@transaction.atomic
def invitation_accept(*, actor: Any, group: Group) -> GroupMembership:
    """Accept the actor's invitation (NotFound without one)."""
    ensure_not_leaving(actor)
    _require_member(actor)
    membership = _membership(group, actor)
    if membership is None or membership.state != MembershipState.INVITED:
        raise NotFound("You have no invitation to this group.")
    return _accept(actor, group, membership)


@_changes_memberships
@transaction.atomic
def invitation_decline(*, actor: Any, group: Group) -> None:
    """Decline the actor's invitation: the row goes away (they may be invited again)."""
    _require_member(actor)
    membership = _membership(group, actor)
    if membership is None or membership.state != MembershipState.INVITED:
        raise NotFound("You have no invitation to this group.")
    audit(actor=actor, action="community.invitation_decline", target=membership)
    membership.delete()


@_changes_memberships
@transaction.atomic
def group_leave(*, actor: Any, group: Group) -> None:
    """Leave the group, or withdraw a request to join. The owner transfers ownership first.
    A ban is not undone by leaving (Conflict)."""
    _require_member(actor)
    membership = _membership(group, actor)
    if membership is None or membership.state == MembershipState.INVITED:
        raise Conflict("You are not a member of this group.")
    if membership.state == MembershipState.BANNED:
        raise Conflict("You are not a member of this group.")
    if membership.role == Role.OWNER:
        raise Conflict("Transfer ownership to another member before leaving.")
    if membership.state == MembershipState.ACTIVE:
        _count(group, -1)
    audit(actor=actor, action="community.leave", target=group, state=membership.state)
    membership.delete()


def _target_membership(group: Group, user: Any, *states: str) -> GroupMembership:
    membership = _membership(group, user)
    if membership is None or (states and membership.state not in states):
        raise NotFound("No such member.")
    return membership


@_changes_memberships
@transaction.atomic
def request_approve(*, actor: Any, group: Group, user: Any) -> GroupMembership:
    """Approve a request to join (moderators); notifies the new member."""
    ensure_not_leaving(actor)
    _require_moderator(actor, group)
    membership = _target_membership(group, user, MembershipState.REQUESTED)
    _activate(membership, group)
    audit(actor=actor, action="community.request_approve", target=membership)
    from rounds.notifications.models import Kind
    from rounds.notifications.services import notify

    notify(
        recipient_id=user.pk,
        kind=Kind.GROUP_APPROVAL,
        actor_id=actor.pk,
        text=f"You are now a member of {group.name}",
        url=_group_url(group),
    )
    return membership


@_changes_memberships
@transaction.atomic
def request_decline(*, actor: Any, group: Group, user: Any) -> None:
    """Decline a request to join (moderators); the member may ask again later."""
    _require_moderator(actor, group)
    membership = _target_membership(group, user, MembershipState.REQUESTED)
    audit(actor=actor, action="community.request_decline", target=membership)
    membership.delete()


@_changes_memberships
@transaction.atomic
def group_invite(*, actor: Any, group: Group, invitee: Any) -> GroupMembership:
    """Invite a member (moderators). A pending request is approved instead. Conflict when the
    invitee is already a member, invited or banned; NotFound when blocks stand between them."""
    ensure_not_leaving(actor)
    from rounds.network.models import Block
    from rounds.notifications.models import Kind
    from rounds.notifications.services import notify

    _require_moderator(actor, group)
    if invitee.pk == actor.pk:
        raise Conflict("You are already in this group.", field="handle")
    if (
        Block.objects.filter(blocker=invitee, blocked=actor).exists()
        or Block.objects.filter(blocker=actor, blocked=invitee).exists()
    ):
        raise NotFound("No member with that handle.")
    existing = _membership(group, invitee)
    if existing is not None:
        if existing.state == MembershipState.REQUESTED:
            return request_approve(actor=actor, group=group, user=invitee)
        if existing.state == MembershipState.BANNED:
            raise Conflict(
                "That member is banned from this group; unban them first.", field="handle"
            )
        raise Conflict("That member is already a member or invited.", field="handle")
    membership = GroupMembership.objects.create(
        group=group, user=invitee, state=MembershipState.INVITED, invited_by=actor
    )
    audit(actor=actor, action="community.invite", target=membership)
    notify(
        recipient_id=invitee.pk,
        kind=Kind.GROUP_INVITATION,
        actor_id=actor.pk,
        text=f"{_name(actor)} invited you to join {group.name}",
        url=reverse("community:invitations"),
    )
    return membership


@_changes_memberships
@transaction.atomic
def invitation_cancel(*, actor: Any, group: Group, user: Any) -> None:
    """Withdraw an invitation (moderators)."""
    _require_moderator(actor, group)
    membership = _target_membership(group, user, MembershipState.INVITED)
    audit(actor=actor, action="community.invitation_cancel", target=membership)
    membership.delete()


def _outranks(actor: Any, group: Group, target: GroupMembership) -> None:
    if target.role == Role.OWNER:
        raise Forbidden("The owner cannot be removed or banned.")
    if target.role == Role.MODERATOR and not (policies.is_owner(actor, group) or actor.is_staff):
        raise Forbidden("Only the owner can remove or ban a moderator.")


@_changes_memberships
@transaction.atomic
def member_remove(*, actor: Any, group: Group, user: Any) -> None:
    """Remove an active member (moderators; moderators only by the owner). They may rejoin."""
    _require_moderator(actor, group)
    membership = _target_membership(group, user, MembershipState.ACTIVE)
    _outranks(actor, group, membership)
    _count(group, -1)
    audit(actor=actor, action="community.member_remove", target=membership, user_id=user.pk)
    membership.delete()


@_changes_memberships
@transaction.atomic
def member_ban(*, actor: Any, group: Group, user: Any) -> GroupMembership:
    """Ban a member (or anyone who asked or was invited): they lose membership, cannot rejoin,
    and read the group only as a visitor would (public content; nothing of a private group)."""
    _require_moderator(actor, group)
    if user.pk == actor.pk:
        raise Conflict("You cannot ban yourself.")
    membership = _membership(group, user)
    if membership is None:
        membership = GroupMembership(group=group, user=user)
    else:
        _outranks(actor, group, membership)
        if membership.state == MembershipState.BANNED:
            raise Conflict("That member is already banned.")
        if membership.state == MembershipState.ACTIVE:
            _count(group, -1)
    membership.state = MembershipState.BANNED
    membership.role = Role.MEMBER
    membership.save()
    audit(actor=actor, action="community.member_ban", target=membership, user_id=user.pk)
    return membership


@_changes_memberships
@transaction.atomic
def member_unban(*, actor: Any, group: Group, user: Any) -> None:
    """Lift a ban (moderators): the member may join or be invited again."""
    _require_moderator(actor, group)
    membership = _target_membership(group, user, MembershipState.BANNED)
    audit(actor=actor, action="community.member_unban", target=membership, user_id=user.pk)
    membership.delete()


@_changes_memberships
@transaction.atomic
def member_set_role(*, actor: Any, group: Group, user: Any, role: Any) -> GroupMembership:
    """Make an active member a moderator or a member again (owner only)."""
    _require_owner(actor, group)
    if role not in (Role.MODERATOR, Role.MEMBER):
        raise ValidationFailed("Choose moderator or member.", field="role")
    membership = _target_membership(group, user, MembershipState.ACTIVE)
    if membership.role == Role.OWNER:
        raise Conflict("Transfer ownership instead.", field="role")
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit(actor=actor, action="community.member_role", target=membership, role=role)
    return membership


@_changes_memberships
@transaction.atomic
def ownership_transfer(*, actor: Any, group: Group, user: Any) -> GroupMembership:
    """Hand the group to an active member; the old owner becomes a moderator (owner only)."""
    _require_owner(actor, group)
    if user.pk == actor.pk:
        raise Conflict("You already own this group.", field="handle")
    target = _target_membership(group, user, MembershipState.ACTIVE)
    current = _target_membership(group, actor, MembershipState.ACTIVE)
    current.role = Role.MODERATOR
    current.save(update_fields=["role", "updated_at"])
    target.role = Role.OWNER
    target.save(update_fields=["role", "updated_at"])
    audit(actor=actor, action="community.ownership_transfer", target=group, to_user_id=user.pk)
    return target


# --- mentions ---------------------------------------------------------------------------------------


def _notify_mentions(
    *, actor: Any, group: Group, thread: Thread, handles: Iterable[str], url: str
) -> None:
    """Notify each mentioned member who may read the thread and is not blocked either way,
    once (callers pass only handles new to this thread or reply; ``mentions`` does the
    shared part: existing members, not the actor, no block either way)."""
    from rounds.notifications.models import Kind
    from rounds.notifications.services import notify

    user_ids = mention_candidates(actor=actor, handles=handles)
    if not user_ids:
        return
    memberships = dict(
        GroupMembership.objects.filter(group=group, user_id__in=user_ids).values_list(
            "user_id", "state"
        )
    )
    if group.is_public:
        readers = {u for u in user_ids if memberships.get(u) != MembershipState.BANNED}
    else:
        readers = {u for u, s in memberships.items() if s == MembershipState.ACTIVE}
    text = f"{_name(actor)} mentioned you in “{thread.title[:80]}”"
    for user_id in sorted(readers):
        notify(recipient_id=user_id, kind=Kind.MENTION, actor_id=actor.pk, text=text, url=url)


@functools.lru_cache(maxsize=16)
def _around_slug_and_id(script_prefix: str) -> tuple[str, str, str]:
    """The thread URL's text around its group slug and thread id (reversed once per prefix)."""
    url = reverse("community:thread", args=["group-slug-slot", 987654321987654321])
    before, rest = url.split("group-slug-slot")
    middle, after = rest.split("987654321987654321")
    return before, middle, after


def thread_url_of(group_slug: str, thread_id: int) -> str:
    """``reverse("community:thread", args=[group_slug, thread_id])`` without reversing per
    thread (lists and the API give one URL per thread); slugs are URL-safe as they are."""
    from django.urls import get_script_prefix

    before, middle, after = _around_slug_and_id(get_script_prefix())
    return f"{before}{group_slug}{middle}{int(thread_id)}{after}"


def thread_url(thread: Thread) -> str:
    return thread_url_of(thread.group.slug, thread.pk)


# --- threads ---------------------------------------------------------------------------------------


def _require_poster(actor: Any, group: Group) -> None:
    if not policies.can_post_in_group(actor, group):
        raise Forbidden("Join the group to post in its forum.")


@transaction.atomic
def thread_create(
    *, actor: Any, group: Group, title: Any, body: Any, acknowledge_warnings: bool = False
) -> Thread:
    """Start a thread (active members). Rate-limited ("thread"); mentions notify readers."""
    _require_member(actor)
    rate_limit(actor_id=actor.pk, action="thread")
    _require_poster(actor, group)
    title = _text("title", title, limit=MAX_THREAD_TITLE, required=True)
    body = _text("body", body, limit=MAX_THREAD_BODY, required=True)
    guard_texts(
        actor=actor,
        drafts=[Draft(THREAD_TITLE_PATH, title), Draft(THREAD_BODY_PATH, body)],
        acknowledge_warnings=acknowledge_warnings,
    )
    now = timezone.now()
    thread = Thread.objects.create(
        group=group, author=actor, title=title, body=body, last_activity_at=now
    )
    thread.group = group
    _notify_mentions(
        actor=actor,
        group=group,
        thread=thread,
        handles=mentioned_handles(f"{title}\n{body}"),
        url=thread_url(thread),
    )
    return thread


@transaction.atomic
def thread_update(
    *,
    actor: Any,
    thread: Thread,
    title: Any = None,
    body: Any = None,
    acknowledge_warnings: bool = False,
) -> Thread:
    """Edit a thread (its author). Members newly mentioned are notified; earlier ones not again."""
    if not policies.can_edit_content(actor, thread):
        raise Forbidden("Only the author can edit this thread.")
    before = set(mentioned_handles(f"{thread.title}\n{thread.body}"))
    new_title = (
        thread.title
        if title is None
        else _text("title", title, limit=MAX_THREAD_TITLE, required=True)
    )
    new_body = (
        thread.body if body is None else _text("body", body, limit=MAX_THREAD_BODY, required=True)
    )
    guard_texts(
        actor=actor,
        drafts=[Draft(THREAD_TITLE_PATH, new_title), Draft(THREAD_BODY_PATH, new_body)],
        acknowledge_warnings=acknowledge_warnings,
    )
    thread.title, thread.body, thread.edited_at = new_title, new_body, timezone.now()
    thread.save(update_fields=["title", "body", "edited_at", "updated_at"])
    added = [h for h in mentioned_handles(f"{new_title}\n{new_body}") if h not in before]
    _notify_mentions(
        actor=actor, group=thread.group, thread=thread, handles=added, url=thread_url(thread)
    )
    return thread


def note_reply_change(thread_id: int) -> None:
    """A change of a thread's replies its kept pages must see (``community.reads``): reply
    saves are counted by a signal (``FeedConfig.ready``), deletes here."""
    from rounds.feed.feedcache import note_reply_change as count_change

    count_change(thread_id)


def note_forum_change(group_id: int) -> None:
    """A change the discussions tab's kept pages must see (``feed.feedcache``): counted in
    this transaction. Thread saves are counted by a signal (``FeedConfig.ready``); deletes and
    the reply writes that update the thread row directly are counted here."""
    from rounds.feed.feedcache import note_forum_change as count_change

    count_change(group_id)


@transaction.atomic
def thread_delete(*, actor: Any, thread: Thread) -> None:
    """Delete a thread with its replies (its author)."""
    if not policies.can_edit_content(actor, thread):
        raise Forbidden("Only the author can delete this thread.")
    note_forum_change(thread.group_id)
    thread.delete()


@transaction.atomic
def thread_set_flags(
    *, actor: Any, thread: Thread, pinned: bool | None = None, locked: bool | None = None
) -> Thread:
    """Pin/unpin and lock/unlock a thread (moderators; audited)."""
    _require_moderator(actor, thread.group)
    fields = []
    if pinned is not None:
        thread.pinned = bool(pinned)
        fields.append("pinned")
    if locked is not None:
        thread.locked = bool(locked)
        fields.append("locked")
    if fields:
        thread.save(update_fields=[*fields, "updated_at"])
        audit(
            actor=actor,
            action="community.thread_flags",
            target=thread,
            pinned=thread.pinned,
            locked=thread.locked,
        )
    return thread


# --- replies ---------------------------------------------------------------------------------------


@transaction.atomic
def reply_create(
    *,
    actor: Any,
    thread: Thread,
    body: Any,
    quoted_id: Any = None,
    acknowledge_warnings: bool = False,
) -> Reply:
    """Reply in a thread (active members; a locked thread only takes moderators' replies).
    ``quoted_id`` names a reply of the same thread the actor can see. Rate-limited ("reply")."""
    from .access import access_reply

    _require_member(actor)
    rate_limit(actor_id=actor.pk, action="reply")
    group = thread.group
    _require_poster(actor, group)
    if thread.locked and not policies.can_moderate(actor, group):
        raise Forbidden("This thread is locked: no new replies.")
    body = _text("body", body, limit=MAX_REPLY_BODY, required=True)
    quoted = None
    if quoted_id not in (None, ""):
        try:
            quoted = access_reply(actor, thread, int(quoted_id))
        except (NotFound, TypeError, ValueError) as exc:
            raise ValidationFailed(
                "You can only quote a reply in this thread.", field="quoted_id"
            ) from exc
    guard_texts(
        actor=actor,
        drafts=[Draft(REPLY_BODY_PATH, body)],
        acknowledge_warnings=acknowledge_warnings,
    )
    now = timezone.now()
    reply = Reply.objects.create(thread=thread, author=actor, body=body, quoted=quoted)
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=now, reply_count=F("reply_count") + 1
    )
    note_forum_change(thread.group_id)
    thread.last_activity_at = now
    thread.reply_count += 1
    reply.thread = thread
    _notify_mentions(
        actor=actor,
        group=group,
        thread=thread,
        handles=mentioned_handles(body),
        url=f"{thread_url(thread)}#reply-{reply.pk}",
    )
    return reply


@transaction.atomic
def reply_update(
    *, actor: Any, reply: Reply, body: Any, acknowledge_warnings: bool = False
) -> Reply:
    """Edit a reply (its author); newly mentioned members are notified."""
    if not policies.can_edit_content(actor, reply):
        raise Forbidden("Only the author can edit this reply.")
    before = set(mentioned_handles(reply.body))
    body = _text("body", body, limit=MAX_REPLY_BODY, required=True)
    guard_texts(
        actor=actor,
        drafts=[Draft(REPLY_BODY_PATH, body)],
        acknowledge_warnings=acknowledge_warnings,
    )
    reply.body, reply.edited_at = body, timezone.now()
    reply.save(update_fields=["body", "edited_at", "updated_at"])
    thread = reply.thread
    _notify_mentions(
        actor=actor,
        group=thread.group,
        thread=thread,
        handles=[h for h in mentioned_handles(body) if h not in before],
        url=f"{thread_url(thread)}#reply-{reply.pk}",
    )
    return reply


@transaction.atomic
def reply_delete(*, actor: Any, reply: Reply) -> None:
    """Delete a reply (its author); quotes of it lose their excerpt."""
    if not policies.can_edit_content(actor, reply):
        raise Forbidden("Only the author can delete this reply.")
    Thread.objects.filter(pk=reply.thread_id, reply_count__gt=0).update(
        reply_count=F("reply_count") - 1
    )
    note_forum_change(reply.thread.group_id)
    note_reply_change(reply.thread_id)
    reply.delete()
