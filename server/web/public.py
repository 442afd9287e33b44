"""The public base URL of the deployment: where every absolute URL an answer carries
points (the JSON-LD ``@context`` of resources and dumps, the service description's
``sd:endpoint``, the URLs shown on pages and in the list of example queries).

The ``Host`` header is the client's to choose, and answers are cacheable by shared
caches (``Cache-Control: public``): a body that reflected it would let one client
poison what everyone else is served. So the base is, in this order:

1. ``PUBLIC_URL`` (``KG_PUBLIC_URL``) when it is set: the same for every request;
2. the request's own ``scheme://host[:port]`` when the host is a loopback name
   (``127.0.0.1``, ``localhost``, ``[::1]``, any port): local development and tests;
   such answers carry ``Vary: Host`` (``vary_on_host``);
3. otherwise ``BASE_IRI``, where the canonical IRIs live (the request path ``/x``
   names ``BASE_IRI + "x"``), with a warning, logged once per app, to set
   ``PUBLIC_URL``.

``public_url(path)`` is the one helper (``public_url_for(endpoint)`` wraps it for
routes); templates call them too (Jinja globals).
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from ..errors import KGError

log = logging.getLogger(__name__)

EXTENSION = "kg.public_url"
#: Loopback hosts, as a Host header spells them (with an optional port); nothing else.
LOOPBACK_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?", re.IGNORECASE)


@dataclass
class PublicBase:
    """This app's setting, and whether the fallback has been announced."""
    configured: str | None           # PUBLIC_URL, normalised to end with "/"
    fallback: str                    # BASE_IRI
    warned: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def normalise(value: str) -> str:
    """``PUBLIC_URL`` checked and ending with ``/``; KGError if it is not an
    absolute http(s) URL without query or fragment (a configuration error, raised at
    start-up as the store's are)."""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or "@" in parts.netloc or any(c.isspace() for c in text):
        raise KGError(
            f"PUBLIC_URL must be the absolute http(s) URL this deployment is reached at, not {text!r}.",
            hint="Set KG_PUBLIC_URL to e.g. https://kg.example.org/ (or leave it unset).")
    return text if text.endswith("/") else text + "/"


def init_app(app) -> None:
    configured = app.config.get("PUBLIC_URL")
    app.extensions[EXTENSION] = PublicBase(normalise(configured) if configured else None,
                                           str(app.config["BASE_IRI"]))
    app.jinja_env.globals.update(public_url=public_url, public_url_for=public_url_for)


def is_loopback(host: str) -> bool:
    return LOOPBACK_HOST.fullmatch(host or "") is not None


def vary_on_host() -> bool:
    """Does this request's public base come from its Host header (loopback, no PUBLIC_URL)?"""
    setting: PublicBase = current_app.extensions[EXTENSION]
    return setting.configured is None and is_loopback(request.host)


def public_base() -> str:
    """The base (ending in ``/``) of the absolute URLs in the answer to this request."""
    setting: PublicBase = current_app.extensions[EXTENSION]
    if setting.configured:
        return setting.configured
    if is_loopback(request.host):
        return request.url_root          # scheme://host[:port]/ plus the script root
    if not setting.warned:
        with setting.lock:
            if not setting.warned:
                setting.warned = True
                log.warning("PUBLIC_URL is not set: absolute URLs in answers to non-loopback "
                            "requests use BASE_IRI (%s). Set KG_PUBLIC_URL to the public base "
                            "URL of this deployment, e.g. https://kg.example.org/.", setting.fallback)
    return setting.fallback


def public_url(path: str = "") -> str:
    """The absolute public URL of ``path`` (a path of this app, e.g. ``/sparql``)."""
    return public_base() + path.lstrip("/")


def public_url_for(endpoint: str, **values) -> str:
    """``url_for`` made absolute with the public base instead of the request's host."""
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]
    return public_url(path)
