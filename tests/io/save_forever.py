"""Fork server for ``test_kill_save.py``: children save the same destination until they are killed.

Usage: ``python save_forever.py project|dir DIRECTORY SIZE``

Building a large project takes seconds, so this process prepares the two contents once and
forks a fresh saver for every kill. It writes content ``A`` to the destination (and both
contents, as saved by the same code, to ``DIRECTORY/../expected``), prints ``ready``, then
for every line ``go MARKERS START`` on stdin forks a child that saves ``START``, the other
content, ``START``, ... to the destination, appending ``S tag`` to MARKERS before and
``D tag`` after each save. The server prints ``child PID``, waits for the child (the test
SIGKILLs it) and prints ``reaped PID``, so a dead child is never left as a zombie.

- ``project``: ``modelgraft.Project.save`` of a project with ``4 * SIZE`` nodes
  (destination ``big.mgraft``); the two contents differ in name and parameters.
- ``dir``: a SavedModel-like directory written inside ``modelgraft.io.atomic_path``
  (destination ``export``), with ``SIZE`` KiB of variables; every file carries the tag.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import modelgraft
from modelgraft.io import atomic_path

TAGS = ("A", "B")


def build_project(tag: str, chains: int) -> modelgraft.Project:
    """``chains`` input → rescale → dense → output chains, laid out on the canvas."""
    project = modelgraft.Project(f"big-{tag}")
    for i in range(chains):
        x = project.add_input(f"x{i}", shape=(16,))
        r = project.add_node("rescale", name=f"r{i}", scale=1.0 / (i + 1), offset=float(TAGS.index(tag)))
        d = project.add_node("dense", name=f"d{i}", units=8 + TAGS.index(tag), activation="relu")
        y = project.add_output(f"y{i}", metrics=["mae"])
        for col, node in enumerate((x, r, d, y)):
            node.position = (col * 240.0, i * 140.0)
        project.connect(x, r)
        project.connect(r, d)
        project.connect(d, y)
    return project


def write_tree(root: Path, tag: str, kib: int) -> None:
    """A SavedModel-like directory; every file's content names ``tag``."""
    (root / "variables").mkdir(parents=True)
    (root / "assets").mkdir()
    block = (f"{tag}-variables-".encode() * 100)[:1024]
    (root / "variables" / "variables.data-00000-of-00001").write_bytes(block * kib)
    (root / "variables" / "variables.index").write_bytes(f"index {tag}\n".encode() * 100)
    (root / "saved_model.pb").write_bytes(f"graph {tag}\n".encode() * 20000)
    (root / "fingerprint.pb").write_bytes(f"fingerprint {tag}".encode())
    (root / "assets" / "vocab.txt").write_text(f"vocabulary {tag}\n")


def _savers(mode: str, directory: Path, size: int) -> tuple[Path, dict[str, Callable[[Path], None]]]:
    if mode == "project":
        projects = {tag: build_project(tag, size) for tag in TAGS}
        return directory / "big.mgraft", {tag: projects[tag].save for tag in TAGS}

    def saver(tag: str) -> Callable[[Path], None]:
        def save(dest: Path) -> None:
            with atomic_path(dest) as tmp:
                write_tree(tmp, tag, size)
        return save

    return directory / "export", {tag: saver(tag) for tag in TAGS}


def _save_forever(dest: Path, save: dict[str, Callable[[Path], None]], markers: str, start: str) -> None:
    fd = os.open(markers, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    tag = start
    while True:
        os.write(fd, f"S {tag}\n".encode())
        save[tag](dest)
        os.write(fd, f"D {tag}\n".encode())
        tag = TAGS[1 - TAGS.index(tag)]


def main(argv: list[str]) -> int:
    """Run the server; see the module docstring."""
    mode, directory, size = argv[0], Path(argv[1]), int(argv[2])
    dest, save = _savers(mode, directory, size)
    expected = directory.parent / "expected"
    expected.mkdir(exist_ok=True)
    for tag in TAGS:
        save[tag](expected / f"{tag}{dest.suffix}")
    save["A"](dest)
    print("ready", flush=True)
    for line in sys.stdin:
        _go, markers, start = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                _save_forever(dest, save, markers, start)
            finally:
                os._exit(1)
        print(f"child {pid}", flush=True)
        os.waitpid(pid, 0)
        print(f"reaped {pid}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
