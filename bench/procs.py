"""Start a server process, wait for its first answer, sample the memory of its process
tree, stop it. Linux only (reads /proc)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree_pss(pids) -> int:
    """Proportional set size summed over ``pids``: shared pages (a store mapped or
    inherited by several workers) are counted once in total, unlike RSS."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def tree_rss(root: int) -> dict[int, int]:
    """RSS in bytes of ``root`` and all its descendants, by pid."""
    kids, out, todo = _children(), {}, [root]
    while todo:
        pid = todo.pop()
        try:
            rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError):
            continue
        out[pid] = rss_pages * PAGE
        todo.extend(kids.get(pid, []))
    return out


@dataclass
class MemorySampler:
    """Samples the process tree every ``interval`` s; keeps the peak total and the
    per-process RSS at that moment."""
    root: int
    interval: float = 0.25
    peak_total: int = 0
    peak_pss: int = 0
    at_peak: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            sample = tree_rss(self.root)
            total = sum(sample.values())
            if total > self.peak_total:
                self.peak_total, self.at_peak = total, sample
            self.peak_pss = max(self.peak_pss, tree_pss(sample))
            self._stop.wait(self.interval)

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        return {"peak_total_mb": round(self.peak_total / 2**20, 1),
                "peak_pss_mb": round(self.peak_pss / 2**20, 1),
                "processes": len(self.at_peak),
                "per_process_mb": sorted((round(v / 2**20, 1) for v in self.at_peak.values()),
                                         reverse=True)}


class Server:
    """A server under test: started with ``start()``, ready when ``probe_url`` answers 2xx."""

    def __init__(self, name: str, cmd: list[str], probe_url: str, *, env: dict | None = None,
                 log: Path, headers: dict | None = None):
        self.name, self.cmd, self.probe_url = name, cmd, probe_url
        self.env = {**os.environ, **(env or {})}
        self.log, self.headers = log, headers or {}
        self.proc: subprocess.Popen | None = None
        self.sampler: MemorySampler | None = None

    def start(self, timeout: float) -> float:
        """Spawn and wait for the first 2xx answer; return seconds from spawn to it."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.sampler = MemorySampler(self.proc.pid)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                r = requests.get(self.probe_url, headers=self.headers, timeout=2)
                if r.ok:
                    return time.perf_counter() - started
                if r.status_code in (400, 404, 405, 406):     # up, but asked the wrong way
                    self.stop()
                    raise RuntimeError(f"{self.name} answered {r.status_code} to the probe "
                                       f"{self.probe_url}: {r.text[:200]}")
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.name} gave no answer within {timeout:.0f} s; see {self.log}")

    def stop(self) -> dict:
        """Stop the whole process group (only what we started); return the memory summary."""
        memory = self.sampler.stop() if self.sampler else {}
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return memory
