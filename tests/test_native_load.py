"""Native loading (server/native_load.py): N-Triples / N-Quads data parsed by pyoxigraph
straight into the store that serves it gives the checks exactly the answers of the
rdflib loader's path (SHACL results with either engine, the summary, undeclared terms,
the provenance findings), and the store it leaves is the one the loader's path builds;
a start on such data validates before serving, in memory and on disk."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

from server import create_app
from server.config import DEFAULTS
from server.errors import DataDoesNotConform
from server.generate import generate_quads
from server.loader import load_dataset
from server.native_load import StoreDataset
from server.startup import check, find_sources, parse

BASE = DEFAULTS["BASE_IRI"]
SOURCES = str(Path(DEFAULTS["DATA_DIR"]).resolve().parent / "sources")


def config_for(data_dir, **extra) -> dict:
    return {**DEFAULTS, "DATA_DIR": str(data_dir), "SOURCES_DIR": SOURCES, **extra}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> Path:
    """Every 7th quad of a synthetic dataset removed: results of many kinds."""
    lines, _ = generate_quads(600, seed=2)
    folder = tmp_path_factory.mktemp("faulty") / "data"
    folder.mkdir()
    (folder / "synthetic.nq").write_text("".join(l for i, l in enumerate(lines) if i % 7 != 3),
                                         encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shipped_as_nquads(tmp_path_factory) -> Path:
    """The shipped data, one N-Quads file per article file, same graph names."""
    loaded = load_dataset(None, DEFAULTS["DATA_DIR"], None, BASE)
    folder = tmp_path_factory.mktemp("shipped") / "data"
    folder.mkdir()
    for path, graphs in loaded.files.items():
        out = Dataset()
        for name in graphs:
            target = out.graph(name)
            for triple in loaded.dataset.graph(name):
                target.add(triple)
        out.serialize(folder / (Path(path).stem + ".nq"), format="nquads")
    return folder


def outcomes(data_dir, engine: str):
    config = config_for(data_dir)
    sources = find_sources(config)
    native, reference = parse(sources, config, native=True), parse(sources, config)
    assert isinstance(native, StoreDataset) and not isinstance(reference, StoreDataset)
    return check(native, config, engine), check(reference, config, engine)


def findings(outcome) -> list[tuple]:
    return [(f.severity, f.check, f.message, f.file, f.line, f.resource)
            for f in outcome.curation.findings]


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
def test_faulty_data_gets_the_loader_paths_results(faulty, engine):
    native, reference = outcomes(faulty, engine)
    assert native.report.results == reference.report.results
    assert len({r.constraint_component for r in reference.report.results}) >= 3
    assert not native.conforms
    assert native.summary == reference.summary
    assert native.undeclared == reference.undeclared
    assert findings(native) == findings(reference)


def test_the_shipped_data_as_nquads_gets_the_loader_paths_answers(shipped_as_nquads):
    """The shipped data holds literals Oxigraph's store rewrites ("6"^^xsd:positiveInteger
    is stored as xsd:integer): the checks must see them as the files write them."""
    native, reference = outcomes(shipped_as_nquads, "auto")
    assert native.report.results == reference.report.results
    assert {r.source_shape.rsplit("#", 1)[-1] for r in native.report.results} >= {
        "EventDateConflictRecordedShape", "UnnamedGroup-countGiven"}
    assert native.summary == reference.summary
    assert native.undeclared == reference.undeclared
    assert findings(native) == findings(reference)
    assert native.conforms


def test_a_positive_integer_the_store_rewrites_is_validated_as_written(tmp_path):
    """A valid ``"01"^^xsd:positiveInteger`` (stored by Oxigraph as ``"1"^^xsd:integer``)
    conforms, and an invalid ``"0"^^xsd:positiveInteger`` is reported with its own
    datatype, on the native path as on the loader's."""
    lines, _ = generate_quads(300, seed=1)
    attempt = f"<{BASE}ontology#attemptNumber>"
    assert any(attempt in line for line in lines)
    for written, valid in (('"01"', True), ('"0"', False)):
        folder = tmp_path / written.strip('"') / "data"
        folder.mkdir(parents=True)
        text = "".join(line.replace('"1"^^<http://www.w3.org/2001/XMLSchema#positiveInteger>',
                                    f'{written}^^<http://www.w3.org/2001/XMLSchema#positiveInteger>')
                       for line in lines)
        (folder / "synthetic.nq").write_text(text, encoding="utf-8")
        native, reference = outcomes(folder, "turbo")
        assert native.report.results == reference.report.results
        attempts = [r for r in native.report.results if str(r.path) == attempt[1:-1]]
        assert bool(attempts) is not valid
        for r in attempts:
            assert str(r.value.datatype).endswith("#positiveInteger")


def _get(url: str, accept: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, answer.read()


@pytest.mark.parametrize("persistent", [False, True])
def test_a_start_on_nquads_validates_then_serves_the_same_store(tmp_path, shipped_as_nquads, persistent):
    """create_app on N-Quads data with validation on (the native path) serves what the
    loader's path serves: the same quads, and the dataset's pages over HTTP."""
    import threading

    from werkzeug.serving import make_server
    extra = {"VALIDATE_ON_START": True, "STORE_BACKEND": "oxigraph"}
    if persistent:
        extra["STORE_PATH"] = str(tmp_path / "store")
    app = create_app(config_for(shipped_as_nquads, **extra))
    reference = create_app(config_for(DEFAULTS["DATA_DIR"], VALIDATE_ON_START=False, STORE_BACKEND="oxigraph"))
    store, ref = app.extensions["kg.store"], reference.extensions["kg.store"]
    try:
        if persistent:       # the verdict is recorded: the next start does not validate again
            manifest = json.loads((tmp_path / "store" / "kg-manifest.json").read_text())
            assert manifest["conforms"] is True
        assert store.stats()["triples"] == ref.stats()["triples"]
        assert sorted(map(str, store.graph_names())) == sorted(map(str, ref.graph_names()))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_port}"
            status, body = _get(url + "/sparql?query=" + urllib.request.quote(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
                "application/sparql-results+json")
            assert status == 200
            count = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
            assert count == sum(1 for _ in ref.quads() if _[3] is not None)
            status, body = _get(url + "/person/sam-serey", "text/turtle")
            assert status == 200 and b"Sam Serey" in body
        finally:
            server.shutdown()
            thread.join(timeout=10)
    finally:
        for one in (store, ref):
            one.close()


def test_a_start_on_nquads_that_do_not_conform_is_refused_naming_the_file(faulty, tmp_path):
    """Nothing is served, no store is left on disk, and the report names the file."""
    from server.report import render_text
    store_path = tmp_path / "store"
    for extra in ({}, {"STORE_PATH": str(store_path)}):
        with pytest.raises(DataDoesNotConform) as refused:
            create_app(config_for(faulty, VALIDATE_ON_START=True, STORE_BACKEND="oxigraph", **extra))
        assert "violation(s)" in refused.value.message
        assert "synthetic.nq" in render_text(refused.value.outcome)
    assert not (store_path / "kg-manifest.json").exists()


@pytest.mark.parametrize("store_backend", [
    "rdflib",
    pytest.param("oxigraph", marks=pytest.mark.xfail(strict=True, reason=(
        "Oxigraph 0.5 stores derived XSD integer types as xsd:integer (docs/deploy.md, "
        "'Known difference of every Oxigraph store')"))),
])
def test_the_store_serves_a_positive_integer_with_its_datatype(store_backend):
    """The shipped data's ``cpo:attemptNumber`` is an ``xsd:positiveInteger``: what
    /sparql answers should say so."""
    app = create_app({"VALIDATE_ON_START": False, "STORE_BACKEND": store_backend})
    try:
        answer = app.test_client().get("/sparql", query_string={"query": (
            "SELECT DISTINCT (DATATYPE(?n) AS ?t) WHERE { "
            f"?e <{BASE}ontology#attemptNumber> ?n }}")}, headers={"Accept": "text/csv"})
        assert answer.status_code == 200
        assert answer.get_data(as_text=True).split() == ["t", "http://www.w3.org/2001/XMLSchema#positiveInteger"]
    finally:
        app.extensions["kg.store"].close()


def _locked_by_this_process(path: Path) -> bool:
    """Does this process hold a POSIX lock (RocksDB's, on its LOCK file) on ``path``?"""
    import os
    st = os.stat(path)
    wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    with open("/proc/locks") as locks:
        return any(wanted in line.split() and str(os.getpid()) in line.split() for line in locks)


def test_a_store_built_while_checked_is_closed_before_it_is_swapped_in(tmp_path, shipped_as_nquads):
    """The persistent store the data is parsed into and checked in is closed before its
    files go into the manifest and it is served: while it is open, RocksDB rewrites its
    files in the background (the build then failed on a vanished file, or the next start
    called the sound store corrupted). The report of the check still reads the data, and
    the next start opens the store without validating again."""
    from server.report import render_text
    from server.startup import start
    config = config_for(shipped_as_nquads, VALIDATE_ON_START=True, STORE_BACKEND="oxigraph",
                        STORE_PATH=str(tmp_path / "store"))
    first = start(config)
    try:
        assert first.action == "built" and first.outcome.conforms
        assert not _locked_by_this_process(tmp_path / "store" / "db" / "LOCK")
        assert "CONFORMS" in render_text(first.outcome)
        assert first.outcome.loaded.subjects_of(URIRef(BASE + "graph/camboja-sam-serey-pardoned"))
    finally:
        first.store.close()
    again = start(config)
    try:
        assert again.action == "opened" and again.outcome is None
    finally:
        again.store.close()


@pytest.mark.parametrize("suffix", [".nq", ".nt"])
def test_an_empty_data_file_is_judged_as_on_the_loaders_path(tmp_path, shipped_as_nquads, suffix):
    """An empty N-Quads / N-Triples file beside the others names its graph
    (``graph/<stem>``) on both paths: the graph is counted, and the file is reported for
    not describing it; the verdict does not depend on the path taken."""
    import shutil
    folder = tmp_path / "data"
    shutil.copytree(shipped_as_nquads, folder)
    (folder / ("zz-empty" + suffix)).write_text("", encoding="utf-8")
    native, reference = outcomes(folder, "turbo")
    assert native.summary == reference.summary
    assert findings(native) == findings(reference)
    assert any(f[1] == "graph per file" and f[3].endswith("zz-empty" + suffix) for f in findings(native))
    assert native.conforms is reference.conforms is False


def test_every_broken_file_is_named_as_on_the_loaders_path(tmp_path, shipped_as_nquads):
    """Two N-Quads files with syntax errors: both are reported, each with file, line and
    column, on the native path as on the loader's (not only the first)."""
    import shutil

    from server.errors import DataLoadError
    folder = tmp_path / "data"
    shutil.copytree(shipped_as_nquads, folder)
    for name, junk in (("camboja-sam-serey-pardoned.nq", "garbage here\n"),
                       ("fourteen-activists-freed.nq", "<a> <b> .\n")):
        with open(folder / name, "a", encoding="utf-8") as out:
            out.write(junk)
    config = config_for(folder)
    sources = find_sources(config)
    raised = []
    for native in (True, False):
        with pytest.raises(DataLoadError) as error:
            parse(sources, config, native=native)
        raised.append([(Path(e.path).name, e.line, e.column, e.reason) for e in error.value.errors])
    assert raised[0] == raised[1]
    assert [name for name, *_ in raised[0]] == ["camboja-sam-serey-pardoned.nq", "fourteen-activists-freed.nq"]
