"""One untrusted query, as run inside a query worker.

``run_job(backend, job)`` is what a worker process executes: the backend's own
protocol query, except DESCRIBE, which answers with the same resource description
as dereferencing (``describe.describe`` for every IRI the query names or binds).
"""
from __future__ import annotations

import re

from rdflib import URIRef

from ..errors import AnswerTooLarge
from . import describe as describing
from . import results
from .base import Backend, QueryAnswer

_COMMENT = re.compile(r"#[^\n]*")
_IRI = r"<[^<>\"{}|^`\\\s]*>"
_STRING = r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
_PROLOGUE = re.compile(rf"\s*(?:(?:BASE\s*{_IRI}|PREFIX\s+[^\s:]*:\s*{_IRI})\s*)*", re.I)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
_TARGET = re.compile(rf"\s*({_IRI}|[?$]\w+|\*|[A-Za-z_][\w.-]*:[^\s{{}}()]*|:[^\s{{}}()]*)")


def _strip_comments(query: str) -> str:
    """Remove comments, keeping IRIs and strings that contain '#'."""
    parts = re.split(rf"({_IRI}|{_STRING})", query)
    return "".join(p if i % 2 else _COMMENT.sub(" ", p) for i, p in enumerate(parts))


def query_form(query: str) -> str | None:
    """"select" | "ask" | "construct" | "describe" (None when unrecognisable)."""
    text = _strip_comments(query)
    match = _FORM.match(text, _PROLOGUE.match(text).end())
    return match.group(1).lower() if match else None


def describe_plan(query: str) -> tuple[str, list[str]]:
    """Split a DESCRIBE into (prologue, targets) and the rest of the query text."""
    text = _strip_comments(query)
    start = _PROLOGUE.match(text).end()
    prologue = text[:start]
    pos = _FORM.match(text, start).end()
    targets = []
    while True:
        m = _TARGET.match(text, pos)
        if not m or re.fullmatch(r"(?i)where|from", m.group(1)):
            break
        targets.append(m.group(1))
        pos = m.end()
    return prologue, targets, text[pos:]


def describe_targets(backend: Backend, query: str) -> list[str]:
    """The IRIs a DESCRIBE query names or binds (in the order first seen)."""
    prologue, targets, rest = describe_plan(query)
    variables = [t for t in targets if t[0] in "?$"]
    constants = [t for t in targets if t[0] not in "?$*"]
    found: list[str] = []
    if constants:
        sol = backend.select(f"{prologue} SELECT ?t WHERE {{ VALUES ?t {{ {' '.join(constants)} }} }}")
        found += [str(r["t"]) for r in sol.rows if isinstance(r.get("t"), URIRef)]
    if (variables or "*" in targets) and rest.strip():
        projection = "*" if "*" in targets else " ".join(variables)
        sol = backend.select(f"{prologue} SELECT DISTINCT {projection} {rest}")
        for row in sol.rows:
            found += [str(t) for t in row.values() if isinstance(t, URIRef)]
    return list(dict.fromkeys(found))


def run_job(backend: Backend, job: dict) -> QueryAnswer:
    """The answer of ``job``; AnswerTooLarge when its body is over ``job["max_bytes"]``
    (the answer is refused where it is made, before it reaches a web worker)."""
    answer = _answer(backend, job)
    limit = job.get("max_bytes")
    if limit and len(answer.body) > limit:
        raise AnswerTooLarge(
            f"The answer is {len(answer.body) / 2**20:.0f} MB; this endpoint sends at most "
            f"{limit / 2**20:.0f} MB per answer.",
            hint="Ask for fewer rows (LIMIT) or shorter values; the whole dataset is in the dumps.",
            limit=limit)
    return answer


def _answer(backend: Backend, job: dict) -> QueryAnswer:
    query, fmt, max_rows = job["query"], job["format"], job["max_rows"]
    if query_form(query) == "describe":
        results.check_format("graph", fmt)
        dataset = describing.describe_many(backend.native_select, describe_targets(backend, query),
                                           job.get("incoming_limit", 50))
        return results.graph_answer(iter(dataset.rows), fmt, max_rows,   # rows: no rdflib index
                                    job.get("prefixes"))
    return backend.protocol_query(query, result_format=fmt,
                                  default_graph_uris=job["default_graph_uris"],
                                  named_graph_uris=job["named_graph_uris"],
                                  max_rows=max_rows, prefixes=job.get("prefixes"))
