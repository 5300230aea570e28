"""The demo community's notebooks (``seed_demo``): every seeded connection becomes a contact on
both sides, and the demo member gets a realistic notebook — tags with cadences, people who are
not on Rounds, dated notes of conversations, and a few contacts due to reconnect.
Deterministic by seed; writes through the notebook's own bulk service and models."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from .models import Contact, ContactNote, ContactTag
from .services import contacts_ensure_for_connections, refresh_due_for_owner

TAGS = [("Residency", None), ("Research collaborators", 60), ("Hospital leadership", 45)]
PEOPLE: list[dict[str, Any]] = [
    {
        "name": "Priya Raman",
        "organization": "Lakeside Community Health Center",
        "title": "Medical Director",
        "email": "priya.raman@lakeside-chc.example",
        "how_met": "Volunteered together at the free clinic's flu vaccination day.",
        "network_type": "strategic",
        "tags": ["Hospital leadership"],
        "notes": [
            (
                "coffee",
                200,
                "Wants to expand the diabetes group visits; worried about staffing "
                "after the grant ends. Interested in our QI data on follow-up calls.",
            ),
        ],
    },
    {
        "name": "Marcus Bell",
        "organization": "State Department of Health",
        "title": "Policy Analyst",
        "email": "marcus.bell@health.state.example",
        "how_met": "Sat next to each other at the health policy workshop.",
        "network_type": "strategic",
        "tags": [],
        "notes": [
            (
                "meeting",
                95,
                "Working on the readmissions reporting rule. Asked for clinician "
                "input; offered to review the draft.",
            ),
            ("email", 30, "Sent him our discharge checklist."),
        ],
    },
    {
        "name": "Hannah Okafor",
        "organization": "",
        "title": "Pediatric resident",
        "email": "",
        "how_met": "Medical school classmate.",
        "network_type": "personal",
        "tags": ["Residency"],
        "notes": [("call", 160, "Matching into pediatric cardiology fellowship next year.")],
    },
    {
        "name": "Dr. Luis Ortega",
        "organization": "University Medical Center",
        "title": "Associate Professor of Medicine",
        "email": "lortega@umc.example",
        "how_met": "Co-authors on the sepsis bundle paper.",
        "network_type": "strategic",
        "tags": ["Research collaborators"],
        "notes": [
            (
                "note",
                75,
                "Cares about protected research time for junior faculty; looking for "
                "a second site for the sepsis follow-up study.",
            ),
        ],
    },
]


def seed_demo_notebooks(*, sides: Sequence[Any], demo_user_id: int | None, seed: int) -> int:
    """Contacts for every connection side, then the demo member's notebook. Returns the number
    of contacts created."""
    created = contacts_ensure_for_connections(sides)
    if demo_user_id is None:
        return created
    rng = random.Random(f"demo-notebook:{seed}")
    now = timezone.now()
    tags = {
        name: ContactTag.objects.create(owner_id=demo_user_id, name=name, cadence_days=cadence)
        for name, cadence in TAGS
    }
    # The demo member's connections: varied last conversations, so some are due.
    mine = list(Contact.objects.filter(owner_id=demo_user_id, member__isnull=False).order_by("id"))
    for contact in mine:
        contact.last_interaction_at = now - dt.timedelta(days=rng.randint(5, 420))
    Contact.objects.bulk_update(mine, ["last_interaction_at"])
    if mine:
        mine[0].tags.add(tags["Residency"])
        ContactNote.objects.create(
            contact=mine[0],
            kind=ContactNote.Kind.COFFEE,
            occurred_on=(now - dt.timedelta(days=40)).date(),
            body="Thinking about a chief resident year; wants advice on the application.",
        )
    for person in PEOPLE:
        notes = person["notes"]
        conversation_days = [days for kind, days, _ in notes if kind != "note"]
        last = min(conversation_days) if conversation_days else None
        contact = Contact.objects.create(
            owner_id=demo_user_id,
            name=person["name"],
            organization=person["organization"],
            title=person["title"],
            email=person["email"],
            how_met=person["how_met"],
            network_type=person["network_type"],
            network_type_chosen=True,
            last_interaction_at=now - dt.timedelta(days=last) if last else None,
            due_at=now,
            source=Contact.Source.MANUAL,
        )
        for name in person["tags"]:
            contact.tags.add(tags[name])
        for kind, days, body in notes:
            ContactNote.objects.create(
                contact=contact,
                kind=kind,
                occurred_on=(now - dt.timedelta(days=days)).date(),
                body=body,
            )
        created += 1
    refresh_due_for_owner(demo_user_id)
    return created
