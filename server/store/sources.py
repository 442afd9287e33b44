"""The dataset's source files: which files make it, and a fingerprint of them.

The fingerprint (SHA-256 of the base IRI plus every file's relative path and bytes)
is computed before anything is parsed, so a persistent store built from the same
files is recognised and reopened without re-parsing. The web layer uses it for ETags.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..formats import readable

#: File suffixes the loader reads (from the one format table).
RDF_SUFFIXES = tuple(readable())


def dataset_files(*folders: str | Path | None) -> list[Path]:
    """The RDF files under each folder (recursively), in a stable order."""
    files: list[Path] = []
    for folder in folders:
        if folder and Path(folder).is_dir():
            files.extend(sorted(p for p in Path(folder).rglob("*")
                                if p.is_file() and p.suffix in RDF_SUFFIXES))
    return files


def fingerprint(base_iri: str, *folders: str | Path | None) -> str:
    digest = hashlib.sha256(base_iri.encode())
    for folder in folders:
        if not folder:
            continue
        root = Path(folder)
        for path in dataset_files(root):
            digest.update(b"\0" + str(root.name / path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]
