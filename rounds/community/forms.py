"""HTML forms of the group pages. They shape input; the services stay the authority on what
is valid (and their errors are copied back onto these forms)."""

from __future__ import annotations

from typing import Any

from django import forms

from rounds.core.publishing import preview_attrs
from rounds.profiles.models import Specialty

from .models import (
    MAX_GROUP_DESCRIPTION,
    MAX_REPLY_BODY,
    MAX_THREAD_BODY,
    MAX_THREAD_TITLE,
    Visibility,
)
from .services import (
    GROUP_DESCRIPTION_PATH,
    GROUP_NAME_PATH,
    MAX_GROUP_NAME,
    REPLY_BODY_PATH,
    THREAD_BODY_PATH,
    THREAD_TITLE_PATH,
)

MAX_QUERY = 200


class GroupForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_GROUP_NAME,
        widget=forms.TextInput(attrs=preview_attrs(GROUP_NAME_PATH)),
    )
    slug = forms.SlugField(
        label="Address",
        required=False,
        max_length=80,
        help_text="The group's web address (/groups/…). Leave empty to derive it from the name.",
    )
    description = forms.CharField(
        label="About the group",
        required=False,
        max_length=MAX_GROUP_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6, **preview_attrs(GROUP_DESCRIPTION_PATH)}),
        help_text="Markdown. Who it is for and what members discuss. Shown to everyone who "
        "can see the group.",
    )
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
        label="Who can see it",
    )
    topics = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma-separated, e.g. health policy, quality improvement (up to 10).",
    )
    specialties = forms.ModelMultipleChoiceField(
        queryset=Specialty.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    organization = forms.SlugField(
        required=False,
        max_length=80,
        help_text="The address of an organization on Rounds that runs the group (optional).",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["specialties"] = [s.slug for s in data.get("specialties") or []]
        return data


class ThreadForm(forms.Form):
    title = forms.CharField(
        max_length=MAX_THREAD_TITLE, widget=forms.TextInput(attrs=preview_attrs(THREAD_TITLE_PATH))
    )
    body = forms.CharField(
        label="Your post",
        max_length=MAX_THREAD_BODY,
        widget=forms.Textarea(attrs={"rows": 8, **preview_attrs(THREAD_BODY_PATH)}),
        help_text="Markdown. Mention a member with @handle. Never identify a patient.",
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=MAX_REPLY_BODY,
        widget=forms.Textarea(attrs={"rows": 5, **preview_attrs(REPLY_BODY_PATH)}),
        help_text="Markdown. Mention a member with @handle.",
    )
    quoted_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class InviteForm(forms.Form):
    handle = forms.SlugField(label="Member's handle", max_length=40)


class DirectoryForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY, label="Search groups")
    topic = forms.CharField(required=False, max_length=MAX_QUERY)
    specialty = forms.CharField(required=False, max_length=MAX_QUERY)
    mine = forms.BooleanField(required=False, label="Only my groups")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY, label="Search discussions")
