"""From granian to the Flask app: a request reaches a request thread only once it is
complete, and leaves it as soon as its answer is made.

granian reads and parses each request head in Rust, under ``HEADER_READ_TIMEOUT`` and
``HTTP_MAX_HEAD_BYTES``, then hands it to ``Bridge`` (an RSGI application) on the
worker's event loop. There:

1. the body, if any, is read on the event loop, at most ``MAX_CONTENT_LENGTH`` + 1
   bytes and within ``BODY_READ_TIMEOUT`` (past it: 408, connection closed). A body
   declared or found larger than the cap is not read further: the app sees its length
   and answers its own 413, in the format the client negotiated;
2. the complete request runs through the WSGI app in one of ``threads`` request
   threads (a PEP 3333 environ; ``wsgi.input`` is the body in memory);
3. the answer goes back in one piece: granian writes it from Rust while the thread
   takes the next request, so a client that reads slowly holds no thread either.

A slow, silent or stalled client costs a connection and some memory (a body of at most
``MAX_CONTENT_LENGTH``, or the part of an answer it has not read yet), never a request
thread. (granian's own WSGI mode hands a request to a thread as soon as its head is
parsed, and the app then reads the body from that thread: a client dribbling a body
would hold it. Hence this bridge.)
"""
from __future__ import annotations

import asyncio
import io
import logging
import sys
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

_TEXT = [("content-type", "text/plain; charset=utf-8"), ("connection", "close")]


class Bridge:
    """An RSGI application running the WSGI ``app`` (see the module docstring)."""

    def __init__(self, app, *, threads: int, body_timeout: float, max_body: int | None,
                 multiprocess: bool = True):
        self.app = app
        self.threads = threads
        self.body_timeout = body_timeout
        self.max_body = max_body
        self.multiprocess = multiprocess
        self.pool: ThreadPoolExecutor | None = None

    # -- RSGI entry points (granian calls these in the worker process) ---------------

    def __rsgi_init__(self, loop) -> None:
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="kg-request")

    def __rsgi_del__(self, loop) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope, protocol) -> None:
        if scope.proto != "http":                 # websockets are turned off
            return
        body = await self._read_body(scope, protocol)
        if body is None:                          # answered (408) or the client left
            return
        loop = asyncio.get_running_loop()
        try:
            status, headers, answer = await loop.run_in_executor(
                self.pool, self._call_app, self.environ(scope, body))
        except Exception:  # noqa: BLE001 - the app failed outside Flask's own handlers
            log.exception("the application failed on %s %s", scope.method, scope.path)
            protocol.response_bytes(500, _TEXT, b"Internal error: the server failed to answer "
                                                b"this request (logged). Try again later.\n")
            return
        protocol.response_bytes(status, headers, answer)

    # -- 1. the body, on the event loop ---------------------------------------------

    async def _read_body(self, scope, protocol) -> bytes | None:
        """The body (b"" when there is none); None when the request got its answer here
        (408) or the client went away before sending all of it."""
        headers = scope.headers
        chunked = "transfer-encoding" in headers     # then Content-Length means nothing
        if not chunked and "content-length" not in headers:
            return b""
        expected = None if chunked else int(headers.get("content-length"))   # hyper checked it
        if expected == 0:
            return b""
        if expected is not None and self.max_body is not None and expected > self.max_body:
            return b""                  # not read: the app answers 413 from the length
        # read the declared length, or a chunked body up to one byte past the cap (enough
        # for Werkzeug to see it is too large); None: to the end
        enough = expected if expected is not None else (
            None if self.max_body is None else self.max_body + 1)
        parts, size = [], 0
        try:
            async with asyncio.timeout(self.body_timeout):
                async for chunk in protocol:
                    parts.append(chunk)
                    size += len(chunk)
                    if enough is not None and size >= enough:
                        break
        except TimeoutError:
            protocol.response_bytes(408, _TEXT, (
                f"The request body did not arrive within {self.body_timeout:g} s of its headers "
                f"({size} of {expected if expected is not None else 'an unknown number of'} bytes "
                "received). Send the whole body at once; queries can also be sent by GET.\n").encode())
            return None
        except Exception:  # noqa: BLE001 - granian reports a broken connection this way
            return None
        if expected is not None and size < expected:
            return None                       # the client closed the connection mid-body
        return b"".join(parts)

    # -- 2. the app, in a request thread ----------------------------------------------

    def environ(self, scope, body: bytes) -> dict:
        """The PEP 3333 environ of an RSGI request whose body has been read."""
        server_host, _, server_port = scope.server.rpartition(":")
        environ = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            # granian gives the path percent-decoded as UTF-8; WSGI wants its bytes as latin-1
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_host.strip("[]"),
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,     # read to EOF: Werkzeug still applies its cap
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": False,
        }
        for name, value in scope.headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name in ("content-length", "transfer-encoding"):
                continue
            elif "_" in name:       # X_Forwarded_For would pass for X-Forwarded-For:
                continue            # dropped, as gunicorn and nginx do
            else:
                key = "HTTP_" + name.upper().replace("-", "_")
                if key in environ:
                    environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
                else:
                    environ[key] = value
        if "transfer-encoding" in scope.headers:
            # the body is in memory, de-chunked: its length (over the cap when it was cut
            # there) tells Werkzeug whether to answer 413
            environ["CONTENT_LENGTH"] = str(len(body))
        elif "content-length" in scope.headers:
            environ["CONTENT_LENGTH"] = scope.headers.get("content-length")
        if "HTTP_HOST" not in environ and scope.authority:
            environ["HTTP_HOST"] = scope.authority
        return environ

    def _call_app(self, environ: dict) -> tuple[int, list, bytes]:
        """Run the app: (status, headers, the whole answer)."""
        started: list = []
        written: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            # nothing is sent before the app returns, so a second call (an error page
            # replacing a failed answer, with exc_info) simply wins
            started[:] = [status, headers]
            return written.append

        result = self.app(environ, start_response)
        try:
            written.extend(result)
        finally:
            _close(result)
        status, headers = started
        return int(status.split(" ", 1)[0]), headers, b"".join(written)


def _close(result) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()
