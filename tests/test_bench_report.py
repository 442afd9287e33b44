"""The benchmark's verdicts (bench/targets.py) and its quiet-machine guard
(bench/report.py ``disturbances``), on made-up figures: no server is run."""
from __future__ import annotations

import pytest

from bench import report, targets


def load(rps, p99=5.0, spread=0.02, others=0.0):
    return {"load": {"rps": rps, "p50_ms": 1.0, "p99_ms": p99, "max_ms": p99,
                     "rps_min": rps * (1 - spread / 2), "rps_max": rps * (1 + spread / 2),
                     "spread": spread, "foreign_cores_max": others, "load_before": [0.1, 0.1, 0.1]}}


def size(n, ours=1000.0, bare=300.0, ox=2000.0, oxu=1500.0, rep=100.0, p99=10.0, **extra):
    families = lambda rps: {f: load(rps, p99, **extra) for f in  # noqa: E731
                            ("cheap", "describe", "moderate", "dereference")}
    servers = {"ours": ours, "ours-uncached": bare, "oxigraph": ox, "oxigraph-union-flag": oxu,
               "rdflib-endpoint": rep}
    return {"size": n, **{name: {"requests": families(v), "cold": families(v)}
                          for name, v in servers.items()}}


def verdicts(results):
    return {(t.split(" ")[0] + " " + t.split(" ")[1], m): (vb, vu)
            for t, m, _, vb, vu in targets.rows(results)}


def test_every_target_is_judged_in_both_modes_and_against_both_oxigraph_configurations():
    rows = targets.rows({"sizes": [size(100_000), size(1_000_000)]})
    assert {m for _, m, *_ in rows} == {"hot", "cold"}
    assert len(rows) == 2 * 6
    v = verdicts({"sizes": [size(100_000), size(1_000_000)]})
    assert v[("cached cheap", "hot")] == ("met", "met")            # 0.5x and 0.67x >= 0.25x
    assert v[("uncached dereference", "cold")] == ("met", "met")   # 3x rdflib-endpoint
    assert v[("uncached moderate", "hot")] == ("NOT met", "NOT met")  # 0.15x, 0.2x


@pytest.mark.parametrize("ox, oxu, expected", [
    (200.0, 1000.0, ("met", "NOT met")),        # uncached 300 req/s: 1.5x and 0.3x
    (1000.0, 200.0, ("NOT met", "met")),
])
def test_the_two_oxigraph_configurations_get_their_own_verdicts(ox, oxu, expected):
    results = {"sizes": [size(100_000, bare=300.0, ox=ox, oxu=oxu)]}
    assert verdicts(results)[("uncached moderate", "hot")] == expected


def test_a_figure_with_failed_requests_is_no_figure():
    results = {"sizes": [size(100_000), size(1_000_000)]}
    results["sizes"][0]["ours"]["requests"]["cheap"]["load"].update(requests=1000, status_errors=50)
    assert verdicts(results)[("cached cheap", "hot")] == ("not measured", "not measured")


def test_a_missing_size_is_not_measured_rather_than_met():
    v = verdicts({"sizes": [size(100_000)]})
    assert v[("cached cheap", "hot")] == ("not measured", "not measured")


@pytest.mark.parametrize("change, signs", [
    ({}, 0),
    ({"load_before": [2.0, 1.0, 1.0]}, 1),
    ({"others": 0.8}, 4 * 5 * 2),               # every family, server and mode
    ({"spread": 0.4}, 4 * 2 * 2),               # oxigraph's own figure, both configurations
    ({"repeats": 1}, 1),                        # a figure without its spread
])
def test_a_machine_that_was_not_quiet_is_named_in_the_report(change, signs):
    extra = {k: v for k, v in change.items() if k not in ("load_before", "repeats")}
    results = {"sizes": [size(100_000, **extra)], "args": {"repeats": change.get("repeats", 3)},
               "load_before": change.get("load_before", [0.1, 0.1, 0.1])}
    noise = report.disturbances(results)
    assert len(noise) == signs


@pytest.mark.parametrize("walls, codes, expected", [
    ([0.9, 0.8, 0.95], [0, 0, 0], "met"),
    ([0.9, 1.2, 1.3], [0, 0, 0], "NOT met"),        # the median is over the second
    ([0.5, 0.5, 0.5], [0, 1, 0], "NOT met"),        # a run that did not conform
    (None, None, "not measured"),
])
def test_the_shipped_data_validation_target_is_judged_on_the_median_wall_time(walls, codes, expected):
    results = {"sizes": [size(100_000)]}
    if walls is not None:
        results["shipped_validate"] = {"wall_s": walls, "exit_codes": codes}
    row = [r for r in report.targets(results) if r[0].startswith("the shipped data validates")]
    assert len(row) == 1 and row[0][2] == expected
