from __future__ import annotations

from django import forms

from .services import MAX_PASSWORD_LENGTH

CONTRIBUTION_CHOICES = [
    ("remove", "Remove them"),
    ("anonymise", "Keep them, shown as “Former member”"),
]


class DeletionRequestForm(forms.Form):
    """Ask for the account to be deleted: what happens to public contributions, and the
    current password to confirm it is really the member."""

    contributions = forms.ChoiceField(
        label="Your posts, comments and replies",
        choices=CONTRIBUTION_CHOICES,
        initial="remove",
        widget=forms.RadioSelect,
        help_text=(
            "Removing them deletes them for everyone. Keeping them leaves the text where "
            "others replied to it, under “Former member”, without your name or photo."
        ),
    )
    password = forms.CharField(
        label="Your current password",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    @property
    def anonymise(self) -> bool:
        return self.cleaned_data.get("contributions") == "anonymise"
