"""Server-rendered SVG charts: accessible names, table fallback, escaping, edge cases."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from rounds.core.charts import Datum, balance_bar, bar_chart, describe_parts, donut_chart

NETWORK = [
    Datum("Operational", 12, "operational"),
    Datum("Personal", 5, "personal"),
    Datum("Strategic", 3, "strategic"),
]


def test_bar_chart_is_an_accessible_image_with_title_and_description():
    """The SVG has role=img and is labelled by its <title> and <desc>."""
    html = bar_chart([("Cardiology", 12), ("Oncology", 7)], title="Specialties", description="Two.")
    assert 'role="img"' in html
    title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', html).groups()
    assert f'<title id="{title_id}">Specialties</title>' in html
    assert f'<desc id="{desc_id}">Two.</desc>' in html


def test_bar_chart_has_a_table_fallback_with_every_value():
    """Exact values are in a data table (inside <details>) for keyboard and screen readers."""
    html = bar_chart([("Cardiology", 12), ("Oncology", 7)], title="T", description="D")
    assert "<details" in html and "<table" in html
    assert re.search(r"<th scope=\"row\">Cardiology</th><td>12</td>", html)
    assert re.search(r"<th scope=\"row\">Oncology</th><td>7</td>", html)


def test_bar_lengths_are_proportional_to_values():
    """The largest value gets the full track; others are proportional."""
    html = bar_chart([("A", 10), ("B", 5)], title="T", description="D")
    widths = [
        float(w)
        for w in re.findall(r'class="chart-seg[^"]*" x="\d+" y="[\d.]+" width="([\d.]+)"', html)
    ]
    assert len(widths) == 2
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)


def test_long_labels_are_shortened_but_kept_whole_in_titles():
    """Long labels are truncated on the bar, complete in the row's <title> and the table."""
    label = "Physical Medicine and Rehabilitation"
    html = bar_chart([(label, 3)], title="T", description="D")
    assert "…</text>" in html
    assert f"<title>{label}: 3</title>" in html


def test_labels_are_escaped():
    """Member-provided labels cannot inject markup."""
    html = bar_chart([("<script>alert(1)</script>", 1)], title="<b>T</b>", description="D")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>T</b>" not in html


def test_empty_data_renders_an_empty_state_not_an_svg():
    """No data: a caption and a message, no broken SVG."""
    html = bar_chart([], title="Nothing", description="D", empty_message="No connections yet.")
    assert "<svg" not in html
    assert "No connections yet." in html
    assert "No connections yet." in balance_bar(
        [("A", 0)], title="T", description="D", empty_message="No connections yet."
    )


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_invalid_values_are_refused(value):
    """Negative, NaN and infinite values raise ValueError."""
    with pytest.raises(ValueError):
        bar_chart([("A", value)], title="T", description="D")


def test_balance_bar_shows_each_part_with_its_share_and_key():
    """The balance bar has one segment per part, a legend with shares, and CSS keys."""
    html = balance_bar(NETWORK, title="Network balance", description="Balance.")
    assert html.count("<rect") == 3
    assert "chart-key-operational" in html
    assert "Operational" in html and "60%" in html
    assert "Personal" in html and "25%" in html
    assert "Strategic" in html and "15%" in html
    assert '<th scope="col">Share</th>' in html


def test_balance_bar_segments_fill_the_whole_width():
    """Segment widths add up to the full bar."""
    html = balance_bar(NETWORK, title="T", description="D")
    widths = [
        float(w) for w in re.findall(r'<rect class="[^"]+" x="[\d.]+" y="0" width="([\d.]+)"', html)
    ]
    assert sum(widths) == pytest.approx(320, abs=0.1)


def test_donut_chart_shows_total_and_parts():
    """The donut shows the total in the middle and one ring segment per part."""
    html = donut_chart(NETWORK, title="Connections", description="D", center_label="connections")
    assert html.count('<circle class="chart-seg') == 3
    assert ">20</text>" in html
    assert "connections</text>" in html
    dashes = [float(d) for d in re.findall(r'stroke-dasharray="([\d.]+) ', html)]
    assert sum(dashes) == pytest.approx(100, abs=0.01)


def test_zero_parts_are_left_out_of_the_picture_but_kept_in_the_table():
    """A zero part draws nothing but still appears in the legend and table."""
    html = donut_chart([("A", 3), ("B", 0)], title="T", description="D")
    assert html.count('<circle class="chart-seg') == 1
    assert '<th scope="row">B</th><td>0</td>' in html


def test_ids_are_derived_from_the_title_or_prefix():
    """Two charts on a page can be kept apart with id_prefix."""
    first = bar_chart([("A", 1)], title="Same", description="D", id_prefix="one")
    second = bar_chart([("A", 1)], title="Same", description="D", id_prefix="two")
    assert 'id="chart-one-title"' in first
    assert 'id="chart-two-title"' in second


def test_describe_parts_writes_the_numbers_in_words():
    """describe_parts gives a sentence usable as a chart's description."""
    assert describe_parts(NETWORK) == "Operational 12 (60%); Personal 5 (25%); Strategic 3 (15%)."
    assert describe_parts([]) == "No data."


def test_chart_template_tags_render():
    """{% bar_chart %}, {% balance_bar %} and {% donut_chart %} work in templates."""
    template = Template(
        "{% load rounds %}{% bar_chart data 'Bars' 'D' %}{% balance_bar data 'Bal' 'D' %}"
        "{% donut_chart data 'Ring' 'D' unit='' %}"
    )
    html = template.render(Context({"data": NETWORK}))
    assert html.count('role="img"') == 3
