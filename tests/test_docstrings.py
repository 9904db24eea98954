"""Every example in the package's docstrings runs and prints what it shows.

Examples that need a real cloud or a live widget are marked ``# doctest: +SKIP``; all the
others run here, module by module, with the same globals the module itself has.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import blynkbook

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    found = pkgutil.walk_packages(blynkbook.__path__, prefix="blynkbook.")
    return ["blynkbook", *sorted(info.name for info in found)]


def test_every_docstring_example_runs() -> None:
    failed: dict[str, int] = {}
    attempted = 0
    for name in _modules():
        result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS, report=False)
        attempted += result.attempted
        if result.failed:
            failed[name] = result.failed
    assert not failed, f"docstring examples failed (their output is above): {failed}"
    assert attempted > 80  # the examples really ran (83 when this was written)
