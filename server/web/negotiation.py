"""Choosing the representation of a request and labelling the response with it:
``Content-Location`` (the suffix form actually sent), ``Link`` alternates, and the
same alternates as ``<link rel="alternate">`` for the HTML page."""
from __future__ import annotations

from typing import Sequence

from flask import Response, request

from ..formats import Format, alternates_of, by_name, negotiate


def choose(offers: Sequence[Format], suffix: Format | None = None) -> Format:
    """``?format=`` wins if it names an offer, then the path suffix, then Accept
    (q-values, wildcards over the offers); 406 otherwise."""
    named = by_name(request.args.get("format") or "", offers)
    override = (named or suffix).name if (named or suffix) else request.args.get("format")
    return negotiate(request.headers.get("Accept"), offers, override)


def alternates(stem: str, offers: Sequence[Format], query: str = "", pages: bool = False) -> list[dict]:
    """One entry per format offered (no second form of a syntax; the page only if
    ``pages``): its suffix URL, media type and label."""
    return [{"href": f"{stem}.{f.suffix}{query}", "media_type": f.media_type,
             "label": f.label, "format": f.name} for f in alternates_of(offers, pages)]


def link_header(alts: list[dict], extra: Sequence[str] = ()) -> str:
    links = [f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in alts]
    return ", ".join([*links, *extra])


def location(stem: str, fmt: Format, query: str = "") -> str:
    """The URL of this very representation: the suffix form, or for a second form of a
    syntax (expanded JSON-LD, whose suffix serves the compacted form) ``?format=``."""
    if fmt.profile:
        return f"{stem}{query}{'&' if query else '?'}format={fmt.name}"
    return f"{stem}.{fmt.suffix}{query}"


def respond(body: bytes | str, fmt: Format, stem: str, offers: Sequence[Format],
            query: str = "", extra_links: Sequence[str] = ()) -> Response:
    """A 200 answer in ``fmt`` for the document at path ``stem`` (without suffix).

    A JSON-LD answer lists no alternates: pyld's default document loader (3.3) fails on
    a Link header with more than one ``rel="alternate"``, and JSON-LD clients are the
    ones that read Link headers (the other answers and the HTML page list them all)."""
    resp = Response(body, content_type=fmt.content_type)
    resp.headers["Content-Location"] = location(stem, fmt, query)
    alts = [] if fmt.media_type == "application/ld+json" else alternates(stem, offers, query, pages=True)
    if alts or extra_links:
        resp.headers["Link"] = link_header(alts, extra_links)
    return resp
