"""Per-member rate limits: counted per window, refused with 429 + Retry-After, windows reset."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from rounds.core.errors import RateLimited
from rounds.core.http import map_errors
from rounds.core.ratelimit import rate_limit

LIMITS = {"post": 3, "comment": 5, "thread": 1, "reply": 1, "report": 2, "message": 1}


@override_settings(RATE_LIMITS=LIMITS, RATE_LIMIT_WINDOW_SECONDS=3600)
def test_the_allowance_counts_down_then_refuses_with_retry_after():
    """Three posts pass (2, 1, 0 left); the fourth raises RateLimited with seconds to wait."""
    now = 7200.0 + 600  # ten minutes into a window
    assert [rate_limit(actor_id=1, action="post", now=now) for _ in range(3)] == [2, 1, 0]
    with pytest.raises(RateLimited) as refused:
        rate_limit(actor_id=1, action="post", now=now)
    assert refused.value.status_code == 429
    assert refused.value.retry_after == 3001
    assert "3 posts per hour" in refused.value.message


@override_settings(RATE_LIMITS=LIMITS, RATE_LIMIT_WINDOW_SECONDS=3600)
def test_members_and_actions_have_separate_counters_and_windows_reset():
    """One member's posts don't use another's allowance, nor their own comments'; a new hour
    starts afresh."""
    now = 3600.0 * 5
    for _ in range(3):
        rate_limit(actor_id=1, action="post", now=now)
    assert rate_limit(actor_id=2, action="post", now=now) == 2
    assert rate_limit(actor_id=1, action="comment", now=now) == 4
    assert rate_limit(actor_id=1, action="post", now=now + 3600) == 2


def test_an_unknown_action_is_a_programming_error():
    """Limits are declared in settings; a typo fails loudly instead of never limiting."""
    with pytest.raises(KeyError):
        rate_limit(actor_id=1, action="no-such-action")


@override_settings(RATE_LIMITS=LIMITS)
def test_pages_answer_429_with_retry_after():
    """``map_errors`` turns RateLimited into the 429 error page with a Retry-After header."""

    @map_errors
    def view(request: HttpRequest) -> HttpResponse:
        raise RateLimited("Slow down.", retry_after=42)

    response = view(RequestFactory().get("/"))
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert b"Slow down." in response.content


@pytest.mark.django_db
def test_the_api_answers_429_with_retry_after_and_the_usual_error_shape():
    """The API's error handler adds Retry-After to the JSON error."""
    from config.api import api, on_application_error

    request = RequestFactory().get("/api/v1/")
    response = on_application_error(request, RateLimited("Slow down.", retry_after=7))
    assert response.status_code == 429 and response["Retry-After"] == "7"
    assert api  # the handler is the one registered on the API
    import json

    assert json.loads(response.content) == {"detail": "Slow down.", "errors": {}}
