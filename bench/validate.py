"""Time the server's own validation pipeline on a data folder (run by bench.run in a
subprocess so a slow engine can be stopped): what ``python -m server validate`` does,
stage by stage (``server.startup``): parse every file once (the loader: pyoxigraph for
N-Triples / N-Quads), then every check (SHACL on the stream of the parsed data, the
shapes themselves, undeclared terms, provenance).

    python -m bench.validate --engine turbo --data bench/work/size-100000/data

``--data`` is the data folder (or one file in it: its folder is used). Prints one JSON
line: parse_s, validate_s, total_s, peak_rss_mb (this process: the whole pipeline),
conforms, results, violations, warnings.
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from server.config import DEFAULTS


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.validate")
    p.add_argument("--engine", choices=("turbo", "pyshacl", "auto"), required=True)
    p.add_argument("--data", required=True, help="data folder, or a file in it")
    p.add_argument("--ontology", default=DEFAULTS["ONTOLOGY_DIR"])
    p.add_argument("--shapes", default=DEFAULTS["SHAPES_DIR"])
    args = p.parse_args(argv)

    from server import startup
    data = Path(args.data)
    config = {**DEFAULTS, "DATA_DIR": str(data.parent if data.is_file() else data),
              "ONTOLOGY_DIR": args.ontology, "SHAPES_DIR": args.shapes}
    started = time.perf_counter()
    loaded = startup.parse(startup.find_sources(config), config, native=True)
    parsed = time.perf_counter()
    outcome = startup.check(loaded, config, args.engine)
    done = time.perf_counter()
    counts = outcome.counts()
    print(json.dumps({
        "parse_s": round(parsed - started, 3), "validate_s": round(done - parsed, 3),
        "total_s": round(done - started, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "conforms": bool(outcome.conforms), "results": sum(counts.values()),
        "violations": counts["Violation"], "warnings": counts["Warning"]}))


if __name__ == "__main__":
    main()
