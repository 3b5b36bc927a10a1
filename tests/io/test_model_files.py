"""Detecting model formats by content, the bad-file corpus and its messages, and file hashes."""

from __future__ import annotations

import io
import shutil
import zipfile

import h5py
import pytest

from modelgraft.core.errors import ModelFileError
from modelgraft.io import detect_format, read_model_config, read_signature, sha256_file

LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               b"size 12345\n")
HTML = b"\n<!DOCTYPE html>\n<html><head><title>Download</title></head><body>model</body></html>\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _make(tmp_path, models, case):
    """Create the bad path of one corpus case and return it."""
    name, content = case
    path = tmp_path / name
    if content == "missing":
        return path
    if content == "dir":
        path.mkdir()
        (path / "variables").mkdir()
        return path
    if content == "truncated":
        data = models["seq.keras"].read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif content == "h5-weights":
        with h5py.File(path, "w") as f:
            f.create_dataset("kernel", data=[1.0, 2.0])
    elif content == "h5-truncated":
        data = models["seq.h5"].read_bytes()
        path.write_bytes(data[:3000])
    else:
        path.write_bytes(content)
    return path


# (file name, content, the message detect_format or read_signature must produce)
BAD_FILES = [
    ("gone.keras", "missing", "model file 'gone.keras' does not exist"),
    ("empty.keras", b"", "model file 'empty.keras' is empty (0 bytes); save or download it again"),
    ("noise.keras", bytes(range(7, 250)) * 3,
     "model file 'noise.keras' is neither a Keras archive nor an HDF5 file; "
     "it may be damaged or of another kind"),
    ("page.keras", HTML,
     "model file 'page.keras' is an HTML page, not a model; it was probably saved from a "
     "download page instead of the file itself"),
    ("lfs.keras", LFS_POINTER, "model file 'lfs.keras' is a Git LFS pointer, not the model: run `git lfs pull`"),
    ("lfs.h5", LFS_POINTER, "model file 'lfs.h5' is a Git LFS pointer, not the model: run `git lfs pull`"),
    ("emptyzip.keras", _zip({}), "model file 'emptyzip.keras' is an empty zip archive, not a Keras model"),
    ("other.keras", _zip({"readme.txt": b"hi"}),
     "model file 'other.keras' is a zip archive but not a Keras model (it has no config.json)"),
    ("cut.keras", "truncated",
     "model file 'cut.keras' is a damaged or truncated zip archive; save or download it again"),
    ("notsaved", "dir", "directory 'notsaved' is not a SavedModel (it has no saved_model.pb)"),
    ("weights.pt", b"\x80\x02}q\x00(X\x06\x00\x00\x00weights",
     "'weights.pt' is not a model file ModelGraft can read: expected a .keras or .h5 file "
     "or a SavedModel directory"),
    ("saved_model.pb", b"\x08\x01\x12\x04serve",
     "'saved_model.pb' is part of a SavedModel; choose its directory"),
    ("badjson.keras", _zip({"config.json": b"{not json"}),
     "the model config in 'badjson.keras' is not valid JSON; the file is damaged"),
    ("list.keras", _zip({"config.json": b"[1, 2]"}),
     "the model config in 'list.keras' does not describe a Keras model"),
    ("odd.keras", _zip({"config.json": b'{"class_name": "Functional", "config": {"layers": 3, '
                                        b'"input_layers": [], "output_layers": []}}'}),
     "the config of model 'odd.keras' has a structure ModelGraft cannot read"),
    ("weights.h5", "h5-weights",
     "HDF5 file 'weights.h5' holds no model config (it may hold weights only); "
     "save the whole model with model.save"),
    ("cut.h5", "h5-truncated", "HDF5 file 'cut.h5' is damaged or truncated; save or download it again"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_model_files_give_one_sentence_naming_the_file(tmp_path, models, name, content, message):
    path = _make(tmp_path, models, (name, content))
    with pytest.raises(ModelFileError) as info:
        read_signature(path)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("name", "fmt"), [
    ("seq.keras", "keras"), ("seq.h5", "h5"), ("multi.h5", "h5"), ("saved", "savedmodel"),
    ("seq_dir", "keras"),
])
def test_detect_format_of_real_files(models, name, fmt):
    assert detect_format(models[name]) == fmt


def test_format_is_decided_by_content_not_extension(tmp_path, models):
    h5_named_keras = tmp_path / "legacy.keras"
    shutil.copy(models["seq.h5"], h5_named_keras)
    assert detect_format(h5_named_keras) == "h5"
    assert read_signature(h5_named_keras)["format"] == "h5"
    zip_named_bin = tmp_path / "model.bin"
    shutil.copy(models["seq.keras"], zip_named_bin)
    assert detect_format(zip_named_bin) == "keras"


def test_hdf5_with_a_user_block_is_detected(tmp_path):
    path = tmp_path / "ub.h5"
    with h5py.File(path, "w", userblock_size=512) as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": {"layers": []}}'
    assert detect_format(path) == "h5"


def test_read_model_config_reads_only_config_json(tmp_path, models):
    # Corrupt the weights member: the config must still be readable.
    broken = tmp_path / "broken_weights.keras"
    with zipfile.ZipFile(models["seq.keras"]) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, b"garbage" if info.filename.endswith(".h5") else data)
    assert read_model_config(broken)["class_name"] == "Sequential"


def test_read_model_config_of_a_savedmodel_says_the_engine_reads_it(models):
    with pytest.raises(ModelFileError, match="SavedModel 'saved' has no Keras config"):
        read_model_config(models["saved"])


def test_sha256_of_file_matches_hashlib(models):
    import hashlib

    path = models["seq.keras"]
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sha256_of_directory_is_stable_and_sees_content_and_names(tmp_path, models):
    copy = tmp_path / "copy"
    shutil.copytree(models["saved"], copy)
    digest = sha256_file(copy)
    assert digest == sha256_file(models["saved"])
    (copy / "extra.txt").write_text("x")
    assert sha256_file(copy) != digest
    (copy / "extra.txt").rename(copy / "other.txt")
    changed = sha256_file(copy)
    assert changed != digest
    (copy / "other.txt").write_text("y")
    assert sha256_file(copy) != changed


def test_sha256_of_missing_path(tmp_path):
    with pytest.raises(ModelFileError, match="model file 'nope.keras' does not exist"):
        sha256_file(tmp_path / "nope.keras")
