"""Small server-rendered SVG charts: accessible, themeable, no JavaScript.

Every chart is a ``<figure>`` holding an ``<svg role="img">`` labelled by its ``<title>`` and
``<desc>`` (the description states the numbers in words), and a data table fallback in a
``<details>`` element so the exact values are always reachable by keyboard and screen reader.

Colours come from the stylesheet: segments carry ``chart-series-N`` and, when a datum has a
``key`` (e.g. ``operational``), ``chart-key-<key>``. Colour is never the only cue: every
segment is named in the legend or next to its bar, with its value.

    bar_chart([Datum("Cardiology", 12), Datum("Oncology", 7)], title=..., description=...)
    balance_bar([Datum("Operational", 30, "operational"), ...], title=..., description=...)
    donut_chart([...], title=..., description=...)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

BAR_WIDTH = 320
BAR_ROW = 28
BAR_LABEL_WIDTH = 120
BAR_VALUE_WIDTH = 44
MAX_LABEL_CHARS = 18


@dataclass(frozen=True)
class Datum:
    """One value to plot; ``key`` becomes a CSS hook (``chart-key-<key>``)."""

    label: str
    value: float
    key: str = ""


def _as_data(data: Iterable[Datum | tuple[str, float] | tuple[str, float, str]]) -> list[Datum]:
    result = []
    for item in data:
        datum = item if isinstance(item, Datum) else Datum(*item)
        value = float(datum.value)
        if math.isnan(value) or math.isinf(value) or value < 0:
            raise ValueError(f"Chart values must be finite and non-negative: {datum.label!r}.")
        result.append(Datum(label=str(datum.label), value=value, key=datum.key))
    return result


def _fmt(value: float, unit: str = "") -> str:
    text = f"{value:g}" if value != int(value) else f"{int(value)}"
    return f"{text}{unit}"


def _percent(value: float, total: float) -> str:
    return f"{round(100 * value / total)}%" if total else "0%"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _classes(index: int, datum: Datum) -> str:
    classes = f"chart-seg chart-series-{index % 6 + 1}"
    if datum.key:
        classes += f" chart-key-{slugify(datum.key)}"
    return classes


def _ids(title: str, id_prefix: str) -> tuple[str, str]:
    base = slugify(id_prefix or title) or "chart"
    return f"chart-{base}-title", f"chart-{base}-desc"


def _table(
    data: Sequence[Datum], *, title: str, unit: str, total: float | None, label_header: str
) -> SafeString:
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td>{}</tr>',
        (
            (
                d.label,
                _fmt(d.value, unit),
                format_html("<td>{}</td>", _percent(d.value, total)) if total is not None else "",
            )
            for d in data
        ),
    )
    share = mark_safe('<th scope="col">Share</th>') if total is not None else ""
    return format_html(
        '<details class="chart-data"><summary>Show the numbers</summary>'
        '<table class="table"><caption class="visually-hidden">{}</caption>'
        '<thead><tr><th scope="col">{}</th><th scope="col">Value</th>{}</tr></thead>'
        "<tbody>{}</tbody></table></details>",
        title,
        label_header,
        share,
        rows,
    )


def _empty(title: str, empty_message: str) -> SafeString:
    return format_html(
        '<figure class="chart chart-empty"><figcaption class="chart-caption">{}</figcaption>'
        '<p class="muted">{}</p></figure>',
        title,
        empty_message,
    )


def _figure(
    *, svg: SafeString, legend: SafeString | str, table: SafeString, title: str, css: str
) -> SafeString:
    return format_html(
        '<figure class="chart {}"><figcaption class="chart-caption">{}</figcaption>{}{}{}</figure>',
        css,
        title,
        svg,
        legend,
        table,
    )


def bar_chart(
    data: Iterable[Datum | tuple[str, float] | tuple[str, float, str]],
    *,
    title: str,
    description: str,
    unit: str = "",
    label_header: str = "Item",
    empty_message: str = "Nothing to show yet.",
    id_prefix: str = "",
) -> SafeString:
    """A horizontal bar chart: one labelled row per datum, longest bar = largest value."""
    items = _as_data(data)
    if not items:
        return _empty(title, empty_message)
    title_id, desc_id = _ids(title, id_prefix)
    top = max(d.value for d in items) or 1.0
    track = BAR_WIDTH - BAR_LABEL_WIDTH - BAR_VALUE_WIDTH
    height = BAR_ROW * len(items) + 4
    rows = []
    for index, datum in enumerate(items):
        y = index * BAR_ROW + 4
        width = max(track * datum.value / top, 2 if datum.value else 0)
        rows.append(
            format_html(
                '<g class="chart-row"><title>{label}: {value}</title>'
                '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
                '<rect class="chart-track" x="{bx}" y="{by}" width="{track}" height="{bh}" rx="3"/>'
                '<rect class="{cls}" x="{bx}" y="{by}" width="{bw}" height="{bh}" rx="3"/>'
                '<text class="chart-value" x="{vx}" y="{ty}">{value}</text></g>',
                label=datum.label,
                value=_fmt(datum.value, unit),
                short=_short(datum.label),
                lx=BAR_LABEL_WIDTH - 8,
                ty=y + 15,
                bx=BAR_LABEL_WIDTH,
                by=y + 3,
                bh=BAR_ROW - 10,
                track=track,
                bw=f"{width:.1f}",
                cls=_classes(index, datum),
                vx=BAR_LABEL_WIDTH + track + 6,
            )
        )
    svg = format_html(
        '<svg class="chart-svg" role="img" aria-labelledby="{} {}" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMinYMin meet"><title id="{}">{}</title>'
        '<desc id="{}">{}</desc>{}</svg>',
        title_id,
        desc_id,
        BAR_WIDTH,
        height,
        title_id,
        title,
        desc_id,
        description,
        mark_safe("".join(rows)),  # noqa: S308 - every row built with format_html
    )
    table = _table(items, title=title, unit=unit, total=None, label_header=label_header)
    return _figure(svg=svg, legend="", table=table, title=title, css="chart-bar")


def _legend(items: Sequence[Datum], total: float, unit: str) -> SafeString:
    entries = format_html_join(
        "",
        '<li><span class="chart-swatch {}" aria-hidden="true"></span>{} '
        '<span class="chart-legend-value">{} · {}</span></li>',
        (
            (_classes(i, d), d.label, _fmt(d.value, unit), _percent(d.value, total))
            for i, d in enumerate(items)
        ),
    )
    return format_html('<ul class="chart-legend">{}</ul>', entries)


def balance_bar(
    data: Iterable[Datum | tuple[str, float] | tuple[str, float, str]],
    *,
    title: str,
    description: str,
    unit: str = "",
    label_header: str = "Part",
    empty_message: str = "Nothing to show yet.",
    id_prefix: str = "",
) -> SafeString:
    """A single 100% stacked bar showing how a whole splits into parts, with a legend."""
    items = _as_data(data)
    total = sum(d.value for d in items)
    if not items or total <= 0:
        return _empty(title, empty_message)
    title_id, desc_id = _ids(title, id_prefix)
    width, height = 320.0, 24
    x = 0.0
    segments = []
    for index, datum in enumerate(items):
        seg = width * datum.value / total
        if seg > 0:
            segments.append(
                format_html(
                    '<rect class="{}" x="{}" y="0" width="{}" height="{}">'
                    "<title>{}: {} ({})</title></rect>",
                    _classes(index, datum),
                    f"{x:.2f}",
                    f"{seg:.2f}",
                    height,
                    datum.label,
                    _fmt(datum.value, unit),
                    _percent(datum.value, total),
                )
            )
        x += seg
    svg = format_html(
        '<svg class="chart-svg chart-balance-svg" role="img" aria-labelledby="{} {}" '
        'viewBox="0 0 {} {}" width="100%" preserveAspectRatio="none"><title id="{}">{}</title>'
        '<desc id="{}">{}</desc>{}</svg>',
        title_id,
        desc_id,
        f"{width:g}",
        height,
        title_id,
        title,
        desc_id,
        description,
        mark_safe("".join(segments)),  # noqa: S308 - built with format_html
    )
    table = _table(items, title=title, unit=unit, total=total, label_header=label_header)
    return _figure(
        svg=svg, legend=_legend(items, total, unit), table=table, title=title, css="chart-balance"
    )


def donut_chart(
    data: Iterable[Datum | tuple[str, float] | tuple[str, float, str]],
    *,
    title: str,
    description: str,
    unit: str = "",
    center_label: str = "total",
    label_header: str = "Part",
    empty_message: str = "Nothing to show yet.",
    id_prefix: str = "",
) -> SafeString:
    """A donut (ring) chart of parts of a whole, total in the middle, with a legend."""
    items = _as_data(data)
    total = sum(d.value for d in items)
    if not items or total <= 0:
        return _empty(title, empty_message)
    title_id, desc_id = _ids(title, id_prefix)
    # A circle of circumference 100 lets dash lengths be percentages.
    radius = 100 / (2 * math.pi)
    offset = 25.0  # start at 12 o'clock
    rings = []
    for index, datum in enumerate(items):
        share = 100 * datum.value / total
        if share <= 0:
            continue
        rings.append(
            format_html(
                '<circle class="{}" cx="21" cy="21" r="{}" fill="none" stroke-width="6" '
                'stroke-dasharray="{} {}" stroke-dashoffset="{}">'
                "<title>{}: {} ({})</title></circle>",
                _classes(index, datum),
                f"{radius:.4f}",
                f"{share:.3f}",
                f"{100 - share:.3f}",
                f"{offset:.3f}",
                datum.label,
                _fmt(datum.value, unit),
                _percent(datum.value, total),
            )
        )
        offset = (offset - share) % 100
    svg = format_html(
        '<svg class="chart-svg chart-donut-svg" role="img" aria-labelledby="{} {}" '
        'viewBox="0 0 42 42" width="160" height="160"><title id="{}">{}</title>'
        '<desc id="{}">{}</desc>'
        '<circle class="chart-track" cx="21" cy="21" r="{}" fill="none" stroke-width="6"/>'
        '{}<text class="chart-donut-total" x="21" y="21" text-anchor="middle">{}</text>'
        '<text class="chart-donut-label" x="21" y="26" text-anchor="middle">{}</text></svg>',
        title_id,
        desc_id,
        title_id,
        title,
        desc_id,
        description,
        f"{radius:.4f}",
        mark_safe("".join(rings)),  # noqa: S308 - built with format_html
        _fmt(total, unit),
        center_label,
    )
    table = _table(items, title=title, unit=unit, total=total, label_header=label_header)
    return _figure(
        svg=svg, legend=_legend(items, total, unit), table=table, title=title, css="chart-donut"
    )


def describe_parts(data: Iterable[Datum | tuple[str, float]], *, unit: str = "") -> str:
    """A sentence listing each part with its value and share, for a chart's description."""
    items = _as_data(data)
    total = sum(d.value for d in items)
    if not items:
        return "No data."
    parts = [f"{d.label} {_fmt(d.value, unit)} ({_percent(d.value, total)})" for d in items]
    return "; ".join(parts) + "."
