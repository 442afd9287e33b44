"""The folder of a persistent Oxigraph store: who may use it, and whether it is intact.

    <STORE_PATH>/
        db/                 the Oxigraph (RocksDB) store, opened read-only to serve
        kg-manifest.json    what it was built from and what it holds (``Manifest``)
        .lock               the build mutex (created by the first build)

Ownership (``flock``; the kernel drops a lock when the last process holding it ends):

* A serving process holds a SHARED lock on the folder itself for its whole life (a
  directory can be locked even when it is read-only); forked workers inherit it.
* A build needs the EXCLUSIVE lock and never waits for it: while any process serves
  the folder, a build is refused (``StoreInUse``) rather than changing the data under
  that server.
* Starters take the build mutex (``.lock``, exclusive, waiting) around "check, then
  open or build", so servers starting together build once. A build is written to a
  fresh folder and swapped in; its exclusive lock becomes a shared one while the
  mutex is still held (flock conversion is not atomic: the mutex closes the gap).
* A read-only folder (no ``.lock`` can be created) is opened without the mutex: nothing
  can build there, and opening writes nothing.

Integrity: the manifest records the fingerprint of the source files
(``server.store.sources``), the verdict of the validation run before the build, the
quad count and, for every file of ``db/``, its size and BLAKE2b digest. Opening
compares the file list, sizes and digests (RocksDB's info ``LOG`` and ``LOCK`` files are
not data and are skipped); any difference is ``StoreCorrupted``, whose hint is the
command that rebuilds the store. Identical bytes hold identical quads, so the count is
recorded, not recounted. The check reads the store once, in parallel threads (about
0.2 s for 1M triples, 280 MB, on two cores); it also warms the page cache.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..errors import StoreCorrupted, StoreError, StoreInUse

DB_DIR = "db"
MANIFEST_FILE = "kg-manifest.json"
MUTEX_FILE = ".lock"
#: Files of the store layout before the manifest (removed by the next build).
LEGACY_FILES = ("kg-fingerprint", "kg-validated")
MANIFEST_FORMAT = 1
#: Files of ``db/`` that are not data: RocksDB's info log (and its rotations) and lock.
_NOT_DATA = re.compile(r"^(LOG(\..*)?|LOCK)$")


@dataclass(frozen=True)
class Manifest:
    """What a store was built from and what it holds."""

    fingerprint: str                       # of the source files (server.store.sources)
    conforms: bool | None                  # verdict before the build (None: not validated)
    quads: int                             # every quad, the materialized default graph too
    files: dict[str, tuple[int, str]] = field(default_factory=dict)   # name -> (size, blake2b)
    built_at: str = ""
    pyoxigraph: str = ox.__version__
    format: int = MANIFEST_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """Raises ValueError when ``text`` is not a manifest of this format."""
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"not a format-{MANIFEST_FORMAT} store manifest")
        files = {str(name): (int(size), str(digest)) for name, (size, digest) in raw["files"].items()}
        conforms = raw["conforms"]
        if conforms not in (True, False, None):
            raise ValueError("conforms must be true, false or null")
        return cls(fingerprint=str(raw["fingerprint"]), conforms=conforms, quads=int(raw["quads"]),
                   files=files, built_at=str(raw.get("built_at", "")),
                   pyoxigraph=str(raw.get("pyoxigraph", "")))


def data_files(db: Path) -> dict[str, int]:
    """The data files of a RocksDB folder and their sizes (``LOG``, ``LOCK`` left out)."""
    return {p.name: p.stat().st_size for p in sorted(db.iterdir())
            if p.is_file() and not _NOT_DATA.match(p.name)}


def digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=32)).hexdigest()


def digests(db: Path, names) -> dict[str, str]:
    """BLAKE2b of each named file of ``db``, largest first, in a few threads (hashlib
    releases the GIL on large buffers)."""
    ordered = sorted(names, key=lambda n: -(db / n).stat().st_size)
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        return dict(zip(ordered, pool.map(lambda n: digest(db / n), ordered)))


def _write_store(path: Path, fill: Callable[[ox.Store], None]) -> int:
    """Create a store at ``path``, fill and flush it; return its quad count. The store
    (and RocksDB's write lock) is dropped when this returns."""
    store = ox.Store(str(path))
    fill(store)
    store.flush()
    return len(store)


def lock_holders(path: Path) -> list[int]:
    """Process ids holding a flock on ``path`` (from /proc/locks; best effort, may be empty)."""
    try:
        st = os.stat(path)
        wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        pids = []
        with open("/proc/locks") as locks:
            for line in locks:
                fields = line.split()
                if "FLOCK" in fields and wanted in fields:
                    pids.append(int(fields[fields.index(wanted) - 1]))
        return sorted(set(pids) - {os.getpid()})
    except (OSError, ValueError, IndexError):
        return []


class StoreFolder:
    """One store folder: its locks (held through this object) and its manifest."""

    def __init__(self, path: str | Path, rebuild_hint: str | None = None):
        self.path = Path(path)
        self.db = self.path / DB_DIR
        self.manifest_path = self.path / MANIFEST_FILE
        self.rebuild_hint = rebuild_hint or f"python -m server serve --rebuild --store-path {self.path}"
        self._fd: int | None = None
        self.mode: str | None = None           # "shared", "exclusive" or None

    # -- ownership -------------------------------------------------------------

    def _folder_fd(self) -> int:
        if self._fd is None:
            self._make_folder()
            self._fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        return self._fd

    def _make_folder(self) -> None:
        if self.path.is_dir():
            return
        if self.path.exists():
            raise StoreError(f"STORE_PATH {self.path} is not a folder.",
                             hint="Give --store-path / KG_STORE_PATH a folder (it is created if missing).")
        self.path.mkdir(parents=True)

    def share(self) -> None:
        """Hold the shared (serving) lock; waits only while a build holds the exclusive one."""
        fcntl.flock(self._folder_fd(), fcntl.LOCK_SH)
        self.mode = "shared"

    def own(self) -> None:
        """Hold the exclusive (build) lock, or raise StoreInUse at once."""
        if self.mode == "exclusive":
            return
        try:
            fcntl.flock(self._folder_fd(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holders = lock_holders(self.path)
            who = f" (process {', '.join(map(str, holders))})" if holders else ""
            raise StoreInUse(
                f"The store at {self.path} is being served by another server{who}; it cannot "
                "be rebuilt for other data while that server reads it.",
                hint="Stop the other server first, or give this one its own store folder "
                     "(--store-path DIR, KG_STORE_PATH).", store_path=str(self.path)) from None
        self.mode = "exclusive"

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)              # drops this process's lock (unless a child shares it)
            self._fd, self.mode = None, None

    @contextmanager
    def mutex(self):
        """The build mutex around "check, then open or build" (waits for another starter).
        In a folder where ``.lock`` can neither be created nor opened it is a no-op: no
        build can happen there."""
        self._make_folder()
        fd = None
        for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
            try:
                fd = os.open(self.path / MUTEX_FILE, flags, 0o644)
                break
            except OSError as exc:
                if exc.errno == errno.EISDIR:
                    raise self.corrupted(f"its lock file {self.path / MUTEX_FILE} is a folder") from None
                if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT):
                    raise
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fd is not None:
                os.close(fd)

    def writable(self) -> bool:
        return os.access(self.path, os.W_OK)     # false on a read-only mount, also for root

    # -- integrity -------------------------------------------------------------

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None when the folder holds no (finished) build."""
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:                   # a directory, unreadable...
            raise self.corrupted(f"its manifest {self.manifest_path} cannot be read "
                                 f"({exc.strerror or exc})") from None
        try:
            return Manifest.from_json(text)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.corrupted(f"its manifest {self.manifest_path} is unreadable ({exc})") from None

    def corrupted(self, what: str) -> StoreCorrupted:
        return StoreCorrupted(f"The store at {self.path} is corrupted: {what}. It is not served.",
                              hint=f"Rebuild it from the data files: {self.rebuild_hint}",
                              store_path=str(self.path))

    def verify(self, manifest: Manifest) -> None:
        """Compare ``db/`` with the manifest: file list, sizes, then content digests."""
        if not self.db.is_dir():
            raise self.corrupted(f"its database folder {self.db} is missing")
        found = data_files(self.db)
        missing = sorted(set(manifest.files) - set(found))
        extra = sorted(set(found) - set(manifest.files))
        if missing or extra:
            raise self.corrupted("files " + ", ".join(
                [f"{n} missing" for n in missing] + [f"{n} unexpected" for n in extra]))
        resized = [n for n, (size, _d) in manifest.files.items() if found[n] != size]
        if resized:
            raise self.corrupted(f"{resized[0]} has {found[resized[0]]:,} bytes, "
                                 f"{manifest.files[resized[0]][0]:,} when built")
        actual = digests(self.db, manifest.files)
        changed = sorted(n for n, (_s, d) in manifest.files.items() if actual[n] != d)
        if changed:
            raise self.corrupted(f"the content of {', '.join(changed)} changed since it was built "
                                 "(same size, other bytes)")

    def build(self, fill: Callable[[ox.Store], None], fingerprint: str,
              conforms: bool | None) -> Manifest:
        """Build a new store with ``fill`` beside the old one, swap it in, write its
        manifest; ends holding the shared lock. Raises StoreInUse while others serve."""
        self.own()
        if not self.writable():
            raise StoreError(
                f"The store at {self.path} must be built for these files, but the folder is "
                "read-only.", hint="Build it where it can be written (python -m server serve "
                "--store-path DIR, or create_app with STORE_PATH=DIR), then copy the folder; "
                "or serve from a writable --store-path.", store_path=str(self.path))
        for leftover in self.path.glob(f"{DB_DIR}.*-*"):      # of builds that crashed
            shutil.rmtree(leftover, ignore_errors=True)
        staging = self.path / f"{DB_DIR}.building-{os.getpid()}"
        try:
            quads = _write_store(staging, fill)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        sizes = data_files(staging)
        sums = digests(staging, sizes)
        manifest = Manifest(fingerprint=fingerprint, conforms=conforms, quads=quads,
                            files={n: (sizes[n], sums[n]) for n in sizes},
                            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.manifest_path.unlink(missing_ok=True)   # a crash from here on leaves "no build"
        for name in LEGACY_FILES:
            (self.path / name).unlink(missing_ok=True)
        old = self.path / f"{DB_DIR}.old-{os.getpid()}"
        if self.db.exists():
            os.rename(self.db, old)
        os.rename(staging, self.db)
        self._write_manifest(manifest)
        shutil.rmtree(old, ignore_errors=True)
        self.share()                                  # exclusive -> shared, under the mutex
        return manifest

    def record_verdict(self, manifest: Manifest, conforms: bool) -> Manifest:
        """Remember a later validation's verdict on an existing build (so the next start
        on the same files skips validation). Best effort: skipped while others serve the
        store or when the folder is read-only. Ends holding the shared lock."""
        if manifest.conforms is conforms or not self.writable():
            return manifest
        try:
            self.own()
        except StoreInUse:
            return manifest
        try:
            updated = replace(manifest, conforms=conforms)
            self._write_manifest(updated)
            return updated
        finally:
            self.share()

    def _write_manifest(self, manifest: Manifest) -> None:
        partial = self.manifest_path.with_suffix(".json.partial")
        with open(partial, "w", encoding="utf-8") as out:
            out.write(manifest.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.manifest_path)
        directory = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
