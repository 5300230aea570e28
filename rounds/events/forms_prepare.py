"""HTML forms of the prepare and follow-up pages. They shape input; the services
(``preparation``) stay the authority on what is valid and their errors are copied here."""

from __future__ import annotations

from typing import Any

from django import forms

from rounds.core.publishing import preview_attrs
from rounds.network.services import CONNECTION_NOTE_PATH
from rounds.network.services import MAX_NOTE as MAX_CONNECTION_NOTE

from .models import MAX_GOAL, MAX_MET_NOTE, FollowUp
from .preparation import GOAL_PATH, MAX_GOAL_TAGS, MET_NOTE_PATH


class GoalForm(forms.Form):
    goal = forms.CharField(
        label="Your goal for this event",
        required=False,
        max_length=MAX_GOAL,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_GOAL, "data-counter": ""}),
        help_text=(
            "For example: “Meet two people doing quality-improvement research.” "
            "Only you can see it; it shapes who we suggest you meet."
        ),
    )
    goal_tags = forms.MultipleChoiceField(
        label="Goal tags",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Pick up to {MAX_GOAL_TAGS}.",
        error_messages={"invalid_choice": "Choose goals from the list."},
    )

    def __init__(self, *args: Any, goal_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tags = self.fields["goal_tags"]
        assert isinstance(tags, forms.MultipleChoiceField)
        tags.choices = goal_choices
        self.fields["goal"].widget.attrs.update(preview_attrs(GOAL_PATH))

    def clean_goal_tags(self) -> list[str]:
        tags: list[str] = self.cleaned_data.get("goal_tags") or []
        if len(tags) > MAX_GOAL_TAGS:
            raise forms.ValidationError(f"Pick at most {MAX_GOAL_TAGS} goal tags.")
        return tags


class MetNoteForm(forms.Form):
    note = forms.CharField(
        label="Your private note",
        required=False,
        max_length=MAX_MET_NOTE,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_MET_NOTE, "data-counter": ""}),
        help_text="What you talked about and what you agreed. Only you can see it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs.update(preview_attrs(MET_NOTE_PATH))


class ConnectForm(forms.Form):
    note = forms.CharField(
        label="Personal note",
        required=False,
        max_length=MAX_CONNECTION_NOTE,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": MAX_CONNECTION_NOTE, "data-counter": ""}
        ),
        help_text="Sent with your connection request; only they see it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs.update(preview_attrs(CONNECTION_NOTE_PATH))


class FollowUpForm(forms.Form):
    state = forms.ChoiceField(choices=FollowUp.choices)


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label="Find an attendee", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"

    def clean_q(self) -> str:
        value: str = self.cleaned_data.get("q") or ""
        if "\x00" in value:
            raise forms.ValidationError("Contains a character that is not allowed.")
        return value.strip()
