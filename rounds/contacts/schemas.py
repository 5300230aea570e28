"""API schemas of the contacts notebook. Inputs forbid unknown fields (422); outputs are built by
the ``*_out`` functions from rows the selectors already loaded (no query per item)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from rounds.core.api_utils import MAX_QUERY_PARAM, PageParams, Safe, SafeStr
from rounds.network.models import NetworkType
from rounds.profiles.schemas import InSchema

from .models import MAX_CADENCE, MIN_CADENCE, Contact, ContactImport, ContactNote, ContactTag
from .selectors import Cadence, DueItem, DueRow, show_member_profiles
from .services import (
    MAX_EMAIL,
    MAX_HOW_MET,
    MAX_NAME,
    MAX_NOTE,
    MAX_PHONE,
    MAX_TAG_NAME,
    MAX_TEXT,
    MAX_URL,
)

Cadence_ = Annotated[int, Field(ge=MIN_CADENCE, le=MAX_CADENCE)]
TagId = Annotated[int, Field(ge=1, le=2**63 - 1)]
NetworkTypeIn = Literal["operational", "personal", "strategic", ""]
NoteKind = Literal["note", "call", "coffee", "meeting", "email", "other"]
InteractionKind = Literal["call", "coffee", "meeting", "email", "other"]


Text200 = Annotated[str, Field(max_length=MAX_TEXT), Safe]
EmailText = Annotated[str, Field(max_length=MAX_EMAIL), Safe]
PhoneText = Annotated[str, Field(max_length=MAX_PHONE), Safe]
UrlText = Annotated[str, Field(max_length=MAX_URL), Safe]
HowMetText = Annotated[str, Field(max_length=MAX_HOW_MET), Safe]


# --- contacts ---------------------------------------------------------------------------------


class ContactIn(InSchema):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME), Safe]
    organization: Text200 = ""
    title: Text200 = ""
    email: EmailText = ""
    phone: PhoneText = ""
    url: UrlText = Field("", description="LinkedIn or web page (https://…).")
    how_met: HowMetText = Field(
        "", description="How you met. Checked by the professionalism guard."
    )
    network_type: NetworkTypeIn | None = Field(
        None, description="Empty or null: proposed from the organization."
    )
    cadence_days: Cadence_ | None = Field(
        None, description="Days between catch-ups; null inherits (tags, then your default)."
    )
    tag_ids: list[TagId] = Field(default_factory=list, max_length=20)
    acknowledge_warnings: bool = False


class ContactPatchIn(InSchema):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME), Safe] | None = None
    organization: Text200 | None = None
    title: Text200 | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    url: UrlText | None = None
    how_met: HowMetText | None = None
    network_type: NetworkTypeIn | None = Field(
        None,
        description=(
            "For a connected member: your private type of the connection (empty: back to the "
            "proposal). For others: empty returns to the proposal from the organization."
        ),
    )
    cadence_days: Cadence_ | None = Field(None, description="null inherits.")
    archived: bool | None = None
    tag_ids: list[TagId] | None = Field(None, max_length=20, description="Replaces the tags.")
    acknowledge_warnings: bool = False


class ContactListParams(PageParams):
    q: SafeStr = Field(
        "", max_length=MAX_QUERY_PARAM, description="Name, organization, title or email."
    )
    tag: int | None = Field(None, ge=1, le=2**63 - 1, description="Only contacts with this tag id.")
    type: NetworkType | None = Field(None, description="Only contacts in this network.")
    kind: Literal["member", "other"] | None = Field(
        None, description="`member`: on Rounds; `other`: not on Rounds."
    )
    archived: bool = Field(False, description="List archived contacts instead.")


class MemberRefOut(Schema):
    handle: str
    display_name: str


class TagRefOut(Schema):
    id: int
    name: str


class CadenceOut(Schema):
    days: int
    source: Literal["contact", "tag", "default"]


class ContactOut(Schema):
    id: int
    name: str
    organization: str
    title: str
    email: str
    phone: str
    url: str
    how_met: str
    member: MemberRefOut | None = Field(..., description="The Rounds member, when it is one.")
    connected: bool
    network_type: NetworkType
    cadence_days: int | None
    cadence: CadenceOut | None = Field(None, description="The effective cadence (single contact).")
    last_interaction_at: dt.datetime | None
    due_at: dt.datetime
    snoozed_until: dt.datetime | None
    archived: bool
    source: Contact.Source
    linkedin_connected_on: dt.date | None
    tags: list[TagRefOut]
    created_at: dt.datetime
    updated_at: dt.datetime


def contact_out(contact: Contact, *, cadence: Cadence | None = None) -> dict[str, Any]:
    """A contact; its member's handle and name only while the owner may see that profile
    (``selectors.show_member_profiles``, run here when the caller did not)."""
    if not hasattr(contact, "shown_profile"):
        show_member_profiles([contact])
    profile = contact.shown_profile  # type: ignore[attr-defined]
    return {
        "id": contact.pk,
        "name": contact.name,
        "organization": contact.organization,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "url": contact.url,
        "how_met": contact.how_met,
        "member": (
            {"handle": profile.handle, "display_name": profile.display_name} if profile else None
        ),
        "connected": contact.connected,
        "network_type": contact.network_type,
        "cadence_days": contact.cadence_days,
        "cadence": {"days": cadence.days, "source": cadence.source} if cadence else None,
        "last_interaction_at": contact.last_interaction_at,
        "due_at": contact.due_at,
        "snoozed_until": contact.snoozed_until,
        "archived": contact.archived,
        "source": contact.source,
        "linkedin_connected_on": contact.linkedin_connected_on,
        "tags": [{"id": t.pk, "name": t.name} for t in contact.tags.all()],
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


# --- notes and interactions ----------------------------------------------------------------------


class NoteIn(InSchema):
    kind: NoteKind = "note"
    occurred_on: dt.date | None = Field(None, description="Defaults to today; never in the future.")
    body: Annotated[str, Field(max_length=MAX_NOTE), Safe] = Field(
        "", description="What they care about, their needs and concerns. Guarded."
    )
    acknowledge_warnings: bool = False


class NotePatchIn(InSchema):
    kind: NoteKind | None = None
    occurred_on: dt.date | None = None
    body: Annotated[str, Field(max_length=MAX_NOTE), Safe] | None = None
    acknowledge_warnings: bool = False


class InteractionIn(InSchema):
    kind: InteractionKind = "call"
    occurred_on: dt.date | None = Field(None, description="Defaults to today; never in the future.")
    body: Annotated[str, Field(max_length=MAX_NOTE), Safe] = ""
    acknowledge_warnings: bool = False


class NoteOut(Schema):
    id: int
    contact_id: int
    kind: ContactNote.Kind
    occurred_on: dt.date
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime


def note_out(note: ContactNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "contact_id": note.contact_id,
        "kind": note.kind,
        "occurred_on": note.occurred_on,
        "body": note.body,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


class SnoozeIn(InSchema):
    days: int = Field(30, ge=1, le=365)


# --- due list ----------------------------------------------------------------------------------


class DueParams(Schema):
    cursor: SafeStr = Field("", max_length=100, description="`next_cursor` of the previous page.")
    limit: int = Field(20, ge=1, le=100)


class DueItemOut(Schema):
    days_overdue: int = Field(..., description="Negative: due in that many days.")
    contact: ContactOut


class DuePageOut(Schema):
    items: list[DueItemOut]
    next_cursor: str | None


def due_item_out(item: DueItem) -> dict[str, Any]:
    return {"days_overdue": item.days_overdue, "contact": contact_out(item.contact)}


def due_row_out(contact: DueRow, days: int) -> dict[str, Any]:
    """``due_item_out`` for a ``selectors.DueRow`` (``selectors.due_rows_for``)."""
    profile = contact.shown_profile
    return {
        "days_overdue": days,
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "organization": contact.organization,
            "title": contact.title,
            "email": contact.email,
            "phone": contact.phone,
            "url": contact.url,
            "how_met": contact.how_met,
            "member": (
                {"handle": profile.handle, "display_name": profile.display_name}
                if profile
                else None
            ),
            "connected": contact.connected,
            "network_type": contact.network_type,
            "cadence_days": contact.cadence_days,
            "cadence": None,
            "last_interaction_at": contact.last_interaction_at,
            "due_at": contact.due_at,
            "snoozed_until": contact.snoozed_until,
            "archived": contact.archived,
            "source": contact.source,
            "linkedin_connected_on": contact.linkedin_connected_on,
            "tags": [{"id": pk, "name": name} for pk, name in contact.tag_refs],
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
        },
    }


# --- tags and settings ------------------------------------------------------------------------


class TagIn(InSchema):
    name: Annotated[str, Field(min_length=1, max_length=MAX_TAG_NAME), Safe]
    cadence_days: Cadence_ | None = None


class TagPatchIn(InSchema):
    name: Annotated[str, Field(min_length=1, max_length=MAX_TAG_NAME), Safe] | None = None
    cadence_days: Cadence_ | None = Field(None, description="Send null to remove the cadence.")


class TagOut(Schema):
    id: int
    name: str
    cadence_days: int | None
    contact_count: int


def tag_out(tag: ContactTag) -> dict[str, Any]:
    return {
        "id": tag.pk,
        "name": tag.name,
        "cadence_days": tag.cadence_days,
        "contact_count": int(getattr(tag, "contact_count", 0) or 0),
    }


class SettingsIO(InSchema):
    operational_days: Cadence_
    personal_days: Cadence_
    strategic_days: Cadence_


# --- imports ------------------------------------------------------------------------------------


class ImportWarningOut(Schema):
    line: int
    message: str


class ImportOut(Schema):
    id: int
    kind: ContactImport.Kind
    state: ContactImport.State
    filename: str
    summary: dict[str, int]
    warnings: list[ImportWarningOut] = Field(
        ..., description="Rows the reader skipped or changed (first 100)."
    )
    created_at: dt.datetime
    confirmed_at: dt.datetime | None


def import_out(imp: ContactImport, *, with_warnings: bool = True) -> dict[str, Any]:
    return {
        "id": imp.pk,
        "kind": imp.kind,
        "state": imp.state,
        "filename": imp.filename,
        "summary": {k: v for k, v in imp.summary.items() if isinstance(v, int)},
        "warnings": imp.warnings[:100] if with_warnings else [],
        "created_at": imp.created_at,
        "confirmed_at": imp.confirmed_at,
    }


class ImportMatchOut(Schema):
    handle: str
    display_name: str
    confidence: Literal["high", "medium", "low"]


class ImportRowOut(Schema):
    index: int
    line: int
    name: str
    organization: str
    title: str
    email: str
    phone: str
    url: str
    tags: list[str]
    connected_on: dt.date | None
    match: ImportMatchOut | None
    relation: Literal["", "connected", "pending"]
    existing_contact_id: int | None = Field(..., description="Merged into this contact.")
    can_request: bool
    request: bool
    skip: bool
    network_type: NetworkType
    warnings: list[str]


def import_row_out(row: dict[str, Any]) -> dict[str, Any]:
    match = row.get("match")
    return {
        "index": row["i"],
        "line": row["line"],
        "name": row["name"],
        "organization": row["organization"],
        "title": row["title"],
        "email": row["email"],
        "phone": row["phone"],
        "url": row["url"],
        "tags": row["tags"],
        "connected_on": row["connected_on"],
        "match": (
            {
                "handle": match["handle"],
                "display_name": match["name"],
                "confidence": match["confidence"],
            }
            if match
            else None
        ),
        "relation": row["relation"],
        "existing_contact_id": row["existing_id"] if (row["existing_id"] or 0) > 0 else None,
        "can_request": row["can_request"],
        "request": row["request"],
        "skip": row["skip"],
        "network_type": row["network_type"],
        "warnings": row["warnings"],
    }


class RowChoiceIn(InSchema):
    index: int = Field(..., ge=0, le=100_000)
    request: bool | None = None
    skip: bool | None = None


class ImportChoicesIn(InSchema):
    rows: list[RowChoiceIn] = Field(..., min_length=1, max_length=1000)


class ImportConfirmIn(InSchema):
    note: Annotated[str, Field(max_length=500), Safe] = Field(
        "", description="Optional personal note sent with each connection request (guarded)."
    )
    acknowledge_warnings: bool = False


class ImportRowsParams(PageParams):
    pass
