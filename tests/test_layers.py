"""The layers of the package: the web pages, the SPARQL endpoint, search and reconciliation
reach the store only through its facade (``server.store``: ``get_store()`` and the names
it exports), never through the modules inside it, so a backend can change behind it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import server.store

PACKAGE = Path(server.store.__file__).resolve().parent.parent
FRONT = ("web", "sparql", "search", "reconcile")


def store_imports(path: Path) -> list[str]:
    """Every ``server.store...`` module ``path`` imports, and the names it takes from it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:           # relative: resolve against the file's package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level]
                module = ".".join((*parts, module)) if module else ".".join(parts)
            if module == "server.store" or module.startswith("server.store."):
                found += [f"{module}:{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("server.store")]
    return found


MODULES = sorted(p for folder in FRONT for p in (PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_front_uses_only_the_store_facade(path):
    for imported in store_imports(path):
        module, _, name = imported.partition(":")
        assert module == "server.store", f"{path.name} imports {module} (use the facade, server.store)"
        assert name in server.store.__all__, f"{path.name} imports {name}, which the facade does not export"


def test_the_check_sees_relative_imports(tmp_path):
    """The check itself: a relative import of a store module is caught."""
    assert any(m.startswith("server.store.") for p in MODULES for m in store_imports(p)) is False
    fake = PACKAGE / "web" / "views.py"
    assert "server.store:get_store" in store_imports(fake)


def test_the_bounded_cache_is_not_part_of_the_store():
    assert (PACKAGE / "lru.py").is_file() and not (PACKAGE / "store" / "lru.py").exists()
