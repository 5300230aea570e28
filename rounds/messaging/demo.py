"""Demo conversations for ``seed_demo``: the demo member finds a lived-in inbox (a few
one-to-one threads, one small group, unread replies) and the notifications they produced.

Everything goes through the messaging services, so the guard, interactions (which reset the
keep-in-touch clock) and notifications behave exactly as for real members.
"""

from __future__ import annotations

import random
from typing import Any

from rounds.accounts.models import User
from rounds.network.models import Connection

from .models import Conversation
from .services import conversation_mark_read, conversation_start, message_send

#: (opening by the demo member or the other side, replies alternating); texts are ordinary
#: professional small talk that passes the professionalism guard.
THREADS: list[tuple[bool, list[str]]] = [
    (
        False,
        [
            "Thanks for the talk on discharge follow-up calls. Would you share the call script "
            "your team uses?",
            "Of course. I'll send it over this week; the key was calling within 48 hours.",
            "That's helpful. We are starting a similar **quality-improvement** project in spring.",
            "Happy to review your protocol draft when it's ready.",
        ],
    ),
    (
        True,
        [
            "Are you going to the regional hospital medicine meeting in March?",
            "Yes, I'm presenting a poster on sepsis bundles. Let's get coffee there.",
            "Great, I'll look for you at the poster session.",
        ],
    ),
    (
        False,
        [
            "I'm putting together a mentoring panel for residents. Would you join us?",
            "I'd be glad to. Which dates are you considering?",
            "Two options: the 12th or the 19th, both at noon.",
            "The 19th works for me.",
            "Perfect, I'll send the invitation with the details.",
        ],
    ),
]

GROUP_MESSAGES = [
    "Welcome, everyone: this is our working group for the journal club schedule.",
    "I can take the first session on point-of-care ultrasound.",
    "I'll cover the antibiotic stewardship paper the week after.",
]


def seed_demo_conversations(*, demo_user_id: int | None, seed: int) -> int:
    """Create the demo member's conversations; returns how many (0 if any exist)."""
    if demo_user_id is None or Conversation.objects.exists():
        return 0
    rng = random.Random(f"demo-messages:{seed}")
    demo = User.objects.get(pk=demo_user_id)
    contact_ids = sorted(
        Connection.objects.filter(owner_id=demo_user_id).values_list("other_id", flat=True)
    )
    if len(contact_ids) < len(THREADS) + 3:
        return 0
    chosen = rng.sample(contact_ids, len(THREADS) + 3)
    people = User.objects.in_bulk(chosen)
    created = 0
    for (demo_opens, texts), other_id in zip(THREADS, chosen, strict=False):
        other = people[other_id]
        speakers: list[Any] = [demo, other] if demo_opens else [other, demo]
        message = conversation_start(actor=speakers[0], recipients=[speakers[1]], body=texts[0])
        conversation_id = message.conversation.pk
        for i, text in enumerate(texts[1:], start=1):
            conversation_mark_read(actor=speakers[i % 2], conversation_id=conversation_id)
            message_send(actor=speakers[i % 2], conversation_id=conversation_id, body=text)
        created += 1
    group = [people[i] for i in chosen[len(THREADS) :]]
    message = conversation_start(actor=demo, recipients=group, body=GROUP_MESSAGES[0])
    for member, text in zip(group, GROUP_MESSAGES[1:], strict=False):
        message_send(actor=member, conversation_id=message.conversation.pk, body=text)
    return created + 1
