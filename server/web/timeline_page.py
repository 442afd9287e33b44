"""``/timeline``: every dated event of the dataset, drawn as an SVG on the server (precision
as a span, inferred dates hollow and dashed; ``timeline_svg.render_svg``) and listed
below it in a table (date as each source reports it, event, kind, whom it concerns,
sources) that says the same without the picture. No script.

The events are the instances of the ontology's event class and its subclasses; whom an
event concerns is given by the site file's ``[casefile] subject`` properties; dates and
their sources come from ``casefile.collect_dates`` (so a sentence takes its verdict's date
and disagreeing reports are kept apart, each with its article).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Response, current_app, render_template

from ..formats import HTML
from ..namespaces import all_prefixes, dataset_namespaces
from ..store import get_store
from . import bp, cache, casefile
from .negotiation import choose
from .timeline import Entry, When


@dataclass
class TimelineRow:
    event: str
    href: str | None
    label: str
    kind: str | None
    reports: list[casefile.Report]
    who: list[tuple[str, str | None]] = field(default_factory=list)
    sources: list[casefile.SourceRef] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return casefile.CaseRow(self.event, None, "", reports=self.reports).conflict

    @property
    def sort_key(self) -> str:
        return min((r.sort_key for r in self.reports), default="9999")


def events_query(cpo: str) -> str:
    """Every event (most specific kinds only) with its graphs and its kind's label."""
    return casefile.PREFIXES + f"""PREFIX cpo: <{cpo}>
SELECT DISTINCT ?e ?g ?kind ?kindLabel WHERE {{
  GRAPH ?g {{ ?e a ?kind }}
  ?kind rdfs:subClassOf* cpo:Event .
  FILTER NOT EXISTS {{ ?e a ?sub . ?sub rdfs:subClassOf+ ?kind . FILTER(?sub != ?kind) }}
  OPTIONAL {{ ?kind rdfs:label ?kindLabel FILTER(langMatches(lang(?kindLabel), "en") || lang(?kindLabel) = "") }}
}}"""


def who_query(subject: tuple[str, ...]) -> str:
    """Whom events concern, by the ``subject`` properties."""
    return casefile.PREFIXES + f"""SELECT DISTINCT ?e ?who WHERE {{
  ?e ?subj ?who .
  FILTER(?subj IN ({", ".join(f"<{p}>" for p in subject)}))
}}"""


def build_rows(store, base: str, cpo: str, subject: tuple[str, ...], inherit: tuple[str, ...]
               ) -> tuple[list[TimelineRow], int]:
    """The dated events, by date, and how many events have no date."""
    refs = casefile.articles(store, base)
    names = casefile.Names(store, base)
    kinds, graphs = {}, defaultdict(set)
    for row in store.select(events_query(cpo)).rows:
        e = str(row["e"])
        kinds.setdefault(e, str(row["kindLabel"]) if "kindLabel" in row else None)
        graphs[e].add(str(row["g"]))
    dates = casefile.collect_dates(store, kinds, cpo, inherit, refs, names)
    who = defaultdict(list)
    if subject:
        for row in store.select(who_query(subject)).rows:
            if str(row["e"]) in dates:
                who[str(row["e"])].append(str(row["who"]))
    names.load(list(dates) + [w for ws in who.values() for w in ws])
    rows = []
    for e, reports in dates.items():
        own = [r for r in reports if r.reading is None]
        rows.append(TimelineRow(e, names.href(e), names.label(e), kinds.get(e), own,
                                sorted(((names.label(w), names.href(w)) for w in who[e]), key=lambda t: t[0]),
                                casefile.source_refs(graphs[e], refs)))
    rows.sort(key=lambda r: (r.sort_key, r.label.lower()))
    return rows, len(kinds) - len(rows)


#: Years without any event that break the picture into separate periods.
GAP_YEARS = 5


def _when(r: casefile.Report, text: str | None = None) -> When:
    return When(text=text or r.text, precision=r.precision, basis=r.basis, note=r.note,
                as_reported=r.as_reported, sort_key=r.sort_key, via=r.via)


def svg_entries(rows: list[TimelineRow]) -> list[Entry]:
    """The rows as ``timeline.Entry`` objects for ``timeline_svg.render_svg``; an event
    with one start and one end is one range."""
    out = []
    for row in rows:
        starts = [r for r in row.reports if r.role == "from"]
        ends = [r for r in row.reports if r.role == "until"]
        whens = []
        if len(starts) == 1 and len(ends) == 1 and not [r for r in row.reports if r.role not in ("from", "until")]:
            whens.append(_when(starts[0], f"{starts[0].text} – {ends[0].text}"))
            if "infer" in (ends[0].basis or "").lower():
                whens[0].basis = ends[0].basis
        else:
            for r in row.reports:
                when = _when(r)
                if when not in whens:
                    whens.append(when)
        out.append(Entry(row.event, row.label, row.kind, [], whens, [], row.href))
    return out


def periods(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """The entries cut where ``GAP_YEARS`` or more years pass without an event (a broken
    axis: each period gets its own picture), each with its years ("1975–1979")."""
    out: list[tuple[int, int, list[Entry]]] = []
    for entry in entries:           # sorted by their first date
        years = [int(w.sort_key[:4]) for w in entry.dates if w.sort_key[:4].isdigit() and w.sort_key[:4] != "9999"]
        years += [int(y) for w in entry.dates for y in re.findall(r"\b(\d{4})\b", w.text)]
        if not years:
            continue
        lo, hi = min(years), max(years)
        if out and lo - out[-1][1] < GAP_YEARS:
            out[-1] = (out[-1][0], max(out[-1][1], hi), out[-1][2] + [entry])
        else:
            out.append((lo, hi, [entry]))
    return [(f"{lo}–{hi}" if lo != hi else str(lo), group) for lo, hi, group in out]


@bp.route("/timeline")
def dataset_timeline():
    choose((HTML,))                   # 406 for a client that cannot take HTML
    return cache.cached(("timeline",), build_page)


def build_page() -> Response:
    """The page, uncached (the data does not change while serving: one copy per app)."""
    base = current_app.config["BASE_IRI"]
    prefixes = all_prefixes(base)
    cfg = current_app.config["CASEFILE"]
    subject = tuple(casefile.expand(s, prefixes) for s in cfg.get("subject", ()))
    inherit = tuple(casefile.expand(n, prefixes) for n in current_app.config["TIMELINE_INHERIT_DATE"])
    rows, undated = build_rows(get_store(), base, dataset_namespaces(base)["cpo"], subject, inherit)
    drawn = periods(svg_entries(rows))
    unplaced = len(rows) - sum(len(entries) for _years, entries in drawn)
    html = render_template("timeline_page.html", rows=rows, undated=undated, periods=drawn, unplaced=unplaced,
                           site_title=current_app.config["SITE_TITLE"])
    resp = Response(html, content_type=HTML.content_type)
    resp.headers["Content-Location"] = "/timeline"
    return resp
