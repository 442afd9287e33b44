"""The app's bounded caches of rendered answers: resource descriptions (dereferencing
an IRI) and dataset dumps.

The data does not change while a server process runs, so the representation of one
IRI in one format, for one page of incoming links, is the same every time. Building
it costs several store queries and a serialisation (about 10-15 ms; a dump of a large
dataset, seconds); sending a cached copy costs a dictionary lookup. No key holds a
value the client chooses freely beyond the path it asks for: never the Host header
(a JSON-LD answer is cached with a placeholder for its ``@context`` URL, filled in
per request: see ``views.fill_context``).

Only successful answers are cached (a 404 raises before ``put``). Conditional
requests still work: ``server.web.http`` computes the ETag of every 200 answer and
answers 304 from a cached body as from a fresh one.

Each cache is bounded by entries and by bytes, belongs to one app
(``app.extensions[RESPONSES]``, ``app.extensions[DUMPS]``) and is sized in
``server/config.py``: ``RESPONSE_CACHE_ENTRIES`` / ``RESPONSE_CACHE_BYTES`` (a
description larger than an eighth of the bytes is not kept) and
``DUMP_CACHE_ENTRIES`` / ``DUMP_CACHE_BYTES`` (a dump up to the whole byte bound is
kept); 0 entries turns one off.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable

import logging
import threading

from flask import Response, current_app, request

from ..config import DEFAULTS
from ..errors import DumpBusy
from ..lru import BoundedLRU

log = logging.getLogger(__name__)

RESPONSES = EXTENSION = "kg.response_cache"
DUMPS = "kg.dump_cache"
BUILD_GATE = "kg.dump_build_gate"
DEFAULT_ENTRIES = int(DEFAULTS["RESPONSE_CACHE_ENTRIES"])
DEFAULT_BYTES = int(DEFAULTS["RESPONSE_CACHE_BYTES"])
#: app.extensions key -> (its settings' prefix in config, the largest answer it keeps as
#: a fraction of its bytes: one description must not flush the rest; a dump may fill it).
CACHES = {RESPONSES: ("RESPONSE_CACHE", 8), DUMPS: ("DUMP_CACHE", 1)}
#: The headers a cached answer keeps (the hooks of ``http.py`` add the others each time).
KEPT_HEADERS = ("Content-Location", "Link")


@dataclass(frozen=True)
class Cached:
    body: bytes
    content_type: str                  # with its parameters (a JSON-LD profile, a charset)
    headers: tuple[tuple[str, str], ...]

    def response(self) -> Response:
        resp = Response(self.body, content_type=self.content_type)
        resp.headers.extend(self.headers)
        return resp


class ResponseCache(BoundedLRU):
    """Thread-safe LRU of ``Cached`` answers (``server.lru``)."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES, max_bytes: int = DEFAULT_BYTES,
                 largest: int | None = None, setting: str = "RESPONSE_CACHE"):
        super().__init__(max_entries, max_bytes, largest)
        self.setting = setting
        self.oversize_noted = False     # an answer above ``largest`` was logged once


def init_app(app) -> None:
    app.extensions[BUILD_GATE] = threading.BoundedSemaphore(1)
    for name, (setting, fraction) in CACHES.items():
        max_bytes = int(app.config[f"{setting}_BYTES"])
        app.extensions[name] = ResponseCache(int(app.config[f"{setting}_ENTRIES"]), max_bytes,
                                             largest=max_bytes // fraction, setting=setting)


def cached(key: Hashable, build: Callable[[], Response], name: str = RESPONSES) -> Response:
    """The answer for ``key``: from the app's cache ``name``, or ``build()`` (then kept if 200).
    Dumps (``DUMPS``) are built one at a time per process (``gated``)."""
    cache: ResponseCache | None = current_app.extensions.get(name)
    if cache is None or not cache.max_entries:
        return gated(build) if name == DUMPS else build()
    item = cache.get(key)
    if item is not None:
        return item.response()
    if name == DUMPS:
        return gated(lambda: _kept(cache, key, build))
    return _kept(cache, key, build)


def gated(build: Callable[[], Response]) -> Response:
    """``build()`` while holding the app's one dump-building slot: a whole-dataset
    document costs seconds and memory in proportion to the data, so two are never built
    at once; a request that waits ``DUMP_BUILD_WAIT`` seconds gets 503 Retry-After."""
    gate = current_app.extensions.get(BUILD_GATE)
    if gate is None:
        return build()
    wait = float(current_app.config.get("DUMP_BUILD_WAIT", DEFAULTS["DUMP_BUILD_WAIT"]))
    if not gate.acquire(timeout=wait):
        raise DumpBusy("Another dump of the dataset is being built; this one waits for it.",
                       hint="Retry in a few seconds: built dumps are kept and sent at once.",
                       retry_after=10)
    try:
        return build()
    finally:
        gate.release()


def _kept(cache, key: Hashable, build: Callable[[], Response]) -> Response:
    item = cache.get(key)                 # built while this request waited for the gate?
    if item is not None:
        return item.response()
    resp = build()
    if resp.status_code == 200 and not resp.is_streamed:
        body = resp.get_data()
        if len(body) > cache.largest and not cache.oversize_noted:
            cache.oversize_noted = True
            log.warning("An answer of %d bytes (%s) is larger than the %s keeps (%d bytes): it is "
                        "built anew for every request. Raise KG_%s_BYTES to keep it.",
                        len(body), request.path, cache.setting.lower(), cache.largest, cache.setting)
        cache.put(key, Cached(body, resp.content_type,
                              tuple((h, resp.headers[h]) for h in KEPT_HEADERS if h in resp.headers)))
    return resp
