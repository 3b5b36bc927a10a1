"""Fuzzing: whatever bytes or JSON a user hands over, only ModelFileError / ProjectFileError come out."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelgraft.core.errors import ModelFileError, ProjectFileError
from modelgraft.io import check_safe, detect_format, open_project, parse_project, read_signature

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MAGICS = [b"", b"PK\x03\x04", b"PK\x05\x06", b"\x89HDF\r\n\x1a\n",
          b"version https://git-lfs.github.com/spec/v1\n", b"<html>"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300) | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "input", "output", "model", "InputLayer", "Sequential",
                       "Functional", "Lambda", "layers", "config", "class_name", "name"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["class_name", "config", "name", "layers", "input_layers",
                                       "output_layers", "batch_shape", "dtype", "module",
                                       "registered_name", "layer", "shape", "kind", "params",
                                       "position", "src", "dst", "nodes", "edges"]), children, max_size=5),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=2048),
       ext=st.sampled_from([".keras", ".h5", ".bin", ""]))
def test_random_bytes_only_raise_model_file_error(fuzz_dir, magic, body, ext):
    path = fuzz_dir / f"f{ext}"
    path.write_bytes(magic + body)
    for reader in (detect_format, read_signature, check_safe):
        try:
            reader(path)
        except ModelFileError as err:
            assert_one_line(err, path.name)


@FUZZ
@given(config=json_values, extra=st.booleans())
def test_random_configs_in_a_keras_archive_only_raise_model_file_error(fuzz_dir, config, extra):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        if extra:
            zf.writestr("model.weights.h5", b"\0" * 10)
    path = fuzz_dir / "c.keras"
    path.write_bytes(buf.getvalue())
    for reader in (read_signature, check_safe):
        try:
            reader(path)
        except ModelFileError as err:
            assert_one_line(err, path.name)


def assert_one_line(err: Exception, file: str) -> None:
    """A refusal is one non-empty line that names the file."""
    text = str(err)
    assert text and "\n" not in text and file in text, text


def _project_docs():
    node = st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "1", ""]) | json_values,
                                  "kind": st.sampled_from(["input", "output", "model", "nope"]),
                                  "params": json_values, "position": json_values})
    edge = st.fixed_dictionaries({"src": st.sampled_from(["a", "b"]), "src_port": json_values,
                                  "dst": st.sampled_from(["a", "b"]), "dst_port": json_values})
    return st.fixed_dictionaries({
        "format": st.sampled_from(["modelgraft-project", "other"]),
        "version": st.sampled_from([0, 1, 2, -1, "1", True, None]),
        "name": json_values, "nodes": st.lists(node, max_size=3) | json_values,
        "edges": st.lists(edge, max_size=3) | json_values, "data": json_values,
    })


@FUZZ
@given(text=st.text(max_size=300) | json_values.map(json.dumps) | _project_docs().map(json.dumps))
def test_random_project_text_only_raises_project_file_error(text):
    try:
        parse_project(text, "fuzz.mgraft")
    except ProjectFileError as err:
        assert_one_line(err, "fuzz.mgraft")


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_project_bytes_only_raise_project_file_error(raw):
    try:
        parse_project(raw, "fuzz.mgraft")
    except ProjectFileError as err:
        assert_one_line(err, "fuzz.mgraft")


@FUZZ
@given(doc=_project_docs())
def test_random_projects_open_or_raise_project_file_error(fuzz_dir, catalog_module, doc):
    path = fuzz_dir / "p.mgraft"
    path.write_text(json.dumps(doc))
    try:
        open_project(path, catalog_module)
    except ProjectFileError as err:
        assert_one_line(err, path.name)


@pytest.fixture(scope="module")
def catalog_module():
    from modelgraft.nodes import CATALOG

    return CATALOG
