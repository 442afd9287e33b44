"""The full-text index of the dataset: SQLite FTS5 (standard library), built from the
``Store`` facade once per app, kept in memory, read by ``/search`` and ``/reconcile``.

What is indexed (every property list comes from configuration, so another dataset's
labels and classes work the same; a property declared ``rdfs:subPropertyOf`` one of a
list in the ontology joins that list):

    column     weight  properties (defaults, ``server/config.py``)
    name        10     SEARCH_NAME_PROPERTIES      schema:name, rdfs:label, skos:prefLabel...
    alias        8     SEARCH_ALIAS_PROPERTIES     schema:alternateName, skos:altLabel...
    body         2     SEARCH_TEXT_PROPERTIES      schema:description, rdfs:comment...
    evidence     1     SEARCH_EVIDENCE_PROPERTIES  cpo:evidence, cpo:quotation

One document per resource: an IRI under BASE_IRI without a fragment, described in a
data graph (the ontology and shapes graphs are not searched). Its text is cut at
SEARCH_MAX_TEXT_CHARS. Beside the text each document keeps its facets:

    type    its broad class (the first of SEARCH_TYPE_CLASSES it is an instance of,
            through rdfs:subClassOf; else its own class)
    kind    for instances of SEARCH_EVENT_CLASSES: its own, most specific class
    year    the years of the typed date literals on it or its hash children
    source  the named graphs that describe it (labelled by their article's headline)
    class   every class it is an instance of, superclasses included (type filters)

Matching: the tokenizer folds case and diacritics (``unicode61 remove_diacritics 2``);
every query token must match, as a prefix anywhere or, in names, as a spelling variant
(a vocabulary term a bounded edit distance away, found through a trigram table). The
``SEARCH_CANDIDATES`` best matches by BM25 are re-ranked: an exact name (any variant
spelling) first, then names holding every query token, then names matching through
variants, then the rest; facets count over these candidates.

The index is built once (``build``) and kept as an SQLite image; each process (the
server's forked workers) opens its own connection from the image on first use, and
one lock serialises the queries of that process's threads.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..namespaces import all_prefixes, dataset_namespaces
from . import text

log = logging.getLogger(__name__)

COLUMNS = ("name", "alias", "body", "evidence")
WEIGHTS = (10.0, 8.0, 2.0, 1.0)
FACETS = ("type", "kind", "year", "source")
#: Named graphs holding the schema of the dataset, not its facts (by local name).
SCHEMA_GRAPHS = ("ontology", "shapes")
DATE_TYPES = (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth)
MAX_NAMES = 24                  # names and variants kept per resource for re-ranking
MAX_VARIANTS = 8                # spelling variants tried per query token
MAX_VOCAB_CANDIDATES = 64       # vocabulary terms sharing trigrams, checked by edit distance
DESCRIPTION_CHARS = 300
SNIPPET_START, SNIPPET_END = "\ue000", "\ue001"   # private use: never in a token

# -- the store reads (trusted, bounded by the data) ---------------------------------------

PROPERTY_TREE_QUERY = f"SELECT ?p ?super WHERE {{ ?p <{RDFS.subPropertyOf}> ?super FILTER(isIRI(?super)) }}"
CLASS_TREE_QUERY = f"SELECT ?c ?super WHERE {{ ?c <{RDFS.subClassOf}> ?super FILTER(isIRI(?super)) }}"
CLASS_LABEL_QUERY = f"""SELECT ?c ?label WHERE {{
  {{ ?c a <{OWL.Class}> }} UNION {{ ?c a <{RDFS.Class}> }}
  ?c <{RDFS.label}> ?label FILTER(isLiteral(?label))
}}"""
LITERALS_QUERY = "SELECT ?s ?p ?o ?g WHERE {{ VALUES ?p {{ {properties} }} GRAPH ?g {{ ?s ?p ?o }} FILTER(isLiteral(?o)) }}"
TYPES_QUERY = f"SELECT ?s ?t ?g WHERE {{ GRAPH ?g {{ ?s <{RDF.type}> ?t }} FILTER(isIRI(?s) && isIRI(?t)) }}"
DATES_QUERY = ("SELECT ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && isLiteral(?o) && DATATYPE(?o) IN ("
               + ", ".join(f"<{t}>" for t in DATE_TYPES) + ")) }")
SOURCES_QUERY = """SELECT ?g ?source ?title ?label WHERE {
  GRAPH ?g { ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?source OPTIONAL { ?g <http://www.w3.org/2000/01/rdf-schema#label> ?label } }
  OPTIONAL { ?source <https://schema.org/headline>|<http://purl.org/dc/terms/title> ?title }
}"""


# -- settings -------------------------------------------------------------------------------

def expand(names, prefixes: dict[str, str]) -> tuple[str, ...]:
    """CURIEs (``schema:name``) or IRIs, as a whitespace-separated string or a list ->
    full IRIs. An unknown prefix is an error at start-up, not a silent miss."""
    items = names.split() if isinstance(names, str) else list(names or ())
    out = []
    for item in items:
        if item.startswith(("http://", "https://", "urn:")):
            out.append(item)
            continue
        prefix, sep, local = item.partition(":")
        if not sep or prefix not in prefixes:
            raise ValueError(f"Search setting: {item!r} is neither an IRI nor a known prefixed name "
                             f"(prefixes: {', '.join(sorted(prefixes))}).")
        out.append(prefixes[prefix] + local)
    return tuple(out)


@dataclass(frozen=True)
class Settings:
    """What the index reads and how big it may get (from ``SEARCH_*`` settings)."""
    base: str
    name_properties: tuple[str, ...]
    alias_properties: tuple[str, ...]
    text_properties: tuple[str, ...]
    evidence_properties: tuple[str, ...]
    type_classes: tuple[str, ...]
    event_classes: tuple[str, ...]
    max_text_chars: int = 4000
    max_query_length: int = 200
    max_query_tokens: int = 8
    candidates: int = 1000

    @classmethod
    def from_config(cls, config) -> "Settings":
        from ..config import DEFAULTS
        base = config["BASE_IRI"]
        prefixes = all_prefixes(base)

        def setting(key):
            return config.get(key, DEFAULTS[key])
        return cls(base=base,
                   name_properties=expand(setting("SEARCH_NAME_PROPERTIES"), prefixes),
                   alias_properties=expand(setting("SEARCH_ALIAS_PROPERTIES"), prefixes),
                   text_properties=expand(setting("SEARCH_TEXT_PROPERTIES"), prefixes),
                   evidence_properties=expand(setting("SEARCH_EVIDENCE_PROPERTIES"), prefixes),
                   type_classes=expand(setting("SEARCH_TYPE_CLASSES"), prefixes),
                   event_classes=expand(setting("SEARCH_EVENT_CLASSES"), prefixes),
                   max_text_chars=int(setting("SEARCH_MAX_TEXT_CHARS")),
                   max_query_length=int(setting("SEARCH_MAX_QUERY_LENGTH")),
                   max_query_tokens=int(setting("SEARCH_MAX_QUERY_TOKENS")),
                   candidates=int(setting("SEARCH_CANDIDATES")))


# -- results ---------------------------------------------------------------------------

@dataclass
class Hit:
    iri: str
    path: str                       # local path of its page ("/person/kem-sokha")
    label: str
    description: str | None
    types: list[tuple[str, str]]    # (class IRI, label), its own classes
    sources: list[dict]             # {"graph", "title", "source"}
    years: list[str]
    names: list[str]                # its names and variant spellings
    keys: list[str] = field(default_factory=list, repr=False)   # the same, normalized
    tier: int = 0                   # 4 exact name, 3 name words, 2 name prefixes, 1 variants, 0 text
    snippet: str | None = None      # with SNIPPET_START / SNIPPET_END around matches


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Results:
    query: str                      # the text searched (after the length cap)
    tokens: list[str]
    total: int                      # every match
    hits: list[Hit]                 # the page asked for
    facets: dict[str, list[FacetValue]]
    offset: int
    limit: int
    ranked: int                     # matches re-ranked and counted in the facets (<= candidates)
    variants: dict[str, list[str]] = field(default_factory=dict)
    shortened: bool = False         # the query was over the length or token cap

    @property
    def capped(self) -> bool:
        return self.ranked < self.total


# -- building ----------------------------------------------------------------------------

def _closure(edges: dict[str, set[str]], start: str) -> set[str]:
    """``start`` and everything reachable from it (cycles are harmless)."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _class_label(iri: str, labels: dict[str, str]) -> str:
    if iri in labels:
        label = labels[iri]
        return label[:1].upper() + label[1:]
    tail = iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", tail).split(" ")    # NewsArticle -> News article
    return " ".join(words[:1] + [w.lower() for w in words[1:]]) if tail else iri


@dataclass
class _Doc:
    names: list[tuple[int, int, str]] = field(default_factory=list)   # (property rank, lang rank, text)
    aliases: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    graphs: set[str] = field(default_factory=set)
    years: set[str] = field(default_factory=set)


def build(store, settings: Settings) -> "SearchIndex":
    """Read the store once and build the index (see the module docstring)."""
    started = time.perf_counter()
    base = settings.base
    graph_ns = dataset_namespaces(base)["graph"]
    schema_graphs = {graph_ns + name for name in SCHEMA_GRAPHS}

    sub_props: dict[str, set[str]] = defaultdict(set)
    for row in store.select(PROPERTY_TREE_QUERY).rows:
        sub_props[str(row["p"])].add(str(row["super"]))
    super_classes: dict[str, set[str]] = defaultdict(set)
    for row in store.select(CLASS_TREE_QUERY).rows:
        super_classes[str(row["c"])].add(str(row["super"]))
    class_labels: dict[str, str] = {}
    for row in store.select(CLASS_LABEL_QUERY).rows:
        lit = row["label"]
        if str(row["c"]) not in class_labels or getattr(lit, "language", None) in (None, "en"):
            class_labels[str(row["c"])] = str(lit)

    fields = {"name": settings.name_properties, "alias": settings.alias_properties,
              "body": settings.text_properties, "evidence": settings.evidence_properties}
    field_of: dict[str, tuple[str, int]] = {}        # property -> (field, rank in its list)
    for prop in {*sub_props, *(p for props in fields.values() for p in props)}:
        ancestors = _closure(sub_props, prop)
        for fname, props in fields.items():
            ranks = [i for i, p in enumerate(props) if p in ancestors]
            if ranks:
                field_of[prop] = (fname, min(ranks) if prop not in props else props.index(prop))
                break

    def own(s, g) -> str | None:
        """The indexed resource a subject stands for (None: not one)."""
        if not isinstance(s, URIRef) or str(g) in schema_graphs:
            return None
        iri = str(s)
        if not iri.startswith(base) or len(iri) == len(base):
            return None
        return iri.split("#", 1)[0] if "#" in iri else iri

    docs: dict[str, _Doc] = defaultdict(_Doc)
    values = " ".join(f"<{p}>" for p in field_of)
    for row in store.select(LITERALS_QUERY.format(properties=values)).rows if values else ():
        s, o = row["s"], row["o"]
        iri = own(s, row["g"])
        if iri is None or str(s) != iri:
            continue                               # hash children's text is not the resource's
        fname, rank = field_of[str(row["p"])]
        doc, value = docs[iri], str(o)
        doc.graphs.add(str(row["g"]))
        if fname == "name":
            lang = getattr(o, "language", None)
            doc.names.append((rank, 0 if lang in (None, "en") else 1, value))
        else:
            getattr(doc, {"alias": "aliases"}.get(fname, fname)).append(value)
    for row in store.select(TYPES_QUERY).rows:
        iri = own(row["s"], row["g"])
        if iri is not None and str(row["s"]) == iri:
            docs[iri].types.add(str(row["t"]))
            docs[iri].graphs.add(str(row["g"]))
    for row in store.select(DATES_QUERY).rows:
        iri = own(row["s"], None)
        if iri is not None and iri in docs:
            year = str(row["o"])[:4]
            if year.isdigit():
                docs[iri].years.add(year)
    sources: dict[str, dict] = {}
    for row in store.select(SOURCES_QUERY).rows:
        g = str(row["g"])
        entry = sources.setdefault(g, {"graph": g, "title": None, "source": str(row["source"])})
        entry["title"] = entry["title"] or (str(row["title"]) if "title" in row else
                                            str(row["label"]) if "label" in row else None)
    for g, entry in sources.items():
        entry["title"] = entry["title"] or g.rsplit("/", 1)[-1]
        page = entry["source"] if entry["source"].startswith(base) else g
        entry["path"] = "/" + page[len(base):] if page.startswith(base) else None

    index = SearchIndex(settings, class_labels=class_labels, sources=sources)
    index._fill(docs, super_classes)
    index.build_seconds = time.perf_counter() - started
    log.info("search index: %d resources in %.2f s (%d KiB)", index.size, index.build_seconds,
             len(index.image) // 1024)
    return index


# -- the index ---------------------------------------------------------------------------

SCHEMA_SQL = f"""
CREATE VIRTUAL TABLE docs USING fts5({", ".join(COLUMNS)}, tokenize="unicode61 remove_diacritics 2",
                                 prefix="1 2 3");
CREATE TABLE res (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, label TEXT NOT NULL,
                  description TEXT, data TEXT NOT NULL);
CREATE TABLE facet (kind TEXT NOT NULL, value TEXT NOT NULL, id INTEGER NOT NULL);
CREATE TABLE names (norm TEXT NOT NULL, id INTEGER NOT NULL);
CREATE TABLE vocab (id INTEGER PRIMARY KEY, term TEXT UNIQUE NOT NULL, len INTEGER NOT NULL,
                    df INTEGER NOT NULL);
CREATE TABLE grams (gram TEXT NOT NULL, term INTEGER NOT NULL);
"""
INDEX_SQL = """
CREATE INDEX facet_by_value ON facet (kind, value, id);
CREATE INDEX facet_by_id ON facet (id, kind);
CREATE INDEX names_by_norm ON names (norm);
CREATE INDEX grams_by_gram ON grams (gram, term);
"""


class SearchIndex:
    """The built index: an SQLite image plus the labels of its facet values."""

    def __init__(self, settings: Settings, *, class_labels: dict[str, str], sources: dict[str, dict]):
        self.settings = settings
        self.class_labels = class_labels
        self.sources = sources
        self.image: bytes = b""
        self.size = 0
        self.build_seconds = 0.0
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid: int | None = None

    # -- building --------------------------------------------------------------

    def _fill(self, docs: dict[str, _Doc], super_classes: dict[str, set[str]]) -> None:
        s = self.settings
        conn = sqlite3.connect(":memory:")
        conn.executescript(SCHEMA_SQL)
        events = set(s.event_classes)
        closures: dict[str, set[str]] = {}
        vocab: Counter = Counter()
        rows_docs, rows_res, rows_facet, rows_names = [], [], [], []
        for rowid, (iri, doc) in enumerate(sorted(docs.items()), start=1):
            names = [t for _r, _l, t in sorted(doc.names)]
            label = names[0] if names else _shorten(doc.body[0]) if doc.body else \
                doc.aliases[0] if doc.aliases else iri[len(s.base):]
            all_names = list(dict.fromkeys(names + doc.aliases))[:MAX_NAMES]
            body = _cap(doc.body, s.max_text_chars)
            evidence = _cap(doc.evidence, max(0, s.max_text_chars - len(body)))
            rows_docs.append((rowid, " \n".join(names), " \n".join(dict.fromkeys(doc.aliases)), body, evidence))
            classes = set()
            for t in doc.types:
                if t not in closures:
                    closures[t] = _closure(super_classes, t)
                classes |= closures[t]
            broad = {next((c for c in s.type_classes if c in closures[t]), t) for t in doc.types}
            kinds = {t for t in doc.types if closures[t] & events}
            facets = [("type", c) for c in broad] + [("kind", c) for c in kinds] + \
                [("year", y) for y in doc.years] + [("source", g) for g in doc.graphs if g in self.sources] + \
                [("class", c) for c in classes]
            rows_facet.extend((k, v, rowid) for k, v in facets)
            for n in all_names:
                norm = text.normalized(n)
                if norm:
                    rows_names.append((norm, rowid))
            for tok in {t for n in all_names for t in text.tokens(n)}:
                vocab[tok] += 1
            data = {"types": sorted(doc.types), "graphs": sorted(g for g in doc.graphs if g in self.sources),
                    "years": sorted(doc.years), "names": all_names,
                    "keys": [text.normalized(n) for n in all_names]}
            description = doc.body[0][:DESCRIPTION_CHARS] if doc.body else None
            rows_res.append((rowid, iri, label, description, json.dumps(data, ensure_ascii=False)))
        conn.executemany("INSERT INTO docs (rowid, name, alias, body, evidence) VALUES (?, ?, ?, ?, ?)", rows_docs)
        conn.executemany("INSERT INTO res VALUES (?, ?, ?, ?, ?)", rows_res)
        conn.executemany("INSERT INTO facet VALUES (?, ?, ?)", rows_facet)
        conn.executemany("INSERT INTO names VALUES (?, ?)", rows_names)
        terms = sorted(vocab.items())
        conn.executemany("INSERT INTO vocab VALUES (?, ?, ?, ?)",
                         ((i, t, len(t), n) for i, (t, n) in enumerate(terms, start=1)))
        conn.executemany("INSERT INTO grams VALUES (?, ?)",
                         ((g, i) for i, (t, _n) in enumerate(terms, start=1)
                          if text.allowed_distance(t) or len(t) >= 3 for g in text.trigrams(t)))
        conn.executescript(INDEX_SQL)
        conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        conn.commit()
        self.size = len(rows_res)
        self.image = conn.serialize()
        conn.close()

    # -- reading ---------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This process's connection (opened from the image; a forked worker opens its own).
        Call with ``self._lock`` held."""
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            conn.deserialize(self.image)
            conn.execute("PRAGMA query_only = ON")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _query(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def class_label(self, iri: str) -> str:
        return _class_label(iri, self.class_labels)

    def facet_label(self, kind: str, value: str) -> str:
        if kind in ("type", "kind", "class"):
            return self.class_label(value)
        if kind == "source":
            return (self.sources.get(value) or {}).get("title") or value
        return value

    def variants(self, toks: list[str]) -> dict[str, list[str]]:
        """Name-vocabulary terms a few edits from each query token (bounded: trigram
        candidates first, then the edit distance on at most MAX_VOCAB_CANDIDATES)."""
        out = {}
        for tok in toks:
            bound = text.allowed_distance(tok)
            if not bound:
                continue
            grams = sorted(text.trigrams(tok))
            need = max(1, len(grams) - 3 * bound)
            rows = self._query(
                f"SELECT v.term, v.df FROM grams g JOIN vocab v ON v.id = g.term "
                f"WHERE g.gram IN ({', '.join('?' * len(grams))}) AND v.len BETWEEN ? AND ? "
                f"GROUP BY g.term HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, v.df DESC LIMIT ?",
                (*grams, len(tok) - bound, len(tok) + bound, need, MAX_VOCAB_CANDIDATES))
            close = sorted((text.distance(tok, term, bound), -df, term) for term, df in rows
                           if term != tok and not term.startswith(tok))
            found = [term for d, _df, term in close if d <= bound][:MAX_VARIANTS]
            if found:
                out[tok] = found
        return out

    def search(self, query: str, filters: dict[str, list[str]] | None = None, *, limit: int = 20,
               offset: int = 0, fuzzy: bool = True, snippets: bool = True,
               any_token: bool = False) -> Results:
        """Hits for ``query`` (user text, any content) within ``filters`` (facet kind ->
        values; one of the values of each kind must hold), ranked, one page of them.
        ``any_token``: a hit needs one of the query's words, not all (reconciliation's
        second try)."""
        s = self.settings
        shortened = len(query) > s.max_query_length
        query = query[:s.max_query_length]
        toks = text.tokens(query)
        shortened = shortened or len(toks) > s.max_query_tokens
        toks = toks[:s.max_query_tokens]
        filters = {k: [v for v in vs if v][:20] for k, vs in (filters or {}).items() if k in (*FACETS, "class")}
        filters = {k: vs for k, vs in filters.items() if vs}
        where, params = _filter_sql(filters)
        variants = self.variants(toks) if fuzzy else {}
        if toks:
            expr = text.match_expression(toks, variants, any_token=any_token)
            weights = ", ".join(str(w) for w in WEIGHTS)
            # the matches are read once (MATERIALIZED): a filter applied inside the FTS5
            # query would become one full-text lookup per filtered row
            rows = self._query(
                f"WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(docs, {weights}) AS r FROM docs "
                f"WHERE docs MATCH ?) SELECT id, COUNT(*) OVER () FROM m WHERE 1 {where} ORDER BY r LIMIT ?",
                (expr, *params, s.candidates))
            total = rows[0][1] if rows else 0
            exact = [r[0] for r in self._query(
                f"SELECT id FROM names WHERE norm = ? {where} LIMIT 50", (" ".join(toks), *params))]
            ranked = list(dict.fromkeys(exact + [r[0] for r in rows]))
        elif filters:
            expr = None
            total = self._query(f"SELECT COUNT(*) FROM res WHERE 1 {where}", params)[0][0]
            ranked = [r[0] for r in self._query(
                f"SELECT id FROM res WHERE 1 {where} ORDER BY label LIMIT ?", (*params, s.candidates))]
        else:
            return Results(query, toks, 0, [], {}, offset, limit, 0, {}, shortened)
        hits = self._hits(ranked)
        for hit in hits:
            hit.tier = _tier(toks, hit.keys, variants) if toks else 0
        order = {rid: i for i, rid in enumerate(ranked)}
        ranked_hits = sorted(zip(ranked, hits), key=lambda rh: (-rh[1].tier, order[rh[0]]))
        facets = self._facets([rid for rid, _h in ranked_hits], filters)
        page = ranked_hits[offset:offset + limit]
        if expr and snippets and page:
            self._snippets(expr, page)
        return Results(query, toks, max(total, len(ranked)), [h for _r, h in page], facets, offset, limit,
                       len(ranked), variants, shortened)

    def _hits(self, ids: list[int]) -> list[Hit]:
        rows = {}
        for chunk in _chunks(ids, 500):
            for rid, iri, label, description, data in self._query(
                    f"SELECT id, iri, label, description, data FROM res WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk):
                rows[rid] = (iri, label, description, json.loads(data))
        out = []
        for rid in ids:
            iri, label, description, data = rows[rid]
            out.append(Hit(iri=iri, path="/" + iri[len(self.settings.base):], label=label,
                           description=description,
                           types=[(t, self.class_label(t)) for t in data["types"]],
                           sources=[self.sources[g] for g in data["graphs"] if g in self.sources],
                           years=data["years"], names=data["names"], keys=data["keys"]))
        return out

    def _facets(self, ids: list[int], filters: dict[str, list[str]]) -> dict[str, list[FacetValue]]:
        counts: dict[str, Counter] = {k: Counter() for k in FACETS}
        for chunk in _chunks(ids, 500):
            for kind, value in self._query(
                    f"SELECT kind, value FROM facet INDEXED BY facet_by_id WHERE id IN "
                    f"({', '.join('?' * len(chunk))})", chunk):
                if kind in counts:
                    counts[kind][value] += 1
        out = {}
        for kind, counter in counts.items():
            values = [FacetValue(v, self.facet_label(kind, v), n, v in filters.get(kind, ()))
                      for v, n in counter.items()]
            if kind == "year":
                values.sort(key=lambda f: f.value, reverse=True)
            else:
                values.sort(key=lambda f: (-f.count, f.label.lower()))
            out[kind] = values[:30]
        return out

    def _snippets(self, expr: str, page: list[tuple[int, Hit]]) -> None:
        """The words around the match in a quote, else in a description other than the
        one shown (names are shown whole anyway)."""
        ids = [rid for rid, _h in page]
        cut = f"'{SNIPPET_START}', '{SNIPPET_END}', '…', 16"
        rows = {r[0]: r[1:] for r in self._query(
            f"SELECT rowid, snippet(docs, 3, {cut}), snippet(docs, 2, {cut}) FROM docs "
            f"WHERE docs MATCH ? AND rowid IN ({', '.join('?' * len(ids))})", (expr, *ids))}
        for rid, hit in page:
            for snip in rows.get(rid, ()):
                plain = (snip or "").replace(SNIPPET_START, "").replace(SNIPPET_END, "").strip("… ")
                if snip and SNIPPET_START in snip and plain not in (hit.description or "") \
                        and plain not in hit.label:
                    hit.snippet = snip
                    break

    def resource(self, iri: str) -> Hit | None:
        """The indexed resource ``iri`` (None: not indexed)."""
        rows = self._query("SELECT id FROM res WHERE iri = ?", (iri,))
        return self._hits([rows[0][0]])[0] if rows else None

    def in_classes(self, iri: str, classes: list[str]) -> bool:
        """Is the indexed resource ``iri`` an instance of one of ``classes`` (subclasses included)?"""
        return bool(classes) and bool(self._query(
            f"SELECT 1 FROM facet JOIN res ON res.id = facet.id WHERE res.iri = ? AND facet.kind = 'class' "
            f"AND facet.value IN ({', '.join('?' * len(classes))}) LIMIT 1", (iri, *classes)))

    def classes(self) -> list[tuple[str, str, int]]:
        """(class IRI, label, instances) of every class an indexed resource belongs to."""
        rows = self._query("SELECT value, COUNT(*) FROM facet WHERE kind = 'class' GROUP BY value")
        return sorted(((c, self.class_label(c), n) for c, n in rows), key=lambda r: (-r[2], r[1]))


def _cap(parts: list[str], limit: int) -> str:
    """Distinct ``parts`` joined, at most ``limit`` characters."""
    out, size = [], 0
    for part in dict.fromkeys(parts):
        if size >= limit:
            break
        out.append(part[:limit - size])
        size += len(out[-1]) + 2
    return " \n".join(out)


def _shorten(value: str, limit: int = 90) -> str:
    """A label made of a description: its first ``limit`` characters, cut at a word."""
    if len(value) <= limit:
        return value
    return value[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _filter_sql(filters: dict[str, list[str]]) -> tuple[str, list[str]]:
    """``AND id IN (...)`` clauses, one per facet kind (its values: any), for a query
    whose rows have an ``id`` column."""
    where, params = [], []
    for kind, values in sorted(filters.items()):
        where.append(f"AND id IN (SELECT f.id FROM facet AS f WHERE f.kind = ? AND f.value IN "
                     f"({', '.join('?' * len(values))}))")
        params.extend([kind, *values])
    return " ".join(where), params


def _tier(toks: list[str], keys: list[str], variants: dict[str, list[str]]) -> int:
    """4: a name is the query; 3: one name holds every token as a word; 2: as the start
    of a word; 1: one name holds every token or one of its spelling variants; 0: text.
    ``keys``: the names, normalized (``text.normalized``)."""
    query = " ".join(toks)
    best = 0
    for key in keys:
        words = key.split(" ")
        if key == query:
            return 4
        if all(t in words for t in toks):
            best = max(best, 3)
        elif all(any(w.startswith(t) for w in words) for t in toks):
            best = max(best, 2)
        elif all(any(w.startswith(t) or w in variants.get(t, ()) for w in words) for t in toks):
            best = max(best, 1)
    return best
