"""The benchmark, one command: ``.venv/bin/python -m bench.run`` (see bench/README.md).

For each size (10k, 100k, 1M quads by default), on the same generated data:
our server (persistent Oxigraph store, several granian workers), ``oxigraph
serve-read-only`` and rdflib-endpoint are started one after the other and measured:
load + validate time, cold start to first answer, peak memory of the process tree,
resource dereference latency, and requests/s with p50/p99 for a cheap lookup, a
resource description and a moderate query mix (wrk, 2 threads, 16 connections).
Raw results go to bench/work/results.json, the report to bench/REPORT.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from server.config import DEFAULTS
from server.generate import generate_dataset
from server.namespaces import DEFAULT_BASE

from . import load, queries, report
from .procs import Server

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
PEER_VENV = BENCH / "work" / "peer-venv"
#: rdflib-endpoint lives in its own venv (FastAPI/uvicorn stack, not our dependencies).
PEER_PIN = "rdflib-endpoint[cli]==0.6.3"
SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
ASK = quote("ASK { ?s ?p ?o }")
#: Our server with the rendered-description cache and the SPARQL answer cache off.
#: The ontology and shapes every server and validator reads: a copy taken when the run
#: starts (``snapshot_schema``), so edits in the working tree during a run change nothing.
SCHEMA = {"ONTOLOGY_DIR": DEFAULTS["ONTOLOGY_DIR"], "SHAPES_DIR": DEFAULTS["SHAPES_DIR"]}
UNCACHED_ENV = report.UNCACHED


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_peer_venv() -> Path:
    exe = PEER_VENV / "bin" / "rdflib-endpoint"
    if not exe.exists():
        print(f"setting up {PEER_VENV} with {PEER_PIN}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_PIN], check=True)
    return exe


def peer_file(data_nq: Path, out: Path, base: str) -> Path:
    """The same quads our server loads, in one N-Quads file for the peers: the data plus
    the ontology in graph:ontology and the shapes in graph:shapes."""
    import pyoxigraph as ox
    with out.open("wb") as f:
        f.write(data_nq.read_bytes())
        for folder, graph in ((SCHEMA["ONTOLOGY_DIR"], "ontology"),
                              (SCHEMA["SHAPES_DIR"], "shapes")):
            g = ox.NamedNode(base + "graph/" + graph)
            for path in sorted(Path(folder).glob("*.ttl")):
                quads = [ox.Quad(t.subject, t.predicate, t.object, g)
                         for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
                f.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    return out


def validation_run(engine: str, data: Path, timeout: float, log: Path) -> dict:
    """Parse + validate in a separate process (killed at ``timeout``)."""
    cmd = [sys.executable, "-m", "bench.validate", "--engine", engine, "--data", str(data.parent),
           "--ontology", SCHEMA["ONTOLOGY_DIR"], "--shapes", SCHEMA["SHAPES_DIR"]]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"did not finish in {timeout:.0f} s"}
    log.write_text(proc.stdout + proc.stderr)
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            return {"engine": engine, **json.loads(line)}
    return {"engine": engine, "error": (proc.stderr.strip().splitlines() or ["no output"])[-1],
            "wall_s": round(time.perf_counter() - started, 2)}


def measure(server: Server, base_url: str, paths: dict[str, tuple[list[str], str]],
            args, work: Path) -> dict:
    """Sequential latency and load runs for each request family of one running server."""
    out: dict = {}
    for family, (family_paths, accept) in paths.items():
        bad = load.check_paths(base_url, family_paths, accept)
        if bad:
            out[family] = {"error": "; ".join(bad)}
            continue
        entry = {"sequential": load.sequential_latency(base_url, family_paths, accept,
                                                       args.sequential)}
        runner = load.run_wrk if (load.wrk_available() and not args.python_load) else load.run_python
        entry["load"] = runner(base_url, family_paths, accept, work=work / family,
                               duration=args.duration)
        out[family] = entry
        print(f"    {server.name:16} {family:10} {entry['load']['rps']:>9} req/s  "
              f"p50 {entry['load']['p50_ms']} ms  p99 {entry['load']['p99_ms']} ms", flush=True)
    return out


def bench_size(size: int, args, work: Path) -> dict:
    base = DEFAULT_BASE
    root = work / f"size-{size}"
    data_dir = root / "data"
    shutil.rmtree(root, ignore_errors=True)
    result: dict = {"size": size}

    print(f"== {size:,} quads", flush=True)
    result["generate"] = generate_dataset(data_dir, size, seed=args.seed, base=base)
    data_nq = Path(result["generate"]["path"])
    all_nq = peer_file(data_nq, root / "all.nq", base)
    iris = queries.sample_iris(data_nq, base)
    timeout = 120 + size / 1_000_000 * args.start_timeout_per_million

    # -- validation engines, in-process pipelines (parse + validate) ----------------
    result["validation"] = []
    for engine in args.engines:
        if engine == "pyshacl" and size > args.pyshacl_max:
            result["validation"].append({"engine": engine, "skipped":
                                         f"above --pyshacl-max {args.pyshacl_max:,}"})
            continue
        print(f"  validating with {engine}", flush=True)
        result["validation"].append(validation_run(engine, data_nq, args.validate_timeout,
                                                   root / f"validate-{engine}.log"))

    families_sparql = lambda ep: {  # noqa: E731 - small table per endpoint path
        "cheap": (queries.cheap_paths(ep, iris), SPARQL_JSON),
        "describe": (queries.describe_paths(ep, iris), TURTLE),
        "moderate": (queries.moderate_paths(ep, iris, base), SPARQL_JSON),
    }

    # -- our server ---------------------------------------------------------------
    if "ours" in args.servers:
        port = free_port()
        store = root / "store"
        env = {"KG_DATA_DIR": str(data_dir), "KG_STORE_BACKEND": "oxigraph",
               "KG_ONTOLOGY_DIR": SCHEMA["ONTOLOGY_DIR"], "KG_SHAPES_DIR": SCHEMA["SHAPES_DIR"],
               "KG_STORE_PATH": str(store),
               # wrk is one address playing many readers: no per-client cap in the benchmark
               "KG_CLIENT_MAX_QUERIES": "1000",
               **dict(kv.split("=", 1) for kv in args.ours_env)}
        # --allow-invalid: the benchmark measures serving; the SHACL verdict on the data is
        # in the validation table (a refusal to serve would void the whole size).
        cmd = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--allow-invalid", *args.ours_arg]
        url = f"http://127.0.0.1:{port}"
        ours = Server("ours", cmd, f"{url}/sparql?query={ASK}", env=env, log=root / "ours.log",
                      headers={"Accept": SPARQL_JSON})
        entry: dict = {"command": " ".join(cmd[1:]), "env": env}
        families = {"cheap": families_sparql("/sparql")["cheap"],
                    "dereference": (queries.dereference_paths(base, iris), TURTLE),
                    "describe": families_sparql("/sparql")["describe"],
                    "moderate": families_sparql("/sparql")["moderate"]}
        try:
            try:                                                       # parse + validate + store
                entry["first_start_s"] = round(ours.start(min(timeout, args.first_start_timeout)), 3)
            except TimeoutError as exc:
                # validation did not finish: say so, build the store without it so the
                # serving figures still exist (measured separately, never as the first start)
                entry["first_start_error"] = str(exc)
                print(f"  ours: first start: {exc}; building the store without validation", flush=True)
                ours.stop()
                env = {**env, "KG_VALIDATE_ON_START": "false"}     # for every later start too
                entry["env"] = env
                ours = Server("ours", cmd, ours.probe_url, env=env, log=root / "ours.log",
                              headers={"Accept": SPARQL_JSON})
                entry["build_without_validation_s"] = round(ours.start(timeout), 3)
            entry["first_start_memory"] = ours.stop()
            entry["cold_start_s"] = round(ours.start(timeout), 3)    # reopen persistent store
            entry["requests"] = measure(ours, url, families, args, root / "wrk-ours")
        except (RuntimeError, TimeoutError) as exc:
            entry["error"] = str(exc)
            print(f"  ours: {exc}", flush=True)
        entry["memory"] = ours.stop()
        result["ours"] = entry

        # -- the same server with both answer caches off (the uncached figures) --------
        if "ours-uncached" in args.servers and "requests" in entry:
            uncached = Server("ours-uncached", cmd, ours.probe_url,
                              env={**env, **UNCACHED_ENV}, log=root / "ours-uncached.log",
                              headers={"Accept": SPARQL_JSON})
            other: dict = {"env": UNCACHED_ENV}
            try:
                other["cold_start_s"] = round(uncached.start(timeout), 3)
                other["requests"] = measure(uncached, url, families, args, root / "wrk-ours-uncached")
            except (RuntimeError, TimeoutError) as exc:
                other["error"] = str(exc)
            other["memory"] = uncached.stop()
            result["ours-uncached"] = other

    # -- oxigraph serve-read-only -----------------------------------------------------
    if "oxigraph" in args.servers:
        location = root / "oxigraph-db"
        exe = str(VENV_BIN / "oxigraph")
        started = time.perf_counter()
        subprocess.run([exe, "load", "--location", str(location), "--file", str(all_nq)],
                       check=True, capture_output=True)
        entry = {"load_s": round(time.perf_counter() - started, 3)}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [exe, "serve-read-only", "--location", str(location), "--bind",
               f"127.0.0.1:{port}", "--union-default-graph"]
        peer = Server("oxigraph", cmd, f"{url}/query?query={ASK}", log=root / "oxigraph.log",
                      headers={"Accept": SPARQL_JSON})
        try:
            entry["cold_start_s"] = round(peer.start(timeout), 3)
            entry["requests"] = measure(peer, url, families_sparql("/query"), args,
                                        root / "wrk-oxigraph")
        except (RuntimeError, TimeoutError) as exc:
            entry["error"] = str(exc)
        entry["memory"] = peer.stop()
        result["oxigraph"] = entry

    # -- rdflib-endpoint --------------------------------------------------------------
    if "rdflib-endpoint" in args.servers:
        exe = str(ensure_peer_venv())
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [exe, "serve", str(all_nq), "--host", "127.0.0.1", "--port", str(port)]
        peer = Server("rdflib-endpoint", cmd, f"{url}/?query={ASK}",
                      log=root / "rdflib-endpoint.log", headers={"Accept": SPARQL_JSON})
        entry = {}
        try:
            entry["cold_start_s"] = round(peer.start(timeout * 2), 3)   # includes parsing
            entry["requests"] = measure(peer, url, families_sparql("/"), args,
                                        root / "wrk-rdflib-endpoint")
        except (RuntimeError, TimeoutError) as exc:
            entry["error"] = str(exc)
        entry["memory"] = peer.stop()
        result["rdflib-endpoint"] = entry

    if not args.keep:
        for heavy in ("all.nq", "oxigraph-db", "store"):
            path = root / heavy
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return result


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                   default=[10_000, 100_000, 1_000_000],
                   help="comma-separated quad counts (default 10000,100000,1000000)")
    p.add_argument("--duration", type=int, default=8, help="seconds of each load run (default 8)")
    p.add_argument("--sequential", type=int, default=200,
                   help="requests of each one-at-a-time latency run (default 200)")
    p.add_argument("--servers", default="ours,ours-uncached,oxigraph,rdflib-endpoint",
                   type=lambda s: s.split(","),
                   help="which servers to run (ours-uncached: ours again with both answer caches off)")
    p.add_argument("--engines", default="turbo,pyshacl", type=lambda s: s.split(","),
                   help="validation engines to time (turbo = server.validation_fast)")
    p.add_argument("--pyshacl-max", type=int, default=10_000,
                   help="largest size validated with pySHACL (about 100 s at 10k with our shapes)")
    p.add_argument("--validate-timeout", type=float, default=240.0)
    p.add_argument("--first-start-timeout", type=float, default=240.0,
                   help="longest wait for our first start (parse, validate, build); past it the "
                        "store is built without validation so the serving figures still exist")
    p.add_argument("--start-timeout-per-million", type=float, default=300.0,
                   help="extra seconds a server may take to answer, per million quads")
    p.add_argument("--ours-env", action="append", default=[], metavar="KG_X=VALUE",
                   help="extra environment for our server (repeatable)")
    p.add_argument("--ours-arg", action="append", default=[], metavar="ARG",
                   help="extra argument of `python -m server serve` (repeatable)")
    p.add_argument("--python-load", action="store_true",
                   help="use the Python load generator even if wrk is installed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", default=str(BENCH / "work"), help="scratch folder (git-ignored)")
    p.add_argument("--report", default=str(BENCH / "REPORT.md"))
    p.add_argument("--keep", action="store_true", help="keep stores and peer files")
    p.add_argument("--render", metavar="RESULTS_JSON",
                   help="measure nothing: write the report again from a results.json")
    return p.parse_args(argv)


def snapshot_schema(work: Path) -> None:
    for key, name in (("ONTOLOGY_DIR", "ontology"), ("SHAPES_DIR", "shapes")):
        copy = work / "schema" / name
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(DEFAULTS[key], copy)
        SCHEMA[key] = str(copy)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:                       # the report text changed, the figures did not
        Path(args.report).write_text(report.render(json.loads(Path(args.render).read_text())))
        print(f"report written to {args.report} from {args.render}")
        return 0
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    snapshot_schema(work)
    started = time.perf_counter()
    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "args": vars(args),
               "machine": report.machine(), "versions": report.versions(PEER_VENV),
               "sizes": []}
    for size in args.sizes:
        results["sizes"].append(bench_size(size, args, work))
        results["total_s"] = round(time.perf_counter() - started, 1)
        (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
        Path(args.report).write_text(report.render(results))
    print(f"report written to {args.report} ({results['total_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
