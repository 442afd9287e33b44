"""The one start-up pipeline: files -> parse once -> validate -> build or open the store.

Every way in runs it, with one gate policy:

    python -m server validate    stages 1-3, prints the report     (server.cli.run_checks)
    python -m server serve       stages 1-4, before any worker     (server.cli.preflight)
    create_app(config)           stages 1-4                         (server.store.init_app)

1. ``find_sources(config) -> Sources``: the files of the three RDF folders and their
   fingerprint, and the folder of article texts (``server.curation.sources_folder``);
   nothing parsed. A configured folder that does not exist, or a data
   folder without RDF files (unless ALLOW_EMPTY_DATA), is a ``DataFolderError``; a
   file over MAX_FILE_BYTES a ``DataTooLarge``.
2. ``parse(sources, config, native) -> LoadedDataset``: each file parsed once
   (``server.loader``): ``DataLoadError`` names file:line:column, ``DataTooLarge`` a
   literal over MAX_LITERAL_BYTES with its file and subject. N-Triples / N-Quads data
   bound for Oxigraph (or only validated) is parsed by pyoxigraph straight into the
   store that will serve it (``server.native_load``): no rdflib copy of the data.
3. ``check(loaded, config, engine) -> Outcome`` (``server.report``: SHACL, the shapes
   themselves, undeclared terms, provenance against the article texts; ``ValidationCouldNotRun`` when the engine cannot
   run), then ``gate(outcome, config)``.
4. ``start(config) -> Started``: the backend filled from stage 2's dataset, or a
   persistent store built from the same files opened as it is (stages 2 and 3
   skipped when it conformed then: "data unchanged since it last conformed").

The gate, the only one:

    VALIDATE_ON_START off               not checked here (tests; serve's workers: the
                                        serving process checked before forking them)
    conforms (warnings do not fail)     served
    does not conform, ALLOW_INVALID     served; the report is logged
    does not conform                    DataDoesNotConform (exit 1)
    the engine could not run            ValidationCouldNotRun (exit 2), whatever ALLOW_INVALID
    unparsable, folder, size            DataLoadError, DataFolderError, DataTooLarge (exit 2)

Persistent Oxigraph store (STORE_PATH; its folder, locks and manifest are
``server.store.disk``). Under the build mutex: a manifest with this fingerprint means
the store is opened (shared lock, files checked against the manifest: a difference is
``StoreCorrupted``, never served, with the ``--rebuild`` command); otherwise it is
built, which needs the exclusive lock, refused at once (``StoreInUse``) while another
process serves the folder. ``rebuild=True`` (``serve --rebuild``) builds whatever the
manifest says. The process keeps the shared lock as long as it serves the store.

Without validation due, an Oxigraph store of N-Triples / N-Quads files is filled by
streaming them (``server.store.bulk``), still one parse per file.
"""
from __future__ import annotations

import logging
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import DEFAULTS
from .errors import DataDoesNotConform, DataFolderError, DataTooLarge, ValidationCouldNotRun
from .loader import SYNTAXES, LoadedDataset, load_dataset, rdf_files

log = logging.getLogger(__name__)

Say = Callable[[str], None]
#: SHACL engines a caller may ask for ("auto": turbo where it agrees with pySHACL).
ENGINES = ("auto", "pyshacl", "turbo")
#: The dataset folders: configuration key, what it holds, CLI option.
FOLDERS = (("ONTOLOGY_DIR", "ontology", "--ontology"), ("DATA_DIR", "data", "--data"),
           ("SHAPES_DIR", "shapes", "--shapes"), ("SOURCES_DIR", "sources", "--sources"))


@dataclass(frozen=True)
class Sources:
    """The dataset's files, before anything is parsed."""

    base_iri: str
    ontology_dir: str | None
    data_dir: str | None
    shapes_dir: str | None
    data_files: tuple[Path, ...]
    fingerprint: str             # of base IRI, paths and bytes (server.store.sources)
    sources_dir: str | None = None   # the article texts (server.curation.sources_folder)


@dataclass
class Started:
    """What ``start`` made: the store, and what it did to get it."""

    store: object                # server.store.Store
    action: str                  # "built", "opened" (a persistent store reused) or "remote"
    outcome: object | None = None   # the server.report.Outcome of this start's check, if one ran
    seconds: float = 0.0


# -- 1. sources ----------------------------------------------------------------------

def find_sources(config) -> Sources:
    """The files of the configured folders and their fingerprint (stage 1)."""
    for key, what, option in FOLDERS:
        folder = config.get(key)
        if folder and not Path(folder).is_dir():
            state = "is not a folder" if Path(folder).exists() else "does not exist"
            raise DataFolderError(
                f"The {what} folder {folder} {state}.",
                hint=f"Check the path given with {option} or KG_{key} (a relative path is read "
                     f"from {Path.cwd()}).", folder=str(folder))
    data_dir = config.get("DATA_DIR") or None
    data_files = tuple(rdf_files(data_dir))
    if not data_files and not config.get("ALLOW_EMPTY_DATA"):
        raise DataFolderError(
            (f"The data folder {data_dir} holds no RDF file ({', '.join(sorted(SYNTAXES))})."
             if data_dir else "No data folder is configured (DATA_DIR)."),
            hint="Point --data / KG_DATA_DIR at the folder of the data files, or pass "
                 "--allow-empty (KG_ALLOW_EMPTY_DATA=true) to serve the ontology and shapes alone.",
            folder=str(data_dir) if data_dir else None)
    limit = int(config.get("MAX_FILE_BYTES") or 0)
    if limit:
        for path in [*rdf_files(config.get("ONTOLOGY_DIR")), *data_files,
                     *rdf_files(config.get("SHAPES_DIR"))]:
            size = path.stat().st_size
            if size > limit:
                raise DataTooLarge(
                    str(path), f"the file has {size:,} bytes, over MAX_FILE_BYTES ({limit:,})",
                    hint="Split it into several files, or raise KG_MAX_FILE_BYTES (a file is held "
                         "in memory while it is checked).")
    from .curation import sources_folder
    from .store.sources import fingerprint
    base = str(config["BASE_IRI"])
    return Sources(base_iri=base, ontology_dir=config.get("ONTOLOGY_DIR") or None, data_dir=data_dir,
                   shapes_dir=config.get("SHAPES_DIR") or None, data_files=data_files,
                   fingerprint=fingerprint(base, config.get("ONTOLOGY_DIR"), data_dir,
                                           config.get("SHAPES_DIR")),
                   sources_dir=sources_folder(config))


# -- 2. parse ------------------------------------------------------------------------

def parse(sources: Sources, config, native: bool = False) -> LoadedDataset:
    """Every file of ``sources`` parsed once, into one rdflib Dataset (stage 2); with
    ``native`` (the data is for Oxigraph, or only validated) and every data file
    N-Triples / N-Quads (``native_files``), by pyoxigraph into a pyoxigraph store
    (``server.native_load``: no rdflib copy of the data)."""
    files = native_files(sources) if native else None
    if files is not None:
        from . import native_load
        return native_load.load(config, files)
    return load_dataset(sources.ontology_dir, sources.data_dir, sources.shapes_dir,
                        sources.base_iri, max_term_bytes=int(config.get("MAX_LITERAL_BYTES") or 0) or None)


def native_files(sources: Sources) -> list[Path] | None:
    """The data files when ``server.native_load`` can read them all, else None."""
    from .store.bulk import fast_path_files
    return fast_path_files(sources.data_dir) if sources.data_files else None


# -- 3. check and gate ---------------------------------------------------------------

def shacl_engine(engine: str = "auto", say: Say | None = None):
    """A ``validate(data, shapes, ontology)`` function: pySHACL (the reference), or
    pyshacl-turbo through ``server.validation_fast`` ("auto": turbo where it is
    installed and known to agree with pySHACL)."""
    from . import validation
    from .validation_fast import turbo_available, validate_with
    if engine not in ENGINES:
        raise ValidationCouldNotRun(f"Unknown SHACL engine {engine!r}.",
                                    hint=f"Use one of {', '.join(ENGINES)}.")
    if engine == "pyshacl":
        return validation.validate
    if engine == "turbo" and not turbo_available():
        raise ValidationCouldNotRun("The turbo SHACL engine (pyshacl-turbo) is not installed.",
                                    hint="Use --engine pyshacl (or auto), or install pyshacl-turbo.")
    return lambda data, shapes, ontology: validate_with(engine, data, shapes, ontology, progress=say)


def check(loaded: LoadedDataset, config, engine: str = "auto", say: Say | None = None,
          only_files: tuple[str, ...] = ()):
    """Every check on the parsed dataset: a ``server.report.Outcome`` (stage 3).
    ``only_files``: report only what these data files cause (``validate --file``).
    Raises ValidationCouldNotRun when the engine cannot judge the data."""
    from .curation import sources_folder
    from .report import check as run_checks
    return run_checks(loaded, str(config["BASE_IRI"]), validator=shacl_engine(engine, say),
                      sources_dir=sources_folder(config), only_files=only_files,
                      shapes_engine="pyshacl" if engine == "pyshacl" else "auto")


def gate(outcome, config) -> None:
    """The one gate policy (module docstring): return to serve, or raise."""
    if outcome.conforms:
        return
    if config.get("ALLOW_INVALID"):
        log.warning("serving data that does not conform (ALLOW_INVALID): %s",
                    DataDoesNotConform(outcome).message)
        return
    raise DataDoesNotConform(outcome)


def validate_files(config, engine: str = "auto", say: Say | None = None,
                   only_files: tuple[str, ...] = ()):
    """Stages 1-3 without the gate or a store: the ``validate`` command's Outcome.
    ``only_files``: data files whose results alone are reported (each must be one of
    the data folder's files, else ``DataFolderError``)."""
    sources = find_sources(config)
    known = {p.resolve() for p in sources.data_files}
    for name in only_files:
        if Path(name).resolve() not in known:
            raise DataFolderError(
                f"{name} is not a file of the data folder {sources.data_dir}.",
                hint="Give a data file (data/<slug>.ttl), or point --data at its folder.", folder=str(name))
    return check(parse(sources, config, native=True), config, engine, say, only_files=only_files)


# -- 4. the store --------------------------------------------------------------------

def start(config, *, engine: str = "auto", rebuild: bool = False, say: Say | None = None) -> Started:
    """The whole pipeline: a ``Store`` ready to serve, or a ``StartupError``.

    ``say`` receives one line per step (the CLI prints them; default: the log).
    ``rebuild``: build a persistent store even if its manifest matches the files."""
    from .store import make_backend, make_store
    say = say or log.info
    began = time.perf_counter()
    backend = make_backend(config, rebuild_hint=rebuild_command(config))
    if backend.name == "remote":
        return Started(make_store(backend, backend.fingerprint(), config), "remote",
                       seconds=time.perf_counter() - began)
    try:
        sources = find_sources(config)
        if backend.name == "oxigraph" and backend.path is not None:
            action, outcome = _persistent(backend, sources, config, engine, rebuild, say)
        else:
            loaded, outcome = _validated(sources, config, engine, say, native=backend.name == "oxigraph")
            _fill(backend, sources, config, loaded, outcome)
            action = "built"
    except BaseException:
        backend.close()                   # drops a lock this start took
        raise
    return Started(make_store(backend, sources.fingerprint, config), action, outcome,
                   time.perf_counter() - began)


def _validated(sources: Sources, config, engine: str, say: Say, native: bool = True):
    """Stages 2 and 3 when VALIDATE_ON_START: ``(loaded, outcome)``, else ``(None, None)``."""
    if not config.get("VALIDATE_ON_START"):
        return None, None
    say(f"validating {sources.data_dir or '(no data folder)'} ...")
    loaded = parse(sources, config, native)
    outcome = check(loaded, config, engine, say)
    gate(outcome, config)
    return loaded, outcome


def _fill(backend, sources: Sources, config, loaded: LoadedDataset | None, outcome) -> None:
    """Build the backend's store: from the parsed dataset, or (nothing parsed yet, an
    Oxigraph store of N-Triples / N-Quads files) by streaming the files."""
    conforms = None if outcome is None else bool(outcome.conforms)
    if loaded is None and backend.name == "oxigraph":
        from .store.bulk import sources_quads
        quads = sources_quads(config, list(sources.data_files))
        if quads is not None:
            backend.load_quads(quads, sources.fingerprint, conforms)
            return
    if loaded is None:
        loaded = parse(sources, config)
    if backend.name == "oxigraph" and getattr(loaded, "store", None) is not None:
        loaded.release_terms()
        backend.adopt(loaded.store, sources.fingerprint, conforms)
        return
    if backend.name == "oxigraph":
        backend.load(loaded.dataset, sources.fingerprint, conforms)
    else:
        backend.load(loaded.dataset)


def _persistent(backend, sources: Sources, config, engine: str, rebuild: bool, say: Say):
    """Open the persistent store built from these files, or build it: ``(action, outcome)``."""
    folder = backend.folder
    with folder.mutex():
        manifest = None if rebuild else folder.read_manifest()
        if manifest is not None and manifest.fingerprint == sources.fingerprint:
            outcome = None
            if _validate_again(manifest, folder, config, say):
                _loaded, outcome = _validated(sources, config, engine, say)
                manifest = folder.record_verdict(manifest, bool(outcome.conforms))
            began = time.perf_counter()
            backend.open(manifest)
            say(f"opened the store at {folder.path}: {manifest.quads:,} quads, files checked "
                f"against its manifest in {time.perf_counter() - began:.2f} s")
            return "opened", outcome
        if rebuild:
            say(f"rebuilding the store at {folder.path} (--rebuild)")
        elif manifest is not None:
            say(f"the data files changed since the store at {folder.path} was built: it must be rebuilt")
        folder.own()                      # StoreInUse now, not after a long parse
        began = time.perf_counter()
        files = native_files(sources) if config.get("VALIDATE_ON_START") else None
        if files is not None:
            outcome = _native_build(backend, sources, config, files, engine, say)
        else:
            loaded, outcome = _validated(sources, config, engine, say)
            began = time.perf_counter()
            _fill(backend, sources, config, loaded, outcome)
        say(f"built the store at {folder.path}: {backend.manifest.quads:,} quads in "
            f"{time.perf_counter() - began:.1f} s")
        return "built", outcome


def _native_build(backend, sources: Sources, config, files: list[Path], engine: str, say: Say):
    """Build the persistent store by parsing the data straight into it and checking it
    there (``server.native_load``): the data is held once, on disk. A refused check
    leaves no store (the build is abandoned); the verdict goes into the manifest."""
    from . import native_load
    checked: list = []

    def fill(store) -> None:
        say(f"validating {sources.data_dir} ...")
        loaded = native_load.load(config, files, store)
        outcome = check(loaded, config, engine, say)
        gate(outcome, config)
        loaded.release_terms()
        loaded.detach()      # the store is closed before its files are listed and swapped in
        checked.append(outcome)

    backend.build(fill, sources.fingerprint, None)
    outcome = checked[0]
    outcome.loaded.attach(backend.store)      # the report reads the store as it is served
    backend.manifest = backend.folder.record_verdict(backend.manifest, bool(outcome.conforms))
    return outcome


def _validate_again(manifest, folder, config, say: Say) -> bool:
    """Must a start on a store built from these very files validate them? Only when
    validation is due and the verdict recorded at the build does not settle it."""
    if not config.get("VALIDATE_ON_START"):
        return False
    if manifest.conforms is True:
        say(f"data unchanged since it last conformed ({folder.manifest_path}); not validating again")
        return False
    if manifest.conforms is False and config.get("ALLOW_INVALID"):
        say(f"data unchanged since it was last checked ({folder.manifest_path}): it did not "
            "conform; serving it anyway (ALLOW_INVALID)")
        return False
    return True


def rebuild_command(config) -> str:
    """The command that rebuilds the configured persistent store (for error hints)."""
    words = ["python", "-m", "server", "serve", "--rebuild", "--store-path", str(config.get("STORE_PATH"))]
    for key, option in (("ONTOLOGY_DIR", "--ontology"), ("DATA_DIR", "--data"),
                        ("SHAPES_DIR", "--shapes"), ("BASE_IRI", "--base-iri")):
        if config.get(key) and str(config.get(key)) != str(DEFAULTS[key]):
            words += [option, str(config[key])]
    return shlex.join(words)
