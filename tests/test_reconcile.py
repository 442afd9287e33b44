"""/reconcile over real HTTP (every store backend): the W3C Reconciliation Service API
0.2 as OpenRefine uses it, every answer validated against the protocol's JSON schemas
(vendored in tests/fixtures/reconciliation/, see SOURCE.md there)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed (pip install -e '.[test]')")
from referencing import Registry, Resource  # noqa: E402  (comes with jsonschema)
from referencing.jsonschema import DRAFT7  # noqa: E402

SCHEMAS = Path(__file__).parent / "fixtures" / "reconciliation"
BASE = "https://w3id.org/cambodia-prosecutions/"
PERSON, ORGANIZATION = "https://schema.org/Person", "https://schema.org/Organization"


def schema_registry() -> Registry:
    """The vendored schemas, each under its $id (manifest.json refers to type.json). Their
    ``$schema`` names no draft; they are written in draft 7."""
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = schema_registry()


def valid(name: str, instance) -> None:
    """Raise unless ``instance`` conforms to the vendored schema ``name``."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft7Validator(schema, registry=REGISTRY).validate(instance)


def reconcile(live_server, batch: dict, method: str = "POST") -> dict:
    valid("reconciliation-query-batch", batch)                      # we send what the protocol allows
    if method == "POST":
        resp = requests.post(live_server + "/reconcile", data={"queries": json.dumps(batch)}, timeout=30)
    else:
        resp = requests.get(live_server + "/reconcile", params={"queries": json.dumps(batch)}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.json()
    valid("reconciliation-result-batch", body)
    assert set(body) == set(batch)
    return body


# -- manifest ------------------------------------------------------------------------------------

def test_the_manifest_conforms_and_names_its_services(live_server):
    resp = requests.get(live_server + "/reconcile", timeout=30)
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
    manifest = resp.json()
    valid("manifest", manifest)
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == BASE
    assert {t["id"] for t in manifest["defaultTypes"]} == {PERSON, ORGANIZATION}
    assert manifest["view"]["url"] == live_server + "/{{id}}"
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        assert requests.get(service["service_url"] + service["service_path"], params={"prefix": "k"},
                            timeout=30).status_code == 200
    preview = manifest["preview"]["url"].replace("{{id}}", "person%2Fkem-sokha")
    assert requests.get(preview, timeout=30).status_code == 200


def test_the_view_template_opens_the_entity_page(live_server):
    manifest = requests.get(live_server + "/reconcile", timeout=30).json()
    url = manifest["view"]["url"].replace("{{id}}", requests.utils.quote("person/kem-sokha", safe=""))
    resp = requests.get(url, headers={"Accept": "text/html"}, timeout=30)
    assert resp.status_code == 200 and "Kem Sokha" in resp.text


# -- queries --------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, types, expected", [
    ("Kem Sokha", [PERSON], "person/kem-sokha"),
    ("kem soka", [PERSON], "person/kem-sokha"),                  # the variant spelling
    ("Hong Somcheat", [PERSON], "person/hong-samcheat"),
    ("Samcheat Hong", [PERSON], "person/hong-samcheat"),         # word order
    ("Khmer National Liberation Front", [ORGANIZATION], "organization/knlf"),
    ("KNLF", [ORGANIZATION], "organization/knlf"),
    ("Cambodia National Rescue Party", ["schema:Organization"], "organization/cnrp"),   # a subclass's instance
    ("person/sam-serey", [], "person/sam-serey"),                  # an id as the query
    (BASE + "person/sam-serey", [PERSON], "person/sam-serey"),     # an IRI as the query
])
def test_a_name_finds_its_entity_first_and_certain(live_server, query, types, expected):
    body = reconcile(live_server, {"q0": {"query": query, "type": types} if types else {"query": query}})
    first = body["q0"]["result"][0]
    assert first["id"] == expected and first["match"] is True and first["score"] >= 95
    assert all(not c["match"] for c in body["q0"]["result"][1:])


def test_a_partial_name_is_a_candidate_but_not_a_match(live_server):
    first = reconcile(live_server, {"q0": {"query": "Somcheat", "type": PERSON}})["q0"]["result"][0]
    assert first["id"] == "person/hong-samcheat" and first["match"] is False and 0 < first["score"] < 95


def test_a_misspelling_scores_high_without_certainty(live_server):
    result = reconcile(live_server, {"q0": {"query": "Kem Sokah", "type": PERSON}})["q0"]["result"]
    assert result[0]["id"] == "person/kem-sokha" and 80 <= result[0]["score"] < 100


def test_types_filter_candidates(live_server):
    body = reconcile(live_server, {"people": {"query": "Sam Rainsy", "type": [PERSON]},
                                   "orgs": {"query": "Sam Rainsy", "type": ORGANIZATION}})
    assert body["people"]["result"][0]["id"] == "person/sam-rainsy"
    assert all(c["type"][0]["id"] == PERSON for c in body["people"]["result"])
    assert "person/sam-rainsy" not in [c["id"] for c in body["orgs"]["result"]]


def test_limit_and_candidate_shape(live_server):
    result = reconcile(live_server, {"q0": {"query": "sam", "limit": 3}})["q0"]["result"]
    assert len(result) == 3
    assert [c["score"] for c in result] == sorted((c["score"] for c in result), reverse=True)
    for c in result:
        assert c["name"] and c["type"] and c["features"][0]["id"] == "name"


def test_properties_raise_the_score_of_the_candidate_holding_them(live_server):
    plain = reconcile(live_server, {"q0": {"query": "Royal pardon of Sam Serey"}})["q0"]["result"]
    batch = {"q0": {"query": "Royal pardon of Sam Serey",
                    "properties": [{"pid": "cpo:concerns", "v": {"id": "person/sam-serey", "name": "Sam Serey"}},
                                   {"pid": "https://w3id.org/cambodia-prosecutions/ontology#status",
                                    "v": BASE + "ontology#Occurred"}]}}
    with_props = reconcile(live_server, batch)["q0"]["result"]
    first = with_props[0]
    assert first["id"] == "event/royal-pardon-sam-serey"
    assert [f["value"] for f in first["features"][1:]] == [1.0, 1.0]
    assert first["score"] == plain[0]["score"] == 100


def test_properties_alone_are_a_query(live_server):
    batch = {"q0": {"properties": [{"pid": "schema:alternateName", "v": "KNLF"}], "type": ORGANIZATION}}
    first = reconcile(live_server, batch)["q0"]["result"][0]
    assert first["id"] == "organization/knlf" and first["score"] == 100


def test_get_answers_as_post(live_server):
    batch = {"a": {"query": "Kem Sokha"}, "b": {"query": "Hun Sen", "type": PERSON, "limit": 2}}
    assert reconcile(live_server, batch, "GET") == reconcile(live_server, batch, "POST")


def test_a_name_nobody_has_gets_no_certain_match(live_server):
    body = reconcile(live_server, {"q0": {"query": "Zbigniew Qwertyuiop"}})
    assert all(not c["match"] for c in body["q0"]["result"])


# -- JSONP -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"queries": json.dumps({"q0": {"query": "KNLF"}})}])
@pytest.mark.parametrize("callback", ["cb", "jQuery3510_17", "$.handlers.r0", "_"])
def test_jsonp_with_a_plain_callback_name(live_server, params, callback):
    resp = requests.get(live_server + "/reconcile", params={**params, "callback": callback}, timeout=30)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/javascript")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    match = re.fullmatch(r"/\*\*/" + re.escape(callback) + r"\((.*)\);", resp.text, re.S)
    assert match
    valid("reconciliation-result-batch" if params else "manifest", json.loads(match.group(1)))


@pytest.mark.parametrize("callback", ["alert(1)//", "a b", "x;alert(1)", "<script>", "1abc", "a" * 65, "",
                                      "a.b.c.d.e.f", "é", "a\u2028b", "a['b']", "a..b"])
def test_any_other_callback_is_refused(live_server, callback):
    resp = requests.get(live_server + "/reconcile", params={"callback": callback},
                        headers={"Accept": "application/json"}, timeout=30)
    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("application/json")
    assert "callback must be a JavaScript function name" in resp.json()["message"]


def test_post_ignores_callback(live_server):
    resp = requests.post(live_server + "/reconcile?callback=cb",
                         data={"queries": json.dumps({"q0": {"query": "KNLF"}})}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    valid("reconciliation-result-batch", resp.json())


# -- suggest and preview ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind, prefix, schema, expected", [
    ("entity", "kem so", "suggest-entities-response", "person/kem-sokha"),
    ("entity", "person/kem-sokha", "suggest-entities-response", "person/kem-sokha"),
    ("entity", "Somch", "suggest-entities-response", "person/hong-samcheat"),
    ("type", "pol", "suggest-types-response", BASE + "ontology#PoliticalParty"),
    ("type", "Person", "suggest-types-response", PERSON),
    ("property", "alternate", "suggest-properties-response", "https://schema.org/alternateName"),
    ("property", "conc", "suggest-properties-response", BASE + "ontology#concerns"),
])
def test_suggest(live_server, kind, prefix, schema, expected):
    resp = requests.get(f"{live_server}/reconcile/suggest/{kind}", params={"prefix": prefix}, timeout=30)
    assert resp.status_code == 200
    body = resp.json()
    valid(schema, body)
    assert body["result"][0]["id"] == expected


def test_suggest_pages_with_cursor(live_server):
    url = live_server + "/reconcile/suggest/entity"
    first = requests.get(url, params={"prefix": "sam"}, timeout=30).json()["result"]
    second = requests.get(url, params={"prefix": "sam", "cursor": len(first)}, timeout=30).json()["result"]
    assert len(first) == 10 and second and not {e["id"] for e in first} & {e["id"] for e in second}
    assert requests.get(url, params={"prefix": "sam", "cursor": "x"}, timeout=30).status_code == 400


def test_the_preview_is_a_small_framable_page_without_script(live_server):
    resp = requests.get(live_server + "/reconcile/preview", params={"id": "person/kem-sokha"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors *" in resp.headers["Content-Security-Policy"]
    assert "script-src 'none'" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers
    assert "Kem Sokha" in resp.text and "Kem Soka" in resp.text and "<script" not in resp.text
    other = requests.get(live_server + "/person/kem-sokha", headers={"Accept": "text/html"}, timeout=30)
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]   # only the preview
    assert requests.get(live_server + "/reconcile/preview", params={"id": "person/nobody"},
                        timeout=30).status_code == 404


# -- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("queries, status", [
    ("{not json", 400),
    ("[1, 2]", 400),
    ('{"q0": "Kem Sokha"}', 400),
    ('{"q0": {}}', 400),
    ('{"q0": {"query": 5}}', 400),
    ('{"q0": {"query": "x", "limit": 0}}', 400),
    ('{"q0": {"query": "x", "type": {"id": 1}}}', 400),
    ('{"q0": {"query": "x", "properties": [{"v": 1}]}}', 400),
    (json.dumps({f"q{i}": {"query": "kem"} for i in range(51)}), 413),
])
def test_malformed_batches_are_client_errors(live_server, queries, status):
    for send in (lambda: requests.post(live_server + "/reconcile", data={"queries": queries}, timeout=30),
                 lambda: requests.get(live_server + "/reconcile", params={"queries": queries}, timeout=30)):
        resp = send()
        assert resp.status_code == status, resp.text
        assert resp.json()["status"] == status


def test_post_without_queries_is_400(live_server):
    assert requests.post(live_server + "/reconcile", data={"x": "1"}, timeout=30).status_code == 400


@pytest.mark.parametrize("pid", ["> } ?s ?p ?o } #", "http://x/> . ?s ?p ?o", "schema:name> } #", "\x00", "nope:x"])
def test_hostile_property_ids_match_nothing(live_server, pid):
    body = reconcile(live_server, {"q0": {"query": "Kem Sokha", "properties": [{"pid": pid, "v": "x"}]}})
    first = body["q0"]["result"][0]
    assert first["id"] == "person/kem-sokha" and first["features"][1]["value"] == 0


@pytest.mark.parametrize("query", ['"', "NEAR(a b)", "*", "\x00", "x" * 10_000, "{name}: kem", ")))"])
def test_hostile_query_text_is_answered(live_server, query):
    reconcile(live_server, {"q0": {"query": query}})
