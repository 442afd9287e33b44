"""The routes of the linked-data site. Each view: look up, negotiate, serialise.

    /                         home page (HTML) or the VoID description (RDF)
    /void, /.well-known/void  VoID
    /context/v1.jsonld        the JSON-LD context every JSON-LD document references
    /dumps/dataset.{trig,nq,ttl,jsonld}   (Range / If-Range: resumable)
    /favicon.ico
    /browse/<prefix>:<Class>  lists of instances (server/web/browse.py)
    /ontology, /shapes        documents (whole graphs; terms are hash IRIs in them)
    /<path>[.<suffix>]        any other IRI under BASE_IRI (catch-all, registered last)
"""
from __future__ import annotations

import json

from flask import Response, current_app, render_template, request, send_from_directory
from rdflib import URIRef

from ..errors import BadRequest, NotFound
from ..formats import (DUMP_FORMATS, HTML, JSONLD, JSONLD_EXPANDED, JSONLD_FLATTENED, NTRIPLES, RDFXML,
                       RESOURCE_FORMATS, TURTLE)
from ..namespaces import all_prefixes, dataset_namespaces
from ..store import Statements, get_store
from . import bp, browse, cache, casefile, front, lookups, pages, timeline
from .catalog import add_dcat, schema_org_dataset, script_json
from .iris import iri_for, local_link, local_name, split_suffix
from .labels import DateSpec
from .negotiation import alternates, choose, respond
from .public import public_url, public_url_for
from .rdf import CONTEXT_VERSION, serialize
from .void import VOCABULARIES_QUERY, void_graph

RESOURCE_OFFERS = DOCUMENT_FORMATS = RESOURCE_FORMATS
VOID_DATA = (TURTLE, JSONLD, NTRIPLES, RDFXML, JSONLD_EXPANDED, JSONLD_FLATTENED)
VOID_FORMATS = (*VOID_DATA, HTML)
#: A section of a document or source-graph page of at most this many terms is shown
#: open; longer ones are collapsed (``<details>``) behind their title and count.
OPEN_SECTION_AT = 3
#: A resource page's "Referenced by" list of more links than this starts collapsed.
OPEN_LINKS_AT = 10
#: The ``@context`` URL a cached JSON-LD answer holds until ``fill_context`` puts in the
#: public URL of the context for the request at hand (cached bodies never hold a host).
CONTEXT_SLOT = "urn:x-kg:public-context-url"


def base() -> str:
    return current_app.config["BASE_IRI"]


def labeller(data) -> pages.Labeller:
    """A Labeller of ``data`` that also knows the ontology's and the bundled vocabulary
    labels, and shows date nodes (the site file's ``[dates]``) as their dates."""
    return pages.Labeller(data, base(), all_prefixes(base()), lookups.labels(get_store(), base()), date_spec())


def date_spec() -> DateSpec:
    prefixes = all_prefixes(base())
    return DateSpec(**{role: expand(name, prefixes) for role, name in current_app.config["DATE_NODE"].items()})


#: Most nodes whose date facts one page looks up (``named_dates``).
NAMED_DATES_LIMIT = 500


def named_dates(lab: pages.Labeller, desc) -> None:
    """Date nodes a description names but does not describe (an event held at the date
    of its article) get their dates from the store, so that they read as dates too."""
    roles = date_spec().roles()
    if not roles:
        return
    unknown = sorted({o for _s, _p, o, _g in desc.quads((None, None, None, None))
                      if isinstance(o, URIRef) and str(o).startswith(base()) and "#" in str(o)
                      and o not in lab.labels and o not in lab.date_facts})[:NAMED_DATES_LIMIT]
    props = " ".join(f"<{p}>" for p in roles)
    for _hop in range(2):              # the nodes, then the dates under their readings
        if not unknown:
            break
        values = " ".join(f"<{o}>" for o in unknown)
        rows = get_store().select(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} ?s ?p ?o }}").rows
        lab.add_date_facts(rows, roles)
        unknown = sorted({r["o"] for r in rows if roles.get(r["p"]) == "reading" and r["o"] not in lab.date_facts
                          and isinstance(r["o"], URIRef)})[:NAMED_DATES_LIMIT]


def kind_order() -> pages.KindOrder:
    prefixes = all_prefixes(base())
    top = tuple(URIRef(expand(name, prefixes)) for name in str(current_app.config["SEARCH_TYPE_CLASSES"]).split())
    return lookups.kind_order(get_store(), base(), top)


def context_url() -> str:
    return public_url_for("web.context", version=CONTEXT_VERSION)


def rdf_body(data, fmt, dataset: bool = False, context: str | None = None):
    """Serialise RDF ``data`` in ``fmt`` (``dataset``: a whole-dataset dump), JSON-LD
    referencing our context by URL (``context``, default: its public URL;
    ``CONTEXT_SLOT`` for an answer to cache)."""
    store = get_store()
    return serialize(data, fmt, all_prefixes(base()), lookups.context(store, base()),
                     context or context_url(), dataset)


class Rows:
    """Statements ``(s, p, o, g)`` as the serializers read them (``rdf.quads_of``)."""

    def __init__(self, rows):
        self.rows = rows


def fill_context(resp: Response, fmt) -> Response:
    """A JSON-LD answer built with ``CONTEXT_SLOT`` gets the public URL of the context.
    The slot is the value of the document's first key, ``@context``: the first match."""
    if fmt is JSONLD and resp.status_code == 200:
        slot = json.dumps(CONTEXT_SLOT).encode()
        resp.set_data(resp.get_data().replace(slot, json.dumps(context_url()).encode(), 1))
    return resp


# -- dataset level -------------------------------------------------------------

@bp.route("/")
def home():
    fmt = choose((HTML, *VOID_DATA))                  # the home page: browsers first
    if fmt is not HTML:
        return respond(rdf_body(build_void(), fmt), fmt, "/void", VOID_FORMATS)
    store = get_store()
    onto = labeller(lookups.ontology_graph(store, base()))
    classes = [(onto.value(URIRef(c)), n, browse.href(c, base()))
               for c, n in lookups.class_counts(store, base())]
    texts = [v.text.lower() for v, _n, _h in classes]
    for v, _n, _h in classes:          # two classes labelled alike: add their compact names
        if texts.count(v.text.lower()) > 1 and v.curie:
            v.text = f"{v.text} ({v.curie})"
    info = lookups.graph_info(store, base())
    articles = [(entry, pages.Value(text=entry.get("title") or local_name(entry["source"]),
                                    href=local_link(entry["source"], base()), iri=entry["source"]))
                for _g, entry in sorted(info.items()) if entry.get("source")]
    dataset = schema_org_dataset(
        dataset_iri=base() + "void#dataset", home=public_url("/"),
        dumps_url=lambda fmt: public_url_for("web.dump", ext=fmt.suffix),
        title=current_app.config["SITE_TITLE"], description=current_app.config["SITE_DESCRIPTION"],
        license_iri=current_app.config["LICENSE"])
    html = render_template("home.html", stats=store.stats(), classes=classes, articles=articles,
                           base_iri=base(), site_title=current_app.config["SITE_TITLE"], dumps=DUMP_FORMATS,
                           site_description=current_app.config["SITE_DESCRIPTION"],
                           dataset_jsonld=script_json(dataset), alternates=alternates("/void", VOID_FORMATS))
    resp = respond(html, HTML, "/void", VOID_FORMATS)
    resp.headers["Content-Location"] = "/"
    return resp


def build_void():
    store = get_store()
    stats = dict(store.stats())
    rows = store.select(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o '
                        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base()}")) }}').rows
    stats["entities"] = int(rows[0]["n"]) if rows else 0
    predicates = [str(r["p"]) for r in store.select(VOCABULARIES_QUERY).rows]
    known = lookups.labels(store, base())
    graph = void_graph(base=base(), stats=stats, graph_info=lookups.graph_info(store, base()),
                       predicates=predicates, license_iri=current_app.config["LICENSE"],
                       title=current_app.config["SITE_TITLE"], labels=known)
    add_dcat(graph, URIRef(base() + "void#dataset"), base=base(),
             description=current_app.config["SITE_DESCRIPTION"])
    return graph


@bp.route("/.well-known/void", endpoint="well_known_void")
@bp.route("/void")
@bp.route("/void.<ext>")
def void(ext: str | None = None):
    fmt = choose(VOID_FORMATS, suffix_or_404(ext, VOID_FORMATS))
    graph = build_void()
    if fmt is HTML:
        return respond(render_document(graph, "VoID description",
                                       "Counts, dumps, the SPARQL endpoint and the vocabularies of the dataset.",
                                       "/void", VOID_FORMATS), fmt, "/void", VOID_FORMATS)
    return respond(rdf_body(graph, fmt), fmt, "/void", VOID_FORMATS)


@bp.route("/context/<version>.jsonld")
def context(version: str):
    if version != CONTEXT_VERSION:
        raise NotFound(f"No JSON-LD context version {version!r}.",
                       hint=f"The current context is /context/{CONTEXT_VERSION}.jsonld.")
    choose((JSONLD,))                  # any profile (e.g. "...#context") is ignorable
    body = json.dumps(lookups.context(get_store(), base()), indent=2, ensure_ascii=False)
    return respond(body, JSONLD, f"/context/{version}", (JSONLD,))


@bp.route("/dumps/dataset")
@bp.route("/dumps/dataset.<ext>")
def dump(ext: str | None = None):
    fmt = choose(DUMP_FORMATS, suffix_or_404(ext, DUMP_FORMATS))
    resp = fill_context(cache.cached(("dump", fmt.name), lambda: build_dump(fmt), cache.DUMPS), fmt)
    resp.headers["Content-Disposition"] = f'inline; filename="dataset.{fmt.suffix}"'
    resp.headers["Accept-Ranges"] = "bytes"        # server.web.http answers Range / If-Range
    return resp


def build_dump(fmt) -> Response:
    """The whole dataset in ``fmt`` (JSON-LD with ``CONTEXT_SLOT``), uncached."""
    ds = Statements()                  # an rdflib Dataset, indexed only if JSON-LD reads it
    ds.add_quads((s, p, o, URIRef(str(g))) for s, p, o, g in get_store().quads())
    return respond(rdf_body(ds, fmt, dataset=True, context=CONTEXT_SLOT), fmt,
                   "/dumps/dataset", DUMP_FORMATS)


def suffix_or_404(ext: str | None, offers):
    if ext is None:
        return None
    stem, fmt = split_suffix("x." + ext, offers)
    if fmt is None:
        raise NotFound(f"No such file suffix {ext!r} here.",
                       hint="Use one of: " + ", ".join("." + f.suffix for f in offers))
    return fmt


@bp.route("/favicon.ico")
def favicon():
    """The site icon (browsers ask for it on every first visit)."""
    resp = send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
    return resp


# -- documents (ontology, shapes) ---------------------------------------------------

@bp.route("/<any(ontology, shapes):name>")
def document(name: str, suffix=None):
    fmt = choose(DOCUMENT_FORMATS, suffix)
    store = get_store()
    graph = lookups.graph_content(store, lookups.graph_iri(base(), lookups.DOCUMENTS[name]), base())
    if not len(graph):
        raise NotFound(f"This dataset has no {name} document.", hint="See the home page.")
    if fmt is HTML:
        titles = {"ontology": ("Ontology", "The classes, properties and concept schemes of the dataset."),
                  "shapes": ("SHACL shapes", "The constraints the data is validated against.")}
        return respond(render_document(graph, *titles[name], f"/{name}", DOCUMENT_FORMATS),
                       fmt, f"/{name}", DOCUMENT_FORMATS)
    graph_iri = URIRef(lookups.graph_iri(base(), lookups.DOCUMENTS[name]))
    quads = [(s, p, o, graph_iri) for s, p, o in graph]      # quad formats keep its graph
    return respond(rdf_body(Rows(quads), fmt), fmt, f"/{name}", DOCUMENT_FORMATS)


def render_document(graph, title: str, intro: str, stem: str, offers) -> str:
    sections = pages.kind_sections(graph, labeller(graph), kind_order(), anchors=True)
    return render_template("document.html", title=title, intro=intro, sections=sections,
                           open_at=OPEN_SECTION_AT, alternates=alternates(stem, offers))


# -- any resource (catch-all; registered last) -----------------------------------------

@bp.route("/<path:path>")
def resource(path: str):
    stem, suffix = split_suffix(path, RESOURCE_OFFERS)
    if stem in lookups.DOCUMENTS:
        return document(stem, suffix)
    fmt = choose(RESOURCE_OFFERS, suffix)
    page = incoming_page()
    if set(request.args) <= {"format", "incoming_page"}:
        # a 200 answer may be replayed (server/web/front.py); not with other parameters,
        # which change nothing but would each take a cache entry
        front.mark(request.environ)
    return fill_context(cache.cached(("resource", stem, fmt.name, page),
                                     lambda: describe_resource(stem, fmt, page)), fmt)


def describe_resource(stem: str, fmt, page: int):
    """The description of the IRI at ``stem`` in ``fmt`` (uncached; 404 if unknown;
    JSON-LD with ``CONTEXT_SLOT``)."""
    limit = int(current_app.config["INCOMING_LINKS_LIMIT"])
    iri = iri_for(stem, base())
    desc = get_store().describe(iri, limit, (page - 1) * limit)
    if desc.empty:
        raise NotFound(f"The dataset says nothing about <{iri}>.",
                       hint="Check the path, or search for it at /search; the home page's "
                            "class counts open the list of every class (/browse/...).")
    query = f"?incoming_page={page}" if page > 1 else ""
    links = [f'</{stem}?incoming_page={page + 1}>; rel="next"'] if has_more(desc) else []
    body = render_resource(desc, stem, page, limit) if fmt is HTML else \
        rdf_body(desc, fmt, context=CONTEXT_SLOT)
    return respond(body, fmt, "/" + stem, RESOURCE_OFFERS, query, links)


def incoming_page() -> int:
    raw = request.args.get("incoming_page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 7 or not 1 <= int(raw) <= 1_000_000:
        raise BadRequest(f"incoming_page must be a positive whole number, not {raw!r}.",
                         hint="Use ?incoming_page=1 for the first page of incoming links.")
    return int(raw)


def inherit_date_through(prefixes: dict[str, str], setting: str = "TIMELINE_INHERIT_DATE") -> tuple[str, ...]:
    """The site file's ``[timeline] inherit_date_through`` (or another list of property
    names, ``setting``: ``HEADLINE_DATES``) as full IRIs."""
    return tuple(expand(name, prefixes) for name in current_app.config[setting])


def expand(name: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = name.partition(":")
    return prefixes[prefix] + local if prefix in prefixes and not local.startswith("//") else name


def has_more(desc) -> bool:
    return desc.incoming_offset + desc.incoming_limit < desc.incoming_total


def render_resource(desc, stem: str, page: int, limit: int) -> str:
    store, iri = get_store(), desc.iri
    prefixes = all_prefixes(base())
    lab = labeller(desc)
    named_dates(lab, desc)
    cpo = URIRef(dataset_namespaces(base())["cpo"] + "evidence")
    info = lookups.graph_info(store, base())
    sources = pages.sources(desc, iri, info, lab, cpo)
    numbers = {s.graph: s.number for s in sources}
    groups = current_app.config["PAGE_GROUPS"]
    children = [(local_name(str(c)), lab.value(c), pages.sections_for(desc, c, lab, numbers, groups))
                for c in pages.hash_children(desc, iri)]
    events = timeline.build_timeline(
        store.select(timeline.timeline_query(str(iri), dataset_namespaces(base())["cpo"],
                                             inherit_date_through(prefixes))).rows,
        lambda p: lab.label(p))
    for entry in events:
        entry.href = lab.href(URIRef(entry.event))
    facts = []
    for graph in lookups.graphs_derived_from(store, base(), str(iri)):
        content = lookups.graph_content(store, graph, base())
        named = lab.value(URIRef(graph))
        named.text = info.get(graph, {}).get("label") or named.text
        facts.append((named, pages.kind_sections(content, labeller(content), kind_order())))
    headline = [lab.value(o) for p in inherit_date_through(prefixes, "HEADLINE_DATES")
                for o in sorted({q[2] for q in desc.quads((iri, URIRef(p), None, None))}, key=str)]
    graph_links = {g: local_link(g, base()) for g in info}
    return render_template(
        "resource.html", iri=str(iri), title=lab.label(iri), types=pages.types_of(desc, iri, lab),
        sections=pages.sections_for(desc, iri, lab, numbers, groups), children=children,
        incoming=pages.incoming(desc, iri, lab), incoming_total=desc.incoming_total,
        page=page, limit=limit, has_more=has_more(desc), stem="/" + stem,
        sources=sources, timeline=events, graph_info=info, graph_links=graph_links, facts=facts,
        headline=headline, open_at=OPEN_SECTION_AT, open_links=OPEN_LINKS_AT,
        casefile=casefile.for_resource(iri),
        alternates=alternates("/" + stem, RESOURCE_FORMATS))
