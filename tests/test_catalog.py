"""Findable: the home page embeds a schema.org Dataset (JSON-LD) and the VoID description
is also a DCAT description, both naming the same title, licence and downloads, and every
download they name is served with the media type they state."""
from __future__ import annotations

import json
import re

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from server.config import load_site
from server.formats import DUMP_FORMATS

BASE = "https://w3id.org/cambodia-prosecutions/"
DATASET = URIRef(BASE + "void#dataset")
SITE = load_site(None, "ontology")


def home_dataset(live_server, **headers) -> dict:
    r = requests.get(live_server + "/", headers={"Accept": "text/html", **headers}, timeout=30)
    assert r.status_code == 200
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', r.text, re.S)
    assert len(blocks) == 1, "the home page embeds exactly one JSON-LD block"
    return json.loads(blocks[0])


def void_graph(live_server) -> Graph:
    r = requests.get(live_server + "/void", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200
    return Graph().parse(data=r.text, format="turtle")


def test_the_home_page_describes_the_dataset_in_schema_org(live_server):
    data = home_dataset(live_server)
    assert data["@type"] == "Dataset" and data["@context"] == "https://schema.org/"
    assert data["name"] == SITE["SITE_TITLE"]
    assert data["description"] == SITE["SITE_DESCRIPTION"] and len(data["description"]) > 100
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["@id"] == str(DATASET)
    formats = {d["encodingFormat"] for d in data["distribution"]}
    assert formats == {f.media_type for f in DUMP_FORMATS}


def test_the_embedded_json_ld_is_rdf_a_dataset_with_downloads(live_server):
    data = home_dataset(live_server)
    g = Graph().parse(data=json.dumps({**data, "@context": {"@vocab": "https://schema.org/"}}),
                      format="json-ld")
    schema = "https://schema.org/"
    assert (DATASET, RDF.type, URIRef(schema + "Dataset")) in g
    assert len(list(g.objects(DATASET, URIRef(schema + "distribution")))) == len(DUMP_FORMATS)


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda f: f.suffix)
def test_each_schema_org_download_is_served_with_its_stated_type(live_server, fmt):
    data = home_dataset(live_server)
    (dist,) = [d for d in data["distribution"] if d["encodingFormat"] == fmt.media_type]
    assert dist["contentUrl"].startswith(live_server + "/")
    r = requests.get(dist["contentUrl"], timeout=60)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == fmt.media_type
    Dataset().parse(data=r.content, format=fmt.rdflib)


def test_the_json_ld_block_never_names_the_requests_host(app, live_server):
    """Behind a proxy the Host header is the client's: absolute URLs come from the public
    base (KG_PUBLIC_URL, else BASE_IRI), never from it."""
    with app.test_client() as client:
        html = client.get("/", headers={"Accept": "text/html", "Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in html
    assert '"contentUrl": "https://w3id.org/cambodia-prosecutions/dumps/dataset.trig"' in html


def test_void_is_a_dcat_dataset_with_one_distribution_per_dump(live_server):
    g = void_graph(live_server)
    assert (DATASET, RDF.type, DCAT.Dataset) in g
    assert (DATASET, DCTERMS.description, Literal(SITE["SITE_DESCRIPTION"], lang="en")) in g
    dists = list(g.objects(DATASET, DCAT.distribution))
    assert len(dists) == len(DUMP_FORMATS)
    seen = {}
    for dist in dists:
        assert (dist, RDF.type, DCAT.Distribution) in g
        assert g.value(dist, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
        media = str(g.value(dist, DCAT.mediaType)).removeprefix("https://www.iana.org/assignments/media-types/")
        seen[media] = str(g.value(dist, DCAT.downloadURL))
    assert seen == {f.media_type: f"{BASE}dumps/dataset.{f.suffix}" for f in DUMP_FORMATS}


def test_void_names_the_sparql_endpoint_as_the_datasets_data_service(live_server):
    g = void_graph(live_server)
    service = g.value(DATASET, DCAT.accessService)
    assert (service, RDF.type, DCAT.DataService) in g
    assert g.value(service, DCAT.endpointURL) == URIRef(BASE + "sparql")
    assert (service, DCAT.servesDataset, DATASET) in g


def test_a_value_cannot_close_the_script_element():
    from server.web.catalog import script_json
    text = script_json({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & <!--"


def test_the_site_description_is_optional(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('title = "Another dataset"\n')
    assert load_site(str(site), str(tmp_path))["SITE_DESCRIPTION"] == ""
    site.write_text('title = "Another dataset"\ndescription = 3\n')
    from server.errors import DataLoadError
    with pytest.raises(DataLoadError, match="description must be a string"):
        load_site(str(site), str(tmp_path))
