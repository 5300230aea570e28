"""HTML forms of the network pages: they parse and shape input; the services in
``rounds.network.services`` remain the authority on what is valid (note length, labels, types,
interaction kinds) and their errors are copied onto these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from rounds.core.publishing import preview_attrs

from .models import Interaction, Label, NetworkType
from .services import CONNECTION_NOTE_PATH, MAX_NOTE

MAX_QUERY = 100
#: The dormant periods a member can choose on My Network (days).
DORMANT_CHOICES = [("90", "90 days"), ("180", "6 months"), ("365", "a year")]
DEFAULT_DORMANT_DAYS = 180
#: "We met" and "call" are what a member logs by hand; other kinds come from other features.
MANUAL_INTERACTION_KINDS = [
    (Interaction.Kind.MET.value, "We met"),
    (Interaction.Kind.CALL.value, "We had a call"),
]
OLDEST_INTERACTION = dt.timedelta(days=3650)

LABEL_CHOICES = [("", "No label"), *Label.choices]
TYPE_CHOICES = [("", "Use the proposal"), *NetworkType.choices]
INVALID_LABEL = "Choose one of the listed relationships."
INVALID_TYPE = "Choose operational, personal or strategic, or go back to the proposal."


class ConnectForm(forms.Form):
    """A connection request: an optional personal note of at most 500 characters, checked by
    the professionalism guard while composing (``to_handle``: the recipient) and on submit."""

    note = forms.CharField(
        label="Personal note",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_NOTE, "data-counter": ""}),
        help_text=f"Up to {MAX_NOTE} characters. Only they will see it, with your request.",
        error_messages={
            "max_length": "Keep the note to %(limit_value)d characters (this one has "
            "%(show_value)d)."
        },
    )

    def __init__(self, *args: Any, to_handle: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The professionalism guard's findings show while composing (the recipient's name
        # is a colleague's, not a patient's).
        self.fields["note"].widget.attrs.update(
            preview_attrs(CONNECTION_NOTE_PATH, to_handle=to_handle)
        )
        self.fields["note"].widget.attrs["placeholder"] = (
            "For example: “I enjoyed your talk on sepsis bundles at the regional meeting. "
            "I am starting a QI project on the same topic and would value your perspective.”"
        )


class ConnectionFilterForm(forms.Form):
    """The connections list's GET filters. Unknown values are errors (400), never ignored."""

    type = forms.ChoiceField(
        label="Network",
        required=False,
        choices=[("", "All networks"), *NetworkType.choices],
        error_messages={"invalid_choice": INVALID_TYPE},
    )
    label = forms.ChoiceField(
        label="Your label",
        required=False,
        choices=[("", "Any label"), *Label.choices],
        error_messages={"invalid_choice": INVALID_LABEL},
    )
    q = forms.CharField(label="Name or headline", required=False, max_length=MAX_QUERY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"

    @property
    def has_filters(self) -> bool:
        return bool(self.is_valid() and any(self.cleaned_data.values()))


class LabelForm(forms.Form):
    label = forms.ChoiceField(
        label="Your label",
        required=False,
        choices=LABEL_CHOICES,
        error_messages={"invalid_choice": INVALID_LABEL},
    )


class NetworkTypeForm(forms.Form):
    network_type = forms.ChoiceField(
        label="Network",
        required=False,
        choices=TYPE_CHOICES,
        error_messages={"invalid_choice": INVALID_TYPE},
    )


class InteractionForm(forms.Form):
    """Log "we met" or "we had a call" on a date (today by default, never in the future)."""

    kind = forms.ChoiceField(
        label="What happened",
        choices=MANUAL_INTERACTION_KINDS,
        error_messages={"invalid_choice": "Choose “We met” or “We had a call”."},
    )
    occurred_on = forms.DateField(
        label="When",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date like 2025-03-14."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"kind": Interaction.Kind.MET.value, "occurred_on": today})
        super().__init__(*args, **kwargs)
        attrs = self.fields["occurred_on"].widget.attrs
        attrs["max"] = today.isoformat()
        attrs["min"] = (today - OLDEST_INTERACTION).isoformat()

    def clean_occurred_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["occurred_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError("An interaction cannot be in the future.")
        if day < today - OLDEST_INTERACTION:
            raise forms.ValidationError("Choose a date within the last ten years.")
        return day

    def occurred_at(self) -> dt.datetime:
        """The moment to record: now for today, midday (local time) for an earlier day."""
        day: dt.date = self.cleaned_data["occurred_on"]
        if day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


class HealthPeriodForm(forms.Form):
    """My Network's choice of dormant period."""

    dormant = forms.ChoiceField(
        label="Count a tie as dormant after",
        required=False,
        choices=DORMANT_CHOICES,
        error_messages={"invalid_choice": "Choose 90 days, 6 months or a year."},
    )

    def dormant_days(self) -> int:
        """The chosen period in days; the default when none (or an invalid one) was given."""
        if self.is_valid() and self.cleaned_data["dormant"]:
            return int(self.cleaned_data["dormant"])
        return DEFAULT_DORMANT_DAYS
