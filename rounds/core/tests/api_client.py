"""A small JSON client for API tests: bearer tokens, JSON bodies, raw bodies."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client

API = "/api/v1"
_UNSET: Any = object()


class ApiClient:
    """Wraps Django's test client: ``api.get("/members")``, ``api.patch(path, {...})``.

    With ``token`` every request carries ``Authorization: Bearer <token>``; without it the
    wrapped client's session (if any) is used.
    """

    def __init__(self, client: Client | None = None, *, token: str | None = None):
        self.client = client or Client()
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: Any = None, **kwargs: Any) -> HttpResponse:
        headers = self.headers(kwargs.pop("headers", None))
        return self.client.get(API + path, params or {}, headers=headers, **kwargs)

    def send(
        self,
        method: str,
        path: str,
        body: Any = _UNSET,
        *,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> HttpResponse:
        """Send ``body`` as JSON, or ``raw`` bytes as they are."""
        data: Any = raw if raw is not None else ("" if body is _UNSET else json.dumps(body))
        call = getattr(self.client, method.lower())
        return call(
            API + path,
            data=data,
            content_type=content_type,
            headers=self.headers(headers),
            **kwargs,
        )

    def post(self, path: str, body: Any = _UNSET, **kwargs: Any) -> HttpResponse:
        return self.send("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = _UNSET, **kwargs: Any) -> HttpResponse:
        return self.send("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = _UNSET, **kwargs: Any) -> HttpResponse:
        return self.send("PATCH", path, body, **kwargs)

    def delete(self, path: str, body: Any = _UNSET, **kwargs: Any) -> HttpResponse:
        return self.send("DELETE", path, body, **kwargs)

    def upload(self, path: str, files: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """Multipart POST (``files`` maps field names to file objects or strings)."""
        return self.client.post(
            API + path, data=files, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )


def token_for(user: Any, name: str = "tests") -> str:
    """A fresh API token secret for ``user``."""
    from rounds.accounts.services import api_token_create

    return api_token_create(actor=user, name=name)[1]


def api_as(user: Any) -> ApiClient:
    """An ApiClient authenticated as ``user`` with a bearer token."""
    return ApiClient(token=token_for(user))


def assert_error(response: HttpResponse, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert a JSON error of ``status`` (with a message on ``field``) and return its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    data = response.json()
    assert isinstance(data.get("detail"), str) and data["detail"], data
    assert isinstance(data.get("errors"), dict), data
    if field is not None:
        assert field in data["errors"], data
        assert data["errors"][field] and all(isinstance(m, str) for m in data["errors"][field])
    return data
