"""Load generation: wrk (Debian package) with bench/mix.lua, or a Python fallback with
the same shape (fixed connections cycling through a list of request paths)."""
from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

import requests

MIX_LUA = Path(__file__).with_name("mix.lua")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, paths: list[str], accept: str, *, work: Path, duration: int,
            threads: int = 2, connections: int = 16) -> dict:
    """Run wrk over ``paths`` (cycled); return rps, p50/p90/p99/max latency in ms, errors."""
    work.mkdir(parents=True, exist_ok=True)
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(MIX_LUA), base_url, "--", str(listing), accept, str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    for line in out.splitlines():
        if line.startswith("WRK_JSON "):
            return {"tool": "wrk", **json.loads(line[len("WRK_JSON "):])}
    raise RuntimeError(f"wrk printed no summary:\n{out}")


def run_python(base_url: str, paths: list[str], accept: str, *, duration: int,
               connections: int = 16, **_) -> dict:
    """Equivalent load with ``connections`` keep-alive threads (slower client than wrk)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker(offset: int):
        session, i, mine = requests.Session(), offset, []
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok = session.get(base_url + paths[i % len(paths)], headers={"Accept": accept},
                                 timeout=10).ok
            except requests.RequestException:
                ok = False
            mine.append(time.perf_counter() - t0)
            if not ok:
                with lock:
                    errors[0] += 1
            i += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    return {"tool": "python", **summarize(latencies, elapsed), "status_errors": errors[0],
            "socket_errors": 0}


def repeated(run, repeats: int, server_pid: int | None) -> dict:
    """``run()`` (one load run) ``repeats`` times: the median of each figure, the spread
    (min-max) of requests/s, and for each run the load average before/after and the
    cores other processes took during it (``bench.quiet``)."""
    from .quiet import ForeignCpu
    runs = []
    for _ in range(repeats):
        with ForeignCpu(server_pid) as watch:
            one = run()
        runs.append({**one, **watch.result()})
    med = {key: round(statistics.median(r[key] for r in runs), 3)
           for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")}
    rps = [r["rps"] for r in runs]
    return {"tool": runs[0]["tool"], **med, "rps_min": min(rps), "rps_max": max(rps),
            "spread": round((max(rps) - min(rps)) / med["rps"], 3) if med["rps"] else None,
            "requests": sum(r.get("requests", 0) for r in runs),
            "status_errors": sum(r.get("status_errors", 0) for r in runs),
            "socket_errors": sum(r.get("socket_errors", 0) for r in runs),
            "foreign_cores_max": max(r["foreign_cores"] for r in runs),
            "load_before": runs[0]["load_before"],
            "load_during_max": max(r["load_during_max"] for r in runs), "runs": runs}


def summarize(latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"requests": len(ordered), "duration_s": round(elapsed, 3),
            "rps": round(len(ordered) / elapsed, 1), "p50_ms": pct(0.50), "p90_ms": pct(0.90),
            "p99_ms": pct(0.99), "max_ms": pct(1.0)}


def sequential_latency(base_url: str, paths: list[str], accept: str, count: int) -> dict:
    """One client, one request at a time: latency of an unloaded server."""
    session, latencies, errors = requests.Session(), [], 0
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        r = session.get(base_url + paths[i % len(paths)], headers={"Accept": accept}, timeout=30)
        latencies.append(time.perf_counter() - t0)
        errors += not r.ok
    return {**summarize(latencies, time.perf_counter() - started), "status_errors": errors,
            "mean_ms": round(1000 * statistics.fmean(latencies), 3)}


def check_paths(base_url: str, paths: list[str], accept: str, drain: float = 60.0) -> list[str]:
    """The paths (of the first few) that do not answer 2xx: a load run on errors is void.
    A 429 or 503 (the queries of the previous load run still occupy the server's
    workers) is asked again for up to ``drain`` seconds: each run starts on a server
    that finished the last one's work."""
    bad = []
    deadline = time.monotonic() + drain
    for path in paths[:5]:
        while True:
            r = requests.get(base_url + path, headers={"Accept": accept}, timeout=60)
            if r.status_code not in (429, 503) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if not r.ok:
            bad.append(f"{r.status_code} {path[:120]}: {r.text[:200]}")
    return bad
