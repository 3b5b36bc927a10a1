"""Static checks of the packaging files: the desktop entry, the AppStream metainfo, the icons,
the entry points and the PyInstaller launcher (the bundle itself is built by ``make package``)."""

from __future__ import annotations

import configparser
import importlib
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import modelgraft
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
APP_ID = "io.github.modelgraft.ModelGraft"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def test_app_id_is_the_one_the_app_uses() -> None:
    from modelgraft.ui.app import APP_ID as app_id

    assert app_id == APP_ID


def test_desktop_entry_has_the_required_keys() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "ModelGraft"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    program, *args = entry["Exec"].split()
    assert program in PYPROJECT["project"]["scripts"]
    assert args == ["gui", "%f"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_entry_validates() -> None:
    proc = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout.lower()


def test_metainfo_has_the_required_appstream_elements() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    for tag in ("name", "summary", "metadata_license", "project_license"):
        assert (root.findtext(tag) or "").strip(), tag
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert root.findtext("provides/binary") in PYPROJECT["project"]["scripts"]
    assert [c.text for c in root.iterfind("categories/category")] == \
        [c for c in _desktop_entry()["Categories"].split(";") if c]
    assert root.find("content_rating").get("type") == "oars-1.1"  # type: ignore[union-attr]


def test_metainfo_release_and_screenshot_match_the_project() -> None:
    root = ET.parse(METAINFO).getroot()
    release = root.find("releases/release")
    assert release is not None
    assert release.get("version") == PYPROJECT["project"]["version"] == modelgraft.__version__
    image = root.findtext("screenshots/screenshot/image") or ""
    assert image.startswith("https://") and image.endswith("/docs/screenshots/workbench.png")
    assert (ROOT / "docs" / "screenshots" / "workbench.png").is_file()


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_validates() -> None:
    proc = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_icons_exist_in_every_size() -> None:
    from PySide6.QtGui import QImage

    svg = ET.parse(HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    for size in PNG_SIZES:
        image = QImage(str(HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


def test_installed_data_files_exist() -> None:
    data_files = PYPROJECT["tool"]["setuptools"]["data-files"]
    listed = {f for files in data_files.values() for f in files}
    assert {f"packaging/{DESKTOP.name}", f"packaging/{METAINFO.name}"} <= listed
    assert len([f for f in listed if f.startswith("resources/icons/hicolor/")]) == len(PNG_SIZES) + 1
    for file in listed:
        assert (ROOT / file).is_file(), file


def test_window_icon_and_desktop_file_name_are_set() -> None:
    from modelgraft.ui.app import create_application

    app = create_application()
    assert app.desktopFileName() == APP_ID
    sizes = {(s.width(), s.height()) for s in app.windowIcon().availableSizes()}
    assert {(n, n) for n in PNG_SIZES} <= sizes


def test_entry_points_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    assert _resolve(PYPROJECT["project"]["scripts"]["modelgraft"]) is _resolve("modelgraft.cli:main")
    gui_main = _resolve(PYPROJECT["project"]["gui-scripts"]["modelgraft-gui"])
    with pytest.raises(SystemExit) as exit_info:
        gui_main(["--help"])
    assert exit_info.value.code == 0
    assert "Open the ModelGraft workbench" in capsys.readouterr().out


def test_launcher_runs_the_command_and_python_code() -> None:
    launcher = str(PACKAGING / "launcher.py")
    version = subprocess.run([sys.executable, launcher, "--version"], capture_output=True, text=True,
                             timeout=120, check=False)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"modelgraft {modelgraft.__version__}"
    code = "import sys; print(sys.argv, 'modelgraft' in sys.modules)"
    script = subprocess.run([sys.executable, launcher, "-c", code, "a b", "c"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert script.returncode == 0, script.stderr
    assert script.stdout.strip() == "['-c', 'a b', 'c'] False"


def test_spec_is_python_and_names_the_launcher() -> None:
    spec = (PACKAGING / "modelgraft.spec").read_text()
    compile(spec, "modelgraft.spec", "exec")
    assert '"launcher.py"' in spec
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "build/" in ignored and "dist/" in ignored
