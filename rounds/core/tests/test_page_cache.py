"""Whole pages cached per viewer (``rounds.core.fragments.render_page``): a warm page renders
no template, yet every change the page shows appears on the next request, nothing of one
viewer reaches another, forms keep working, and flash messages and htmx are never cached."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.network.services import block, follow
from rounds.network.tests.factories import connect
from rounds.notifications.services import notify
from rounds.profiles.services import profile_update
from rounds.profiles.tests.factories import OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("profiles:directory")


def page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def profile_url(profile) -> str:
    return reverse("profiles:detail", args=[profile.handle])


def rendered_templates(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [t.name for t in response.templates if t.name]


def test_a_warm_page_renders_no_template(member_client, other_member):
    """The second request of the same page by the same viewer comes from the page cache."""
    url = profile_url(other_member)
    assert "profiles/detail.html" in rendered_templates(member_client, url)
    assert rendered_templates(member_client, url) == []
    assert rendered_templates(member_client, DIRECTORY) != []
    assert rendered_templates(member_client, DIRECTORY) == []


def test_profile_edits_show_at_once(member_client, other_member):
    url = profile_url(other_member)
    page(member_client, url)
    profile_update(
        actor=other_member.user,
        profile=other_member,
        changes={"headline": "Head of pediatric cardiology", "display_name": "Dr Renamed"},
    )
    html = page(member_client, url)
    assert "Head of pediatric cardiology" in html and "Dr Renamed" in html
    assert "Dr Renamed" in page(member_client, DIRECTORY)


def test_relationship_changes_show_at_once(member_client, member, other_member):
    """Following, connecting and blocking change the cached profile page immediately, and a
    field shared with connections appears once connected."""
    profile_update(
        actor=other_member.user,
        profile=other_member,
        changes={"phone": "+1 555 0100", "phone_visibility": "connections"},
    )
    url = profile_url(other_member)
    html = page(member_client, url)
    assert "+1 555 0100" not in html and "<strong>0</strong> followers" in html
    follow(actor=member.user, followee=other_member.user)
    assert "<strong>1</strong> follower<" in page(member_client, url)
    connect(member.user, other_member.user)
    html = page(member_client, url)
    assert "+1 555 0100" in html and "Connected" in html
    block(actor=member.user, blocked=other_member.user)
    assert "You blocked" in page(member_client, url)


def test_navigation_badges_stay_current(member_client, member, other_member):
    url = profile_url(other_member)
    html = page(member_client, url)
    notify(
        recipient_id=member.user.pk,
        kind="connection.accepted",
        text="Someone accepted your request.",
        url="/network/",
        actor_id=other_member.user.pk,
    )
    assert page(member_client, url) != html  # the bell's count moved


def test_one_viewer_never_gets_anothers_page(client, member, other_member):
    """Same URL, two viewers: each page names its own viewer (the header's account menu)."""
    third = ProfileFactory()
    url = profile_url(third)
    client.force_login(member.user)
    assert member.display_name in page(client, url)
    client.logout()
    client.force_login(other_member.user)
    html = page(client, url)
    assert other_member.display_name in html and member.display_name not in html


def test_forms_on_a_cached_page_carry_a_valid_token(member, other_member):
    """The CSRF token is put in per request: a form posted from the warm page is accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    url = profile_url(other_member)
    page(client, url)
    html = page(client, url)  # from the cache
    assert "csrf-token-placeholder" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(
        reverse("network:follow", args=[other_member.handle]),
        {"csrfmiddlewaretoken": token, "next": url},
    )
    assert response.status_code in (200, 302), response.status_code
    assert "<strong>1</strong> follower<" in page(client, url)


def test_flash_messages_are_shown_not_cached(member_client, other_member):
    url = profile_url(other_member)
    page(member_client, url)
    response = member_client.post(
        reverse("network:follow", args=[other_member.handle]), {"next": url}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]] if response.context else []
    html = response.content.decode()
    assert all(text in html for text in shown)
    # A later request shows no leftover message from the cache.
    again = member_client.get(url)
    assert not list(get_messages(again.wsgi_request))


def test_htmx_requests_get_fragments_not_the_cached_page(member_client):
    page(member_client, DIRECTORY)
    fragment = page(member_client, DIRECTORY, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment


def test_directory_filtered_by_organization_shows_a_renamed_organization(member_client, member):
    org = OrganizationFactory(name="Harbor Clinic")
    from rounds.profiles.services import affiliation_add

    affiliation_add(actor=member.user, organization=org, title="Attending")
    url = f"{DIRECTORY}?organization={org.slug}"
    assert "Harbor Clinic" in page(member_client, url)
    org.name = "Harbor Health"
    org.save()
    assert "Harbor Health" in page(member_client, url)


def test_warm_profile_page_queries(member_client, other_member):
    """Warm: one query, the session with the account, the navigation row and the profile with
    the relationship (``rounds.accounts.sessions`` and the view's ``navigation_prefetch``)."""
    from django.db import connection

    url = profile_url(other_member)
    page(member_client, url)
    with CaptureQueriesContext(connection) as queries:
        page(member_client, url)
    assert len(queries) == 1, [q["sql"][:80] for q in queries]


@pytest.mark.parametrize("kind", ["notifications", "due", "conversation"])
def test_cached_item_forms_carry_each_sessions_own_token(member, other_member, kind):
    """Pages whose items come from the per-viewer item cache: the page cached for one session
    of the member must not hold that session's CSRF token. A second session of the same
    member (a new CSRF secret, as after signing in again) gets the same page from the cache
    with its own token in every item's form."""
    from django.middleware.csrf import _does_token_match

    from rounds.contacts.tests.factories import add_contact, age

    if kind == "notifications":
        notify(
            recipient_id=member.user.pk,
            kind="connection.accepted",
            text="Someone accepted your request.",
            actor_id=other_member.user.pk,
        )
        url = reverse("notifications:list")
    elif kind == "due":
        age(add_contact(member.user, "Priya Raman"), days=400)
        url = reverse("contacts:due")
    else:  # the messages and the composer are rendered as the page is cached
        from rounds.messaging.tests.factories import start

        connect(member.user, other_member.user)
        first = start(other_member.user, member.user, body="Coffee after rounds?")
        url = reverse("messaging:conversation", args=[first.conversation_id])
    sessions = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(member.user)
        html = page(client, url)
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert len(tokens) >= 2, "the items' forms and the page's own"
        secret = client.cookies["csrftoken"].value
        assert all(_does_token_match(token, secret) for token in tokens)
        sessions.append(secret)
    assert sessions[0] != sessions[1]
    assert rendered_templates(client, url) == []  # the second session's page was the cache's
