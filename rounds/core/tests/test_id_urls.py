"""``{% load ids %}``: links by id built from one reversed URL are exactly what ``reverse``
gives, under any script prefix."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from rounds.core.templatetags.ids import id_url_of

NAMES = ["contacts:detail", "contacts:quick_log", "contacts:snooze", "notifications:open"]


@pytest.mark.parametrize("name", NAMES)
def test_id_urls_match_reverse(name):
    """For ids small and large, the filter gives what ``reverse`` gives."""
    for object_id in (1, 42, 987654321, 2**63 - 1):
        assert id_url_of(name, object_id) == reverse(name, args=[object_id])


def test_id_urls_follow_the_script_prefix():
    """Served under a sub-path, links carry it (the cache is per prefix)."""
    set_script_prefix("/rounds/")
    try:
        assert id_url_of("contacts:detail", 7) == reverse("contacts:detail", args=[7])
        assert id_url_of("contacts:detail", 7).startswith("/rounds/")
    finally:
        clear_script_prefix()
    assert id_url_of("contacts:detail", 7) == reverse("contacts:detail", args=[7])


def test_the_filter_in_a_template_and_bad_input():
    """The template filter renders the link; a non-numeric id or an unknown name fails loudly."""
    html = Template('{% load ids %}{{ pk|id_url:"notifications:read" }}').render(Context({"pk": 5}))
    assert html == reverse("notifications:read", args=[5])
    with pytest.raises(ValueError):
        id_url_of("contacts:detail", "5; drop")  # type: ignore[arg-type]
    with pytest.raises(NoReverseMatch):
        id_url_of("contacts:nothing_here", 1)
