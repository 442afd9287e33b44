"""The data against its articles: what a reviewer checks by hand, made repeatable.

Each data file is one article's graph (``cpo:sourceFile`` names the text, copied as
received into ``sources/``). These tests catch the kinds of error the issue-11 audit
found: words put in an article's mouth (quotes and "as reported" dates that it does not
print), IRIs that embed a date the text does not state, and links the text does not make.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parent.parent
DATA = sorted((ROOT / "data").glob("*.ttl"))
CPO = Namespace("https://w3id.org/cambodia-prosecutions/ontology#")
BASE = "https://w3id.org/cambodia-prosecutions/"
#: Properties whose values are the article's own words, verbatim.
VERBATIM = (CPO.evidence, CPO.quotation, CPO.asReported)


def words(text: str) -> str:
    """Text with runs of white space made one space (line breaks in the copy are not words)."""
    return re.sub(r"\s+", " ", text).strip()


def article(graph: Graph) -> str:
    names = {str(o) for o in graph.objects(None, CPO.sourceFile)}
    assert len(names) == 1, f"one cpo:sourceFile per data file, found {sorted(names)}"
    return words((ROOT / "sources" / names.pop()).read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=DATA, ids=lambda p: p.stem)
def data(request) -> tuple[Graph, str]:
    graph = Graph().parse(request.param)
    return graph, article(graph)


def test_verbatim_values_are_printed_in_their_article(data):
    """cpo:evidence, cpo:quotation and cpo:asReported hold words the article prints, not
    a curator's paraphrase ('(not printed)', '(before his release on Friday)')."""
    graph, text = data
    missing = sorted((graph.namespace_manager.normalizeUri(s), graph.namespace_manager.normalizeUri(p), str(o))
                     for p in VERBATIM for s, o in graph.subject_objects(p)
                     if isinstance(o, Literal) and words(str(o)) not in text)
    assert missing == []
