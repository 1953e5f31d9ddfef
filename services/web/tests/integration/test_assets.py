"""The front-end assets are built with the real npm and node from a copy of services/web's
sources into a temporary WEB_STATIC_DIR: site.css holds KERN UX and our glue, every url() in it
names a file that was built beside it, and every class ASSETS.md tells templates to use exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from web.assets import service as assets

SOURCES = ("package.json", "package-lock.json", "scripts", "assets")
URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)""")
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
WEB_DIR = assets.SOURCE_DIR  # services/web/ of this checkout (tests patch SOURCE_DIR to copies)


def copy_sources(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        source = WEB_DIR / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """(dist, log lines) after build_assets ran on a fresh copy of the sources."""
    sources = copy_sources(tmp_path_factory.mktemp("web"))
    dist = tmp_path_factory.mktemp("static") / "dist"
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "SOURCE_DIR", sources)
        patch.setenv("WEB_STATIC_DIR", str(dist))
        assert assets.dist_dir() == dist
        assert not assets.assets_built()
        assets.build_assets(lines.append)
        yield dist, lines


def test_build_assets_installs_and_builds_into_web_static_dir(built):
    dist, lines = built
    assert any("npm ci" in line for line in lines), lines
    assert any("npm run build" in line for line in lines), lines
    assert assets.assets_built()
    css = (dist / "site.css").read_text(encoding="utf-8")
    assert css.startswith('@charset "UTF-8";')
    assert ".kern-btn--primary" in css and ".app-budget-line" in css  # KERN, then our glue
    assert css.index(".kern-btn--primary") < css.index(".app-budget-line")


def test_every_url_in_site_css_is_a_file_in_dist(built):
    dist, _ = built
    css = (dist / "site.css").read_text(encoding="utf-8")
    files, inline = [], 0
    for match in URL.finditer(css):
        target = next(group for group in match.groups() if group is not None)
        if target.startswith("data:"):
            inline += 1
            continue
        resolved = (dist / target).resolve()
        assert resolved.is_relative_to(dist.resolve()), target
        assert resolved.is_file(), f"site.css refers to {target}, which was not built"
        files.append(target)
    assert len(files) >= 10, files  # the Fira Sans faces
    assert all(name.startswith("fonts/") for name in files)
    assert inline > 0  # KERN's icons are inline SVG masks


def test_every_class_assets_md_uses_is_in_site_css(built):
    dist, _ = built
    css = (dist / "site.css").read_text(encoding="utf-8")
    text = (WEB_DIR / "ASSETS.md").read_text(encoding="utf-8")
    used = {
        name
        for attribute in CLASS_ATTRIBUTE.findall(text)
        for name in attribute.split()
        if name.startswith(("kern-", "app-"))
    }
    assert len(used) > 40
    missing = sorted(name for name in used if not re.search(rf"\.{re.escape(name)}(?![\w-])", css))
    assert not missing, f"ASSETS.md names classes site.css does not have: {missing}"


def test_site_js_is_valid_javascript(built):
    dist, _ = built
    result = subprocess.run(
        ["node", "--check", str(dist / "site.js")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "data-rows" in (dist / "site.js").read_text(encoding="utf-8")


def test_a_changed_source_is_rebuilt_without_reinstalling(built):
    dist, _ = built
    manifest = dist / "manifest.json"
    earlier = (WEB_DIR / "package.json").stat().st_mtime - 3600  # before any source
    os.utime(manifest, (earlier, earlier))  # as if a source changed after the last build
    assert not assets.assets_built()
    lines: list[str] = []
    assets.build_assets(lines.append)
    assert not any("npm ci" in line for line in lines), lines  # node_modules is current
    assert any("npm run build" in line for line in lines), lines
    assert manifest.stat().st_mtime > earlier
    assert assets.assets_built()
    lines.clear()
    assets.build_assets(lines.append)  # built and current: nothing to do
    assert lines == []


def test_without_node_build_assets_says_to_install_node(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "SOURCE_DIR", copy_sources(tmp_path / "web"))
    monkeypatch.setenv("WEB_STATIC_DIR", str(tmp_path / "dist"))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(RuntimeError) as raised:
        assets.build_assets(lambda line: None)
    message = str(raised.value)
    assert "Node.js" in message and "≥ 20" in message
    assert "installieren" in message and "install" in message
    assert not (tmp_path / "dist").exists()
