"""JSON API of the contacts notebook, at /api/v1/contacts.

Thin endpoints: parse (schemas) → resolve through ``access.py`` (a contact, note, tag or import
of anyone else is a 404, exactly like a missing one) → one service or selector → serialise.
Everything here is private to the signed-in member.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Query, Router, Status, UploadedFile

from rounds.core.api_utils import (
    PageOut,
    PageParams,
    error_responses,
    member_auth,
    page_out,
    trusted_json,
    viewer_of,
)
from rounds.core.errors import ValidationFailed
from rounds.core.pagination import paginate
from rounds.guard.schemas import GuardErrorOut

from . import imports, services
from .access import access_contact_by_id, access_import_by_id, access_note_by_id, access_tag_by_id
from .models import Contact, ContactImport
from .schemas import (
    ContactIn,
    ContactListParams,
    ContactOut,
    ContactPatchIn,
    DuePageOut,
    DueParams,
    ImportChoicesIn,
    ImportConfirmIn,
    ImportOut,
    ImportRowOut,
    ImportRowsParams,
    InteractionIn,
    NoteIn,
    NoteOut,
    NotePatchIn,
    SettingsIO,
    SnoozeIn,
    TagIn,
    TagOut,
    TagPatchIn,
    contact_out,
    due_row_out,
    import_out,
    import_row_out,
    note_out,
    tag_out,
)
from .selectors import (
    cadence_of,
    contact_list_for,
    contacts_for_export,
    due_rows_for,
    import_list_for,
    note_list_for,
    notebook_settings_for,
    show_member_profiles,
    tag_list_for,
)
from .vcard import Card, write_cards

router = Router(tags=["contacts"], auth=member_auth)

MAX_UPLOAD = 5 * 1024 * 1024
GUARDED = {422: GuardErrorOut}


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    return access_contact_by_id(viewer_of(request), contact_id)


def _contact_out(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    """A single contact, reloaded with its member and tags, with its effective cadence."""
    fresh = contacts_for_export(viewer=viewer_of(request), contact_id=contact.pk).get()
    return contact_out(fresh, cadence=cadence_of(fresh))


def _tag_out(request: HttpRequest, tag_id: int) -> dict[str, Any]:
    return tag_out(tag_list_for(viewer=viewer_of(request)).get(pk=tag_id))


# --- contacts -------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: PageOut[ContactOut], **error_responses(401, 422)},
    summary="Your contacts",
    description=(
        "Your notebook by name: members and people not on Rounds. Filter with `q` (name, "
        "organization, title or email), `tag` (a tag id), `type`, `kind` (`member` / `other`) "
        "and `archived`. Only you can see your notebook."
    ),
)
def contact_list(request: HttpRequest, params: Query[ContactListParams]) -> dict[str, Any]:
    qs = contact_list_for(
        viewer=viewer_of(request),
        q=params.q,
        tag_id=params.tag,
        network_type=params.type.value if params.type else "",
        kind=params.kind or "",
        archived=params.archived,
    )
    page = paginate(qs, page=params.page, size=params.page_size)
    show_member_profiles(page.items)
    return page_out(page, contact_out)


@router.post(
    "",
    response={201: ContactOut, **error_responses(400, 401, 409), **GUARDED},
    summary="Add a contact",
    description=(
        "Someone not on Rounds (members join your notebook when you connect). Same email or "
        "web address already in your notebook is a 409. `how_met` passes the professionalism "
        "guard (422 with `guard`; resend with `acknowledge_warnings` after warnings)."
    ),
)
def contact_create(request: HttpRequest, payload: ContactIn) -> Status[dict[str, Any]]:
    data = payload.model_dump(exclude={"tag_ids", "acknowledge_warnings"})
    data["network_type"] = data["network_type"] or ""
    contact = services.contact_create(
        actor=viewer_of(request),
        data=data,
        tag_ids=payload.tag_ids,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, _contact_out(request, contact))


@router.get(
    "/due",
    response={200: DuePageOut, **error_responses(401, 422)},
    summary="Due to reconnect (reminders)",
    description=(
        "Contacts due to reconnect and those due within 7 days, most overdue first, not "
        "archived. Keyset pagination: pass `next_cursor` as `cursor` until it is null."
    ),
)
def due_list(request: HttpRequest, params: Query[DueParams]) -> HttpResponse:
    page = due_rows_for(viewer=viewer_of(request), cursor=params.cursor, limit=params.limit)
    payload = {
        "items": [due_row_out(contact, days) for contact, days in page.items],
        "next_cursor": page.next_cursor,
    }
    return trusted_json(payload, DuePageOut)


@router.get(
    "/export.vcf",
    response={200: None, **error_responses(401)},
    summary="Download your notebook as vCard 4.0",
    description="Every contact (archived too) in one `text/vcard` file. Audited (count only).",
)
def export_all(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    contacts = list(contacts_for_export(viewer=viewer))
    services.audit_export(actor=viewer, count=len(contacts))
    return _vcard(request, contacts, "rounds-contacts.vcf")


@router.get(
    "/{int:contact_id}",
    response={200: ContactOut, **error_responses(401, 404)},
    summary="One contact",
)
def contact_get(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return _contact_out(request, _contact(request, contact_id))


@router.patch(
    "/{int:contact_id}",
    response={200: ContactOut, **error_responses(400, 401, 404, 409), **GUARDED},
    summary="Change a contact",
    description=(
        "Any of its fields, `cadence_days` (null inherits), `archived`, `tag_ids` (replaces "
        "the tags) and `network_type` (for a connected member: your private type of the "
        "connection)."
    ),
)
def contact_patch(request: HttpRequest, contact_id: int, payload: ContactPatchIn) -> dict[str, Any]:
    contact = _contact(request, contact_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"tag_ids", "acknowledge_warnings"})
    if "network_type" in changes:
        changes["network_type"] = changes["network_type"] or ""
    for required in ("name", "archived"):
        if required in changes and changes[required] is None:
            raise ValidationFailed("This cannot be null.", field=required)
    if not changes and payload.tag_ids is None:
        raise ValidationFailed("Send at least one field to change.", field="__all__")
    contact = services.contact_update(
        actor=viewer_of(request),
        contact=contact,
        data={
            k: ("" if v is None and k not in ("cadence_days",) else v) for k, v in changes.items()
        },
        tag_ids=payload.tag_ids,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return _contact_out(request, contact)


@router.delete(
    "/{int:contact_id}",
    response={204: None, **error_responses(401, 404, 409)},
    summary="Delete a contact and its notes",
    description="A member you are connected to stays in your notebook (409): archive instead.",
)
def contact_delete(request: HttpRequest, contact_id: int) -> Status[None]:
    services.contact_delete(actor=viewer_of(request), contact=_contact(request, contact_id))
    return Status(204, None)


@router.post(
    "/{int:contact_id}/snooze",
    response={200: ContactOut, **error_responses(401, 404, 422)},
    summary="Snooze the reminder",
    description="Not due before `days` (default 30) from now.",
)
def contact_snooze(request: HttpRequest, contact_id: int, payload: SnoozeIn) -> dict[str, Any]:
    contact = services.contact_snooze(
        actor=viewer_of(request), contact=_contact(request, contact_id), days=payload.days
    )
    return _contact_out(request, contact)


@router.get(
    "/{int:contact_id}/vcard",
    response={200: None, **error_responses(401, 404)},
    summary="One contact as vCard 4.0",
)
def contact_vcard(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    contacts = list(contacts_for_export(viewer=viewer_of(request), contact_id=contact.pk))
    return _vcard(request, contacts, f"contact-{contact.pk}.vcf")


def _vcard(request: HttpRequest, contacts: list[Contact], filename: str) -> HttpResponse:
    cards = []
    for contact in show_member_profiles(contacts):
        profile = contact.shown_profile  # type: ignore[attr-defined]
        url = contact.url or (
            request.build_absolute_uri(reverse("profiles:detail", args=[profile.handle]))
            if profile
            else ""
        )
        cards.append(
            Card(
                name=contact.name,
                organization=contact.organization,
                title=contact.title,
                email=contact.email,
                phone=contact.phone,
                note=contact.how_met,
                categories=tuple(t.name for t in contact.tags.all()),
                url=url,
            )
        )
    response = HttpResponse(
        write_cards(cards).encode("utf-8"), content_type="text/vcard; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- notes and interactions -------------------------------------------------------------------------


@router.get(
    "/{int:contact_id}/notes",
    response={200: PageOut[NoteOut], **error_responses(401, 404, 422)},
    summary="A contact's notes, newest first",
)
def note_list(request: HttpRequest, contact_id: int, params: Query[PageParams]) -> dict[str, Any]:
    contact = _contact(request, contact_id)
    page = paginate(note_list_for(contact=contact), page=params.page, size=params.page_size)
    return page_out(page, note_out)


@router.post(
    "/{int:contact_id}/notes",
    response={201: NoteOut, **error_responses(400, 401, 404), **GUARDED},
    summary="Write a note (or log a conversation)",
    description=(
        "`kind` `note` (needs a `body`: what they care about, their needs and concerns) or a "
        "conversation (`call`, `coffee`, `meeting`, `email`, `other`), which resets the "
        "keep-in-touch clock. The body passes the professionalism guard."
    ),
)
def note_create(request: HttpRequest, contact_id: int, payload: NoteIn) -> Status[dict[str, Any]]:
    contact = _contact(request, contact_id)
    note = services.note_create(
        actor=viewer_of(request),
        contact=contact,
        kind=payload.kind,
        occurred_on=payload.occurred_on or timezone.localdate(),
        body=payload.body,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, note_out(note))


@router.patch(
    "/{int:contact_id}/notes/{int:note_id}",
    response={200: NoteOut, **error_responses(400, 401, 404), **GUARDED},
    summary="Edit a note",
    description="A conversation moved later moves the clock forward; it never moves back.",
)
def note_patch(
    request: HttpRequest, contact_id: int, note_id: int, payload: NotePatchIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    contact = _contact(request, contact_id)
    note = access_note_by_id(viewer, contact, note_id)
    changes = payload.model_dump(exclude_unset=True)
    note = services.note_update(
        actor=viewer,
        note=note,
        kind=changes.get("kind") or note.kind,
        occurred_on=changes.get("occurred_on") or note.occurred_on,
        body=note.body if changes.get("body") is None else changes["body"],
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return note_out(note)


@router.delete(
    "/{int:contact_id}/notes/{int:note_id}",
    response={204: None, **error_responses(401, 404)},
    summary="Delete a note",
)
def note_delete(request: HttpRequest, contact_id: int, note_id: int) -> Status[None]:
    viewer = viewer_of(request)
    note = access_note_by_id(viewer, _contact(request, contact_id), note_id)
    services.note_delete(actor=viewer, note=note)
    return Status(204, None)


@router.post(
    "/{int:contact_id}/interactions",
    response={201: ContactOut, **error_responses(400, 401, 404), **GUARDED},
    summary="Log a conversation",
    description=(
        "A call, coffee, meeting, email or other conversation on `occurred_on` (default "
        "today), with an optional note. Resets the keep-in-touch clock (never backwards); for "
        "a member, it is logged as an interaction between you (both clocks move). Returns the "
        "contact with its new clock."
    ),
)
def interaction_create(
    request: HttpRequest, contact_id: int, payload: InteractionIn
) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    contact = _contact(request, contact_id)
    services.note_create(
        actor=viewer,
        contact=contact,
        kind=payload.kind,
        occurred_on=payload.occurred_on or timezone.localdate(),
        body=payload.body,
        acknowledge_warnings=payload.acknowledge_warnings,
    )
    return Status(201, _contact_out(request, contact))


# --- tags and settings ------------------------------------------------------------------------------


@router.get(
    "/tags",
    response={200: list[TagOut], **error_responses(401)},
    summary="Your tags",
    description="At most 200, by name, each with its cadence and how many contacts carry it.",
)
def tag_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [tag_out(tag) for tag in tag_list_for(viewer=viewer_of(request))]


@router.post(
    "/tags",
    response={201: TagOut, **error_responses(400, 401, 409, 422)},
    summary="Create a tag",
)
def tag_create(request: HttpRequest, payload: TagIn) -> Status[dict[str, Any]]:
    tag = services.tag_create(
        actor=viewer_of(request), name=payload.name, cadence_days=payload.cadence_days
    )
    return Status(201, _tag_out(request, tag.pk))


@router.patch(
    "/tags/{int:tag_id}",
    response={200: TagOut, **error_responses(400, 401, 404, 409, 422)},
    summary="Rename a tag or change its cadence",
)
def tag_patch(request: HttpRequest, tag_id: int, payload: TagPatchIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    tag = access_tag_by_id(viewer, tag_id)
    changes = payload.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Send `name`, `cadence_days` or both.", field="__all__")
    if "name" in changes and changes["name"] is None:
        raise ValidationFailed("This cannot be null.", field="name")
    services.tag_update(
        actor=viewer,
        tag=tag,
        name=changes.get("name"),
        cadence_days=changes.get("cadence_days", ...),
    )
    return _tag_out(request, tag.pk)


@router.delete(
    "/tags/{int:tag_id}",
    response={204: None, **error_responses(401, 404)},
    summary="Delete a tag (its contacts stay)",
)
def tag_delete(request: HttpRequest, tag_id: int) -> Status[None]:
    viewer = viewer_of(request)
    services.tag_delete(actor=viewer, tag=access_tag_by_id(viewer, tag_id))
    return Status(204, None)


@router.get(
    "/settings",
    response={200: SettingsIO, **error_responses(401)},
    summary="Your default cadences",
    description="Days between catch-ups for each network (operational, personal, strategic).",
)
def settings_get(request: HttpRequest) -> dict[str, int]:
    current = notebook_settings_for(viewer=viewer_of(request))
    return {
        "operational_days": current.operational_days,
        "personal_days": current.personal_days,
        "strategic_days": current.strategic_days,
    }


@router.put(
    "/settings",
    response={200: SettingsIO, **error_responses(400, 401, 422)},
    summary="Change your default cadences",
    description="Every contact's clock is recomputed.",
)
def settings_put(request: HttpRequest, payload: SettingsIO) -> dict[str, int]:
    updated = services.notebook_settings_update(actor=viewer_of(request), **payload.model_dump())
    return {
        "operational_days": updated.operational_days,
        "personal_days": updated.personal_days,
        "strategic_days": updated.strategic_days,
    }


# --- imports --------------------------------------------------------------------------------------


def _upload(request: HttpRequest, file: UploadedFile, kind: str) -> Status[dict[str, Any]]:
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ValidationFailed("The file is larger than 5 MB.", field="file")
    data = file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationFailed("The file is larger than 5 MB.", field="file")
    imp = imports.contact_import_create(
        actor=viewer_of(request), kind=kind, data=data, filename=file.name or ""
    )
    return Status(201, import_out(imp))


@router.post(
    "/imports/linkedin",
    response={201: ImportOut, **error_responses(400, 401, 413, 422)},
    summary="Upload LinkedIn's Connections.csv",
    description=(
        "Multipart field `file` (≤ 5 MB, ≤ 30,000 connections). A malformed file is a 422 "
        "naming the line; nothing is stored. Returns the preview (state `preview`); read its "
        "rows, change choices, then confirm or cancel. Your other open preview is cancelled."
    ),
)
def import_linkedin(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    return _upload(request, file, ContactImport.Kind.LINKEDIN)


@router.post(
    "/imports/vcard",
    response={201: ImportOut, **error_responses(400, 401, 413, 422)},
    summary="Upload a vCard (.vcf) file",
    description="Multipart field `file` (≤ 5 MB, vCard 3.0 or 4.0, many cards). As LinkedIn.",
)
def import_vcard(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    return _upload(request, file, ContactImport.Kind.VCARD)


@router.get(
    "/imports",
    response={200: PageOut[ImportOut], **error_responses(401, 422)},
    summary="Your imports, newest first",
)
def import_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    page = paginate(
        import_list_for(viewer=viewer_of(request)), page=params.page, size=params.page_size
    )
    return page_out(page, lambda imp: import_out(imp, with_warnings=False))


@router.get(
    "/imports/{int:import_id}",
    response={200: ImportOut, **error_responses(401, 404)},
    summary="One import: state, summary and the reader's warnings",
)
def import_get(request: HttpRequest, import_id: int) -> dict[str, Any]:
    return import_out(access_import_by_id(viewer_of(request), import_id))


@router.get(
    "/imports/{int:import_id}/rows",
    response={200: PageOut[ImportRowOut], **error_responses(401, 404, 422)},
    summary="The preview's rows",
    description=(
        "Each row with its proposed member (`match.confidence`: `high` email or profile "
        "address, `medium` name and organization, `low` name only), whether a request can be "
        "sent, your choices (`request`, `skip`) and the contact it merges into."
    ),
)
def import_rows(
    request: HttpRequest, import_id: int, params: Query[ImportRowsParams]
) -> dict[str, Any]:
    imp = access_import_by_id(viewer_of(request), import_id)
    rows, has_next = imports.import_rows_page(imp, page=params.page, size=params.page_size)
    return {
        "items": [import_row_out(row) for row in rows],
        "page": params.page,
        "page_size": params.page_size,
        "has_next": has_next,
        "next_page": params.page + 1 if has_next else None,
    }


@router.patch(
    "/imports/{int:import_id}/rows",
    response={200: ImportOut, **error_responses(400, 401, 404, 409, 422)},
    summary="Change your choices for some rows",
    description="`rows`: up to 1,000 `{index, request?, skip?}`. Only while in `preview` (409).",
)
def import_choose(request: HttpRequest, import_id: int, payload: ImportChoicesIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    imp = access_import_by_id(viewer, import_id)
    choices = {
        choice.index: {
            key: value
            for key, value in (("request", choice.request), ("skip", choice.skip))
            if value is not None
        }
        for choice in payload.rows
    }
    return import_out(imports.contact_import_choose(actor=viewer, imp=imp, choices=choices))


@router.post(
    "/imports/{int:import_id}/confirm",
    response={200: ImportOut, **error_responses(400, 401, 404, 409), **GUARDED},
    summary="Import the preview",
    description=(
        "One transaction: new contacts created, rows already in your notebook merged, "
        "connection requests sent to the rows you chose (with the optional `note`, guarded). "
        "Anything refused rolls back everything. Only while in `preview` (409)."
    ),
)
def import_confirm(
    request: HttpRequest, import_id: int, payload: ImportConfirmIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    imp = access_import_by_id(viewer, import_id)
    imp = imports.contact_import_confirm(
        actor=viewer, imp=imp, note=payload.note, acknowledge_warnings=payload.acknowledge_warnings
    )
    return import_out(imp)


@router.post(
    "/imports/{int:import_id}/cancel",
    response={200: ImportOut, **error_responses(401, 404, 409)},
    summary="Cancel the preview (nothing is imported)",
)
def import_cancel(request: HttpRequest, import_id: int) -> dict[str, Any]:
    viewer = viewer_of(request)
    imp = imports.contact_import_cancel(actor=viewer, imp=access_import_by_id(viewer, import_id))
    return import_out(imp)
