"""One-click unsubscribe links: signed (user + kind, or "all"), valid without signing in,
GET only asks, POST (and the RFC 8058 one-click POST) turns that email off; anything
tampered with, truncated or signed for another purpose is refused with a 4xx."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from rounds.core.models import AuditEntry
from rounds.notifications.models import Delivery, Kind
from rounds.notifications.selectors import deliveries_for
from rounds.notifications.tests.factories import note
from rounds.notifications.unsubscribe import SALT, InvalidToken, make_token, read_token
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return ProfileFactory(display_name="Ana Ruiz").user


def url_for(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


def test_token_round_trip_and_scopes(ana):
    """A token carries the member and one kind or "all"; unknown scopes cannot be made."""
    assert read_token(make_token(user_id=ana.pk, scope=Kind.MESSAGE)).scope == Kind.MESSAGE
    assert read_token(make_token(user_id=ana.pk, scope="all")).user_id == ana.pk
    with pytest.raises(ValueError):
        make_token(user_id=ana.pk, scope="everything")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: t[: len(t) // 2],  # truncated
        lambda t: signing.dumps({"u": 1, "s": "all"}),  # default salt: made for something else
        lambda t: signing.dumps({"u": 1, "s": "all"}, salt=SALT + ".other"),  # wrong salt
        lambda t: signing.dumps({"u": "1", "s": "all"}, salt=SALT),  # malformed payload
        lambda t: signing.dumps({"u": 1, "s": "made.up"}, salt=SALT),  # unknown kind
        lambda t: signing.dumps([1, "all"], salt=SALT),
        lambda t: "x" * 500,
        lambda t: "%00",
    ],
)
def test_forged_tokens_are_refused(ana, forge):
    """Tampered, truncated, foreign-salt or malformed tokens are InvalidToken, and a 400 page."""
    token = forge(make_token(user_id=ana.pk, scope="all"))
    with pytest.raises(InvalidToken):
        read_token(token)
    client = Client(enforce_csrf_checks=True)
    for method in (client.get, client.post):
        response = method(url_for(token))
        assert response.status_code == 400, response.status_code
        assert b"This link does not work" in response.content
    assert deliveries_for(user_id=ana.pk)[Kind.MESSAGE] == Delivery.IMMEDIATE


def test_get_asks_and_changes_nothing(ana):
    """GET (what link scanners do) shows what would stop and changes nothing."""
    response = Client().get(url_for(make_token(user_id=ana.pk, scope=Kind.MESSAGE)))
    assert response.status_code == 200
    assert "Stop emails about “new messages”?" in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert deliveries_for(user_id=ana.pk)[Kind.MESSAGE] == Delivery.IMMEDIATE


def test_post_without_login_or_csrf_turns_that_kind_off(ana):
    """The confirm form works signed out (no CSRF token needed): only that kind stops."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(url_for(make_token(user_id=ana.pk, scope=Kind.MESSAGE)))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    deliveries = deliveries_for(user_id=ana.pk)
    assert deliveries[Kind.MESSAGE] == Delivery.OFF
    assert deliveries[Kind.EVENT_CANCELLED] == Delivery.IMMEDIATE
    entry = AuditEntry.objects.get(action="notifications.unsubscribe")
    assert entry.data == {"scope": Kind.MESSAGE}


def test_rfc8058_one_click_post_turns_everything_off(ana, django_capture_on_commit_callbacks):
    """A mail client's one-click POST (body List-Unsubscribe=One-Click) to the header's URL
    stops all email; nothing is mailed afterwards."""
    with django_capture_on_commit_callbacks(execute=True):
        note(ana, kind=Kind.MESSAGE, text="First message")
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    path = re.sub(r"^<https?://[^/]+", "", header).rstrip(">")
    # The single email's header stops its own kind; the digest's stops everything.
    assert read_token(path.rstrip("/").rsplit("/", 1)[1]).scope == Kind.MESSAGE
    all_path = url_for(make_token(user_id=ana.pk, scope="all"))
    response = Client(enforce_csrf_checks=True).post(
        all_path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert set(deliveries_for(user_id=ana.pk).values()) == {Delivery.OFF}
    with django_capture_on_commit_callbacks(execute=True):
        note(ana, kind=Kind.MESSAGE, text="Second message")
    assert len(mail.outbox) == 1


def test_one_click_from_the_header_of_an_email(ana, django_capture_on_commit_callbacks):
    """The List-Unsubscribe URL of a real email works as sent, signed out."""
    with django_capture_on_commit_callbacks(execute=True):
        note(ana, kind=Kind.EVENT_UPDATE, text="The room changed")
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    path = re.sub(r"^<https?://[^/]+", "", header).rstrip(">")
    response = Client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert deliveries_for(user_id=ana.pk)[Kind.EVENT_UPDATE] == Delivery.OFF


def test_repeating_an_unsubscribe_is_harmless(ana):
    """A second POST of the same link answers the same and changes nothing more."""
    path = url_for(make_token(user_id=ana.pk, scope=Kind.MENTION))
    assert Client().post(path).status_code == 200
    assert Client().post(path).status_code == 200
    assert deliveries_for(user_id=ana.pk)[Kind.MENTION] == Delivery.OFF


def test_link_of_a_deleted_account_is_a_404(ana):
    """A valid link whose account is gone answers 404 with a message."""
    path = url_for(make_token(user_id=ana.pk, scope="all"))
    ana.delete()
    response = Client().post(path)
    assert response.status_code == 404
    assert b"no longer exists" in response.content


def test_other_methods_are_refused(ana):
    """Only GET and POST are answered."""
    response = Client().put(url_for(make_token(user_id=ana.pk, scope="all")))
    assert response.status_code == 405


def test_hostile_tokens_in_the_path_are_4xx(ana):
    """NUL, huge, traversal and non-UTF-8 tokens are answered 4xx, never 5xx."""
    from tests.test_api_robustness import HOSTILE_PATH_VALUES

    client = Client()
    for value in HOSTILE_PATH_VALUES:
        for method in (client.get, client.post):
            response = method(f"/notifications/unsubscribe/{value}/")
            assert 400 <= response.status_code < 500, (value, response.status_code)
