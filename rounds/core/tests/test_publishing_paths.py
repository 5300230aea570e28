"""Every publishing path calls the professionalism guard, through its page and its API.

``PATHS`` lists every place where member-written text is published: how to submit a text there
through the page (the no-JavaScript form post, and the htmx one) and through the API, and how
to read what was stored. For each path and each interface: patient information is blocked
(422, findings, nothing saved, even when "acknowledged"); a warning needs confirmation (422),
then publishes with the acknowledgement and counts the override (counts only, never the text);
clean text publishes the first time. A new publishing path (``publishing_path(...)`` next to
its service) fails ``test_every_publishing_path_is_in_the_table`` until it is added here, and
a new free-text column fails ``test_every_free_text_column_is_a_publishing_path`` until it is
guarded or exempted with a reason.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

import rounds
from rounds.core.models import GuardTally
from rounds.core.publishing import PUBLISHING_PATHS
from rounds.core.tests.api_client import ApiClient, api_as, assert_error
from rounds.network.models import ConnectionRequest
from rounds.profiles.models import Profile
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

PATIENT_INFO = "My patient John Smith, DOB 03/14/1956, MRN 00123456, was admitted with chest pain."
WARNING = "This new EHR rollout is a load of crap."
WARNING_RULE = ("offensive", "offensive.profanity")
CLEAN = "Hospitalist and clinical educator; I lead our sepsis quality program."
HTMX = {"HX-Request": "true"}


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """One publishing path and how to exercise it.

    ``arrange(member)`` creates what the path needs (e.g. a recipient) and returns it;
    ``page(client, member, target, text, acknowledge, htmx)`` and ``api(api, member, target,
    text, acknowledge)`` submit ``text``; ``stored(member, target)`` reads what is published
    (None when nothing is). Success is ``page_ok`` / ``api_ok``.
    """

    name: str
    kind: str
    field: str
    arrange: Callable[[Profile], Any]
    page: Callable[[Client, Profile, Any, str, bool, bool], HttpResponse]
    api: Callable[[ApiClient, Profile, Any, str, bool], HttpResponse]
    stored: Callable[[Profile, Any], str | None]
    page_ok: tuple[int, ...] = (200, 302)
    api_ok: int = 200


def _ack(data: dict[str, Any], acknowledge: bool, value: Any) -> dict[str, Any]:
    return {**data, "acknowledge_warnings": value} if acknowledge else data


def _nothing(member: Profile) -> None:
    return None


def _post(client: Client, url: str, data: dict[str, Any], htmx: bool) -> HttpResponse:
    return client.post(url, data, headers=HTMX if htmx else {})


def _bio_page(client, member, target, text, acknowledge, htmx):
    url = reverse("profiles:edit_section", args=["about"])
    return _post(client, url, _ack({"bio": text}, acknowledge, "1"), htmx)


def _headline_page(client, member, target, text, acknowledge, htmx):
    data = {
        "display_name": member.display_name,
        "handle": member.handle,
        "headline": text,
        "role": member.role,
        "career_stage": member.career_stage,
    }
    url = reverse("profiles:edit_section", args=["basics"])
    return _post(client, url, _ack(data, acknowledge, "1"), htmx)


def _profile_api(field: str):
    def submit(api, member, target, text, acknowledge):
        return api.patch("/me/profile", _ack({field: text}, acknowledge, True))

    return submit


def _profile_stored(field: str):
    def stored(member, target):
        return getattr(Profile.objects.get(pk=member.pk), field)

    return stored


def _recipient(member: Profile) -> Profile:
    return ProfileFactory(display_name="Ana Lucia Ferreira")


def _note_page(client, member, target, text, acknowledge, htmx):
    url = reverse("network:connect", args=[target.handle])
    return _post(client, url, _ack({"note": text}, acknowledge, "1"), htmx)


def _note_api(api, member, target, text, acknowledge):
    return api.post(
        "/network/requests", _ack({"handle": target.handle, "note": text}, acknowledge, True)
    )


def _note_stored(member, target):
    request = ConnectionRequest.objects.filter(sender=member.user, recipient=target.user).first()
    return None if request is None else request.note


PATHS = [
    Path(
        name="profile.bio",
        kind="bio",
        field="bio",
        arrange=_nothing,
        page=_bio_page,
        api=_profile_api("bio"),
        stored=_profile_stored("bio"),
    ),
    Path(
        name="profile.headline",
        kind="headline",
        field="headline",
        arrange=_nothing,
        page=_headline_page,
        api=_profile_api("headline"),
        stored=_profile_stored("headline"),
    ),
    Path(
        name="network.connection_note",
        kind="connection_note",
        field="note",
        arrange=_recipient,
        page=_note_page,
        api=_note_api,
        stored=_note_stored,
        page_ok=(302,),  # the connect page is a plain form: it redirects after sending
        api_ok=201,
    ),
]

#: Free-text columns that are not publishing paths, and why.
NOT_PUBLISHED_BY_MEMBERS = {
    "profiles.Organization.description": "no member-facing write path yet (staff edit it)",
}

INTERFACES = ["page", "page-htmx", "api"]


@pytest.fixture(params=PATHS, ids=lambda path: path.name)
def path(request) -> Path:
    return request.param


@pytest.fixture(params=INTERFACES)
def submit(request, member, client, path):
    """``submit(target, text, acknowledge) -> (status, response)`` through one interface."""
    interface = request.param
    if interface == "api":
        api = api_as(member.user)
        return lambda target, text, ack: path.api(api, member, target, text, ack)
    client.force_login(member.user)
    htmx = interface == "page-htmx"
    return lambda target, text, ack: path.page(client, member, target, text, ack, htmx)


def _is_api(response: HttpResponse) -> bool:
    return response["Content-Type"].startswith("application/json")


def _succeeded(path: Path, response: HttpResponse) -> bool:
    if _is_api(response):
        return response.status_code == path.api_ok
    return response.status_code in path.page_ok


def _tallies() -> dict[tuple[str, str, str, str], int]:
    return {
        (t.kind, t.category, t.rule, t.outcome): t.count
        for t in GuardTally.objects.filter(count__gt=0)
    }


def _assert_no_text_in_tallies(text: str, *fragments: str) -> None:
    """No counter row holds the text or any of its flagged ``fragments``."""
    for row in GuardTally.objects.values():
        for value in row.values():
            assert not any(part in str(value) for part in (text, *fragments)), row


# --- the behaviours, for every path and interface ----------------------------------------------


def test_patient_information_is_blocked_and_nothing_is_saved(path, submit, member):
    """Patient identifiers are a 422 with highlighted findings; nothing is published, even
    when the author "acknowledges" (blocks cannot be overridden)."""
    target = path.arrange(member)
    before = path.stored(member, target)
    for acknowledge in (False, True):
        response = submit(target, PATIENT_INFO, acknowledge)
        assert response.status_code == 422, response.content[:400]
        if _is_api(response):
            body = assert_error(response, 422, path.field)
            guard = body["guard"]
            assert guard["verdict"] == "block" and guard["blocked"] is True
            assert guard["needs_confirmation"] is False
            report = guard["fields"][path.field]
            rules = {f["rule"] for f in report["findings"]}
            assert {"phi.mrn", "phi.dob"} <= rules
            for finding in report["findings"]:
                assert PATIENT_INFO[finding["start"] : finding["end"]] == finding["matched"]
        else:
            html = response.content.decode()
            assert 'class="guard-mark guard-mark-block">00123456</mark>' in html
            assert "This could identify a patient" in html
            assert 'name="acknowledge_warnings"' not in html  # no "Publish anyway"
        assert path.stored(member, target) == before
    tallies = _tallies()
    assert tallies[(path.kind, "patient_information", "phi.mrn", "blocked")] == 2
    assert not [key for key in tallies if key[3] == "overridden"]
    _assert_no_text_in_tallies(PATIENT_INFO, "John Smith", "03/14/1956", "00123456")


def test_warning_needs_confirmation_then_publishes_and_counts_the_override(path, submit, member):
    """A warning-only text is a 422 asking for confirmation; with the acknowledgement it is
    published and the override is counted (the counter holds no text)."""
    target = path.arrange(member)
    before = path.stored(member, target)

    response = submit(target, WARNING, False)
    assert response.status_code == 422, response.content[:400]
    if _is_api(response):
        guard = assert_error(response, 422, path.field)["guard"]
        assert guard["verdict"] == "warn" and guard["needs_confirmation"] is True
        assert [f["rule"] for f in guard["fields"][path.field]["findings"]] == [WARNING_RULE[1]]
    else:
        html = response.content.decode()
        assert 'class="guard-mark guard-mark-warn">crap</mark>' in html
        assert 'name="acknowledge_warnings"' in html  # the one-click "Publish anyway"
    assert path.stored(member, target) == before
    assert _tallies() == {(path.kind, *WARNING_RULE, "warned"): 1}

    response = submit(target, WARNING, True)
    assert _succeeded(path, response), (response.status_code, response.content[:400])
    assert path.stored(member, target) == WARNING
    assert _tallies() == {
        (path.kind, *WARNING_RULE, "warned"): 1,
        (path.kind, *WARNING_RULE, "overridden"): 1,
    }
    _assert_no_text_in_tallies(WARNING, "crap", "EHR rollout")


def test_clean_text_is_published_the_first_time(path, submit, member):
    """A professional text is published without any question, and nothing is counted."""
    target = path.arrange(member)
    response = submit(target, CLEAN, False)
    assert _succeeded(path, response), (response.status_code, response.content[:400])
    assert path.stored(member, target) == CLEAN
    assert not GuardTally.objects.exists()


# --- no path can be forgotten -------------------------------------------------------------------


def _import_all_services() -> None:
    """Import every app's services module: publishing paths register when they are declared."""
    for module in pkgutil.iter_modules(rounds.__path__):
        try:
            importlib.import_module(f"rounds.{module.name}.services")
        except ModuleNotFoundError as exc:
            if exc.name != f"rounds.{module.name}.services":
                raise


def test_every_publishing_path_is_in_the_table():
    """The table above lists exactly the publishing paths the services declare."""
    _import_all_services()
    assert {p.name for p in PATHS} == set(PUBLISHING_PATHS)
    for p in PATHS:
        declared = PUBLISHING_PATHS[p.name]
        assert (declared.kind, declared.field) == (p.kind, p.field), p.name


def test_every_free_text_column_is_a_publishing_path():
    """Every TextField of our models (and every column a path names) is guarded, or exempt
    with a reason: a new kind of member text cannot skip the guard unnoticed."""
    _import_all_services()
    guarded = {p.model_field for p in PUBLISHING_PATHS.values()}
    for name in guarded:
        label, model_name, field_name = name.split(".")
        apps.get_model(label, model_name)._meta.get_field(field_name)  # names a real column
    free_text = {
        f"{model._meta.app_label}.{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("rounds.")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
    }
    unguarded = free_text - guarded - set(NOT_PUBLISHED_BY_MEMBERS)
    assert not unguarded, f"free-text columns without a publishing path: {sorted(unguarded)}"
