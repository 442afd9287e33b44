"""Who "a client" is for the per-client query limit: the connection's address, or,
behind trusted reverse proxies (TRUSTED_PROXIES), the address they forward. A client
cannot pick its own identity by sending X-Forwarded-For to an unproxied server."""
from __future__ import annotations

import pytest

from server import create_app
from server.config import DEFAULTS


@pytest.mark.parametrize("proxies, forwarded, seen", [
    (0, None, "192.0.2.10"),
    (0, "203.0.113.7", "192.0.2.10"),                 # not trusted: ignored
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # only the hop our proxy added
])
def test_the_client_of_a_query_is_the_trusted_address(proxies, forwarded, seen, monkeypatch):
    app = create_app({"TESTING": True, "VALIDATE_ON_START": False, "STORE_BACKEND": "oxigraph",
                      "DATA_DIR": DEFAULTS["DATA_DIR"], "TRUSTED_PROXIES": proxies,
                      "QUERY_CACHE_ENTRIES": 0})
    store = app.extensions["kg.store"]
    clients = []
    real = store.protocol_query
    monkeypatch.setattr(store, "protocol_query",
                        lambda *a, **kw: clients.append(kw.get("client")) or real(*a, **kw))
    headers = {"Accept": "application/sparql-results+json"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    resp = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                                 headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    store.close()
    assert resp.status_code == 200 and clients == [seen]


@pytest.mark.parametrize("address, key", [
    ("192.0.2.10", "192.0.2.10"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),   # same subscriber, same client
    (None, None),
])
def test_an_ipv6_client_is_its_64_prefix(address, key):
    from server.sparql.execute import client_key
    assert client_key(address) == key


def test_a_trusted_proxy_cannot_choose_the_scheme_of_absolute_urls():
    app = create_app({"TESTING": True, "VALIDATE_ON_START": False, "STORE_BACKEND": "oxigraph",
                      "TRUSTED_PROXIES": 1})
    resp = app.test_client().get("/person/sam-serey", headers={
        "Host": "localhost", "Accept": "application/ld+json",
        "X-Forwarded-Proto": "https://evil.example/#"})
    app.extensions["kg.store"].close()
    assert resp.status_code == 200 and "evil.example" not in resp.get_data(as_text=True)
