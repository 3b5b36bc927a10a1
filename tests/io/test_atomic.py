"""Atomic saves leave either the old or the complete new content, and no temporary files."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from modelgraft.io import atomic, atomic_path, atomic_replace_dir, atomic_write_bytes, atomic_write_text
from modelgraft.io.atomic import STALE_AFTER_S, TEMP_PATTERN


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
        assert TEMP_PATTERN.match(tmp.parent.name) and f".{os.getpid()}." in tmp.parent.name
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


# ---------------------------------------------------------------------- leftovers of killed writers


def dead_pid() -> int:
    """The pid of a process that has finished (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=60)
    return int(proc.stdout)


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    atomic_write_bytes(tmp_path / "new.bin", b"x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.skipif(os.name == "nt", reason="pids and locks are POSIX")
def test_temporaries_of_a_dead_process_are_swept_by_the_next_write(tmp_path):
    pid = dead_pid()
    (tmp_path / f".p.mgraft.{pid}.k3j9x_2a.mgtmp").write_bytes(b"half a save")
    staging = tmp_path / f".export.{pid}.abcd1234.mgtmp"
    (staging / "export" / "variables").mkdir(parents=True)
    (staging / "export" / "variables" / "data").write_bytes(b"half an export")
    keep = [".hidden", "notes.mgtmp", ".p.mgraft.12.mgtmp", ".p.mgraft.x1.abc.mgtmp"]
    for name in keep:
        (tmp_path / name).write_text("not ours")
    atomic_write_text(tmp_path / "p.mgraft", "{}")
    assert sorted(os.listdir(tmp_path)) == sorted([*keep, "p.mgraft"])


@pytest.mark.skipif(os.name == "nt", reason="pids and locks are POSIX")
def test_an_unlocked_temporary_of_a_running_pid_is_kept_until_it_is_old(tmp_path):
    # the pid may have been reused (e.g. the same pid in every container run): age decides
    leftover = tmp_path / f".p.mgraft.{os.getpid()}.aaaa1111.mgtmp"
    leftover.write_bytes(b"from an earlier run")
    atomic_write_text(tmp_path / "p.mgraft", "1")
    assert leftover.exists(), "it could be a live writer that has not locked it yet"
    old = time.time() - STALE_AFTER_S - 10
    os.utime(leftover, (old, old))
    atomic_write_text(tmp_path / "p.mgraft", "2")
    assert sorted(os.listdir(tmp_path)) == ["p.mgraft"]


HOLD = """
import sys, time
from modelgraft.io import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.mkdir()
    (tmp / "part").write_text("being written")
    print("writing", flush=True)
    time.sleep(120)
"""


@pytest.mark.skipif(os.name == "nt", reason="pids and locks are POSIX")
def test_a_live_writers_temporary_is_left_alone_and_swept_once_it_is_killed(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "export")],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        (live,) = [name for name in os.listdir(tmp_path) if TEMP_PATTERN.match(name)]
        assert f".{proc.pid}." in live
        atomic_write_text(tmp_path / "other.txt", "x")
        with atomic_path(tmp_path / "third") as tmp:
            tmp.write_text("y")
        assert (tmp_path / live / "export" / "part").exists(), "a running writer's output was removed"
    finally:
        proc.kill()
        proc.wait(timeout=60)
    atomic_write_text(tmp_path / "other.txt", "z")
    assert sorted(os.listdir(tmp_path)) == ["other.txt", "third"]


@pytest.mark.skipif(os.name == "nt", reason="pids and locks are POSIX")
def test_an_interrupted_directory_replacement_puts_the_old_directory_back(tmp_path):
    # the state a crash leaves between "move the old export aside" and "move the new one in",
    # where the file system cannot swap two directories in one step
    aside = tmp_path / f".export.{dead_pid()}.q1w2e3r4.mgold"
    (aside / "export").mkdir(parents=True)
    (aside / "export" / "saved_model.pb").write_text("old")
    atomic_write_text(tmp_path / "p.mgraft", "{}")
    assert sorted(os.listdir(tmp_path)) == ["export", "p.mgraft"]
    assert (tmp_path / "export" / "saved_model.pb").read_text() == "old"


@pytest.mark.skipif(os.name == "nt", reason="pids and locks are POSIX")
def test_an_aside_is_dropped_when_the_new_directory_is_already_in_place(tmp_path):
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "saved_model.pb").write_text("new")
    aside = tmp_path / f".export.{dead_pid()}.q1w2e3r4.mgold"
    (aside / "export").mkdir(parents=True)
    (aside / "export" / "saved_model.pb").write_text("old")
    atomic_write_text(tmp_path / "p.mgraft", "{}")
    assert sorted(os.listdir(tmp_path)) == ["export", "p.mgraft"]
    assert (tmp_path / "export" / "saved_model.pb").read_text() == "new"


def test_replacing_a_directory_without_an_atomic_swap(tmp_path, monkeypatch):
    # a file system without RENAME_EXCHANGE (NFS, some FUSE file systems): moved aside, then in
    monkeypatch.setattr(atomic, "_exchange", lambda _a, _b: False)
    dest = tmp_path / "export"
    for version in ("1", "2"):
        with atomic_path(dest) as tmp:
            tmp.mkdir()
            (tmp / "v").write_text(version)
        assert os.listdir(dest) == ["v"] and (dest / "v").read_text() == version
    assert os.listdir(tmp_path) == ["export"]


def test_writing_through_a_named_temporary(tmp_path, monkeypatch):
    # systems and file systems without O_TMPFILE write a named, locked temporary instead
    monkeypatch.setattr(atomic, "_write_anonymous", lambda _dest, _data, _mode: False)
    target = tmp_path / "p.mgraft"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == ["p.mgraft"] and target.read_text() == "new"
