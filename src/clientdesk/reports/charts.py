"""The report chart as inline SVG, drawn on the server: no script, no CDN, and the same
markup goes into the PDF."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .figures import TIME_GROUPINGS, Result

WIDTH, HEIGHT = 760, 240
LEFT, BOTTOM, TOP = 56, 48, 16
MAX_BARS = 20


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(((int(value) // step) + 1) * step)


def bar_chart(result: Result) -> SafeString:
    """Bars of the first column (a metric) per row; a time grouping keeps every bucket."""
    if not result.columns:
        return SafeString("")
    rows = result.rows
    if result.grouping not in TIME_GROUPINGS:
        rows = rows[:MAX_BARS]
    values = [float(r.cells[0].value or 0) for r in rows]
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(rows), 1)
    label_every = max(1, len(rows) // 12)
    bars = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        h = plot_h * value / top
        x = LEFT + i * slot + slot * 0.15
        bars.append((x, TOP + plot_h - h, max(slot * 0.7, 1), h, row.label, f"{value:,.2f}"))
    grid = [(TOP + plot_h * (1 - f), _tick(top * f)) for f in (0, 0.5, 1)]
    return format_html(
        '<svg class="report-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}"><title>{}</title>{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        f"{result.columns[0].label} by {result.grouping_label.lower()}",
        f"{result.columns[0].label} by {result.grouping_label.lower()}",
        format_html_join(
            "",
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e5e7eb"/>'
            '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#6b7280">{}</text>',
            (
                (LEFT, WIDTH - 8, f"{y:.1f}", f"{y:.1f}", LEFT - 6, f"{y + 3:.1f}", text)
                for y, text in grid
            ),
        ),
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#4f46e5" rx="2">'
            "<title>{}: {}</title></rect>",
            (
                (f"{x:.1f}", f"{y:.1f}", f"{w:.1f}", f"{h:.1f}", lab, v)
                for x, y, w, h, lab, v in bars
            ),
        ),
        format_html_join(
            "",
            '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#374151" '
            'transform="rotate(-30 {} {})">{}</text>',
            (
                (
                    f"{b[0] + b[2] / 2:.1f}",
                    HEIGHT - BOTTOM + 14,
                    f"{b[0] + b[2] / 2:.1f}",
                    HEIGHT - BOTTOM + 14,
                    _short(b[4]),
                )
                for i, b in enumerate(bars)
                if i % label_every == 0
            ),
        ),
    )


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _short(label: str) -> str:
    return label if len(label) <= 18 else label[:17] + "…"
