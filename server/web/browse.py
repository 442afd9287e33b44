"""Browse lists: ``GET /browse/<class>[.csv|.html]?page=N``, the instances of one class of
the data, sorted by label, one bounded page at a time (SPARQL LIMIT/OFFSET through the
store; nothing is loaded whole).

``<class>`` is the class's compact name with one of the site's prefixes
(``schema:Person``, ``cpo:Pardon``): unambiguous, and what the pages already print.
Columns: IRI, label (``rdfs:label``, else ``schema:name``), types, number of source
graphs (named graphs stating something about the instance). HTML or CSV
(``iri,label,sources``), from the format table.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, render_template, request
from rdflib import URIRef

from ..errors import BadRequest, NotFound
from ..formats import CSV, HTML
from ..namespaces import all_prefixes, dataset_namespaces
from ..store import get_store
from . import bp, lookups, pages
from .iris import compact, split_suffix
from .negotiation import alternates, choose, respond

OFFERS = (HTML, CSV)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: ``?sort=`` values (a leading ``-``: descending) and the expression each orders by.
SORTS = {"label": "LCASE(COALESCE(?label, STR(?s)))", "sources": "?sources",
         "date": 'COALESCE(?when, "9999")'}

#: The instances of <{cls}> in the data graphs that pass the facets ({facets}).
INSTANCES = """{{ SELECT DISTINCT ?s WHERE {{ GRAPH ?tg {{ ?s a <{cls}> }} FILTER(?tg NOT IN ({schema})) {facets} }} }}"""

#: An instance's dates start at ``?dv``: the value, else the earliest bound, of its date
#: nodes (or of itself, when it is a date node); the year is the start's first four digits.
START_YEAR = "SUBSTR(STR(?dv), 1, 4)"
#: (A UNION, not the zero-or-one path ``(cpo:date|cpo:startDate)?``: Virtuoso 7.2 gets
#: that path wrong inside FILTER EXISTS.)
DATED = ("{ ?s cpo:date|cpo:startDate ?dn . ?dn cpo:dateValue|cpo:earliest ?dv } "
         "UNION { ?s cpo:dateValue|cpo:earliest ?dv }")

#: One page of instances, sorted (``{order}``), with label, number of source graphs and
#: the earliest start of their dates (``?when``).
PAGE_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX cpo: <{cpo}>
SELECT ?s ?label ?sources ?when WHERE {{
  {{ SELECT ?s (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?g) AS ?sources) (MIN(?w) AS ?when) WHERE {{
      {instances}
      GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({schema}))
      OPTIONAL {{ SELECT ?s (MIN(STR(?x)) AS ?l) WHERE {{
          {{ ?s rdfs:label ?x }} UNION {{ ?s schema:name ?x FILTER NOT EXISTS {{ ?s rdfs:label ?y }} }}
      }} GROUP BY ?s }}
      OPTIONAL {{ SELECT ?s (MIN(STR(?dv)) AS ?w) WHERE {{ {dated} }} GROUP BY ?s }}
  }} GROUP BY ?s }}
}} ORDER BY {order} ?s LIMIT {limit} OFFSET {offset}"""

COUNT_QUERY = """PREFIX cpo: <{cpo}>
SELECT (COUNT(*) AS ?n) WHERE {{ {instances} }}"""

#: Facet counts over the instances that pass the other facets.
SOURCE_FACET = """PREFIX cpo: <{cpo}>
SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {instances} GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({schema})) }}
GROUP BY ?g"""
YEAR_FACET = """PREFIX cpo: <{cpo}>
SELECT ?y (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {instances} {dated} BIND({year} AS ?y) }} GROUP BY ?y ORDER BY ?y"""

#: The types of the instances on one page.
TYPES_QUERY = "SELECT DISTINCT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}"


@dataclass
class Facets:
    """The list's filters, from the query string: ``source`` (a graph's slug), ``year``."""
    source: str | None = None
    year: str | None = None

    def where(self, base: str) -> str:
        out = ""
        if self.source:
            # a join, not FILTER EXISTS: Virtuoso 7.2 ignores a GRAPH inside EXISTS here
            # (the instances are a SELECT DISTINCT, so the join adds no duplicate)
            out += f" GRAPH <{lookups.graph_iri(base, self.source)}> {{ ?s ?fp ?fo }}"
        if self.year:
            out += (f" FILTER EXISTS {{ {DATED} "
                    f'FILTER(SUBSTR(STR(?dv), 1, 4) = "{self.year}") }}')
        return out

    def without(self, name: str) -> "Facets":
        return Facets(**{**self.__dict__, name: None})


@dataclass
class Entry:
    iri: str
    label: pages.Value               # the link text: the label, else a name made from the IRI
    label_text: str                  # rdfs:label / schema:name ("" when it has none)
    types: list[pages.Value]
    sources: int
    when: str                        # the earliest start of its dates ("" when undated)
    type_iris: list[str]


@dataclass
class FacetValue:
    value: str                       # the query-string value
    text: str                        # what a reader sees
    count: int
    href: str
    chosen: bool


def href(cls: str, base: str) -> str | None:
    """The browse list of class ``cls`` (None if it has no compact name)."""
    name = compact(cls, all_prefixes(base))
    return None if name == cls else f"/browse/{name}"


def resolve_class(name: str, base: str) -> str:
    """The IRI of the data class compact-named ``name``; 404 (with the known names) if the
    data holds no instance of it."""
    prefixes = all_prefixes(base)
    prefix, colon, local = name.partition(":")
    counts = dict(lookups.class_counts(get_store(), base))
    iri = prefixes[prefix] + local if colon and prefix in prefixes else None
    if iri not in counts:
        same = [compact(c, prefixes) for c in counts if compact(c, prefixes).endswith(":" + (local if colon else name))]
        known = ", ".join(compact(c, prefixes) for c in list(counts)[:8])
        raise NotFound(f"No class {name!r} with instances in the data.",
                       hint=(f"Did you mean /browse/{same[0]}? " if same else "") +
                            f"Use a class's compact name, e.g. /browse/{compact(next(iter(counts), ''), prefixes)}; "
                            f"the home page lists them all ({known}...).")
    return iri


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,7}", raw) or not 1 <= int(raw) <= 1_000_000:
        raise BadRequest(f"page must be a positive whole number, not {raw!r}.",
                         hint="Use ?page=1 for the first page.")
    return int(raw)


def sort_order() -> str:
    raw = request.args.get("sort", "label")
    if not (raw in SORTS or (raw[:1] == "-" and raw[1:] in SORTS)):
        raise BadRequest(f"sort must be one of {', '.join(SORTS)} (a leading - reverses it), not {raw[:40]!r}.",
                         hint="E.g. ?sort=-sources (most sources first) or ?sort=date (earliest first).")
    return raw


def facets(base: str) -> Facets:
    source, year = request.args.get("source") or None, request.args.get("year") or None
    if source is not None:
        known = {g.rsplit("/", 1)[-1] for g in lookups.graph_info(get_store(), base)}
        if source not in known:
            raise BadRequest(f"source must name one of the dataset's graphs, not {source[:60]!r}.",
                             hint=f"Known: {', '.join(sorted(known))}.")
    if year is not None and not re.fullmatch(r"[0-9]{4}", year):
        raise BadRequest(f"year must be four digits, not {year[:20]!r}.", hint="E.g. ?year=2018.")
    return Facets(source, year)


def page_size() -> int:
    """Instances per page: BROWSE_PAGE_SIZE, kept within 1..1000 (one page is one bounded
    query; not the client's choice)."""
    return min(max(int(current_app.config["BROWSE_PAGE_SIZE"]), 1), 1000)


def _schema(base: str) -> str:
    return ", ".join(f"<{lookups.graph_iri(base, n)}>" for n in lookups.DOCUMENTS.values())


def _instances(cls: str, chosen: Facets, base: str) -> str:
    return INSTANCES.format(cls=cls, schema=_schema(base), facets=chosen.where(base))


def _cpo(base: str) -> str:
    return dataset_namespaces(base)["cpo"]


def count(cls: str, chosen: Facets, base: str) -> int:
    if chosen == Facets():
        return dict(lookups.class_counts(get_store(), base))[cls]
    rows = get_store().select(COUNT_QUERY.format(cpo=_cpo(base), instances=_instances(cls, chosen, base))).rows
    return int(rows[0]["n"]) if rows else 0


def entries(cls: str, page: int, base: str, sort: str = "label", chosen: Facets = Facets()) -> list[Entry]:
    """One page of the instances of ``cls`` that pass ``chosen`` (two bounded queries)."""
    store, size = get_store(), page_size()
    order = SORTS[sort.lstrip("-")]
    order = f"DESC({order})" if sort.startswith("-") else order
    rows = store.select(PAGE_QUERY.format(cpo=_cpo(base), instances=_instances(cls, chosen, base),
                                          schema=_schema(base), dated=DATED, order=order, limit=size,
                                          offset=(page - 1) * size)).rows
    types: dict[str, list[str]] = {}
    if rows:
        values = " ".join(f"<{r['s']}>" for r in rows if isinstance(r["s"], URIRef))
        for r in store.select(TYPES_QUERY.format(values=values)).rows if values else ():
            types.setdefault(str(r["s"]), []).append(str(r["t"]))
    lab = pages.Labeller(lookups.ontology_graph(store, base), base, all_prefixes(base), lookups.labels(store, base))
    out = []
    for r in rows:
        iri = str(r["s"])
        label = lab.value(r["s"])
        if "label" in r:
            label.text = str(r["label"])
        kinds = sorted(types.get(iri, []))
        out.append(Entry(iri, label, str(r.get("label", "")), [lab.value(URIRef(t)) for t in kinds],
                         int(r["sources"]), str(r.get("when", "")), kinds))
    return out


def facet_values(cls: str, chosen: Facets, base: str, link) -> dict[str, list[FacetValue]]:
    """Each facet's values with their counts among the instances passing the other facets."""
    store, info = get_store(), lookups.graph_info(get_store(), base)
    out: dict[str, list[FacetValue]] = {"source": [], "year": []}
    rows = store.select(SOURCE_FACET.format(cpo=_cpo(base), instances=_instances(cls, chosen.without("source"), base),
                                            schema=_schema(base))).rows
    for r in sorted(rows, key=lambda r: -int(r["n"])):
        graph = str(r["g"])
        slug = graph.rsplit("/", 1)[-1]
        entry = info.get(graph, {})
        text = str(entry.get("headline") or entry.get("label") or slug)
        out["source"].append(FacetValue(slug, text, int(r["n"]), link(source=slug), chosen.source == slug))
    rows = store.select(YEAR_FACET.format(cpo=_cpo(base), instances=_instances(cls, chosen.without("year"), base),
                                          dated=DATED, year=START_YEAR)).rows
    for r in rows:
        year = str(r["y"])
        if len(year) == 4 and year.isdigit():
            out["year"].append(FacetValue(year, year, int(r["n"]), link(year=year), chosen.year == year))
    return out


def csv_body(rows: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["iri", "label", "sources", "date", "types"])
    for e in rows:
        writer.writerow([e.iri, e.label_text, e.sources, e.when, " ".join(e.type_iris)])
    return out.getvalue()


@bp.route("/browse/<name>")
def browse(name: str):
    base = current_app.config["BASE_IRI"]
    name, suffix = split_suffix(name, OFFERS)
    cls, page, sort, chosen = resolve_class(name, base), page_number(), sort_order(), facets(base)
    fmt = choose(OFFERS, suffix)
    total = count(cls, chosen, base)
    last = max(1, -(-total // page_size()))
    if page > last:
        raise NotFound(f"{name} has {last} page(s) of instances; there is no page {page}.",
                       hint=f"Use ?page=1 to ?page={last}.")
    stem = f"/browse/{name}"
    state = {"sort": sort if sort != "label" else None, "source": chosen.source, "year": chosen.year}

    def link(**change) -> str:
        """This list's URL with ``change`` applied (page 1 unless a page is given)."""
        args = {k: v for k, v in {**state, "page": None, **change}.items()
                if v is not None and not (k == "page" and v == 1) and not (k == "sort" and v == "label")}
        return stem + (f"?{urlencode(args)}" if args else "")

    rows = entries(cls, page, base, sort, chosen)
    links = [f'<{link(page=page + 1)}>; rel="next"'] if page < last else []
    links += [f'<{link(page=page - 1)}>; rel="prev"'] if page > 1 else []
    query = link(page=page)[len(stem):]
    if fmt is CSV:
        return respond(csv_body(rows), fmt, stem, OFFERS, query, links)
    lab = pages.Labeller(lookups.ontology_graph(get_store(), base), base, all_prefixes(base),
                         lookups.labels(get_store(), base))
    shown = lab.value(URIRef(cls))
    heading = shown.text if shown.text != name else name.partition(":")[2]   # no label: "Person"
    heading = heading[:1].upper() + heading[1:]                              # "verdict" -> "Verdict"
    sorts = {key: link(sort=f"-{key}" if sort == key else key) for key in SORTS}  # again: reversed
    html = render_template("browse.html", cls=shown, heading=heading, name=name, rows=rows,
                           total=total, page=page, last=last, size=page_size(), stem=stem,
                           sort=sort, sorts=sorts, chosen=chosen, facets=facet_values(cls, chosen, base, link),
                           clear={k: link(**{k: None}) for k in ("source", "year")},
                           next_href=link(page=page + 1), prev_href=link(page=page - 1),
                           csv_href=link(page=page).replace(stem, stem + ".csv", 1),
                           site_title=current_app.config["SITE_TITLE"],
                           alternates=alternates(stem, OFFERS, query))
    return respond(html, fmt, stem, OFFERS, query, links)
