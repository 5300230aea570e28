"""``POST /api/v1/guard/check``: the professionalism guard's report for a text, as JSON.

Thin: parse (``GuardCheckIn``) → the signed-in member's own professional details as the guard
context (so their office phone, work e-mail, NPI and name are never reported) → ``check()`` →
the report. Nothing is stored and the text is not logged; a blocked verdict is still a 200 here
(this endpoint only checks). Write endpoints that publish text return 422 with the same report
per field (``"guard": {..., "fields": {field: report}}``) when blocked or when warnings are not
acknowledged (``rounds.core.publishing``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from rounds.core.api_utils import error_responses, member_auth, viewer_of

from . import GuardContext, check
from .schemas import GuardCheckIn, GuardReportOut

router = Router(tags=["guard"], auth=member_auth)


def guard_context_for(user: Any, kind: str = "post") -> GuardContext:
    """The guard context for ``user`` publishing a ``kind`` of text: their name, NPI, profile
    phone and account e-mail are their own details, not a patient's.

    Reads the profile through the user's one-to-one accessor (one query, none if cached).
    Colleague names (connections) are left to the publishing paths that have them at hand.
    """
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    email = getattr(user, "email", "") or ""
    if profile is None:
        return GuardContext.build(kind, author_emails=[email])
    return GuardContext.build(
        kind,
        author_name=profile.display_name,
        author_npi=profile.npi or "",
        author_phones=[profile.phone],
        author_emails=[email],
    )


@router.post(
    "/check",
    response={200: GuardReportOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Check a text before publishing it",
    description=(
        "Runs the professionalism guard over `text`: patient information (HIPAA Safe Harbor "
        "identifiers in a patient context), offensive content and oversharing of your own "
        "personal details. Your own professional details (profile phone, account e-mail, NPI, "
        "name) are never reported. `verdict` is `block` when the text holds a high-confidence "
        "patient identifier (it cannot be published until edited), `warn` when it holds "
        "anything else worth a second look (it may be published after you confirm), `ok` "
        "otherwise. Offsets are character offsets into `text`. Nothing is stored."
    ),
)
def guard_check(request: HttpRequest, payload: GuardCheckIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    report = check(payload.text, context=guard_context_for(viewer, payload.kind))
    return report.to_dict()
