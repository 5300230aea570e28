"""Demo preparation for ``seed_demo`` (after ``demo.seed_demo_events``): the demo member has a
goal for the first upcoming event they are going to — so who-to-meet has something to rank —
and marked two people they met at a recent past event, one with a note, so the follow-up
reminder and the people-I-met page have something to show. Everything goes through the
services (guard, interactions)."""

from __future__ import annotations

from django.utils import timezone

from rounds.core.errors import ApplicationError

from . import preparation
from .access import access_event
from .models import MetAttendee, Registration, RegistrationState, State
from .selectors_prepare import met_candidates_for

GOAL = (
    "Meet two people running sepsis or quality-improvement projects outside my hospital, "
    "and find a co-author for our readmissions audit."
)
GOAL_TAGS = ["quality-improvement", "research-collaboration"]
NOTE = "Runs the sepsis bundle audit at her hospital; happy to share their PDSA templates."


def seed_demo_preparation(*, demo_user_id: int | None) -> int:
    """Set the demo member's goal and met marks; returns how many things were added (0 when
    there is no demo member or it was done before)."""
    from rounds.accounts.models import User

    if demo_user_id is None or MetAttendee.objects.filter(user_id=demo_user_id).exists():
        return 0
    demo = User.objects.get(pk=demo_user_id)
    now = timezone.now()
    added = 0
    going = (
        Registration.objects.filter(
            user=demo,
            state=RegistrationState.GOING,
            event__state=State.PUBLISHED,
            event__starts_at__gt=now,
        )
        .order_by("event__starts_at")
        .values_list("event_id", flat=True)
    )
    for event_id in going[:1]:
        try:
            preparation.goal_set(
                actor=demo, event=access_event(demo, event_id), goal=GOAL, goal_tags=GOAL_TAGS
            )
            added += 1
        except ApplicationError:
            pass
    went = (
        Registration.objects.filter(
            user=demo,
            state__in=preparation.ATTENDING_STATES,
            event__state=State.PUBLISHED,
            event__ends_at__lte=now,
        )
        .order_by("-event__ends_at")
        .values_list("event_id", flat=True)
    )
    for event_id in went[:1]:
        event = access_event(demo, event_id)
        people = met_candidates_for(viewer=demo, event=event, size=2).items
        for index, profile in enumerate(people):
            try:
                preparation.met_mark(
                    actor=demo, event=event, other=profile.user, note=NOTE if index == 0 else ""
                )
                added += 1
            except ApplicationError:
                continue
    return added
