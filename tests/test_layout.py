"""Every service has one shape, read from its source (no import, no I/O beyond reading files).

- Top level: ``__init__``, ``__main__``, ``main``, ``config``, ``models``, ``common``, the
  ``migrations/`` directory and domain packages; nothing else is a Python module there.
- Every consumer (a ``ConsumerSpec(...)``) is built in its domain's ``consumer.py``.
- No import circle inside a service; the shared library imports no service.
"""

from __future__ import annotations

import ast
import graphlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PACKAGES = sorted(
    path.parent for path in ROOT.glob("services/*/src/*/__init__.py") if path.parent.is_dir()
)
SERVICE_NAMES = {package.name for package in SERVICE_PACKAGES}
TOP_LEVEL_MODULES = {"__init__", "__main__", "main", "config", "models", "common"}
TOP_LEVEL_DIRECTORIES = {"migrations"}
LAYERS = {"api", "schemas", "service", "repository", "consumer"}  # files of a domain, not domains
# Still to be moved by issue 13's work on those services; remove a mark once its test passes.
BEING_MOVED = "being moved in issue 13"
PENDING: dict[str, set[str]] = {
    "layout": set(),
    "consumers": set(),
    "circles": set(),
}


def cases(check: str) -> list:
    """One parameter per service; those still being moved are expected to fail (strictly)."""
    return [
        pytest.param(
            package,
            id=package.name,
            marks=[pytest.mark.xfail(reason=BEING_MOVED, strict=True)]
            if package.name in PENDING[check]
            else [],
        )
        for package in SERVICE_PACKAGES
    ]


def python_files(directory: Path) -> list[Path]:
    """The Python files under ``directory`` (caches left out)."""
    return sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(package: Path, path: Path) -> str:
    """``registry.schools.api`` for ``.../src/registry/schools/api.py``."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass(frozen=True)
class Imported:
    """A module imported by another (with the line of the import)."""

    module: str
    line: int


def imports_of(tree: ast.Module, importer: str, is_package: bool) -> list[Imported]:
    """Every module ``importer`` imports, anywhere in its code (functions included); for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a module)."""
    found: list[Imported] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Imported(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = importer.split(".")
                parent = parent if is_package else parent[:-1]
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.append(Imported(base, node.lineno))
            found += [Imported(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports."""
    files = {module_name(package, path): path for path in python_files(package)}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported in imports_of(tree, name, path.name == "__init__.py"):
            if imported.module in files and imported.module != name:
                graph[name].add(imported.module)
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of the graph, or an empty list."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def layout_violations(package: Path) -> list[str]:
    """What sits at the top level of a service package outside the one layout."""
    wrong = []
    for entry in sorted(package.iterdir()):
        if entry.name == "__pycache__":
            continue
        if entry.is_file() and entry.suffix == ".py":
            if entry.stem not in TOP_LEVEL_MODULES:
                wrong.append(entry.name)
        elif entry.is_dir() and entry.name not in TOP_LEVEL_DIRECTORIES:
            if entry.name in LAYERS:
                wrong.append(f"{entry.name}/ (a layer, not a domain)")
            elif python_files(entry) and not (entry / "__init__.py").exists():
                wrong.append(f"{entry.name}/ (Python files, but not a package)")
    return wrong


def consumers_outside_consumer_modules(package: Path) -> list[str]:
    """Modules that build a ``ConsumerSpec`` but are not a domain's ``consumer.py``."""
    wrong = []
    for path in python_files(package):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        builds = any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            == "ConsumerSpec"
            for node in ast.walk(tree)
        )
        in_domain = path.parent != package
        if builds and not (path.name == "consumer.py" and in_domain):
            wrong.append(str(path.relative_to(package)))
    return wrong


# --------------------------------------------------------------------------- the checks


def test_every_service_is_found():
    assert {"registry", "offers", "meetings", "notifications"} <= SERVICE_NAMES


@pytest.mark.parametrize("package", cases("layout"))
def test_the_top_level_holds_only_the_layout(package):
    assert layout_violations(package) == []


@pytest.mark.parametrize("package", cases("consumers"))
def test_every_consumer_lives_in_its_domains_consumer_module(package):
    assert consumers_outside_consumer_modules(package) == []


@pytest.mark.parametrize("package", cases("circles"))
def test_no_import_circle_within_a_service(package):
    assert find_circle(import_graph(package)) == []


def test_the_shared_library_imports_no_service():
    offenders = []
    for source in ROOT.glob("shared/**/src"):
        for path in python_files(source):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for imported in imports_of(tree, path.stem, False):
                if imported.module.split(".")[0] in SERVICE_NAMES:
                    offenders.append(f"{path.relative_to(ROOT)}:{imported.line} {imported.module}")
    assert offenders == []


# --------------------------------------------------------------------------- the checks checked


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_circle_through_a_lazy_import_is_found(tmp_path):
    package = _write(
        tmp_path / "svc",
        {
            "__init__.py": "",
            "main.py": "from svc.schools.api import router\n",
            "schools/__init__.py": "",
            "schools/api.py": "from svc.schools import importer\n",
            "schools/importer.py": "def f():\n    from svc.main import X\n",
        },
    )

    circle = find_circle(import_graph(package))

    assert set(circle) == {"svc.main", "svc.schools.api", "svc.schools.importer"}


def test_relative_imports_count_and_a_tree_is_no_circle(tmp_path):
    package = _write(
        tmp_path / "svc",
        {
            "__init__.py": "",
            "main.py": "from .schools import api\n",
            "schools/__init__.py": "from . import service\n",
            "schools/api.py": "from . import service\nfrom ..common import Text\n",
            "schools/service.py": "from svc import common\n",
            "common.py": "",
        },
    )

    graph = import_graph(package)

    assert graph["svc.main"] == {"svc.schools", "svc.schools.api"}
    assert graph["svc.schools"] == {"svc.schools.service"}
    assert graph["svc.schools.api"] == {"svc.schools", "svc.schools.service", "svc.common"}
    assert find_circle(graph) == []
    graph["svc.common"].add("svc.main")
    assert find_circle(graph) != []


def test_modules_and_consumers_outside_the_layout_are_found(tmp_path):
    package = _write(
        tmp_path / "svc",
        {
            "__init__.py": "",
            "main.py": "",
            "service.py": "",
            "api/__init__.py": "",
            "api/regions.py": "",
            "helpers/util.py": "",
            "templates/a.txt": "",
            "migrations/env.py": "",
            "persons/__init__.py": "",
            "persons/scrub.py": "def c():\n    return ConsumerSpec(name='x')\n",
            "persons/consumer.py": "def c():\n    return spec.ConsumerSpec(name='y')\n",
        },
    )

    assert layout_violations(package) == [
        "api/ (a layer, not a domain)",
        "helpers/ (Python files, but not a package)",
        "service.py",
    ]
    assert consumers_outside_consumer_modules(package) == ["persons/scrub.py"]
