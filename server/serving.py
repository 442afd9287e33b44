"""Serving in production: granian in front, the Flask app behind ``server.bridge``.

    python -m server serve            (server.cli: validates once, then calls serve())
      master   builds the app once (store loaded), forks the workers, restarts one that
       |       dies (respawn_failed_workers); never answers a request itself
       +-- worker 1..N   granian's Rust runtime accepts connections and parses HTTP/1.1
                         heads (HEADER_READ_TIMEOUT, HTTP_MAX_HEAD_BYTES,
                         HTTP_MAX_CONNECTIONS); the bridge reads bodies on the event loop
                         (BODY_READ_TIMEOUT) and runs complete requests in ``threads``
                         request threads

* The workers inherit the loaded store from the master (fork, copy-on-write); each
  reopens what a backend holds (``backend.after_fork()``: a persistent store, an HTTP
  session) and starts its query pool before it accepts a connection (``prepare_worker``).
* A worker dies with the master: PR_SET_PDEATHSIG (SIGKILL) fires when the thread that
  forked it ends, and granian forks its workers from the master's main thread, which
  ends only with the master. Orphans would otherwise keep their listening sockets and
  take a share of the connections of a restarted server.
* HTTP/1.1 only: in granian's "auto" mode (HTTP/1 or HTTP/2 detection) a connection that
  sends nothing is never timed out. HTTP/2 is the reverse proxy's business.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Mapping

from .errors import KGError


def serve(config: Mapping, host: str = "127.0.0.1", port: int = 8080, workers: int = 2,
          threads: int = 4, access_log: bool = False, app=None) -> None:
    """Serve ``app`` (by default ``create_app(config)``) with granian until SIGINT or
    SIGTERM: ``workers`` processes of ``threads`` request threads each."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    from . import create_app
    from .bridge import Bridge

    app = app if app is not None else create_app(dict(config))   # once: the workers inherit it
    front = front_settings(app.config)
    print(f"serving on http://{host}:{port}/ with {workers} worker(s) x {threads} request "
          f"thread(s); request heads within {front['header_timeout_ms'] / 1000:g} s, bodies "
          f"within {front['body_timeout']:g} s", file=sys.stderr, flush=True)
    master = os.getpid()

    def load_in_worker():                    # granian calls this in each forked worker
        die_with(master)
        prepare_worker(app, threads)
        return Bridge(app, threads=threads, body_timeout=front["body_timeout"],
                      max_body=app.config.get("MAX_CONTENT_LENGTH"), multiprocess=workers > 1)

    # the workers must be forked to inherit the app (Python 3.14 defaults to forkserver)
    multiprocessing.set_start_method("fork", force=True)
    server = Server(
        "server:create_app",                 # only a name here: load_in_worker gives the app
        address=host, port=port, interface=Interfaces.RSGI, http=HTTPModes.http1,
        websockets=False, workers=workers,
        blocking_threads=1,                  # the event loop's thread; requests use the bridge's
        backpressure=front["max_connections"],
        http1_settings=HTTP1Settings(header_read_timeout=front["header_timeout_ms"],
                                     keep_alive=front["keep_alive"],
                                     max_buffer_size=front["max_head_bytes"]),
        log_access=access_log,
        respawn_failed_workers=True,         # a worker that dies is replaced at once
        workers_kill_timeout=front["shutdown_timeout"])
    server.serve(target_loader=load_in_worker, wrap_loader=False)


def front_settings(config: Mapping) -> dict:
    """The HTTP front's settings from ``config``, checked against what granian accepts."""
    def number(key, low, high, kind=float):
        try:
            value = kind(config[key])
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            raise KGError(f"{key} is {config[key]!r}; it must be a number from {low} to {high}.",
                          hint=f"Fix KG_{key} (or leave it unset for {_default(key)}).")
        return value

    return {
        "header_timeout_ms": max(1, round(number("HEADER_READ_TIMEOUT", 0.001, 60) * 1000)),
        "body_timeout": number("BODY_READ_TIMEOUT", 0.001, 3600),
        "max_head_bytes": number("HTTP_MAX_HEAD_BYTES", 8192, 16 << 20, int),
        "keep_alive": bool(config["HTTP_KEEP_ALIVE"]),
        "max_connections": number("HTTP_MAX_CONNECTIONS", 1, 1 << 20, int),
        "shutdown_timeout": number("SHUTDOWN_TIMEOUT", 1, 1800, int),
    }


def _default(key: str):
    from .config import DEFAULTS
    return DEFAULTS[key]


def die_with(master: int) -> None:
    """End this process (SIGKILL) when ``master`` ends; at once if it already has."""
    from .store.confine import die_with_parent
    die_with_parent()
    if os.getppid() != master:               # the master died before the line above
        os._exit(1)


def prepare_worker(app, threads: int) -> None:
    """In a freshly forked worker, before it opens its listening socket: reopen what the
    store's backend holds, and start the query pool now. Its processes are then forked
    from a process with one thread and no client connection; forked later, from a
    request thread, they would inherit the sockets of the connections open at that
    moment and keep them open after the server closed them (a slowloris connection
    cut at the header timeout would stay connected). Queries may hold at most
    ``threads - 1`` request threads, so a page always finds one."""
    from .store import EXTENSION
    store = app.extensions.get(EXTENSION)
    if store is not None:
        store.backend.after_fork()
        store.reserve_threads(threads)
        store.pool()


def serve_dev(config: Mapping, host: str, port: int, app=None) -> None:
    """Flask's development server (one process, threads, no limits): for --dev only."""
    from . import create_app
    app = app if app is not None else create_app(dict(config))
    app.run(host=host, port=port, debug=False, threaded=True)
