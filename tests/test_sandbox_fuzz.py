"""Differential fuzz test: the sandbox's view of a query against the engine's.

Generated queries mix comments ended by every line-break-like character, Unicode space
characters, string and IRI escapes, prefixed-name escapes, keywords glued to names and
nesting, around SERVICE calls to a local listener and SPARQL Update operations. For
each text, Oxigraph (the engine that executes) is asked what it does with the raw text:
does it call the listener (SERVICE)? does it run as an update? The sandbox must refuse
every text the engine would run as SERVICE or update, and the canonical text it hands
the store for any text it accepts must never call out and must mean what the raw text
means. Seeded and bounded (a few seconds).
"""
from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from server.errors import KGError, OutboundRefused
from server.sparql import sandbox

SEED, CASES = 20261128, 1000
BASE = "https://w3id.org/cambodia-prosecutions/"
LINE_ENDS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", ""]
SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u3000", "\u200b", "\x0b", "\x0c", "\ufeff"]
STRINGS = ['"a"', "'b'", '"x\\u0022 y"', '"\\"q\\""', '"""long\n"q" string"""', "'''l\r'''",
           '"tab\\t"', '"\\\\"', '"\\u00e9t\\u00e9"', '"#not a comment"', '"unterminated']
IRIS = ["<http://example.org/a>", "<http://example.org/\\u0061>", "<http://ex ample.org/>",
        "<http://example.org/#frag>", "<urn:x:\\u003E>"]
NAMES = ["ex:a", "ex:a\\.b", "ex:%41b", "ex:a.b", "ex:", "ex:\\#x", "ex:é"]
EXPRESSIONS = ['FILTER(STR(?s)!="x")', 'BIND(CONCAT("a",STR(?s)) AS ?c)', "FILTER(?a<?b&&?b>?a)", "BIND(COALESCE(?q,CONCAT(\"z\",\"y\")) AS ?k)",
               'FILTER(REGEX(STR(?s),"^h","i"))', "BIND(-5 AS ?n)", "BIND(1.e2+.5 AS ?m)",
               "FILTER ( BOUND (?s) || !BOUND(?z) )", 'BIND("a"@en AS ?l)',
               'BIND("1"^^<http://www.w3.org/2001/XMLSchema#integer> AS ?i)', "VALUES ?v { 1 2 }",
               "OPTIONAL{?s<http://example.org/b>?o}", "MINUS{?x ?y ?z}"]


def service_forms(target: str) -> list[str]:
    return [f"SERVICE <{target}> {{ ?s ?p ?o }}", f"SERVICE SILENT <{target}> {{ ?s ?p ?o }}",
            "SERVICEex:x { ?s ?p ?o }", "SERVICE:x { ?s ?p ?o }", f"SERVICESILENT<{target}>{{ ?s ?p ?o }}",
            "sErViCe ex:x { ?s ?p ?o }", "SERVICE\u00a0ex:x { ?s ?p ?o }", "SERVICE ?svc { ?s ?p ?o }",
            f"?a <urn:x>* trueSERVICE <{target}> {{ ?s ?p ?o }}",
            f"?a <urn:x>* falseSERVICE SILENT <{target}> {{ ?s ?p ?o }}",
            f"?a <urn:x>* true SERVICE <{target}> {{ ?s ?p ?o }}"]


UPDATES = ["INSERT DATA { <http://a/s> <http://a/p> <http://a/o> }", "CLEAR ALL",
           "DELETE WHERE { ?s ?p ?o }", "DROP SILENT GRAPH <http://a/g>"]


def noise(rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 6:
        return rng.choice(["", " "]) + rng.choice(EXPRESSIONS) + rng.choice(["", " ", "\n"])
    if kind == 0:
        return "#" + rng.choice(["", " c", " SERVICE", "#", " } {"]) + rng.choice(LINE_ENDS)
    if kind == 1:
        return rng.choice(SPACES)
    if kind == 2:
        return f" BIND({rng.choice(STRINGS)} AS ?v{rng.randrange(99)}) "
    if kind == 3:
        return f" ?s{rng.randrange(9)} {rng.choice(NAMES)} {rng.choice(IRIS)} . "
    if kind == 4:
        depth = rng.randrange(1, 6)
        return " " + "{ " * depth + "?a ?b ?c " + "} " * depth
    return " "


def generate(rng: random.Random, target: str) -> str:
    parts = [noise(rng) for _ in range(rng.randrange(0, 4))]
    if rng.random() < 0.5:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(service_forms(target)))
    body = "".join(parts)
    if rng.random() < 0.15:
        return f"PREFIX ex: <{target}>\n{rng.choice(UPDATES)}{noise(rng)}"
    hidden = rng.choice(["", "#" + rng.choice(LINE_ENDS)])
    return f"PREFIX ex: <{target}>\nSELECT * WHERE {{ {hidden}{body} }}"


def engine_view(text: str, hits: list, store: ox.Store) -> tuple[bool, bool, object]:
    """(parses as a query, calls the listener, rows) for Oxigraph on ``text`` as is."""
    before = len(hits)
    try:
        result = store.query(text)
        rows = sorted(str(list(row)) for row in result)
        parsed = True
    except SyntaxError:
        parsed, rows = False, None
    except OSError:          # the SERVICE call failed: the listener closes at once
        parsed, rows = True, None
    except Exception:        # noqa: BLE001 - an evaluation error is still a parse
        parsed, rows = True, None
    return parsed, len(hits) > before, rows


def runs_as_update(text: str) -> bool:
    try:
        ox.Store().update(text)
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.timeout(120)
def test_the_sandbox_and_the_engine_agree_on_every_generated_query(listener):
    target, hits = listener
    rng = random.Random(SEED)
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"),
                      ox.NamedNode("http://example.org/c")))
    tally = {"engine calls out": 0, "engine runs update": 0, "accepted": 0, "same answer": 0}
    for case in range(CASES):
        text = generate(rng, target)
        parsed, calls_out, rows = engine_view(text, hits, store)
        update = runs_as_update(text)
        try:
            checked = sandbox.check_query(text, predeclared={}, dataset_graphs=[], max_length=20_000,
                                          base_iri=BASE)
        except KGError as refusal:
            checked, verdict = None, refusal
        else:
            verdict = None
        where = f"case {case}: {text!r}"
        if calls_out:
            tally["engine calls out"] += 1
            assert checked is None, f"the engine calls out and the sandbox accepts: {where}"
            if not isinstance(verdict, OutboundRefused):     # refused for another reason first
                assert verdict.status in (400, 403), where
        if update:
            tally["engine runs update"] += 1
            assert checked is None, f"the engine runs an update the sandbox accepts: {where}"
        if checked is None:
            continue
        tally["accepted"] += 1
        before = len(hits)
        try:
            result = store.query(checked.runnable)
            canonical_rows = sorted(str(list(row)) for row in result)
        except SyntaxError:
            canonical_rows = None
        except Exception:  # noqa: BLE001
            canonical_rows = None
        assert len(hits) == before, f"the canonical text calls out: {where}"
        if parsed and rows is not None:
            assert canonical_rows == rows, f"the canonical text means something else: {where}"
            tally["same answer"] += 1
    # the generator must really exercise both sides
    assert tally["engine calls out"] >= 50 and tally["accepted"] >= 100, tally
    assert tally["engine runs update"] >= 10 and tally["same answer"] >= 50, tally
