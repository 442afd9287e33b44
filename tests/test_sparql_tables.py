"""Prefixed names in the result table: the longest predeclared namespace wins."""
import pytest

from server.sparql.tables import prefixed

PREFIXES = {"cpo": "https://example.org/ontology#", "ex": "https://example.org/", "schema": "https://schema.org/"}


@pytest.mark.parametrize("iri, shown", [
    ("https://example.org/ontology#concerns", "cpo:concerns"),
    ("https://example.org/person/a", "ex:person/a"),
    ("https://schema.org/", "https://schema.org/"),
    ("javascript:alert(1)", "javascript:alert(1)"),
])
def test_prefixed(iri, shown):
    assert prefixed(iri, PREFIXES) == shown
