"""HTML pages of posts and the feed: /feed/ (tabs: feed, discussions, bookmarks) with the
composer, a post with its comments, editing and the edit history, reposting, likes and
bookmarks, topic pages (/topics/<slug>/) with follow and mute, and muted members.

Thin: parse (forms, cursors) → ``access_*`` (404 for what the viewer may not see) → one
service or selector → render. Every page works without JavaScript: forms post and redirect;
htmx swaps the fragments the same templates own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.community.mentions import mention_links
from rounds.core.errors import ApplicationError, RateLimited
from rounds.core.fragments import render_page
from rounds.core.htmx import is_htmx
from rounds.core.http import apply_service_errors, error_response, map_errors, require_valid_id
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged
from rounds.profiles.access import access_profile_by_handle

from . import selectors, services
from .access import access_comment_by_id, access_post_by_id, access_topic_by_slug
from .forms import AUDIENCE_HELP, CommentForm, EditForm, PostForm, RepostForm
from .models import Post
from .stamps import page_stamps

TABS = ("feed", "discussions", "bookmarks", "search")


# --- helpers ----------------------------------------------------------------------------------


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _cursor(request: HttpRequest) -> selectors.Cursor | None:
    return selectors.Cursor.decode(request.GET.get("cursor"))


def _groups_for(user: Any) -> list[tuple[str, str]]:
    """(slug, name) of the groups the member can post in (for the composer)."""
    from rounds.community.models import Group
    from rounds.community.selectors import member_group_ids

    rows = Group.objects.filter(id__in=member_group_ids(user)).order_by("name")[:200]
    return [(g.slug, g.name) for g in rows]


def _composer_groups(rows: list[tuple[int, str, str]]) -> list[tuple[str, str]]:
    """``_groups_for`` from the member's groups the feed read anyway ((id, slug, name))."""
    return [(slug, name) for _, slug, name in sorted(rows, key=lambda row: (row[2], row[0]))][:200]


def _post_form(user: Any, data: Any = None, *, cls: type[PostForm] = PostForm) -> PostForm:
    return cls(data, groups=_groups_for(user))


def _publish_kwargs(request: HttpRequest, form: PostForm) -> dict[str, Any]:
    return {
        "actor": request.user,
        "body": form.cleaned_data["body"],
        "audience": form.cleaned_data["audience"] or "public",
        "group_slug": form.cleaned_data.get("group") or None,
        "acknowledge_warnings": is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
    }


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _rate_limited(exc: RateLimited, response: HttpResponse) -> HttpResponse:
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- the feed ---------------------------------------------------------------------------------


@require_GET
@login_required
@map_errors
def feed(request: HttpRequest) -> HttpResponse:
    """The member's feed, discussions in their groups, their bookmarks, or post search
    (``tab=search&q=…``)."""
    tab = request.GET.get("tab", "feed")
    if tab not in TABS:
        tab = "feed"
    try:
        cursor = _cursor(request)
    except ApplicationError as exc:
        return error_response(request, 400, exc.message)
    context: dict[str, Any] = {"tab": tab, "audience_help": AUDIENCE_HELP}
    groups: list[tuple[str, str]] = []
    if tab == "feed":
        page = selectors.home_feed(viewer=request.user, cursor=cursor)
        context["page"] = page
        groups = _composer_groups(page.groups)
    elif tab == "bookmarks":
        context["page"] = selectors.bookmarks_page(viewer=request.user, cursor=cursor)
    elif tab == "search":
        query = request.GET.get("q", "")[: selectors.MAX_SEARCH_LENGTH]
        context["q"] = query
        context["page"] = selectors.search_posts(viewer=request.user, query=query, cursor=cursor)
    else:
        context["page"] = selectors.discussions(viewer=request.user, cursor=cursor)
    if is_htmx(request) and cursor is not None:
        return _render(request, "feed/feed.html#more", context)

    def full_context() -> dict[str, Any]:
        if tab == "feed":
            context["form"] = PostForm(groups=groups)
        return context

    # The whole page per viewer (``render_page``), under the stamps of everything it shows:
    # each card's shown values and the viewer's state of it, the composer's groups. Which
    # posts are on the page is decided by the uncached selector above on every request.
    response = render_page(
        request,
        "feed/feed.html",
        full_context,
        key_parts=(tab, tuple(groups), page_stamps(context["page"])),
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@login_required
@map_errors
def post_create(request: HttpRequest) -> HttpResponse:
    """Publish from the composer. Plain POST: redirect to the feed (or back to the composer
    page with errors); htmx: a fresh composer and the new post put on top of the feed."""
    form = _post_form(request.user, request.POST)
    status = 422
    if form.is_valid():
        try:
            post = services.post_create(**_publish_kwargs(request, form))
        except RateLimited as exc:
            apply_service_errors(form, exc)
            status = 429
            context = {"form": form, "audience_help": AUDIENCE_HELP}
            template = "feed/feed.html#composer" if is_htmx(request) else "feed/compose.html"
            return _rate_limited(exc, _render(request, template, context, status))
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            if not is_htmx(request):
                flash.success(request, "Published.")
                return redirect(reverse("feed:post", args=[post.pk]))
            shown = access_post_by_id(request.user, post.pk)
            selectors.decorate(request.user, [shown])
            context = {
                "form": _post_form(request.user),
                "audience_help": AUDIENCE_HELP,
                "published": shown,
            }
            return _render(request, "feed/feed.html#composer", context)
    context = {"form": form, "audience_help": AUDIENCE_HELP}
    if is_htmx(request):
        return _render(request, "feed/feed.html#composer", context, status)
    return _render(request, "feed/compose.html", context, status)


@require_GET
@login_required
def compose(request: HttpRequest) -> HttpResponse:
    """The composer on its own page (linked from the home page)."""
    return _render(
        request,
        "feed/compose.html",
        {"form": _post_form(request.user), "audience_help": AUDIENCE_HELP},
    )


# --- one post ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, post: Post, **extra: Any) -> dict[str, Any]:
    selectors.decorate(request.user, [post])
    after = request.GET.get("after")
    after_id = int(after) if after and after.isdigit() and len(after) < 19 else None
    comments = selectors.comments_for(viewer=request.user, post=post, after=after_id)
    reply_to = None
    raw = request.GET.get("reply")
    if raw and raw.isdigit() and len(raw) < 19 and request.user.is_authenticated:
        reply_to = next((c for c in comments.items if c.pk == int(raw)), None)
    form = extra.pop("comment_form", None) or CommentForm(
        initial={"parent": reply_to.pk if reply_to else None}
    )
    return {
        "post": post,
        "comments": comments,
        "comment_form": form,
        "reply_to": reply_to,
        "revision_count": post.revisions.count() if post.edited_at else 0,
        **extra,
    }


@require_GET
@map_errors
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post with its comments (visitors see public posts)."""
    post = access_post_by_id(request.user, require_valid_id(post_id))
    return _render(request, "feed/post.html", _detail_context(request, post))


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    """Edit one's own post (403 for others who can see it)."""
    post = access_post_by_id(request.user, require_valid_id(post_id))
    if post.author_id != request.user.pk:
        return error_response(request, 403, "Only the author can edit this post.")
    form = EditForm(request.POST or None, initial={"body": post.body})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.post_edit(
                    actor=request.user,
                    post_id=post.pk,
                    body=form.cleaned_data["body"],
                    acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                flash.success(request, "Saved. The earlier version is in the post's history.")
                return redirect("feed:post", post_id=post.pk)
    return _render(request, "feed/edit.html", {"post": post, "form": form}, status)


@require_POST
@login_required
@map_errors
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    """Delete one's own post everywhere."""
    services.post_delete(actor=request.user, post_id=require_valid_id(post_id))
    flash.success(request, "Your post was deleted.")
    return redirect(_next(request, reverse("feed:feed")))


@require_GET
@map_errors
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    """Earlier versions of a post, for whoever can see it."""
    post = access_post_by_id(request.user, require_valid_id(post_id))
    selectors.decorate(request.user, [post])
    revisions = selectors.revisions_of(post)
    post.mention_links = mention_links(  # type: ignore[attr-defined]
        request.user, [post.body, *(r.body for r in revisions)]
    )
    return _render(request, "feed/history.html", {"post": post, "revisions": revisions})


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def post_repost(request: HttpRequest, post_id: int) -> HttpResponse:
    """Repost with an optional comment (never to a wider audience than the original)."""
    original = access_post_by_id(request.user, require_valid_id(post_id))
    selectors.decorate(request.user, [original])
    form = _post_form(request.user, request.POST or None, cls=RepostForm)
    if request.method == "GET":
        form = RepostForm(
            initial={
                "audience": original.audience,
                "group": original.group.slug if original.group_id and original.group else "",
            },
            groups=_groups_for(request.user),
        )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                post = services.post_create(
                    **_publish_kwargs(request, form), repost_of_id=original.pk
                )
            except RateLimited as exc:
                apply_service_errors(form, exc)
                context = {"original": original, "form": form, "audience_help": AUDIENCE_HELP}
                return _rate_limited(exc, _render(request, "feed/repost.html", context, 429))
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                flash.success(request, "Reposted.")
                return redirect("feed:post", post_id=post.pk)
    context = {"original": original, "form": form, "audience_help": AUDIENCE_HELP}
    return _render(request, "feed/repost.html", context, status)


def _flag(request: HttpRequest, name: str) -> bool | None:
    value = request.POST.get(name, "1")
    return {"1": True, "0": False}.get(value)


def _actions_or_back(request: HttpRequest, post_id: int) -> HttpResponse:
    if is_htmx(request):
        post = access_post_by_id(request.user, post_id)
        selectors.decorate(request.user, [post])
        return _render(request, "feed/_post.html#actions", {"post": post})
    return redirect(_next(request, reverse("feed:post", args=[post_id])))


@require_POST
@login_required
@map_errors
def post_like(request: HttpRequest, post_id: int) -> HttpResponse:
    """Like (``liked=1``) or unlike (``liked=0``)."""
    liked = _flag(request, "liked")
    if liked is None:
        return error_response(request, 400, "Choose like or unlike.")
    services.like_set(actor=request.user, post_id=require_valid_id(post_id), liked=liked)
    return _actions_or_back(request, post_id)


@require_POST
@login_required
@map_errors
def post_bookmark(request: HttpRequest, post_id: int) -> HttpResponse:
    """Bookmark (``bookmarked=1``) or remove the bookmark (``bookmarked=0``)."""
    on = _flag(request, "bookmarked")
    if on is None:
        return error_response(request, 400, "Choose bookmark or remove.")
    services.bookmark_set(actor=request.user, post_id=require_valid_id(post_id), bookmarked=on)
    return _actions_or_back(request, post_id)


# --- comments ---------------------------------------------------------------------------------


@require_POST
@login_required
@map_errors
def comment_create(request: HttpRequest, post_id: int) -> HttpResponse:
    """Comment on a post (or reply to a comment with ``parent``)."""
    post = access_post_by_id(request.user, require_valid_id(post_id))
    form = CommentForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            comment = services.comment_create(
                actor=request.user,
                post_id=post.pk,
                body=form.cleaned_data["body"],
                parent_id=form.cleaned_data.get("parent"),
                acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
            )
        except RateLimited as exc:
            apply_service_errors(form, exc)
            context = _detail_context(request, post, comment_form=form)
            return _rate_limited(exc, _render(request, "feed/post.html", context, 429))
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            url = reverse("feed:post", args=[post.pk]) + f"#comment-{comment.pk}"
            return redirect(url)
    context = _detail_context(request, post, comment_form=form)
    return _render(request, "feed/post.html", context, status)


@require_POST
@login_required
@map_errors
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Delete one's own comment, or any comment on one's own post."""
    comment = access_comment_by_id(request.user, require_valid_id(comment_id))
    services.comment_delete(actor=request.user, comment_id=comment.pk)
    flash.success(request, "Comment deleted.")
    return redirect("feed:post", post_id=comment.post_id)


# --- topics and mutes -------------------------------------------------------------------------


@require_GET
@map_errors
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    """A topic's posts with the follow and mute buttons."""
    found = access_topic_by_slug(slug)
    try:
        cursor = _cursor(request)
    except ApplicationError as exc:
        return error_response(request, 400, exc.message)
    page = selectors.topic_feed(viewer=request.user, topic=found, cursor=cursor)
    context = {
        "topic": found,
        "page": page,
        "following": selectors.follows_topic(request.user, found),
        "muted": found.pk in selectors.mutes_of(request.user).topics,
    }
    if is_htmx(request) and cursor is not None:
        return _render(request, "feed/topic.html#more", context)
    return _render(request, "feed/topic.html", context)


@require_POST
@login_required
@map_errors
def topic_follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow (``following=1``) or unfollow (``following=0``) a topic."""
    on = _flag(request, "following")
    if on is None:
        return error_response(request, 400, "Choose follow or unfollow.")
    found = services.topic_follow_set(actor=request.user, slug=slug, following=on)
    flash.success(
        request, f"You follow #{found.name}." if on else f"You no longer follow #{found.name}."
    )
    return redirect(_next(request, reverse("feed:topic", args=[found.slug])))


@require_POST
@login_required
@map_errors
def topic_mute(request: HttpRequest, slug: str) -> HttpResponse:
    """Mute (``muted=1``) or unmute (``muted=0``) a topic."""
    on = _flag(request, "muted")
    if on is None:
        return error_response(request, 400, "Choose mute or unmute.")
    found = services.topic_mute_set(actor=request.user, slug=slug, muted=on)
    flash.success(
        request,
        f"Muted #{found.name}: its posts leave your feed." if on else f"Unmuted #{found.name}.",
    )
    return redirect(_next(request, reverse("feed:topic", args=[found.slug])))


@require_POST
@login_required
@map_errors
def member_mute(request: HttpRequest, handle: str) -> HttpResponse:
    """Mute (``muted=1``) or unmute (``muted=0``) a member (they are not told)."""
    on = _flag(request, "muted")
    if on is None:
        return error_response(request, 400, "Choose mute or unmute.")
    profile = access_profile_by_handle(request.user, handle)
    services.member_mute_set(actor=request.user, member=profile.user, muted=on)
    flash.success(
        request,
        f"Muted {profile.display_name}: their posts leave your feed."
        if on
        else f"Unmuted {profile.display_name}.",
    )
    return redirect(_next(request, reverse("feed:mutes")))


@require_GET
@login_required
def mutes(request: HttpRequest) -> HttpResponse:
    """The members and topics the member muted, and the topics they follow."""
    return _render(
        request,
        "feed/mutes.html",
        {
            "mutes": selectors.mutes_list(viewer=request.user),
            "topics": selectors.followed_topics(viewer=request.user),
        },
    )
