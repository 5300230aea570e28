"""Who to meet: the pure scoring (rounds.events.whotomeet), no database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rounds.events.whotomeet import Attendee, Seeker, Vocabulary, rank, score_attendee, words

QI, MENTOR, RESEARCH = 1, 2, 3  # goals
QI_INTEREST, EQUITY = 11, 12  # interests
CARDIOLOGY, PEDIATRICS = 21, 22  # specialties
MY_HOSPITAL, OTHER_HOSPITAL = 31, 32  # organizations

VOCABULARY = Vocabulary(
    goals={QI: "Quality improvement", MENTOR: "Find a mentor", RESEARCH: "Research collaboration"},
    interests={QI_INTEREST: "Quality improvement", EQUITY: "Health equity"},
    specialties={CARDIOLOGY: "Cardiology", PEDIATRICS: "Pediatrics"},
    organizations={MY_HOSPITAL: "St. Mary's", OTHER_HOSPITAL: "County General"},
    interest_for_goal={QI: QI_INTEREST},
)


def seeker(**kwargs) -> Seeker:
    defaults = {
        "user_id": 1,
        "goal": "Meet two people doing quality-improvement research on sepsis",
        "goal_tags": frozenset({QI}),
        "specialties": frozenset({CARDIOLOGY}),
        "organizations": frozenset({MY_HOSPITAL}),
    }
    return Seeker(**{**defaults, **kwargs})


def test_words_fold_stem_and_drop_stopwords():
    """Words are lower-cased, accent-free, lightly stemmed; function words are dropped."""
    assert words("Meet two people doing Sepsis trials") == {"sepsis", "trial"}
    assert words("Pédiatrie") == {"pediatrie"}
    assert words("quality-improvement") == {"quality-improvement", "quality", "improvement"}
    assert words("") == frozenset()
    assert words("researchers") == words("research")


def test_goal_tag_among_their_goals_ranks_first_with_the_reason():
    """An attendee whose profile goals include the member's goal tag comes first, saying so."""
    works_on_qi = Attendee(user_id=2, goals=frozenset({QI}), organizations={MY_HOSPITAL})
    unrelated = Attendee(user_id=3, headline="Orthopaedic surgeon", organizations={MY_HOSPITAL})
    ranked = rank(seeker(), [unrelated, works_on_qi], VOCABULARY)
    assert [s.user_id for s in ranked] == [2, 3]
    assert ranked[0].reasons[0] == "Also works on Quality improvement"


def test_goal_tag_as_interest_and_goal_words_in_headline_count():
    """A goal tag found among their interests, and goal words in their headline, both count."""
    interested = Attendee(user_id=2, interests=frozenset({QI_INTEREST}))
    headline = Attendee(user_id=3, headline="Sepsis research fellow")
    s = seeker(organizations=frozenset())
    a = score_attendee(s, interested, VOCABULARY)
    b = score_attendee(s, headline, VOCABULARY)
    assert "Interested in Quality improvement" in a.reasons
    assert b.reasons[0] == "Their profile mentions “research” and “sepsis”, from your goal"
    assert a.score > 0 and b.score > 0


def test_shared_specialty_reason_reads_like_you():
    """A shared specialty reads "Cardiology, like you"."""
    cardiologist = Attendee(user_id=2, specialties=frozenset({CARDIOLOGY}))
    result = score_attendee(seeker(goal="", goal_tags=frozenset()), cardiologist, VOCABULARY)
    assert "Cardiology, like you" in result.reasons


def test_outside_the_organization_is_strategic_and_colleagues_are_not():
    """Attendees outside every organization of the member are strategic contacts; colleagues
    at the same organization are marked as such."""
    s = seeker(goal="", goal_tags=frozenset())
    outsider = score_attendee(
        s, Attendee(user_id=2, organizations=frozenset({OTHER_HOSPITAL})), VOCABULARY
    )
    colleague = score_attendee(
        s, Attendee(user_id=3, organizations=frozenset({MY_HOSPITAL})), VOCABULARY
    )
    assert outsider.strategic and not colleague.strategic
    assert "Outside your organization — a strategic contact" in outsider.reasons
    assert "Also at St. Mary's" in colleague.reasons
    assert colleague.same_organization
    assert outsider.score > colleague.score


def test_without_an_organization_nobody_is_marked_strategic():
    """A member with no organization cannot tell outsiders apart: nobody is marked strategic."""
    s = seeker(organizations=frozenset())
    result = score_attendee(
        s, Attendee(user_id=2, organizations=frozenset({OTHER_HOSPITAL})), VOCABULARY
    )
    assert not result.strategic


def test_existing_connections_are_marked_and_rank_below_new_people_of_equal_fit():
    """Connections are marked; at the same fit, a new person comes first."""
    known = Attendee(user_id=2, goals=frozenset({QI}), connected=True)
    new = Attendee(user_id=3, goals=frozenset({QI}))
    ranked = rank(seeker(organizations=frozenset()), [known, new], VOCABULARY)
    assert [s.user_id for s in ranked] == [3, 2]
    assert ranked[1].connected and "Already a connection" in ranked[1].reasons


def test_the_seeker_is_never_ranked_and_ties_break_by_id():
    """The member themselves is left out; equal scores order by id; ``limit`` cuts."""
    people = [Attendee(user_id=i) for i in (5, 1, 4, 3)]
    ranked = rank(seeker(organizations=frozenset()), people, VOCABULARY)
    assert [s.user_id for s in ranked] == [3, 4, 5]
    assert len(rank(seeker(), people, VOCABULARY, limit=2)) == 2


def test_reasons_are_capped():
    """At most four reasons per attendee."""
    everything = Attendee(
        user_id=2,
        headline="Sepsis quality research",
        goals=frozenset({QI, MENTOR}),
        interests=frozenset({QI_INTEREST, EQUITY}),
        specialties=frozenset({CARDIOLOGY}),
        organizations=frozenset({OTHER_HOSPITAL}),
    )
    s = seeker(goals=frozenset({MENTOR}), interests=frozenset({EQUITY}))
    assert len(score_attendee(s, everything, VOCABULARY).reasons) == 4


@given(
    goal=st.text(max_size=200),
    headline=st.text(max_size=160),
    tags=st.sets(st.sampled_from([QI, MENTOR, RESEARCH, 99])),
)
def test_any_text_scores_without_error(goal, headline, tags):
    """Any goal and headline text (any Unicode) scores deterministically, never raises."""
    s = seeker(goal=goal, goal_tags=frozenset(tags))
    a = Attendee(user_id=2, headline=headline, goals=frozenset(tags))
    first = score_attendee(s, a, VOCABULARY)
    assert first == score_attendee(s, a, VOCABULARY)
    assert all(isinstance(reason, str) and reason for reason in first.reasons)
