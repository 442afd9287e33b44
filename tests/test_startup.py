"""The one start-up pipeline (server.startup): each file parsed once, one gate for every
way in (``validate``, ``serve``'s preflight, ``create_app``), distinct failures ("does
not conform" vs "could not validate"), and the rules on folders and sizes.

Datasets are built in tmp_path from the tiny ontology and shapes of tests/test_cli.py.
Parser calls are counted by wrapping ``server.loader.parse_file`` (every file the
loader reads) and ``server.store.bulk.file_quads`` (every streamed data file)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from server import create_app, errors, startup, validation
from server.cli import main, preflight
from server.config import DEFAULTS
from server.errors import (DataDoesNotConform, DataFolderError, DataTooLarge, StartupError,
                           ValidationCouldNotRun)
from test_cli import BASE, GOOD, NO_STATUS, PREFIXES, UNLABELLED, make_dataset

EVENT_NT = "<http://example.org/kg/event/{n}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
           "<http://example.org/kg/ontology#Event> .\n" \
           "<http://example.org/kg/event/{n}> <http://example.org/kg/ontology#status> " \
           "<http://example.org/kg/ontology#Occurred> .\n"
UNDECLARED = GOOD + "event:a ex:statsu ex:Occurred .\n"       # SHACL passes; the vocabulary check does not
BROKEN_SHAPES = """\
@prefix ex: <http://example.org/kg/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:S a sh:NodeShape ; sh:targetClass ex:Event ;
    sh:sparql [ sh:select "SELECT $this WHERE { this is not sparql" ; sh:message "x" ] .
"""
TWO_MB = 2 * 1024 * 1024


def config_for(root: Path, **more) -> dict:
    return {**DEFAULTS, "TESTING": True, "BASE_IRI": BASE, "ONTOLOGY_DIR": str(root / "ontology"),
            "DATA_DIR": str(root / "data"), "SHAPES_DIR": str(root / "shapes"),
            "VALIDATE_ON_START": True, "QUERY_CONFINEMENT": "none", **more}


@pytest.fixture
def parses(monkeypatch) -> Counter:
    """File name -> how many times a parser read it, during the test."""
    import server.loader as loader
    import server.store.bulk as bulk
    seen: Counter = Counter()
    real_parse, real_stream, real_native = loader.parse_file, bulk.file_quads, loader.file_terms

    def parse_file(path, *args, **kwargs):
        seen[Path(path).name] += 1
        return real_parse(path, *args, **kwargs)

    def file_quads(path, *args, **kwargs):
        seen[Path(path).name] += 1
        return real_stream(path, *args, **kwargs)
    def file_terms(path, *args, **kwargs):         # the loader's pyoxigraph path
        seen[Path(path).name] += 1
        return real_native(path, *args, **kwargs)
    monkeypatch.setattr(loader, "parse_file", parse_file)
    monkeypatch.setattr(loader, "file_terms", file_terms)
    monkeypatch.setattr(bulk, "file_quads", file_quads)
    return seen


def close(app) -> None:
    app.extensions["kg.store"].close()


# -- each file parsed once --------------------------------------------------------------

def test_serve_parses_each_file_once_then_restarts_without_parsing(tmp_path, parses):
    """What ``serve`` does in its process: the preflight (the pipeline, validation on),
    then create_app with VALIDATE_ON_START off (the serving code builds the app)."""
    make_dataset(tmp_path, one=GOOD, two=UNLABELLED)
    config = config_for(tmp_path, STORE_PATH=str(tmp_path / "store"))
    for start in ("first", "restart"):
        code, started = preflight(config, "pyshacl")
        assert code is None
        app = create_app({**config, "VALIDATE_ON_START": False})
        with app.app_context():
            assert app.extensions["kg.store"].stats()["graphs"] == 4
        close(app)
        started.store.close()
        if start == "first":
            assert started.action == "built" and started.outcome.conforms
            assert parses == Counter({"vocab.ttl": 1, "shapes.ttl": 1, "one.ttl": 1, "two.ttl": 1})
        else:
            assert started.action == "opened" and started.outcome is None
            assert sum(parses.values()) == 4, "a restart on unchanged files parses nothing"


@pytest.mark.parametrize("settings", [
    {"STORE_BACKEND": "oxigraph"},
    {"STORE_BACKEND": "rdflib"},
    {"STORE_BACKEND": "oxigraph", "STORE_PATH": "store"},
], ids=["oxigraph", "rdflib", "oxigraph-disk"])
def test_create_app_parses_and_validates_from_one_parse(tmp_path, parses, settings):
    make_dataset(tmp_path, one=GOOD)
    if "STORE_PATH" in settings:
        settings = {**settings, "STORE_PATH": str(tmp_path / settings["STORE_PATH"])}
    app = create_app(config_for(tmp_path, **settings))
    with app.app_context():
        assert not app.extensions["kg.store"].describe(BASE + "event/a").empty
    close(app)
    assert parses == Counter({"vocab.ttl": 1, "shapes.ttl": 1, "one.ttl": 1})


def test_a_streamed_build_reads_each_data_file_once(tmp_path, parses):
    make_dataset(tmp_path)
    for n in ("x", "y"):
        (tmp_path / "data" / f"{n}.nt").write_text(EVENT_NT.format(n=n))
    started = startup.start(config_for(tmp_path, VALIDATE_ON_START=False))
    assert started.store.backend.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{BASE}graph/x> {{ ?s ?p ?o }} }}").rows[0]["n"].toPython() == 2
    assert parses == Counter({"vocab.ttl": 1, "shapes.ttl": 1, "x.nt": 1, "y.nt": 1})


def test_a_store_built_unvalidated_is_validated_once_then_trusted(tmp_path, parses):
    make_dataset(tmp_path, one=GOOD)
    config = config_for(tmp_path, STORE_PATH=str(tmp_path / "store"))
    startup.start({**config, "VALIDATE_ON_START": False}).store.close()    # e.g. by a test
    assert parses["one.ttl"] == 1
    checked = startup.start(config)
    assert checked.action == "opened" and checked.outcome.conforms and parses["one.ttl"] == 2
    checked.store.close()
    trusted = startup.start(config)
    assert trusted.action == "opened" and trusted.outcome is None and parses["one.ttl"] == 2
    trusted.store.close()


def test_a_reused_store_passes_the_same_gate(tmp_path):
    make_dataset(tmp_path, one=GOOD, three=NO_STATUS)
    config = config_for(tmp_path, STORE_PATH=str(tmp_path / "store"))
    allowed = startup.start({**config, "ALLOW_INVALID": True})
    assert allowed.action == "built" and not allowed.outcome.conforms
    allowed.store.close()
    with pytest.raises(DataDoesNotConform):
        startup.start(config)                       # same files, same store: still refused
    again = startup.start({**config, "ALLOW_INVALID": True})
    assert again.action == "opened" and again.outcome is None   # the verdict was recorded
    again.store.close()


# -- one gate -----------------------------------------------------------------------------

@pytest.mark.parametrize("files, conforms", [
    ({"one": GOOD, "two": UNLABELLED}, True),      # warnings do not fail
    ({"one": GOOD, "three": NO_STATUS}, False),    # a SHACL violation
    ({"one": UNDECLARED}, False),                  # an undeclared term: the vocabulary check
], ids=["warning", "violation", "undeclared-term"])
def test_validate_serve_and_create_app_share_one_verdict(runner, tmp_path, files, conforms):
    options = make_dataset(tmp_path, **files)
    config = config_for(tmp_path)
    assert runner.invoke(main, ["validate", *options]).exit_code == (0 if conforms else 1)
    code, started = preflight(config)
    assert code == (None if conforms else 1)
    if conforms:
        started.store.close()
        close(create_app(config))
    else:
        with pytest.raises(DataDoesNotConform) as refused:
            create_app(config)
        assert refused.value.exit_code == 1 and not refused.value.outcome.conforms
        close(create_app({**config, "ALLOW_INVALID": True}))     # the explicit opt-in


def test_could_not_validate_is_never_served_even_with_allow_invalid(runner, tmp_path):
    options = make_dataset(tmp_path, one=GOOD)
    (tmp_path / "shapes" / "shapes.ttl").write_text(BROKEN_SHAPES)
    config = config_for(tmp_path, ALLOW_INVALID=True)
    for engine in ("pyshacl", "turbo"):
        result = runner.invoke(main, ["validate", *options, "--engine", engine])
        assert result.exit_code == 2 and "could not run" in result.output, result.output
        with pytest.raises(ValidationCouldNotRun, match="could not run") as failed:
            startup.start(config, engine=engine)
        assert "shapes" in failed.value.hint
    assert preflight(config, "pyshacl") == (2, None)


def test_the_two_failures_have_two_names():
    assert DataDoesNotConform.exit_code == 1 and ValidationCouldNotRun.exit_code == 2
    assert not issubclass(DataDoesNotConform, ValidationCouldNotRun)
    assert not issubclass(ValidationCouldNotRun, DataDoesNotConform)
    assert not hasattr(errors, "ValidationFailed") and not hasattr(validation, "ValidationFailed")


# -- folders ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing", "misspelled", "empty", "no-rdf-files", "a-file"])
def test_a_missing_or_empty_data_folder_is_refused(runner, tmp_path, case):
    options = make_dataset(tmp_path, one=GOOD)
    data = tmp_path / "data"
    folder = {"missing": tmp_path / "nowhere", "misspelled": tmp_path / "dta",
              "empty": tmp_path / "empty", "no-rdf-files": tmp_path / "notes",
              "a-file": data / "one.ttl"}[case]
    if case == "empty":
        folder.mkdir()
    if case == "no-rdf-files":
        folder.mkdir()
        (folder / "README.md").write_text("no data here\n")
    options[options.index(str(data))] = str(folder)
    result = runner.invoke(main, ["validate", *options])
    assert result.exit_code == 2, result.output
    assert str(folder) in result.output
    assert ("--allow-empty" in result.output) is (case in ("empty", "no-rdf-files"))
    with pytest.raises(DataFolderError, match=str(folder)):
        create_app(config_for(tmp_path, DATA_DIR=str(folder)))


@pytest.mark.parametrize("key", ["ONTOLOGY_DIR", "SHAPES_DIR"])
def test_a_misspelled_ontology_or_shapes_folder_is_refused(tmp_path, key):
    make_dataset(tmp_path, one=GOOD)
    wrong = str(tmp_path / "shpaes")
    with pytest.raises(DataFolderError, match="does not exist") as refused:
        startup.start(config_for(tmp_path, **{key: wrong}))
    assert wrong in refused.value.message and f"KG_{key}" in refused.value.hint


def test_allow_empty_serves_the_ontology_and_shapes_alone(runner, tmp_path):
    options = make_dataset(tmp_path)
    assert runner.invoke(main, ["validate", *options]).exit_code == 2
    result = runner.invoke(main, ["validate", *options, "--allow-empty"])
    assert result.exit_code == 0, result.output
    app = create_app(config_for(tmp_path, ALLOW_EMPTY_DATA=True))
    with app.app_context():
        assert [str(g) for g in app.extensions["kg.store"].graph_names()] == \
            [BASE + "graph/ontology", BASE + "graph/shapes"]
    close(app)


def test_serve_names_the_missing_data_folder(tmp_path):
    from test_cli import free_port, serve
    options = make_dataset(tmp_path, one=GOOD)
    options[options.index(str(tmp_path / "data"))] = str(tmp_path / "dta")
    process = serve(options, free_port())
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    assert f"refusing to serve: The data folder {tmp_path / 'dta'} does not exist" in output
    assert "Traceback" not in output


# -- sizes ----------------------------------------------------------------------------------

def long_literal_file(folder: Path, suffix: str, size: int = TWO_MB) -> tuple[Path, str]:
    subject = BASE + "event/long"
    path = folder / f"long{suffix}"
    value = "x" * size
    if suffix == ".ttl":
        path.write_text(PREFIXES + f'event:long a ex:Event ; ex:status ex:Occurred ; rdfs:label "{value}" .\n')
    else:
        path.write_text(EVENT_NT.format(n="long") +
                        f'<{subject}> <http://www.w3.org/2000/01/rdf-schema#label> "{value}" .\n')
    return path, subject


def the_one(error: errors.DataLoadError) -> errors.DataLoadError:
    """The single file error of a load (the loader raises all of a run's at once)."""
    found = getattr(error, "errors", [error])
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("suffix, validating", [(".ttl", True), (".nt", True), (".nt", False)],
                         ids=["turtle", "n-triples", "n-triples-streamed"])
def test_a_literal_over_the_limit_is_refused_with_file_and_subject(runner, tmp_path, suffix, validating):
    options = make_dataset(tmp_path, one=GOOD)
    path, subject = long_literal_file(tmp_path / "data", suffix)
    if validating:
        result = runner.invoke(main, ["validate", *options])
        assert result.exit_code == 2, result.output
        assert str(path) in result.output and f"<{subject}>" in result.output
        assert "MAX_LITERAL_BYTES" in result.output and "Traceback" not in result.output
    with pytest.raises(errors.DataLoadError) as refused:
        create_app(config_for(tmp_path, VALIDATE_ON_START=validating))
    error = the_one(refused.value)
    assert isinstance(error, DataTooLarge)
    assert error.path == str(path) and error.subject == f"<{subject}>"
    assert f"{TWO_MB:,} bytes" in error.message


def test_a_literal_under_a_raised_limit_loads(tmp_path):
    make_dataset(tmp_path, one=GOOD)
    long_literal_file(tmp_path / "data", ".ttl")
    close(create_app(config_for(tmp_path, MAX_LITERAL_BYTES=4 * TWO_MB)))


def test_a_term_beyond_the_parsers_own_buffer_is_a_size_error(tmp_path):
    """pyoxigraph's parser stops at 16 MB terms (a MemoryError): with the limit raised
    above that, the error is still a DataTooLarge naming the file, not a traceback."""
    make_dataset(tmp_path, one=GOOD)
    path, _subject = long_literal_file(tmp_path / "data", ".nt", size=17 * 1024 * 1024)
    for validating in (True, False):
        with pytest.raises(errors.DataLoadError, match="too large for the parser") as refused:
            startup.start(config_for(tmp_path, MAX_LITERAL_BYTES=64 * 1024 * 1024,
                                     VALIDATE_ON_START=validating))
        error = the_one(refused.value)
        assert isinstance(error, DataTooLarge) and error.path == str(path)


def test_a_file_over_the_limit_is_refused_before_parsing(runner, tmp_path, parses):
    options = make_dataset(tmp_path, one=GOOD, big=GOOD + "# padding\n" * 200)
    result = runner.invoke(main, ["validate", *options], env={"KG_MAX_FILE_BYTES": "1000"})
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "data" / "big.ttl") in result.output and "MAX_FILE_BYTES" in result.output
    assert not parses, "nothing is parsed when a file is too large"


def test_every_start_up_failure_is_a_startup_error_with_an_exit_code():
    for cls in (DataFolderError, DataTooLarge, ValidationCouldNotRun, DataDoesNotConform,
                errors.DataLoadError, errors.StoreInUse, errors.StoreCorrupted):
        assert issubclass(cls, StartupError) and cls.exit_code in (1, 2)
