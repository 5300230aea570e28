"""HTML forms of the event pages. They shape input; the services stay the authority on what is
valid (their errors are copied back onto these forms)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from rounds.core.publishing import preview_attrs
from rounds.profiles.models import Specialty

from .models import MAX_DESCRIPTION, MAX_TITLE, Event, Kind, RosterVisibility
from .services import (
    CANCEL_REASON_PATH,
    DESCRIPTION_PATH,
    MAX_CANCEL_REASON,
    MAX_SHIFT_TITLE,
    SHIFT_TITLE_PATH,
    TITLE_PATH,
    time_zone_names,
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_QUERY = 200


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any):
        super().__init__(format=LOCAL_FORMAT, **kwargs)


def local(value: Any, zone_name: str) -> str:
    """An aware datetime as the ``datetime-local`` text in the event's zone."""
    if not value:
        return ""
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return str(value.astimezone(zone).strftime(LOCAL_FORMAT))


class EventForm(forms.Form):
    """Create and edit. Times are entered in the event's own time zone."""

    title = forms.CharField(
        max_length=MAX_TITLE, widget=forms.TextInput(attrs=preview_attrs(TITLE_PATH))
    )
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.NETWORKING)
    description = forms.CharField(
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 8, **preview_attrs(DESCRIPTION_PATH)}),
        help_text="Markdown. What happens, who it is for, what to bring.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone of the times below",
        help_text="Attendees see the times in their own zone, with this one noted.",
    )
    starts_at = forms.CharField(label="Starts", widget=LocalDateTimeInput(), max_length=40)
    ends_at = forms.CharField(label="Ends", widget=LocalDateTimeInput(), max_length=40)
    registration_deadline = forms.CharField(
        label="Registration closes",
        required=False,
        widget=LocalDateTimeInput(),
        max_length=40,
        help_text="Optional; by default registration is open until the event starts.",
    )
    is_online = forms.BooleanField(label="Online event", required=False)
    join_url = forms.CharField(
        label="Join link",
        required=False,
        max_length=500,
        help_text="Shown only to the organizers and to members who are going.",
    )
    venue = forms.CharField(required=False, max_length=200)
    address = forms.CharField(required=False, max_length=300)
    city = forms.CharField(required=False, max_length=100)
    country = forms.CharField(required=False, max_length=100)
    capacity = forms.CharField(
        required=False,
        max_length=10,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text="Places; when full, members join the waitlist. Empty: no limit.",
    )
    cme_credits = forms.CharField(
        label="CME credits",
        required=False,
        max_length=10,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.25"}),
    )
    specialties = forms.ModelMultipleChoiceField(
        queryset=Specialty.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    topics = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma-separated topic codes, e.g. quality-improvement, medical-education.",
    )
    skills = forms.CharField(
        label="Skills needed (volunteering)",
        required=False,
        max_length=1200,
        help_text="Comma-separated, e.g. spanish, phlebotomy.",
    )
    organization = forms.ChoiceField(required=False, label="On behalf of")
    group = forms.ChoiceField(
        required=False,
        label="Group",
        help_text="A group's event is visible to whoever can read the group.",
    )
    acknowledge_warnings = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: Any, event: Event | None = None, **kwargs: Any) -> None:
        if event is not None and not args and "data" not in kwargs:
            kwargs.setdefault("initial", initial_for(event))
        super().__init__(*args, **kwargs)
        _choice_field(self, "time_zone").choices = time_zone_choices()
        self.fields["time_zone"].initial = getattr(actor, "time_zone", "") or "UTC"
        from rounds.profiles.models import Organization

        orgs = (
            Organization.objects.filter(affiliations__user=actor, affiliations__is_current=True)
            .distinct()
            .order_by("name")
        )
        _choice_field(self, "organization").choices = [("", "Myself")] + [
            (org.slug, org.name) for org in orgs
        ]
        if event is not None:
            del self.fields["group"]
        else:
            from rounds.community.models import Group

            groups = Group.objects.filter(
                memberships__user=actor, memberships__state="active"
            ).order_by("name")
            _choice_field(self, "group").choices = [("", "No group")] + [
                (group.slug, group.name) for group in groups
            ]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("acknowledge_warnings", None)
        data["specialties"] = [s.slug for s in data.get("specialties") or []]
        return data


def initial_for(event: Event) -> dict[str, Any]:
    zone = event.time_zone
    return {
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "time_zone": zone,
        "starts_at": local(event.starts_at, zone),
        "ends_at": local(event.ends_at, zone),
        "registration_deadline": local(event.registration_deadline, zone),
        "is_online": event.is_online,
        "join_url": event.join_url,
        "venue": event.venue,
        "address": event.address,
        "city": event.city,
        "country": event.country,
        "capacity": event.capacity or "",
        "cme_credits": event.cme_credits or "",
        "specialties": [s.slug for s in event.specialties.all()],
        "topics": ", ".join(t.slug for t in event.topics.all()),
        "skills": ", ".join(s.name for s in event.skills.all()),
        "organization": event.organization.slug if event.organization else "",
    }


class CancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=MAX_CANCEL_REASON,
        widget=forms.Textarea(attrs={"rows": 3, **preview_attrs(CANCEL_REASON_PATH)}),
        help_text="Sent to everyone registered.",
    )
    acknowledge_warnings = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CoOrganizerForm(forms.Form):
    handle = forms.CharField(
        max_length=41, help_text="The member's handle, as in their profile address."
    )


class ShiftForm(forms.Form):
    title = forms.CharField(
        label="Shift",
        max_length=MAX_SHIFT_TITLE,
        widget=forms.TextInput(attrs=preview_attrs(SHIFT_TITLE_PATH)),
    )
    starts_at = forms.CharField(label="Starts", widget=LocalDateTimeInput(), max_length=40)
    ends_at = forms.CharField(label="Ends", widget=LocalDateTimeInput(), max_length=40)
    capacity = forms.CharField(
        required=False, max_length=10, widget=forms.NumberInput(attrs={"min": 1})
    )
    acknowledge_warnings = forms.BooleanField(required=False, widget=forms.HiddenInput)


class VisibilityForm(forms.Form):
    roster_visibility = forms.ChoiceField(
        choices=RosterVisibility.choices, widget=forms.RadioSelect, label="On the attendee list"
    )


class DiscoveryForm(forms.Form):
    """The filters of /events/ (all optional; junk is ignored, never an error page)."""

    q = forms.CharField(required=False, max_length=MAX_QUERY, label="Words in the title")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    where = forms.ChoiceField(
        required=False,
        label="Where",
        choices=[("", "In person or online"), ("online", "Online"), ("in_person", "In person")],
    )
    city = forms.CharField(required=False, max_length=100)
    specialty = forms.SlugField(required=False, max_length=80)
    topic = forms.SlugField(required=False, max_length=80)
    skill = forms.SlugField(required=False, max_length=50, label="Volunteering skill")
    cme = forms.BooleanField(required=False, label="Offers CME credits")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        for name, value in (("date_from", start), ("date_to", end)):
            if value is not None and not (2000 <= value.year <= 9000):
                data[name] = None
        return data
