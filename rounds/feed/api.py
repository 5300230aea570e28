"""JSON API for posts, comments, likes, reposts, bookmarks, topics, mutes and the feed.

Thin: parse (schemas) → ``access_*`` / selectors (404 for what the viewer may not see) → one
service → serialise. Routers: ``posts_router`` (/posts), ``feed_router`` (/feed: the home feed,
discussions, bookmarks, mutes) and ``topics_router`` (/topics).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from rounds.core.api_utils import (
    error_responses,
    member_auth,
    optional_auth,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import NotFound
from rounds.guard.schemas import GuardErrorOut
from rounds.profiles.access import MAX_KEY_LENGTH, access_profile_by_handle

from . import selectors, services
from .access import access_comment_by_id, access_post_by_id, access_topic_by_slug
from .schemas import (
    CommentEditIn,
    CommentIn,
    CommentOut,
    CommentPageOut,
    CommentParams,
    DiscussionsOut,
    FeedOut,
    FeedParams,
    HistoryOut,
    MutesOut,
    PostEditIn,
    PostIn,
    PostOut,
    RepostIn,
    SearchParams,
    TopicOut,
    comment_out,
    post_out,
    revision_out,
    topic_out,
)

posts_router = Router(tags=["posts"])
feed_router = Router(tags=["feed"])
topics_router = Router(tags=["topics"])

_WRITE_ERRORS = {**error_responses(400, 401, 403, 404, 429), 422: GuardErrorOut}


def _post(request: HttpRequest, post_id: int) -> Any:
    viewer = viewer_of(request)
    post = access_post_by_id(viewer, post_id)
    selectors.decorate(viewer, [post])
    return post


def _out(request: HttpRequest, post: Any) -> dict[str, Any]:
    return post_out(request, viewer_of(request), post)


def _feed_out(request: HttpRequest, page: selectors.FeedPage) -> dict[str, Any]:
    viewer = viewer_of(request)
    return {
        "items": [post_out(request, viewer, p) for p in page.items],
        "next_cursor": page.next_cursor,
        "fallback": [post_out(request, viewer, p) for p in page.fallback],
    }


# --- posts --------------------------------------------------------------------------------------


@posts_router.post(
    "",
    auth=member_auth,
    response={201: PostOut, **_WRITE_ERRORS},
    summary="Publish a post",
    description=(
        "Markdown up to 3,000 characters with an audience: `public` (anyone), `members`, "
        "`connections`, or `group` (with the slug of a group you are an active member of). "
        "The text passes the professionalism guard (422 with `guard` findings; resend with "
        "`acknowledge_warnings: true` to publish over warnings). Rate limited (429)."
    ),
)
def post_create(request: HttpRequest, payload: PostIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    post = services.post_create(
        actor=viewer,
        body=payload.body,
        audience=payload.audience,
        group_slug=payload.group,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, _out(request, _post(request, post.pk)))


@posts_router.get(
    "/search",
    auth=member_auth,
    response={200: FeedOut, **error_responses(401, 422)},
    summary="Search posts",
    description=(
        "Posts you may see whose text matches `q` (full-text, English stemming; web-search "
        "syntax), newest first. Follow `next_cursor`. An empty `q` finds nothing."
    ),
)
def post_search(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    page = selectors.search_posts(
        viewer=viewer_of(request),
        query=params.q,
        cursor=selectors.Cursor.decode(params.cursor),
        size=params.page_size,
    )
    return trusted_json(_feed_out(request, page), FeedOut)


@posts_router.get(
    "/{post_id}",
    auth=optional_auth,
    response={200: PostOut, **error_responses(401, 404)},
    summary="A post",
)
def post_get(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _out(request, _post(request, post_id))


@posts_router.patch(
    "/{post_id}",
    auth=member_auth,
    response={200: PostOut, **_WRITE_ERRORS},
    summary="Edit your post",
    description="The earlier version is kept in the post's history. Author only (403).",
)
def post_edit(request: HttpRequest, post_id: int, payload: PostEditIn) -> dict[str, Any]:
    services.post_edit(
        actor=viewer_of(request),
        post_id=post_id,
        body=payload.body,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return _out(request, _post(request, post_id))


@posts_router.delete(
    "/{post_id}",
    auth=member_auth,
    response={204: None, **error_responses(401, 403, 404)},
    summary="Delete your post",
    description="Removes it from every feed, with its comments, likes and history.",
)
def post_delete(request: HttpRequest, post_id: int) -> Status[None]:
    services.post_delete(actor=viewer_of(request), post_id=post_id)
    return Status(204, None)


@posts_router.get(
    "/{post_id}/history",
    auth=optional_auth,
    response={200: HistoryOut, **error_responses(401, 404)},
    summary="A post's edit history",
    description="Earlier versions, newest first; visible to whoever can see the post.",
)
def post_history(request: HttpRequest, post_id: int) -> dict[str, Any]:
    post = _post(request, post_id)
    return {
        "current": _out(request, post),
        "revisions": [revision_out(r) for r in selectors.revisions_of(post)],
    }


@posts_router.post(
    "/{post_id}/reposts",
    auth=member_auth,
    response={201: PostOut, **_WRITE_ERRORS},
    summary="Repost with an optional comment",
    description=(
        "A repost cannot reach further than the original (422); a post you cannot see is a 404."
    ),
)
def repost(request: HttpRequest, post_id: int, payload: RepostIn) -> Status[dict[str, Any]]:
    post = services.post_create(
        actor=viewer_of(request),
        body=payload.body,
        audience=payload.audience,
        group_slug=payload.group,
        repost_of_id=post_id,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, _out(request, _post(request, post.pk)))


@posts_router.put(
    "/{post_id}/like",
    auth=member_auth,
    response={200: PostOut, **error_responses(401, 404)},
    summary="Like a post",
)
def like(request: HttpRequest, post_id: int) -> dict[str, Any]:
    services.like_set(actor=viewer_of(request), post_id=post_id, liked=True)
    return _out(request, _post(request, post_id))


@posts_router.delete(
    "/{post_id}/like",
    auth=member_auth,
    response={200: PostOut, **error_responses(401, 404)},
    summary="Unlike a post",
)
def unlike(request: HttpRequest, post_id: int) -> dict[str, Any]:
    services.like_set(actor=viewer_of(request), post_id=post_id, liked=False)
    return _out(request, _post(request, post_id))


@posts_router.put(
    "/{post_id}/bookmark",
    auth=member_auth,
    response={200: PostOut, **error_responses(401, 404)},
    summary="Bookmark a post (private)",
)
def bookmark(request: HttpRequest, post_id: int) -> dict[str, Any]:
    services.bookmark_set(actor=viewer_of(request), post_id=post_id, bookmarked=True)
    return _out(request, _post(request, post_id))


@posts_router.delete(
    "/{post_id}/bookmark",
    auth=member_auth,
    response={200: PostOut, **error_responses(401, 404)},
    summary="Remove a bookmark",
)
def unbookmark(request: HttpRequest, post_id: int) -> dict[str, Any]:
    services.bookmark_set(actor=viewer_of(request), post_id=post_id, bookmarked=False)
    return _out(request, _post(request, post_id))


# --- comments -----------------------------------------------------------------------------------


@posts_router.get(
    "/{post_id}/comments",
    auth=optional_auth,
    response={200: CommentPageOut, **error_responses(401, 404)},
    summary="A post's comments",
    description="Top-level comments oldest first (50 a page), each with its replies.",
)
def comment_list(
    request: HttpRequest, post_id: int, params: Query[CommentParams]
) -> dict[str, Any]:
    viewer = viewer_of(request)
    post = access_post_by_id(viewer, post_id)
    page = selectors.comments_for(viewer=viewer, post=post, after=params.after)
    return {"items": [comment_out(c) for c in page.items], "next_after": page.next_after}


@posts_router.post(
    "/{post_id}/comments",
    auth=member_auth,
    response={201: CommentOut, **_WRITE_ERRORS},
    summary="Comment on a post (or reply to a comment)",
    description=(
        "Up to 1,500 characters; `parent` replies to a comment (replies are one level deep: a "
        "reply to a reply joins its thread). Guarded and rate limited."
    ),
)
def comment_create(
    request: HttpRequest, post_id: int, payload: CommentIn
) -> Status[dict[str, Any]]:
    comment = services.comment_create(
        actor=viewer_of(request),
        post_id=post_id,
        body=payload.body,
        parent_id=payload.parent,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, comment_out(comment))


def _comment(request: HttpRequest, post_id: int, comment_id: int) -> Any:
    viewer = viewer_of(request)
    post = access_post_by_id(viewer, post_id)
    return access_comment_by_id(viewer, comment_id, post=post)


@posts_router.patch(
    "/{post_id}/comments/{comment_id}",
    auth=member_auth,
    response={200: CommentOut, **_WRITE_ERRORS},
    summary="Edit your comment",
)
def comment_edit(
    request: HttpRequest, post_id: int, comment_id: int, payload: CommentEditIn
) -> dict[str, Any]:
    _comment(request, post_id, comment_id)
    comment = services.comment_edit(
        actor=viewer_of(request),
        comment_id=comment_id,
        body=payload.body,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return comment_out(comment)


@posts_router.delete(
    "/{post_id}/comments/{comment_id}",
    auth=member_auth,
    response={204: None, **error_responses(401, 403, 404)},
    summary="Delete a comment (yours, or any on your post)",
)
def comment_delete(request: HttpRequest, post_id: int, comment_id: int) -> Status[None]:
    _comment(request, post_id, comment_id)
    services.comment_delete(actor=viewer_of(request), comment_id=comment_id)
    return Status(204, None)


# --- feed ---------------------------------------------------------------------------------------


@feed_router.get(
    "",
    auth=member_auth,
    response={200: FeedOut, **error_responses(401, 422)},
    summary="Your home feed",
    description=(
        "Posts from your connections, the members you follow, topics you follow, your groups "
        "and yourself, newest first. Follow `next_cursor`; new posts never shift the pages."
    ),
)
def feed(request: HttpRequest, params: Query[FeedParams]) -> HttpResponse:
    page = selectors.home_feed(
        viewer=viewer_of(request),
        cursor=selectors.Cursor.decode(params.cursor),
        size=params.page_size,
    )
    return trusted_json(_feed_out(request, page), FeedOut)


@feed_router.get(
    "/discussions",
    auth=member_auth,
    response={200: DiscussionsOut, **error_responses(401, 422)},
    summary="Discussions in your groups",
    description=(
        "Forum threads in the groups you are an active member of, by latest activity (hidden "
        "threads and threads by members you blocked, who blocked you or whom you muted are "
        "left out). Follow `next_cursor`."
    ),
)
def discussions(request: HttpRequest, params: Query[FeedParams]) -> HttpResponse:
    from rounds.community.schemas import thread_out

    page = selectors.discussions(
        viewer=viewer_of(request),
        cursor=selectors.Cursor.decode(params.cursor),
        size=params.page_size,
    )
    payload = {
        "items": [thread_out(request, thread) for thread in page.items],
        "next_cursor": page.next_cursor,
    }
    return trusted_json(payload, DiscussionsOut)


@feed_router.get(
    "/bookmarks",
    auth=member_auth,
    response={200: FeedOut, **error_responses(401, 422)},
    summary="Your bookmarks (private)",
)
def bookmarks(request: HttpRequest, params: Query[FeedParams]) -> dict[str, Any]:
    page = selectors.bookmarks_page(
        viewer=viewer_of(request),
        cursor=selectors.Cursor.decode(params.cursor),
        size=params.page_size,
    )
    return _feed_out(request, page)


@feed_router.get(
    "/mutes",
    auth=member_auth,
    response={200: MutesOut, **error_responses(401)},
    summary="Members and topics you muted (private)",
)
def mutes(request: HttpRequest) -> dict[str, Any]:
    items = []
    for mute in selectors.mutes_list(viewer=viewer_of(request)):
        if mute.topic is not None:
            items.append({"kind": "topic", "topic": mute.topic.slug})
        elif mute.muted_user is not None and hasattr(mute.muted_user, "profile"):
            items.append({"kind": "member", "handle": mute.muted_user.profile.handle})
    return {"items": items}


def _muted_member(request: HttpRequest, handle: str) -> Any:
    if len(handle) > MAX_KEY_LENGTH:
        raise NotFound("No member at that address.")
    return access_profile_by_handle(viewer_of(request), handle).user


@feed_router.put(
    "/mutes/members/{handle}",
    auth=member_auth,
    response={204: None, **error_responses(401, 404, 422)},
    summary="Mute a member",
    description="Their posts leave your feed; they are not told.",
)
def mute_member(request: HttpRequest, handle: str) -> Status[None]:
    services.member_mute_set(
        actor=viewer_of(request), member=_muted_member(request, handle), muted=True
    )
    return Status(204, None)


@feed_router.delete(
    "/mutes/members/{handle}",
    auth=member_auth,
    response={204: None, **error_responses(401, 404, 422)},
    summary="Unmute a member",
)
def unmute_member(request: HttpRequest, handle: str) -> Status[None]:
    services.member_mute_set(
        actor=viewer_of(request), member=_muted_member(request, handle), muted=False
    )
    return Status(204, None)


# --- topics -------------------------------------------------------------------------------------


def _topic_out(request: HttpRequest, topic: Any) -> dict[str, Any]:
    viewer = viewer_of(request)
    muted = selectors.mutes_of(viewer).topics
    return topic_out(
        request,
        topic,
        following=selectors.follows_topic(viewer, topic),
        muted=topic.pk in muted,
    )


@topics_router.get(
    "/{slug}",
    auth=optional_auth,
    response={200: TopicOut, **error_responses(401, 404)},
    summary="A topic",
)
def topic_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _topic_out(request, access_topic_by_slug(slug))


@topics_router.get(
    "/{slug}/posts",
    auth=optional_auth,
    response={200: FeedOut, **error_responses(401, 404, 422)},
    summary="Posts naming a topic",
)
def topic_posts(request: HttpRequest, slug: str, params: Query[FeedParams]) -> dict[str, Any]:
    topic = access_topic_by_slug(slug)
    page = selectors.topic_feed(
        viewer=viewer_of(request),
        topic=topic,
        cursor=selectors.Cursor.decode(params.cursor),
        size=params.page_size,
    )
    return _feed_out(request, page)


def _topic_action(
    request: HttpRequest, slug: str, *, follow: bool | None, mute: bool | None
) -> Any:
    viewer = viewer_of(request)
    if follow is not None:
        topic = services.topic_follow_set(actor=viewer, slug=slug, following=follow)
    else:
        topic = services.topic_mute_set(actor=viewer, slug=slug, muted=bool(mute))
    return _topic_out(request, topic)


@topics_router.put(
    "/{slug}/follow",
    auth=member_auth,
    response={200: TopicOut, **error_responses(401, 404)},
    summary="Follow a topic",
)
def topic_follow(request: HttpRequest, slug: str) -> Any:
    return _topic_action(request, slug, follow=True, mute=None)


@topics_router.delete(
    "/{slug}/follow",
    auth=member_auth,
    response={200: TopicOut, **error_responses(401, 404)},
    summary="Unfollow a topic",
)
def topic_unfollow(request: HttpRequest, slug: str) -> Any:
    return _topic_action(request, slug, follow=False, mute=None)


@topics_router.put(
    "/{slug}/mute",
    auth=member_auth,
    response={200: TopicOut, **error_responses(401, 404)},
    summary="Mute a topic",
)
def topic_mute(request: HttpRequest, slug: str) -> Any:
    return _topic_action(request, slug, follow=None, mute=True)


@topics_router.delete(
    "/{slug}/mute",
    auth=member_auth,
    response={200: TopicOut, **error_responses(401, 404)},
    summary="Unmute a topic",
)
def topic_unmute(request: HttpRequest, slug: str) -> Any:
    return _topic_action(request, slug, follow=None, mute=False)
