"""HTTP hygiene for every response (web pages, data and the SPARQL endpoint).

- ``Vary: Accept`` (representations depend on it), gzip/brotli by Flask-Compress,
  which adds ``Vary: Accept-Encoding``;
- CORS: ``Access-Control-Allow-Origin: *``, never credentials; preflights answered;
- successful GET/HEAD of data: a weak ETag from the store's fingerprint, the path,
  the query string, the media type and the public base, ``Last-Modified`` = when the
  store was loaded, ``Cache-Control: public, max-age``; Werkzeug's ``make_conditional``
  answers 304;
- downloads (dumps, whole graphs: views set ``Accept-Ranges: bytes``) get a strong
  ETag and answer one byte ``Range`` (206, 416), after ``If-None-Match`` (304 first),
  with ``If-Range`` compared strictly (``partial``); a partial answer is never
  compressed (its range is of the identity body);
- ``Vary: Host`` when the absolute URLs of the answer come from a loopback Host header
  (no PUBLIC_URL; see ``public.py``);
- browser safety on every answer (``SECURITY_HEADERS``): a Content-Security-Policy that
  allows only this origin's stylesheets and images, no script at all, no framing, no
  ``<base>``, forms posted here only; ``X-Frame-Options: DENY`` for older browsers
  (a view's answer with ``embeddable = True`` may be framed by any site: the
  reconciliation preview; one with ``scripted = True`` may run this origin's scripts:
  the query page's editor);
  ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: no-referrer`` (a page URL can
  hold a whole query, which must not travel to the sites a result links to).
"""
from __future__ import annotations

import hashlib
import logging

from flask import current_app, request
from werkzeug.http import parse_range_header

from ..formats import compressible
from . import public

try:                                   # pinned in pyproject (Flask-Compress==1.25)
    from flask_compress import Compress
except ImportError:                    # pragma: no cover - serve uncompressed, say so
    Compress = None

log = logging.getLogger(__name__)

CACHE_SECONDS = 300
COMPRESSED_TYPES = compressible()
#: Browser clients (YASGUI, Comunica, jQuery) send these; no credentials are ever allowed.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": ("Accept, Accept-Language, Content-Type, Cache-Control, If-Match, "
                                     "If-None-Match, If-Modified-Since, If-Range, Range, X-Requested-With"),
    "Access-Control-Expose-Headers": ("ETag, Link, Content-Location, Content-Disposition, Content-Range, "
                                      "Accept-Ranges, Vary, Retry-After, X-Result-Rows, X-Result-Truncated"),
    "Access-Control-Max-Age": "86400",
}
#: The pages use one stylesheet and no script (server/static/site.css).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'none'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: A page other sites may show in a frame (the reconciliation preview, which OpenRefine
#: shows in an iframe; a view sets ``response.embeddable = True``): still no script.
EMBEDDABLE_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
#: A page with a script of this server (the query page's editor; a view sets
#: ``response.scripted = True``): scripts from this origin only, still no inline script,
#: no eval, no inline style (the editor's styles are constructed stylesheets).
SCRIPTED_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'none'", "script-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def init_app(app) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip", "br", "deflate"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 200)
    app.config["COMPRESS_REGISTER"] = False            # ``compress_whole`` calls it
    if Compress is None:
        log.warning("Flask-Compress is not installed: answers are sent uncompressed "
                    "(pip install Flask-Compress==1.25)")
    else:
        compressor = Compress(app)

        def compress_whole(response):
            """Compress, except a partial answer (its byte range is of the identity body)."""
            if response.status_code == 206 or "Content-Range" in response.headers:
                response.vary.add("Accept-Encoding")
                return response
            return compressor.after_request(response)
        app.after_request(compress_whole)
    app.after_request(finish)          # registered after compression: runs before it


def partial(response) -> None:
    """Answer the request's ``Range`` from the whole ``response`` (RFC 9110 14.2, 13.1.5):
    one byte range of the ``bytes`` unit; anything else (another unit, bad syntax,
    several ranges) is ignored and the whole document sent; ``If-Range`` must equal the
    strong ETag or the Last-Modified date exactly, else the whole document is sent; a
    range past the end is 416."""
    header = request.headers.get("Range")
    if not header:
        return
    if_range = request.headers.get("If-Range")
    if if_range is not None:
        etag, _weak = response.get_etag()
        if if_range.startswith('"'):
            if if_range != f'"{etag}"' or _weak:
                return
        elif if_range.startswith("W/") or if_range != response.headers.get("Last-Modified"):
            return
    ranges = parse_range_header(header)
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1:
        return
    body = response.get_data()
    span = ranges.range_for_length(len(body))
    if span is None:
        unsatisfiable(response, len(body))
        return
    start, stop = span
    response.set_data(body[start:stop])
    response.status_code = 206
    response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(body)}"


def failed_precondition(response) -> None:
    """A 412 (``If-Match`` / ``If-Unmodified-Since`` failed): no document, nothing to cache."""
    response.set_data("412 Precondition Failed\nThe document is not the one the request's "
                      "If-Match / If-Unmodified-Since names.\nWhat to do: fetch it again "
                      "without the precondition.\n")
    response.content_type = "text/plain; charset=utf-8"
    for header in ("ETag", "Last-Modified", "Content-Location", "Content-Disposition", "Accept-Ranges"):
        response.headers.pop(header, None)
    response.cache_control.no_cache = True
    response.cache_control.public = False
    response.cache_control.max_age = None


def unsatisfiable(response, length: int) -> None:
    """Turn ``response`` into the 416 of a Range beyond its ``length`` bytes."""
    response.status_code = 416
    response.set_data(f"416 Range Not Satisfiable\nThe document has {length} bytes.\n"
                      "What to do: ask for a range within it (bytes=0-), or for the whole document.\n")
    response.content_type = "text/plain; charset=utf-8"
    response.headers["Content-Range"] = f"bytes */{length}"
    for header in ("ETag", "Last-Modified", "Content-Location", "Content-Disposition"):
        response.headers.pop(header, None)
    response.cache_control.no_cache = True
    response.cache_control.public = False
    response.cache_control.max_age = None


def etag_for(fingerprint: str, path: str, query: bytes, media_type: str, base: str = "") -> str:
    """The validator of one representation of the loaded data (pure); ``base`` is the
    public base its absolute URLs start with."""
    digest = hashlib.sha256(b"\0".join([fingerprint.encode(), path.encode(), query,
                                        media_type.encode(), base.encode()])).hexdigest()
    return digest[:32]


def finish(response):
    vary = response.headers.get("Vary", "")
    if "accept" not in [v.strip().lower() for v in vary.split(",")]:
        response.headers["Vary"] = f"{vary}, Accept" if vary else "Accept"
    if public.vary_on_host():
        response.vary.add("Host")
    response.headers.pop("Access-Control-Allow-Credentials", None)
    for key, value in CORS_HEADERS.items():     # an OPTIONS answer may name its own methods
        response.headers.setdefault(key, value)
    response.headers.update(SECURITY_HEADERS)
    if getattr(response, "scripted", False):          # the query page with its editor
        response.headers["Content-Security-Policy"] = SCRIPTED_POLICY
    if getattr(response, "embeddable", False):        # a view's answer meant for other sites' frames
        response.headers["Content-Security-Policy"] = EMBEDDABLE_POLICY
        del response.headers["X-Frame-Options"]
    if request.method in ("GET", "HEAD") and response.status_code == 200 and "Cache-Control" not in response.headers:
        from ..store import get_store
        store = get_store()
        ranged = response.headers.get("Accept-Ranges") == "bytes"
        if ranged:
            # a download that accepts Range gets a strong validator (If-Range needs one)
            # of its very bytes: another worker's serialization of the same data may
            # differ (blank node labels, order), and a resumed download must not splice
            # them. Flask-Compress gives the compressed form another ("...:gzip").
            response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest())
        else:
            site = current_app.config.get("SITE_DIGEST", "")  # the site file shapes pages too
            response.set_etag(etag_for(store.fingerprint + site, request.path, request.query_string,
                                       response.headers.get("Content-Type", ""),
                                       public.public_base()), weak=True)
        response.last_modified = store.loaded_at
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        response.make_conditional(request)            # 304 first (RFC 9110 13.2.2)
        if response.status_code == 412:               # Werkzeug keeps the body and validators
            failed_precondition(response)
        elif ranged and response.status_code == 200:
            partial(response)
    elif response.status_code >= 400:
        response.cache_control.no_cache = True
    return response

