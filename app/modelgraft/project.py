"""The Python API: a project is a graph of models, adapters and merges, plus its settings.

Example:
    >>> import modelgraft as mg
    >>> p = mg.Project()
    >>> x = p.add_input("x", shape=(100,))
    >>> enc = p.add_model("enc.keras", name="enc", trainable=False)
    >>> y = p.add_output("y", loss="mse")
    >>> p.connect(x, enc); p.connect(enc, y)
    >>> p.check()
    []
    >>> p.export("out.keras", format="keras", verify=True)

Every TensorFlow call runs on the engine thread (see :mod:`modelgraft.engine.runtime`);
API calls wait for it. The graph itself belongs to the caller's thread.
"""

from __future__ import annotations

import os
from copy import deepcopy
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .core.elements import Edge, Node, Port
from .core.errors import GraphError
from .core.graph import Graph
from .core.problems import Problem
from .nodes import CATALOG

if TYPE_CHECKING:
    from .engine.export import ExportResult
    from .engine.session import EngineSession

__all__ = ["Project"]

NodeRef = Node | Port | str


class Project:
    """A ModelGraft project: the graph document, its file, and the engine state behind it.

    Attributes:
        graph: The :class:`~modelgraft.core.graph.Graph` document (observable).
        name: The project name (the built Keras model's name).
        path: The project file, once saved or loaded.
        data: Data bindings (filled by the data issue; saved with the project).
        training: Training settings (saved with the project).
    """

    def __init__(self, name: str = "composite") -> None:
        self.graph = Graph(CATALOG)
        self.name = name
        self.path: Path | None = None
        self.data: dict[str, Any] = {}
        self.training: dict[str, Any] = {}
        self.load_errors: dict[str, str] = {}
        self._session: EngineSession | None = None

    # ------------------------------------------------------------------ files

    @classmethod
    def load(cls, path: str | os.PathLike[str], load_models: bool = True) -> Project:
        """Open a ``.mgraft`` project file.

        Args:
            path: The project file.
            load_models: Load every model on the engine thread now, completing output specs
                (a missing or changed file stays a ``check()`` problem, not an error).

        Raises:
            ProjectFileError: the file cannot be read or is not a valid project.
        """
        from .io.data_spec import data_from_file
        from .io.project_file import data_to_graph, read_project

        path = Path(path).resolve()
        data = read_project(path)
        project = cls(data.name)
        project.graph = data_to_graph(data, path.parent, CATALOG, source=path.name)
        project.path = path
        project.data = data_from_file(data.data, path.parent, path.name)
        project.training = dict(data.training)
        if load_models:
            project.load_models(missing_ok=True)
        return project

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save atomically as a ``.mgraft`` file (model paths relative to it)."""
        from .io.project_file import graph_to_data, write_project

        target = Path(path).resolve() if path is not None else self.path
        if target is None:
            raise GraphError("this project has no file yet: pass a path to save()")
        data = graph_to_data(self.graph, target.parent, self.name, self.data, self.training)
        write_project(target, data)
        self.path = target
        return target

    # ------------------------------------------------------------------ nodes

    @property
    def nodes(self) -> list[Node]:
        """All nodes, in insertion order."""
        return self.graph.nodes

    @property
    def edges(self) -> list[Edge]:
        """All edges."""
        return self.graph.edges

    def __getitem__(self, name: str) -> Node:
        return self.graph.node(name)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.graph)

    def add_input(self, name: str, shape: tuple[int | None, ...], dtype: str = "float32",
                  ragged: bool = False) -> Node:
        """Add a graph input fed by the data array of the same name."""
        return self.graph.add_node("input", {"shape": shape, "dtype": dtype, "ragged": ragged}, name=name)

    def add_output(self, name: str, loss: str = "mse", metrics: tuple[str, ...] | list[str] = (),
                   loss_weight: float = 1.0) -> Node:
        """Add an output head; ``name`` is the Keras output name."""
        return self.graph.add_node(
            "output", {"loss": loss, "metrics": list(metrics), "loss_weight": loss_weight}, name=name)

    def add_node(self, kind: str, name: str | None = None, **params: Any) -> Node:
        """Add any adapter or merge node (or input/output) with its parameters."""
        return self.graph.add_node(kind, params, name=name)

    def add_model(self, path: str | os.PathLike[str], name: str | None = None, trainable: bool = True,
                  trusted: bool = False, endpoint: str | None = None, load: bool = True) -> Node:
        """Add a trained model (``.keras``, legacy ``.h5`` or SavedModel directory) as a node.

        The file is scanned before anything runs (:func:`modelgraft.io.check_safe`): a
        file that would run code or touch other files when loaded is refused unless
        ``trusted=True``. Trust is bound to the file's SHA-256 recorded now: if the file
        changes later, loading it scans it again as untrusted. For ``.keras`` and ``.h5`` files the
        input ports are read from the file without TensorFlow; with ``load`` the engine then
        loads the model and fills in output specs and parameter counts.

        Raises:
            ModelFileError: the path is not a readable model.
            UnsafeModelError: the model would run code and ``trusted`` is false.
        """
        from .io import check_safe, detect_format, read_signature, sha256_file

        full = str(Path(path).resolve())
        fmt = detect_format(full)
        check_safe(full, trusted=trusted)
        signature = read_signature(full) if fmt != "savedmodel" else None
        node = self.graph.add_node("model", {
            "path": full, "trainable": trainable, "trusted": trusted, "endpoint": endpoint,
            "sha256": sha256_file(full), "signature": signature,
        }, name=name)
        if load:
            try:
                self.load_models([node])
            except Exception:
                self.graph.remove_node(node)
                raise
        return node

    def _node(self, ref: NodeRef) -> Node:
        return self.graph.node(ref.node if isinstance(ref, Port) else ref)

    def remove(self, node: NodeRef) -> None:
        """Remove a node, its edges and its data binding."""
        from .io.data_spec import without_binding

        target = self._node(node)
        self.graph.remove_node(target)
        if target.name in self.data.get("bindings", {}):
            self.data = without_binding(self.data, target.name)

    def connect(self, src: NodeRef, dst: NodeRef, force: bool = False) -> Edge:
        """Connect an output to an input; see :meth:`Graph.connect`.

        A node stands for its only output (as ``src``) or its first free input (as ``dst``).

        Raises:
            IncompatiblePorts: the specs do not fit (``.suggestions`` lists fixes).
        """
        return self.graph.connect(src, dst, force=force)

    def disconnect(self, dst: NodeRef) -> None:
        """Remove the edge into an input port (or into a node's only input)."""
        port = dst if isinstance(dst, Port) else self._node(dst).input(0)
        for edge in port.edges:
            self.graph.disconnect(edge)

    def set_params(self, node: NodeRef, **params: Any) -> None:
        """Change parameters of a node (re-inferring specs downstream)."""
        self.graph.set_params(self._node(node), **params)

    def set_trainable(self, node: NodeRef, trainable: bool) -> None:
        """Freeze (``False``) or fine-tune (``True``) a model node.

        The node's parameter counts (``signature["params"]``) follow at once; the weights
        reached so far are kept.
        """
        target = self._node(node)
        self.set_params(target, trainable=trainable)
        if target.kind == "model" and os.path.exists(target.params["path"]):
            self.load_models([target])

    # ------------------------------------------------------------------ data

    def bind_data(self, name: str, source: str | os.PathLike[str], key: str | list[str] | None = None,
                  validation: str | os.PathLike[str] | None = None) -> None:
        """Bind an input or output node to a data source (CSV, NPY, NPZ or image folder).

        Args:
            name: An input-node or output-node name.
            source: The data file or image folder (saved relative to the project file).
            key: An NPZ array name, or a CSV column name or list of names.
            validation: A separate validation source for this binding.

        Raises:
            DataError: an unknown node, a missing file, an unknown key or column.
        """
        from .data_api import bind_data

        bind_data(self, name, source, key, validation)

    def unbind_data(self, name: str) -> None:
        """Remove the data binding of a node."""
        from .data_api import unbind_data

        unbind_data(self, name)

    def set_validation(self, fraction: float = 0.2, seed: int = 0) -> None:
        """Hold out a seeded random ``fraction`` of the rows for validation (0 removes it)."""
        from .data_api import set_validation

        set_validation(self, fraction, seed)

    # ------------------------------------------------------------------ training

    def set_training(self, **settings: Any) -> Any:
        """Validate and store training settings (optimizer, learning_rate, batch_size, …).

        Returns:
            The complete :class:`~modelgraft.engine.training.TrainSettings`.
        """
        from . import train_api

        return train_api.set_training(self, **settings)

    def train(self, x: Any = None, y: Any = None, epochs: int | None = None, batch_size: int | None = None,
              validation_split: float | None = None, validation_data: Any = None,
              optimizer: str | None = None, learning_rate: float | None = None,
              callbacks: tuple[Any, ...] | list[Any] = (), **more: Any) -> dict[str, list[float]]:
        """Train the composite in the calling thread and return the history.

        Without ``x``/``y`` the project's data bindings are used (normalize statistics are
        fitted on the training split first). Arguments left ``None`` come from the project's
        training settings. The weights reached are kept: the next ``build()``, ``export()``
        or ``train()`` starts from them. Each run is recorded next to a saved project.

        Returns:
            Metric name → one value per epoch (``loss``, ``val_loss``, metrics).
        """
        from . import train_api

        return train_api.train(self, x, y, epochs=epochs, batch_size=batch_size,
                               validation_split=validation_split, validation_data=validation_data,
                               optimizer=optimizer, learning_rate=learning_rate, callbacks=callbacks,
                               **more)

    def runs(self) -> list[Any]:
        """The recorded training runs of this project, oldest first."""
        from . import train_api

        return train_api.runs(self)

    def load_history(self, run_id: str) -> dict[str, list[float]]:
        """The per-epoch history of a recorded run."""
        from . import train_api

        return train_api.load_history(self, run_id)

    def restore_run(self, run_id: str) -> None:
        """Put a recorded run's best weights back into the model."""
        from . import train_api

        train_api.restore_run(self, run_id)

    # ------------------------------------------------------------------ engine

    @property
    def session(self) -> EngineSession:
        """The engine-side state (loaded models, layers) of this project."""
        if self._session is None:
            from .engine.session import EngineSession

            self._session = EngineSession()
        return self._session

    def detached(self, graph: Graph) -> Project:
        """A copy for work on the engine thread while this project goes on being edited.

        The copy has ``graph`` (a private snapshot of this project's graph), copies of the
        ``data`` and ``training`` sections, and shares this project's file path and engine
        session, so training it changes the weights this project builds and exports next.
        """
        copy = Project(self.name)
        copy.graph = graph
        copy.path = self.path
        copy.data = deepcopy(self.data)
        copy.training = deepcopy(self.training)
        copy._session = self.session
        return copy

    def load_models(self, nodes: list[Node] | None = None, missing_ok: bool = False) -> None:
        """Load model nodes on the engine thread and complete their signatures.

        Args:
            nodes: The model nodes to load (all if ``None``).
            missing_ok: Skip files that are missing (``check()`` reports them) instead of raising.
        """
        from .engine import runtime

        targets = nodes if nodes is not None else [n for n in self.graph if n.kind == "model"]
        for node in targets:
            if missing_ok and not os.path.exists(node.params["path"]):
                continue
            loaded = runtime.run(self.session.loaded, node)
            self.graph.set_params(node, signature=loaded.signature)

    def check(self) -> list[Problem]:
        """Every problem of the project, errors first; ``[]`` when it is complete and valid."""
        from .io import model_file_problems

        problems = self.graph.check() + model_file_problems(self.graph)
        for name, text in self.load_errors.items():
            if name in self.graph:
                problems.append(Problem(text, name, code="model-load"))
        for node in self.graph:
            if node.kind != "model" or node.name in self.load_errors \
                    or not os.path.exists(node.params["path"]):
                continue
            if not (node.params["signature"] or {}).get("outputs") or \
                    any(s is None for s in node.out_specs):
                problems.append(Problem(
                    f"the output specs of model '{node.name}' are not known until it is loaded",
                    node.name, severity="warning", code="not-loaded"))
        problems.sort(key=lambda p: p.severity != "error")
        return problems

    def build(self) -> Any:
        """Build the composite ``keras.Model`` (on the engine thread)."""
        from .engine import runtime

        return runtime.run(self.session.build, self.graph, self.name)

    def export(self, path: str | os.PathLike[str], format: str = "keras", verify: bool = False) -> ExportResult:
        """Export the composite as ``keras`` (.keras file), ``savedmodel`` or ``python`` script.

        With ``verify``, the export is reloaded in a fresh process and its outputs compared
        with this model's on a probe batch; a mismatch raises ``ExportError``.
        """
        from .engine import runtime
        from .engine.export import export

        return runtime.run(export, self.session, self.graph, self.name, str(Path(path).resolve()),
                           format, verify)
