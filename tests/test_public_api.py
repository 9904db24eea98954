"""The curated public surface: ``__all__`` is exactly what each public module defines.

One sort order, checked in one place: ruff's RUF022 (isort style: CONSTANTS, Classes,
functions) holds every ``__all__`` in the package sorted, so this file does not.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from types import ModuleType

import pytest

import blynkbook

PUBLIC_MODULES = [
    "blynkbook",
    "blynkbook.errors",
    "blynkbook.transport",
    "blynkbook.cache",
    "blynkbook.contract",
    "blynkbook.blynk",
    "blynkbook.thingsee",
    "blynkbook.panels",
    "blynkbook.sim",
]


def assigned_names(module: ModuleType) -> set[str]:
    """Public names a module's own source binds at top level (constants, aliases)."""
    names: set[str] = set()
    for node in ast.parse(inspect.getsource(module)).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return {name for name in names if not name.startswith("_")}


def defined_names(module: ModuleType) -> set[str]:
    """What a module offers: its public classes and functions from blynkbook (its own or
    re-exported from its private modules) and the names its source assigns."""
    offered = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith("blynkbook")
    }
    return offered | assigned_names(module)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_what_the_module_defines(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    for attribute in exported:  # lazily loaded names (PEP 562) resolve too
        assert getattr(module, attribute) is not None, f"{name}.{attribute}"
    unexported = defined_names(module) - set(exported) - {"__all__"}
    assert unexported == set(), f"{name} defines public names it does not export"


def test_the_check_sees_a_name_left_out() -> None:
    from blynkbook import contract

    assert "differences" in defined_names(contract)
    assert "METHODS" in assigned_names(contract)
    assert "TIME_DTYPE" not in defined_names(contract)  # imported, not its own


def test_architecture_names_are_reachable_from_the_top() -> None:
    assert callable(blynkbook.connect)
    assert callable(blynkbook.explore)
    assert callable(blynkbook.thingsee.connect)


def test_the_demo_does_not_load_requests_cache() -> None:
    # blynkbook.cache loads its names on first use, so a client with no cache stays light
    code = (
        "import sys, blynkbook as bb\n"
        "with bb.connect('demo') as c, bb.thingsee.connect('demo') as t:\n"
        "    assert not c.cache and not t.cache\n"
        "assert 'requests_cache' not in sys.modules, 'requests_cache was imported'\n"
        "from blynkbook.cache import ResponseCache\n"
        "assert 'requests_cache' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
