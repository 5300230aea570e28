"""Error mapping for HTML views (rounds.core.http) and the error pages' layout."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from rounds.core import views as core_views
from rounds.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from rounds.core.http import apply_service_errors, map_errors


def _request() -> HttpRequest:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    return request


def test_not_found_becomes_http404():
    """NotFound raised in a view becomes Django's Http404."""

    @map_errors
    def view(request: HttpRequest) -> HttpResponse:
        raise NotFound("gone")

    with pytest.raises(Http404):
        view(_request())


def test_forbidden_becomes_permission_denied():
    """Forbidden raised in a view becomes PermissionDenied (403)."""

    @map_errors
    def view(request: HttpRequest) -> HttpResponse:
        raise Forbidden("no")

    with pytest.raises(PermissionDenied):
        view(_request())


@pytest.mark.django_db
def test_unhandled_application_error_is_an_error_page_with_its_status():
    """An ApplicationError a view did not handle becomes a page with its status and message."""

    @map_errors
    def view(request: HttpRequest) -> HttpResponse:
        raise Conflict("Already done.")

    response = view(_request())
    assert response.status_code == 409
    assert "Already done." in response.content.decode()
    assert "Skip to main content" in response.content.decode()


def test_service_errors_land_on_their_fields():
    """Service field errors attach to matching form fields; others become form-wide errors."""
    from django import forms

    class Form(forms.Form):
        name = forms.CharField(required=False)

    form = Form({"name": "x"})
    assert form.is_valid()
    apply_service_errors(
        form, ValidationFailed("bad", errors={"name": ["Too short."], "other": ["Nope."]})
    )
    assert form.errors["name"] == ["Too short."]
    assert form.non_field_errors() == ["Nope."]


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (core_views.bad_request, 400),
        (core_views.forbidden, 403),
        (core_views.not_found, 404),
    ],
)
@pytest.mark.django_db
def test_error_handlers_render_with_our_layout(handler, status):
    """The 400/403/404 handlers render errors/error.html inside the Rounds layout."""
    response = handler(_request(), Exception())
    assert response.status_code == status
    html = response.content.decode()
    assert "Skip to main content" in html
    assert f"Error {status}" in html


@pytest.mark.django_db
def test_server_error_handler_renders_with_our_layout():
    """The 500 handler renders the error page too."""
    response = core_views.server_error(_request())
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
