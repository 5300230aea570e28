"""HTML forms of the notebook pages. They parse and shape input; the services remain the
authority on what is valid and their errors are copied onto these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from rounds.core.publishing import preview_attrs
from rounds.network.models import NetworkType
from rounds.network.services import CONNECTION_NOTE_PATH

from .models import MAX_CADENCE, MIN_CADENCE, ContactNote, ContactTag
from .services import (
    HOW_MET_PATH,
    MAX_EMAIL,
    MAX_HOW_MET,
    MAX_NAME,
    MAX_NOTE,
    MAX_PHONE,
    MAX_TAG_NAME,
    MAX_TEXT,
    MAX_URL,
    NOTE_PATH,
    OLDEST_NOTE,
)

MAX_QUERY = 100
MAX_UPLOAD = 5 * 1024 * 1024
TYPE_CHOICES = [("", "Propose from the organization"), *NetworkType.choices]
FILTER_TYPE_CHOICES = [("", "All networks"), *NetworkType.choices]
KIND_CHOICES = [
    ("", "Members and others"),
    ("member", "Rounds members"),
    ("other", "Not on Rounds"),
]
LOG_KINDS = [
    (ContactNote.Kind.CALL.value, "We had a call"),
    (ContactNote.Kind.COFFEE.value, "We had coffee"),
    (ContactNote.Kind.MEETING.value, "We met"),
    (ContactNote.Kind.EMAIL.value, "We emailed"),
    (ContactNote.Kind.OTHER.value, "Another conversation"),
    (ContactNote.Kind.NOTE.value, "Just a note (no conversation)"),
]
QUICK_LOG_KINDS = LOG_KINDS[:3]
CADENCE_HELP = (
    f"Between {MIN_CADENCE} days and {MAX_CADENCE // 365} years. Leave empty to use the "
    "cadence of its tags, or your default for its network."
)


def _cadence_field(label: str = "Keep in touch every (days)", required: bool = False) -> Any:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=MIN_CADENCE,
        max_value=MAX_CADENCE,
        error_messages={
            "invalid": "Enter a number of days.",
            "min_value": f"Choose at least {MIN_CADENCE} days.",
            "max_value": f"Choose at most {MAX_CADENCE} days.",
        },
    )


class ContactFilterForm(forms.Form):
    """The notebook list's GET filters. Unknown values are errors (400), never ignored."""

    q = forms.CharField(label="Name, organization or email", required=False, max_length=MAX_QUERY)
    tag = forms.TypedChoiceField(label="Tag", required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(label="Network", required=False, choices=FILTER_TYPE_CHOICES)
    kind = forms.ChoiceField(label="Who", required=False, choices=KIND_CHOICES)
    archived = forms.BooleanField(label="Show archived contacts", required=False)

    def __init__(self, *args: Any, tags: list[ContactTag] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        tag_field = self.fields["tag"]
        assert isinstance(tag_field, forms.TypedChoiceField)
        tag_field.choices = [("", "Any tag"), *((str(t.pk), t.name) for t in tags or [])]

    @property
    def has_filters(self) -> bool:
        return bool(self.is_valid() and any(self.cleaned_data.values()))


class ContactForm(forms.Form):
    """Add or edit a contact. "How we met" passes the professionalism guard."""

    name = forms.CharField(label="Name", max_length=MAX_NAME)
    organization = forms.CharField(label="Organization", required=False, max_length=MAX_TEXT)
    title = forms.CharField(label="Title or role", required=False, max_length=MAX_TEXT)
    email = forms.EmailField(label="Email", required=False, max_length=MAX_EMAIL)
    phone = forms.CharField(label="Phone", required=False, max_length=MAX_PHONE)
    url = forms.CharField(
        label="LinkedIn or web page",
        required=False,
        max_length=MAX_URL,
        help_text="An address starting with https://",
    )
    how_met = forms.CharField(
        label="How we met",
        required=False,
        max_length=MAX_HOW_MET,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_HOW_MET}),
        help_text="Where and how you met, in a sentence. Never anything about a patient.",
    )
    network_type = forms.ChoiceField(label="Network", required=False, choices=TYPE_CHOICES)
    cadence_days = _cadence_field()
    tags = forms.MultipleChoiceField(
        label="Tags", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, tags: list[ContactTag] | None = None, member: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["how_met"].widget.attrs.update(preview_attrs(HOW_MET_PATH))
        self.fields["cadence_days"].help_text = CADENCE_HELP
        tag_field = self.fields["tags"]
        assert isinstance(tag_field, forms.MultipleChoiceField)
        tag_field.choices = [(str(t.pk), t.name) for t in tags or []]
        if member:
            network = self.fields["network_type"]
            assert isinstance(network, forms.ChoiceField)
            network.choices = [("", "Use the proposal"), *NetworkType.choices]
            network.help_text = (
                "Your private network type for this connection (also on your connections page)."
            )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "name",
                "organization",
                "title",
                "email",
                "phone",
                "url",
                "how_met",
                "network_type",
                "cadence_days",
            )
        }


def _date_field(label: str = "When") -> Any:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date like 2025-03-14."},
    )


class NoteForm(forms.Form):
    """Log a conversation or write a note: what they care about, their needs and concerns."""

    kind = forms.ChoiceField(
        label="What happened",
        choices=LOG_KINDS,
        error_messages={"invalid_choice": "Choose one of the listed kinds."},
    )
    occurred_on = _date_field()
    body = forms.CharField(
        label="Your note",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_NOTE, "data-counter": ""}),
        help_text=(
            "What they care about, their needs and concerns, and anything you agreed. "
            f"Up to {MAX_NOTE:,} characters. Only you can see it."
        ),
    )

    def __init__(self, *args: Any, contact_name: str = "", **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"kind": ContactNote.Kind.CALL.value, "occurred_on": today})
        super().__init__(*args, **kwargs)
        attrs = self.fields["occurred_on"].widget.attrs
        attrs["max"] = today.isoformat()
        attrs["min"] = (today - OLDEST_NOTE).isoformat()
        self.fields["body"].widget.attrs.update(preview_attrs(NOTE_PATH))
        if contact_name:
            self.fields["body"].widget.attrs["placeholder"] = (
                f"For example: {contact_name.split()[0]} is starting a QI project on sepsis "
                "bundles and wants a co-author; worried about protected time next year."
            )

    def clean_occurred_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["occurred_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError("A note cannot be in the future.")
        if day < today - OLDEST_NOTE:
            raise forms.ValidationError("Choose a date within the last ten years.")
        return day


class QuickLogForm(forms.Form):
    """The due list's one-click "we had a call / coffee / met" (today unless a date is given)."""

    kind = forms.ChoiceField(
        label="What happened",
        choices=QUICK_LOG_KINDS,
        error_messages={"invalid_choice": "Choose call, coffee or meeting."},
    )
    occurred_on = forms.DateField(
        label="When", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CadenceForm(forms.Form):
    cadence_days = _cadence_field()


class TagsForm(forms.Form):
    tags = forms.MultipleChoiceField(
        label="Tags", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, tags: list[ContactTag] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tag_field = self.fields["tags"]
        assert isinstance(tag_field, forms.MultipleChoiceField)
        tag_field.choices = [(str(t.pk), t.name) for t in tags or []]


class TagForm(forms.Form):
    name = forms.CharField(label="Tag name", max_length=MAX_TAG_NAME)
    cadence_days = _cadence_field("Keep in touch every (days), for contacts with this tag")


class SettingsForm(forms.Form):
    operational_days = _cadence_field("Operational network (days)", required=True)
    personal_days = _cadence_field("Personal network (days)", required=True)
    strategic_days = _cadence_field("Strategic network (days)", required=True)


class UploadForm(forms.Form):
    """One file, at most 5 MB."""

    file = forms.FileField(label="File")

    def __init__(self, *args: Any, accept: str = "", label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if accept:
            self.fields["file"].widget.attrs["accept"] = accept
        if label:
            self.fields["file"].label = label

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload


class ConfirmImportForm(forms.Form):
    """The optional personal note sent with every connection request of an import (checked by
    the professionalism guard while composing and on confirm)."""

    note = forms.CharField(
        label="Personal note with your connection requests",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text="Optional. Each person you chose sees it with your request; nobody else does.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs.update(preview_attrs(CONNECTION_NOTE_PATH))
