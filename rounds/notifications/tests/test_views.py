"""The notification pages: list, open, mark read, mark all read, preferences, the bell."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.core.testing import executable_constructs
from rounds.notifications.models import Delivery, Kind, Notification
from rounds.notifications.selectors import deliveries_for
from rounds.notifications.tests.factories import many, note
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
PREFERENCES = reverse("notifications:preferences")
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _page_size(settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 5


@pytest.fixture
def me(member):
    return member.user


def test_pages_need_a_signed_in_member(client):
    """Visitors are sent to sign in from every notification page."""
    for url in (LIST, PREFERENCES, reverse("notifications:open", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_empty_list_teaches_what_will_appear(member_client):
    """A new member's list says what appears here and how to start."""
    page = member_client.get(LIST).content.decode()
    assert "No notifications yet" in page
    assert reverse("network:recommendations") in page and PREFERENCES in page
    unread = member_client.get(LIST + "?show=unread").content.decode()
    assert "You are all caught up" in unread


def test_list_shows_newest_first_unread_highlighted_and_links_through_open(member_client, me):
    """Newest first; unread items are marked (visually and for screen readers); each links
    through its open URL."""
    older = note(
        me, text="Older one", created_at=timezone.now() - timedelta(hours=1), read_at=timezone.now()
    )
    newer = note(me, text="Newer one")
    page = member_client.get(LIST).content.decode()
    assert page.index("Newer one") < page.index("Older one")
    assert f'id="notification-{newer.pk}"\n    class="notification-item is-unread"' in page
    assert f'id="notification-{older.pk}"\n    class="notification-item"' in page
    assert page.count("Unread: ") == 1
    assert reverse("notifications:open", args=[newer.pk]) in page


def test_list_never_shows_someone_elses(member_client, other_member):
    """Another member's notifications are not on my list."""
    note(other_member.user, text="Private to the other member")
    assert "Private to the other member" not in member_client.get(LIST).content.decode()


def test_cursor_pages_walk_everything_once(member_client, me):
    """Older → follows the cursor through every notification exactly once; ← Newest returns."""
    made = many(me, 12)
    seen: list[str] = []
    url = LIST
    for _ in range(5):
        response = member_client.get(url)
        page = response.context["page"]
        seen.extend(n.text for n in page.items)
        if not page.has_next:
            break
        url = f"{LIST}?cursor={page.next_cursor}"
    assert seen == [n.text for n in made]
    assert "← Newest" in response.content.decode()


def test_unread_filter(member_client, me):
    """?show=unread lists only unread notifications."""
    note(me, text="Read already", read_at=timezone.now())
    note(me, text="Still unread")
    page = member_client.get(LIST + "?show=unread").content.decode()
    assert "Still unread" in page and "Read already" not in page


@pytest.mark.parametrize(
    "cursor",
    ["abc", "1-", "-1", "999999999999999999-1", "1-99999999999999999999", "1-0", "x" * 300],
)
def test_malformed_cursor_is_a_400_with_a_message(member_client, cursor):
    """A cursor that was not made by a page is a 400 saying how to start again."""
    response = member_client.get(LIST, {"cursor": cursor})
    assert response.status_code == 400
    assert "start again from the newest" in response.content.decode()


def test_open_marks_read_and_redirects_to_its_page(member_client, me):
    """Following a notification marks it read and lands on its page."""
    created = note(me, url="/network/requests/")
    response = member_client.get(reverse("notifications:open", args=[created.pk]))
    assert response.status_code == 302 and response["Location"] == "/network/requests/"
    assert Notification.objects.get(pk=created.pk).read_at is not None


def test_open_without_a_link_goes_to_the_list(member_client, me):
    """A notification without a page of its own opens the list."""
    created = note(me, url="")
    response = member_client.get(reverse("notifications:open", args=[created.pk]))
    assert response["Location"] == LIST


def test_open_never_redirects_off_site(member_client, me):
    """Even a stored link that is not a path here (legacy data) never leaves the site."""
    created = note(me)
    # Bypass notify's checks the way a bad migration could (the DB allows "/" paths only).
    Notification.objects.filter(pk=created.pk).update(url="/\tevil.example")
    response = member_client.get(reverse("notifications:open", args=[created.pk]))
    assert response["Location"] == LIST


@pytest.mark.parametrize("method", ["get_open", "post_read"])
def test_someone_elses_notification_is_a_404(member_client, other_member, method):
    """Nobody but the recipient can open or mark a notification: 404, and it stays unread."""
    theirs = note(other_member.user)
    if method == "get_open":
        response = member_client.get(reverse("notifications:open", args=[theirs.pk]))
    else:
        response = member_client.post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_out_of_range_ids_are_404(member_client):
    """Ids no database can hold are a 404, never a 500."""
    huge = 2**70
    assert member_client.get(f"/notifications/{huge}/open/").status_code == 404
    assert member_client.post(f"/notifications/{huge}/read/").status_code == 404


def test_mark_read_without_javascript_returns_to_the_list(member_client, me):
    """The no-JS form marks read and comes back to the list it was on."""
    created = note(me)
    response = member_client.post(
        reverse("notifications:read", args=[created.pk]), {"next": LIST + "?show=unread"}
    )
    assert response.status_code == 302 and response["Location"] == LIST + "?show=unread"
    assert Notification.objects.get(pk=created.pk).read_at is not None


def test_mark_read_refuses_a_next_elsewhere(member_client, me):
    """The return address must be the notifications list."""
    created = note(me)
    response = member_client.post(
        reverse("notifications:read", args=[created.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == LIST


def test_mark_read_with_htmx_swaps_the_item_and_the_bell(member_client, me):
    """htmx gets the updated item and the bell (out of band) with the new count."""
    created = note(me)
    note(me)
    response = member_client.post(reverse("notifications:read", args=[created.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{created.pk}"' in html and "is-unread" not in html
    assert 'hx-swap-oob="true"' in html and 'aria-label="Notifications, 1 unread"' in html


class _Buttons(HTMLParser):
    """The accessible name of every ``<button>`` as a browser computes it (accname 1.2, the
    parts these templates use): ``aria-label`` wins; otherwise the text content, where a
    ``visually-hidden`` child (``position: absolute`` makes it block-level) is set off by
    spaces as Chromium does, then whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._parts: list[str] | None = None
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "button":
            self._parts, self._label = [], attributes.get("aria-label")
        elif self._parts is not None and "visually-hidden" in (attributes.get("class") or ""):
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._parts is not None:
            text = self._label if self._label is not None else "".join(self._parts)
            self.names.append(" ".join(text.split()))
            self._parts = None
        elif tag == "span" and self._parts is not None:
            self._parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._parts is not None:
            self._parts.append(data)


def button_names(html: str) -> list[str]:
    parser = _Buttons()
    parser.feed(html)
    return parser.names


def test_mark_as_read_has_an_exact_accessible_name(member_client, me):
    """Screen readers hear "Mark as read: <the notification>" (no stray space before the
    colon, whatever the CSS does to the hidden part); sighted members see "Mark as read"."""
    created = note(me, text="Ana Ruiz sent you a message")
    page = member_client.get(LIST).content.decode()
    assert "Mark as read: Ana Ruiz sent you a message" in button_names(page)
    item = re.search(rf'<li id="notification-{created.pk}".*?</li>', page, re.S).group(0)
    visible = re.search(r"<button[^>]*>(.*?)</button>", item, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", visible).split()) == "Mark as read"


def test_mark_all_read_without_javascript(member_client, me):
    """The no-JS form marks everything read and redirects with a message."""
    many(me, 3)
    response = member_client.post(reverse("notifications:read_all"), follow=True)
    assert "Marked 3 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()


def test_mark_all_read_with_htmx_keeps_newer_ones_unread(member_client, me):
    """htmx re-renders the list; a notification newer than the page stays unread."""
    shown = many(me, 2)
    arrived_later = note(me, text="Arrived later")
    response = member_client.post(
        reverse("notifications:read_all"), {"up_to_id": max(n.pk for n in shown)}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Marked 2 notifications as read." in html and 'id="notification-bell"' in html
    assert Notification.objects.get(pk=arrived_later.pk).read_at is None


def test_mark_all_read_refuses_malformed_input(member_client, me):
    """A malformed up_to_id is a 400 with a message; nothing changes."""
    note(me)
    response = member_client.post(reverse("notifications:read_all"), {"up_to_id": "lots"})
    assert response.status_code == 400
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_get_is_not_allowed_on_actions(member_client, me):
    """Mark read and mark all read are POST only."""
    created = note(me)
    assert member_client.get(reverse("notifications:read", args=[created.pk])).status_code == 405
    assert member_client.get(reverse("notifications:read_all")).status_code == 405


def test_bell_shows_the_unread_count_accessibly(member_client, me):
    """The header bell links to the list and says "Notifications, 3 unread"."""
    page = member_client.get(reverse("profiles:home")).content.decode()
    assert 'aria-label="Notifications"' in page
    many(me, 3)
    page = member_client.get(reverse("profiles:home")).content.decode()
    assert 'aria-label="Notifications, 3 unread"' in page
    assert f'href="{LIST}"' in page


def test_bell_caps_at_99_plus(member_client, me):
    """Past 99 unread the bell reads 99+ ("more than 99 unread" for screen readers)."""
    Notification.objects.bulk_create(
        [Notification(recipient=me, kind=Kind.MENTION, text=f"n{i}") for i in range(120)]
    )
    page = member_client.get(LIST).content.decode()
    assert 'aria-label="Notifications, more than 99 unread"' in page
    assert "99+" in page


def test_bell_works_for_an_account_without_a_profile(client):
    """An account without a profile still gets a correct count (fallback query)."""
    from rounds.profiles.tests.factories import UserFactory

    user = UserFactory()
    note(user)
    client.force_login(user)
    page = client.get(LIST).content.decode()
    assert 'aria-label="Notifications, 1 unread"' in page


def test_notification_text_is_escaped(member_client, me):
    """A name with markup in a notification text is shown as text."""
    note(me, text='<img src=x onerror="alert(1)"> asked to connect with you')
    page = member_client.get(LIST).content.decode()
    text = re.search(r'<p class="notification-text">(.*?)</p>', page, re.S).group(1)
    assert executable_constructs(text) == []
    assert "&lt;img" in text


def test_preferences_page_groups_kinds_and_says_who_sees_what(member_client, me):
    """Every kind appears with three choices, grouped, with a who-sees-what note."""
    page = member_client.get(PREFERENCES).content.decode()
    assert "Who sees what." in page and me.email in page
    for kind in Kind.values:
        assert page.count(f'name="{kind}"') == 3, kind
    assert "Messages" in page and "Events" in page and "(default)" in page


def test_preferences_save_without_javascript(member_client, me):
    """A plain POST saves and redirects (post/redirect/get) with a message."""
    response = member_client.post(
        PREFERENCES, {Kind.MESSAGE: "digest", Kind.POST_LIKE: "immediate"}, follow=True
    )
    assert "Your email choices are saved." in response.content.decode()
    deliveries = deliveries_for(user_id=me.pk)
    assert (
        deliveries[Kind.MESSAGE] == Delivery.DIGEST
        and deliveries[Kind.POST_LIKE] == Delivery.IMMEDIATE
    )
    assert deliveries[Kind.MENTION] == Delivery.DIGEST


def test_preferences_save_with_htmx_returns_the_form(member_client, me):
    """htmx gets the form back with a saved message and the new choices checked."""
    response = member_client.post(PREFERENCES, {Kind.MESSAGE: "off"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Your email choices are saved." in html
    assert 'value="off"\n           checked' in html or 'value="off" checked' in html
    assert "<html" not in html


def test_preferences_refuse_unknown_values_and_save_nothing(member_client, me):
    """An unknown delivery is a 422 naming the problem; nothing is saved."""
    response = member_client.post(PREFERENCES, {Kind.MESSAGE: "off", Kind.MENTION: "hourly"})
    assert response.status_code == 422
    assert "Please fix the problems below." in response.content.decode()
    assert deliveries_for(user_id=me.pk)[Kind.MESSAGE] == Delivery.IMMEDIATE


def test_turn_off_all_email(member_client, me):
    """The "turn off all" button sets every kind to no email."""
    member_client.post(PREFERENCES, {"all_off": "1"})
    assert set(deliveries_for(user_id=me.pk).values()) == {Delivery.OFF}


def test_settings_page_links_to_the_preferences(member_client):
    """Account settings have a Notifications section linking to the email settings."""
    page = member_client.get(reverse("accounts:settings")).content.decode()
    assert PREFERENCES in page


def test_other_members_cannot_see_my_preferences(client, me, other_member):
    """The preferences page always shows the signed-in member's own."""
    from rounds.notifications.services import preferences_update

    preferences_update(actor=me, changes={Kind.MESSAGE: "off"})
    client.force_login(other_member.user)
    page = client.get(PREFERENCES).content.decode()
    assert me.email not in page
    assert client.get(PREFERENCES).context["groups"][1]["rows"][0]["value"] == Delivery.IMMEDIATE


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["blocked_by_me", "blocks_me", "deactivated", "leaving"])
def test_no_face_of_a_blocked_or_departed_actor_on_the_list(client, change):
    """The list shows who caused a notification by their photo or initials, but not for a
    member with a block either way between them and the viewer, nor one who left Rounds
    (deactivated or deleting their account); the text stays (it was written when sent)."""
    from rounds.network.models import Block
    from rounds.notifications.services import notify

    me, actor = ProfileFactory(), ProfileFactory(display_name="Zora Quenby")
    notify(
        recipient_id=me.user_id,
        kind="connection.accepted",
        text="Zora Quenby accepted your request.",
        actor_id=actor.user_id,
    )
    client.force_login(me.user)
    url = reverse("notifications:list")
    initials = ">ZQ<"  # the actor's initials in their avatar
    page = client.get(url).content.decode()
    assert initials in page and "Zora Quenby accepted" in page
    if change == "blocked_by_me":
        Block.objects.create(blocker=me.user, blocked=actor.user)
    elif change == "blocks_me":
        Block.objects.create(blocker=actor.user, blocked=me.user)
    elif change == "deactivated":
        type(actor.user).objects.filter(pk=actor.user_id).update(is_active=False)
    else:
        type(actor.user).objects.filter(pk=actor.user_id).update(deletion_scheduled=True)
    page = client.get(url).content.decode()
    assert "Zora Quenby accepted" in page
    assert initials not in page
