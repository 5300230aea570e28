"""Oversharing: the author's own home address, personal phone and e-mail, travel with an empty
home, and children's schools, as warnings."""

from __future__ import annotations

import pytest

from rounds.guard import GuardContext, check


def oversharing_rules(text: str, context: GuardContext | None = None) -> set[str]:
    report = check(text, context=context)
    return {f.rule for f in report.by_category("oversharing")}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Housewarming Saturday at our new place, 12 Elm Street, Salem, MA 01970!", "home_address"),
        ("We live at 500 Oak Lane now, drop by anytime.", "home_address"),
        ("Text me on my personal cell, 617-555-0142, to swap shifts.", "personal_phone"),
        ("My cell is (617) 555-0142, call anytime.", "personal_phone"),
        ("My personal email is jane.roe@gmail.com for the slides.", "personal_email"),
        ("Email me at jroe@yahoo.com, the hospital one is filtered.", "personal_email"),
        ("Off to Hawaii June 3 to June 17! House will be empty for two weeks.", "travel"),
        ("We'll be in Italy 5/1 through 5/15, nobody home, so the mail can wait.", "travel"),
        ("So proud: my daughter starts at Lincoln Elementary on Monday!", "children_school"),
        ("Picking up my son from Oakwood Middle School at 3:15.", "children_school"),
    ],
)
def test_oversharing_found(text, rule):
    """Each kind of oversharing is found and reported as a warning."""
    report = check(text)
    assert rule in {f.rule.removeprefix("oversharing.") for f in report.findings}
    assert report.verdict == "warn"


@pytest.mark.parametrize(
    "text",
    [
        "The symposium is at 55 Fruit Street, Boston, MA 02114. Parking is validated.",
        "Heading to the ACC meeting in Chicago, March 3–6. Who else is going?",
        "Our clinic moved to 12 Elm Street; same phone number, 617-555-0142.",
        "For residency questions email gme@hospital.org.",
        "Lincoln Elementary hosts the vaccine clinic on Saturday.",
        "Call the CME office at 617-555-0142.",
    ],
)
def test_professional_details_are_not_oversharing(text):
    """Venues, conference travel, clinic contacts and schools named without one's children pass."""
    assert oversharing_rules(text) == set()


def test_authors_own_listed_phone_is_not_oversharing():
    """The member's own listed phone (their office line) is never oversharing."""
    context = GuardContext(author_phones=("617-555-0142",))
    assert oversharing_rules("My cell is 617-555-0142, call anytime.", context) == set()


def test_travel_needs_an_empty_home():
    """Travel dates alone are not oversharing; with an empty home they are."""
    assert oversharing_rules("Off to Lisbon June 3 to June 17 for the congress.") == set()
    assert oversharing_rules("Off to Lisbon June 3 to June 17, nobody home!") == {
        "oversharing.travel"
    }
