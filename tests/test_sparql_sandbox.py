"""The sandbox's pure checks (server/sparql/sandbox.py), without a server."""
import pytest

from server.errors import BadRequest, OutboundRefused, PayloadTooLarge, QuerySyntaxError, UpdateRefused
from server.namespaces import all_prefixes
from server.sparql import sandbox

BASE = "https://w3id.org/cambodia-prosecutions/"
PREFIXES = all_prefixes(BASE)
GRAPHS = [BASE + "graph/camboja-sam-serey-pardoned", BASE + "graph/ontology"]


def check(text, max_length=10_000):
    return sandbox.check_query(text, predeclared=PREFIXES, dataset_graphs=GRAPHS,
                               max_length=max_length, base_iri=BASE)


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "delete { ?s ?p ?o } where { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://a>",
    "CREATE GRAPH <http://a>",
    "ADD DEFAULT TO <http://a>",
    "MOVE <http://a> TO <http://b>",
    "COPY <http://a> TO <http://b>",
    "WITH <http://a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://ex/> # a comment\nINSERT DATA { ex:a ex:b ex:c }",
    "SELECT * {} ; CLEAR DEFAULT",
])
def test_every_update_operation_is_refused(query):
    with pytest.raises(UpdateRefused):
        check(query)


@pytest.mark.parametrize("query", [
    'SELECT ?x WHERE { BIND("SERVICE and DELETE and LOAD" AS ?x) }',
    "SELECT ?x WHERE { BIND('''INSERT\nDATA''' AS ?x) }",
    "SELECT ?x # SERVICE <http://evil/> and DROP ALL\nWHERE { BIND(1 AS ?x) }",
    "SELECT ?s WHERE { ?s <http://example.org/service/delete#load> ?o }",
    "SELECT ?delete ?service WHERE { ?delete ?service ?load }",
    "SELECT ?s WHERE { ?s cpo:insert ?o . ?s cpo:SERVICE ?x }",
    'SELECT ?x WHERE { BIND("escaped \\" SERVICE" AS ?x) }',
])
def test_keywords_inside_strings_iris_comments_and_names_are_ignored(query):
    assert check(query).form == "SELECT"


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o SERVICE ?endpoint { ?s ?p ?o } }",
])
def test_service_is_refused(query):
    with pytest.raises(OutboundRefused):
        check(query)


@pytest.mark.parametrize("clause", [
    "FROM <http://127.0.0.1:9/>",
    "FROM NAMED <http://127.0.0.1:9/>",
    "FROM <file:///etc/hostname>",
    "FROM <https://w3id.org/cambodia-prosecutions/graph/nonexistent>",
    "FROM graph:nonexistent",
])
def test_from_outside_the_dataset_is_refused(clause):
    with pytest.raises(OutboundRefused) as err:
        check(f"SELECT * {clause} WHERE {{ ?s ?p ?o }}")
    assert "not a graph of this dataset" in err.value.message


def test_from_a_dataset_graph_becomes_a_dataset_parameter_and_leaves_the_text():
    checked = check("SELECT *\nFROM graph:camboja-sam-serey-pardoned\nFROM NAMED <%s>\nWHERE { ?s ?p ?o }"
                    % GRAPHS[1])
    assert checked.from_default == [GRAPHS[0]]
    assert checked.from_named == [GRAPHS[1]]
    assert "FROM" not in checked.runnable
    user_part = checked.runnable.split("\n", checked.added_prefix_lines)[-1]
    assert user_part == "SELECT *\n\n\nWHERE { ?s ?p ?o }"    # every token on its own line


# The store parses (Oxigraph, in a worker): here its parser runs on the runnable text, and
# the reported position must land on the user's own line and column.
@pytest.mark.parametrize("query, line, column", [
    ("SELECT * WHERE { ?s ?p }", 1, 25),
    ("SELECT *\nWHERE {\n  ?s cpo:nope\n}", 4, 1),
    ("PREFIX ex: <http://ex/>\nSELECT * WHERE {\n  ?s ex:p ?o ?extra }", 3, 22),
    ("SELECT * FROM graph:camboja-sam-serey-pardoned\nWHERE { ?s ?p }", 2, 16),
])
def test_store_syntax_errors_name_the_position_in_the_users_text(query, line, column):
    import pyoxigraph
    from server.store.oxigraph_backend import syntax_error as store_error
    checked = check(query)
    with pytest.raises(SyntaxError) as raw:
        pyoxigraph.Store().query(checked.runnable)
    err = checked.user_error(store_error(raw.value))
    assert (err.details["line"], err.details["column"]) == (line, column)
    assert f"line {line}, column {column}" in err.message


def test_deep_nesting_is_refused_before_any_parser_sees_it():
    with pytest.raises(BadRequest):
        check("SELECT * WHERE " + "{" * 3000 + "}" * 3000)
    assert check("SELECT * WHERE " + "{" * 20 + "}" * 20).form == "SELECT"


# Not a speed test: a backtracking (quadratic or worse) lexer needs minutes on these
# 20,000-character inputs and trips the timeout; a linear one needs milliseconds. Each
# row also says what the tokens are (or where the lexer stops).
@pytest.mark.parametrize("text, kinds, count", [
    ("a-" * 10_000, {"keyword", "op"}, 20_000),                # a, -, a, - ...
    ("a." * 10_000, {"keyword", "op"}, 20_000),
    ("a.a" * 6_000 + ":", {"pname"}, 1),                         # one prefixed name
    ("?a" * 10_000, {"var"}, 10_000),
    ("<a>" * 6_000, {"iri"}, 6_000),
    ("1." * 10_000, {"number", "op"}, 10_000),                   # 1.1 .1 ... then a point
    ("(" * 10_000, {"op"}, 10_000),
    ("'''" + "''a" * 6_000 + "'''", {"string"}, 1),
])
@pytest.mark.timeout(20)
def test_the_lexer_is_linear_on_hostile_text(text, kinds, count):
    tokens = sandbox.tokenize(text)
    assert {t.kind for t in tokens} <= kinds and len(tokens) == count
    assert "".join(t.text for t in tokens) == text               # nothing skipped, nothing added


@pytest.mark.parametrize("text, offset", [
    ("é" * 20_000, 0), ("<a" * 9_999 + "é", 19_998), ('"' * 19_999, 19_998), ("x \u2028 y", 2),
    ("SELECT * {\u00a0}", 10), ("$" * 20_000, 0)])
@pytest.mark.timeout(20)
def test_the_lexer_stops_at_the_first_character_no_token_starts_with(text, offset):
    with pytest.raises(QuerySyntaxError) as err:
        sandbox.tokenize(text)
    assert err.value.details["column"] == offset + 1


@pytest.mark.parametrize("iri, ok", [("https://w3id.org/x/graph/a", True), ("urn:x:y", True),
                                     ("not an iri", False), ("<x>", False), ("", False), ("graph/a", False)])
def test_protocol_graph_iris_must_be_absolute(iri, ok):
    if ok:
        sandbox.check_graph_iris([iri], "default-graph-uri")
    else:
        with pytest.raises(BadRequest):
            sandbox.check_graph_iris([iri], "default-graph-uri")


def test_predeclared_prefixes_are_prepended_unless_the_query_declares_them():
    checked = check("PREFIX schema: <http://schema.org/>\nSELECT * WHERE { ?s schema:name ?n }")
    first_line = checked.runnable.split("\n", 1)[0]
    assert "PREFIX cpo: <%sontology#>" % BASE in first_line
    assert "PREFIX schema:" not in first_line               # the query's own declaration wins
    assert checked.added_prefix_lines == 1


def test_a_remote_stores_syntax_error_is_moved_back_onto_the_users_lines():
    checked = check("SELECT *\nWHERE {   ?s   ?p }")
    exc = QuerySyntaxError("line 3, column 15: Expected something", line=3, column=15)
    moved = checked.user_error(exc)                      # runnable line 3 is "WHERE { ?s ?p }"
    assert (moved.details["line"], moved.details["column"]) == (2, 19)   # the user's "}"
    assert "line 2, column 19" in moved.message


@pytest.mark.parametrize("query, form", [
    ("SELECT * {}", "SELECT"), ("ASK {}", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE person:kem-sokha", "DESCRIBE"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o { ?s ?p ?o } } }", "CONSTRUCT"),
])
def test_query_form(query, form):
    assert check(query).form == form


def test_length_cap():
    with pytest.raises(PayloadTooLarge):
        check("SELECT * {}" + " " * 100, max_length=100)


def test_relative_iris_resolve_against_the_dataset_base():
    checked = check("SELECT * FROM <graph/camboja-sam-serey-pardoned> WHERE { <person/sam-serey> ?p ?o }")
    assert checked.from_default == [GRAPHS[0]]
    assert checked.runnable.startswith(f"BASE <{BASE}> ")
    own_base = check("BASE <http://example.org/> SELECT * WHERE { <x> ?p ?o }")
    assert own_base.runnable.split("\n", 1)[1].startswith("BASE <http://example.org/>")


# -- bounded queries: answered without a worker process ----------------------------------

@pytest.mark.parametrize("query", [
    "SELECT ?p ?o WHERE { <https://w3id.org/cambodia-prosecutions/person/kem-sokha> ?p ?o }",
    "SELECT * { ?s a schema:Person } LIMIT 10",
    "select ?s where { ?s schema:name \"Kem Sokha\"@en . } offset 5 limit 5",
    'SELECT ?s WHERE { ?s cpo:attemptNumber "6"^^xsd:positiveInteger }',
    "SELECT ?s WHERE { ?s cpo:bailGranted true }",
    "PREFIX ex: <http://example.org/>\nSELECT ?o WHERE { ex:a ex:b ?o }",
    "ASK { ?s a schema:Person }",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",          # one scan, cut at the row cap
    "SELECT ?s WHERE { ?s cpo:count -5 }",
])
def test_one_triple_pattern_is_bounded(query):
    assert check(query).bounded


@pytest.mark.parametrize("query", [
    "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",           # reads every triple to dedupe
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s WHERE { ?s ?p ?o } OFFSET 1000000",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), 'x')) }",
    "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r }",
    "SELECT ?s WHERE { ?s schema:knows+ ?o }",
    "SELECT ?s WHERE { ?s schema:knows/schema:name ?o }",
    "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
    "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?s WHERE { VALUES ?s { <http://a> } ?s ?p ?o }",
    "SELECT ?s FROM <https://w3id.org/cambodia-prosecutions/graph/ontology> WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <http://a>",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 LIMIT 2",
    "ASK { ?v ?v ?v }",                                  # a filtered scan: no row bound
    "SELECT * WHERE { ?s ?p ?s }",
    "SELECT * WHERE { ?s $s ?o }",
    "SELECT ?s WHERE { ?s ?p ?o",
])
def test_anything_more_is_not_bounded(query):
    assert not check(query).bounded


# -- what runs is what was checked (issue 9) ---------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT * WHERE { #\rSERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",     # CR ends a comment
    "SELECT * WHERE { #\r\nSERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { SERVICEex:x { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICESILENT<http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { sErViCe <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:9/> SELECT * FROMex:g WHERE { ?s ?p ?o }",
    # found by the adversarial review: a keyword glued AFTER another word
    "SELECT * WHERE { ?a <urn:x>* trueSERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a <urn:x>* falseSERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a <urn:x>* trueSERVICESILENT<http://127.0.0.1:9/> { ?s ?p ?o } }",
    "PREFIX trueSERVICE: <http://127.0.0.1:9/> SELECT * WHERE { ?s ?p trueSERVICE:x }",
    "ASKFROM <http://127.0.0.1:9/> { ?s ?p ?o }",
    "CONSTRUCTFROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
])
def test_hidden_or_glued_service_and_from_are_refused(query):
    with pytest.raises(OutboundRefused):
        check(query)


def test_a_comment_ended_by_a_carriage_return_does_not_hide_the_bounded_verdict():
    checked = check("SELECT * WHERE { ?s ?p ?o #\r FILTER(?o) }")
    assert not checked.bounded
    assert checked.runnable.split("\n", 1)[1] == "SELECT * WHERE { ?s ?p ?o FILTER(?o) }"


def test_hidden_deep_nesting_is_counted():
    with pytest.raises(BadRequest):
        check("SELECT * WHERE { #\r" + "{" * 9000 + "}" * 9000 + " }", max_length=20_000)


@pytest.mark.parametrize("query, value", [
    ('SELECT * { BIND("a\\u0022 } SERVICE" AS ?x) }', 'a" } SERVICE'),
    ("SELECT * { BIND('''two\nlines''' AS ?x) }", "two\nlines"),
    ('SELECT * { BIND("tab\\there" AS ?x) }', "tab\there"),
])
def test_strings_reach_the_store_rewritten_from_their_value(query, value):
    import pyoxigraph
    checked = check(query)
    assert "\\u" not in checked.runnable
    (row,) = list(pyoxigraph.Store().query(checked.runnable))
    assert row["x"].value == value


def test_a_backslash_u_in_a_string_value_is_refused():
    with pytest.raises(BadRequest):
        check('SELECT * { BIND("\\\\u0053" AS ?x) }')


@pytest.mark.parametrize("iri, ok", [
    ("https://w3id.org/cambodia-prosecutions/graph/ontology", True),
    ("http://[x", False), ("https://w3id.org/cambodia-prosecutions/graph/nope", "outside")])
def test_protocol_graph_parameters_must_parse_and_name_a_dataset_graph(iri, ok):
    if ok is True:
        sandbox.check_graph_iris([iri], "default-graph-uri", GRAPHS)
    else:
        with pytest.raises(OutboundRefused if ok == "outside" else BadRequest):
            sandbox.check_graph_iris([iri], "named-graph-uri", GRAPHS)
