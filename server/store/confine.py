"""Confinement of a query worker process: what an untrusted query can do at most.

The sandbox (``server.sparql.sandbox``) refuses SERVICE, FROM outside the dataset and
updates; this module makes the dangerous things impossible below it, so one mistake
in the sandbox is not a breach. A worker calls ``confine()`` once, right after it is
forked and before it reads its first job:

* **no network**: a seccomp filter makes ``socket``, ``connect``, ``bind``,
  ``listen``, ``accept``, ``sendto`` with an address, ``sendmsg`` and io_uring fail
  with EPERM, for the worker and every thread it starts (Oxigraph's SERVICE client,
  rdflib's FROM/SERVICE fetchers included). ``execve`` and ``ptrace`` fail too.
  Sockets inherited from the server (its listening socket, client connections) are
  closed first, except the worker's own channel.
* **bounded memory**: RLIMIT_AS caps the address space at what the worker already
  maps plus ``memory_limit`` bytes; a query that needs more fails (an allocation error
  ends the worker; the pool reports it and forks a replacement).
* **dies with its parent**: PR_SET_PDEATHSIG (the zygote that forks workers is
  single-threaded, so "parent thread exits" means "zygote exits").

Backends that must reach the network themselves (the remote SPARQL store) are not
network-confined: for them the sandbox's canonical text is the defence.
"""
from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
import stat

#: Syscalls a confined worker may not make (all fail with EPERM).
DENIED = ("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
          "sendmsg", "sendmmsg", "io_uring_setup", "io_uring_enter", "io_uring_register",
          "execve", "execveat", "ptrace", "process_vm_writev")
_PR_SET_PDEATHSIG = 1


class ConfinementError(RuntimeError):
    """The worker could not be confined (no seccomp on this system, say)."""


def close_inherited_sockets(keep: int) -> int:
    """Release every socket and pipe file descriptor above 2 except ``keep``; returns
    how many. (Files stay: a persistent store's files and its lock are the worker's.)

    Each is replaced by /dev/null at the same number rather than closed: a Python
    object inherited from the parent that still "owns" the number may close it later,
    and must not close a file this process opened since."""
    closed = 0
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd in (keep, devnull) or fd <= 2:
                continue
            try:
                mode = os.fstat(fd).st_mode
                if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
                    os.dup2(devnull, fd)
                    closed += 1
            except OSError:
                pass
    finally:
        os.close(devnull)
    return closed


def deny_network() -> None:
    """Install the seccomp filter (irreversible for this process and its threads)."""
    try:
        import pyseccomp as seccomp
        filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for name in DENIED:
            filt.add_rule(seccomp.ERRNO(errno.EPERM), name)
        # sendto on the worker's connected channel carries no address: allow only that
        filt.add_rule(seccomp.ERRNO(errno.EPERM), "sendto", seccomp.Arg(4, seccomp.NE, 0))
        filt.load()
    except Exception as exc:  # noqa: BLE001 - any failure means "not confined"
        raise ConfinementError(f"seccomp filter not installed: {type(exc).__name__}: {exc}") from None


def vm_size() -> int:
    """This process's mapped address space, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def limit_memory(extra: int) -> None:
    """Cap the address space at what is mapped now plus ``extra`` bytes."""
    cap = vm_size() + extra
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def confine(channel_fd: int, *, network: bool, memory_limit: int | None) -> None:
    """Everything above, in order; raises ConfinementError if the network cannot be denied."""
    die_with_parent()
    if not network:
        close_inherited_sockets(channel_fd)
        deny_network()
    if memory_limit:
        limit_memory(memory_limit)
