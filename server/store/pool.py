"""Worker processes for untrusted SPARQL queries, so a timeout really stops the work.

Neither pyoxigraph nor rdflib can cancel a running query, so a public query runs in a
worker process that is SIGKILLed when it passes its deadline:

    server process (any number of request threads)
      |  control socket: "spawn"          one job per worker at a time;
      v                                   idle workers wait in a queue
    zygote (single-threaded, forked once, holds the loaded store copy-on-write)
      |  fork
      v
    worker 1 .. N   <- job / answer over a socketpair handed to the server (SCM_RIGHTS)

* The request thread takes an idle worker (waiting at most ``timeout`` for one: the
  queue has its own deadline), sends the job and waits for the answer until the
  deadline. Past it, the worker is SIGKILLed (no CPU burnt after), a replacement is
  forked from the zygote, and ``QueryTimeout`` is raised before any byte of the body
  exists, so the client gets a 503, never a truncated 200.
* The server process forks only once (the zygote), while holding ``FORK_GUARD``
  exclusively: trusted in-process reads hold it shared, so no thread is inside the
  store when the fork happens (forking amid a running query can deadlock the child).
  Replacements are forked by the zygote, which has no other threads.
* The pool belongs to the process that created it: under a multi-process server each
  web worker builds its own (``usable()`` is false in a forked child), never the master.
* Workers confine themselves first (``server.store.confine``: no network, no exec,
  an address-space cap, death with the zygote), then call ``backend.after_fork()`` (a
  persistent Oxigraph store is reopened read-only there) and leave with ``os._exit``:
  nothing of the parent runs twice. A worker that cannot be confined answers every job
  with an error: queries are refused, never run unconfined (unless the operator set
  ``QUERY_CONFINEMENT=none``).
* Admission is bounded: at most ``size + queue`` queries (and at most ``admission``,
  the server's request threads minus one) are in the pool, running or waiting, and a
  query waits at most ``queue_wait`` seconds for a worker; beyond either, ``PoolBusy``
  (503 with Retry-After), so request threads never pile up behind slow queries.
"""
from __future__ import annotations

import logging
import os
import queue
import signal
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from .. import errors
from ..config import DEFAULTS
from . import confine
from .base import Backend, QueryAnswer
from .jobs import run_job

log = logging.getLogger(__name__)


class ForkGuard:
    """A readers-writer lock: many in-process store reads, or one fork."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._forking = False

    @contextmanager
    def shared(self):
        with self._cond:
            while self._forking:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            while self._forking:
                self._cond.wait()
            self._forking = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._forking = False
                self._cond.notify_all()


FORK_GUARD = ForkGuard()


@dataclass
class Worker:
    pid: int
    conn: Connection


@dataclass(frozen=True)
class Limits:
    """What a query worker may use, and how long a query may wait for one (defaults:
    ``server.config.DEFAULTS``; ``Limits.from_config`` reads a configuration)."""
    confinement: str = DEFAULTS["QUERY_CONFINEMENT"]   # "seccomp" (no network, no exec) or "none"
    memory_limit: int | None = DEFAULTS["QUERY_MEMORY_LIMIT_MB"] << 20   # bytes a query may add
    queue: int = DEFAULTS["QUERY_QUEUE"]                # queries that may wait for a busy worker
    queue_wait: float = DEFAULTS["QUERY_QUEUE_WAIT"]    # seconds a query waits, at most
    admission: int | None = None         # most queries in the pool (running + waiting) at
                                         # once, whatever the queue: the server's request
                                         # threads minus one, so pages always find a thread

    @classmethod
    def from_config(cls, config) -> "Limits":
        def setting(key):
            return config.get(key, DEFAULTS[key])
        memory = int(setting("QUERY_MEMORY_LIMIT_MB") or 0)
        return cls(confinement=str(setting("QUERY_CONFINEMENT")).lower(),
                   memory_limit=memory << 20 if memory > 0 else None,
                   queue=int(setting("QUERY_QUEUE")), queue_wait=float(setting("QUERY_QUEUE_WAIT")))


# -- child processes --------------------------------------------------------------

def _worker_main(backend: Backend, sock: socket.socket, limits: Limits) -> None:
    fd = sock.detach()
    conn = Connection(fd)
    unconfined = None
    try:
        confine.die_with_parent()
        if limits.confinement != "none" and not backend.needs_network:
            confine.close_inherited_sockets(fd)
            confine.deny_network()
    except confine.ConfinementError as exc:
        unconfined = str(exc)
        log.error("query worker not confined (%s): it refuses every query", exc)
    backend.after_fork()
    if limits.memory_limit:
        confine.limit_memory(limits.memory_limit)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if unconfined:
                raise errors.StoreUnavailable(
                    "Queries are refused: this server cannot confine its query workers.",
                    hint="Operator: install libseccomp (Debian: libseccomp2) or set "
                         "KG_QUERY_CONFINEMENT=none to accept unconfined workers; see the log.")
            reply = ("ok", run_job(backend, job))
        except errors.KGError as exc:
            reply = ("error", type(exc).__name__, exc.message, exc.hint, exc.details)
        except MemoryError:
            reply = ("error", "QueryTooLarge", _MEMORY_MESSAGE.format(limits.memory_limit >> 20),
                     _MEMORY_HINT, {})
        except Exception as exc:  # an engine bug must not kill the worker silently
            log.error("query failed in a worker: %s: %s", type(exc).__name__, exc)
            reply = ("error", "KGError", "The query failed inside the engine.",
                     "Simplify the query; if it keeps failing, report it.", {})
        conn.send(reply)


_MEMORY_MESSAGE = "The query needed more than the {} MB of memory a query may use, and was stopped."
_MEMORY_HINT = ("Make the query more selective (LIMIT, more specific patterns, no ORDER BY over "
                "everything); an operator can raise KG_QUERY_MEMORY_LIMIT_MB.")


def _zygote_main(backend: Backend, ctl: socket.socket, limits: Limits) -> None:
    # the sockets and pipes of the server process (its listening socket, client
    # connections open when the pool started, a parent's pipes) must not stay open in
    # here: a client the server closes would otherwise stay connected
    confine.close_inherited_sockets(ctl.fileno())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # killed workers are reaped at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)              # the server handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)             # never run the server's handler
    while ctl.recv(1):
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            _child(lambda: (ctl.close(), ours.close(),
                            signal.signal(signal.SIGCHLD, signal.SIG_DFL),
                            _worker_main(backend, theirs, limits)))
        theirs.close()
        socket.send_fds(ctl, [pid.to_bytes(8, "little")], [ours.fileno()])
        ours.close()


def _child(body) -> None:
    """Run ``body`` in a forked child and leave without running the parent's code."""
    code = 0
    try:
        body()
    except BaseException:   # noqa: BLE001 - report, never fall back into the parent's stack
        log.exception("query worker process failed")
        code = 1
    finally:
        os._exit(code)


# -- the pool (server side) ------------------------------------------------------

class QueryPool:
    def __init__(self, backend: Backend, size: int = 2, limits: Limits = Limits()):
        self.backend = backend
        self.size = max(1, int(size))
        self.limits = limits
        cap = self.size + max(0, int(limits.queue))
        if limits.admission:
            cap = max(1, min(cap, int(limits.admission)))
        self.capacity = cap
        self._admission = threading.BoundedSemaphore(cap)
        self.pid = os.getpid()
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()          # serializes talks with the zygote
        self._zygote_pid: int | None = None
        self._ctl: socket.socket | None = None
        self._closed = False
        self.workers: set[int] = set()
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def usable(self) -> bool:
        return not self._closed and self.pid == os.getpid()

    # -- processes -----------------------------------------------------------

    def _start_zygote(self) -> None:
        ours, theirs = socket.socketpair()
        with FORK_GUARD.exclusive():
            pid = os.fork()
            if pid == 0:
                _child(lambda: (ours.close(), _zygote_main(self.backend, theirs, self.limits)))
        theirs.close()
        self._zygote_pid, self._ctl = pid, ours

    def _spawn(self) -> Worker:
        with self._lock:
            for attempt in (1, 2):
                if self._ctl is None:
                    self._start_zygote()
                try:
                    self._ctl.sendall(b"s")
                    msg, fds, _flags, _addr = socket.recv_fds(self._ctl, 8, 1)
                except OSError:
                    msg, fds = b"", []
                if msg and fds:
                    worker = Worker(int.from_bytes(msg, "little"), Connection(fds[0]))
                    self.workers.add(worker.pid)
                    return worker
                self._stop_zygote()              # it died: start a new one and retry
        raise errors.StoreUnavailable("Could not start a query worker process.",
                                      hint="Check the server log; the machine may be out of memory.")

    def _stop_zygote(self) -> None:
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
        if self._zygote_pid:
            _kill(self._zygote_pid)
            try:
                os.waitpid(self._zygote_pid, 0)
            except ChildProcessError:
                pass
            self._zygote_pid = None

    def _discard(self, worker: Worker) -> None:
        _kill(worker.pid)
        worker.conn.close()
        self.workers.discard(worker.pid)

    def _replace(self, worker: Worker) -> None:
        self._discard(worker)
        try:
            self._idle.put(self._spawn())
        except errors.KGError:
            log.exception("could not replace a query worker; the pool shrinks")

    # -- running -------------------------------------------------------------

    def run(self, job: dict, timeout: float) -> QueryAnswer:
        """Run ``job`` in a worker within ``timeout`` seconds, or raise QueryTimeout;
        PoolBusy at once when the pool's queue is full, or after ``queue_wait``."""
        if not self._admission.acquire(blocking=False):
            raise errors.PoolBusy(
                f"All {self.size} query workers are busy and {self.capacity} queries are "
                "already running or waiting; the query was not run.",
                hint="Retry in a moment; an operator can raise KG_QUERY_WORKERS.", retry_after=2)
        try:
            return self._run_admitted(job, timeout)
        finally:
            self._admission.release()

    def _run_admitted(self, job: dict, timeout: float) -> QueryAnswer:
        wait = min(timeout, self.limits.queue_wait)
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise errors.PoolBusy(
                f"All {self.size} query workers stayed busy for {wait:g} s; the query was not run.",
                hint="Retry in a moment; an operator can raise KG_QUERY_WORKERS.",
                retry_after=max(1, round(wait))) from None
        started = time.monotonic()
        try:
            worker.conn.send(job)
            ready = worker.conn.poll(timeout)
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            self._replace(worker)
            limit = self.limits.memory_limit
            raise errors.QueryTooLarge(
                "The query stopped its worker process: it needed more than the "
                f"{limit >> 20} MB of memory a query may use, or crashed the engine. "
                "The worker was replaced." if limit else
                "The query stopped its worker process (it crashed the engine); the worker was replaced.",
                hint=_MEMORY_HINT) from None
        if reply is None:
            self._replace(worker)
            raise errors.QueryTimeout(
                f"The query ran longer than the {timeout:g} s limit and was stopped.",
                hint="Make the query more selective (LIMIT, more specific patterns); "
                     "an operator can raise the limit with KG_SPARQL_TIMEOUT.",
                timeout=timeout, elapsed=round(time.monotonic() - started, 3))
        self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        _tag, name, message, hint, details = reply
        cls = getattr(errors, name, errors.KGError)
        if not (isinstance(cls, type) and issubclass(cls, errors.KGError)):
            cls = errors.KGError
        raise cls(message, hint=hint, **(details or {}))

    def close(self) -> None:
        if not self.usable():
            return
        self._closed = True
        pids = set(self.workers)
        while True:
            try:
                self._discard(self._idle.get_nowait())
            except queue.Empty:
                break
        for pid in pids:
            _kill(pid)
        _wait_gone(pids, 2.0)                # reaped by the zygote: stop it only after
        with self._lock:
            self._stop_zygote()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_gone(pids, within: float) -> None:
    deadline = time.monotonic() + within
    for pid in list(pids):
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)
