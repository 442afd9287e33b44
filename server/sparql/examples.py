"""The competency questions as example queries: on the query page, and as an API.

    GET /queries            the list (JSON or HTML): name, title, description, sources, URL, text
    GET /queries/<name>     the query's results in every result format (Accept or ?format=);
                            HTML shows the table and the query text

The queries are the ``*.rq`` files of QUERIES_DIR, read by ``server.queries.load_queries``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class Example:
    name: str                       # file stem: the stable URL /queries/<name>
    title: str
    description: str
    text: str
    sources: tuple[str, ...] = field(default_factory=tuple)


def _get(obj, key, default=None):
    return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)


def _as_example(q) -> Example:
    sources = _get(q, "sources") or ()
    if isinstance(sources, str):
        sources = tuple(s.strip() for s in sources.split(",") if s.strip())
    return Example(name=str(_get(q, "name")), title=str(_get(q, "title") or _get(q, "name")),
                   description=str(_get(q, "description") or ""),
                   text=str(_get(q, "text") or _get(q, "query") or _get(q, "sparql") or ""),
                   sources=tuple(str(s) for s in sources))


def load_examples(directory: str | Path) -> list[Example]:
    """Every example query of ``directory``, sorted by name ([] when there is none)."""
    if not Path(directory).is_dir():
        return []
    try:
        from ..queries import load_queries
    except ImportError:              # until server.queries lands: the same headers, read here
        load_queries = _read_headers
    loaded = load_queries(directory)
    items = loaded.values() if isinstance(loaded, dict) else loaded
    return sorted((_as_example(q) for q in items), key=lambda e: e.name)


def _read_headers(directory) -> list[dict]:
    """``# title:`` / ``# description:`` / ``# sources:`` headers of every ``*.rq`` file."""
    found = []
    for path in sorted(Path(directory).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        headers = dict(re.findall(r"^#\s*(title|description|sources):\s*(.*)$", text, re.M))
        found.append({"name": path.stem, "text": text, **headers})
    return found


def examples() -> list[Example]:
    """The examples of this app (read once, kept in app.extensions)."""
    ext = current_app.extensions
    if "sparql_examples" not in ext:
        ext["sparql_examples"] = load_examples(current_app.config["QUERIES_DIR"])
    return ext["sparql_examples"]


def find(name: str) -> Example | None:
    return next((e for e in examples() if e.name == name), None)
