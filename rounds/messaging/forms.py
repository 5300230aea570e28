"""HTML forms of the message pages. They parse and shape input; the services in
``rounds.messaging.services`` remain the authority on what may be sent (length, recipients,
blocks, the professionalism guard) and their errors are copied onto these forms."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from rounds.core.publishing import preview_attrs

from .models import MAX_BODY, MAX_PARTICIPANTS
from .selectors import MAX_QUERY, MIN_QUERY
from .services import MESSAGE_PATH

#: Longest handle the lookups accept (see rounds.profiles.access).
MAX_HANDLE = 220
_SEPARATORS = re.compile(r"[\s,;]+")

BODY_HELP = (
    f"Up to {MAX_BODY:,} characters. Markdown-light: **bold**, *italic*, lists and links. "
    "Never include anything that could identify a patient."
)


def parse_handles(value: str) -> list[str]:
    """Handles from "ana-ruiz, @ben okafor-md": split on commas, semicolons and spaces, "@"
    dropped, duplicates removed (order kept)."""
    handles: list[str] = []
    for part in _SEPARATORS.split(value or ""):
        handle = part.strip().lstrip("@")
        if handle and handle.lower() not in {h.lower() for h in handles}:
            handles.append(handle)
    return handles


def _body_field() -> forms.CharField:
    return forms.CharField(
        label="Message",
        max_length=MAX_BODY,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_BODY, "data-counter": ""}),
        help_text=BODY_HELP,
        error_messages={
            "required": "Write a message first.",
            "max_length": "Keep a message to %(limit_value)d characters (this one has "
            "%(show_value)d).",
        },
    )


class MessageForm(forms.Form):
    """A reply in a conversation, checked by the guard while composing and on submit."""

    body = _body_field()

    def __init__(self, *args: Any, to_handle: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.update(preview_attrs(MESSAGE_PATH, to_handle=to_handle))
        self.fields["body"].widget.attrs["placeholder"] = "Write a message…"


class ComposeForm(forms.Form):
    """A new conversation: one member, or up to 19 of your connections, and the first message."""

    to = forms.CharField(
        label="To",
        max_length=(MAX_HANDLE + 2) * (MAX_PARTICIPANTS - 1),
        help_text=(
            "A member's handle (as in their profile address). For a group, up to "
            f"{MAX_PARTICIPANTS - 1} of your connections' handles, separated by commas."
        ),
        error_messages={"required": "Choose who to write to."},
    )
    body = _body_field()

    def __init__(self, *args: Any, to_handle: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.update(preview_attrs(MESSAGE_PATH, to_handle=to_handle))
        self.fields["body"].widget.attrs["placeholder"] = (
            "For example: “I read your piece on handoffs in the ICU. We are redesigning ours; "
            "could I ask you two questions about what worked?”"
        )
        self.fields["to"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_to(self) -> list[str]:
        return _clean_handles(
            self.cleaned_data["to"], most=MAX_PARTICIPANTS - 1, empty="Choose who to write to."
        )


def _clean_handles(value: str, *, most: int, empty: str = "Choose who to add.") -> list[str]:
    """The handles in ``value`` (comma separated), at most ``most``; ValidationError else."""
    handles = parse_handles(value)
    if not handles:
        raise forms.ValidationError(empty)
    if len(handles) > most:
        raise forms.ValidationError(
            f"A conversation has at most {MAX_PARTICIPANTS} people, you included."
        )
    for handle in handles:
        if len(handle) > MAX_HANDLE or "\x00" in handle:
            raise forms.ValidationError("That is not a member's handle.")
    return handles


class AddPeopleForm(forms.Form):
    """People to add to a group conversation: handles of your connections."""

    to = forms.CharField(
        label="Add people",
        max_length=(MAX_HANDLE + 2) * (MAX_PARTICIPANTS - 1),
        help_text=(
            "Handles of your connections (as in their profile address), separated by commas. "
            "They will read what is said from now on, not what was said before."
        ),
        error_messages={"required": "Choose who to add."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_to(self) -> list[str]:
        return _clean_handles(self.cleaned_data["to"], most=MAX_PARTICIPANTS - 2)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search your messages",
        min_length=MIN_QUERY,
        max_length=MAX_QUERY,
        error_messages={
            "required": "Type a word or two to search for.",
            "min_length": f"Type at least {MIN_QUERY} characters.",
            "max_length": f"Search for at most {MAX_QUERY} characters.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"

    def clean_q(self) -> str:
        value: str = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError("The search contains a character that is not allowed.")
        return value
