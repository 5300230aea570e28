"""Forms of the moderation pages: report, act on a report, suspend, filter the queue."""

from __future__ import annotations

from django import forms

from .models import MAX_DETAILS, MAX_REASON, ModerationAction, Reason, Report
from .services import MAX_SUSPENSION_DAYS, REPORT_ACTIONS

Action = ModerationAction.Action


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you reporting this?", choices=Reason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label="Details for the moderators",
        required=False,
        max_length=MAX_DETAILS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Only moderators read this; the author is not told who reported them. "
            f"At most {MAX_DETAILS:,} characters."
        ),
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        label="Decision",
        choices=[(a.value, Action(a).label) for a in REPORT_ACTIONS],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason the author will read",
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required unless you dismiss the reports. Be specific and professional.",
    )
    days = forms.IntegerField(
        label="Suspend for (days)",
        required=False,
        min_value=1,
        max_value=MAX_SUSPENSION_DAYS,
        help_text="Staff only. Leave empty to suspend until a moderator lifts it.",
    )

    def __init__(self, *args: object, staff: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not staff:
            field = self.fields["action"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                (a.value, Action(a).label) for a in REPORT_ACTIONS if a != Action.SUSPEND
            ]
            del self.fields["days"]


class SuspendForm(forms.Form):
    handle = forms.CharField(label="Member's handle", max_length=40)
    days = forms.IntegerField(
        label="Days",
        required=False,
        min_value=1,
        max_value=MAX_SUSPENSION_DAYS,
        help_text="Leave empty to suspend until lifted.",
    )
    reason = forms.CharField(
        label="Reason the member will read",
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[*Report.State.choices, ("all", "All")],
    )
    reason = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "Any reason"), *Reason.choices]
    )
