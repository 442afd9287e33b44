"""Every RDF format of one resource of each class in the data, over real HTTP, parsed
back and compared with the store's own description of that resource."""
from __future__ import annotations

from graph_compare import by_graph, same_graphs

import json

import pytest
import requests
from pyld import jsonld
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from server.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE
from server.store import get_store

TRIPLE_FORMATS = [TURTLE, NTRIPLES, RDFXML]
QUAD_FORMATS = [TRIG, NQUADS]


def one_resource_per_class(app) -> list[tuple[str, str]]:
    base = app.config["BASE_IRI"]
    with app.app_context():
        rows = get_store().select(
            "SELECT ?c (MIN(STR(?s)) AS ?r) WHERE { GRAPH ?g { ?s a ?c } "
            f'FILTER(STRSTARTS(STR(?s), "{base}") && !CONTAINS(STR(?s), "#") '
            f'&& ?s NOT IN (<{base}ontology>, <{base}shapes>)) }} GROUP BY ?c').rows
    return sorted((str(r["c"]), str(r["r"])) for r in rows if "r" in r)


@pytest.fixture(scope="module")
def samples(app):
    found = one_resource_per_class(app)
    assert len(found) >= 10, "the dataset should have resources of many classes"
    return found


def expected(app, iri: str) -> Dataset:
    with app.app_context():
        return get_store().describe(iri)


def url_of(live_server: str, app, iri: str) -> str:
    return live_server + "/" + iri[len(app.config["BASE_IRI"]):]


def triples(ds) -> set:
    return {(s, p, o) for s, p, o, _g in ds.quads((None, None, None, None))}


def quads(ds) -> set:
    return {(s, p, o, URIRef(str(getattr(g, "identifier", g)))) for s, p, o, g in ds.quads((None, None, None, None))}




def local_loader(live_server: str):
    """A pyld document loader that serves our own context from the live server only."""
    def load(url, options=None):
        assert url.startswith(live_server), f"pyld tried to fetch {url} from the network"
        body = requests.get(url, timeout=10).json()
        return {"contextUrl": None, "documentUrl": url, "document": body}
    return load


def test_every_class_in_every_format_matches_the_store(app, live_server, samples):
    for cls, iri in samples:
        want = expected(app, iri)
        url = url_of(live_server, app, iri)
        for fmt in TRIPLE_FORMATS + QUAD_FORMATS:
            r = requests.get(url, headers={"Accept": fmt.media_type}, timeout=30)
            assert r.status_code == 200, (cls, iri, fmt.name)
            assert r.headers["Content-Type"].startswith(fmt.media_type)
            got = Dataset()
            got.parse(data=r.content, format=fmt.rdflib)
            if fmt in QUAD_FORMATS:     # the description in the default graph, and its provenance
                default = {(s, p, o, DATASET_DEFAULT_GRAPH_ID) for s, p, o in triples(want)}
                assert quads(got) == quads(want) | default, (cls, iri, fmt.name)
            else:
                assert triples(got) == triples(want), (cls, iri, fmt.name)
        html = requests.get(url, headers={"Accept": "text/html"}, timeout=30)
        assert html.status_code == 200 and "text/html" in html.headers["Content-Type"], (cls, iri)


def test_jsonld_is_compact_references_the_context_and_round_trips(app, live_server, samples):
    for cls, iri in samples:
        r = requests.get(url_of(live_server, app, iri), headers={"Accept": JSONLD.media_type}, timeout=30)
        doc = r.json()
        assert doc["@context"] == live_server + "/context/v1.jsonld", cls
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads",
                                     "documentLoader": local_loader(live_server)})
        got = Graph().parse(data=nquads, format="nquads")
        assert {t for t in got} == triples(expected(app, iri)), (cls, iri)


def test_the_context_declares_prefixes_and_typed_terms(live_server):
    ctx = requests.get(live_server + "/context/v1.jsonld", timeout=10).json()["@context"]
    assert ctx["cpo"].endswith("/ontology#") and ctx["schema"] == "https://schema.org/"
    assert ctx["concerns"] == {"@id": ctx["cpo"] + "concerns", "@type": "@id"}


@pytest.mark.parametrize("fmt", [TRIG, NQUADS, TURTLE, JSONLD])
def test_dumps_hold_every_quad_of_the_store(app, live_server, fmt):
    r = requests.get(f"{live_server}/dumps/dataset.{fmt.suffix}", timeout=120)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(fmt.media_type)
    with app.app_context():
        want = {(s, p, o, URIRef(str(g))) for s, p, o, g in get_store().quads()}
    if fmt is JSONLD:
        body = json.loads(r.content)
        got = Dataset().parse(data=jsonld.to_rdf(body, {"format": "application/n-quads",
                              "documentLoader": local_loader(live_server)}), format="nquads")
    else:
        got = Dataset().parse(data=r.content, format=fmt.rdflib)
    if fmt is TURTLE:
        union = Graph()
        for s, p, o, _g in want:
            union.add((s, p, o))
        assert isomorphic(Graph().parse(data=r.content, format="turtle"), union)
    else:
        assert same_graphs(by_graph(quads(got)), by_graph(want))


@pytest.mark.parametrize("name", ["ontology", "shapes"])
def test_documents_are_their_whole_graph(app, live_server, name):
    graph = app.config["BASE_IRI"] + "graph/" + name
    with app.app_context():
        want = {(s, p, o) for s, p, o, g in get_store().quads() if str(g) == graph}
    r = requests.get(f"{live_server}/{name}", headers={"Accept": "text/turtle"}, timeout=30)
    expected_graph = Graph()
    for t in want:
        expected_graph.add(t)
    assert len(want) > 0 and isomorphic(Graph().parse(data=r.content, format="turtle"), expected_graph)


def test_void_counts_and_links(live_server, app):
    from rdflib.namespace import VOID
    g = Graph().parse(data=requests.get(live_server + "/.well-known/void",
                                        headers={"Accept": "text/turtle"}, timeout=30).content, format="turtle")
    ds = next(g.subjects(predicate=VOID.sparqlEndpoint))
    with app.app_context():
        stats = get_store().stats()
    assert int(g.value(ds, VOID.triples)) == stats["triples"]
    assert int(g.value(ds, VOID.classes)) == len(stats["classes"])
    dumps = {str(u).rsplit("/", 1)[-1] for u in g.objects(ds, VOID.dataDump)}
    assert dumps == {"dataset.trig", "dataset.nq", "dataset.ttl", "dataset.jsonld"}
    assert len(set(g.objects(ds, VOID.subset))) == stats["graphs"]
    assert g.value(ds, URIRef("http://purl.org/dc/terms/license")) is not None


# -- native terms (issue 13) -------------------------------------------------------------

class RdflibTermMade(AssertionError):
    """A pyoxigraph term was converted to an rdflib term."""


def forbid_rdflib_terms(monkeypatch) -> None:
    """Until the test ends, every binding in ``server`` of the pyoxigraph -> rdflib term
    converter (``server.store.terms.to_rdflib``, wherever it was imported) raises."""
    import sys
    from server.store import terms

    original = terms.to_rdflib

    def refuse(term):
        raise RdflibTermMade(f"an rdflib term was made of {term!r}")

    for name, module in list(sys.modules.items()):
        if (name == "server" or name.startswith("server.")) and getattr(module, "to_rdflib", None) is original:
            monkeypatch.setattr(module, "to_rdflib", refuse)


@pytest.fixture(scope="module")
def oxigraph_server():
    """The app on the embedded Oxigraph store (the only one holding pyoxigraph terms),
    whatever --backend the run uses, behind a real threaded server: (app, base URL)."""
    import threading

    from werkzeug.serving import make_server

    from server import create_app
    app = create_app({"VALIDATE_ON_START": False, "STORE_BACKEND": "oxigraph"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["kg.store"].close()


@pytest.mark.parametrize("fmt", TRIPLE_FORMATS + QUAD_FORMATS, ids=lambda f: f.name)
def test_an_oxigraph_dereference_makes_no_rdflib_terms(oxigraph_server, monkeypatch, fmt):
    """On the Oxigraph store a description in a syntax pyoxigraph writes goes from the
    store's terms to the serializer: converting any term to rdflib's on the way fails
    the request (the rdflib view of a description still converts, when asked for)."""
    app, live_server = oxigraph_server
    from server.web import cache, front
    iri = app.config["BASE_IRI"] + "person/sam-serey"
    url = url_of(live_server, app, iri)
    assert requests.get(url, headers={"Accept": JSONLD.media_type}, timeout=30).status_code == 200
    want = triples(expected(app, iri))                  # (the lookups a page uses are warm)
    for name in (cache.RESPONSES, front.EXTENSION):     # answer from the store, not a cache
        kept = app.extensions.get(name)
        if kept is not None:
            getattr(kept, "cache", kept).clear()
    forbid_rdflib_terms(monkeypatch)
    with pytest.raises(RdflibTermMade):                 # the patch bites where rdflib reads
        with app.app_context():
            triples(get_store().describe(iri))
    r = requests.get(url, headers={"Accept": fmt.media_type}, timeout=30)
    assert r.status_code == 200, r.text[:500]
    monkeypatch.undo()
    got = Dataset()
    got.parse(data=r.content, format=fmt.rdflib)
    assert triples(got) == want
