"""The bundled example projects: each opens, checks clean and exports verified in every format."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import modelgraft as mg

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*/project.mgraft"))


def test_there_is_one_example_per_scenario() -> None:
    assert sorted(p.parent.name.split("_")[0] for p in EXAMPLES) == sorted(f"s{i}" for i in range(1, 13))


@pytest.mark.slow
@pytest.mark.parametrize("project_file", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_checks_and_exports_verified(project_file: Path, tmp_path: Path) -> None:
    project = mg.Project.load(project_file)
    assert [p for p in project.check() if p.severity == "error"] == []
    for fmt, name in (("keras", "c.keras"), ("savedmodel", "sm"), ("python", "c.py")):
        result = project.export(tmp_path / name, format=fmt, verify=True)
        assert result.verified, (fmt, result.message)


def test_example_check_from_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "modelgraft", "check", str(EXAMPLES[0])],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "valid" in out.stdout, out.stdout + out.stderr
