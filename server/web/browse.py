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
from dataclasses import dataclass

from flask import current_app, render_template, request
from rdflib import URIRef

from ..errors import BadRequest, NotFound
from ..formats import CSV, HTML
from ..namespaces import all_prefixes
from ..store import get_store
from . import bp, lookups, pages
from .iris import compact, split_suffix
from .negotiation import alternates, choose, respond

OFFERS = (HTML, CSV)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: One page of instances of <{cls}> in the data graphs, sorted by label (then IRI).
PAGE_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
SELECT ?s ?label ?sources WHERE {{
  {{ SELECT ?s (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?g) AS ?sources) WHERE {{
      {{ SELECT DISTINCT ?s WHERE {{ GRAPH ?tg {{ ?s a <{cls}> }} FILTER(?tg NOT IN ({schema})) }} }}
      GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({schema}))
      OPTIONAL {{ SELECT ?s (MIN(STR(?x)) AS ?l) WHERE {{
          {{ ?s rdfs:label ?x }} UNION {{ ?s schema:name ?x FILTER NOT EXISTS {{ ?s rdfs:label ?y }} }}
      }} GROUP BY ?s }}
  }} GROUP BY ?s }}
}} ORDER BY LCASE(COALESCE(?label, STR(?s))) ?s LIMIT {limit} OFFSET {offset}"""

#: The types of the instances on one page.
TYPES_QUERY = "SELECT DISTINCT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}"


@dataclass
class Entry:
    iri: str
    label: pages.Value               # the link text: the label, else a name made from the IRI
    label_text: str                  # rdfs:label / schema:name ("" when it has none)
    types: list[pages.Value]
    sources: int


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
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise BadRequest(f"page must be a positive whole number, not {raw!r}.",
                         hint="Use ?page=1 for the first page.")
    return int(raw)


def page_size() -> int:
    """Instances per page: BROWSE_PAGE_SIZE, kept within 1..1000 (one page is one bounded
    query; not the client's choice)."""
    return min(max(int(current_app.config["BROWSE_PAGE_SIZE"]), 1), 1000)


def entries(cls: str, page: int, base: str) -> list[Entry]:
    """One page of the instances of ``cls`` (two bounded queries)."""
    store, size = get_store(), page_size()
    schema = ", ".join(f"<{lookups.graph_iri(base, n)}>" for n in lookups.DOCUMENTS.values())
    rows = store.select(PAGE_QUERY.format(cls=cls, schema=schema, limit=size,
                                          offset=(page - 1) * size)).rows
    types: dict[str, list[str]] = {}
    if rows:
        values = " ".join(f"<{r['s']}>" for r in rows if isinstance(r["s"], URIRef))
        for r in store.select(TYPES_QUERY.format(values=values)).rows if values else ():
            types.setdefault(str(r["s"]), []).append(str(r["t"]))
    lab = pages.Labeller(lookups.ontology_graph(store, base), base, all_prefixes(base))
    out = []
    for r in rows:
        iri = str(r["s"])
        label = lab.value(r["s"])
        if "label" in r:
            label.text = str(r["label"])
        out.append(Entry(iri, label, str(r.get("label", "")), [lab.value(URIRef(t)) for t in sorted(types.get(iri, []))],
                         int(r["sources"])))
    return out


def csv_body(rows: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["iri", "label", "sources"])
    for e in rows:
        writer.writerow([e.iri, e.label_text, e.sources])
    return out.getvalue()


@bp.route("/browse/<name>")
def browse(name: str):
    base = current_app.config["BASE_IRI"]
    name, suffix = split_suffix(name, OFFERS)
    cls, page = resolve_class(name, base), page_number()
    fmt = choose(OFFERS, suffix)
    total = dict(lookups.class_counts(get_store(), base))[cls]
    last = max(1, -(-total // page_size()))
    if page > last:
        raise NotFound(f"{name} has {last} page(s) of instances; there is no page {page}.",
                       hint=f"Use ?page=1 to ?page={last}.")
    rows, stem = entries(cls, page, base), f"/browse/{name}"
    links = [f'<{stem}?page={page + 1}>; rel="next"'] if page < last else []
    links += [f'<{stem}?page={page - 1}>; rel="prev"'] if page > 1 else []
    query = f"?page={page}" if page > 1 else ""
    if fmt is CSV:
        return respond(csv_body(rows), fmt, stem, OFFERS, query, links)
    lab = pages.Labeller(lookups.ontology_graph(get_store(), base), base, all_prefixes(base))
    shown = lab.value(URIRef(cls))
    heading = shown.text if shown.text != name else name.partition(":")[2]   # no label: "Person"
    html = render_template("browse.html", cls=shown, heading=heading, name=name, rows=rows,
                           total=total, page=page, last=last, size=page_size(), stem=stem,
                           site_title=current_app.config["SITE_TITLE"],
                           alternates=alternates(stem, OFFERS, query))
    return respond(html, fmt, stem, OFFERS, query, links)
