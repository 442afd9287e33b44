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

from . import load, queries, quiet, report
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


def measure(server: Server, base_url: str, modes: dict[str, dict[str, tuple[list[str], str]]],
            args, work: Path) -> dict:
    """For each mode (hot, cold) and request family of one running server: one-at-a-time
    latency (hot mode only) and ``--repeats`` load runs (median, spread, machine load)."""
    out: dict = {}
    pid = server.proc.pid if server.proc else None
    for mode, paths in modes.items():
        if mode not in args.modes:
            continue
        out[mode] = {}
        for family, (family_paths, accept) in paths.items():
            bad = load.check_paths(base_url, family_paths, accept)
            if bad:
                out[mode][family] = {"error": "; ".join(bad)}
                continue
            entry = {"paths": len(family_paths)}
            if mode == "hot" and args.sequential:
                entry["sequential"] = load.sequential_latency(base_url, family_paths, accept,
                                                              args.sequential)
            use_wrk = load.wrk_available() and not args.python_load
            runner = load.run_wrk if use_wrk else load.run_python
            if mode == "hot" and args.warmup:       # steady state: the answers are cached
                runner(base_url, family_paths, accept, work=work / mode / family,
                       duration=args.warmup)
            entry["load"] = load.repeated(
                lambda: runner(base_url, family_paths, accept, work=work / mode / family,
                               duration=args.duration), args.repeats, pid)
            out[mode][family] = entry
            ld = entry["load"]
            print(f"    {server.name:18} {mode:4} {family:11} {ld['rps']:>9} req/s "
                  f"({ld['rps_min']}-{ld['rps_max']})  p50 {ld['p50_ms']} ms  p99 {ld['p99_ms']} ms"
                  f"  others {ld['foreign_cores_max']} cores", flush=True)
    return out


def cache_entries(args) -> dict[str, int]:
    """The entries of our two answer caches per process, as the server under test reads
    them (``--ours-env`` first, then the defaults of ``server/config.py``)."""
    from server.store import QUERY_CACHE_ENTRIES
    env = dict(kv.split("=", 1) for kv in args.ours_env)
    return {"KG_RESPONSE_CACHE_ENTRIES": int(env.get("KG_RESPONSE_CACHE_ENTRIES",
                                                     DEFAULTS["RESPONSE_CACHE_ENTRIES"])),
            "KG_QUERY_CACHE_ENTRIES": int(env.get("KG_QUERY_CACHE_ENTRIES",
                                                  DEFAULTS.get("QUERY_CACHE_ENTRIES", QUERY_CACHE_ENTRIES)))}


def union_file(all_nq: Path) -> Path:
    """Every quad of ``all_nq`` as a triple of the default graph (the loader keeps one
    copy of each): the union of the named graphs, materialized as our store does."""
    import pyoxigraph as ox
    out = all_nq.with_name("union.nq")
    with out.open("wb") as f:
        batch = []
        for q in ox.parse(path=str(all_nq), format=ox.RdfFormat.N_QUADS):
            batch.append(ox.Quad(q.subject, q.predicate, q.object))
            if len(batch) >= 100_000:
                f.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
                batch = []
        f.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
    return out


def oxigraph_db(all_nq: Path, location: Path, union_flag: bool) -> float:
    """``oxigraph load`` of the peers' file; without the union flag, the best
    configuration: the union of the named graphs materialized in the default graph
    (``union_file``, bulk-loaded with the quads), as our store does. Returns the seconds
    it took, writing the union file included."""
    exe = str(VENV_BIN / "oxigraph")
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    files = [str(all_nq)] if union_flag else [str(all_nq), str(union_file(all_nq))]
    subprocess.run([exe, "load", "--location", str(location),
                    *(arg for f in files for arg in ("--file", f))],
                   check=True, capture_output=True)
    return round(time.perf_counter() - started, 3)


def split_modes(measured: dict) -> dict:
    """``requests`` (the hot mode, the key the report has always read) and ``cold``."""
    return {"requests": measured.get("hot", {}), "cold": measured.get("cold", {})}


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
    # cold mode: more distinct subjects (and query texts) than our caches hold per process
    entries = cache_entries(args)
    wanted = int(args.cold_factor * max(entries.values()))
    subjects = queries.sample_subjects(data_nq, base, wanted, seed=args.seed)
    cold = queries.cold_iris(subjects)
    result["cold"] = {"cache_entries": entries, "subjects": len(subjects), "wanted": wanted,
                      "exceeds_caches": len(subjects) > max(entries.values())}
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

    def families_sparql(ep: str, deref: str | None = None) -> dict:
        """Per mode, each family's paths and Accept; ``deref``: our resource pages too."""
        hot = {"cheap": (queries.cheap_paths(ep, iris), SPARQL_JSON)}
        cold_ = {"cheap": (queries.cold_cheap_paths(ep, subjects), SPARQL_JSON)}
        if deref is not None:
            hot["dereference"] = (queries.dereference_paths(base, iris), TURTLE)
            cold_["dereference"] = (queries.dereference_paths(base, cold), TURTLE)
        hot["describe"] = (queries.describe_paths(ep, iris), TURTLE)
        cold_["describe"] = (queries.describe_paths(ep, cold), TURTLE)
        hot["moderate"] = (queries.moderate_paths(ep, iris, base), SPARQL_JSON)
        cold_["moderate"] = (queries.cold_moderate_paths(ep, iris, base, len(subjects)),
                             SPARQL_JSON)
        return {"hot": hot, "cold": cold_}

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
        families = families_sparql("/sparql", deref=base)
        # search (issue 12): no answer cache, one mode
        families["hot"]["search"] = (queries.search_paths(iris), "application/json")
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
            entry.update(split_modes(measure(ours, url, families, args, root / "wrk-ours")))
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
                other.update(split_modes(measure(uncached, url, families, args,
                                                 root / "wrk-ours-uncached")))
            except (RuntimeError, TimeoutError) as exc:
                other["error"] = str(exc)
            other["memory"] = uncached.stop()
            result["ours-uncached"] = other

    # -- ours, remote backend over a throwaway Virtuoso (loaded by `server push`) ----------
    if "ours-remote-virtuoso" in args.servers:
        result["ours-remote-virtuoso"] = bench_remote_virtuoso(
            root, data_dir, families_sparql("/sparql", deref=base), args, timeout)

    # -- oxigraph serve-read-only: best configuration, and with --union-default-graph ----
    for name, union_flag in (("oxigraph", False), ("oxigraph-union-flag", True)):
        if name not in args.servers:
            continue
        location = root / "oxigraph-db"
        entry = {"load_s": oxigraph_db(all_nq, location, union_flag)}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", *(["--union-default-graph"] if union_flag else [])]
        entry["command"] = " ".join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd))
        peer = Server(name, cmd, f"{url}/query?query={ASK}", log=root / f"{name}.log",
                      headers={"Accept": SPARQL_JSON})
        try:
            entry["cold_start_s"] = round(peer.start(timeout), 3)
            entry.update(split_modes(measure(peer, url, families_sparql("/query"), args,
                                             root / f"wrk-{name}")))
        except (RuntimeError, TimeoutError) as exc:
            entry["error"] = str(exc)
        entry["memory"] = peer.stop()
        result[name] = entry

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
            entry.update(split_modes(measure(peer, url, families_sparql("/"), args,
                                             root / "wrk-rdflib-endpoint")))
        except (RuntimeError, TimeoutError) as exc:
            entry["error"] = str(exc)
        entry["memory"] = peer.stop()
        result["rdflib-endpoint"] = entry

    if not args.keep:
        for heavy in ("all.nq", "union.nq", "oxigraph-db", "store"):
            path = root / heavy
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return result


def bench_remote_virtuoso(root: Path, data_dir: Path, families: dict, args, timeout: float) -> dict:
    """Ours with ``KG_STORE_BACKEND=remote`` over a Virtuoso of its own (Debian's
    virtuoso-opensource; the tests' starter, buffers sized for the data), loaded by
    ``python -m server push``; the same request families as ours."""
    sys.path.insert(0, str(ROOT / "tests"))
    from virtuoso_server import VirtuosoServer
    size = sum(1 for _ in open(next(data_dir.glob("*.nq")), "rb")) if list(data_dir.glob("*.nq")) else 0
    entry: dict = {}
    try:
        virt = VirtuosoServer(root / "virtuoso", buffers=max(2000, size // 25))
    except RuntimeError as exc:
        return {"error": str(exc)}
    try:
        dataset_env = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_ONTOLOGY_DIR": SCHEMA["ONTOLOGY_DIR"],
                       "KG_SHAPES_DIR": SCHEMA["SHAPES_DIR"]}
        started = time.perf_counter()
        pushed = subprocess.run([sys.executable, "-m", "server", "push", "--endpoint", virt.sparql,
                                 "--graph-store", virt.graph_store, "--union", "none", "--user", virt.auth[0],
                                 "--password", virt.auth[1], "--auth", "digest", "--timeout", "1800"],
                                env=dataset_env, capture_output=True, text=True, cwd=ROOT)
        entry["push_s"] = round(time.perf_counter() - started, 3)
        if pushed.returncode != 0:
            return {**entry, "error": f"push failed: {pushed.stderr[-500:]}"}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {"KG_DATA_DIR": str(data_dir), "KG_ONTOLOGY_DIR": SCHEMA["ONTOLOGY_DIR"],
               "KG_SHAPES_DIR": SCHEMA["SHAPES_DIR"], "KG_STORE_BACKEND": "remote",
               "KG_REMOTE_ENDPOINT": virt.sparql, "KG_VALIDATE_ON_START": "false",
               # the start reads the whole store once (search index): at 100k over Virtuoso
               # that is one query longer than the default 5 s
               "KG_SPARQL_TIMEOUT": "120",
               "KG_CLIENT_MAX_QUERIES": "1000", **dict(kv.split("=", 1) for kv in args.ours_env)}
        cmd = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--allow-invalid", *args.ours_arg]
        ours = Server("ours-remote-virt", cmd, f"{url}/sparql?query={ASK}", env=env,
                      log=root / "ours-remote-virtuoso.log", headers={"Accept": SPARQL_JSON})
        entry.update({"command": " ".join(cmd[1:]), "env": env})
        try:
            entry["cold_start_s"] = round(ours.start(timeout), 3)
            entry.update(split_modes(measure(ours, url, families, args, root / "wrk-ours-remote-virtuoso")))
        except (RuntimeError, TimeoutError) as exc:
            entry["error"] = str(exc)
        entry["memory"] = ours.stop()
    finally:
        virt.stop()
        if not args.keep:
            shutil.rmtree(root / "virtuoso", ignore_errors=True)
    return entry


def shipped_validate(repeats: int) -> dict:
    """``python -m server validate`` on the shipped data, as a curator runs it: wall
    seconds of the whole command (interpreter start and imports included), ``repeats``
    runs, and its exit status (0: conforms, warnings allowed)."""
    runs, codes = [], []
    for _ in range(max(repeats, 1)):
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "server", "validate"], cwd=ROOT,
                              capture_output=True, text=True)
        runs.append(round(time.perf_counter() - began, 3))
        codes.append(done.returncode)
    return {"wall_s": runs, "exit_codes": codes}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                   default=[100_000, 1_000_000],
                   help="comma-separated quad counts (default 100000,1000000)")
    p.add_argument("--duration", type=int, default=5, help="seconds of each load run (default 5)")
    p.add_argument("--warmup", type=int, default=2,
                   help="seconds of an untimed load run before each hot-mode figure, for every "
                        "server (default 2; the cold mode has none)")
    p.add_argument("--repeats", type=int, default=3,
                   help="load runs per figure; the report gives their median and min-max (default 3)")
    p.add_argument("--modes", default="hot,cold", type=lambda s: s.split(","),
                   help="hot: 200 subjects (answers cached after the first lap); cold: more "
                        "distinct subjects and query texts than our caches hold (default both)")
    p.add_argument("--cold-factor", type=float, default=2.0,
                   help="cold mode cycles through this many times the larger of our caches' "
                        "entries (KG_RESPONSE_CACHE_ENTRIES, KG_QUERY_CACHE_ENTRIES), or every "
                        "subject if the data has fewer (default 2)")
    p.add_argument("--sequential", type=int, default=50,
                   help="requests of each one-at-a-time latency run, hot mode (default 50; 0: none)")
    p.add_argument("--servers", default=",".join(report.SERVERS), type=lambda s: s.split(","),
                   help="which servers to run (ours-uncached: ours again with both answer caches "
                        "off; oxigraph: the union materialized in the default graph, like ours; "
                        "oxigraph-union-flag: serve-read-only --union-default-graph; "
                        "ours-remote-virtuoso: ours, remote backend over Debian's Virtuoso loaded "
                        "by `server push`, not in the default list)")
    p.add_argument("--quiet-load", type=float, default=quiet.QUIET_LOAD,
                   help="the 1-minute load average above which the machine is not quiet when "
                        "the benchmark begins (default %(default)s)")
    p.add_argument("--wait-quiet", type=float, default=120.0, metavar="SECONDS",
                   help="wait up to this long for the load average to fall below --quiet-load "
                        "before beginning (default 120)")
    p.add_argument("--max-spread", type=float, default=report.MAX_PEER_SPREAD,
                   help="oxigraph's own req/s may vary this much (max-min over median) between "
                        "repeats before the run is declared disturbed (default %(default)s)")
    p.add_argument("--force", action="store_true",
                   help="write bench/REPORT.md even when the machine was not quiet (it says so "
                        "at the top); otherwise a disturbed run's report goes to bench/work/")
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
        results = json.loads(Path(args.render).read_text())
        if report.disturbances(results) and not args.force:
            print(f"{args.render} was measured on a machine that was not quiet: "
                  "--force to write the report anyway", file=sys.stderr)
            return 3
        Path(args.report).write_text(report.render(results))
        print(f"report written to {args.report} from {args.render}")
        return 0
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    snapshot_schema(work)
    started = time.perf_counter()
    before = quiet.wait_quiet(args.quiet_load, args.wait_quiet)
    print(f"load average before the benchmark: {before}", flush=True)
    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "args": vars(args),
               "machine": report.machine(), "versions": report.versions(PEER_VENV),
               "load_before": before, "sizes": []}
    scratch = work / "REPORT.md"
    results["shipped_validate"] = shipped_validate(args.repeats)
    for size in args.sizes:
        results["sizes"].append(bench_size(size, args, work))
        results["total_s"] = round(time.perf_counter() - started, 1)
        (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
        scratch.write_text(report.render(results))
    noise = report.disturbances(results)
    if noise and not args.force:
        print("\n!!! THE MACHINE WAS NOT QUIET: these figures are not results !!!\n  "
              + "\n  ".join(noise) + f"\nreport written to {scratch} only; bench/REPORT.md "
              "unchanged (re-run on a quiet machine, or --force to write it anyway)", flush=True)
        return 3
    Path(args.report).write_text(report.render(results))
    print(f"report written to {args.report} ({results['total_s']} s)"
          + (f"; NOT QUIET ({len(noise)} warnings), written because of --force" if noise else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
