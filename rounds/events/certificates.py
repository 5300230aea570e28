"""Certificates of attendance for events that offer CME credits.

Who gets one: a member whose registration is ``attended`` (marked by an organizer) at an
event with ``cme_credits`` (> 0). ``certificate_issue`` creates the certificate once and then
returns the same row: attendee name, event title, dates (with the event's zone) and credits are
copied at issue, so a later rename or edit does not change what was certified.

The ``code`` (16 characters of an alphabet without look-alikes — no 0/O, 1/I/L — shown in
groups of four) is public: ``/certificates/<code>/`` confirms name, event, date and credits,
nothing else. Codes are matched case-insensitively, with or without the dashes and spaces
people type. Unknown codes answer 404, and so does the code of a certificate whose holder is no
longer marked attended (an organizer undid the mark).

Errors: the event not visible (or missing) → NotFound; no credits offered → NotFound (there is
no certificate for it); the member did not attend → Forbidden (the event is visible to them).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rounds.core.audit import audit
from rounds.core.errors import Forbidden, NotFound

from . import policies
from .access import access_event
from .models import AttendanceCertificate, Event, RegistrationState

#: Crockford-like: no 0/O, 1/I/L, no U (so no accidental words), upper case only.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 16
CODE_GROUP = 4
#: The longest input worth normalising (a code with dashes and some spaces).
_MAX_CODE_INPUT = 64


def new_code() -> str:
    """A fresh random code, grouped for reading: ``XXXX-XXXX-XXXX-XXXX`` (about 78 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalise_code(value: str) -> str | None:
    """The stored form of a code typed or pasted by someone, or None if it cannot be one."""
    if not isinstance(value, str) or len(value) > _MAX_CODE_INPUT:
        return None
    raw = "".join(ch for ch in value.upper() if ch not in "- \t")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def offers_certificate(event: Event) -> bool:
    return event.cme_credits is not None and event.cme_credits > Decimal("0")


def can_get_certificate(viewer: Any, event: Event) -> bool:
    """An attendee (marked attended) of an event with CME credits. No query after
    ``access_event`` (the viewer's registration comes with the event)."""
    if not offers_certificate(event):
        return False
    registration = policies.registration_of(viewer, event)
    return registration is not None and registration.state == RegistrationState.ATTENDED


def _attendee_name(user: Any) -> str:
    profile = getattr(user, "profile", None)
    name = (getattr(profile, "display_name", "") or "").strip()
    return (name or user.get_full_name() or user.email.split("@")[0])[:120]


def certificate_issue(*, actor: Any, event_id: Any) -> tuple[AttendanceCertificate, bool]:
    """The certificate of ``actor`` for the event, issued now if it was not yet; returns it
    and whether it was created. See the module docstring for who may have one."""
    event = access_event(actor, event_id)
    if not offers_certificate(event):
        raise NotFound("This event does not offer a certificate of attendance.")
    registration = policies.registration_of(actor, event)
    if registration is None or registration.state != RegistrationState.ATTENDED:
        raise Forbidden(
            "Certificates are for attendees: an organizer marks attendance after the event."
        )
    existing = AttendanceCertificate.objects.filter(registration=registration).first()
    if existing is not None:
        return existing, False
    assert event.cme_credits is not None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = AttendanceCertificate.objects.create(
                    registration=registration,
                    code=new_code(),
                    attendee_name=_attendee_name(actor),
                    event_title=event.title,
                    event_starts_at=event.starts_at,
                    event_ends_at=event.ends_at,
                    event_time_zone=event.time_zone or "UTC",
                    credits=event.cme_credits,
                )
                audit(actor=actor, action="event_certificate.issue", target=certificate)
            return certificate, True
        except IntegrityError:
            # Issued concurrently for this registration (return it), or a code collision
            # (about 1 in 2**78: try another code).
            existing = AttendanceCertificate.objects.filter(registration=registration).first()
            if existing is not None:
                return existing, False
    raise RuntimeError("Could not allocate a unique certificate code.")  # pragma: no cover


def certificate_by_code(code: str) -> AttendanceCertificate:
    """The certificate with this public code (any spelling ``normalise_code`` accepts) while
    its holder is still marked attended; NotFound otherwise. (An organizer who undoes a
    mistaken attendance mark thereby withdraws the certificate; marking again restores the
    same one.)"""
    normal = normalise_code(code)
    certificate = (
        AttendanceCertificate.objects.filter(
            code=normal, registration__state=RegistrationState.ATTENDED
        ).first()
        if normal is not None
        else None
    )
    if certificate is None:
        raise NotFound("No certificate with that code.")
    return certificate


def certificate_local_times(certificate: AttendanceCertificate) -> tuple[datetime, datetime]:
    """Start and end in the event's own zone (a certificate states the date where it was)."""
    from .calendars import zone_named

    zone = zone_named(certificate.event_time_zone)
    return (
        timezone.localtime(certificate.event_starts_at, zone),
        timezone.localtime(certificate.event_ends_at, zone),
    )
