"""The product's networking advice, as short tips shown at the moment they help.

Rounds grew from practical advice on building a professional network in medicine. That advice
lives here, keyed by the place in the product where it is useful, so templates show one short
tip (``{% tip "place" %}`` or ``{% tip "my_network" "strategic" %}``) and never a wall of text.

Pure data and lookups: no database, no request. Keep each tip to one or two sentences.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tip:
    """One piece of advice: a short title and one or two sentences."""

    place: str
    title: str
    text: str
    variant: str = ""


@dataclass(frozen=True)
class NetworkType:
    """One of the three networks every clinician keeps (operational, personal, strategic)."""

    key: str
    name: str
    purpose: str
    examples: str


#: The three networks, in the order the product always shows them.
NETWORK_TYPES: tuple[NetworkType, ...] = (
    NetworkType(
        key="operational",
        name="Operational",
        purpose="The people you work with to get today's work done well.",
        examples="Your program, your unit, your department, the consultants you page.",
    ),
    NetworkType(
        key="personal",
        name="Personal",
        purpose=(
            "Friends, family and acquaintances, in medicine or not: the people who support you "
            "and widen your world."
        ),
        examples="Classmates from training, friends, family, people you met at a conference.",
    ),
    NetworkType(
        key="strategic",
        name="Strategic",
        purpose="The people who help you reach where you want to be in a few years.",
        examples="Society leaders, researchers in your next field, people in health policy.",
    ),
)

_TIPS: tuple[Tip, ...] = (
    Tip(
        place="connection_note",
        title="Write a genuine note",
        text=(
            "A personal note beats a blank request. Say where you met or what in their work "
            "interests you, and ask one real question."
        ),
    ),
    Tip(
        place="event_prepare",
        title="Come with a clear goal",
        text=(
            "Set a goal before you go: who you hope to meet and what you want to learn. "
            "Dress professionally, and aim for a few meaningful conversations rather than "
            "many short ones."
        ),
    ),
    Tip(
        place="event_follow_up",
        title="Follow up within a few days",
        text=(
            "Send a short note to the people you met while the conversation is fresh: "
            "mention what you talked about and any next step you agreed."
        ),
    ),
    Tip(
        place="composer",
        title="Share insight, protect patients",
        text=(
            "Share what colleagues can learn from, stay courteous when you disagree, and "
            "keep personal details to yourself. Never include anything that could identify "
            "a patient."
        ),
    ),
    Tip(
        place="contact_notes",
        title="Listen, then write it down",
        text=(
            "After a conversation, note what this colleague cares about, what they need and "
            "what worries them. It makes your next conversation better. Only you see these "
            "notes."
        ),
    ),
    Tip(
        place="my_network",
        variant="operational",
        title="Your operational network",
        text=(
            "These are the colleagues who help you do today's work. If it looks thin, start "
            "with the people at your own hospital or program."
        ),
    ),
    Tip(
        place="my_network",
        variant="personal",
        title="Your personal network",
        text=(
            "Friends, classmates and acquaintances support you and connect you to worlds "
            "beyond your own. Reconnect with a classmate or someone you met at a conference."
        ),
    ),
    Tip(
        place="my_network",
        variant="strategic",
        title="Your strategic network",
        text=(
            "These are the people who can help you get where you want to be in a few years. "
            "Pick your goals, then connect with one person who is already doing that work."
        ),
    ),
    Tip(
        place="mentorship",
        title="Seek mentors, and offer to mentor",
        text=(
            "Ask for a mentor early, and for something specific. When you can, offer to "
            "mentor someone a few steps behind you: it strengthens your own network too."
        ),
    ),
    Tip(
        place="volunteering",
        title="Give back and meet people",
        text=(
            "Volunteering builds your network while you help others: you meet colleagues "
            "from other places who care about the same things."
        ),
    ),
    Tip(
        place="patient_boundaries",
        title="Keep professional boundaries",
        text=(
            "Connecting with a patient here is not part of their care: never discuss their "
            "health or give individual advice on Rounds, and follow your organization's policy "
            "on contact with patients."
        ),
    ),
    Tip(
        place="labels_private",
        title="Your labels are yours alone",
        text=(
            "Only you see how you label a connection and which network you count them in. "
            "We propose a network from shared organizations and goals; change it whenever it "
            "is wrong."
        ),
    ),
    Tip(
        place="empty_network",
        title="Start with the people you already know",
        text=(
            "Find colleagues from your organization, then pick your goals so we can suggest "
            "people who can help you reach them. Relationships need ongoing effort: a short "
            "message every few months keeps them alive."
        ),
    ),
)

#: Every place a tip can be shown. Templates use these names with ``{% tip %}``.
PLACES: frozenset[str] = frozenset(tip.place for tip in _TIPS)


def tips_for(place: str) -> tuple[Tip, ...]:
    """All tips for ``place`` (several for places with variants). Raises KeyError if unknown."""
    found = tuple(tip for tip in _TIPS if tip.place == place)
    if not found:
        raise KeyError(f"No guidance for place {place!r}.")
    return found


def tip_for(place: str, variant: str = "") -> Tip:
    """The tip for ``place`` (and ``variant``, when the place has several).

    Raises KeyError for an unknown place or an unknown variant of a place with variants.
    """
    found = tips_for(place)
    if not variant:
        return found[0]
    for tip in found:
        if tip.variant == variant:
            return tip
    raise KeyError(f"No guidance for place {place!r}, variant {variant!r}.")


def network_type(key: str) -> NetworkType:
    """The network type called ``key``. Raises KeyError if unknown."""
    for network in NETWORK_TYPES:
        if network.key == key:
            return network
    raise KeyError(f"No network type {key!r}.")
