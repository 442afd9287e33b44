"""The serving targets of issue 13, each marked met / NOT met in the hot and the cold
mode, against oxigraph in its best configuration and with --union-default-graph.

A row: (target, mode, measured, verdict vs oxigraph's best configuration, verdict vs
oxigraph with the union flag); targets that do not involve oxigraph repeat the verdict.
"""
from __future__ import annotations

MODES = ("hot", "cold")
BEST, UNION = "oxigraph", "oxigraph-union-flag"


#: A figure with more failed requests than this (non-2xx, socket errors) is no figure.
MAX_ERRORS = 0.01


def _p(size: dict | None, server: str, family: str, mode: str, key: str) -> float | None:
    entry = (size or {}).get(server, {}).get("requests" if mode == "hot" else "cold", {})
    ld = (entry.get(family) or {}).get("load") or {}
    failed = ld.get("status_errors", 0) + ld.get("socket_errors", 0)
    if failed > MAX_ERRORS * max(ld.get("requests", 0), 1):
        return None
    return ld.get(key)


def _rps(size: dict | None, server: str, family: str, mode: str) -> float | None:
    return _p(size, server, family, mode, "rps")


def _verdict(oks: list[bool | None]) -> str:
    if not oks or any(ok is None for ok in oks):
        return "not measured"
    return "met" if all(oks) else "NOT met"


def _ratio(a, b) -> float | None:
    return a / b if a and b else None


def _x(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def rows(results: dict) -> list[tuple[str, str, str, str, str]]:
    by_size = {s["size"]: s for s in results["sizes"]}
    big = [n for n in (100_000, 1_000_000)]
    out = []
    for mode in MODES:
        # cached cheap and dereference >= 0.25x oxigraph (peer: DESCRIBE), 100k and 1M
        for family, peer_family in (("cheap", "cheap"), ("dereference", "describe")):
            measured, best, union = [], [], []
            for n in big:
                size = by_size.get(n)
                ours = _rps(size, "ours", family, mode)
                rb = _ratio(ours, _rps(size, BEST, peer_family, mode))
                ru = _ratio(ours, _rps(size, UNION, peer_family, mode))
                measured.append(f"{n:,}: {_x(rb)} / {_x(ru)}")
                best.append(None if rb is None else rb >= 0.25)
                union.append(None if ru is None else ru >= 0.25)
            out.append((f"cached {family} >= 0.25x oxigraph"
                        f"{' (its DESCRIBE)' if family == 'dereference' else ''} at 100k and 1M",
                        mode, "; ".join(measured) + " (best config / union flag)",
                        _verdict(best), _verdict(union)))
        # uncached dereference >= 2.5x rdflib-endpoint's DESCRIBE at every size
        measured, oks = [], []
        for n, size in sorted(by_size.items()):
            r = _ratio(_rps(size, "ours-uncached", "dereference", mode),
                       _rps(size, "rdflib-endpoint", "describe", mode))
            measured.append(f"{n:,}: {_x(r)}")
            oks.append(None if r is None else r >= 2.5)
        v = _verdict(oks)
        out.append(("uncached dereference >= 2.5x rdflib-endpoint's DESCRIBE at every size", mode,
                    "; ".join(measured) or "n/a", v, v))
        # p99 <= 20 ms at 1M with 16 connections
        size = by_size.get(1_000_000)
        for family in ("cheap", "dereference"):
            p99 = _p(size, "ours", family, mode, "p99_ms")
            bare = _p(size, "ours-uncached", family, mode, "p99_ms")
            v = _verdict([None if p99 is None else p99 <= 20])
            out.append((f"{family}: p99 <= 20 ms at 1M (wrk, 16 connections)", mode,
                        f"{'n/a' if p99 is None else f'{p99:g} ms'} (uncached "
                        f"{'n/a' if bare is None else f'{bare:g} ms'})", v, v))
        # uncached moderate mix >= 1.0x oxigraph in its best configuration
        measured, best, union = [], [], []
        for n, size in sorted(by_size.items()):
            bare = _rps(size, "ours-uncached", "moderate", mode)
            rb = _ratio(bare, _rps(size, BEST, "moderate", mode))
            ru = _ratio(bare, _rps(size, UNION, "moderate", mode))
            measured.append(f"{n:,}: {_x(rb)} / {_x(ru)}")
            best.append(None if rb is None else rb >= 1.0)
            union.append(None if ru is None else ru >= 1.0)
        out.append(("uncached moderate mix >= 1.0x oxigraph", mode,
                    "; ".join(measured) + " (best config / union flag)",
                    _verdict(best), _verdict(union)))
    return out


def render(results: dict) -> list[str]:
    lines = [f"A figure with more than {MAX_ERRORS:.0%} failed requests counts as not measured (n/a).", "",
             "| target | mode | measured | vs oxigraph, best configuration | vs oxigraph, union flag |",
             "|---|---|---|---|---|"]
    lines += [f"| {t} | {m} | {meas} | {vb} | {vu} |" for t, m, meas, vb, vu in rows(results)]
    lines += ["", "Search (issue 12, `GET /search?q=...&format=json`, ours, not a target):", "",
              "| size | under load (wrk, 16 connections) p50 / p99 ms | req/s | one at a time p50 / p99 ms |",
              "|---|---|---:|---|"]
    for size in results["sizes"]:
        entry = size.get("ours", {}).get("requests", {}).get("search") or {}
        ld, seq = entry.get("load") or {}, entry.get("sequential") or {}
        lines.append(f"| {size['size']:,} | {ld.get('p50_ms', 'n/a')} / {ld.get('p99_ms', 'n/a')} | "
                     f"{ld.get('rps', 'n/a')} | {seq.get('p50_ms', 'n/a')} / {seq.get('p99_ms', 'n/a')} |")
    return lines
