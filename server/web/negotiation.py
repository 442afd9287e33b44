"""Choosing the representation of a request and labelling the response with it:
``Content-Location`` (the suffix form actually sent), ``Link`` alternates, and the
same alternates as ``<link rel="alternate">`` for the HTML page."""
from __future__ import annotations

from typing import Sequence

from flask import Response, request

from ..formats import Format, negotiate

LABELS = {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML",
          "trig": "TriG", "nquads": "N-Quads", "html": "HTML"}


def choose(offers: Sequence[Format], suffix: Format | None = None) -> Format:
    """``?format=`` wins, then the path suffix, then Accept (q-values); 406 otherwise."""
    override = request.args.get("format") or (suffix.name if suffix else None)
    return negotiate(request.accept_mimetypes, offers, override)


def alternates(stem: str, offers: Sequence[Format], query: str = "") -> list[dict]:
    """One entry per offered format: its suffix URL, media type and a label."""
    return [{"href": f"{stem}.{f.suffix}{query}", "media_type": f.media_type,
             "label": LABELS.get(f.name, f.name), "format": f.name} for f in offers]


def link_header(alts: list[dict], extra: Sequence[str] = ()) -> str:
    links = [f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in alts]
    return ", ".join([*links, *extra])


def respond(body: bytes | str, fmt: Format, stem: str, offers: Sequence[Format],
            query: str = "", extra_links: Sequence[str] = ()) -> Response:
    """A 200 answer in ``fmt`` for the document at path ``stem`` (without suffix)."""
    resp = Response(body, mimetype=fmt.media_type)
    resp.headers["Content-Location"] = f"{stem}.{fmt.suffix}{query}"
    resp.headers["Link"] = link_header(alternates(stem, offers, query), extra_links)
    return resp
