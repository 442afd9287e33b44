"""The timeline of a person or organisation: the events that link to it through any
property (cpo:concerns, cpo:actor, cpo:signedBy...), in date order, each date with
its precision and basis, each event with the sources that state it.

``timeline_query`` is a pure function of the IRI and the ontology namespace;
``build_timeline`` turns the SELECT rows into ``Entry`` objects (also pure).
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Sorted last: events with no comparable date bound.
UNDATED = "9999-12-31"


@dataclass
class When:
    text: str                  # "2024-04-06" or "2019-10-01 – 2019-11-08" or as reported
    precision: str | None      # "day", "year"...
    basis: str | None          # "stated", "inferred"...
    note: str | None
    as_reported: str | None
    sort_key: str
    via: str | None = None     # the label of the event whose date this is (a sentence's verdict)


@dataclass
class Entry:
    event: str
    label: str
    kind: str | None
    roles: list[str]
    dates: list[When] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    href: str | None = None

    @property
    def sort_key(self) -> str:
        return min((d.sort_key for d in self.dates), default=UNDATED)


def timeline_query(iri: str, cpo: str, inherit: tuple[str, ...] = ()) -> str:
    """Events (instances of cpo:Event or a subclass) linking to ``iri``, with dates. An
    event with no date of its own takes the dates of the event it points to by one of the
    ``inherit`` properties (full IRIs; the site file's ``[timeline] inherit_date_through``,
    e.g. a sentence its verdict's), naming that event (``?from``, ``?fromLabel``)."""
    own = "?e cpo:date|cpo:startDate ?d ."
    if inherit:
        path = "|".join(f"<{p}>" for p in inherit)
        dated = f"""{{ {own} }}
    UNION
    {{ ?e {path} ?from . ?from cpo:date|cpo:startDate ?d .
      FILTER NOT EXISTS {{ ?e cpo:date|cpo:startDate ?own }}
      OPTIONAL {{ ?from rdfs:label ?fromLabel FILTER(langMatches(lang(?fromLabel), "en")) }} }}"""
    else:
        dated = own
    return f"""PREFIX cpo: <{cpo}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?role ?g ?label ?kindLabel ?d ?value ?earliest ?latest ?precision ?basis ?note ?asReported
       ?from ?fromLabel
WHERE {{
  GRAPH ?g {{ ?e ?role <{iri}> }}
  ?e a ?kind . ?kind rdfs:subClassOf* cpo:Event .
  FILTER NOT EXISTS {{ ?sub rdfs:subClassOf+ ?kind . ?e a ?sub . FILTER(?sub != ?kind) }}
  OPTIONAL {{ ?kind rdfs:label ?kindLabel FILTER(langMatches(lang(?kindLabel), "en")) }}
  OPTIONAL {{ ?e rdfs:label ?label FILTER(langMatches(lang(?label), "en")) }}
  OPTIONAL {{
    {dated}
    OPTIONAL {{ ?d cpo:dateValue ?value }}
    OPTIONAL {{ ?d cpo:earliest ?earliest }}
    OPTIONAL {{ ?d cpo:latest ?latest }}
    OPTIONAL {{ ?d cpo:precision/rdfs:label ?precision }}
    OPTIONAL {{ ?d cpo:dateBasis/rdfs:label ?basis }}
    OPTIONAL {{ ?d cpo:dateNote ?note }}
    OPTIONAL {{ ?d cpo:asReported ?asReported }}
  }}
}}"""


def _when(row: dict) -> When:
    value, earliest, latest = (str(row[k]) if k in row else None for k in ("value", "earliest", "latest"))
    if value:
        text = value
    elif earliest and latest:
        text = earliest if earliest == latest else f"{earliest} – {latest}"
    else:
        text = (f"after {earliest}" if earliest else f"before {latest}" if latest
                else str(row.get("asReported", "date unknown")))
    return When(text=text, precision=_s(row, "precision"), basis=_s(row, "basis"),
                note=_s(row, "note"), as_reported=_s(row, "asReported"),
                sort_key=earliest or (value[:10] if value else None) or latest or UNDATED,
                via=(_s(row, "fromLabel") or str(row["from"]).rsplit("/", 1)[-1]) if "from" in row else None)


def _s(row: dict, key: str) -> str | None:
    return str(row[key]) if key in row else None


def build_timeline(rows, role_label) -> list[Entry]:
    """Group SELECT rows by event, then sort by the earliest comparable date."""
    entries: dict[str, Entry] = {}
    for row in rows:
        event = str(row["e"])
        entry = entries.setdefault(event, Entry(event, _s(row, "label") or event.rsplit("/", 1)[-1],
                                                _s(row, "kindLabel"), []))
        role = role_label(row["role"])
        if role not in entry.roles:
            entry.roles.append(role)
        if str(row["g"]) not in entry.graphs:
            entry.graphs.append(str(row["g"]))
        if "d" in row:
            when = _when(row)
            if when not in entry.dates:
                entry.dates.append(when)
    for entry in entries.values():
        entry.dates.sort(key=lambda d: d.sort_key)
        entry.graphs.sort()
    return sorted(entries.values(), key=lambda e: (e.sort_key, e.label.lower()))
