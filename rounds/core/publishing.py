"""Publishing paths: every text a member publishes passes the professionalism guard first.

A *publishing path* is one place where member-written text becomes visible to others (a
profile bio, a headline, a connection request's note; later posts, comments, messages...).
Each is declared once, next to the service that writes it, and registered here::

    BIO = publishing_path("profile.bio", kind="bio", field="bio", model_field="profiles.Profile.bio")

and the service calls the guard for it before writing, inside its transaction::

    guard_text(actor=actor, path=BIO, text=bio, acknowledge_warnings=acknowledge_warnings)

Policy (issue 4): a high-confidence patient identifier **blocks** (``ContentBlocked``, 422:
the author must edit; acknowledging does not help); any other finding **warns**
(``ContentNeedsConfirmation``, 422) until the author acknowledges the warnings, and then the
text is published and the override is counted. Both errors carry each field's report; the API
answers them with the findings (``config/api.py``), pages show them highlighted under the field
with a "Publish anyway" button (``rounds.core.http.apply_service_errors``).

Counting (``GuardTally``): refusals shown on submit (blocked / warned) and overrides, per day,
kind of text, category and rule. Never the text, never the member. Overrides are counted in
the service's transaction (only when the text is really published); refusals are counted by
the interface that shows them, because the service's transaction rolls back.

The text itself is never logged or stored here; it is written only where it is published.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Q, Sum
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from rounds.guard import CATEGORIES, Finding, GuardReport, check
from rounds.guard.context import KINDS, GuardContext

from .errors import (
    ContentBlocked,
    ContentNeedsConfirmation,
    ContentRefused,
    Forbidden,
    GuardedField,
)
from .models import GuardTally

#: The name of the flag (form field and API body member) by which an author confirms warnings.
ACKNOWLEDGE_FIELD = "acknowledge_warnings"

BLOCK_DETAIL = (
    "Not published: this could identify a patient. Remove the highlighted details and try "
    "again; it cannot be published as it is."
)
WARN_DETAIL = (
    "Not published yet: please review what the professionalism guard found. Edit the text, or "
    "send it again with acknowledge_warnings to publish it as it is."
)
BLOCK_FIELD_MESSAGE = (
    "This could identify a patient. Edit the highlighted text: it cannot be published as it is."
)
WARN_FIELD_MESSAGE = (
    "Take a second look at the highlighted text: edit it, or confirm that you want to publish "
    "it as it is."
)

CATEGORY_LABELS = {
    "patient_information": "Patient information",
    "offensive": "Unprofessional language",
    "oversharing": "Your personal details",
}
SEVERITY_LABELS = {"block": "Must be removed", "warn": "Worth a second look"}


# --- the registry of publishing paths ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishingPath:
    """One place where member-written text is published.

    ``name`` is stable (``"profile.bio"``); ``kind`` is the guard's kind of text; ``field``
    names the input in the page form and in the API body; ``model_field`` is the column the
    text is stored in (``"app_label.Model.field"``), so a test can tell that every free-text
    column is guarded.
    """

    name: str
    kind: str
    field: str
    model_field: str


#: Every publishing path, by name. Filled when the services that declare them are imported.
PUBLISHING_PATHS: dict[str, PublishingPath] = {}


def publishing_path(name: str, *, kind: str, field: str, model_field: str) -> PublishingPath:
    """Declare (and register) a publishing path. Declaring the same name twice differently is
    a programming error (ValueError)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown guard kind {kind!r} for publishing path {name!r}.")
    path = PublishingPath(name=name, kind=kind, field=field, model_field=model_field)
    existing = PUBLISHING_PATHS.setdefault(name, path)
    if existing != path:
        raise ValueError(f"Publishing path {name!r} is declared twice, differently.")
    return path


# --- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A text about to be published on ``path`` (as the service will store it)."""

    path: PublishingPath
    text: str


def guard_context(actor: Any, kind: str, colleague_names: Iterable[str] = ()) -> GuardContext:
    """The guard context for ``actor`` publishing ``kind``: their own professional details
    (name, NPI, profile phone, account e-mail) and the colleagues named by the caller."""
    from rounds.guard.api import guard_context_for

    context = guard_context_for(actor, kind)
    names = tuple(name for name in colleague_names if name)
    if names:
        context = dataclasses.replace(context, colleague_names=context.colleague_names + names)
    return context


def guard_texts(
    *,
    actor: Any,
    drafts: Sequence[Draft],
    acknowledge_warnings: bool,
    colleague_names: Iterable[str] = (),
) -> dict[str, GuardReport]:
    """Check every draft of one write before anything is written; return the reports by field.

    Raises ``ContentBlocked`` when any draft holds a blocking finding (whatever
    ``acknowledge_warnings`` says), ``ContentNeedsConfirmation`` when drafts hold warnings the
    author has not acknowledged. Both carry every field with findings. When the author did
    acknowledge, the overrides are counted (in the caller's transaction, so only if the write
    commits). Empty drafts are not checked. Call it inside the service's transaction, after
    the other validation and right before writing.

    A member whose account deletion is scheduled (``rounds.accounts.policies``; no query) and
    a suspended member (``rounds.moderation``; one query) publish nothing: ``Forbidden`` (403)
    on every path, whatever the text.
    """
    from rounds.accounts.policies import ensure_not_leaving
    from rounds.moderation.policies import SUSPENDED_MESSAGE, is_suspended

    ensure_not_leaving(actor)
    if is_suspended(actor):
        raise Forbidden(SUSPENDED_MESSAGE)
    names = tuple(colleague_names)
    reports: dict[str, GuardReport] = {}
    flagged: dict[str, GuardedField] = {}
    for draft in drafts:
        if not draft.text:
            reports[draft.path.field] = GuardReport()
            continue
        report = check(draft.text, context=guard_context(actor, draft.path.kind, names))
        reports[draft.path.field] = report
        if report.findings:
            flagged[draft.path.field] = GuardedField(
                field=draft.path.field, kind=draft.path.kind, report=report, text=draft.text
            )
    if not flagged:
        return reports
    if any(guarded.report.blocked for guarded in flagged.values()):
        errors = {
            name: [BLOCK_FIELD_MESSAGE if guarded.report.blocked else WARN_FIELD_MESSAGE]
            for name, guarded in flagged.items()
        }
        raise ContentBlocked(BLOCK_DETAIL, fields=flagged, errors=errors)
    if not acknowledge_warnings:
        raise ContentNeedsConfirmation(
            WARN_DETAIL,
            fields=flagged,
            errors={name: [WARN_FIELD_MESSAGE] for name in flagged},
        )
    _tally(
        (guarded.kind, finding.category, finding.rule, GuardTally.Outcome.OVERRIDDEN)
        for guarded in flagged.values()
        for finding in guarded.report.findings
    )
    return reports


def guard_text(
    *,
    actor: Any,
    path: PublishingPath,
    text: str,
    acknowledge_warnings: bool,
    colleague_names: Iterable[str] = (),
) -> GuardReport:
    """``guard_texts`` for a single text: its report, or ContentBlocked /
    ContentNeedsConfirmation (see there)."""
    reports = guard_texts(
        actor=actor,
        drafts=[Draft(path=path, text=text)],
        acknowledge_warnings=acknowledge_warnings,
        colleague_names=colleague_names,
    )
    return reports[path.field]


def guard_preview(
    *, actor: Any, kind: str, text: str, colleague_names: Iterable[str] = ()
) -> GuardReport:
    """The report a draft would get on submit (for the composer's inline preview). Writes
    nothing, counts nothing."""
    if not text:
        return GuardReport()
    return check(text, context=guard_context(actor, kind, colleague_names))


def is_acknowledged(value: Any) -> bool:
    """Whether a submitted form value confirms the warnings ("1", "true", "on")."""
    return isinstance(value, str) and value.strip().lower() in {"1", "true", "on", "yes"}


# --- counting ---------------------------------------------------------------------------------


def _tally(rows: Iterable[tuple[str, str, str, str]]) -> None:
    """Add one to each distinct (kind, category, rule, outcome) counter of today (2 queries)."""
    keys = sorted(set(rows))
    if not keys:
        return
    day = timezone.now().date()
    GuardTally.objects.bulk_create(
        [
            GuardTally(day=day, kind=kind, category=category, rule=rule, outcome=outcome)
            for kind, category, rule, outcome in keys
        ],
        ignore_conflicts=True,
    )
    condition = Q()
    for kind, category, rule, outcome in keys:
        condition |= Q(kind=kind, category=category, rule=rule, outcome=outcome)
    GuardTally.objects.filter(condition, day=day).update(count=F("count") + 1)


def record_refusal(exc: ContentRefused) -> None:
    """Count a refusal the author was shown (blocked or warned findings), once per error.

    Called by the interfaces that show it (the API's error handler, the pages' form errors),
    outside the service's rolled-back transaction.
    """
    if exc.recorded:
        return
    exc.recorded = True
    _tally(
        (
            guarded.kind,
            finding.category,
            finding.rule,
            GuardTally.Outcome.BLOCKED
            if finding.severity == "block"
            else GuardTally.Outcome.WARNED,
        )
        for guarded in exc.fields.values()
        for finding in guarded.report.findings
    )


@dataclass(frozen=True, slots=True)
class OverrideRate:
    """For one rule: how often authors were warned on submit, and how often they published
    anyway. ``rate`` is overridden / warned (None before any warning was shown; it can exceed
    1 when API clients acknowledge up front)."""

    category: str
    rule: str
    warned: int
    overridden: int
    blocked: int

    @property
    def rate(self) -> float | None:
        return self.overridden / self.warned if self.warned else None


def override_rates(
    *, since: date | None = None, kind: str | None = None, tallies: Any = None
) -> list[OverrideRate]:
    """Warned / overridden / blocked counts per rule (most overridden first), from ``since``
    (a day, inclusive) and for one ``kind`` of text if given. One query."""
    qs = GuardTally.objects.all() if tallies is None else tallies
    if since is not None:
        qs = qs.filter(day__gte=since)
    if kind:
        qs = qs.filter(kind=kind)
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for row in qs.order_by().values("category", "rule", "outcome").annotate(total=Sum("count")):
        counts = totals.setdefault((row["category"], row["rule"]), {})
        counts[row["outcome"]] = row["total"] or 0
    rates = [
        OverrideRate(
            category=category,
            rule=rule,
            warned=counts.get(GuardTally.Outcome.WARNED, 0),
            overridden=counts.get(GuardTally.Outcome.OVERRIDDEN, 0),
            blocked=counts.get(GuardTally.Outcome.BLOCKED, 0),
        )
        for (category, rule), counts in totals.items()
    ]
    order: dict[str, int] = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(rates, key=lambda r: (-r.overridden, -r.warned, order.get(r.category, 9), r.rule))


# --- showing the findings (pages) -------------------------------------------------------------


def highlight(text: str, findings: Sequence[Finding]) -> SafeString:
    """``text`` escaped, each finding's span wrapped in ``<mark>`` and followed by its number
    (1-based, in the order of ``findings``). Overlapping spans are clipped so marks never
    nest; stripping the tags and unescaping gives back ``text`` plus the numbers."""
    parts: list[str] = []
    position = 0
    numbered = sorted(enumerate(findings, 1), key=lambda item: (item[1].start, -item[1].end))
    for number, finding in numbered:
        start = max(finding.start, position)
        end = min(finding.end, len(text))
        if end <= start:
            continue
        parts.append(escape(text[position:start]))
        parts.append(
            format_html(
                '<mark class="guard-mark guard-mark-{}">{}</mark>'
                '<sup class="guard-ref"><span class="visually-hidden">finding </span>{}</sup>',
                finding.severity,
                text[start:end],
                number,
            )
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308  every piece is escaped above


@dataclass(frozen=True, slots=True)
class GuardDisplay:
    """What a page shows for one field's report: the verdict, the text with the findings
    highlighted, and each finding explained. ``submitted``: shown on submit (a refusal), not
    while composing."""

    field: str
    kind: str
    text: str
    report: GuardReport
    submitted: bool = False

    @property
    def verdict(self) -> str:
        return self.report.verdict

    @property
    def highlighted(self) -> SafeString:
        return highlight(self.text, self.report.findings)

    @property
    def items(self) -> list[dict[str, Any]]:
        return [
            {
                "number": number,
                "category": finding.category,
                "category_label": CATEGORY_LABELS.get(finding.category, finding.category),
                "severity": finding.severity,
                "severity_label": SEVERITY_LABELS.get(finding.severity, finding.severity),
                "matched": finding.matched,
                "explanation": finding.explanation,
                "suggestion": finding.suggestion,
            }
            for number, finding in enumerate(self.report.findings, 1)
        ]


def displays_for(exc: ContentRefused) -> dict[str, GuardDisplay]:
    """The refusal's reports, ready for the page, by field name."""
    return {
        name: GuardDisplay(
            field=name, kind=guarded.kind, text=guarded.text, report=guarded.report, submitted=True
        )
        for name, guarded in exc.fields.items()
    }


def preview_attrs(path: PublishingPath, *, to_handle: str = "") -> dict[str, Any]:
    """Widget attributes that show the guard's report while composing: htmx posts the field
    (debounced) to the preview endpoint, which fills the field's guard slot. ``to_handle``
    names the member the text is addressed to (their name is a colleague's, not a patient's).
    """
    values = {"guard_kind": path.kind, "guard_field": path.field}
    if to_handle:
        values["guard_to"] = to_handle
    return {
        "hx-post": reverse_lazy("guard_preview"),
        "hx-trigger": "input changed delay:700ms",
        "hx-target": f"#{slot_id(path.field)}",
        "hx-swap": "innerHTML",
        "hx-sync": "this:replace",
        "hx-vals": json.dumps(values),
    }


def slot_id(field: str) -> str:
    """The id of the element that shows a field's guard report."""
    return f"guard-{field}"
