"""JSON API for the signed-in member's account: personal access tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rounds.core.api_utils import (
    MAX_ID,
    PageOut,
    PageParams,
    error_responses,
    member_auth,
    page_out,
    viewer_of,
)
from rounds.core.pagination import paginate

from .models import ApiToken
from .schemas import TokenCreatedOut, TokenIn, TokenOut
from .selectors import api_token_list_for
from .services import api_token_create, api_token_revoke

router = Router(tags=["tokens"], auth=member_auth)


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }


@router.get(
    "",
    response={200: PageOut[TokenOut], **error_responses(401, 422)},
    summary="Your API tokens",
    description="Active tokens first, then revoked ones. Secrets are never shown again.",
)
def token_list(
    request: HttpRequest,
    params: Query[PageParams],
) -> dict[str, Any]:
    qs = api_token_list_for(viewer=viewer_of(request))
    return page_out(paginate(qs, page=params.page, size=params.page_size), token_out)


@router.post(
    "",
    response={201: TokenCreatedOut, **error_responses(400, 401, 403, 422)},
    summary="Create an API token",
    description=("Returns the secret once; store it safely. At most 20 active tokens per member."),
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, secret = api_token_create(actor=viewer_of(request), name=payload.name)
    return Status(201, {**token_out(token), "secret": secret})


@router.delete(
    "/{token_id}",
    response={200: TokenOut, **error_responses(401, 403, 404, 422)},
    summary="Revoke an API token",
    description="The token stops working at once. Revoking twice is harmless.",
)
def token_revoke(
    request: HttpRequest,
    token_id: int = Path(..., ge=1, le=MAX_ID),
) -> dict[str, Any]:
    return token_out(api_token_revoke(actor=viewer_of(request), token_id=token_id))
