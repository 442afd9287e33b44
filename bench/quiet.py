"""Is the machine quiet enough to measure? The load average before a run, and the CPU
time other processes took while it ran.

The 1-minute load average includes the benchmark's own previous run (it decays over
about a minute), so it says whether the machine was quiet when the benchmark began;
during a run, ``ForeignCpu`` counts the CPU time of every process that is neither the
server under test, nor the load generator, nor this one: that is the disturbance.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
#: A 1-minute load average above this before the benchmark begins: not a quiet machine.
QUIET_LOAD = 0.5
#: Other processes using more than this many cores on average during a run: disturbed.
QUIET_FOREIGN_CORES = 0.25


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _busy_seconds() -> float:
    """CPU seconds spent by all processes of the machine since boot (not idle, not iowait)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


def _tree_cpu_seconds(root: int | None) -> float:
    """CPU seconds (user + system) of ``root`` and its living descendants."""
    if root is None:
        return 0.0
    from .procs import tree_rss                       # the process tree, from /proc
    total = 0.0
    for pid in tree_rss(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / TICKS   # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total


def _own_seconds() -> float:
    """This process and its waited-for children (the load generator)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class ForeignCpu:
    """Measure, around one run, the cores other processes used and the 1-minute load
    average before, during (sampled every 0.5 s, its maximum) and after:
    ``with ForeignCpu(server_pid) as watch: ...; watch.result()``."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid

    def __enter__(self):
        self.load_before = loadavg()
        self.load_during: list[float] = []
        self.stop = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        self.t0 = time.monotonic()
        self.busy0, self.own0 = _busy_seconds(), _own_seconds()
        self.server0 = _tree_cpu_seconds(self.server_pid)
        return self

    def _sample(self):
        while not self.stop.wait(0.5):
            self.load_during.append(round(os.getloadavg()[0], 2))

    def __exit__(self, *exc):
        self.stop.set()
        self.sampler.join()
        self.elapsed = time.monotonic() - self.t0
        self.busy = _busy_seconds() - self.busy0
        self.own = _own_seconds() - self.own0
        # a server process that ended during the run takes its CPU time along: the
        # foreign figure is then an overestimate, never an underestimate
        self.server = _tree_cpu_seconds(self.server_pid) - self.server0
        self.load_after = loadavg()
        return False

    def result(self) -> dict:
        foreign = max(0.0, self.busy - self.own - self.server)
        return {"load_before": self.load_before, "load_after": self.load_after,
                "load_during_max": max(self.load_during, default=self.load_after[0]),
                "server_cores": round(self.server / self.elapsed, 2),
                "foreign_cores": round(foreign / self.elapsed, 2)}


def wait_quiet(limit: float, patience: float) -> list[float]:
    """Wait up to ``patience`` seconds for the 1-minute load average to fall to ``limit``;
    return the load average seen last."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(5)
    return loadavg()
