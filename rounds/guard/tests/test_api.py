"""POST /api/v1/guard/check: members get the guard's report as JSON; nothing is stored."""

from __future__ import annotations

import pytest

from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.guard.schemas import MAX_CHECK_LENGTH

pytestmark = pytest.mark.django_db


def test_visitors_are_refused():
    """Without a session or token the endpoint is a 401."""
    response = ApiClient().post("/guard/check", {"text": "hello"})
    assert_error(response, 401)


def test_ok_report(member):
    """A professional post gets an ok report with no findings."""
    response = api_as(member.user).post(
        "/guard/check", {"text": "Grand rounds Thursday at 8 am on sepsis.", "kind": "post"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "verdict": "ok",
        "blocked": False,
        "findings": [],
        "counts": {"patient_information": 0, "offensive": 0, "oversharing": 0},
    }


def test_blocking_report_is_structured(member):
    """Patient identifiers come back as blocking findings with offsets, explanation, suggestion."""
    text = "Pt SSN 344-10-8086, admitted with sepsis."
    body = api_as(member.user).post("/guard/check", {"text": text}).json()
    assert body["verdict"] == "block" and body["blocked"] is True
    finding = body["findings"][0]
    assert finding["rule"] == "phi.ssn" and finding["severity"] == "block"
    assert text[finding["start"] : finding["end"]] == finding["matched"] == "344-10-8086"
    assert finding["explanation"] and finding["suggestion"]
    assert body["counts"]["patient_information"] == 1


def test_warning_report(member):
    """Offensive content is a warning the author may override."""
    body = api_as(member.user).post("/guard/check", {"text": "What a fucking night."}).json()
    assert body["verdict"] == "warn" and body["blocked"] is False
    assert [f["rule"] for f in body["findings"]] == ["offensive.profanity"]


def test_members_own_details_are_not_flagged(member):
    """The member's profile phone, account e-mail and NPI are their own, not a patient's."""
    member.phone = "(617) 555-0142"
    member.npi = "1234567893"
    member.save()
    text = (
        f"My patients can reach my office at 617-555-0142 or {member.user.email}. NPI 1234567893."
    )
    body = api_as(member.user).post("/guard/check", {"text": text, "kind": "bio"}).json()
    assert body["verdict"] == "ok", body


def test_session_auth_needs_csrf(client, member):
    """With the browser session the CSRF token is required, as on every unsafe endpoint."""
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(member.user)
    response = ApiClient(csrf_client).post("/guard/check", {"text": "hello"})
    assert_error(response, 403)


def test_session_auth_works(member_client):
    """A signed-in browser session (test client without CSRF enforcement) may check."""
    response = ApiClient(member_client).post("/guard/check", {"text": "hello"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x" * (MAX_CHECK_LENGTH + 1)}, "text"),
        ({}, "text"),
        ({"text": "hi", "kind": "tweet"}, "kind"),
        ({"text": "hi", "extra": 1}, "extra"),
        ({"text": "nul \x00 char"}, "text"),
        ({"text": 12}, "text"),
    ],
)
def test_invalid_input_is_422(member, body, field):
    """Too long, missing, unknown kind, unknown field, NUL or non-text input is a 422 on its field."""
    assert_error(api_as(member.user).post("/guard/check", body), 422, field)


def test_body_must_be_json(member):
    """A body that is not JSON is a 400."""
    response = api_as(member.user).post("/guard/check", raw="not json")
    assert_error(response, 400)


def test_longest_text_is_accepted(member):
    """A text of exactly the maximum length is checked."""
    text = ("Grand rounds on sepsis. " * 900)[:MAX_CHECK_LENGTH]
    response = api_as(member.user).post("/guard/check", {"text": text})
    assert response.status_code == 200


def test_only_post_is_allowed(member):
    """Other methods are a JSON 405."""
    assert_error(api_as(member.user).get("/guard/check"), 405)


def test_documented_in_openapi():
    """The endpoint and its schemas are in the OpenAPI document."""
    schema = ApiClient().get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/guard/check"]["post"]
    assert operation["tags"] == ["guard"]
    assert "GuardReportOut" in schema["components"]["schemas"]
