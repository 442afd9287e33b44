"""Mapping between request paths and the dataset's canonical IRIs (pure functions).

The server answers at the IRI itself, whatever host and port it runs on: the path
``/person/sam-serey`` names ``BASE_IRI + "person/sam-serey"``. A path may end in a
format suffix (``/person/sam-serey.ttl``), which selects that representation.
"""
from __future__ import annotations

from typing import Sequence

from ..formats import Format


def split_suffix(path: str, offers: Sequence[Format]) -> tuple[str, Format | None]:
    """``"person/x.ttl"`` -> ``("person/x", TURTLE)``; no known suffix -> ``(path, None)``."""
    stem, dot, ext = path.rpartition(".")
    if dot and stem and "/" not in ext:
        for fmt in offers:
            if ext == fmt.suffix:
                return stem, fmt
    return path, None


def iri_for(path: str, base: str) -> str:
    """The canonical IRI a request path names."""
    return base + path.lstrip("/")


def path_for(iri: str, base: str) -> str | None:
    """The local path (starting with ``/``) of an IRI under ``base``, else None.

    A hash IRI keeps its fragment: ``base + "event/x#date"`` -> ``"/event/x#date"``."""
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return None


def document_of(iri: str) -> str:
    """The IRI of the document an IRI belongs to (hash IRIs: the part before ``#``)."""
    return iri.split("#", 1)[0]


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or the last ``/``)."""
    for sep in ("#", "/"):
        if sep in iri:
            tail = iri.rsplit(sep, 1)[1]
            if tail:
                return tail
    return iri


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``prefix:local`` for an IRI in a known namespace (longest match), else the IRI."""
    best = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(prefixes.get(best, "")):
            rest = iri[len(ns):]
            if rest and all(c.isalnum() or c in "-_." for c in rest):
                best = prefix
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri
