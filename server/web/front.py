"""The front cache: a complete answer (status, headers, body) to a resource GET/HEAD or
a SPARQL GET/HEAD whose answer the store caches, replayed before Flask's request
context, routing, negotiation and hooks run.

A cached dereference costs a dictionary lookup inside the view, but the machinery
around it (request context, URL matching, content negotiation, the ``http.finish``
hooks, Flask-Compress, a Response object) cost 0.3-2 ms per request, a replay from here
some µs (``python -m bench.request_cost``). This WSGI middleware keeps, per process, the bytes of answers the normal path produced and
sends them again to a request that cannot get another answer:

- the key holds every input the answer depends on: method, path, query string (the
  ``format=`` override, the incoming page), ``Accept`` (the negotiated format),
  ``Accept-Encoding`` (the compressed variant), and the URL root (scheme, server name
  and port, script root) with the public base (``public.py``): with ``PUBLIC_URL`` or a
  non-loopback ``Host`` the answer does not depend on ``Host`` and the key holds none
  (no cache grows with the Host values a client invents); a loopback ``Host`` is the
  base itself, kept only when it names this server's own port (``127.0.0.1``,
  ``localhost`` or ``[::1]``), any other loopback Host takes the normal path;
- requests the normal path answers per request are never served here: any
  precondition or range (``If-None-Match``, ``If-Modified-Since``, ``If-Match``,
  ``If-Unmodified-Since``, ``Range``, ``If-Range``: 304, 412, 206 and 416 stay Flask's),
  a cookie or credentials, a body or a Content-Type, any other method, a key field
  longer than ``MAX_FIELD``;
- only 200 answers a view marked as cacheable (``mark()``) are kept: a resource
  description (it answers from or into the response cache), a SPARQL answer the store
  keeps in its answer cache (``Store.caches_answer``: no NOW/RAND/UUID..., not the HTML
  page; a cached answer never takes a per-client query slot, so none is skipped); 404s,
  documents, dumps, HTML result pages and search answers always take the normal path.

Headers are replayed as the normal path set them (CORS, security headers, ``Vary``,
ETag, Last-Modified, Cache-Control: all computed from the key's inputs and from the
store, which does not change while a process runs); tests/test_front_cache.py compares
both paths header by header over HTTP. Bounded like the response cache it sits in front
of (``RESPONSE_CACHE_ENTRIES``, ``RESPONSE_CACHE_BYTES``; 0 entries turns both off,
``FRONT_CACHE = False`` this one only); a client sending many ``Accept`` values only
evicts answers, which are then rebuilt.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formatdate

from ..lru import BoundedLRU
from .public import is_loopback

EXTENSION = "kg.front_cache"
#: Set in the WSGI environ by a view whose 200 answer may be replayed.
MARK = "kg.front_cacheable"
#: Request headers whose answer is computed per request: never from this cache.
PER_REQUEST = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
               "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_COOKIE",
               "HTTP_AUTHORIZATION", "HTTP_TRANSFER_ENCODING")
#: Everything of the environ the answer depends on (besides the data, the config and
#: the Host header, see ``FrontCache.host``).
KEY_FIELDS = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "wsgi.url_scheme",
              "SERVER_NAME", "SERVER_PORT", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING")
#: A Host header werkzeug accepts as it is (a name or an IPv6 literal, a port).
PLAIN_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
#: The loopback names ``public.LOOPBACK_HOST`` knows, as a Host header names this server.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
#: A key field longer than this (a crafted Accept, say) is not worth a cache entry.
MAX_FIELD = 512


#: Response headers the server writes per connection or per answer: never stored (a
#: replay with the first answer's Date would look stale to every cache downstream).
NOT_STORED = frozenset({"date", "server", "connection", "keep-alive", "transfer-encoding"})


@dataclass(frozen=True)
class Answer:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    size: int = 0            # what it costs the cache: key, headers and body


def stored(status: str, headers, body: bytes, key: tuple) -> Answer:
    kept = tuple((k, v) for k, v in headers if k.lower() not in NOT_STORED)
    size = len(body) + sum(len(k) + len(v) for k, v in kept) + sum(len(str(p)) for p in key) + 256
    return Answer(status, kept, body, size)


def mark(environ: dict) -> None:
    """Called by a view: this request's answer, if 200, may be replayed to the same key."""
    environ[MARK] = True


class FrontCache:
    """WSGI middleware over ``app`` (``app.wsgi_app``), see the module's docstring."""

    def __init__(self, app, max_entries: int, max_bytes: int, public_url: bool = False,
                 trusted_hosts: bool = False):
        self.app = app
        self.cache = BoundedLRU(max_entries, max_bytes, max_bytes // 8)
        self.public_url = public_url            # PUBLIC_URL set: no answer depends on Host
        self.trusted_hosts = trusted_hosts      # Flask checks Host: key on it as sent

    def host(self, environ: dict) -> str | None:
        """The part of the key the Host header decides; None: take the normal path."""
        host = environ.get("HTTP_HOST")
        if host is None or not PLAIN_HOST.fullmatch(host):
            return None                          # werkzeug decides (a 400, a fallback)
        if self.trusted_hosts:
            return host
        if not is_loopback(host):
            return "" if self.public_url else "-"        # the base: PUBLIC_URL or BASE_IRI
        if self.public_url:
            return ""
        own = environ.get("SERVER_PORT", "")
        return host if host in {f"{n}:{own}" for n in LOOPBACK_NAMES} else None

    def key(self, environ: dict) -> tuple | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        for name in PER_REQUEST:
            if name in environ:
                return None
        if environ.get("CONTENT_LENGTH") not in (None, "", "0") or environ.get("CONTENT_TYPE"):
            return None                          # a GET with a body: the normal path judges it
        host = self.host(environ)
        if host is None:
            return None
        key = (host, *(environ.get(name, "") for name in KEY_FIELDS))
        if any(len(part) > MAX_FIELD for part in key):
            return None
        return key

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        hit = self.cache.get(key)
        if hit is not None:
            start_response(hit.status, [*hit.headers, ("Date", formatdate(usegmt=True))])
            return [hit.body]
        seen = []

        def capture(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        answer = self.app(environ, capture)
        if not environ.get(MARK) or not seen or not seen[0].startswith("200 "):
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        self.cache.put(key, stored(seen[0], seen[1], body, key))
        return [body]


def init_app(app) -> None:
    """Put the front cache in front of ``app.wsgi_app`` (outermost: it sees the request
    as the client sent it), unless it (``FRONT_CACHE``) or the response cache is off."""
    entries = int(app.config["RESPONSE_CACHE_ENTRIES"])
    if entries > 0 and app.config.get("FRONT_CACHE", True):
        front = FrontCache(app.wsgi_app, entries, int(app.config["RESPONSE_CACHE_BYTES"]),
                           public_url=bool(app.config.get("PUBLIC_URL")),
                           trusted_hosts=bool(app.config.get("TRUSTED_HOSTS")))
        app.wsgi_app = front
        app.extensions[EXTENSION] = front
