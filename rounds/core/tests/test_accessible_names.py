"""Controls whose visible text is completed for screen readers carry the full name in
``aria-label``: a ``visually-hidden`` span glued to the visible text ("Edit<span>: About</span>")
is block-level (``position: absolute``), so Chromium would say "Edit : About". These pages are
rendered and their controls' accessible names read as a browser computes them
(``accname.py``); sighted members still see the short text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rounds.community.tests.factories import add_member, make_group
from rounds.core.tests.accname import accessible_names, controls, stray_spaces
from rounds.profiles.tests.factories import AffiliationFactory, OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def _visible(html: str, name: str) -> str:
    """The visible text of the control named ``name`` (exactly one)."""
    found = [visible for _tag, accessible, visible in controls(html) if accessible == name]
    assert len(found) == 1, (name, found)
    return found[0]


def test_the_parser_hears_a_glued_hidden_span_as_chromium_does():
    """The helper would catch the bug: a hidden part glued to the text gets a stray space."""
    html = '<a href="#">Edit<span class="visually-hidden">: About</span></a>'
    assert accessible_names(html) == ["Edit : About"]
    assert stray_spaces(html) == ["Edit : About"]
    labelled = '<button aria-label="Remove: Mercy">Remove</button>'
    assert accessible_names(labelled) == ["Remove: Mercy"]
    assert controls(labelled) == [("button", "Remove: Mercy", "Remove")]


def test_group_member_buttons_name_the_member(client, member):
    """The owner's buttons on the members page: "Remove: Ana Ruiz" for screen readers,
    "Remove" on screen."""
    group = make_group(member.user)
    add_member(group, ProfileFactory(display_name="Ana Ruiz").user)
    client.force_login(member.user)
    html = client.get(reverse("community:members", args=[group.slug])).content.decode()
    names = accessible_names(html, "button")
    for label in ("Make moderator", "Remove", "Ban"):
        assert f"{label}: Ana Ruiz" in names, names
        assert _visible(html, f"{label}: Ana Ruiz") == label
    assert not stray_spaces(html)


def test_profile_editor_edit_and_remove_name_their_section_and_position(client, member):
    """The profile editor's section "Edit" links and a position's Edit/Remove name what they
    act on; the account menu names the member; no name has a stray space."""
    organization = OrganizationFactory(name="Mercy General Hospital")
    AffiliationFactory(user=member.user, organization=organization)
    client.force_login(member.user)
    html = client.get(reverse("profiles:edit")).content.decode()
    names = accessible_names(html)
    assert "Edit: About" in names, names
    assert _visible(html, "Edit: About") == "Edit"
    assert "Edit: Mercy General Hospital" in names
    assert _visible(html, "Edit: Mercy General Hospital") == "Edit"
    assert "Remove: Mercy General Hospital" in accessible_names(html, "button")
    assert _visible(html, "Remove: Mercy General Hospital") == "Remove"
    menu = f"{member.display_name}: account menu"
    assert accessible_names(html, "summary") == [menu]
    assert _visible(html, menu) == member.display_name
    assert not stray_spaces(html)
