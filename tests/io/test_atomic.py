"""Atomic saves leave either the old or the complete new content, and no temporary files."""

from __future__ import annotations

import os

import pytest

from modelgraft.io import atomic_path, atomic_replace_dir, atomic_write_bytes, atomic_write_text


def test_write_bytes_replaces_content_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_write_text_keeps_permissions_of_existing_file(tmp_path):
    target = tmp_path / "p.mgraft"
    target.write_text("{}")
    target.chmod(0o640)
    atomic_write_text(target, "{\"x\": 1}\n")
    assert target.read_text() == "{\"x\": 1}\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_failed_write_keeps_old_content_and_removes_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_atomic_path_keeps_the_name_and_moves_file_into_place(tmp_path):
    target = tmp_path / "out.keras"
    with atomic_path(target) as tmp:
        assert tmp.name == "out.keras" and tmp.parent.parent == tmp_path
        assert not target.exists()
        tmp.write_bytes(b"zip")
    assert target.read_bytes() == b"zip"
    assert os.listdir(tmp_path) == ["out.keras"]


def test_atomic_path_error_removes_temp_and_keeps_old(tmp_path):
    target = tmp_path / "out.keras"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.keras"]


def test_atomic_path_without_output_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing was written"), atomic_path(tmp_path / "x.h5"):
        pass
    assert os.listdir(tmp_path) == []


def test_atomic_path_with_a_directory_replaces_the_old_directory(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.pb").write_text("old")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "saved_model.pb").write_text("new")
    assert sorted(os.listdir(target)) == ["saved_model.pb"]
    assert os.listdir(tmp_path) == ["export"]


def test_replace_dir_into_new_and_existing_destination(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("1")
    atomic_replace_dir(src, tmp_path / "dest")
    assert (tmp_path / "dest" / "f").read_text() == "1" and not src.exists()
    src.mkdir()
    (src / "g").write_text("2")
    atomic_replace_dir(src, tmp_path / "dest")
    assert os.listdir(tmp_path / "dest") == ["g"]
    assert sorted(os.listdir(tmp_path)) == ["dest"]


def test_replace_dir_failure_puts_the_old_directory_back(tmp_path):
    src = tmp_path / "a"
    dest = src / "b"
    dest.mkdir(parents=True)
    (dest / "keep").write_text("k")
    with pytest.raises(OSError):
        atomic_replace_dir(src, dest)  # a directory cannot move inside itself
    assert (dest / "keep").read_text() == "k"
    assert os.listdir(src) == ["b"]


def test_replace_dir_refuses_a_missing_source(tmp_path):
    with pytest.raises(NotADirectoryError):
        atomic_replace_dir(tmp_path / "missing", tmp_path / "dest")
