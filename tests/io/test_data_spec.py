"""The ``data`` section schema: one-sentence errors naming the field, paths, editing helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from modelgraft.core.errors import DataError, ProjectFileError
from modelgraft.io.data_spec import (
    Binding,
    conform_shape,
    data_for_file,
    data_from_file,
    parse_data,
    source_kind,
    with_binding,
    with_categories,
    with_split,
    without_binding,
)


@pytest.mark.parametrize(("raw", "message"), [
    (3, "data: must be an object, got 3"),
    ({"bindings": []}, "data.bindings: must be an object, got []"),
    ({"bindings": {"x": {}}}, "data.bindings.x.source: is required"),
    ({"bindings": {"x": {"source": ""}}}, "data.bindings.x.source: must not be empty, got ''"),
    ({"bindings": {"x": {"source": "a.csv", "key": 3}}},
     "data.bindings.x.key: must be a column or array name, a non-empty list of them, or null, got 3"),
    ({"bindings": {"x": {"source": "a.csv", "key": ["a", 2]}}},
     'data.bindings.x.key: must be a column or array name, a non-empty list of them, or null, got ["a", 2]'),
    ({"bindings": {"x": {"source": "a.csv", "key": []}}},
     "data.bindings.x.key: must be a column or array name, a non-empty list of them, or null, got []"),
    ({"bindings": {"x": {"source": "a.csv", "colour": 1}}}, "data.bindings.x.colour: is not a known field"),
    ({"bindings": {"x": {"source": "a.csv", "categories": {"c": [1]}}}},
     "data.bindings.x.categories.c[0]: must be text, got 1"),
    ({"split": {"fraction": 1.5, "seed": 0}}, "data.split.fraction: must be less than 1.0, got 1.5"),
    ({"split": {"fraction": 0.2, "seed": -1}}, "data.split.seed: must be at least 0, got -1"),
    ({"split": {"fraction": 0.2, "seed": True}}, "data.split.seed: must be a whole number, got True"),
])
def test_bad_sections_are_one_sentence_naming_the_field(raw, message) -> None:
    with pytest.raises(DataError) as err:
        parse_data(raw)
    assert str(err.value) == message


def test_an_empty_section_is_valid() -> None:
    assert parse_data({}).bindings == {} and parse_data({}).split is None


def test_paths_are_relative_in_the_file_and_absolute_in_memory(tmp_path: Path) -> None:
    data = with_binding({}, "x", Binding(source=str(tmp_path / "data" / "a.csv"), key=["f0", "f1"],
                                         validation=str(tmp_path / "data" / "b.csv")))
    data = with_split(data, 0.25, 3)
    stored = data_for_file(data, tmp_path)
    assert stored == {"bindings": {"x": {"source": "data/a.csv", "key": ["f0", "f1"],
                                         "validation": "data/b.csv"}},
                      "split": {"fraction": 0.25, "seed": 3}}
    moved = tmp_path / "elsewhere"
    assert data_from_file(stored, tmp_path, "p.mgraft") == data
    assert data_from_file(stored, moved, "p.mgraft")["bindings"]["x"]["source"] == \
        os.path.join(str(moved), "data", "a.csv")


def test_a_bad_section_in_a_project_file_names_the_file() -> None:
    with pytest.raises(ProjectFileError, match=r"^p\.mgraft: data\.split\.fraction: must be less than 1\.0"):
        data_from_file({"split": {"fraction": 2, "seed": 0}}, ".", "p.mgraft")


def test_rebinding_the_same_source_keeps_saved_categories_and_unbind_removes() -> None:
    data = with_binding({}, "x", Binding(source="/d/a.csv", key="color"))
    data = with_categories(data, "x", {"color": ["blue", "red"]})
    again = with_binding(data, "x", Binding(source="/d/a.csv", key="color"))
    assert again["bindings"]["x"]["categories"] == {"color": ["blue", "red"]}
    other = with_binding(data, "x", Binding(source="/d/b.csv", key="color"))
    assert "categories" not in other["bindings"]["x"]
    assert without_binding(data, "x") == {"bindings": {}}
    assert without_binding(data, "nothing") == data


def test_split_values_are_checked_and_zero_removes_it() -> None:
    assert with_split({}, 0.3, 7)["split"] == {"fraction": 0.3, "seed": 7}
    assert "split" not in with_split(with_split({}, 0.3, 7), 0, 0)
    with pytest.raises(DataError, match=r"^validation split\.fraction: must be less than 1\.0, got 1\.0$"):
        with_split({}, 1.0, 0)
    with pytest.raises(DataError, match=r"^validation split\.seed: must be at least 0, got -2$"):
        with_split({}, 0.1, -2)


def test_source_kinds_and_their_errors(tmp_path: Path) -> None:
    for name in ("a.csv", "b.NPY", "c.npz", "d.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "images").mkdir()
    assert [source_kind(tmp_path / n, "binding 'x'") for n in ("a.csv", "b.NPY", "c.npz", "images")] == \
        ["csv", "npy", "npz", "images"]
    with pytest.raises(DataError, match=r"^binding 'x': 'd\.txt' is not a supported data source; use a "
                                        r"\.csv, \.npy or \.npz file or a folder of images"):
        source_kind(tmp_path / "d.txt", "binding 'x'")
    with pytest.raises(DataError, match=r"^binding 'x': data file '.*missing\.npy' does not exist$"):
        source_kind(tmp_path / "missing.npy", "binding 'x'")


@pytest.mark.parametrize(("found", "expected", "result"), [
    ((3,), (3,), (3,)),
    ((3,), (None,), (3,)),
    ((), (1,), (1,)),
    ((3,), (3, 1), (3, 1)),
    ((3, 1), (3,), (3,)),
    ((8, 8, 3), (None, None, 3), (8, 8, 3)),
    ((3,), (4,), None),
    ((2, 3), (3, 2), None),
    ((), (3,), None),
])
def test_conform_shape(found, expected, result) -> None:
    assert conform_shape(found, expected) == result


def test_binding_data_loads_no_tensorflow(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    code = ("import sys, modelgraft as mg\nfrom modelgraft import data_api\n"
            "p = mg.Project()\np.add_input('x', shape=(2,))\n"
            f"data_api.bind_data(p, 'x', {str(tmp_path / 't.csv')!r}, key=['a', 'b'])\n"
            "data_api.set_validation(p, 0.1, 2)\n"
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]\nassert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
