"""HTML pages of the contacts notebook, at /contacts/.

Thin: parse (forms) → resolve through ``access.py`` (anything not the viewer's own is a 404)
→ one service or selector → render. Every page says "Only you can see this notebook."
Forms post normally and redirect (POST/redirect/GET); errors re-render the page they came
from with the service's status (422/409). htmx enhances the list filters and the due list's
one-click actions (the item is replaced by a short status).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rounds.core.errors import ApplicationError, Conflict
from rounds.core.fragments import (
    cached_html_joined,
    render_for_cache,
    render_page,
    template_digest,
)
from rounds.core.htmx import is_htmx, render_page_or_fragment
from rounds.core.http import apply_service_errors, map_errors
from rounds.core.pagination import MAX_PAGE_NUMBER, paginate, parse_positive_int
from rounds.core.publishing import ACKNOWLEDGE_FIELD, is_acknowledged

from . import imports, services
from .access import (
    access_contact_by_id,
    access_import_by_id,
    access_note_by_id,
    access_tag_by_id,
)
from .forms import (
    QUICK_LOG_KINDS,
    CadenceForm,
    ConfirmImportForm,
    ContactFilterForm,
    ContactForm,
    NoteForm,
    QuickLogForm,
    SettingsForm,
    TagForm,
    TagsForm,
    UploadForm,
)
from .models import Contact, ContactImport
from .selectors import (
    DueItem,
    DuePage,
    cadence_of,
    contact_counts_for,
    contact_list_for,
    contacts_for_export,
    days_overdue,
    due_rows_for,
    import_list_for,
    note_list_for,
    notebook_settings_for,
    show_member_profiles,
    tag_list_for,
)
from .vcard import Card, write_cards

PAGE_SIZE = 25
DUE_PAGE_SIZE = 20
IMPORT_PAGE_SIZE = 50


# --- helpers ---------------------------------------------------------------------------------


def _page_number(request: HttpRequest) -> int:
    return parse_positive_int(request.GET.get("page"), default=1, maximum=MAX_PAGE_NUMBER)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _tags(viewer: Any) -> list[Any]:
    return list(tag_list_for(viewer=viewer))


def _detail_url(contact: Contact) -> str:
    return reverse("contacts:detail", args=[contact.pk])


# --- the notebook list -----------------------------------------------------------------------------


@require_GET
@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """The notebook: search, filter by tag, network and member-or-not, archived apart."""
    viewer = request.user
    tags = _tags(viewer)
    form = ContactFilterForm(request.GET, tags=tags)
    counts = contact_counts_for(viewer=viewer)
    context: dict[str, Any] = {"form": form, "counts": counts, "tags": tags}
    template = "contacts/list.html"
    if not form.is_valid():
        context.update({"page": None, "items": []})
        return render_page_or_fragment(
            request, template, fragment="results", context=context, status=400
        )
    data = form.cleaned_data
    page = paginate(
        contact_list_for(
            viewer=viewer,
            q=data["q"].strip(),
            tag_id=data["tag"],
            network_type=data["type"],
            kind=data["kind"],
            archived=data["archived"],
        ),
        page=_page_number(request),
        size=PAGE_SIZE,
    )
    context.update(
        {
            "page": page,
            "items": show_member_profiles(page.items),
            "has_filters": any(data.values()),
            "now": timezone.now(),
        }
    )
    return render_page_or_fragment(request, template, fragment="results", context=context)


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def contact_add(request: HttpRequest) -> HttpResponse:
    """Add someone who is not (yet) on Rounds."""
    tags = _tags(request.user)
    status = 200
    if request.method == "GET":
        form = ContactForm(tags=tags)
    else:
        form = ContactForm(request.POST, tags=tags)
        status = 422
        if form.is_valid():
            try:
                contact = services.contact_create(
                    actor=request.user,
                    data=form.service_data(),
                    tag_ids=form.cleaned_data["tags"],
                    acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"{contact.name} is in your notebook.")
                return redirect(_detail_url(contact))
    return render(
        request, "contacts/form.html", {"form": form, "contact": None, "tags": tags}, status=status
    )


# --- one contact ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, contact: Contact, **forms: Any) -> dict[str, Any]:
    tags = forms.pop("tags", None) or _tags(request.user)
    contact_tags = list(contact.tags.all())
    selected = {str(t.pk) for t in contact_tags}
    show_member_profiles([contact])
    return {
        "contact": contact,
        "profile": contact.shown_profile,  # type: ignore[attr-defined]
        "notes": list(note_list_for(contact=contact)[:200]),
        "cadence": cadence_of(contact),
        "contact_tags": contact_tags,
        "note_form": forms.get("note_form") or NoteForm(contact_name=contact.name),
        "cadence_form": forms.get("cadence_form")
        or CadenceForm(initial={"cadence_days": contact.cadence_days}),
        "tags_form": forms.get("tags_form") or TagsForm(initial={"tags": selected}, tags=tags),
        "tags": tags,
        "now": timezone.now(),
        "days_overdue": days_overdue(contact.due_at),
    }


@require_GET
@login_required
@map_errors
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    """One contact: details, the notes timeline, the log form, cadence and tags."""
    contact = access_contact_by_id(request.user, contact_id)
    return render(request, "contacts/detail.html", _detail_context(request, contact))


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Edit a contact's details, network, cadence and tags."""
    contact = access_contact_by_id(request.user, contact_id)
    tags = _tags(request.user)
    member = bool(contact.member_id and contact.connected)
    status = 200
    if request.method == "GET":
        initial = {
            name: getattr(contact, name)
            for name in ("name", "organization", "title", "email", "phone", "url", "how_met")
        }
        initial["cadence_days"] = contact.cadence_days
        initial["tags"] = [str(t.pk) for t in contact.tags.all()]
        if member or contact.network_type_chosen:
            initial["network_type"] = contact.network_type
        form = ContactForm(initial=initial, tags=tags, member=member)
    else:
        form = ContactForm(request.POST, tags=tags, member=member)
        status = 422
        if form.is_valid():
            try:
                services.contact_update(
                    actor=request.user,
                    contact=contact,
                    data=form.service_data(),
                    tag_ids=form.cleaned_data["tags"],
                    acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, "Saved. Only you can see it.")
                return redirect(_detail_url(contact))
    return render(
        request,
        "contacts/form.html",
        {"form": form, "contact": contact, "tags": tags, "member": member},
        status=status,
    )


@require_POST
@login_required
@map_errors
def contact_log(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Log a conversation (resets the keep-in-touch clock) or write a note."""
    contact = access_contact_by_id(request.user, contact_id)
    form = NoteForm(request.POST, contact_name=contact.name)
    status = 422
    if form.is_valid():
        try:
            note = services.note_create(
                actor=request.user,
                contact=contact,
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                body=form.cleaned_data["body"],
                acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            if note.is_interaction:
                messages.success(request, "Logged. The keep-in-touch clock starts again.")
            else:
                messages.success(request, "Note saved. Only you can see it.")
            return redirect(_safe_next(request, _detail_url(contact)) + "#notes")
    context = _detail_context(request, contact, note_form=form)
    return render(request, "contacts/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def note_edit(request: HttpRequest, contact_id: int, note_id: int) -> HttpResponse:
    """Edit one note (a later date moves the clock forward, never back)."""
    contact = access_contact_by_id(request.user, contact_id)
    note = access_note_by_id(request.user, contact, note_id)
    status = 200
    if request.method == "GET":
        form = NoteForm(
            initial={"kind": note.kind, "occurred_on": note.occurred_on, "body": note.body},
            contact_name=contact.name,
        )
    else:
        form = NoteForm(request.POST, contact_name=contact.name)
        status = 422
        if form.is_valid():
            try:
                services.note_update(
                    actor=request.user,
                    note=note,
                    kind=form.cleaned_data["kind"],
                    occurred_on=form.cleaned_data["occurred_on"],
                    body=form.cleaned_data["body"],
                    acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, "Note saved.")
                return redirect(_detail_url(contact) + "#notes")
    return render(
        request,
        "contacts/note_form.html",
        {"form": form, "contact": contact, "note": note},
        status=status,
    )


@require_POST
@login_required
@map_errors
def note_delete(request: HttpRequest, contact_id: int, note_id: int) -> HttpResponse:
    contact = access_contact_by_id(request.user, contact_id)
    note = access_note_by_id(request.user, contact, note_id)
    services.note_delete(actor=request.user, note=note)
    messages.success(request, "Note deleted.")
    return redirect(_detail_url(contact) + "#notes")


@require_POST
@login_required
@map_errors
def contact_cadence(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Set (or clear) the contact's own cadence."""
    contact = access_contact_by_id(request.user, contact_id)
    form = CadenceForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.contact_update(
                actor=request.user,
                contact=contact,
                data={"cadence_days": form.cleaned_data["cadence_days"]},
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, "Cadence saved.")
            return redirect(_detail_url(contact))
    context = _detail_context(request, contact, cadence_form=form)
    return render(request, "contacts/detail.html", context, status=status)


@require_POST
@login_required
@map_errors
def contact_tags(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Replace the contact's tags."""
    contact = access_contact_by_id(request.user, contact_id)
    tags = _tags(request.user)
    form = TagsForm(request.POST, tags=tags)
    status = 422
    if form.is_valid():
        try:
            services.contact_update(
                actor=request.user, contact=contact, data={}, tag_ids=form.cleaned_data["tags"]
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, "Tags saved.")
            return redirect(_detail_url(contact))
    context = _detail_context(request, contact, tags_form=form, tags=tags)
    return render(request, "contacts/detail.html", context, status=status)


def _item_done(
    request: HttpRequest, *, item_id: str, message: str, next_url: str, status: int = 200
) -> HttpResponse:
    """htmx: replace the due-list item by a short status; plain POST: redirect with it."""
    if is_htmx(request):
        context = {"item_id": item_id, "message": message, "is_error": status >= 400}
        response = render(request, "contacts/_item_done.html", context, status=status)
        patch_vary_headers(response, ("HX-Request",))
        return response
    messages.success(request, message)
    return redirect(next_url)


@require_POST
@login_required
@map_errors
def contact_snooze(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Put off the reminder for 30 days."""
    contact = access_contact_by_id(request.user, contact_id)
    services.contact_snooze(actor=request.user, contact=contact)
    return _item_done(
        request,
        item_id=f"due-{contact.pk}",
        message=f"Snoozed: {contact.name} comes back in 30 days.",
        next_url=_safe_next(request, _detail_url(contact)),
    )


@require_POST
@login_required
@map_errors
def contact_quick_log(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The due list's "we had a call / coffee / met" (today by default)."""
    contact = access_contact_by_id(request.user, contact_id)
    form = QuickLogForm(request.POST)
    if not form.is_valid():
        error = str(next(iter(form.errors.values()))[0])
        if is_htmx(request):
            return _item_done(
                request, item_id=f"due-{contact.pk}", message=error, next_url="", status=422
            )
        messages.error(request, error)
        return redirect(_safe_next(request, reverse("contacts:due")))
    try:
        services.note_create(
            actor=request.user,
            contact=contact,
            kind=form.cleaned_data["kind"],
            occurred_on=form.cleaned_data["occurred_on"] or timezone.localdate(),
        )
    except ApplicationError as exc:
        if is_htmx(request):  # the item shows the error in place (a redirect would be swapped in)
            return _item_done(
                request,
                item_id=f"due-{contact.pk}",
                message=exc.message,
                next_url="",
                status=exc.status_code,
            )
        messages.error(request, exc.message)
        return redirect(_safe_next(request, reverse("contacts:due")))
    label = dict(QUICK_LOG_KINDS)[form.cleaned_data["kind"]].lower()
    return _item_done(
        request,
        item_id=f"due-{contact.pk}",
        message=f"Logged for {contact.name}: {label}. The clock starts again.",
        next_url=_safe_next(request, reverse("contacts:due")),
    )


@require_POST
@login_required
@map_errors
def contact_archive(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Archive (``archived=1``) or restore (``archived=0``) a contact."""
    contact = access_contact_by_id(request.user, contact_id)
    archive = request.POST.get("archived", "1") != "0"
    services.contact_update(actor=request.user, contact=contact, data={"archived": archive})
    message = (
        f"{contact.name} is archived: no reminders, hidden from your list."
        if archive
        else f"{contact.name} is back in your notebook."
    )
    messages.success(request, message)
    return redirect(_safe_next(request, _detail_url(contact)))


@require_POST
@login_required
@map_errors
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Delete a contact and its notes (not a contact you are connected to: archive it)."""
    contact = access_contact_by_id(request.user, contact_id)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, f"{contact.name} and your notes were deleted.")
    return redirect("contacts:list")


def _card(contact: Contact, request: HttpRequest) -> Card:
    profile = contact.shown_profile  # type: ignore[attr-defined]  # show_member_profiles
    url = contact.url
    if profile is not None and not url:
        url = request.build_absolute_uri(reverse("profiles:detail", args=[profile.handle]))
    return Card(
        name=contact.name,
        organization=contact.organization,
        title=contact.title,
        email=contact.email,
        phone=contact.phone,
        note=contact.how_met,
        categories=tuple(t.name for t in contact.tags.all()),
        url=url,
    )


def _vcard_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body.encode("utf-8"), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
@map_errors
def contact_vcard(request: HttpRequest, contact_id: int) -> HttpResponse:
    """One contact as a vCard 4.0 file."""
    contact = access_contact_by_id(request.user, contact_id)
    contact = contacts_for_export(viewer=request.user, contact_id=contact.pk).get()
    show_member_profiles([contact])
    return _vcard_response(write_cards([_card(contact, request)]), f"contact-{contact.pk}.vcf")


@require_GET
@login_required
def export_vcards(request: HttpRequest) -> HttpResponse:
    """The whole notebook (archived contacts too) as one .vcf file. Audited (count only)."""
    contacts = show_member_profiles(list(contacts_for_export(viewer=request.user)))
    services.audit_export(actor=request.user, count=len(contacts))
    return _vcard_response(
        write_cards(_card(contact, request) for contact in contacts), "rounds-contacts.vcf"
    )


# --- due to reconnect ---------------------------------------------------------------------------


@require_GET
@login_required
@map_errors
def due_list(request: HttpRequest) -> HttpResponse:
    """Contacts due to reconnect (and those due within a week), most overdue first."""
    cursor = str(request.GET.get("cursor", ""))[:100]
    rows = due_rows_for(viewer=request.user, cursor=cursor, limit=DUE_PAGE_SIZE, tags=False)
    page = DuePage(
        items=[DueItem(contact=c, days_overdue=days) for c, days in rows.items],  # type: ignore[arg-type]
        next_cursor=rows.next_cursor,
    )
    return_to = request.get_full_path()
    keyed = _due_item_keys(request, page.items, return_to)
    counts = contact_counts_for(viewer=request.user) if not page.items else None

    def context() -> dict[str, Any]:
        return {
            "page": page,
            "items_html": _due_items_html(request, page.items, return_to, keyed),
            "cursor": cursor,
            "return_to": return_to,
            "quick_kinds": QUICK_LOG_KINDS,
            "counts": counts,
        }

    return render_page(
        request,
        "contacts/due.html",
        context,
        key_parts=(
            page.next_cursor,
            tuple(p for _, p in keyed),
            tuple(sorted(counts.items())) if counts is not None else None,
        ),
        fragment="results",
    )


_DUE_ITEM = "contacts/_due_item.html"
_DUE_ITEM_DIGEST = template_digest(_DUE_ITEM, "contacts/_network_tag.html", extra=QUICK_LOG_KINDS)


def _due_item_keys(
    request: HttpRequest, items: list[Any], return_to: str
) -> list[tuple[int, tuple[Any, ...]]]:
    """Each due item's cache key parts: the viewer, the page's address (the forms come back
    to it), the time zone (dates) and every value the item shows, so a note, a snooze, an
    edit, a rename or a block that hides the member's profile makes a new key."""
    zone = timezone.get_current_timezone_name()
    keyed = []
    for index, item in enumerate(items):
        contact, profile = item.contact, item.contact.shown_profile
        shown = (
            None
            if profile is None
            else (profile.handle, profile.display_name, profile.avatar.name or "")
        )
        last = contact.last_interaction_at
        parts = (
            "due-item/2",
            _DUE_ITEM_DIGEST,
            request.user.pk,
            return_to,
            zone,
            contact.pk,
            contact.name,
            contact.title,
            contact.organization,
            contact.network_type,
            last.timestamp() if last else None,
            item.days_overdue,
            shown,
        )
        keyed.append((index, parts))
    return keyed


def _due_items_html(
    request: HttpRequest,
    items: list[Any],
    return_to: str,
    keyed: list[tuple[int, tuple[Any, ...]]],
) -> SafeString:
    """Each due item's HTML (``keyed`` from ``_due_item_keys``) from the per-viewer cache,
    rendered when missing."""

    def build(missing: list[Any]) -> dict[Any, str]:
        return {
            i: render_for_cache(
                _DUE_ITEM,
                {"item": items[i], "return_to": return_to, "quick_kinds": QUICK_LOG_KINDS},
            )
            for i in missing
        }

    return cached_html_joined(request, keyed, build)


# --- tags and settings --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    """The member's tags with their cadences; POST creates one."""
    status = 200
    form = TagForm()
    if request.method == "POST":
        form = TagForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                tag = services.tag_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    cadence_days=form.cleaned_data["cadence_days"],
                )
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"Tag “{tag.name}” created.")
                return redirect("contacts:tags")
    context = {"form": form, "tags": _tags(request.user)}
    return render(request, "contacts/tags.html", context, status=status)


@require_POST
@login_required
@map_errors
def tag_edit(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = access_tag_by_id(request.user, tag_id)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.tag_update(
                actor=request.user,
                tag=tag,
                name=form.cleaned_data["name"],
                cadence_days=form.cleaned_data["cadence_days"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "Tag saved.")
            return redirect("contacts:tags")
    else:
        status = 422
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    context = {"form": TagForm(), "tags": _tags(request.user), "edit_id": tag.pk}
    return render(request, "contacts/tags.html", context, status=status)


@require_POST
@login_required
@map_errors
def tag_delete(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = access_tag_by_id(request.user, tag_id)
    services.tag_delete(actor=request.user, tag=tag)
    messages.success(request, f"Tag “{tag.name}” deleted; its contacts stay.")
    return redirect("contacts:tags")


@require_http_methods(["GET", "POST"])
@login_required
def notebook_settings(request: HttpRequest) -> HttpResponse:
    """The three default cadences (operational, personal, strategic)."""
    current = notebook_settings_for(viewer=request.user)
    status = 200
    if request.method == "GET":
        form = SettingsForm(
            initial={
                "operational_days": current.operational_days,
                "personal_days": current.personal_days,
                "strategic_days": current.strategic_days,
            }
        )
    else:
        form = SettingsForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                services.notebook_settings_update(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, "Saved. Every reminder follows your new defaults.")
                return redirect("contacts:settings")
    return render(request, "contacts/settings.html", {"form": form}, status=status)


# --- imports -------------------------------------------------------------------------------------


def _upload_forms(**bound: Any) -> dict[str, Any]:
    return {
        "linkedin_form": bound.get("linkedin")
        or UploadForm(accept=".csv,text/csv", label="Connections.csv"),
        "vcard_form": bound.get("vcard")
        or UploadForm(accept=".vcf,text/vcard", label="vCard file (.vcf)"),
    }


@require_GET
@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    """Where imports start (LinkedIn, vCard) and the recent imports."""
    context = {**_upload_forms(), "imports": list(import_list_for(viewer=request.user)[:10])}
    return render(request, "contacts/import.html", context)


def _upload(request: HttpRequest, kind: str) -> HttpResponse:
    key = "linkedin" if kind == ContactImport.Kind.LINKEDIN else "vcard"
    accept = ".csv,text/csv" if key == "linkedin" else ".vcf,text/vcard"
    label = "Connections.csv" if key == "linkedin" else "vCard file (.vcf)"
    if request.method == "GET":
        return redirect(reverse("contacts:import") + f"#{key}")
    form = UploadForm(request.POST, request.FILES, accept=accept, label=label)
    status = 422
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imp = imports.contact_import_create(
                actor=request.user, kind=kind, data=upload.read(), filename=upload.name or ""
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            return redirect("contacts:import_preview", import_id=imp.pk)
    context = {
        **_upload_forms(**{key: form}),
        "imports": list(import_list_for(viewer=request.user)[:10]),
        "failed": key,
    }
    return render(request, "contacts/import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def import_linkedin(request: HttpRequest) -> HttpResponse:
    """Upload LinkedIn's Connections.csv (GET: the form on the import page)."""
    return _upload(request, ContactImport.Kind.LINKEDIN)


@require_http_methods(["GET", "POST"])
@login_required
def import_vcard(request: HttpRequest) -> HttpResponse:
    """Upload a .vcf file (GET: the form on the import page)."""
    return _upload(request, ContactImport.Kind.VCARD)


def _page_choices(request: HttpRequest, imp: ContactImport) -> dict[int, dict[str, bool]]:
    """The choices posted for the rows shown on one preview page."""
    shown: list[int] = []
    for value in request.POST.getlist("row")[:IMPORT_PAGE_SIZE]:
        try:
            shown.append(int(value))
        except ValueError:
            continue
    requested = set(request.POST.getlist("request"))
    skipped = set(request.POST.getlist("skip"))
    choices: dict[int, dict[str, bool]] = {}
    for index in shown:
        if not 0 <= index < len(imp.rows):
            continue
        row = imp.rows[index]
        choice = {"skip": str(index) in skipped}
        if row["can_request"]:
            choice["request"] = str(index) in requested
        choices[index] = choice
    return choices


@require_http_methods(["GET", "POST"])
@login_required
@map_errors
def import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    """Review an import page by page: the proposed member matches with their confidence, who
    gets a connection request, who is left out. POST saves this page's choices, and with
    ``confirm`` imports everything (one transaction)."""
    imp = access_import_by_id(request.user, import_id)
    number = _page_number(request)
    confirm_form = ConfirmImportForm()
    status = 200
    if request.method == "POST" and imp.state != ContactImport.State.PREVIEW:
        raise Conflict(f"This import was already {imp.get_state_display().lower()}.")
    if request.method == "POST":
        confirm_form = ConfirmImportForm(request.POST)
        status = 422
        try:
            imp = imports.contact_import_choose(
                actor=request.user, imp=imp, choices=_page_choices(request, imp)
            )
            if "confirm" in request.POST or ACKNOWLEDGE_FIELD in request.POST:
                if confirm_form.is_valid():
                    imp = imports.contact_import_confirm(
                        actor=request.user,
                        imp=imp,
                        note=confirm_form.cleaned_data["note"],
                        acknowledge_warnings=is_acknowledged(request.POST.get(ACKNOWLEDGE_FIELD)),
                    )
                    summary = imp.summary
                    messages.success(
                        request,
                        f"Imported: {summary.get('created', 0)} new contacts, "
                        f"{summary.get('merged', 0)} merged, "
                        f"{summary.get('requests_sent', 0)} connection requests sent.",
                    )
                    return redirect("contacts:import_preview", import_id=imp.pk)
            else:
                messages.success(request, "Your choices on this page are saved.")
                target = parse_positive_int(
                    request.POST.get("goto_page"), default=number, maximum=MAX_PAGE_NUMBER
                )
                return redirect(
                    reverse("contacts:import_preview", args=[imp.pk]) + f"?page={target}"
                )
        except ApplicationError as exc:
            apply_service_errors(confirm_form, exc)
            status = exc.status_code
            imp = access_import_by_id(request.user, import_id)
    rows, has_next = imports.import_rows_page(imp, page=number, size=IMPORT_PAGE_SIZE)
    for row in rows:
        match = row.get("match")
        row["confidence_label"] = (
            imports.CONFIDENCE_LABELS.get(match["confidence"], "") if match else ""
        )
    context = {
        "imp": imp,
        "rows": rows,
        "page": {
            "number": number,
            "has_next": has_next,
            "has_previous": number > 1,
            "next_number": number + 1,
            "previous_number": number - 1,
        },
        "confirm_form": confirm_form,
        "warnings": imp.warnings[:50],
    }
    return render(request, "contacts/import_preview.html", context, status=status)


@require_POST
@login_required
@map_errors
def import_cancel(request: HttpRequest, import_id: int) -> HttpResponse:
    imp = access_import_by_id(request.user, import_id)
    imports.contact_import_cancel(actor=request.user, imp=imp)
    messages.success(request, "Import cancelled: nothing was imported.")
    return redirect("contacts:import")
