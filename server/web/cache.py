"""A bounded LRU cache of rendered resource descriptions (dereferencing an IRI).

The data does not change while a server process runs, so the representation of one
IRI in one format, for one page of incoming links, at one request base (scheme, host,
script root: JSON-LD and HTML carry absolute links) is the same every time. Building
it costs several store queries and an rdflib serialisation (about 10-15 ms); sending
a cached copy costs a dictionary lookup.

Only successful answers are cached (a 404 raises before ``put``). Conditional
requests still work: ``server.web.http`` computes the ETag of every 200 answer and
answers 304 from a cached body as from a fresh one.

Bounded by entries and by bytes; each server process has its own cache, created with
the app. Size: ``app.config["RESPONSE_CACHE_ENTRIES"]`` (0 turns it off) and
``app.config["RESPONSE_CACHE_BYTES"]``, defaults below.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable

from flask import Response, current_app

from ..store.lru import BoundedLRU

EXTENSION = "kg.response_cache"
DEFAULT_ENTRIES = 4096
DEFAULT_BYTES = 64 * 1024 * 1024
#: The headers a cached answer keeps (the hooks of ``http.py`` add the others each time).
KEPT_HEADERS = ("Content-Location", "Link")


@dataclass(frozen=True)
class Cached:
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        resp = Response(self.body, mimetype=self.mimetype)
        resp.headers.extend(self.headers)
        return resp


class ResponseCache(BoundedLRU):
    """Thread-safe LRU of ``Cached`` answers (``server.store.lru``)."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES, max_bytes: int = DEFAULT_BYTES):
        super().__init__(max_entries, max_bytes)


def init_app(app) -> None:
    app.extensions[EXTENSION] = ResponseCache(
        app.config.get("RESPONSE_CACHE_ENTRIES", DEFAULT_ENTRIES),
        app.config.get("RESPONSE_CACHE_BYTES", DEFAULT_BYTES))


def cached(key: Hashable, build: Callable[[], Response]) -> Response:
    """The answer for ``key``: from the app's cache, or ``build()`` (then kept if 200)."""
    cache: ResponseCache | None = current_app.extensions.get(EXTENSION)
    if cache is None or not cache.max_entries:
        return build()
    item = cache.get(key)
    if item is not None:
        return item.response()
    resp = build()
    if resp.status_code == 200 and not resp.is_streamed:
        cache.put(key, Cached(resp.get_data(), resp.mimetype,
                              tuple((h, resp.headers[h]) for h in KEPT_HEADERS if h in resp.headers)))
    return resp
