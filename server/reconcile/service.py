"""The reconciliation logic, apart from HTTP: reading a query batch, finding and
scoring candidates in the search index, the manifest.

Identifiers: an entity's id is its IRI without the dataset base (``person/kem-sokha``;
``identifierSpace`` is BASE_IRI, so ``identifierSpace + id`` is the IRI); types and
properties are full IRIs (prefixed names such as ``schema:Person`` are accepted in
queries).

Scores (0-100, see docs/reconciliation.md):

    name        100 x the best similarity of the query to any name or variant spelling
                of the candidate (server.search.text.similarity: words paired by edit
                distance, order ignored, extra words on either side lower it)
    properties  each property of the query: the best similarity of its values to the
                candidate's values of that property (an IRI or id: equal or not)
    score       name alone; with properties 0.7 x name + 30 x their mean;
                properties alone: 100 x their mean
    match       the best candidate only, when its score is at least MATCH_SCORE, it
                leads the next one by MATCH_MARGIN, and each property matches (>= 0.9)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from ..errors import BadRequest, PayloadTooLarge
from ..search import text
from ..search.index import expand

MATCH_SCORE = 95.0
MATCH_MARGIN = 10.0
PROPERTY_MATCH = 0.9
DEFAULT_LIMIT = 10
MAX_PROPERTIES = 10
MAX_VALUES = 10
#: A JSONP callback: a JavaScript name or a short dotted path of names, ASCII only.
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,63}(\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,4}", re.ASCII)


@dataclass
class Query:
    key: str
    text: str
    types: list[str]
    limit: int
    properties: list[tuple[str, list]] = field(default_factory=list)   # (property IRI, values)


def parse_batch(raw: str, prefixes: dict[str, str], batch_size: int, max_limit: int) -> list[Query]:
    """The queries of a ``queries=`` batch (JSON text). BadRequest names what is wrong;
    PayloadTooLarge when it holds more than ``batch_size`` queries."""
    try:
        batch = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"queries is not JSON: {exc}.",
                         hint='Send queries={"q0": {"query": "Kem Sokha"}} (URL-encoded).') from None
    if not isinstance(batch, dict):
        raise BadRequest("queries must be a JSON object of queries keyed by an id.",
                         hint='Send queries={"q0": {"query": "Kem Sokha"}}.')
    if len(batch) > batch_size:
        raise PayloadTooLarge(f"This batch holds {len(batch)} queries; at most {batch_size} are answered at once.",
                              hint="Send smaller batches (the manifest's batchSize).")
    return [parse_query(str(key), q, prefixes, max_limit) for key, q in batch.items()]


def parse_query(key: str, q, prefixes: dict[str, str], max_limit: int) -> Query:
    if not isinstance(q, dict):
        raise BadRequest(f"Query {key!r} must be a JSON object.", hint='{"query": "Kem Sokha", "type": "schema:Person"}')
    query = q.get("query", "")
    if not isinstance(query, str):
        raise BadRequest(f"Query {key!r}: query must be a string.")
    raw_types = q.get("type") or []
    raw_types = [raw_types] if isinstance(raw_types, str) else raw_types
    if not isinstance(raw_types, list) or not all(isinstance(t, str) for t in raw_types):
        raise BadRequest(f"Query {key!r}: type must be a type id or a list of them.")
    limit = q.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 1:
        raise BadRequest(f"Query {key!r}: limit must be a positive whole number.")
    props = q.get("properties") or []
    if not isinstance(props, list):
        raise BadRequest(f"Query {key!r}: properties must be a list of {{\"pid\", \"v\"}} objects.")
    properties = []
    for prop in props[:MAX_PROPERTIES]:
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
            raise BadRequest(f"Query {key!r}: each property needs a pid (a property id) and a v (its values).")
        values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
        properties.append((resolve(prop["pid"], prefixes), values[:MAX_VALUES]))
    if not query.strip() and not properties:
        raise BadRequest(f"Query {key!r} has neither a query nor properties.")
    return Query(key, query, [resolve(t, prefixes) for t in raw_types[:20]], min(int(limit), max_limit), properties)


def resolve(name: str, prefixes: dict[str, str]) -> str:
    """A type or property id (IRI or prefixed name) as an IRI; anything else as it is."""
    try:
        return expand(name.strip(), prefixes)[0]
    except (ValueError, IndexError):
        return name


# -- candidates and scores ------------------------------------------------------------------

def candidates(index, q: Query, base: str, values_of) -> list[dict]:
    """The scored candidates of ``q`` (best first, at most ``q.limit``). ``values_of(iris,
    properties)`` -> {(iri, property): [terms]} reads the candidates' property values."""
    filters = {"class": q.types} if q.types else {}
    wanted = max(q.limit * 3, 20)
    found = []
    exact = lookup_id(index, q.text, base)
    if exact is not None and (not q.types or index.in_classes(exact.iri, q.types)):
        found.append(exact)
    search_text = q.text if q.text.strip() else " ".join(str(v) for _p, vs in q.properties for v in vs
                                                        if isinstance(v, (str, int, float)))
    results = index.search(search_text, filters, limit=wanted, snippets=False)
    if not results.hits:
        results = index.search(search_text, filters, limit=wanted, snippets=False, any_token=True)
    found.extend(h for h in results.hits if exact is None or h.iri != exact.iri)
    values = values_of([h.iri for h in found], [p for p, _v in q.properties]) if q.properties else {}
    scored = []
    for hit in found:
        name = 100.0 if exact is not None and hit.iri == exact.iri else \
            100.0 * max((text.similarity(q.text, n) for n in hit.names or [hit.label]), default=0.0)
        features = [{"id": "name", "value": round(name / 100, 4)}]
        prop_scores = []
        for n, (pid, wanted_values) in enumerate(q.properties):
            got = values.get((hit.iri, pid), [])
            best = max((value_similarity(w, g, base) for w in wanted_values for g in got), default=0.0)
            prop_scores.append(best)
            features.append({"id": f"property_{n}", "value": round(best, 4)})
        if prop_scores and q.text.strip():
            score = 0.7 * name + 30.0 * sum(prop_scores) / len(prop_scores)
        elif prop_scores:
            score = 100.0 * sum(prop_scores) / len(prop_scores)
        else:
            score = name
        scored.append((round(score, 2), hit, features, prop_scores))
    scored.sort(key=lambda r: -r[0])
    out = []
    for i, (score, hit, features, prop_scores) in enumerate(scored[:q.limit]):
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        match = (i == 0 and score >= MATCH_SCORE and score - runner_up >= MATCH_MARGIN
                 and all(p >= PROPERTY_MATCH for p in prop_scores))
        out.append({"id": hit.iri[len(base):], "name": hit.label, "score": score, "match": match,
                    "type": [{"id": t, "name": label} for t, label in hit.types],
                    "description": hit.description or "", "features": features})
    return out


def lookup_id(index, query: str, base: str):
    """The indexed entity a query names by id or IRI (``person/kem-sokha``), else None."""
    q = query.strip()
    if not q or " " in q or len(q) > 500:
        return None
    return index.resource(q if q.startswith(base) else base + q.lstrip("/")) if "/" in q else None


def value_similarity(wanted, got, base: str) -> float:
    """0..1: a query property value against one value of the candidate."""
    if isinstance(wanted, dict):
        wanted = wanted.get("id") or wanted.get("name") or ""
    if isinstance(got, URIRef):
        iri = str(got)
        w = str(wanted).strip()
        if w in (iri, iri[len(base):] if iri.startswith(base) else iri):
            return 1.0
        return 0.0
    if isinstance(wanted, bool):
        return 1.0 if str(got).lower() == str(wanted).lower() else 0.0
    if isinstance(wanted, (int, float)):
        try:
            return 1.0 if float(str(got)) == float(wanted) else 0.0
        except ValueError:
            return 0.0
    w, g = str(wanted), str(got) if isinstance(got, Literal) else str(got)
    if text.normalized(w) == text.normalized(g):
        return 1.0
    if g.startswith(w) and len(w) >= 4:            # a date's year, a longer text's start
        return 0.9
    return text.similarity(w, g)
