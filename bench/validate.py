"""Time one validation pipeline on a data file (run by bench.run in a subprocess so a
slow engine can be stopped): parse the data, the ontology and the shapes, validate.

    python -m bench.validate --engine turbo --data bench/work/size-100000/data/synthetic.nq

Both engines get the same input: the data parsed with rdflib into one union Graph
(plus the ontology); turbo = server.validation_fast, pyshacl = server.validation.
Prints one JSON line: parse_s, validate_s, total_s, conforms, results, violations.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rdflib import Dataset, Graph

from server.config import DEFAULTS
from server.loader import parse_file


def _graph(folder: str) -> Graph:
    g = Graph()
    for path in sorted(Path(folder).glob("*.ttl")):
        g.parse(path)
    return g


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.validate")
    p.add_argument("--engine", choices=("turbo", "pyshacl"), required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--ontology", default=DEFAULTS["ONTOLOGY_DIR"])
    p.add_argument("--shapes", default=DEFAULTS["SHAPES_DIR"])
    args = p.parse_args(argv)

    from server.validation_fast import validate_with
    started = time.perf_counter()
    shapes, ontology = _graph(args.shapes), _graph(args.ontology)
    quads = parse_file(args.data)            # the loader's path (pyoxigraph for .nq)
    data = Graph()                           # the union of the data graphs, as the loader gives
    for s, p, o, _g in quads.quads((None, None, None, None)):
        data.add((s, p, o))
    data += ontology                         # mixed in once, as server.report.check does
    parsed = time.perf_counter()
    report = validate_with(args.engine, data, shapes, None)
    done = time.perf_counter()
    severities = [str(r.severity).rsplit("#", 1)[-1] for r in report.results]
    print(json.dumps({
        "parse_s": round(parsed - started, 3), "validate_s": round(done - parsed, 3),
        "total_s": round(done - started, 3), "conforms": bool(report.conforms),
        "results": len(report.results), "violations": severities.count("Violation"),
        "warnings": severities.count("Warning")}))


if __name__ == "__main__":
    main()
