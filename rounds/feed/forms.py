"""HTML forms of the feed. They shape input; the services stay the authority (length,
audience, groups, the professionalism guard) and their errors are copied onto these forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from rounds.core.publishing import preview_attrs

from .models import MAX_COMMENT, MAX_POST, Audience
from .services import COMMENT_PATH, POST_PATH

POST_HELP = (
    f"Up to {MAX_POST:,} characters. Markdown: **bold**, *italic*, lists and links; #topics "
    "link to their topic page. Never include anything that could identify a patient."
)
AUDIENCE_HELP = {
    Audience.PUBLIC: "Anyone, including visitors who are not signed in.",
    Audience.MEMBERS: "Signed-in members of Rounds.",
    Audience.CONNECTIONS: "Only your connections.",
    Audience.GROUP: "Members of the group you choose (public groups: anyone who reads it).",
}


def _body(label: str, limit: int, rows: int, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit, "data-counter": ""}),
        error_messages={
            "required": f"Write your {label.lower()} first.",
            "max_length": "Keep it to %(limit_value)d characters (this one has %(show_value)d).",
        },
    )


class PostForm(forms.Form):
    """The composer: text, audience and (for a group audience) the group."""

    body = _body("Post", MAX_POST, 4)
    audience = forms.ChoiceField(
        label="Who can see this",
        choices=Audience.choices,
        initial=Audience.PUBLIC,
        required=False,
        help_text="Anyone, unless you choose otherwise.",
    )
    group = forms.ChoiceField(label="Group", required=False, choices=[("", "—")])

    def __init__(self, *args: Any, groups: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = POST_HELP
        self.fields["body"].widget.attrs.update(preview_attrs(POST_PATH))
        self.fields["body"].widget.attrs["placeholder"] = "Share an insight, a paper, a question…"
        group_field = self.fields["group"]
        audience_field = self.fields["audience"]
        assert isinstance(group_field, forms.ChoiceField)
        assert isinstance(audience_field, forms.ChoiceField)
        group_field.choices = [("", "— choose a group —"), *groups]
        if not groups:
            audience_field.choices = [c for c in Audience.choices if c[0] != Audience.GROUP]
            self.fields["group"].widget = forms.HiddenInput()


class RepostForm(PostForm):
    body = _body("Your comment", MAX_POST, 3, required=False)


class EditForm(forms.Form):
    body = _body("Post", MAX_POST, 6)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = POST_HELP
        self.fields["body"].widget.attrs.update(preview_attrs(POST_PATH))


class CommentForm(forms.Form):
    body = _body("Comment", MAX_COMMENT, 2)
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.update(preview_attrs(COMMENT_PATH))
