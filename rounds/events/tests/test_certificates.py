"""Certificates of attendance: an attendee (marked attended) of an event with CME credits gets
a printable certificate — event, date in the event's zone, credits, their name, a verification
code — issued once and kept as issued; ``/certificates/<code>/`` confirms it publicly (name,
event, date, credits; nothing else). Others: 403 (visible event, did not attend) or 404 (no
credits, not visible, unknown code). Pages and API."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse

from rounds.community.tests.factories import make_group
from rounds.core.testing import executable_constructs
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.core.tests.xss_corpus import XSS_PAYLOADS
from rounds.events import certificates
from rounds.events.models import AttendanceCertificate, Event
from rounds.events.tests.factories import attend, make_event, move_event, new_user, register
from rounds.profiles.models import Profile

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
CODE_RE = re.compile(
    r"\b([A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4})\b"
)


def certificate_url(event: Event) -> str:
    return reverse("events:certificate", args=[event.pk])


def verify_url(code: str) -> str:
    return reverse("certificates:verify", args=[code])


def cme_event(**fields) -> Event:
    fields.setdefault("cme_credits", "2.5")
    fields.setdefault("time_zone", "America/Chicago")
    return make_event(title=fields.pop("title", "Sepsis update"), **fields)


@pytest.fixture
def attendee():
    return new_user(display_name="Dr. Maya Okafor")


@pytest.fixture
def attended(attendee) -> Event:
    """An event with 2.5 CME credits, 8 March 2026 22:30–23:30 in Chicago (after the DST
    switch: 9 March in UTC and in Berlin), that ``attendee`` attended."""
    event = cme_event()
    attend(event, attendee)
    return move_event(
        event,
        starts_at=datetime(2026, 3, 8, 22, 30, tzinfo=CHICAGO),
        ends_at=datetime(2026, 3, 8, 23, 30, tzinfo=CHICAGO),
    )


# --- the certificate page -------------------------------------------------------------------


def test_attendee_gets_a_printable_certificate(client, attendee, attended):
    """The page shows name, event, date (in the event's zone), credits, the code and the
    public verification URL, with print CSS."""
    client.force_login(attendee)
    response = client.get(certificate_url(attended))
    assert response.status_code == 200
    html = response.content.decode()
    certificate = AttendanceCertificate.objects.get()
    assert "Dr. Maya Okafor" in html and "Sepsis update" in html
    assert "Sunday 8 March 2026, 22:30–23:30" in html and "(America/Chicago)" in html
    assert "2.5" in html
    assert certificate.code in html
    assert f"http://127.0.0.1:8000/certificates/{certificate.code}/" in html
    assert "@media print" in html
    assert CODE_RE.fullmatch(certificate.code)


def test_certificate_date_is_the_event_zones_for_a_berlin_viewer(client, attendee, attended):
    """A member whose zone is Europe/Berlin (where it was already 9 March) sees 8 March."""
    attendee.time_zone = "Europe/Berlin"
    attendee.save(update_fields=["time_zone"])
    client.force_login(attendee)
    html = client.get(certificate_url(attended)).content.decode()
    assert "Sunday 8 March 2026, 22:30–23:30" in html
    assert "9 March 2026" not in html


def test_issued_once_and_kept_as_issued(client, attendee, attended):
    """Viewing again returns the same certificate; renaming the event or the member later does
    not change what it says."""
    client.force_login(attendee)
    client.get(certificate_url(attended))
    first = AttendanceCertificate.objects.get()
    Event.objects.filter(pk=attended.pk).update(title="Renamed", cme_credits=Decimal("9"))
    Profile.objects.filter(user=attendee).update(display_name="Someone Else")
    html = client.get(certificate_url(attended)).content.decode()
    assert AttendanceCertificate.objects.count() == 1
    again = AttendanceCertificate.objects.get()
    assert again.code == first.code
    assert "Sepsis update" in html and "Dr. Maya Okafor" in html and "Renamed" not in html
    assert again.credits == Decimal("2.5")


def test_issue_is_idempotent_in_the_service(attendee, attended):
    """``certificate_issue`` creates once, then returns the same row (created=False)."""
    first, created = certificates.certificate_issue(actor=attendee, event_id=attended.pk)
    second, created_again = certificates.certificate_issue(actor=attendee, event_id=attended.pk)
    assert created and not created_again and first.pk == second.pk


def test_visitor_is_sent_to_sign_in(client, attended):
    """Visitors are asked to sign in."""
    response = client.get(certificate_url(attended))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_not_attended_is_403(client, attended):
    """Members who were going (never marked attended), interested, or not registered see the
    event but get 403; nothing is issued."""
    going, stranger = new_user(), new_user()
    register_past = cme_event()
    register(register_past, going)
    client.force_login(going)
    assert client.get(certificate_url(register_past)).status_code == 403
    client.force_login(stranger)
    assert client.get(certificate_url(attended)).status_code == 403
    assert client.get(certificate_url(register_past)).status_code == 403
    client.force_login(register_past.organizer)
    assert client.get(certificate_url(register_past)).status_code == 403
    assert AttendanceCertificate.objects.count() == 0


def test_event_without_credits_is_404(client, attendee):
    """An attended event that offers no CME credits (none or zero) has no certificate: 404."""
    for credits in (None, "0"):
        fields = {"cme_credits": credits} if credits is not None else {}
        event = make_event(**fields)
        attend(event, attendee)
        client.force_login(attendee)
        assert client.get(certificate_url(event)).status_code == 404
    assert AttendanceCertificate.objects.count() == 0


def test_invisible_event_is_404(client):
    """A private group's event (for a non-member), a draft, or no event at all: 404."""
    owner = new_user()
    group = make_group(owner, visibility="private")
    private = cme_event(organizer=owner, group=group.slug)
    draft = cme_event(publish=False)
    client.force_login(new_user())
    assert client.get(certificate_url(private)).status_code == 404
    assert client.get(certificate_url(draft)).status_code == 404
    assert client.get("/events/0/certificate/").status_code == 404
    assert client.get("/events/99999999999999999999/certificate/").status_code == 404


def test_calendar_links_show_the_certificate_to_attendees_only(rf, attendee, attended):
    """The event page's "Add to calendar" box links the certificate for an attendee only."""
    from rounds.events.access import access_event

    link = certificate_url(attended)
    for user, shown in ((attendee, True), (new_user(), False), (AnonymousUser(), False)):
        request = rf.get("/")
        request.user = user
        event = access_event(user, attended.pk)
        html = render_to_string("events/calendar_links.html", {"event": event}, request)
        assert (link in html) is shown


# --- public verification --------------------------------------------------------------------


@pytest.fixture
def issued(attendee, attended) -> AttendanceCertificate:
    return certificates.certificate_issue(actor=attendee, event_id=attended.pk)[0]


def test_verification_page_is_public_and_minimal(client, issued, attendee):
    """A visitor sees name, event, date and credits; not the member's email or profile, not a
    link to the event."""
    response = client.get(verify_url(issued.code))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Certificate verified" in html
    assert "Dr. Maya Okafor" in html and "Sepsis update" in html and "2.5" in html
    assert "8 March 2026" in html
    assert attendee.email not in html
    assert attendee.profile.handle not in html
    assert f"/events/{issued.registration.event_id}/" not in html
    assert '<meta name="robots" content="noindex">' in html


def test_other_spellings_redirect_to_the_code(client, issued):
    """Lower case, no dashes, spaces: redirect (301/302) to the canonical address."""
    raw = issued.code.replace("-", "")
    for typed in (issued.code.lower(), raw, raw.lower()):
        response = client.get(verify_url(typed))
        assert response.status_code == 302
        assert response["Location"] == verify_url(issued.code)
    response = client.get(reverse("certificates:lookup"), {"code": f" {raw.lower()} "})
    assert response.status_code == 302 and response["Location"] == verify_url(issued.code)


@pytest.mark.parametrize(
    "code",
    ["AAAA-BBBB-CCCC-DDDD", "AAAABBBBCCCCDDD", "IIII-OOOO-1111-0000", "x" * 5000, "%00", "é"],
)
def test_unknown_or_malformed_codes_are_404(client, issued, code):
    """Unknown, short, ambiguous-alphabet and junk codes are a 404."""
    assert client.get(f"/certificates/{code}/").status_code == 404


def test_lookup_form(client):
    """The lookup page renders; a junk code is a 404 with a message."""
    assert client.get(reverse("certificates:lookup")).status_code == 200
    response = client.get(reverse("certificates:lookup"), {"code": "not a code"})
    assert response.status_code == 404
    assert "not a certificate code" in response.content.decode()


def test_codes_use_the_unambiguous_alphabet():
    """Generated codes are 4×4 characters without 0/O, 1/I/L, U; normalising accepts any case
    and separators, and refuses others."""
    codes = {certificates.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert CODE_RE.fullmatch(code)
        assert not set(code) & set("01OILU")
        assert certificates.normalise_code(code.lower().replace("-", " ")) == code
    assert certificates.normalise_code("0000-0000-0000-0000") is None
    assert certificates.normalise_code("ABCD-EFGH-JKMN") is None
    assert certificates.normalise_code(None) is None  # type: ignore[arg-type]


def test_hostile_names_and_titles_render_inert(client, issued):
    """Every XSS payload as attendee name and event title renders with no executable construct
    on the verification page and the attendee's page."""
    for payload in XSS_PAYLOADS:
        AttendanceCertificate.objects.filter(pk=issued.pk).update(
            attendee_name=payload[:120], event_title=payload[:200]
        )
        html = client.get(verify_url(issued.code)).content.decode()
        main = html[html.index('<main id="main"') : html.index("</main>")]
        assert not executable_constructs(main), payload


# --- API ------------------------------------------------------------------------------------


def test_api_certificate_for_an_attendee(attendee, attended):
    """GET /events/{id}/certificate issues (once) and returns the certificate."""
    api = api_as(attendee)
    response = api.get(f"/events/{attended.pk}/certificate")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["attendee_name"] == "Dr. Maya Okafor"
    assert body["event_title"] == "Sepsis update"
    assert body["event_date"] == "2026-03-08"
    assert body["event_time_zone"] == "America/Chicago"
    assert body["event_starts_at"].startswith("2026-03-08T22:30:00-05:00")
    assert Decimal(str(body["credits"])) == Decimal("2.5")
    assert body["verify_url"].endswith(f"/certificates/{body['code']}/")
    assert body["calendar_url"].endswith(f"/events/{attended.pk}/calendar.ics")
    again = api.get(f"/events/{attended.pk}/certificate").json()
    assert again["code"] == body["code"]
    assert AttendanceCertificate.objects.count() == 1


def test_api_certificate_refusals(attendee, attended):
    """403 for a member who did not attend, 404 without credits or for an invisible event or
    an impossible id, 401 for visitors."""
    assert_error(api_as(new_user()).get(f"/events/{attended.pk}/certificate"), 403)
    plain = make_event()
    attend(plain, attendee)
    api = api_as(attendee)
    assert_error(api.get(f"/events/{plain.pk}/certificate"), 404)
    draft = cme_event(publish=False)
    assert_error(api.get(f"/events/{draft.pk}/certificate"), 404)
    assert_error(api.get("/events/99999999999999999999/certificate"), 422)
    assert_error(ApiClient().get(f"/events/{attended.pk}/certificate"), 401)
    assert AttendanceCertificate.objects.count() == 0


def test_api_public_verification(issued):
    """GET /certificates/{code} works for visitors, any spelling; shows only what the page
    shows; unknown codes 404."""
    visitor = ApiClient()
    response = visitor.get(f"/certificates/{issued.code.lower().replace('-', '')}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "code",
        "attendee_name",
        "event_title",
        "event_starts_at",
        "event_ends_at",
        "event_time_zone",
        "event_date",
        "credits",
        "issued_at",
        "verify_url",
    }
    assert body["code"] == issued.code and body["attendee_name"] == "Dr. Maya Okafor"
    assert_error(visitor.get("/certificates/AAAA-BBBB-CCCC-DDDD"), 404)
    assert_error(visitor.get("/certificates/" + "x" * 100), 422)


def test_event_page_links_the_certificate_for_the_attendee(client, attendee, attended):
    """The attendee sees the certificate link on the event page; another member does not."""
    page = reverse("events:detail", args=[attended.pk])
    client.force_login(attendee)
    assert certificate_url(attended) in client.get(page).content.decode()
    client.force_login(new_user())
    assert certificate_url(attended) not in client.get(page).content.decode()


def test_undoing_attendance_withdraws_the_certificate(client, issued, attended, attendee):
    """When an organizer undoes the attendance mark the code no longer verifies (404) and the
    attendee's page is 403; marking again brings back the same certificate."""
    from rounds.events import services
    from rounds.events.tests.factories import fresh

    organizer = attended.organizer
    services.attendance_mark(
        actor=organizer, event=fresh(attended), user_id=attendee.pk, attended=False
    )
    assert client.get(verify_url(issued.code)).status_code == 404
    assert_error(ApiClient().get(f"/certificates/{issued.code}"), 404)
    client.force_login(attendee)
    assert client.get(certificate_url(attended)).status_code == 403
    services.attendance_mark(actor=organizer, event=fresh(attended), user_id=attendee.pk)
    assert client.get(verify_url(issued.code)).status_code == 200
    assert client.get(certificate_url(attended)).status_code == 200
    assert AttendanceCertificate.objects.get().code == issued.code
