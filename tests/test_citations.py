"""Every citation in the package resolves: cited files exist in the repository (with the
cited ``§`` section), no docstring points at a folder or seed file that lives elsewhere,
and every Sphinx-style name (``:func:`x```, ``:class:`x``` …) names something that exists.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import blynkbook

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "blynkbook").rglob("*.py"))
MODULES = sorted(info.name for info in pkgutil.walk_packages(blynkbook.__path__, "blynkbook."))

CITED_PATH = re.compile(r"\b((?:docs|reference|seeds)/[\w./*-]*[\w*])(?:\s+§\s*([\d.]*\d))?")
SEED_NAME = re.compile(r"\b\d{3}_[\w*]+\.txt\b")
ROLE = re.compile(r":(func|class|data|meth|mod|attr|exc|obj):`~?([\w.]+)(?: <([\w.]+)>)?`")


def cited_paths(text: str) -> list[tuple[str, str]]:
    """``(path, section)`` for each ``docs/…``, ``reference/…`` or ``seeds/…`` cited."""
    return CITED_PATH.findall(text)


def _has_section(path: Path, section: str) -> bool:
    heading = re.compile(rf"^#+\s+{re.escape(section)}[.\s]", re.MULTILINE)
    return bool(heading.search(path.read_text(encoding="utf-8")))


def path_problems(text: str) -> list[str]:
    problems = []
    for cited, section in cited_paths(text):
        target = ROOT / cited
        if "*" in cited or not target.is_file():
            problems.append(f"{cited} is not a file in the repository")
        elif section and not _has_section(target, section):
            problems.append(f"{cited} has no section §{section}")
    problems += [f"{name} is a seed name; cite docs/vendor/…" for name in SEED_NAME.findall(text)]
    return problems


def _package_of(module: ModuleType) -> str:
    return module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]


def _resolves_in(obj: object, parts: list[str]) -> bool:
    for index, part in enumerate(parts):
        if not hasattr(obj, part):
            last = index == len(parts) - 1
            return last and inspect.isclass(obj) and _instance_attribute(obj, part)
        obj = getattr(obj, part)
    return True


def _instance_attribute(cls: type, name: str) -> bool:
    """An attribute set on instances (``self.name = ...``) or declared in annotations."""
    annotated = any(name in getattr(k, "__annotations__", {}) for k in cls.__mro__)
    return annotated or f"self.{name} =" in inspect.getsource(cls)


def _resolves_absolute(parts: list[str]) -> bool:
    for cut in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        return _resolves_in(module, parts[cut:])
    return False


def name_resolves(module: ModuleType, role: str, name: str) -> bool:
    """Whether ``:role:`name``` cited in ``module`` names something that exists."""
    if name.startswith("."):
        name = _package_of(module) + name
    parts = name.split(".")
    namespace = vars(module)
    if parts[0] in namespace and _resolves_in(namespace[parts[0]], parts[1:]):
        return True
    if hasattr(builtins, parts[0]) and _resolves_in(getattr(builtins, parts[0]), parts[1:]):
        return True
    if _resolves_absolute(parts):
        return True
    package = importlib.import_module(_package_of(module))  # a sibling module's name
    if parts[0] in vars(package) and _resolves_in(vars(package)[parts[0]], parts[1:]):
        return True
    if role in ("meth", "attr") and len(parts) == 1:  # a method of a class of this module
        return any(inspect.isclass(v) and hasattr(v, name) for v in namespace.values())
    return False


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_paths_resolve(source: Path) -> None:
    assert path_problems(source.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", MODULES)
def test_cited_names_resolve(name: str) -> None:
    module = importlib.import_module(name)
    text = inspect.getsource(module)
    dead = [
        f":{role}:`{name}`"
        for role, name, target in ROLE.findall(text)
        if not name_resolves(module, role, target or name)
    ]
    assert dead == []


def test_the_checks_catch_what_the_issue_found() -> None:
    """The dead references of issue 14, as they were, fail the checks."""
    assert path_problems("(reference/stack-facts.md §7, option d)") == [
        "reference/stack-facts.md is not a file in the repository"
    ]
    assert path_problems("The 8 DataStreams endpoints (``002_*.txt``)") == [
        "002_*.txt is a seed name; cite docs/vendor/…"
    ]
    assert path_problems("see docs/vendor/notes-stack-facts.md §99") == [
        "docs/vendor/notes-stack-facts.md has no section §99"
    ]
    assert path_problems("see docs/vendor/notes-stack-facts.md §7 and docs/internals.md") == []
    keys = importlib.import_module("blynkbook.cache.keys")
    fields = importlib.import_module("blynkbook.thingsee._fields")
    assert not name_resolves(keys, "func", "build_key")
    assert not name_resolves(fields, "func", "decode")
    assert name_resolves(fields, "func", "decode_message")
    assert name_resolves(keys, "class", "blynkbook.errors.StaleDataWarning")
    retry = importlib.import_module("blynkbook.transport._retry")
    assert name_resolves(retry, "meth", "Session.pull")  # the package's Session
    assert not name_resolves(retry, "meth", "Session.pul")
    assert name_resolves(keys, "attr", "blynkbook.errors.PartialReadError.missing")
    assert not name_resolves(keys, "attr", "blynkbook.errors.PartialReadError.absent")


def test_every_vendor_document_is_listed_in_its_readme() -> None:
    vendor = ROOT / "docs" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in vendor.iterdir() if p.name != "README.md")
    assert len(files) == 9
    assert [name for name in files if f"`{name}`" not in readme] == []
