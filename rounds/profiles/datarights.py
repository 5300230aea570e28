"""Data rights of profiles: the profile, its photo, affiliations and member-added tags.

Export: ``profile`` (every field, with who may see each) and ``affiliations``; the avatar as
``media/avatar.jpg``. Erase: the cascade removes the profile and affiliations; this removes
what it cannot — the avatar file, goals and interests only this member added (their names are
the member's words), and the profile's name in the staff admin history.
Organizations are shared public records (no owner), so the ones a member added stay.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count

from rounds.accounts.data_rights.registry import scrub_admin_log

from .models import Affiliation, Goal, Interest, Profile

EXPORT_DESCRIPTIONS = {
    "profile": (
        "Your profile: name, handle, headline, biography, role, career stage, specialties, "
        "goals, interests, languages, location, phone, NPI, what you are open to, and who may "
        "see your profile and each private field."
    ),
    "affiliations": "Your positions: organization, department, title, dates, current or not.",
}

PROFILE_FIELDS = (
    "handle",
    "display_name",
    "headline",
    "bio",
    "role",
    "career_stage",
    "languages",
    "city",
    "region",
    "country",
    "location_visibility",
    "phone",
    "phone_visibility",
    "email_visibility",
    "visibility",
    "open_to_mentoring",
    "open_to_being_mentored",
    "open_to_speaking",
    "open_to_collaboration",
    "open_to_volunteering",
    "npi",
    "npi_verified_at",
    "created_at",
    "updated_at",
)


def _profile(user: Any) -> Profile | None:
    return (
        Profile.objects.filter(user=user)
        .prefetch_related("specialties", "goals", "interests")
        .first()
    )


def export_member_data(user: Any) -> dict[str, Any]:
    """The member's profile and affiliations (see EXPORT_DESCRIPTIONS)."""
    profile = _profile(user)
    data: dict[str, Any] | None = None
    if profile is not None:
        data = {name: getattr(profile, name) for name in PROFILE_FIELDS}
        data["specialties"] = [s.name for s in profile.specialties.all()]
        data["goals"] = [g.name for g in profile.goals.all()]
        data["interests"] = [i.name for i in profile.interests.all()]
        data["avatar"] = "media/avatar.jpg" if profile.avatar else None
    affiliations = [
        {
            "organization": a.organization.name,
            "organization_slug": a.organization.slug,
            "department": a.department,
            "title": a.title,
            "start_date": a.start_date,
            "end_date": a.end_date,
            "is_current": a.is_current,
        }
        for a in Affiliation.objects.filter(user=user)
        .select_related("organization")
        .order_by("-is_current", "-start_date", "id")
    ]
    return {"profile": data, "affiliations": affiliations}


def export_member_files(user: Any) -> dict[str, bytes]:
    """The member's photo, when they uploaded one and it is still on disk."""
    profile = Profile.objects.filter(user=user).only("avatar").first()
    if profile is None or not profile.avatar:
        return {}
    try:
        with profile.avatar.open("rb") as handle:
            return {"avatar.jpg": handle.read()}
    except OSError:  # missing file: nothing to add
        return {}


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Delete the avatar file (after commit), the goals and interests only this member uses
    and that they added, and scrub the admin history; the cascade removes the rest.
    ``anonymise`` changes nothing: a profile is the member, never kept."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return
    if profile.avatar:
        storage, name = profile.avatar.storage, profile.avatar.name or ""
        transaction.on_commit(lambda: storage.delete(name))
    for model in (Goal, Interest):
        added = list(
            model.objects.filter(curated=False, profiles=profile).values_list("pk", flat=True)
        )
        only_theirs = (
            model.objects.filter(pk__in=added)
            .annotate(users=Count("profiles"))
            .filter(users=1)
            .values_list("pk", flat=True)
        )
        model.objects.filter(pk__in=list(only_theirs)).delete()
    scrub_admin_log(Profile, [profile.pk])
    scrub_admin_log(Affiliation, Affiliation.objects.filter(user=user).values_list("pk", flat=True))
