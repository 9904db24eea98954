"""The package's layout rules (docs/internals.md, "Layout rules"), read from the source.

One module import graph, built with ``ast`` from every file of ``blynkbook/``: absolute and
relative imports, imports inside functions and under ``TYPE_CHECKING`` all count (a cycle
hidden in a function is still a cycle). On it: no cycle inside a room, none between rooms,
no room importing one it must not; and no module over :data:`MAX_LINES` lines unless its
docstring has a line starting "Long because". Each check is also fed a synthetic case it
must refuse, so none can pass by seeing nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "blynkbook"
MAX_LINES = 400
REASON = "Long because"

Graph = dict[str, set[str]]

FACADES = ("blynk", "thingsee")
#: The only facade modules that may import the simulator: building the embedded demo cloud.
DEMO_CONNECT = frozenset({"blynkbook.blynk._connect", "blynkbook.thingsee._connect"})
#: room → rooms it must not import (a room is a folder of blynkbook/; the top-level modules
#: are each a room of their own, named by module).
FORBIDDEN: dict[str, frozenset[str]] = {
    "panels": frozenset(FACADES),  # panels drive any client through the protocol
    "blynk": frozenset({"panels", "sim", "thingsee"}),
    "thingsee": frozenset({"panels", "sim", "blynk"}),
    "sim": frozenset({"blynk", "thingsee", "panels", "transport", "cache", "store"}),
}
#: rooms that import nothing of blynkbook at all
SELF_CONTAINED = frozenset({"vendor"})


# -- the graph -----------------------------------------------------------------------------


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, package: str, known: set[str]) -> Iterable[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
        yield from submodules
        if len(submodules) < len(node.names):  # a name defined in ``base`` itself
            yield base


def _nearest_known(name: str, known: set[str]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(package_dir: Path) -> Graph:
    """Module → the modules of the same package it imports, anywhere in its source."""
    files = {module_name(p, package_dir.parent): p for p in sorted(package_dir.rglob("*.py"))}
    known = set(files)
    graph: Graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for imported in _imported(node, package, known):
                target = _nearest_known(imported, known)
                if target is not None and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, …, a]``, or None; edges leaving ``graph`` are ignored."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def room_of(module: str) -> str:
    """``blynkbook.sim.blynk.app`` → ``sim``; a top-level module is its own room."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def rooms(graph: Graph) -> dict[str, set[str]]:
    """Room → the modules of that room that are folders' (``blynkbook/<room>/``)."""
    out: dict[str, set[str]] = {}
    for module in graph:
        if module.count(".") >= 2 or (PACKAGE / module.partition(".")[2]).is_dir():
            out.setdefault(room_of(module), set()).add(module)
    return out


def room_graph(graph: Graph) -> Graph:
    """Room → the rooms it imports; the package's own ``__init__`` is left out (it only
    gathers the public names)."""
    out: Graph = {}
    for module, targets in graph.items():
        if "." not in module:
            continue
        here = room_of(module)
        out.setdefault(here, set()).update(
            room_of(t) for t in targets if "." in t and room_of(t) != here
        )
    return out


def room_violations(graph: Graph) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        here = room_of(module)
        for target in sorted(targets):
            there = room_of(target)
            if there == here:
                continue
            if here in SELF_CONTAINED:
                found.append(f"{module} imports {target}: {here} imports nothing of blynkbook")
            elif there in FORBIDDEN.get(here, ()) and not (
                there == "sim" and module in DEMO_CONNECT
            ):
                found.append(f"{module} imports {target}: {here} must not import {there}")
    return found


# -- sizes ---------------------------------------------------------------------------------


def long_modules(package_dir: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules over ``limit`` lines whose docstring gives no reason (``Long because…``)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        docstring = ast.get_docstring(ast.parse(text)) or ""
        reasoned = any(line.strip().startswith(REASON) for line in docstring.splitlines())
        if lines > limit and not reasoned:
            found[path.relative_to(package_dir.parent).as_posix()] = lines
    return found


# -- the rules, on the package -------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(PACKAGE)


def test_no_import_cycle_inside_a_room(graph: Graph) -> None:
    found = {}
    for room, modules in sorted(rooms(graph).items()):
        cycle = find_cycle({m: graph[m] & modules for m in modules})
        if cycle is not None:
            found[room] = " -> ".join(cycle)
    assert found == {}, f"import cycles: {found}"


def test_no_import_cycle_between_rooms(graph: Graph) -> None:
    cycle = find_cycle(room_graph(graph))
    assert cycle is None, "rooms import each other: " + " -> ".join(cycle or [])


def test_no_room_imports_one_it_must_not(graph: Graph) -> None:
    assert room_violations(graph) == []


def test_the_vendor_room_is_seen_and_clean(graph: Graph) -> None:
    # the rules above would pass on an empty graph: show they read the real one
    assert "blynkbook.vendor.blynk" in graph["blynkbook.sim.blynk.datastreams"]
    assert "blynkbook.sim.blynk.app" in graph["blynkbook.sim.blynk"]
    assert {"sim", "blynk", "thingsee", "panels", "vendor"} <= set(rooms(graph))


def test_no_module_over_the_limit_without_a_reason() -> None:
    long = long_modules(PACKAGE)
    assert long == {}, long


# -- each check refuses what it is for -----------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "pkg"


def test_the_graph_sees_relative_function_level_and_type_checking_imports(
    tmp_path: Path,
) -> None:
    pkg = _package(
        tmp_path,
        {
            "__init__.py": "",
            "room/__init__.py": "from . import a\n",
            "room/a.py": "def f():\n    from .b import x\n    return x\n",
            "room/b.py": "import typing\nif typing.TYPE_CHECKING:\n    from ..room import c\n",
            "room/c.py": "import pkg.room.a\nfrom pkg.other import thing\n",
            "other.py": "thing = 1\n",
        },
    )
    graph = import_graph(pkg)
    assert graph["pkg.room"] == {"pkg.room.a"}
    assert graph["pkg.room.a"] == {"pkg.room.b"}
    assert graph["pkg.room.b"] == {"pkg.room.c"}
    assert graph["pkg.room.c"] == {"pkg.room.a", "pkg.other"}
    assert find_cycle(graph) == ["pkg.room.a", "pkg.room.b", "pkg.room.c", "pkg.room.a"]


def test_find_cycle_reports_the_cycle_and_passes_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a", "x"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_room_rules_refuse_a_forbidden_import() -> None:
    graph: Graph = {
        "blynkbook.panels.write": {"blynkbook.blynk.client", "blynkbook.errors"},
        "blynkbook.thingsee._client": {"blynkbook.sim.thingsee"},
        "blynkbook.thingsee._connect": {"blynkbook.sim.thingsee"},
        "blynkbook.vendor.blynk": {"blynkbook.errors"},
        "blynkbook.sim.blynk.app": {"blynkbook.transport._session", "blynkbook.vendor.blynk"},
    }
    assert room_violations(graph) == [
        "blynkbook.panels.write imports blynkbook.blynk.client: panels must not import blynk",
        "blynkbook.sim.blynk.app imports blynkbook.transport._session: sim must not import "
        "transport",
        "blynkbook.thingsee._client imports blynkbook.sim.thingsee: thingsee must not import sim",
        "blynkbook.vendor.blynk imports blynkbook.errors: vendor imports nothing of blynkbook",
    ]
    assert find_cycle(
        room_graph(
            {
                "blynkbook.a.x": {"blynkbook.b.y"},
                "blynkbook.b.y": {"blynkbook.a.z"},
                "blynkbook.a.z": set(),
            }
        )
    ) == ["a", "b", "a"]


def test_the_size_check_flags_a_long_module_unless_it_says_why(tmp_path: Path) -> None:
    body = "x = 1\n" * MAX_LINES
    pkg = _package(
        tmp_path,
        {
            "short.py": '"""Short."""\n' + "x = 1\n" * (MAX_LINES - 1),
            "long.py": '"""Long, no reason."""\n' + body,
            "reasoned.py": '"""Reasoned.\n\nLong because it is one table.\n"""\n' + body,
        },
    )
    assert long_modules(pkg) == {"pkg/long.py": MAX_LINES + 1}
