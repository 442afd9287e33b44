"""Integrity and ownership of a persistent Oxigraph store (server.store.disk, through
server.startup): a serving process holds a shared lock, a rebuild needs the exclusive
one and refuses while others serve; the manifest is checked on open and corruption is
refused with the command that rebuilds the store; a read-only store folder is served
and nothing in it is written.

Real ``python -m server serve`` processes are used where the claim is about servers
(two servers on one folder, a corrupted store, a read-only folder); the pipeline is
called in-process for the variants. A flock belongs to an open file description, so
two stores started in one process lock each other out exactly as two processes do.

The read-only folder is a read-only bind mount (``unshare -m``: tests run as root,
and root writes through ``chmod a-w``), so any write would fail with EROFS; where
mount namespaces are not allowed, the server runs as ``nobody`` on a ``chmod -R a-w``
folder instead. Either way the test also compares every file (name, size, mtime,
digest) before and after serving, so it shows that serving needs no write and makes
none."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef

from server import create_app, startup
from server.config import DEFAULTS, ROOT
from server.errors import StoreCorrupted, StoreInUse
from server.store.disk import MANIFEST_FILE, MANIFEST_FORMAT, MUTEX_FILE
from test_cli import BASE, GOOD, PREFIXES, free_port, make_dataset, stop, wait_for

OTHER = PREFIXES + 'event:b a ex:Event ; ex:status ex:Occurred ; rdfs:label "B"@en .\n'
COUNT_EVENTS = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a <http://example.org/kg/ontology#Event> }"


def config_for(root: Path, store: Path, **more) -> dict:
    return {**DEFAULTS, "TESTING": True, "BASE_IRI": BASE, "ONTOLOGY_DIR": str(root / "ontology"),
            "DATA_DIR": str(root / "data"), "SHAPES_DIR": str(root / "shapes"),
            "STORE_BACKEND": "oxigraph", "STORE_PATH": str(store), "VALIDATE_ON_START": True,
            "QUERY_WORKERS": 1, **more}


def events(store) -> int:
    return int(store.select(COUNT_EVENTS).rows[0]["n"])


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: kind, size, mtime and content digest."""
    found = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        digest = hashlib.blake2b(path.read_bytes()).hexdigest() if path.is_file() else None
        found[str(path.relative_to(folder))] = (path.is_dir(), st.st_size, st.st_mtime_ns, digest)
    return found


def serve(options: list[str], port: int, prefix: list[str] = (), **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*prefix, sys.executable, "-m", "server", "serve", "--port", str(port),
                             "--workers", "1", *options], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kwargs)


def sparql_count(url: str) -> int:
    answer = requests.get(f"{url}/sparql", params={"query": COUNT_EVENTS},
                          headers={"Accept": "application/sparql-results+json"}, timeout=10)
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


# -- ownership ---------------------------------------------------------------------------

def test_a_second_server_with_other_data_refuses_while_the_first_serves(tmp_path):
    store = tmp_path / "store"
    first_options = [*make_dataset(tmp_path / "a", one=GOOD), "--store-path", str(store)]
    second_options = [*make_dataset(tmp_path / "b", one=GOOD, two=OTHER), "--store-path", str(store)]
    port = free_port()
    first = serve(first_options, port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/", first)
        assert sparql_count(url) == 1

        second = serve(second_options, free_port())
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 2, output
        assert f"The store at {store} is being served by another server" in output
        assert "--store-path" in output and "Traceback" not in output

        assert sparql_count(url) == 1, "the first server's SPARQL still answers from its own data"
        assert requests.get(f"{url}/event/a", headers={"Accept": "text/turtle"}, timeout=10).status_code == 200
        assert requests.get(f"{url}/event/b", headers={"Accept": "text/turtle"}, timeout=10).status_code == 404
    finally:
        stop(first)

    port = free_port()
    second = serve(second_options, port)             # the folder is free again: rebuilt
    try:
        wait_for(f"http://127.0.0.1:{port}/", second)
        assert sparql_count(f"http://127.0.0.1:{port}") == 2
    finally:
        stop(second)


def test_stores_on_one_folder_lock_each_other_as_processes_do(tmp_path):
    make_dataset(tmp_path / "a", one=GOOD)
    make_dataset(tmp_path / "b", one=GOOD, two=OTHER)
    store = tmp_path / "store"
    first = startup.start(config_for(tmp_path / "a", store))
    same = startup.start(config_for(tmp_path / "a", store))         # same files: shares it
    assert (first.action, same.action) == ("built", "opened")
    with pytest.raises(StoreInUse, match=str(store)):
        startup.start(config_for(tmp_path / "b", store))
    with pytest.raises(StoreInUse):
        startup.start(config_for(tmp_path / "a", store), rebuild=True)
    assert events(first.store) == events(same.store) == 1
    first.store.close()
    with pytest.raises(StoreInUse):                                  # one server still serves
        startup.start(config_for(tmp_path / "b", store))
    same.store.close()
    other = startup.start(config_for(tmp_path / "b", store))
    assert other.action == "built" and events(other.store) == 2
    other.store.close()


def test_query_workers_reopen_the_store_after_fork(tmp_path):
    from server.formats import CSV
    make_dataset(tmp_path, one=GOOD, two=OTHER)
    started = startup.start(config_for(tmp_path, tmp_path / "store"))
    try:
        answer = started.store.protocol_query(COUNT_EVENTS, result_format=CSV, timeout=10,
                                              max_rows=10)
        assert answer.body.decode().split() == ["n", "2"]
    finally:
        started.store.close()


# -- integrity ----------------------------------------------------------------------------

def flip_middle_of_biggest_sst(db: Path) -> str:
    biggest = max(db.glob("*.sst"), key=lambda p: p.stat().st_size)
    data = bytearray(biggest.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    size = biggest.stat().st_size
    biggest.write_bytes(bytes(data))
    assert biggest.stat().st_size == size
    return biggest.name


def corrupt(store: Path, how: str) -> str:
    """Damage a built store; return a word the refusal must name."""
    db = store / "db"
    if how == "flipped-sst":
        return flip_middle_of_biggest_sst(db)
    if how == "flipped-manifest":
        manifest = next(db.glob("MANIFEST-*"))
        data = bytearray(manifest.read_bytes())
        data[len(data) // 2] ^= 0xFF
        manifest.write_bytes(bytes(data))
        return manifest.name
    if how == "truncated-sst":
        victim = max(db.glob("*.sst"), key=lambda p: p.stat().st_size)
        with open(victim, "r+b") as f:
            f.truncate(victim.stat().st_size - 100)
        return victim.name
    if how == "missing-sst":
        victim = min(db.glob("*.sst"))
        victim.unlink()
        return f"{victim.name} missing"
    if how == "extra-file":
        (db / "999999.sst").write_bytes(b"\0" * 64)
        return "999999.sst unexpected"
    if how == "garbage-manifest":
        (store / MANIFEST_FILE).write_text("{not json")
        return MANIFEST_FILE
    raise ValueError(how)


@pytest.mark.parametrize("how", ["flipped-sst", "flipped-manifest", "truncated-sst", "missing-sst",
                                 "extra-file", "garbage-manifest"])
def test_a_corrupted_store_is_refused_with_the_command_that_rebuilds_it(tmp_path, how):
    make_dataset(tmp_path, one=GOOD, two=OTHER)
    store = tmp_path / "store"
    config = config_for(tmp_path, store)
    startup.start(config).store.close()
    named = corrupt(store, how)

    for attempt in (lambda: startup.start(config),
                    lambda: create_app({**config, "VALIDATE_ON_START": False})):
        with pytest.raises(StoreCorrupted) as refused:
            attempt()
        assert named in refused.value.message and "corrupted" in refused.value.message
        assert refused.value.hint.endswith(
            f"python -m server serve --rebuild --store-path {store} --ontology {tmp_path / 'ontology'} "
            f"--data {tmp_path / 'data'} --shapes {tmp_path / 'shapes'} --base-iri {BASE}")

    repaired = startup.start(config, rebuild=True)
    assert repaired.action == "built" and events(repaired.store) == 2
    repaired.store.close()
    again = startup.start(config)
    assert again.action == "opened" and events(again.store) == 2
    again.store.close()


@pytest.mark.parametrize("damage, named", [
    (lambda store: (store / MANIFEST_FILE).write_text('{"format": %d, "files": null}' % MANIFEST_FORMAT),
     MANIFEST_FILE),
    (lambda store: (store / MANIFEST_FILE).write_text('{"format": %d, "files": []}' % MANIFEST_FORMAT),
     MANIFEST_FILE),
    (lambda store: ((store / MANIFEST_FILE).unlink(), (store / MANIFEST_FILE).mkdir()), MANIFEST_FILE),
    (lambda store: ((store / ".lock").unlink(), (store / ".lock").mkdir()), ".lock"),
], ids=["files-null", "files-a-list", "manifest-a-folder", "lock-a-folder"])
def test_store_metadata_of_the_wrong_shape_is_refused_as_corrupted(tmp_path, damage, named):
    make_dataset(tmp_path, one=GOOD, two=OTHER)
    store = tmp_path / "store"
    config = config_for(tmp_path, store)
    startup.start(config).store.close()
    damage(store)
    with pytest.raises(StoreCorrupted) as refused:
        startup.start(config)
    assert named in refused.value.message and "--rebuild" in refused.value.hint


def test_serve_refuses_a_corrupted_store_and_rebuild_repairs_it(tmp_path):
    store = tmp_path / "store"
    options = [*make_dataset(tmp_path, one=GOOD, two=OTHER), "--store-path", str(store)]
    startup.start(config_for(tmp_path, store)).store.close()
    name = flip_middle_of_biggest_sst(store / "db")

    refused = serve(options, free_port())
    output, _ = refused.communicate(timeout=120)
    assert refused.returncode == 2, output
    assert f"The store at {store} is corrupted: the content of {name} changed" in output
    assert f"python -m server serve --rebuild --store-path {store}" in output

    port = free_port()
    rebuilt = serve([*options, "--rebuild"], port)
    try:
        wait_for(f"http://127.0.0.1:{port}/", rebuilt)
        assert sparql_count(f"http://127.0.0.1:{port}") == 2
    finally:
        stop(rebuilt)


def test_opening_a_store_writes_nothing(tmp_path):
    make_dataset(tmp_path, one=GOOD)
    store = tmp_path / "store"
    config = config_for(tmp_path, store)
    startup.start(config).store.close()
    before = snapshot(store)
    app = create_app(config)
    with app.app_context():
        assert events(app.extensions["kg.store"]) == 1
    app.extensions["kg.store"].close()
    assert snapshot(store) == before


def test_a_store_of_the_layout_before_manifests_is_rebuilt(tmp_path):
    make_dataset(tmp_path, one=GOOD)
    store = tmp_path / "store"
    config = config_for(tmp_path, store)
    startup.start(config).store.close()
    (store / MANIFEST_FILE).unlink()
    (store / "kg-fingerprint").write_text("whatever")
    (store / "kg-validated").write_text("whatever")
    rebuilt = startup.start(config)
    assert rebuilt.action == "built" and events(rebuilt.store) == 1
    rebuilt.store.close()
    assert not (store / "kg-fingerprint").exists() and not (store / "kg-validated").exists()


# -- read-only folders ----------------------------------------------------------------------

def read_only_prefix(folder: Path) -> list[str]:
    """A command prefix that runs a program with ``folder`` read-only to it: a read-only
    bind mount in a private mount namespace, else (no CAP_SYS_ADMIN) ``nobody`` on a
    ``chmod -R a-w`` folder. The program fails to start if the folder is writable."""
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode == 0:
        return ["unshare", "-m", "sh", "-c",
                'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && '
                '! touch "$0/probe" 2>/dev/null && exec "$@"', str(folder)]
    subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
            '! touch "$0/probe" 2>/dev/null && exec "$@"', str(folder)]


@pytest.fixture
def shared_tmp():
    """A temporary folder every user can read (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="kg-read-only-"))
    folder.chmod(0o755)
    yield folder
    subprocess.run(["chmod", "-R", "u+w", str(folder)])
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("lock_file", [True, False], ids=["with-lock-file", "lock-file-cannot-be-created"])
def test_a_read_only_store_folder_is_served(shared_tmp, lock_file):
    options = make_dataset(shared_tmp, one=GOOD, two=OTHER)
    store = shared_tmp / "store"
    startup.start(config_for(shared_tmp, store)).store.close()
    if not lock_file:
        (store / MUTEX_FILE).unlink()
    before = snapshot(store)

    port = free_port()
    process = serve([*options, "--store-path", str(store)], port, prefix=read_only_prefix(store))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/", process)
        assert sparql_count(url) == 2
        page = requests.get(f"{url}/event/b", headers={"Accept": "text/turtle"}, timeout=10)
        assert page.status_code == 200
        assert (URIRef(BASE + "event/b"), None, None) in Graph().parse(data=page.text, format="turtle")
    finally:
        stop(process)
    output = process.stdout.read()
    assert "data unchanged since it last conformed" in output and "Traceback" not in output
    assert snapshot(store) == before, "serving wrote to the store folder"


def test_a_read_only_folder_that_needs_a_build_says_so(shared_tmp):
    options = make_dataset(shared_tmp, one=GOOD)
    store = shared_tmp / "store"
    startup.start(config_for(shared_tmp, store)).store.close()
    (shared_tmp / "data" / "two.ttl").write_text(OTHER)          # the data changed since
    process = serve([*options, "--store-path", str(store)], free_port(),
                    prefix=read_only_prefix(store))
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 2, output
    assert f"The store at {store} must be built for these files, but the folder is read-only" in output
    assert "Traceback" not in output
    assert os.path.exists(store / "db")
