"""Benchmark of the search index (issue 12): build time and query latency.

    python bench/search.py [--data DIR] [--backend oxigraph] [--builds 3] [--rounds 5]

Loads the dataset in DIR (default: the shipped data) into a store (validation off:
this measures the index, not SHACL), builds the index ``--builds`` times (the median
is reported), then runs a fixed mix of searches ``--rounds`` times each through the
index (``engine``) and through the app over WSGI as JSON and HTML (``http``), and
prints p50/p99 per mix and overall. Print the machine load with it: the figures are
only comparable on an idle machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import create_app  # noqa: E402
from server.search import Holder  # noqa: E402
from server.search.index import build  # noqa: E402

QUERIES = {
    "exact name": ["Kem Sokha", "Sam Serey", "Hun Sen", "Sok Dara", "Chan Sophal"],
    "variant/misspelling": ["kem soka", "Somcheat", "samchet", "Sokah Kem", "Vana Chan"],
    "prefix": ["sam", "kem so", "liberation front", "pard", "arr"],
    "words of quotes": ["topple the government", "released on bail", "royal pardon", "treason charge"],
    "faceted": [("sam", {"type": ["https://schema.org/Person"]}),
                ("arrest", {"year": ["2018"]})],
    "hostile": ['"', "NEAR(a b)", "*", "x" * 10_000, "a\x00b", "{name}: kem"],
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    parser.add_argument("--backend", default="oxigraph")
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    config = {"TESTING": True, "VALIDATE_ON_START": False, "STORE_BACKEND": args.backend,
              "SEARCH_INDEX_ON_START": False}
    if args.data:
        config.update({"DATA_DIR": args.data, "MAX_FILE_BYTES": 2 * 1024 ** 3})
    print(f"load average before: {os.getloadavg()}")
    started = time.perf_counter()
    app = create_app(config)
    store = app.extensions["kg.store"]
    print(f"store loaded in {time.perf_counter() - started:.1f} s: {store.stats()['quads']:,} quads")
    holder: Holder = app.extensions["kg.search"]
    times = []
    for _ in range(args.builds):
        t = time.perf_counter()
        index = build(store, holder.settings)
        times.append(time.perf_counter() - t)
    holder._index = index
    print(f"index build: median {statistics.median(times):.2f} s of {[round(t, 2) for t in times]}; "
          f"{index.size:,} resources, image {len(index.image) / 1024 ** 2:.1f} MiB")
    client = app.test_client()
    overall = {"engine": [], "json": [], "html": []}
    for mix, queries in QUERIES.items():
        per = {"engine": [], "json": [], "html": []}
        for _ in range(args.rounds):
            for q in queries:
                text, filters = (q if isinstance(q, tuple) else (q, {}))
                t = time.perf_counter()
                index.search(text, filters)
                per["engine"].append(time.perf_counter() - t)
                params = {"q": text, **{k: v[0] for k, v in filters.items() if k != "type"}}
                if "type" in filters:
                    params["type"] = filters["type"][0]
                for fmt in ("json", "html"):
                    t = time.perf_counter()
                    resp = client.get("/search", query_string={**params, "format": fmt})
                    per[fmt].append(time.perf_counter() - t)
                    assert resp.status_code == 200, (q, resp.status_code)
        for kind, values in per.items():
            overall[kind].extend(values)
        print(f"{mix:22} " + "  ".join(f"{k} p50 {percentile(v, 50) * 1000:7.2f} ms p99 {percentile(v, 99) * 1000:7.2f} ms"
                                       for k, v in per.items()))
    print(f"{'all':22} " + "  ".join(f"{k} p50 {percentile(v, 50) * 1000:7.2f} ms p99 {percentile(v, 99) * 1000:7.2f} ms"
                                     for k, v in overall.items()) + f"  ({len(overall['engine'])} searches each)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
