"""A timeline drawn as SVG on the server (no script): one lane per event, each date a
mark whose width is its precision (a day is a dot, a month or a year a bar, an
earliest–latest range a bar over the range); inferred dates are drawn hollow and
dashed, stated ones solid.

``render_svg(entries)`` is a pure function of the ``Entry`` list that
``timeline.build_timeline`` makes; it returns markup safe to put inline in a page.
Only presentation attributes are used (no style attribute), so the page's CSP needs
no 'unsafe-inline'.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

from markupsafe import Markup, escape

from .timeline import UNDATED, Entry, When

WIDTH, LABEL_W, LANE_H, TOP, PAD = 960, 300, 22, 28, 12
_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _bounds(text: str, precision: str | None) -> tuple[date, date] | None:
    """First and last day a date text covers at its precision ("2019" is the whole year)."""
    found = _DATE.findall(text)
    if not found:
        return None
    (y0, m0, d0), (y1, m1, d1) = found[0], found[-1]
    prec = (precision or "").lower()
    start = date(int(y0), int(m0 or 1), int(d0 or 1) if "year" not in prec and "month" not in prec else 1)
    if "year" in prec or not m1:
        end = date(int(y1), 12, 31)
    elif "month" in prec or not d1:
        end = date(int(y1), int(m1), calendar.monthrange(int(y1), int(m1))[1])
    else:
        end = date(int(y1), int(m1), int(d1))
    if "year" in prec:
        start = date(int(y0), 1, 1)
    return start, max(start, end)


def _inferred(when: When) -> bool:
    return bool(when.basis) and "infer" in when.basis.lower()


def render_svg(entries: list[Entry], title: str = "Timeline") -> Markup:
    """The SVG of ``entries`` (empty markup when none has a usable date)."""
    lanes = [(e, [(w, b) for w in e.dates if w.sort_key != UNDATED and (b := _bounds(w.text, w.precision))])
             for e in entries]
    lanes = [(e, marks) for e, marks in lanes if marks]
    if not lanes:
        return Markup("")
    lo = min(b[0] for _, marks in lanes for _, b in marks)
    hi = max(b[1] for _, marks in lanes for _, b in marks)
    lo, hi = date(lo.year, 1, 1), date(hi.year, 12, 31)
    span = (hi - lo).days or 1
    plot_w = WIDTH - LABEL_W - PAD

    def x(d: date) -> float:
        return round(LABEL_W + plot_w * (d - lo).days / span, 1)

    height = TOP + LANE_H * len(lanes) + PAD + 16
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg" viewBox="0 0 {WIDTH} {height}" '
           f'width="100%" role="group" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    # role="group", not "img": the lane labels are links, and an image has no interactive parts
    out.append(f'<text x="{LABEL_W}" y="{height - 2}" font-size="11" fill="#555">dot: a day · bar: month, year '
               f'or range · hollow, dashed: inferred</text>')
    step = max(1, (hi.year - lo.year + 1) // 10)
    for year in range(lo.year, hi.year + 1, step):
        tx = x(date(year, 1, 1))
        out.append(f'<line x1="{tx}" y1="{TOP - 8}" x2="{tx}" y2="{height - PAD - 16}" stroke="#ddd"/>'
                   f'<text x="{tx + 2}" y="{TOP - 12}" font-size="11" fill="#555">{year}</text>')
    for i, (entry, marks) in enumerate(lanes):
        y = TOP + i * LANE_H
        label = entry.label if len(entry.label) <= 44 else entry.label[:43] + "…"
        text = f'<text x="0" y="{y + 15}" font-size="12" fill="#222">{escape(label)}</text>'
        if entry.href:
            text = f'<a href="{escape(entry.href)}">{text.replace("#222", "#1a5a96")}</a>'
        out.append(text)
        for when, (start, end) in marks:
            inferred = _inferred(when)
            fill, dash = ("none", ' stroke-dasharray="3 2"') if inferred else ("#2a6fb0", "")
            tip = escape(f"{entry.label}: {when.text}"
                         + (f" ({when.precision})" if when.precision else "")
                         + (f", {when.basis}" if when.basis else ""))
            x0, x1 = x(start), x(end)
            if x1 - x0 < 4:
                out.append(f'<circle cx="{(x0 + x1) / 2}" cy="{y + 11}" r="5" fill="{fill}" '
                           f'stroke="#2a6fb0" stroke-width="1.5"{dash}><title>{tip}</title></circle>')
            else:
                out.append(f'<rect x="{x0}" y="{y + 5}" width="{round(x1 - x0, 1)}" height="12" rx="3" '
                           f'fill="{fill}" fill-opacity="0.8" stroke="#2a6fb0" stroke-width="1.5"{dash}>'
                           f'<title>{tip}</title></rect>')
    out.append("</svg>")
    return Markup("".join(out))
