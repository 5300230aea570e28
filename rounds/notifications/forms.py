"""Forms of the notification pages: email delivery per kind, and marking all read."""

from __future__ import annotations

from typing import Any

from django import forms

from rounds.core.http import MAX_ID

from .models import Kind
from .selectors import DELIVERY_CHOICES, PreferenceRow


class PreferencesForm(forms.Form):
    """One radio group per kind (field name = the kind, e.g. ``connection.request``).

    Kinds missing from the submitted data keep their delivery; ``all_off`` turns every kind
    off at once.
    """

    all_off = forms.BooleanField(required=False)

    def __init__(self, *args: Any, rows: list[PreferenceRow], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[row.kind] = forms.ChoiceField(
                label=row.label, choices=DELIVERY_CHOICES, required=False, initial=row.delivery
            )

    def changes(self) -> dict[str, str]:
        """``{kind: delivery}`` for the kinds submitted (all "off" with ``all_off``)."""
        if self.cleaned_data.get("all_off"):
            return dict.fromkeys(Kind.values, "off")
        return {
            row.kind: self.cleaned_data[row.kind]
            for row in self.rows
            if self.cleaned_data.get(row.kind)
        }


class MarkAllReadForm(forms.Form):
    """Mark all read, up to the newest notification the member saw (optional)."""

    up_to_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    show = forms.ChoiceField(required=False, choices=[("", "All"), ("unread", "Unread")])
