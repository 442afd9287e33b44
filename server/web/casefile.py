"""The case file of a person or organisation: the case summary table (one row per event
that names it, grouped by kind), its memberships and the groups affiliated with it.

Everything comes from SPARQL over the store facade (``store.select``), so it works on
every backend. Which events count, in which order, and which of their facts are shown
come from the ontology and the site file's ``[casefile]`` (``config.load_casefile``):

- the kinds are the subclasses of ``root`` plus the classes listed in ``kinds``; rows
  follow ``kinds``, the other kinds by label;
- an event belongs to the case of the resource it names by a ``subject`` property, or
  only under a reading of an ambiguous passage (``cpo:Reading`` whose ``cpo:claim`` says
  so): then the row says so and lists every reading, asserting none;
- each date is shown per report: its value, precision and basis, and the articles that
  state it; reports that disagree (``cpo:conflictsWith`` or bounds that do not overlap)
  sit side by side in one row; an event with no date of its own takes the dates of the
  event it points to by the site file's ``[timeline] inherit_date_through``.

The query builders are pure functions of IRIs; ``build_case_file`` runs them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .iris import local_link, local_name

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
#: Properties naming a term, best first.
NAME_PROPERTIES = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label",
                   "https://schema.org/name", "https://schema.org/headline")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: What an IRIREF may not hold (SPARQL 1.1 grammar): such an IRI is never put in a query.
_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


# -- view model ----------------------------------------------------------------------

@dataclass(frozen=True)
class SourceRef:
    title: str
    href: str | None


@dataclass
class Report:
    """One date as one or more articles report it."""
    text: str
    precision: str | None
    basis: str | None           # label: "stated", "resolved from a relative expression"...
    basis_key: str              # "stated", "resolved", "inferred" or "unknown" (CSS class)
    as_reported: str | None
    note: str | None
    sort_key: str
    role: str | None = None     # "start", "end"... (None: the event's date)
    via: str | None = None      # label of the event whose date this is (a sentence's verdict)
    reading: str | None = None  # label of the reading this date holds under
    sources: list[SourceRef] = field(default_factory=list)
    earliest: str | None = None
    latest: str | None = None
    alternatives: list[Report] = field(default_factory=list)   # the date under each reading


@dataclass
class Detail:
    label: str
    values: list[tuple[str, str | None, list[SourceRef]]]   # (text, href, sources)


@dataclass
class Reading:
    label: str
    mine: bool                  # this reading makes the event part of this case


@dataclass
class CaseRow:
    event: str
    href: str | None
    label: str
    reports: list[Report] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    ambiguity: str | None = None        # label of the ambiguity
    ambiguity_href: str | None = None
    asserted: bool = True               # False: the event is part of this case only under a reading

    @property
    def conflict(self) -> bool:
        """Reports of the same role whose bounds do not overlap."""
        by_role = defaultdict(list)
        for r in self.reports:
            if r.reading is None and r.earliest and r.latest:
                by_role[r.role].append(r)
        return any(a.latest < b.earliest or b.latest < a.earliest
                   for reps in by_role.values() for i, a in enumerate(reps) for b in reps[i + 1:])

    @property
    def sort_key(self) -> str:
        return min((r.sort_key for r in self.reports), default="9999")


@dataclass
class KindGroup:
    kind: str
    label: str
    rows: list[CaseRow]


@dataclass
class Membership:
    other: str                  # the member (organisation page) or the organisation (person page)
    other_href: str | None
    role: str
    reports: list[Report]
    sources: list[SourceRef]


@dataclass
class GroupRow:
    label: str
    href: str | None
    count: str | None           # "at least 8", "reportedly 56"
    description: str | None
    sources: list[SourceRef]


@dataclass
class CaseFile:
    groups: list[KindGroup]
    members: list[Membership]           # who holds a role in this organisation
    memberships: list[Membership]       # roles this resource holds elsewhere
    affiliated: list[GroupRow]

    def __bool__(self) -> bool:
        return bool(self.groups or self.members or self.memberships or self.affiliated)


# -- pure helpers --------------------------------------------------------------------

def duration_text(lexical: str) -> str:
    """An xsd:duration as words: "P1Y6M" -> "18 months", "P9Y" -> "9 years"; what it
    cannot read it returns unchanged."""
    m = _DURATION.match(lexical.strip())
    if not m or not any(m.groups()):
        return lexical
    years, months, weeks, days = (int(g or 0) for g in m.groups())
    parts = []
    if months and years < 2:
        parts.append(_plural(years * 12 + months, "month"))
    else:
        parts += [_plural(years, "year")] if years else []
        parts += [_plural(months, "month")] if months else []
    parts += [_plural(weeks, "week")] if weeks else []
    parts += [_plural(days, "day")] if days else []
    return " ".join(parts)


def _precision_cut(precision: str | None) -> int:
    """How many characters of an ISO date a precision label keeps ("year" -> 4)."""
    p = (precision or "").lower()
    return 4 if ("year" in p or "decade" in p) else 7 if "month" in p else 10


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


def basis_key(iri: str | None) -> str:
    """A CSS-safe key of a date basis: its local name, lowercased, up to the first capital
    after the start ("ResolvedRelative" -> "resolved")."""
    if not iri:
        return "unknown"
    name = local_name(iri)
    head = re.match(r"[A-Z]?[a-z]+", name)
    return (head.group(0) if head else name).lower() or "unknown"


def expand(name: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = name.partition(":")
    return prefixes[prefix] + local if prefix in prefixes and not local.startswith("//") else name


def _values(iris) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _among(iris) -> str:
    """``<a>, <b>`` for ``FILTER(?x IN (...))``: one ``VALUES`` block per query at most,
    since rdflib evaluates two as a cross product."""
    return ", ".join(f"<{i}>" for i in iris)


def _pick(candidates: list[tuple[str, str, str]]) -> str | None:
    """The best of (property, language, text): by NAME_PROPERTIES, English first, shortest."""
    if not candidates:
        return None
    rank = {p: i for i, p in enumerate(NAME_PROPERTIES)}
    return min(candidates, key=lambda c: (rank.get(c[0], 9), c[1] not in ("", "en"), len(c[2]), c[2]))[2]


# -- queries (pure) ------------------------------------------------------------------

def kinds_query(cpo: str, root: str | None, listed: tuple[str, ...]) -> str:
    """The event kinds of a case file: subclasses of ``root`` and the ``listed`` classes."""
    parts = [f"{{ ?kind rdfs:subClassOf+ <{root}> }}"] if root else []
    if listed:
        parts.append(f"{{ VALUES ?kind {{ {_values(listed)} }} }}")
    return PREFIXES + f"""SELECT DISTINCT ?kind ?label WHERE {{
  {" UNION ".join(parts) or "FILTER(false)"}
  OPTIONAL {{ ?kind rdfs:label ?label FILTER(langMatches(lang(?label), "en") || lang(?label) = "") }}
}}"""


def events_query(iri: str, subject: tuple[str, ...], kinds: list[str]) -> str:
    """Events of one of ``kinds`` that name ``iri`` by a ``subject`` property (asserted)."""
    return PREFIXES + f"""SELECT DISTINCT ?e ?kind ?g WHERE {{
  GRAPH ?g {{ ?e ?subj <{iri}> }}
  FILTER(?subj IN ({_among(subject)}))
  ?e a ?kind .
  FILTER(?kind IN ({_among(kinds)}))
}}"""


def readings_query(iri: str, cpo: str, subject: tuple[str, ...], kinds: list[str]) -> str:
    """Events that some reading of an ambiguity claims name ``iri``; with every reading
    of that ambiguity (``?mr``: the reading that claims it)."""
    return PREFIXES + f"""PREFIX cpo: <{cpo}>
SELECT DISTINCT ?e ?kind ?amb ?r ?mr WHERE {{
  ?c rdf:object <{iri}> ; rdf:predicate ?subj ; rdf:subject ?e .
  FILTER(?subj IN ({_among(subject)}))
  ?mr cpo:claim ?c .
  ?amb cpo:alternativeReading ?mr .
  ?e a ?kind .
  FILTER(?kind IN ({_among(kinds)}))
  ?amb cpo:alternativeReading ?r .
}}"""


def names_query(iris) -> str:
    """Every name of ``iris`` (labels, names, headlines), with the property and language."""
    return PREFIXES + f"""SELECT DISTINCT ?s ?p ?name WHERE {{
  VALUES ?s {{ {_values(iris)} }}
  ?s ?p ?name .
  FILTER(?p IN ({_among(NAME_PROPERTIES)}))
}}"""


def facts_query(events) -> str:
    """Every statement about ``events``, with its graph."""
    return PREFIXES + f"""SELECT DISTINCT ?e ?p ?o ?g WHERE {{
  VALUES ?e {{ {_values(events)} }}
  GRAPH ?g {{ ?e ?p ?o }}
}}"""


DATE_FIELDS = """  OPTIONAL {{ {d} cpo:dateValue ?value }}
  OPTIONAL {{ {d} cpo:earliest ?earliest }}
  OPTIONAL {{ {d} cpo:latest ?latest }}
  OPTIONAL {{ {d} cpo:precision/rdfs:label ?precision
             FILTER(langMatches(lang(?precision), "en") || lang(?precision) = "") }}
  OPTIONAL {{ {d} cpo:dateBasis ?basisIri
             OPTIONAL {{ ?basisIri rdfs:label ?basis FILTER(langMatches(lang(?basis), "en") || lang(?basis) = "") }} }}
  OPTIONAL {{ {d} cpo:dateNote ?note }}
  OPTIONAL {{ {d} cpo:asReported ?asReported }}"""


def dates_query(subjects, cpo: str, inherit: tuple[str, ...] = ()) -> str:
    """The dates of ``subjects`` (``cpo:date``, ``startDate``, ``endDate``, ``heldAt``),
    each with the graph that states it; a subject with no date of its own takes those of
    what it points to by an ``inherit`` property (``?from``)."""
    own = """{ GRAPH ?g { ?e ?prop ?d } FILTER(?prop IN (cpo:date, cpo:startDate, cpo:endDate, cpo:heldAt)) }"""
    if inherit:
        own += f"""
  UNION
  {{ ?e {"|".join(f"<{p}>" for p in inherit)} ?from .
    GRAPH ?g {{ ?from cpo:date|cpo:startDate ?d }}
    FILTER NOT EXISTS {{ ?e cpo:date|cpo:startDate ?mine }}
    BIND(cpo:date AS ?prop) }}"""
    return PREFIXES + f"""PREFIX cpo: <{cpo}>
SELECT DISTINCT ?e ?prop ?g ?d ?from ?value ?earliest ?latest ?precision ?basisIri ?basis ?note ?asReported
WHERE {{
  VALUES ?e {{ {_values(subjects)} }}
  {own}
{DATE_FIELDS.format(d="?d")}
}}"""


def reading_dates_query(dates, cpo: str) -> str:
    """The per-reading dates of ``dates`` (``cpo:readingDate`` / ``cpo:underReading``)."""
    return PREFIXES + f"""PREFIX cpo: <{cpo}>
SELECT DISTINCT ?d ?rd ?reading ?value ?earliest ?latest ?precision ?basisIri ?basis ?note ?asReported
WHERE {{
  VALUES ?d {{ {_values(dates)} }}
  ?d cpo:readingDate ?rd . ?rd cpo:underReading ?reading .
{DATE_FIELDS.format(d="?rd")}
}}"""


def articles_query() -> str:
    """Each named graph's article and its titles."""
    return PREFIXES + """SELECT DISTINCT ?g ?a ?p ?title WHERE {
  GRAPH ?g { ?g prov:wasDerivedFrom ?a }
  OPTIONAL { VALUES ?p { schema:headline schema:name } ?a ?p ?title }
}"""


def memberships_query(iri: str, cpo: str) -> str:
    """Memberships (``org:Membership``) of ``iri`` as organisation or as member."""
    return PREFIXES + f"""PREFIX cpo: <{cpo}>
SELECT DISTINCT ?m ?g ?member ?organization ?role WHERE {{
  GRAPH ?g {{ ?m a org:Membership . {{ ?m org:organization <{iri}> }} UNION {{ ?m org:member <{iri}> }} }}
  ?m org:member ?member ; org:organization ?organization .
  OPTIONAL {{ ?m org:role ?role }}
}}"""


def affiliated_query(iri: str, cpo: str) -> str:
    """Groups affiliated with ``iri``, with their counts (asserted, or hedged claims)."""
    return PREFIXES + f"""PREFIX cpo: <{cpo}>
SELECT DISTINCT ?grp ?g ?count ?qualifier ?claimed ?hedge ?description WHERE {{
  GRAPH ?g {{ ?grp cpo:groupAffiliation <{iri}> }}
  OPTIONAL {{ ?grp cpo:memberCount ?count }}
  OPTIONAL {{ ?grp cpo:countQualifier ?qualifier }}
  OPTIONAL {{ ?c rdf:subject ?grp ; rdf:predicate cpo:memberCount ; rdf:object ?claimed .
             OPTIONAL {{ ?c cpo:hedge ?hedge }} }}
  OPTIONAL {{ ?grp schema:description ?description
             FILTER(langMatches(lang(?description), "en") || lang(?description) = "") }}
}}"""


# -- building ------------------------------------------------------------------------

class Names:
    """Labels of terms, fetched in batches from the store."""

    def __init__(self, store, base: str):
        self.store, self.base, self.cache = store, base, {}

    def load(self, iris) -> None:
        todo = sorted({str(i) for i in iris if i and str(i) not in self.cache})
        for start in range(0, len(todo), 200):
            chunk = todo[start:start + 200]
            found = defaultdict(list)
            for row in self.store.select(names_query(chunk)).rows:
                found[str(row["s"])].append((str(row["p"]), row["name"].language or "", str(row["name"])))
            for iri in chunk:
                self.cache[iri] = _pick(found.get(iri, []))

    def label(self, iri) -> str:
        iri = str(iri)
        if iri not in self.cache:
            self.load([iri])
        return self.cache[iri] or local_name(iri).replace("-", " ")

    def href(self, iri) -> str | None:
        return local_link(str(iri), self.base)


def articles(store, base: str) -> dict[str, SourceRef]:
    """graph IRI -> the article it is derived from, by title (headline, else name)."""
    titles: dict[str, list] = defaultdict(list)
    article = {}
    for row in store.select(articles_query()).rows:
        g = str(row["g"])
        article[g] = str(row["a"])
        if "title" in row:
            titles[g].append((str(row["p"]), row["title"].language or "", str(row["title"])))
    return {g: SourceRef(_pick(titles[g]) or local_name(a), local_link(a, base)) for g, a in article.items()}


def source_refs(graphs, refs: dict[str, SourceRef]) -> list[SourceRef]:
    out = []
    for g in sorted(set(graphs)):
        ref = refs.get(g) or SourceRef(local_name(g), None)
        if ref not in out:
            out.append(ref)
    return out


def _report(row: dict, sort_fallback: str = "9999") -> Report:
    def s(key):
        return str(row[key]) if key in row else None
    value, earliest, latest = s("value"), s("earliest"), s("latest")
    cut = _precision_cut(s("precision"))
    lo, hi = (earliest or "")[:cut], (latest or "")[:cut]
    if value:
        text = value
    elif earliest and latest:
        text = lo if lo == hi else f"{lo} – {hi}"
    elif earliest or latest:
        text = f"{lo} or later" if earliest else f"{hi} or earlier"
    else:
        text = s("asReported") or "date not worked out"
    return Report(text=text, precision=s("precision"), basis=s("basis") or (local_name(s("basisIri")) if
                  s("basisIri") else None), basis_key=basis_key(s("basisIri")), as_reported=s("asReported"),
                  note=s("note"), sort_key=earliest or (value[:10] if value else None) or latest or sort_fallback,
                  earliest=earliest, latest=latest)


def collect_dates(store, subjects, cpo: str, inherit, refs, names: Names) -> dict[str, list[Report]]:
    """subject -> its date reports (one per date node and role; sources merged)."""
    reports: dict[str, dict[tuple, Report]] = defaultdict(dict)
    graphs: dict[tuple, set] = defaultdict(set)
    nodes = set()
    subjects = sorted(set(subjects))
    if not subjects:
        return {}
    rows = store.select(dates_query(subjects, cpo, inherit)).rows
    names.load(str(r["from"]) for r in rows if "from" in r)
    roles = {cpo + "date": None, cpo + "heldAt": None, cpo + "startDate": "from", cpo + "endDate": "until"}
    for row in rows:
        e, d, role = str(row["e"]), str(row["d"]), roles.get(str(row["prop"]), local_name(str(row["prop"])))
        key = (d, role)
        if key not in reports[e]:
            rep = _report(row)
            rep.role = role
            rep.via = names.label(row["from"]) if "from" in row else None
            reports[e][key] = rep
            nodes.add(d)
        graphs[(e, key)].add(str(row["g"]))
    # per-reading dates of dates that depend on a reading
    by_date = defaultdict(list)
    if nodes:
        rrows = store.select(reading_dates_query(sorted(nodes), cpo)).rows
        names.load(str(r["reading"]) for r in rrows)
        for row in rrows:
            rep = _report(row)
            rep.reading = names.label(row["reading"])
            by_date[str(row["d"])].append(rep)
    out = {}
    for e, found in reports.items():
        listed = []
        for key, rep in found.items():
            rep.sources = source_refs(graphs[(e, key)], refs)
            rep.alternatives = sorted(by_date.get(key[0], []), key=lambda r: r.reading or "")
            listed.append(rep)
        # the event's own dates first, then start, end; by date within each
        listed.sort(key=lambda r: ({None: 0, "from": 1, "until": 2}.get(r.role, 3), r.sort_key, r.text))
        out[e] = listed
    return out


def _facts_to_details(facts, details: tuple[str, ...], unremarkable: set[str], refs,
                      names: Names, prop_names: Names) -> dict[str, list[Detail]]:
    wanted = {name: i for i, name in enumerate(details)}
    cells: dict[str, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    for row in facts:
        p = str(row["p"])
        if local_name(p) not in wanted or str(row["o"]) in unremarkable:
            continue
        cells[str(row["e"])][p].setdefault(row["o"], set()).add(str(row["g"]))
    names.load(str(o) for by_p in cells.values() for vals in by_p.values() for o in vals
               if not hasattr(o, "language"))
    prop_names.load(p for by_p in cells.values() for p in by_p)
    out = {}
    for e, by_p in cells.items():
        rows = []
        for p in sorted(by_p, key=lambda p: wanted[local_name(p)]):
            values = []
            for o, gs in sorted(by_p[p].items(), key=lambda kv: str(kv[0])):
                values.append((_literal_text(o) if hasattr(o, "language") else names.label(o),
                               None if hasattr(o, "language") else names.href(o), source_refs(gs, refs)))
            rows.append(Detail(prop_names.label(p), values))
        out[e] = rows
    return out


def _literal_text(lit) -> str:
    dt = str(lit.datatype) if lit.datatype else ""
    if dt == _XSD + "duration":
        return duration_text(str(lit))
    if dt == _XSD + "boolean":
        return "yes" if str(lit).strip() in ("true", "1") else "no"
    return str(lit)


def kinds_in_order(store, cpo: str, casefile: dict, prefixes: dict[str, str]) -> list[tuple[str, str]]:
    """(kind IRI, label): the listed kinds in the site file's order, then the other
    subclasses of ``root`` by label."""
    listed = tuple(expand(k, prefixes) for k in casefile.get("kinds", ()))
    root = expand(casefile["root"], prefixes) if casefile.get("root") else None
    if not root and not listed:
        return []
    labels = {}
    for row in store.select(kinds_query(cpo, root, listed)).rows:
        k = str(row["kind"])
        if k not in labels or ("label" in row and labels[k] == local_name(k)):
            labels[k] = str(row["label"]) if "label" in row else local_name(k)
    first = [k for k in listed if k in labels]
    rest = sorted((k for k in labels if k not in listed), key=lambda k: labels[k].lower())
    return [(k, labels[k]) for k in first + rest]


def build_case_file(store, iri: str, base: str, cpo: str, casefile: dict, prefixes: dict[str, str],
                    inherit: tuple[str, ...] = ()) -> CaseFile:
    """The case file of ``iri`` (empty when nothing in the store makes one, or when ``iri``
    could not be written in a query: it is put between ``<`` and ``>``)."""
    if not iri or _UNSAFE.search(iri):
        return CaseFile([], [], [], [])
    refs = articles(store, base)
    names, prop_names = Names(store, base), Names(store, base)
    kinds = kinds_in_order(store, cpo, casefile, prefixes)
    subject = tuple(expand(s, prefixes) for s in casefile.get("subject", ()))
    groups: list[KindGroup] = []
    rows: dict[str, CaseRow] = {}
    kind_of: dict[str, str] = {}
    graphs: dict[str, set] = defaultdict(set)
    if kinds and subject:
        kind_iris = [k for k, _ in kinds]
        order = {k: i for i, k in enumerate(kind_iris)}
        for row in store.select(events_query(iri, subject, kind_iris)).rows:
            e, k = str(row["e"]), str(row["kind"])
            rows.setdefault(e, CaseRow(e, names.href(e), ""))
            if e not in kind_of or order[k] < order[kind_of[e]]:
                kind_of[e] = k
            graphs[e].add(str(row["g"]))
        readings = store.select(readings_query(iri, cpo, subject, kind_iris)).rows
        names.load([str(r["r"]) for r in readings] + [str(r["amb"]) for r in readings])
        for row in readings:
            e, k = str(row["e"]), str(row["kind"])
            case = rows.setdefault(e, CaseRow(e, names.href(e), "", asserted=False))
            if e not in kind_of or order[k] < order[kind_of[e]]:
                kind_of[e] = k
            case.ambiguity, case.ambiguity_href = names.label(row["amb"]), names.href(str(row["amb"]))
            reading = Reading(names.label(row["r"]), str(row["r"]) == str(row["mr"]))
            known = next((r for r in case.readings if r.label == reading.label), None)
            if known is None:
                case.readings.append(reading)
            elif reading.mine:
                known.mine = True
        names.load(rows)
        facts = store.select(facts_query(sorted(rows))).rows if rows else []
        for row in facts:
            graphs[str(row["e"])].add(str(row["g"]))
        details = _facts_to_details(facts, casefile.get("details", ()),
                                    {expand(u, prefixes) for u in casefile.get("unremarkable", ())},
                                    refs, names, prop_names)
        dates = collect_dates(store, rows, cpo, inherit, refs, names)
        for e, case in rows.items():
            case.label = names.label(e)
            case.details = details.get(e, [])
            case.reports = dates.get(e, [])
            case.sources = source_refs(graphs[e], refs)
            case.readings.sort(key=lambda r: r.label)
        by_kind = defaultdict(list)
        for e, case in rows.items():
            by_kind[kind_of[e]].append(case)
        for k, label in kinds:
            if by_kind.get(k):
                groups.append(KindGroup(k, label[:1].upper() + label[1:],
                                        sorted(by_kind[k], key=lambda c: (c.sort_key, c.label.lower()))))
    members, memberships = _memberships(store, iri, cpo, refs, names, inherit)
    return CaseFile(groups, members, memberships, _affiliated(store, iri, cpo, refs, names))


def _memberships(store, iri: str, cpo: str, refs, names: Names, inherit) -> tuple[list, list]:
    found: dict[str, dict] = {}
    for row in store.select(memberships_query(iri, cpo)).rows:
        m = found.setdefault(str(row["m"]), {"graphs": set(), "row": row})
        m["graphs"].add(str(row["g"]))
    rows = [m["row"] for m in found.values()]
    names.load([str(r["member"]) for r in rows] + [str(r["organization"]) for r in rows]
               + [str(r["role"]) for r in rows if "role" in r])
    dates = collect_dates(store, found, cpo, inherit, refs, names) if found else {}
    members, memberships = [], []
    for m, entry in found.items():
        row = entry["row"]
        as_org = str(row["organization"]) == iri
        other = row["member"] if as_org else row["organization"]
        item = Membership(names.label(other), names.href(other),
                          names.label(row["role"]) if "role" in row else "member",
                          dates.get(m, []), source_refs(entry["graphs"], refs))
        (members if as_org else memberships).append(item)
    key = lambda m: (m.role.lower(), m.other.lower())  # noqa: E731
    return sorted(members, key=key), sorted(memberships, key=key)


def _affiliated(store, iri: str, cpo: str, refs, names: Names) -> list[GroupRow]:
    found: dict[str, dict] = {}
    for row in store.select(affiliated_query(iri, cpo)).rows:
        entry = found.setdefault(str(row["grp"]), {"graphs": set(), "counts": set(), "description": None})
        entry["graphs"].add(str(row["g"]))
        if "count" in row:
            entry["counts"].add((str(row["qualifier"]) if "qualifier" in row else "", str(row["count"])))
        if "claimed" in row:
            entry["counts"].add(("hedge:" + (str(row["hedge"]) if "hedge" in row else "claimed"),
                                 str(row["claimed"])))
        if "description" in row:
            entry["description"] = str(row["description"])
    names.load(list(found) + [q for e in found.values() for q, _ in e["counts"] if q and not q.startswith("hedge:")])
    out = []
    for grp, entry in found.items():
        counts = []
        for qualifier, n in sorted(entry["counts"]):
            if qualifier.startswith("hedge:"):
                counts.append(f"{qualifier[6:]} {n}")
            else:
                counts.append(f"{names.label(qualifier)} {n}" if qualifier else n)
        out.append(GroupRow(names.label(grp), names.href(grp), ", ".join(counts) or None,
                            entry["description"], source_refs(entry["graphs"], refs)))
    return sorted(out, key=lambda g: g.label.lower())


def for_resource(iri: str) -> CaseFile:
    """The case file of ``iri`` for the app at hand (its store, base IRI and site file)."""
    from flask import current_app

    from ..namespaces import all_prefixes, dataset_namespaces
    from ..store import get_store
    base = current_app.config["BASE_IRI"]
    prefixes = all_prefixes(base)
    inherit = tuple(expand(n, prefixes) for n in current_app.config["TIMELINE_INHERIT_DATE"])
    return build_case_file(get_store(), str(iri), base, dataset_namespaces(base)["cpo"],
                           current_app.config["CASEFILE"], prefixes, inherit)
