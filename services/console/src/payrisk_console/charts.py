"""Charts as inline SVG, drawn on the server: no chart library in the browser, and every chart is readable
without JavaScript. Text is escaped; colours come from CSS classes (see static/console.css)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from .stats import OUTCOMES, TimeBucket

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


def _svg(title: str, body: list[str], width: int = WIDTH, height: int = HEIGHT) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every interpolated text is escaped above


def _text(x: float, y: float, text: str, cls: str = "tick", anchor: str = "middle") -> str:
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _y_axis(top_value: float, plot_h: float, fmt: Callable[[float], str] = lambda v: f"{v:g}") -> list[str]:
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(_text(LEFT - 6, y + 4, fmt(value), anchor="end"))
    return parts


def score_histogram(counts: Sequence[int], thresholds: Sequence[tuple[str, float]]) -> Markup:
    """Bars of how many decisions fall in each score bin over [0, 1], with the outcome thresholds marked."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = _nice_max(max(counts, default=0))
    bar_w = plot_w / max(1, len(counts))
    parts = _y_axis(top_value, plot_h)
    for i, count in enumerate(counts):
        h = plot_h * count / top_value
        x = LEFT + i * bar_w
        low, high = i / len(counts), (i + 1) / len(counts)
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}"><title>{low:.2f}–{high:.2f}: {count}</title></rect>'
        )
    for i in range(0, 11, 2):
        parts.append(_text(LEFT + plot_w * i / 10, HEIGHT - 10, f"{i / 10:.1f}"))
    for name, value in thresholds:
        x = LEFT + plot_w * value
        parts.append(
            f'<line class="threshold {escape(name)}" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>'
        )
        parts.append(_text(x + 4, TOP + 12, f"{name} {value:g}", cls=f"label {escape(name)}", anchor="start"))
    return _svg("Score distribution", parts)


def _bucket_label(start: dt.datetime, width: dt.timedelta) -> str:
    if width >= dt.timedelta(days=1):
        return start.strftime("%m-%d")
    return start.strftime("%m-%d %H:%M")


def decisions_over_time(buckets: Sequence[TimeBucket], width: dt.timedelta) -> Markup:
    """Stacked bars of decisions per time bucket, by outcome."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = _nice_max(max((b.total for b in buckets), default=0))
    bar_w = plot_w / max(1, len(buckets))
    parts = _y_axis(top_value, plot_h)
    label_every = max(1, len(buckets) // 6)
    for i, bucket in enumerate(buckets):
        x, base = LEFT + i * bar_w, float(TOP + plot_h)
        for outcome in OUTCOMES:
            count = bucket.counts.get(outcome, 0)
            if not count:
                continue
            h = plot_h * count / top_value
            base -= h
            parts.append(
                f'<rect class="bar {outcome}" x="{x + 0.5:.1f}" y="{base:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                f'height="{h:.1f}"><title>{escape(_bucket_label(bucket.start, width))}: {count} {outcome}</title></rect>'
            )
        if i % label_every == 0:
            parts.append(_text(x + bar_w / 2, HEIGHT - 10, _bucket_label(bucket.start, width)))
    return _svg("Decisions over time by outcome", parts)


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator: this merchant's value and its peers', drawn on the row's own scale."""

    name: str
    value: float
    peers: Sequence[float]
    fmt: Callable[[float], str]


def indicators_against_peers(rows: Sequence[IndicatorRow]) -> Markup:
    """A dot per peer (grey) and one for the merchant (red) on each indicator's line; the tick is the peer median."""
    row_h, label_w, width = 34, 170, WIDTH
    height = TOP + row_h * len(rows) + 8
    plot_w = width - label_w - RIGHT - 70
    parts = []
    for i, row in enumerate(rows):
        y = TOP + i * row_h + row_h / 2
        top_value = max([row.value, *row.peers, 1e-12])
        parts.append(_text(label_w - 8, y + 4, row.name, cls="label", anchor="end"))
        parts.append(f'<line class="axis" x1="{label_w}" x2="{label_w + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        for peer in row.peers:
            x = label_w + plot_w * peer / top_value
            parts.append(
                f'<circle class="peer" cx="{x:.1f}" cy="{y:.1f}" r="5"><title>peer: {escape(row.fmt(peer))}</title></circle>'
            )
        if row.peers:
            ordered = sorted(row.peers)
            median = ordered[len(ordered) // 2]
            x = label_w + plot_w * median / top_value
            parts.append(
                f'<line class="median" x1="{x:.1f}" x2="{x:.1f}" y1="{y - 10:.1f}" y2="{y + 10:.1f}"/>'
            )
        x = label_w + plot_w * row.value / top_value
        parts.append(
            f'<circle class="merchant" cx="{x:.1f}" cy="{y:.1f}" r="7"><title>this merchant: '
            f"{escape(row.fmt(row.value))}</title></circle>"
        )
        parts.append(_text(label_w + plot_w + 8, y + 4, row.fmt(row.value), cls="value", anchor="start"))
    return _svg("This merchant's indicators against its peers", parts, width, height)


def live_lines(series: dict[str, Sequence[float]], title: str, unit: str, span: str) -> Markup:
    """Lines over the last samples (oldest left), one per series; a CSS class per series name."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    longest = max((len(v) for v in series.values()), default=0)
    top_value = _nice_max(max((max(v, default=0) for v in series.values()), default=0))
    parts = _y_axis(top_value, plot_h, lambda v: f"{v:g}{unit}")
    step = plot_w / max(1, longest - 1)
    for name, values in series.items():
        if not values:
            continue
        offset = longest - len(values)
        points = " ".join(
            f"{LEFT + (offset + i) * step:.1f},{TOP + plot_h - plot_h * v / top_value:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(f'<polyline class="line {escape(name)}" points="{points}"/>')
    parts.append(_text(LEFT, HEIGHT - 10, f"{span} ago", anchor="start"))
    parts.append(_text(WIDTH - RIGHT, HEIGHT - 10, "now", anchor="end"))
    return _svg(title, parts)
