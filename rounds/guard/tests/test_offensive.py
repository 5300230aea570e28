"""Offensive content: word list with medical allowances, slurs, sexual content, harassment,
group insults and shouting."""

from __future__ import annotations

import pytest

from rounds.guard import offensive


def rules(text: str) -> set[str]:
    return {m.rule for m in offensive.find(text)}


def spans(text: str) -> list[str]:
    return [text[m.start : m.end] for m in offensive.find(text)]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("What a fucking night shift.", "fucking"),
        ("This EHR update is complete bullshit.", "bullshit"),
        ("Prior auths are a pain in the ass.", "ass"),
        ("Damn, the pager again.", "Damn"),
        ("The parking policy is crap.", "crap"),
        ("what a shitshow", "shitshow"),
        ("Another week of this sh1t", "sh1t"),
        ("F*ck this insurance company", "F*ck"),
        ("fuuuuck this", "fuuuuck"),
    ],
)
def test_profanity(text, word):
    """Listed profanity is found, including compounds, leetspeak, masking and stretching."""
    found = offensive.find(text)
    assert any(m.rule == "profanity" and text[m.start : m.end] == word for m in found)


def test_the_hell_phrase():
    """'Who the hell' is profanity although 'hell' alone is not listed."""
    assert rules("Who the hell schedules training at 7 pm?") == {"profanity"}
    assert rules("Residency felt like hell some weeks.") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer screening starts at 40.",
        "Always document the rectal exam and stool guaiac.",
        "Penile and scrotal exams are part of the adolescent physical.",
        "Vaginal delivery after cesarean is safe for many.",
        "Take a sexual health history: partners, practices, protection.",
        "Erectile dysfunction can be the first sign of CAD.",
        "Anal fissures heal with fiber and sitz baths.",
        "Nipple discharge that is bloody needs imaging.",
        "Dyspareunia and painful intercourse after menopause are treatable.",
        "Premature ejaculation and low libido are underreported.",
        "Teaching the pelvic exam: cervix, labia and vulva.",
        "Gender-affirming care for gay, lesbian and transgender patients.",
        "Screen for cocaine, heroin and marijuana use.",
        "Rape kit chain of custody in the ED.",
        "Fixation with two screws; the jerk reflex was brisk.",
        "Assessment: the assistant passed the class in Scunthorpe with shiitake.",
        "Cocktail party at the Hancock county conference.",
    ],
)
def test_clinical_language_passes(text):
    """Anatomy, clinical and identity terms, and words containing listed ones, are not offensive."""
    assert offensive.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Some of these retarded patients never listen.",
        "I don't want a faggot as my resident.",
        "That spic from pharmacy questioned my order.",
        "Stop hiring chinks.",
    ],
)
def test_slurs(text):
    """Slurs are reported as slurs (plurals included)."""
    assert "slur" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Send nudes after your shift ;)",
        "The new nurse on 5 West is so hot, I'd bang her.",
        "Anyone else watch porn on night float?",
        "Looking for a hookup at the conference, DM me if you're horny.",
        "That intern has a great ass.",
        "Rate the hottest residents in our program.",
    ],
)
def test_sexual_content(text):
    """Sexual content: listed terms and phrases about people's bodies or sex."""
    assert "sexual" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "It's so hot in the OR today.",
        "Hot topic: sexual dysfunction after prostatectomy.",
        "Show me the chest X-ray.",
        "Big bang for the buck with this order set.",
    ],
)
def test_not_sexual(text):
    """Heat, clinical topics and ordinary phrases are not sexual content."""
    assert "sexual" not in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Jane Lee, you are an idiot and everyone knows it.",
        "You're a complete moron if you think that dose is right.",
        "Nobody likes you, Sam. Just quit already.",
        "Keep it up and I will make your residency hell.",
        "Go die in a ditch.",
        "Dr. Pat Roe is a clueless hack.",
        "Shut up, nobody asked you clown.",
        "I'm going to ruin your career.",
    ],
)
def test_harassment(text):
    """Insults and threats aimed at a person are harassment."""
    assert "harassment" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Nurse practitioners are useless idiots.",
        "Hospitalists are lazy morons who discharge early.",
        "All the ER docs in this town are incompetent clowns.",
        "Family med docs are dumb and lazy.",
    ],
)
def test_group_insults(text):
    """Insults aimed at a group of people."""
    assert "insult" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "These guidelines are useless for frail patients.",
        "The results are stupid good, honestly.",
        "Thank you, you are a star.",
        "I will make sure you get the slides.",
        "Medicine is a joke some days, but I love it.",
        "Please watch the recording.",
    ],
)
def test_not_harassment(text):
    """Criticism of things, praise and ordinary promises are not harassment or insults."""
    assert not rules(text) & {"harassment", "insult"}


def test_shouting():
    """A sentence mostly in capitals is shouting; its span covers the shouted words."""
    text = "Fine. I AM SO DONE WITH THIS HOSPITAL AND ITS POLICIES. Thanks."
    found = [m for m in offensive.find(text) if m.rule == "shouting"]
    assert [text[m.start : m.end] for m in found] == [
        "I AM SO DONE WITH THIS HOSPITAL AND ITS POLICIES."
    ]


@pytest.mark.parametrize(
    "text",
    [
        "ACLS, BLS and PALS recertification dates are posted.",
        "CODE LAVENDER debrief at 3 pm for the ICU team.",
        "NSTEMI vs STEMI: ECG, troponin, ASA, TNK.",
    ],
)
def test_acronyms_are_not_shouting(text):
    """Medical acronyms are capitals but not shouting."""
    assert "shouting" not in rules(text)


def test_lexicon_excludes_allowed_and_classifies():
    """The word list drops allowed clinical words and labels slurs and sexual terms."""
    words = offensive.lexicon()
    assert "breast" not in words and "rectal" not in words and "penis" not in words
    assert words["fuck"] == "profanity"
    assert words["faggot"] == "slur"
    assert words["porn"] == "sexual"
    assert len(words) > 1000
