"""Mapping between request paths and the dataset's canonical IRIs (pure functions).

The server answers at the IRI itself, whatever host and port it runs on: the path
``/person/sam-serey`` names ``BASE_IRI + "person/sam-serey"``. A path may end in a
format suffix (``/person/sam-serey.ttl``), which selects that representation.

Links on HTML pages come from ``local_link`` and ``link_for`` only: a page links an
IRI of the dataset to its page here, another ``http:``/``https:`` IRI to itself, and
shows anything else (``javascript:``, ``data:``, ``urn:``...) as text.
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


def is_web_iri(iri: str) -> bool:
    """Is ``iri`` an ``http:`` or ``https:`` IRI (the only ones a page may link to)?"""
    head = iri[:8].lower()
    return head.startswith("http://") or head.startswith("https://")


def local_link(iri: str, base: str, root: str = "") -> str | None:
    """The path of ``iri``'s page on this server (under the script ``root``) when it is
    under ``base``, else None. Never a path a browser would read as another host
    (``//host/...``, ``/\\host``): such an IRI gets no local link."""
    path = path_for(iri, base)
    if path is None or path.startswith(("//", "/\\")) or any(c in path for c in "\r\n\t"):
        return None
    return root.rstrip("/") + path


def link_for(iri: str, base: str, root: str = "") -> str | None:
    """Where a link to ``iri`` may point: its local page, else the IRI itself if it is an
    http(s) IRI, else None (shown as text)."""
    return local_link(iri, base, root) or (iri if is_web_iri(iri) else None)


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
