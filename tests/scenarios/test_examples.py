"""The bundled example projects: one per scenario, data bound with relative paths, regenerated
byte for byte, shipped in the wheel, and each one checks, trains and exports verified."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import modelgraft as mg
import pytest
from modelgraft import cli
from modelgraft.examples import DEMO, copy_example, example, examples_dir, list_examples
from modelgraft.ui.actions import example_projects

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
make_examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_examples)  # type: ignore[union-attr]
EXAMPLES = list_examples()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_there_is_one_example_per_scenario_in_scenario_order() -> None:
    assert examples_dir() == ROOT / "resources" / "examples"
    assert [p.parent.name.split("_")[0] for p in EXAMPLES] == [f"s{i}" for i in range(1, 13)]
    assert example_projects() == EXAMPLES  # the File ▸ Open Example menu lists the same
    assert cli.EXAMPLE == example(DEMO) == example("S10") and cli.EXAMPLE.is_file()


def test_an_unknown_example_names_the_known_ones() -> None:
    with pytest.raises(mg.ModelGraftError, match="no bundled example 's13'.*s1_feature_head"):
        example("s13")


@pytest.mark.parametrize("project_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_binds_every_port_with_paths_inside_its_folder(project_file: Path) -> None:
    text = json.loads(project_file.read_text())
    folder = project_file.parent
    ports = {n["name"] for n in text["nodes"] if n["kind"] in ("input", "output")}
    bindings = text["data"]["bindings"]
    assert set(bindings) == ports and text["data"]["split"]["fraction"] > 0
    paths = [n["params"]["path"] for n in text["nodes"] if n["kind"] == "model"]
    paths += [b["source"] for b in bindings.values()]
    for path in paths:
        assert not Path(path).is_absolute() and ".." not in Path(path).parts, path
        assert (folder / path).is_file(), path
    assert text["training"]["epochs"] >= 1 and text["training"]["seed"] == 0
    assert not (folder / "runs").exists()


@pytest.mark.slow
def test_regenerating_gives_the_same_bytes(tmp_path: Path) -> None:
    """A legacy .h5 pair and a .keras pair with compressed NPZ data, written twice."""
    for scenario in ("s9_legacy_h5", "s3_image_text"):
        first = _files(make_examples.write_example(scenario, tmp_path / "a").parent)
        second = _files(make_examples.write_example(scenario, tmp_path / "b").parent)
        assert sorted(first) == sorted(second) and "project.mgraft" in first
        assert [name for name in first if first[name] != second[name]] == []


def test_copied_example_leaves_runs_behind(tmp_path: Path) -> None:
    source = tmp_path / "source" / "s4_reshape"
    shutil.copytree(example("s4_reshape").parent, source)
    (source / "runs").mkdir()
    copied = copy_example(source / "project.mgraft", tmp_path / "copy")
    assert copied == tmp_path / "copy" / "project.mgraft"
    assert _files(copied.parent) == _files(source) and not (copied.parent / "runs").exists()
    with pytest.raises(FileExistsError):
        copy_example(source / "project.mgraft", tmp_path / "copy")


def test_the_wheel_ships_the_examples_and_finds_them(tmp_path: Path) -> None:
    """Built as `pip install .` builds it (isolated, with the build backend pyproject.toml names)."""
    src = tmp_path / "src"
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "runs", "trained")
    for name in ("app", "resources", "packaging"):
        shutil.copytree(ROOT / name, src / name, ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-q",
                          "-w", str(tmp_path / "dist"), str(src)],
                         check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    wheel = next((tmp_path / "dist").glob("modelgraft-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        shipped = {n.removeprefix("modelgraft/example_projects/") for n in z.namelist()
                   if n.startswith("modelgraft/example_projects/")}
        z.extractall(tmp_path / "site")
    assert shipped == set(_files(examples_dir()))
    script = "from modelgraft import examples as e; print(e.examples_dir()); print(len(e.list_examples()))"
    found = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                           timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert found.stdout.split() == [str(tmp_path / "site" / "modelgraft" / "example_projects"), "12"], found.stderr


@pytest.mark.slow
@pytest.mark.parametrize("project_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_checks_trains_and_exports_verified(project_file: Path, tmp_path: Path) -> None:
    """A copy elsewhere (paths are relative): check, three epochs with falling loss, then every
    export format reloaded in a fresh process and compared."""
    project = mg.Project.load(copy_example(project_file, tmp_path / project_file.parent.name))
    assert [p.message for p in project.check() if p.severity == "error"] == []
    loss = project.train(epochs=3)["loss"]
    assert len(loss) == 3 and loss[-1] < loss[0], loss
    assert len(project.runs()) == 1 and not (project_file.parent / "runs").exists()
    for fmt, name in (("keras", "c.keras"), ("savedmodel", "sm"), ("python", "c.py")):
        result = project.export(tmp_path / name, format=fmt, verify=True)
        assert result.verified, (fmt, result.message)


def test_example_check_from_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "modelgraft", "check", str(EXAMPLES[0])],
                         check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "valid" in out.stdout, out.stdout + out.stderr
