"""The layout is the architecture: the map in ARCHITECTURE.md is the folder tree, the top
level holds only the entry points, no module imports itself back, and no module is huge.

The layer contracts themselves (which family may import which) are import-linter's, in
``pyproject.toml``; ``make test`` runs ``lint-imports`` beside pytest.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "assess"
TREE_LINE = re.compile(r"^(?P<indent>(?:│   |    )*)(?:├── |└── )(?P<name>[\w.]+/?)")


def _real_tree() -> set[str]:
    """Every module and subpackage folder, relative to src/assess (no __init__ of folders)."""
    paths: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if "__pycache__" in rel.parts:
            continue
        if rel.name == "__init__.py" and len(rel.parts) > 1:
            continue
        paths.add(rel.as_posix())
    for path in PACKAGE.rglob("__init__.py"):
        if path.parent != PACKAGE:
            paths.add(path.parent.relative_to(PACKAGE).as_posix() + "/")
    return paths


def _mapped_tree() -> set[str]:
    """The paths the tree in ARCHITECTURE.md's "Map" section names."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Map", 1)[1]
    block = section.split("```", 2)[1]
    paths: set[str] = set()
    stack: list[str] = []
    for line in block.splitlines():
        match = TREE_LINE.match(line)
        if match is None:
            continue
        depth = len(match["indent"]) // 4
        del stack[depth:]
        name = match["name"]
        paths.add("".join(stack) + name)
        if name.endswith("/"):
            stack.append(name)
    return paths


def test_architecture_map_is_the_folder_tree():
    real, mapped = _real_tree(), _mapped_tree()
    assert sorted(real - mapped) == [], "modules missing from ARCHITECTURE.md's map"
    assert sorted(mapped - real) == [], "ARCHITECTURE.md's map names modules that do not exist"


def test_map_parser_reads_nesting():
    # The check above is only as good as its parser: a nested name must get its folder.
    assert TREE_LINE.match("│   ├── errors.py   x")["indent"] == "│   "
    assert "core/errors.py" in _mapped_tree()


def test_top_level_holds_only_entry_points_and_subpackages():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "cli.py", "pipeline.py"]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("assess", include_external_packages=False)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.find_modules_directly_imported_by(node):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycle(graph):
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    fake = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        fake.add_import(importer=a, imported=b)
    assert _cycles(fake) == [["p.a", "p.b", "p.c"]]


def test_no_module_is_huge():
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {m: n for m, n in sizes.items() if n > 900} == {}
