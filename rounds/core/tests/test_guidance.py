"""The product's networking advice: every place has a short tip, and templates use real places."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from rounds.core import guidance

REQUIRED_PLACES = {
    "connection_note",
    "event_prepare",
    "event_follow_up",
    "composer",
    "contact_notes",
    "my_network",
    "mentorship",
    "volunteering",
    "empty_network",
}


def test_every_required_place_has_advice():
    """Each place named in the product brief has a tip."""
    assert REQUIRED_PLACES <= guidance.PLACES
    for place in REQUIRED_PLACES:
        assert guidance.tip_for(place).text


@pytest.mark.parametrize("network", ["operational", "personal", "strategic"])
def test_my_network_has_one_tip_per_network_type(network):
    """My Network has a tip for each of the three networks."""
    tip = guidance.tip_for("my_network", network)
    assert tip.variant == network
    assert network in tip.title.lower()


def test_tips_are_short():
    """Tips are a sentence or two, never a wall of text."""
    for place in guidance.PLACES:
        for tip in guidance.tips_for(place):
            assert len(tip.title) <= 60
            assert len(tip.text) <= 260, tip.place


def test_advice_covers_the_seed():
    """The seed's key advice is present where it helps."""
    assert "personal note" in guidance.tip_for("connection_note").text
    assert "goal" in guidance.tip_for("event_prepare").text
    assert "professionally" in guidance.tip_for("event_prepare").text
    assert "patient" in guidance.tip_for("composer").text
    assert "cares about" in guidance.tip_for("contact_notes").text
    assert "mentor" in guidance.tip_for("mentorship").text.lower()
    assert "network" in guidance.tip_for("volunteering").text


def test_unknown_place_or_variant_raises():
    """Looking up advice that does not exist is an error in code."""
    with pytest.raises(KeyError):
        guidance.tip_for("nowhere")
    with pytest.raises(KeyError):
        guidance.tip_for("my_network", "imaginary")


def test_three_network_types_in_order():
    """The three networks are operational, personal, strategic, each with a purpose."""
    assert [n.key for n in guidance.NETWORK_TYPES] == ["operational", "personal", "strategic"]
    assert guidance.network_type("strategic").purpose
    with pytest.raises(KeyError):
        guidance.network_type("social")


def test_tip_tag_renders_a_note():
    """{% tip %} renders the advice as a labelled note."""
    html = Template('{% load rounds %}{% tip "my_network" "personal" %}').render(Context())
    assert 'role="note"' in html
    assert guidance.tip_for("my_network", "personal").title in html


def test_tip_tag_renders_nothing_for_an_unknown_place():
    """An unknown place renders nothing rather than breaking the page."""
    assert Template('{% load rounds %}{% tip "nowhere" %}').render(Context()) == ""


def test_templates_only_use_known_places():
    """Every {% tip %} in the project's templates names a known place (and variant)."""
    pattern = re.compile(r'{%\s*tip\s+"([^"]+)"(?:\s+"([^"]+)")?\s*%}')
    found = 0
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for place, variant in pattern.findall(path.read_text(encoding="utf-8")):
            guidance.tip_for(place, variant)
            found += 1
    assert found >= 1
