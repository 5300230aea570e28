from __future__ import annotations

from typing import Any

from django import forms

from rounds.profiles.models import Role


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's signup form: the name and role a new profile starts with."""

    display_name = forms.CharField(
        label="Your name as colleagues know it",
        max_length=120,
        help_text="Shown on your profile to other members.",
    )
    role = forms.ChoiceField(label="Your role", choices=Role.choices, initial=Role.PHYSICIAN)

    def signup(self, request: Any, user: Any) -> None:
        from rounds.profiles.services import profile_create_for_user

        profile_create_for_user(
            user=user,
            display_name=self.cleaned_data["display_name"],
            role=self.cleaned_data["role"],
        )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=80, help_text="For example: “reference manager sync”."
    )


class TimeZoneForm(forms.Form):
    """The zone pages show times in (events, messages...); the service validates the name."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Times on Rounds are shown in this zone. Empty: UTC.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from rounds.events.forms import time_zone_choices

        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "UTC (not set)"), *time_zone_choices()]
