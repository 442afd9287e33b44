"""What the query page's editor needs from the server (issue 12): its script, the
dataset's vocabulary for completion, and labels for the result table.

- The editor is CodeMirror 6 (SPARQL mode of ``@codemirror/legacy-modes``), pinned in
  ``editor/package-lock.json`` and bundled by esbuild into ``server/static/editor/`` at
  set-up time (``make editor``, part of ``make serve`` and ``make test``). Without the
  bundle (no npm) the page has no script and is the plain form, which works on its own.
- The script is linked with its content digest (``?v=``): that address never changes
  meaning, so it is cached for a year (``immutable``); another digest is a new address.
- ``vocabulary()``: the predeclared prefixes and the classes and properties the data
  uses, with their labels, at most ``VOCABULARY_LIMIT`` of each; computed once per
  process (the data cannot change while it runs).
- ``labels()``: one label per IRI of a result table, read from the store in one query
  (at most the table's IRIs, themselves bounded by ``HTML_MAX_ROWS``).
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import current_app

from ..store import valid_iri
from ..web.pages import LABEL_PROPERTIES      # the resource pages' own: same labels everywhere

ASSET_DIR = Path(__file__).resolve().parent.parent / "static" / "editor"
#: The files of the bundle the server serves (anything else: 404).
ASSETS = {"editor.js": "text/javascript"}
#: Classes and properties listed for completion, at most (each).
VOCABULARY_LIMIT = 500

_digests: dict[tuple[str, float, int], str] = {}
_lock = threading.Lock()


def asset_path(name: str) -> Path | None:
    """The file of the bundle called ``name``, if it is one and is built."""
    if name not in ASSETS:
        return None
    path = ASSET_DIR / name
    return path if path.is_file() else None


def asset_digest(name: str) -> str | None:
    """The first 16 hex digits of the SHA-256 of the built asset (None: not built)."""
    path = asset_path(name)
    if path is None:
        return None
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _digests:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        with _lock:
            _digests[key] = digest
    return _digests[key]


def _labels_query(iris: list[str]) -> str:
    values = " ".join(f"<{i}>" for i in iris)
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    return (f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} "
            f"?s ?p ?l FILTER(isLiteral(?l)) }}")


def labels(store, iris) -> dict[str, str]:
    """The best label of each IRI that has one (the resource pages' label properties in
    their order: skos:prefLabel, rdfs:label, schema:name, schema:headline, dct:title;
    English or untagged first), in one trusted query."""
    wanted = sorted({i for i in iris if valid_iri(i)})
    if not wanted:
        return {}
    best: dict[str, tuple[int, str]] = {}
    order = [str(p) for p in LABEL_PROPERTIES]
    for row in store.select(_labels_query(wanted)).rows:
        literal = row["l"]
        lang = getattr(literal, "language", None)
        rank = order.index(str(row["p"])) * 2 + (0 if lang in (None, "", "en") else 1)
        s = str(row["s"])
        if s not in best or (rank, str(literal)) < best[s]:
            best[s] = (rank, str(literal))
    return {s: text for s, (_, text) in best.items()}


CLASSES_QUERY = f"SELECT DISTINCT ?t WHERE {{ ?s a ?t FILTER(isIRI(?t)) }} LIMIT {VOCABULARY_LIMIT + 1}"
PROPERTIES_QUERY = f"SELECT DISTINCT ?t WHERE {{ ?s ?t ?o }} LIMIT {VOCABULARY_LIMIT + 1}"


def _terms(store, query: str, prefixes: dict[str, str]) -> tuple[list[dict], bool]:
    from .tables import prefixed
    iris = sorted({str(r["t"]) for r in store.select(query).rows})
    cut = len(iris) > VOCABULARY_LIMIT
    iris = iris[:VOCABULARY_LIMIT]
    names = labels(store, iris)
    terms = [{"iri": i, "name": prefixed(i, prefixes), **({"label": names[i]} if i in names else {})}
             for i in iris]
    terms.sort(key=lambda t: (t["name"] == t["iri"], t["name"].lower()))
    return terms, cut


def vocabulary(store, prefixes: dict[str, str]) -> dict:
    """The completion list of the editor: ``{"prefixes": {p: ns}, "classes": [...],
    "properties": [...], "limit": N, "truncated": bool}``; each term
    ``{"iri", "name" (prefixed when a predeclared prefix fits), "label"?}``. Cached per app."""
    memo = current_app.extensions.setdefault("sparql-editor", {})
    if "vocabulary" not in memo:
        classes, cut_c = _terms(store, CLASSES_QUERY, prefixes)
        properties, cut_p = _terms(store, PROPERTIES_QUERY, prefixes)
        value = {"prefixes": dict(prefixes), "classes": classes, "properties": properties,
                 "limit": VOCABULARY_LIMIT, "truncated": cut_c or cut_p}
        with _lock:
            memo.setdefault("vocabulary", value)
    return memo["vocabulary"]
