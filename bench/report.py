"""Render bench results (the dict bench.run builds) as bench/REPORT.md: machine,
versions, raw numbers, ratios against the peers, and the issue's targets."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PEERS = ("oxigraph", "oxigraph-union-flag", "rdflib-endpoint")
SERVERS = ("ours", "ours-uncached", *PEERS)
#: oxigraph's own requests/s varying more than this (max-min over median) between the
#: repeats of one figure: the machine was disturbed.
MAX_PEER_SPREAD = 0.15
UNCACHED = {"KG_RESPONSE_CACHE_ENTRIES": "0", "KG_QUERY_CACHE_ENTRIES": "0"}   # = bench.run.UNCACHED_ENV


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        mem_gb = round(int(mem.split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        mem_gb = None
    return {"os": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb,
            "python": platform.python_version()}


def _run(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not available"


def versions(peer_venv: Path) -> dict:
    found = {}
    for dist in ("rdflib", "pyoxigraph", "oxigraph", "pyshacl", "pyshacl-turbo", "Flask",
                 "granian"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    bin_dir = Path(sys.executable).parent
    found["oxigraph (binary)"] = _run([str(bin_dir / "oxigraph"), "--version"])
    found["rdflib-endpoint"] = _run([str(peer_venv / "bin" / "python"), "-c",
                                     "import importlib.metadata as m; "
                                     "print(m.version('rdflib-endpoint'), 'with rdflib',"
                                     " m.version('rdflib'), 'uvicorn', m.version('uvicorn'))"])
    found["wrk"] = _run(["wrk", "-v"])
    found["project commit"] = _run(["git", "-C", str(Path(__file__).parent), "rev-parse",
                                    "--short", "HEAD"])
    return found


# -- helpers --------------------------------------------------------------------------

def _get(entry: dict, *keys, default=None):
    for key in keys:
        if not isinstance(entry, dict) or key not in entry:
            return default
        entry = entry[key]
    return entry


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        value = f"{value:,.1f}" if value >= 100 else f"{value:.3g}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _ratio(a, b) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"


def _load(size: dict, server: str, family: str) -> dict:
    return _get(size, server, "requests", family, "load", default={}) or {}


def _deref_family(server: str) -> str:
    """Our resource pages are dereferenced; the peers answer the same DESCRIBE over SPARQL."""
    return "dereference" if server == "ours" else "describe"


# -- sections -------------------------------------------------------------------------

def _requests_table(size: dict, key: str = "requests") -> list[str]:
    lines = ["| server | request | paths | req/s median (min-max) | p50 ms | p99 ms | max ms | errors "
             "| others' cores (max) | load before (1, 5, 15 min) / max during | one-at-a-time p50 / p99 ms |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for server in SERVERS:
        families = _get(size, server, key, default={}) or {}
        for family, entry in families.items():
            if "error" in entry:
                lines.append(f"| {server} | {family} | error: {entry['error'][:120]} |||||||||")
                continue
            ld, seq = entry["load"], entry.get("sequential") or {}
            errors = ld.get("status_errors", 0) + ld.get("socket_errors", 0)
            spread = (f" ({_fmt(ld['rps_min'])}-{_fmt(ld['rps_max'])})" if "rps_min" in ld else "")
            lines.append(f"| {server} | {family} | {entry.get('paths', '')} | {_fmt(ld['rps'])}{spread} | "
                         f"{ld['p50_ms']} | {ld['p99_ms']} | {ld['max_ms']} | {errors} | "
                         f"{ld.get('foreign_cores_max', '')} | {ld.get('load_before', '')} / "
                         f"{ld.get('load_during_max', '')} | "
                         f"{seq.get('p50_ms', '')} / {seq.get('p99_ms', '')} |")
    return lines


def disturbances(results: dict) -> list[str]:
    """Why the figures of ``results`` are not results: a busy machine before the run,
    other processes taking CPU during a run, oxigraph's own figure unstable."""
    from .quiet import QUIET_FOREIGN_CORES, QUIET_LOAD
    args = results.get("args", {})
    limit = args.get("quiet_load", QUIET_LOAD)
    spread_limit = args.get("max_spread", MAX_PEER_SPREAD)
    out = []
    if args.get("repeats", 3) < 3:
        out.append(f"{args['repeats']} run(s) per figure: a median of at least 3 with its spread "
                   "is what the report stands on")
    before = results.get("load_before")
    if before and before[0] > limit:
        out.append(f"1-minute load average {before[0]} (above {limit}) when the benchmark began")
    for size in results["sizes"]:
        for server in SERVERS:
            for key, mode in (("requests", "hot"), ("cold", "cold")):
                for family, entry in (_get(size, server, key, default={}) or {}).items():
                    ld = entry.get("load") or {}
                    where = f"{size['size']:,} {server} {mode} {family}"
                    if ld.get("foreign_cores_max", 0) > QUIET_FOREIGN_CORES:
                        out.append(f"{where}: other processes took {ld['foreign_cores_max']} "
                                   f"cores during a run (limit {QUIET_FOREIGN_CORES})")
                    if server.startswith("oxigraph") and (ld.get("spread") or 0) > spread_limit:
                        out.append(f"{where}: oxigraph's req/s varied {ld['spread']:.0%} between "
                                   f"repeats ({_fmt(ld['rps_min'])}-{_fmt(ld['rps_max'])}; "
                                   f"limit {spread_limit:.0%})")
    return out


def _startup_table(size: dict) -> list[str]:
    lines = ["| server | load (+ validate) s | cold start to first answer s | peak RSS total MB (PSS) | processes | per process RSS MB |",
             "|---|---:|---:|---:|---:|---|"]
    ours = size.get("ours", {})
    if ours:
        first = ours.get("first_start_s")
        if first is None and ours.get("first_start_error"):
            first = f"did not finish: {ours['first_start_error'].split(';')[0]}"
        lines.append(f"| ours (first start: parse, validate, build store) | "
                     f"{_fmt(first)} | | "
                     f"{_fmt(_get(ours, 'first_start_memory', 'peak_total_mb'))} ({_fmt(_get(ours, 'first_start_memory', 'peak_pss_mb'))}) | "
                     f"{_fmt(_get(ours, 'first_start_memory', 'processes'))} | "
                     f"{_get(ours, 'first_start_memory', 'per_process_mb', default='')} |")
        if ours.get("build_without_validation_s") is not None:
            lines.append(f"| ours (first start without validation: parse, build store) | "
                         f"{_fmt(ours['build_without_validation_s'])} | | | | |")
        lines.append(f"| ours (restart on the persistent store, under load) | | "
                     f"{_fmt(ours.get('cold_start_s'))} | {_fmt(_get(ours, 'memory', 'peak_total_mb'))} ({_fmt(_get(ours, 'memory', 'peak_pss_mb'))}) | "
                     f"{_fmt(_get(ours, 'memory', 'processes'))} | "
                     f"{_get(ours, 'memory', 'per_process_mb', default='')} |")
    for peer in PEERS:
        entry = size.get(peer)
        if entry:
            load_s = entry.get("load_s", "(in cold start)")
            lines.append(f"| {peer} | {_fmt(load_s)} | {_fmt(entry.get('cold_start_s'))} | "
                         f"{_fmt(_get(entry, 'memory', 'peak_total_mb'))} ({_fmt(_get(entry, 'memory', 'peak_pss_mb'))}) | "
                         f"{_fmt(_get(entry, 'memory', 'processes'))} | "
                         f"{_get(entry, 'memory', 'per_process_mb', default='')} |")
    for server in SERVERS:
        if _get(size, server, "error"):
            lines.append(f"\n**{server} failed:** {size[server]['error']}")
    return lines


def _validation_table(size: dict) -> list[str]:
    lines = ["| engine | parse s | validate s | total s | peak RSS MB | conforms | results (violations / warnings) |",
             "|---|---:|---:|---:|---:|---|---|"]
    for v in size.get("validation", []):
        if "skipped" in v or "error" in v:
            lines.append(f"| {v['engine']} | {v.get('skipped') or v.get('error')} ||||||")
        else:
            lines.append(f"| {v['engine']} | {v['parse_s']} | {v['validate_s']} | {v['total_s']} | "
                         f"{_fmt(v.get('peak_rss_mb'))} | {v['conforms']} | {v['results']} ({v['violations']} / {v['warnings']}) |")
    return lines


def _ratios(size: dict, key: str = "requests") -> list[str]:
    lines = ["| request | ours req/s | vs oxigraph | vs oxigraph (union flag) | vs rdflib-endpoint | "
             "ours uncached req/s | uncached vs oxigraph | uncached vs oxigraph (union flag) | "
             "uncached vs rdflib-endpoint |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    get = lambda server, family: (_get(size, server, key, family, "load", default={}) or {}).get("rps")  # noqa: E731
    for family in ("cheap", "dereference", "describe", "moderate"):
        ours, bare = get("ours", family), get("ours-uncached", family)
        peer_family = "describe" if family == "dereference" else family
        ox, oxu, rep = (get(p, peer_family) for p in PEERS)
        lines.append(f"| {family}{' (peers: DESCRIBE)' if family == 'dereference' else ''} | "
                     f"{_fmt(ours)} | {_ratio(ours, ox)} | {_ratio(ours, oxu)} | {_ratio(ours, rep)} | "
                     f"{_fmt(bare)} | {_ratio(bare, ox)} | {_ratio(bare, oxu)} | {_ratio(bare, rep)} |")
    return lines


def targets(results: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows; verdict is met / NOT met / not measured."""
    by_size = {s["size"]: s for s in results["sizes"]}
    rows = []

    def verdict(ok):
        return "not measured" if ok is None else ("met" if ok else "NOT met")

    def both(cached: str, uncached: str) -> str:
        """The verdict of the default configuration (answer caches on), and without them."""
        return cached if uncached == cached else f"{cached} with the caches; {uncached} without"

    for n in (100_000, 1_000_000):
        size = by_size.get(n)
        ours = _load(size, "ours", "moderate").get("rps") if size else None
        ox = _load(size, "oxigraph", "moderate").get("rps") if size else None
        rep = _load(size, "rdflib-endpoint", "moderate").get("rps") if size else None
        bare = _load(size, "ours-uncached", "moderate").get("rps") if size else None
        ok = None if not (ours and ox and rep) else (ours >= ox and ours >= 10 * rep)
        bare_ok = None if not (bare and ox and rep) else (bare >= ox and bare >= 10 * rep)
        rows.append((f"moderate mix at {n:,}: >= 1.0x oxigraph and >= 10x rdflib-endpoint",
                     f"{_ratio(ours, ox)} / {_ratio(ours, rep)} (uncached: {_ratio(bare, ox)} / "
                     f"{_ratio(bare, rep)})", both(verdict(ok), verdict(bare_ok))))
    for family in ("cheap", "dereference"):
        measured, oks, bare_oks = [], [], []
        for n, size in sorted(by_size.items()):
            ours = _load(size, "ours", family).get("rps")
            bare = _load(size, "ours-uncached", family).get("rps")
            rep = _load(size, "rdflib-endpoint", "describe" if family == "dereference" else family).get("rps")
            if ours and rep:
                measured.append(f"{n:,}: {_ratio(ours, rep)} (uncached {_ratio(bare, rep)})")
                oks.append(ours >= 2.5 * rep)
                if bare:
                    bare_oks.append(bare >= 2.5 * rep)
        rows.append((f"{family}: >= 2.5x rdflib-endpoint", ", ".join(measured) or "n/a",
                     both(verdict(all(oks) if oks else None),
                          verdict(all(bare_oks) if bare_oks else None))))
        big = by_size.get(1_000_000)
        p99 = _load(big, "ours", family).get("p99_ms") if big else None
        bare99 = _load(big, "ours-uncached", family).get("p99_ms") if big else None
        rows.append((f"{family}: p99 under 20 ms at 1,000,000 (wrk, 16 connections)",
                     f"{_fmt(p99, ' ms')} (uncached {_fmt(bare99, ' ms')})",
                     both(verdict(None if p99 is None else p99 < 20),
                          verdict(None if bare99 is None else bare99 < 20))))
    big = by_size.get(1_000_000)
    fast = [v for v in (big or {}).get("validation", []) if v.get("engine") == "turbo" and "total_s" in v]
    total = fast[0]["total_s"] if fast else None
    rows.append(("1M quads loaded and validated in <= 30 s (parse + turbo validation)",
                 _fmt(total, " s"), verdict(None if total is None else total <= 30)))
    rows.append(("1M: the validate pipeline alone (parse + every check, turbo) <= 20 s (issue 13)",
                 _fmt(total, " s"), verdict(None if total is None else total <= 20)))
    peak = fast[0].get("peak_rss_mb") if fast else None
    rows.append(("1M: peak RSS of the validate pipeline <= 1.5 GB (issue 13)",
                 _fmt(peak, " MB"), verdict(None if peak is None else peak <= 1536)))
    first_mb = _get(big, "ours", "first_start_memory", "peak_total_mb") if big else None
    rows.append(("1M: peak RSS of our first start <= 1.5 GB (issue 13)",
                 _fmt(first_mb, " MB"), verdict(None if first_mb is None else first_mb <= 1536)))
    first = _get(big, "ours", "first_start_s") if big else None
    failed = _get(big, "ours", "first_start_error") if big else None
    rows.append(("1M: our server's first start (parse, validate, build store) <= 30 s",
                 f"did not finish: {failed.split(';')[0]}" if failed and first is None else _fmt(first, " s"),
                 "NOT met" if failed and first is None else verdict(None if first is None else first <= 30)))
    shipped = results.get("shipped_validate") or {}
    walls = sorted(shipped.get("wall_s") or [])
    median = walls[len(walls) // 2] if walls else None
    rows.append(("the shipped data validates in <= 1 s wall (`python -m server validate`, issue 13)",
                 f"median {_fmt(median, ' s')} ({walls[0]}–{walls[-1]} s, exit {shipped.get('exit_codes')})"
                 if walls else "n/a",
                 verdict(None if median is None else median <= 1.0 and not any(shipped.get("exit_codes")))))
    colds = [(n, _get(s, "ours", "cold_start_s")) for n, s in sorted(by_size.items())]
    colds = [(n, c) for n, c in colds if c is not None]
    rows.append(("cold start from a persistent store <= 2 s",
                 ", ".join(f"{n:,}: {c} s" for n, c in colds) or "n/a",
                 verdict(all(c <= 2 for _, c in colds) if colds else None)))
    return rows


def _targets13(results: dict) -> list[str]:
    from . import targets as issue13
    return issue13.render(results)


def render(results: dict) -> str:
    noise = disturbances(results)
    warning = ([f"> **WARNING: THE MACHINE WAS NOT QUIET. These figures are not results; "
                f"re-run on a quiet machine.** ({len(noise)} signs)", ">"]
               + [f"> - {n}" for n in noise[:30]] + [""]) if noise else []
    out = ["# Benchmark report", "", *warning,
           "Written by `.venv/bin/python -m bench.run` (see bench/README.md) "
           f"on {results['started']}; the whole run took {results.get('total_s', '?')} s. "
           "Figures vary from run to run on a shared 2-core machine: compare ratios.", "",
           "## Machine", ""]
    out += [f"- {k}: {v}" for k, v in results["machine"].items()]
    out += ["", "## Versions", ""]
    out += [f"- {k}: {v}" for k, v in results["versions"].items()]
    args = results["args"]
    out += ["", "## Method", "",
            f"- Sizes: {', '.join(f'{n:,}' for n in args['sizes'])} quads of synthetic data "
            f"(`server.generate`, seed {args['seed']}), plus the ontology and shapes; every "
            "server gets the same quads (the peers one N-Quads file, ours the data folder).",
            "- Servers run one at a time on 127.0.0.1. Ours: `python -m server serve` on a "
            "persistent Oxigraph store (`KG_STORE_PATH`), with its default protections "
            "(sandbox, timeouts, row cap); oxigraph: `oxigraph serve-read-only` after "
            "`oxigraph load`, in two configurations (below); rdflib-endpoint: "
            "`rdflib-endpoint serve all.nq` (one uvicorn process, rdflib in memory).",
            f"- Load: {'a Python load generator' if args['python_load'] else 'wrk'}, "
            f"2 threads, 16 connections, {args['duration']} s per request family, cycling through "
            "200 sampled subjects (cheap: `SELECT ?p ?o WHERE { <s> ?p ?o }`; describe: "
            "`DESCRIBE <person>` as Turtle; dereference: GET of our person page as Turtle; "
            "moderate: 5 templates (timeline, pardon/release join, name prefix search, "
            "facts per source graph, releases in a month), see bench/queries.py). "
            f"One-at-a-time latency: {args['sequential']} sequential requests.",
            "- Caches (ours): the data does not change while a server runs, so each server "
            "process keeps a bounded LRU of rendered resource descriptions "
            "(`server/web/cache.py`, key: IRI, format, incoming page, request base), replayed "
            "whole before Flask runs by the front cache (`server/web/front.py`, same bounds), and of "
            "serialized SPARQL answers (`server/store/__init__.py`, key: query text, format, "
            "dataset, row cap; never for NOW/RAND/UUID/STRUUID/BNODE). The load cycles through "
            "200 subjects, so after the first lap most answers come from these caches. "
            "`ours-uncached` is the same server with both caches off "
            f"({', '.join(f'`{k}={v}`' for k, v in UNCACHED.items())}): the cost of computing "
            "every answer. Verdicts name both when they differ.",
            "- Memory: peak RSS summed over the server's whole process tree (sampled every "
            "0.25 s; pages shared by forked workers count once per process), the peak PSS "
            "(shared pages counted once in total) in parentheses, and each process's RSS.",
            "- Sandbox (ours): the cheap family is one triple pattern, which the sandbox "
            "classifies as bounded and the embedded store answers in the request thread (cut "
            "at the row cap); describe and moderate queries run in the time-limited worker "
            "processes.",
            "- Validation: a separate process (`python -m bench.validate`) runs the server's "
            "own `validate` pipeline (`server.startup`: the loader parses each file once, "
            "pyoxigraph for N-Quads; then every check, SHACL on the stream of the parsed data) "
            "with pyshacl-turbo (`server.validation_fast`) and with "
            f"pySHACL (`server.validation`) up to {args['pyshacl_max']:,} quads; peak RSS is "
            "that process's.",
            f"- Repeats: every load figure is the median of {args.get('repeats', 1)} runs of "
            f"{args['duration']} s, with the min-max of requests/s beside it. Before each run the "
            "load average is recorded; during it, the CPU time of every other process (not the "
            "server's process tree, not wrk, not the harness): `others' cores`.",
            f"- Modes: hot cycles through 200 sampled subjects, after an untimed {args.get('warmup', 0)} s "
            "run (our answer caches then serve them); cold cycles through more distinct subjects, and "
            "moderate query texts, than our caches hold per process ("
            + "; ".join(f"{s_['size']:,}: {s_['cold']['subjects']:,} subjects for caches of "
                        f"{', '.join(f'{k}={v:,}' for k, v in s_['cold']['cache_entries'].items())}"
                        + ("" if s_['cold']['exceeds_caches'] else " - NOT MORE: cold figures partly cached")
                        for s_ in results["sizes"] if "cold" in s_)
            + "); wrk's threads start half a list apart, so no request finds its answer cached.",
            "- oxigraph: `oxigraph` is its best configuration, the union of the named graphs "
            "materialized in the default graph at load (each quad loaded again as a default-graph "
            "triple), as our store "
            "does, served without a flag; `oxigraph-union-flag` is `serve-read-only "
            "--union-default-graph` (a union computed per query).",
            "", "## Targets (issue 13)", ""]
    out += _targets13(results)
    out += ["", "## Targets (issue 5)", "", "| target | measured | verdict |", "|---|---|---|"]
    out += [f"| {t} | {m} | {v} |" for t, m, v in targets(results)]
    for size in results["sizes"]:
        gen = size.get("generate", {})
        out += ["", f"## {size['size']:,} quads", "",
                f"Generated {gen.get('triples', '?'):,} quads in {gen.get('articles', '?')} source "
                f"graphs ({gen.get('events', '?')} events) in {gen.get('seconds', '?')} s.", "",
                "### Ratios (ours / peer, requests per second)", ""]
        out += _ratios(size)
        out += ["", "### Requests", ""] + _requests_table(size)
        if any(_get(size, srv, "cold") for srv in SERVERS):
            out += ["", "### Ratios, cold mode", ""] + _ratios(size, "cold")
            out += ["", "### Requests, cold mode", ""] + _requests_table(size, "cold")
        out += ["", "### Load, start and memory", ""] + _startup_table(size)
        out += ["", "### Validation", ""] + _validation_table(size)
    out += [""]
    return "\n".join(out)
