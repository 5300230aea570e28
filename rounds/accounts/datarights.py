"""Data rights of accounts: sign-in emails, two-factor status, API tokens, exports, deletion.

Export: ``account`` (emails, dates, two-factor on/off and its kinds — never a secret) and
``api_tokens`` (metadata — never the secret or its hash). Erase: the User row's cascade removes
tokens, email addresses, two-factor authenticators, exports and deletions; this removes what
a cascade cannot — export archives on disk and the member's email in the staff admin history.
Sessions are ended by the purge itself (``data_rights.services.account_purge``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from .data_rights.registry import scrub_admin_log
from .models import AccountDeletion, ApiToken, DataExport, User

EXPORT_DESCRIPTIONS = {
    "account": (
        "Your account: the email addresses you sign in with (verified, primary), when you "
        "joined and last signed in, whether two-factor authentication is on and which kinds "
        "(never its secrets or recovery codes), and any scheduled deletion."
    ),
    "api_tokens": (
        "Your personal API tokens: name, first characters, when created, last used and "
        "revoked (never the secret, nor its hash)."
    ),
}


def export_member_data(user: Any) -> dict[str, Any]:
    """The member's account data (see EXPORT_DESCRIPTIONS)."""
    methods = sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True)))
    deletion = (
        AccountDeletion.objects.filter(user=user, state=AccountDeletion.State.SCHEDULED)
        .values("created_at", "scheduled_for", "anonymise")
        .first()
    )
    account = {
        "email": user.email,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_staff": user.is_staff,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "two_factor": {
            "enabled": any(method != Authenticator.Type.RECOVERY_CODES for method in methods),
            "methods": methods,
        },
        "scheduled_deletion": (
            {
                "requested_at": deletion["created_at"],
                "scheduled_for": deletion["scheduled_for"],
                "public_contributions": "anonymise" if deletion["anonymise"] else "remove",
            }
            if deletion
            else None
        ),
        "data_exports": [
            {"requested_at": created, "state": state}
            for created, state in DataExport.objects.filter(user=user)
            .order_by("created_at", "id")
            .values_list("created_at", "state")
        ],
    }
    tokens = [
        {
            "name": token.name,
            "starts_with": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
        }
        for token in ApiToken.objects.filter(user=user).order_by("created_at", "id")
    ]
    return {"account": account, "api_tokens": tokens}


def erase_member_data(user: Any, *, anonymise: bool = False) -> None:
    """Delete export archives from disk (after commit) and scrub the member's email from the
    staff admin history; the cascade removes the rows. ``anonymise`` changes nothing here:
    an account holds no public contributions."""
    from .data_rights.services import delete_export_files_on_commit

    delete_export_files_on_commit(
        list(
            DataExport.objects.filter(user=user)
            .exclude(file_name="")
            .values_list("file_name", flat=True)
        )
    )
    scrub_admin_log(User, [user.pk])
