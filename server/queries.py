"""Named SPARQL queries: the competency questions in ``<dir>/*.rq``.

A query file starts with comment headers, then the self-contained query text::

    # title: Who signed Sam Serey's royal pardon, and in what capacity?
    # description: One line saying what the query shows.
    # sources: camboja-sam-serey-pardoned, knlf-to-register-as-party
    PREFIX cpo: <...>
    SELECT ...

Beside it, ``<name>.expected.json`` holds the expected answer:
``{"vars": [...], "ordered": false, "rows": [[cell, ...], ...]}`` or ``{"ask": true}``,
where a cell is an IRI as its full string, a literal as its lexical form, or null
(unbound). ``answer_of`` turns an rdflib result into that shape and ``differences``
compares two answers (as multisets of rows unless ``ordered``).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, URIRef

_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z-]+)\s*:\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str                         # file stem: the stable name (/queries/<name>)
    title: str
    description: str
    sources: tuple[str, ...]          # slugs of the articles the answer needs
    text: str                         # the whole file, headers included (valid SPARQL)
    path: Path | None = field(default=None, compare=False)

    @property
    def expected_path(self) -> Path | None:
        return self.path.with_name(self.name + ".expected.json") if self.path else None

    def expected(self) -> dict | None:
        """The expected answer beside the query file, or None when there is none."""
        path = self.expected_path
        return json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None


def parse_query(name: str, text: str, path: Path | None = None) -> NamedQuery:
    """Read the ``# key: value`` headers at the top of a query text (the first
    non-comment line ends them). A missing title falls back to the name."""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith("#"):
            break
        match = _HEADER.match(line.strip())
        if match:
            headers.setdefault(match["key"].lower(), match["value"])
    sources = tuple(s.strip() for s in headers.get("sources", "").split(",") if s.strip())
    return NamedQuery(name=name, title=headers.get("title") or name,
                      description=headers.get("description", ""), sources=sources,
                      text=text, path=path)


def load_queries(directory: str | Path) -> list[NamedQuery]:
    """Every ``*.rq`` of ``directory``, sorted by name ([] when the folder is missing)."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return [parse_query(p.stem, p.read_text(encoding="utf-8"), p)
            for p in sorted(folder.glob("*.rq"))]


# -- answers ---------------------------------------------------------------------

def cell(term) -> str | None:
    """One result cell as the expected files write it."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:" + str(term)
    if isinstance(term, (URIRef, Literal)):
        return str(term)
    return str(term)


def answer_of(result) -> dict:
    """An rdflib ``Result`` (SELECT or ASK) as ``{"vars", "rows"}`` or ``{"ask"}``."""
    if result.type == "ASK":
        return {"ask": bool(result.askAnswer)}
    names = [str(v) for v in result.vars]
    return {"vars": names, "rows": [[cell(row[v]) for v in result.vars] for row in result]}


def differences(expected: dict, actual: dict) -> list[str]:
    """What differs between an expected and an actual answer ([] when they match)."""
    if "ask" in expected:
        got = actual.get("ask")
        return [] if got == expected["ask"] else [f"ASK answered {got}, expected {expected['ask']}"]
    if "vars" not in actual:
        return ["expected a SELECT answer, got an ASK answer"]
    problems = []
    if list(actual["vars"]) != list(expected["vars"]):
        problems.append(f"variables {actual['vars']} != expected {expected['vars']}")
    want = [tuple(r) for r in expected["rows"]]
    got = [tuple(r) for r in actual["rows"]]
    if expected.get("ordered"):
        if got != want:
            problems.append(f"rows (in order) {got} != expected {want}")
    else:
        missing, extra = Counter(want) - Counter(got), Counter(got) - Counter(want)
        problems += [f"missing row {list(r)}" for r in missing.elements()]
        problems += [f"unexpected row {list(r)}" for r in extra.elements()]
    return problems
