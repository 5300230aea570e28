from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: new members land on their profile editor after confirming their email;
    members with a scheduled deletion land on the page where they can cancel it."""

    def get_signup_redirect_url(self, request: Any) -> str:
        return reverse("profiles:edit")

    def get_email_verification_redirect_url(self, email_address: Any) -> str:
        return reverse("profiles:edit")

    def get_login_redirect_url(self, request: Any) -> str:
        """A member whose account is scheduled for deletion lands on Settings → Your data,
        where the date and the cancel button are (unless a ``next`` page was asked for)."""
        user = getattr(request, "user", None)
        if getattr(user, "deletion_scheduled", False):
            return reverse("accounts:data")
        return str(super().get_login_redirect_url(request))
