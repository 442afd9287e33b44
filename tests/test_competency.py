"""The competency questions (queries/*.rq with their .expected.json) answered by the
shipped data: over an rdflib Dataset of the data files (union as default graph), and
over the app's store. Plus the rules of the set itself: enough questions, each titled,
described and sourced, at least 6 per article."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Dataset

from server.config import DEFAULTS
from server.loader import load_dataset
from server.queries import answer_of, cell, differences, load_queries

QUERIES = load_queries(DEFAULTS["QUERIES_DIR"])
ARTICLES = sorted(p.stem for p in Path(DEFAULTS["DATA_DIR"]).glob("*.ttl"))
MIN_QUERIES, MIN_PER_ARTICLE = 40, 6


@pytest.fixture(scope="module")
def union() -> Dataset:
    """The data graphs only (no ontology, no shapes), their union as default graph."""
    loaded = load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"],
                          DEFAULTS["BASE_IRI"])
    data = Dataset(default_union=True)
    for name in loaded.data_graphs:
        data.addN((s, p, o, data.graph(name)) for s, p, o in loaded.dataset.graph(name))
    return data


def by_name(query):
    return query.name


# -- the set of questions ------------------------------------------------------------

def test_there_are_enough_competency_questions():
    assert len(QUERIES) >= MIN_QUERIES, f"{len(QUERIES)} queries in {DEFAULTS['QUERIES_DIR']}"


def test_every_article_has_enough_questions():
    per_article = Counter(slug for q in QUERIES for slug in q.sources)
    short = {slug: per_article[slug] for slug in ARTICLES if per_article[slug] < MIN_PER_ARTICLE}
    assert not short, f"articles with fewer than {MIN_PER_ARTICLE} questions: {short}"


@pytest.mark.parametrize("query", QUERIES, ids=by_name)
def test_question_is_titled_described_and_sourced_from_known_articles(query):
    assert query.title != query.name and query.title.strip(), "add a '# title:' header"
    assert query.description.strip(), "add a '# description:' header"
    assert query.sources, "add a '# sources:' header (article slugs)"
    assert set(query.sources) <= set(ARTICLES), f"unknown slugs {set(query.sources) - set(ARTICLES)}"
    assert query.expected() is not None, f"write {query.expected_path.name}"


# -- the answers ---------------------------------------------------------------------

@pytest.mark.parametrize("query", QUERIES, ids=by_name)
def test_rdflib_answers_as_expected(union, query):
    expected = query.expected()
    assert expected is not None, f"write {query.expected_path.name}"
    assert differences(expected, answer_of(union.query(query.text))) == []


@pytest.mark.parametrize("query", QUERIES, ids=by_name)
def test_the_app_store_answers_as_expected(app, query):
    """The same questions through the store the server uses (``--backend``)."""
    from server.store import get_store
    expected = query.expected()
    assert expected is not None, f"write {query.expected_path.name}"
    with app.app_context():
        store = get_store()
        if "ask" in expected:
            actual = {"ask": store.ask(query.text)}
        else:
            solutions = store.select(query.text)
            actual = {"vars": list(solutions.variables),
                      "rows": [[cell(row.get(v)) for v in solutions.variables] for row in solutions]}
    assert differences(expected, actual) == []

