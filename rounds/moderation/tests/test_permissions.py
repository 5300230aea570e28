"""Who sees which reports: members never see the queue (404); a group's moderators see and act
on reports about their groups' content only (404 elsewhere; suspending is staff only, 403);
site staff see everything. Pages and API alike."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rounds.community import services as community
from rounds.community.models import Role
from rounds.core.tests.api_client import api_as, assert_error
from rounds.moderation.models import Report
from rounds.moderation.tests.factories import report, staff_member
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two public groups, each with an owner and a moderator; a thread in each by a member;
    a reporter who reported both threads and a profile."""
    owner1, mod1, owner2 = (ProfileFactory().user for _ in range(3))
    author, reporter, bystander = (ProfileFactory().user for _ in range(3))
    g1 = community.group_create(actor=owner1, name="Hospital medicine")
    g2 = community.group_create(actor=owner2, name="Pediatric sepsis")
    for user in (mod1, author, reporter):
        community.group_join(actor=user, group=g1)
    for user in (author, reporter):
        community.group_join(actor=user, group=g2)
    community.member_set_role(actor=owner1, group=g1, user=mod1, role=Role.MODERATOR)
    t1 = community.thread_create(actor=author, group=g1, title="Handoffs", body="Our checklist")
    t2 = community.thread_create(actor=author, group=g2, title="Fluids", body="30 ml/kg?")
    r1 = report(reporter, "thread", t1.pk)
    r2 = report(reporter, "thread", t2.pk)
    r3 = report(reporter, "profile", author.profile.pk)
    return {
        "owner1": owner1,
        "mod1": mod1,
        "owner2": owner2,
        "author": author,
        "reporter": reporter,
        "bystander": bystander,
        "staff": staff_member().user,
        "reports": (r1, r2, r3),
        "groups": (g1, g2),
    }


def _page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _queue_kinds(user):
    body = api_as(user).get("/moderation/queue").json()
    return sorted((i["target"]["kind"], i["target"]["id"]) for i in body["items"])


def test_report_stores_the_group_of_group_content(world):
    """A thread's report carries its group; a profile's does not."""
    r1, r2, r3 = world["reports"]
    g1, g2 = world["groups"]
    assert (r1.group_id, r2.group_id, r3.group_id) == (g1.pk, g2.pk, None)


@pytest.mark.parametrize("who", ["reporter", "author", "bystander"])
def test_members_who_moderate_nothing_get_404_everywhere(world, who):
    """The reporter, the author and a bystander get 404 on the queue, items, log and the
    guard page, pages and API."""
    user = world[who]
    r1 = world["reports"][0]
    for url in (
        reverse("moderation:queue"),
        reverse("moderation:report_detail", args=[r1.pk]),
        reverse("moderation:guard"),
        reverse("moderation:log"),
        reverse("moderation:suspensions"),
    ):
        assert _page(user, url).status_code == 404, url
    api = api_as(user)
    for path in (
        "/moderation/queue",
        f"/moderation/reports/{r1.pk}",
        "/moderation/log",
        "/moderation/suspensions",
        "/moderation/guard-overrides",
    ):
        assert_error(api.get(path), 404)
    assert_error(api.post(f"/moderation/reports/{r1.pk}/actions", {"action": "dismiss"}), 404)
    assert Report.objects.filter(state="open").count() == 3


@pytest.mark.parametrize("who", ["owner1", "mod1"])
def test_group_moderators_see_only_their_groups_reports(world, who):
    """Owner and moderator of group 1 see the group-1 thread only; the other group's report
    and the profile report are 404 for them."""
    user = world[who]
    r1, r2, r3 = world["reports"]
    assert _queue_kinds(user) == [("thread", r1.target_id)]
    page = _page(user, reverse("moderation:queue")).content.decode()
    assert "Handoffs" in page and "Fluids" not in page
    assert _page(user, reverse("moderation:report_detail", args=[r1.pk])).status_code == 200
    for other in (r2, r3):
        assert _page(user, reverse("moderation:report_detail", args=[other.pk])).status_code == 404
        assert_error(api_as(user).get(f"/moderation/reports/{other.pk}"), 404)
    assert _page(user, reverse("moderation:log")).status_code == 404


def test_staff_see_every_report(world):
    """Site staff see all three targets and the log."""
    r1, r2, r3 = world["reports"]
    assert _queue_kinds(world["staff"]) == sorted(
        [("thread", r1.target_id), ("thread", r2.target_id), ("profile", r3.target_id)]
    )
    assert _page(world["staff"], reverse("moderation:log")).status_code == 200


def test_group_moderator_hides_a_thread_but_cannot_suspend(world):
    """A group moderator may hide their group's thread (201) but suspending is 403."""
    r1 = world["reports"][0]
    api = api_as(world["mod1"])
    path = f"/moderation/reports/{r1.pk}/actions"
    assert_error(api.post(path, {"action": "suspend", "reason": "Spam"}), 403)
    response = api.post(path, {"action": "hide", "reason": "Off topic for this group"})
    assert response.status_code == 201, response.content
    assert_error(api_as(world["owner2"]).post(path, {"action": "remove", "reason": "x"}), 404)


def test_reporting_a_thread_you_cannot_read_is_404(world):
    """Content of a group the member cannot read cannot be reported (404)."""
    owner = ProfileFactory().user
    secret = community.group_create(actor=owner, name="Secret board", visibility="secret")
    thread = community.thread_create(actor=owner, group=secret, title="Budget", body="Numbers")
    response = api_as(world["bystander"]).post(
        "/reports", {"target_kind": "thread", "target_id": thread.pk, "reason": "spam"}
    )
    assert_error(response, 404)
