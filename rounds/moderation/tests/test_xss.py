"""Hostile text in every moderation text field (report details, moderators' reasons, the
reported excerpt) renders with nothing executable on the queue, report, log, suspensions
and notice pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rounds.core.testing import executable_constructs
from rounds.core.tests.xss_corpus import XSS_PAYLOADS
from rounds.moderation.models import ModerationAction, Report, Suspension
from rounds.moderation.tests.factories import staff_member
from rounds.profiles.tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_hostile_moderation_texts_render_inert():
    """Every payload in details, reasons and the reported profile's headline and bio renders
    without an executable construct on every moderation page."""
    assert len(XSS_PAYLOADS) >= 50
    staff = staff_member().user
    reporter = ProfileFactory().user
    actions = []
    for index, payload in enumerate(XSS_PAYLOADS):
        author = ProfileFactory(headline=payload[:160], bio=payload)
        Report.objects.create(
            reporter=reporter,
            target_kind="profile",
            target_id=author.pk,
            target_author=author.user,
            reason="other",
            details=payload,
        )
        actions.append(
            ModerationAction.objects.create(
                actor=staff,
                action="warn",
                target_kind="profile",
                target_id=author.pk,
                target_author=author.user,
                reason=payload[:500],
            )
        )
        Suspension.objects.create(user=author.user, reason=payload[:500], created_by=staff)
    client = Client()
    client.force_login(staff)
    pages = [
        reverse("moderation:queue") + "?page=1",
        reverse("moderation:queue") + "?page=2",
        reverse("moderation:queue") + "?page=3",
        reverse("moderation:queue") + "?page=4",
        reverse("moderation:log"),
        reverse("moderation:log") + "?page=2",
        reverse("moderation:suspensions"),
        reverse("moderation:suspensions") + "?page=2",
    ]
    pages += [
        reverse("moderation:report_detail", args=[pk])
        for pk in Report.objects.values_list("pk", flat=True)
    ]
    pages += [reverse("moderation:notice", args=[a.pk]) for a in actions]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        main = html[html.index('<main id="main"') : html.index("</main>")]
        # The pages' own forms are the only constructs allowed (each starts `<form method=`);
        # a payload's form, script, handler or URL would be listed differently or counted.
        found = [item for item in executable_constructs(main) if item != "<form>"]
        assert not found, (url, found)
        assert main.count("<form") == main.count('<form method="'), url
