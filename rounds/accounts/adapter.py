from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: new members land on their profile editor after confirming their email."""

    def get_signup_redirect_url(self, request: Any) -> str:
        return reverse("profiles:edit")

    def get_email_verification_redirect_url(self, email_address: Any) -> str:
        return reverse("profiles:edit")
