"""Data flows one way: the web layer holds no search logic, the indexer holds no HTTP."""

from __future__ import annotations

import ast

import indexer

from .conftest import REPO


def imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / package).glob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module)
                if node.module == "indexer":
                    names |= {f"indexer:{a.name}" for a in node.names}
        found[path.name] = names
    return found


def test_indexer_has_no_http():
    for module, names in imports("indexer").items():
        assert not {n.split(".")[0] for n in names} & {"flask", "werkzeug", "waitress"}, module


def test_webapp_uses_only_the_indexer_public_api():
    for module, names in imports("webapp").items():
        assert not {n.split(".")[0] for n in names} & {"whoosh", "jieba"}, module
        assert not [n for n in names if n.startswith("indexer.")], module
        for n in names:
            if n.startswith("indexer:"):
                assert n.split(":")[1] in indexer.__all__, (module, n)
