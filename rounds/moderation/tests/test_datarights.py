"""Data rights of moderation: the export holds the reports a member filed; erasure keeps the
reports for moderators with the reporter removed and their details scrubbed."""

from __future__ import annotations

import json

import pytest
from django.db import models

from rounds.moderation import datarights
from rounds.moderation.models import ModerationAction, Report, Suspension
from rounds.moderation.services import report_act
from rounds.moderation.tests.factories import report, staff_member
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

CANARY = "canary-mod-5d1c"
MODELS = [Report, ModerationAction, Suspension]


def rows_containing(text: str) -> list[tuple[str, int]]:
    found = []
    for model in MODELS:
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model.objects.values("pk", *fields):
            if any(text in str(row[name]) for name in fields):
                found.append((model.__name__, row["pk"]))
    return found


def test_export_holds_the_reports_filed_and_nothing_about_others():
    """The member's reports (with their details) are exported; reports others filed about
    them are not."""
    ana, ben = ProfileFactory(), ProfileFactory()
    report(ana.user, "profile", ben.pk, reason="harassment", details=f"{CANARY} insults")
    report(ben.user, "profile", ana.pk, details="secret of ben")
    exported = datarights.export_member_data(ana.user)
    text = json.dumps(exported)
    assert CANARY in text and "secret of ben" not in text
    assert exported["reports_filed"][0]["reason"] == "harassment"


@pytest.mark.parametrize("anonymise", [False, True])
def test_erase_keeps_reports_for_moderators_without_the_reporter_or_details(anonymise):
    """After erase + delete, the report stays (reporter null, details empty) and no row holds
    the canary; decisions and suspensions about others are untouched."""
    ana, ben = ProfileFactory(), ProfileFactory()
    staff = staff_member().user
    filed = report(ana.user, "profile", ben.pk, details=f"{CANARY} details")
    report_act(actor=staff, report=filed, action="warn", reason="Be civil")
    report(ana.user, "profile", ben.pk, details=f"{CANARY} again")
    assert rows_containing(CANARY)

    datarights.erase_member_data(ana.user, anonymise=anonymise)
    ana.user.delete()

    assert rows_containing(CANARY) == []
    kept = list(Report.objects.order_by("id").values("reporter_id", "details", "state"))
    assert kept == [
        {"reporter_id": None, "details": "", "state": "actioned"},
        {"reporter_id": None, "details": "", "state": "open"},
    ]
    assert ModerationAction.objects.get().reason == "Be civil"


def test_a_suspended_member_erased_takes_the_suspension_along():
    """A member's suspension goes with their account (CASCADE)."""
    ben = ProfileFactory()
    Suspension.objects.create(user=ben.user, reason=f"{CANARY}")
    datarights.erase_member_data(ben.user)
    ben.user.delete()
    assert not Suspension.objects.exists()


def test_export_holds_the_decisions_about_the_member_and_their_suspensions():
    """What moderators decided about the member (the reasons they were told, as on their
    notice pages) and their suspensions are their data: exported, without the moderator, and
    without dismissals (which would reveal that someone reported them)."""
    ana, ben = ProfileFactory(), ProfileFactory()
    staff = staff_member().user
    filed = report(ben.user, "profile", ana.pk, details="ben's words")
    report_act(actor=staff, report=filed, action="warn", reason=f"{CANARY} be civil")
    dismissed = report(ben.user, "profile", ana.pk, details="again")
    report_act(actor=staff, report=dismissed, action="dismiss", reason="secret dismissal")
    Suspension.objects.create(user=ana.user, reason=f"{CANARY} suspended", created_by=staff)
    exported = datarights.export_member_data(ana.user)
    text = json.dumps(exported)
    assert [d["action"] for d in exported["moderation_decisions"]] == ["warn"]
    assert exported["moderation_decisions"][0]["reason"] == f"{CANARY} be civil"
    assert exported["suspensions"][0]["reason"] == f"{CANARY} suspended"
    assert exported["suspensions"][0]["lifted_at"] is None
    assert "secret dismissal" not in text and "ben's words" not in text
    assert set(exported["moderation_decisions"][0]) == {
        "action",
        "target_kind",
        "target_id",
        "reason",
        "decided_at",
    }
    assert set(exported) <= set(datarights.EXPORT_DESCRIPTIONS)
    # Ben filed the reports: the decisions about Ana are not his data.
    theirs = datarights.export_member_data(ben.user)
    assert theirs["moderation_decisions"] == [] and theirs["suspensions"] == []
