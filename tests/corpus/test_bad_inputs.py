"""The bad-input corpus: each malformed model file or project with the one sentence it must
produce, checked on the three surfaces a user meets it through.

- the Python API: ``Project.add_model`` / ``modelgraft.io.read_signature`` and
  ``Project.load`` raise a ``modelgraft`` exception whose text is the sentence;
- the CLI: ``modelgraft inspect FILE`` / ``modelgraft check PROJECT`` exit with status 2 and
  print the sentence on stderr, never a traceback;
- the workbench: importing the file or opening the project shows the sentence and changes
  nothing (no node added, the open project kept).

A project whose model file is missing or changed still opens: the sentence is then a
``check()`` problem (the CLI's ``check`` lists it; the workbench offers Relink…).

Every bad file is generated here from a small real Keras model saved once for the module.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import modelgraft
import pytest
from modelgraft.core.graph import Graph
from modelgraft.io import model_node_params, open_project, read_signature, save_project
from modelgraft.nodes import CATALOG
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.commands import AddNodeCommand
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QToolButton

LOAD_TIMEOUT = 60000
LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               b"size 12345\n")
HTML = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><title>enc.keras - Download</title></head>\n"
        b"<body><a href=\"/raw/enc.keras\">Download</a></body></html>\n")


@dataclass(frozen=True)
class Case:
    """One corpus entry: the file it writes and the sentence it must produce.

    ``message`` may hold ``{root}``, the folder the corpus lives in.
    """

    id: str
    file: str
    make: Callable[[Path, dict[str, Path]], None]
    message: str


def _bytes(data: bytes) -> Callable[[Path, dict[str, Path]], None]:
    return lambda path, _real: path.write_bytes(data)


def _half_archive(path: Path, real: dict[str, Path]) -> None:
    data = real["keras"].read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty_zip(path: Path, _real: dict[str, Path]) -> None:
    zipfile.ZipFile(path, "w").close()


def _not_a_savedmodel(path: Path, _real: dict[str, Path]) -> None:
    (path / "variables").mkdir(parents=True)
    (path / "README.md").write_text("weights to come\n")


def _nothing(_path: Path, _real: dict[str, Path]) -> None:
    """The missing path: nothing is written there."""


MODEL_CASES = [
    Case("zero-byte", "empty.keras", _bytes(b""),
         "model file 'empty.keras' is empty (0 bytes); save or download it again"),
    Case("truncated-archive", "cut.keras", _half_archive,
         "model file 'cut.keras' is a damaged or truncated zip archive; save or download it again"),
    Case("random-bytes", "noise.keras", _bytes(random.Random(5).randbytes(4096)),
         "model file 'noise.keras' is neither a Keras archive nor an HDF5 file; "
         "it may be damaged or of another kind"),
    Case("html-page", "page.keras", _bytes(HTML),
         "model file 'page.keras' is an HTML page, not a model; it was probably saved from a "
         "download page instead of the file itself"),
    Case("git-lfs-pointer", "lfs.keras", _bytes(LFS_POINTER),
         "model file 'lfs.keras' is a Git LFS pointer, not the model: run `git lfs pull`"),
    Case("empty-zip", "emptyzip.keras", _empty_zip,
         "model file 'emptyzip.keras' is an empty zip archive, not a Keras model"),
    Case("folder-not-savedmodel", "notsaved", _not_a_savedmodel,
         "directory 'notsaved' is not a SavedModel (it has no saved_model.pb)"),
    Case("missing-path", "gone.keras", _nothing, "model file 'gone.keras' does not exist"),
]


def _edit_project(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, dict[str, Path]], None]:
    def make(path: Path, real: dict[str, Path]) -> None:
        doc = json.loads(real["project"].read_text())
        change(doc)
        path.write_text(json.dumps(doc, indent=2))
    return make


def _drop_first_comma(path: Path, real: dict[str, Path]) -> None:
    """A hand edit gone wrong: the comma after ``"version": 1`` deleted."""
    path.write_text(real["project"].read_text().replace('"version": 1,', '"version": 1', 1))


def _set(doc: dict[str, Any], *keys: Any, value: Any) -> None:
    for key in keys[:-1]:
        doc = doc[key]
    doc[keys[-1]] = value


UNREADABLE_PROJECTS = [
    Case("broken-json", "demo.mgraft", _drop_first_comma,
         "demo.mgraft is not valid JSON: expecting ',' delimiter at line 4, column 3"),
    Case("wrong-type-field", "demo.mgraft",
         _edit_project(lambda d: _set(d, "nodes", 1, "position", value=[240, "right"])),
         "demo.mgraft: nodes[1].position[1]: must be a number, got 'right'"),
    Case("wrong-type-param", "demo.mgraft",
         _edit_project(lambda d: _set(d, "nodes", 2, "params", "units", value="32")),
         "demo.mgraft: nodes[2].params.units: must be a whole number, got '32' (node 'd')"),
    Case("newer-format", "demo.mgraft", _edit_project(lambda d: _set(d, "version", value=2)),
         "demo.mgraft was written by a newer ModelGraft (format 2); this one reads formats up to 1, "
         "so update ModelGraft to open it"),
    Case("binary-garbage", "demo.mgraft",
         _bytes(b"\x1f\x8b\x08\x00" + random.Random(9).randbytes(2048)),
         "demo.mgraft is not a ModelGraft project: it is binary data, not UTF-8 text (byte 1)"),
]


def _move_model(path: Path, real: dict[str, Path]) -> None:
    shutil.copy(real["project"], path)
    (path.parent / "models" / "a.keras").rename(path.parent / "a_moved.keras")


def _retrain_model(path: Path, real: dict[str, Path]) -> None:
    shutil.copy(real["project"], path)
    shutil.copy(real["retrained"], path.parent / "models" / "a.keras")


# (case, problem code, severity): the project opens; check() reports the sentence
OPENABLE_PROJECTS = [
    (Case("missing-model-file", "demo.mgraft", _move_model,
          "model file 'a.keras' of node 'enc' is missing (looked for '{root}/models/a.keras')"),
     "model-missing", "error"),
    (Case("changed-model-file", "demo.mgraft", _retrain_model,
          "model file 'a.keras' of node 'enc' changed since it was added (sha256 differs)"),
     "model-changed", "warning"),
]

# ---------------------------------------------------------------------- fixtures


def _dense(keras: Any, seed: int) -> Any:
    keras.utils.set_random_seed(seed)
    x = keras.Input((4,), name="x")
    return keras.Model(x, keras.layers.Dense(2, name="out")(x), name="enc")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small real model (``.keras``, ``.h5``, and retrained with other weights) and a valid
    project using it: x → enc → d (dense) → y, the model under ``models/``."""
    from modelgraft.engine import runtime

    keras = runtime.keras()
    root = tmp_path_factory.mktemp("real")
    (root / "models").mkdir()
    files = {"keras": root / "models" / "a.keras", "h5": root / "a.h5",
             "retrained": root / "retrained.keras", "project": root / "demo.mgraft"}
    model = _dense(keras, 1)
    model.save(files["keras"])
    model.save(files["h5"])
    _dense(keras, 2).save(files["retrained"])
    graph = Graph(CATALOG)
    graph.add_node("input", {"shape": [4]}, name="x", position=(0, 0))
    graph.add_node("model", model_node_params(files["keras"]), name="enc", position=(240, 0))
    graph.add_node("dense", {"units": 3}, name="d", position=(480, 0))
    graph.add_node("output", {"loss": "mse"}, name="y", position=(720, 0))
    graph.connect("x", "enc")
    graph.connect("enc", "d")
    graph.connect("d", "y")
    save_project(files["project"], graph)
    return files


def _write(case: Case, real: dict[str, Path], tmp_path: Path) -> tuple[Path, str]:
    """Write the case's file in a fresh copy of the project folder; its path and sentence."""
    root = tmp_path / "corpus"
    shutil.copytree(real["project"].parent, root)
    (root / "demo.mgraft").unlink()
    path = root / case.file
    case.make(path, real)
    return path, case.message.format(root=root.resolve())


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "modelgraft", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture
def window(qtbot: Any, tmp_path: Path) -> Iterator[MainWindow]:
    """The workbench with an edited, saved project open (``keep``), to see it is kept."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    doc = Document(EngineBridge())
    win = MainWindow(doc, doc.bridge, settings=settings, recovery_dir=tmp_path / "recovery")
    win.resize(1100, 700)
    win.show()
    qtbot.waitExposed(win)
    doc.push(AddNodeCommand(doc, "input", {"shape": (4,)}, name="keep"))
    win.save_as(tmp_path / "current.mgraft")
    yield win
    doc.undo_stack.setClean()
    win.close()
    win.deleteLater()


def _warnings(win: MainWindow) -> list[str]:
    return [b.text() for b in win.findChildren(QMessageBox)
            if b.isVisible() and b.icon() == QMessageBox.Icon.Warning]


def _state(win: MainWindow) -> tuple[Any, ...]:
    doc = win.doc
    return (doc.path, [(n.name, n.kind) for n in doc.graph], doc.undo_stack.count(), doc.dirty,
            win.windowTitle())


# ---------------------------------------------------------------------- model files


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c.id for c in MODEL_CASES])
def test_api_refuses_a_bad_model_file_in_one_sentence(case: Case, real: dict[str, Path],
                                                      tmp_path: Path) -> None:
    path, message = _write(case, real, tmp_path)
    with pytest.raises(modelgraft.ModelFileError) as info:
        read_signature(path)
    assert str(info.value) == message
    project = modelgraft.Project()
    with pytest.raises(modelgraft.ModelFileError) as info:
        project.add_model(path)
    assert str(info.value) == message
    assert project.nodes == []


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c.id for c in MODEL_CASES])
def test_cli_inspect_exits_2_with_the_sentence(case: Case, real: dict[str, Path], tmp_path: Path) -> None:
    path, message = _write(case, real, tmp_path)
    result = _cli("inspect", path.name, cwd=path.parent)
    assert result.returncode == 2
    assert result.stderr == f"modelgraft: error: {message}\n" and result.stdout == ""


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c.id for c in MODEL_CASES])
def test_workbench_import_shows_the_sentence_and_adds_no_node(case: Case, real: dict[str, Path],
                                                              tmp_path: Path, window: MainWindow) -> None:
    path, message = _write(case, real, tmp_path)
    before = _state(window)
    assert window.import_model(path) is None
    assert _warnings(window) == [message]
    assert _state(window) == before


@pytest.mark.slow  # loads the model three times (API, CLI process, workbench)
def test_an_h5_file_named_keras_is_read_as_h5_on_every_surface(real: dict[str, Path], tmp_path: Path,
                                                                qtbot: Any, window: MainWindow) -> None:
    """Formats go by content: a legacy HDF5 model named ``.keras`` is a valid model (read as h5)."""
    path = tmp_path / "legacy.keras"
    shutil.copy(real["h5"], path)
    assert read_signature(path)["format"] == "h5"
    project = modelgraft.Project()
    node = project.add_model(path, name="enc")
    assert node.params["signature"]["format"] == "h5"
    assert str(node.output("out").spec) == "(None, 2) float32"

    result = _cli("inspect", path.name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "legacy.keras  (h5)"
    assert "Traceback" not in result.stderr

    name = window.import_model(path)
    assert name == "legacy" and _warnings(window) == []
    qtbot.waitUntil(lambda: not window.doc.loading, timeout=LOAD_TIMEOUT)
    added = window.doc.graph.node(name)
    assert added.params["signature"]["format"] == "h5"
    assert str(added.output("out").spec) == "(None, 2) float32"


# ---------------------------------------------------------------------- projects


@pytest.mark.parametrize("case", UNREADABLE_PROJECTS, ids=[c.id for c in UNREADABLE_PROJECTS])
def test_api_refuses_a_bad_project_in_one_sentence(case: Case, real: dict[str, Path], tmp_path: Path) -> None:
    path, message = _write(case, real, tmp_path)
    with pytest.raises(modelgraft.ProjectFileError) as info:
        modelgraft.Project.load(path)
    assert str(info.value) == message


@pytest.mark.parametrize("case", UNREADABLE_PROJECTS, ids=[c.id for c in UNREADABLE_PROJECTS])
def test_io_reader_gives_the_same_sentence(case: Case, real: dict[str, Path], tmp_path: Path) -> None:
    path, message = _write(case, real, tmp_path)
    with pytest.raises(modelgraft.ProjectFileError) as info:
        open_project(path, CATALOG)
    assert str(info.value) == message


@pytest.mark.parametrize("case", UNREADABLE_PROJECTS, ids=[c.id for c in UNREADABLE_PROJECTS])
def test_cli_check_exits_2_with_the_sentence(case: Case, real: dict[str, Path], tmp_path: Path) -> None:
    path, message = _write(case, real, tmp_path)
    result = _cli("check", path.name, cwd=path.parent)
    assert result.returncode == 2
    assert result.stderr == f"modelgraft: error: {message}\n" and result.stdout == ""


@pytest.mark.parametrize("case", UNREADABLE_PROJECTS, ids=[c.id for c in UNREADABLE_PROJECTS])
def test_workbench_open_shows_the_sentence_and_keeps_the_project(case: Case, real: dict[str, Path],
                                                                 tmp_path: Path, window: MainWindow) -> None:
    path, message = _write(case, real, tmp_path)
    before = _state(window)
    assert not window.open_project(path)
    assert _warnings(window) == [message]
    assert _state(window) == before


@pytest.mark.parametrize(("case", "code", "severity"), OPENABLE_PROJECTS,
                         ids=[c.id for c, _, _ in OPENABLE_PROJECTS])
def test_api_opens_a_project_whose_model_moved_or_changed_and_reports_it(
        case: Case, code: str, severity: str, real: dict[str, Path], tmp_path: Path) -> None:
    path, message = _write(case, real, tmp_path)
    project = modelgraft.Project.load(path)
    found = [p for p in project.check() if p.node == "enc" and p.code.startswith("model-")]
    assert [(p.message, p.code, p.severity) for p in found] == [(message, code, severity)]


@pytest.mark.parametrize(("case", "code", "severity"), [
    pytest.param(*entry, id=entry[0].id,
                 marks=[pytest.mark.slow] if entry[1] == "model-changed" else [])  # loads TensorFlow
    for entry in OPENABLE_PROJECTS])
def test_cli_check_lists_a_moved_or_changed_model(case: Case, code: str, severity: str,
                                                  real: dict[str, Path], tmp_path: Path) -> None:
    """A missing model file is an error (exit 1, "problems"); a changed one a warning (exit 0)."""
    path, message = _write(case, real, tmp_path)
    result = _cli("check", path.name, cwd=path.parent)
    assert result.returncode == (1 if severity == "error" else 0), result.stderr
    assert f"demo.mgraft: {severity}: {message}" in result.stdout.splitlines()
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("case", "code", "severity"), OPENABLE_PROJECTS,
                         ids=[c.id for c, _, _ in OPENABLE_PROJECTS])
def test_workbench_opens_it_and_offers_to_relink(case: Case, code: str, severity: str,
                                                 real: dict[str, Path], tmp_path: Path,
                                                 window: MainWindow) -> None:
    path, message = _write(case, real, tmp_path)
    assert window.open_project(path) and _warnings(window) == []
    window.problems.refresh()
    tree = window.problems.tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    (row,) = [r for r in rows if r.text(0) == message]
    assert row.text(1) == "enc"
    buttons = {b.objectName() for b in tree.itemWidget(row, 2).findChildren(QToolButton)}
    assert buttons == ({"relink", "accept"} if code == "model-changed" else {"relink"})
