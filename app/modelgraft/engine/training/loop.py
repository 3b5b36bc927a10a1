"""Training the composite: compile it from the graph's heads, fit it, keep the weights reached.

:func:`train` runs in the CALLING thread. Keras keeps naming counters and the dtype policy
per thread (DESIGN.md rule 6), so everything Keras-side of one run (build, compile, fit)
happens in that one thread: API users call it from their own thread; the GUI calls it on
the engine thread (``runtime.run(train_api.train, …)``), where all its other TensorFlow
work happens too. The model is built through ``project.session``, whose cached models and
layers hold the weights, so training changes what the next ``build()``/``export()`` uses and
a second ``train`` continues from the weights (and, when nothing changed, the optimizer
state) reached by the first.

Stopping within one batch: Keras runs ``steps_per_execution`` batches in one compiled call
and calls back only between calls. So the compiled train step is guarded by a boolean
variable (``halt``): once it is true, the remaining steps of the current call skip their
update. A watcher thread sets it as soon as the stop flag is set — the one
TensorFlow object another thread touches, by design (assigning a variable is thread-safe) —
and the stop callback ends the run after the call; the weights are those of the batch that
was running when Stop was pressed. Distributed runs keep the per-call stop (workers must
agree on every step).

Distributed and mixed-precision runs need their variables created inside
``strategy.scope()`` (respectively under the ``mixed_float16`` policy), but the session's
cached layers were created outside it. They
therefore build a fresh :class:`~modelgraft.engine.session.EngineSession` inside the scope,
copy the session's current weights in, train, and copy the trained weights back out.

Faults never lose the last good weights: a NaN or infinite loss, running out of memory, a
data file that stops being readable, or any other error ends the run with the weights at
the end of the last epoch whose loss and weights were finite (those from before the run if
no epoch got there) back in place, the run record marked ``failed`` with the sentence and
the kind of fault, and one :class:`~modelgraft.core.errors.ModelGraftError` raised (see
:mod:`.faults`). The project file is never written by training.

``jit_compile`` (``auto`` by default) is resolved per run by :mod:`.xla`.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...core.errors import ModelGraftError
from ...core.graph import OUTPUT_KIND, Graph
from .. import runtime
from .run_data import RunData, array_data, bare, bound_data
from .settings import SettingsError, TrainingError, TrainSettings

if TYPE_CHECKING:
    from ..session import EngineSession

__all__ = ["AUTO_STEPS_PER_EXECUTION", "auto_steps_per_execution", "available_devices", "make_strategy",
           "train"]

AUTO_STEPS_PER_EXECUTION = 128
"""Batches per compiled call for small models (chosen by ``bench/train_speed.py``)."""

_PARAMS_SMALL, _PARAMS_MEDIUM = 1_000_000, 20_000_000


@dataclass
class _Compiled:
    """A compiled model kept for the next run, and its XLA state.

    Attributes:
        xla: Whether its train and validation steps are compiled with XLA.
        xla_batch: The batch size XLA ran at (``None`` without XLA).
        may_switch: Whether this run may switch to XLA after timing an epoch (``auto``).
    """

    model: Any
    key: str
    variables: tuple[int, ...]
    halt: Any
    xla: bool = False
    xla_batch: int | None = None
    may_switch: bool = False


_compiled: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()


def auto_steps_per_execution(model: Any, steps_per_epoch: int | None) -> int:
    """The default ``steps_per_execution``: many batches per call for small models.

    Measured on 2 CPU cores (``bench/train_speed.py``): a small composite trains about 3.5×
    faster with 64 batches per call than with 1, and with XLA about 1.1× faster again with
    128 than with 64 (a step takes 0.3 ms, so per-call overhead still counts; a call of 128
    batches lasts about 40 ms). Bigger models spend their time in the math, not in per-call
    overhead, and batch-level callbacks (NaN guard, progress) only run between calls, so the
    value shrinks as the model grows.
    """
    params = model.count_params()
    spe = AUTO_STEPS_PER_EXECUTION if params <= _PARAMS_SMALL else 8 if params <= _PARAMS_MEDIUM else 1
    return max(1, min(spe, steps_per_epoch or spe))


# --------------------------------------------------------------------------- model


def _compile_args(graph: Graph) -> dict[str, Any]:
    heads = [n for n in graph.topological() if n.kind == OUTPUT_KIND]
    if not heads:
        raise TrainingError("the graph has no output node, so there is nothing to train against")
    loss = {n.name: n.params["loss"] for n in heads}
    metrics = {n.name: list(n.params["metrics"]) for n in heads}
    weights = {n.name: float(n.params["loss_weight"]) for n in heads}
    if len(heads) == 1:
        return {"loss": bare(loss), "metrics": bare(metrics), "loss_weights": None}
    return {"loss": loss, "metrics": {k: v for k, v in metrics.items() if v}, "loss_weights": weights}


def _multipliers(session: EngineSession, graph: Graph) -> list[tuple[Any, float]]:
    pairs = []
    for node in graph:
        if node.kind == "model" and node.params["trainable"]:
            factor = float(node.params["learning_rate_multiplier"])
            if factor != 1.0:
                pairs += [(v, factor) for v in session.loaded(node).layer.trainable_weights]
    return pairs


def _compile_key(graph: Graph, settings: TrainSettings, spe: int) -> str:
    import json

    snap = [(n.name, n.kind, sorted((k, repr(v)) for k, v in n.params.items() if k != "signature"))
            for n in graph.topological()]
    edges = sorted((e.src.node.name, e.src.index, e.dst.node.name, e.dst.index) for e in graph.edges)
    compile_fields = {k: v for k, v in settings.to_dict().items()
                      if k in ("optimizer", "learning_rate", "mixed_precision")}
    return json.dumps([snap, edges, compile_fields, spe], default=str)


def _guard_train_step(model: Any) -> Any:
    """Make the model's train step skip its update while the returned variable is true."""
    tf = runtime.tf()
    halt = tf.Variable(False, trainable=False, name="modelgraft_halt")
    step = model.train_step

    def train_step(data: Any) -> Any:
        # the real step is traced first: it builds the metrics the skipping branch reads
        return tf.cond(tf.logical_not(halt), lambda: step(data), model.get_metrics_result)

    model.train_step = train_step
    return halt


@contextlib.contextmanager
def _halt_on(stop: Any, halt: Any) -> Any:
    """While training runs, set ``halt`` within milliseconds of ``stop`` being set."""
    if halt is None:
        yield
        return
    halt.assign(False)  # a stopped run left it set
    if stop is None:
        yield
        return
    from .callbacks import is_set

    done = threading.Event()
    lock = threading.Lock()  # no halt after the run: ``done`` is set under it

    def requested() -> bool:
        """Wait a little for the stop request; whether it came."""
        if hasattr(stop, "wait"):  # an Event wakes this thread at once
            return bool(stop.wait(0.05))
        done.wait(0.005)
        return is_set(stop)

    def watch() -> None:
        while not done.is_set():
            if requested():
                with lock:
                    if not done.is_set():
                        halt.assign(True)
                return

    threading.Thread(target=watch, name="modelgraft-stop-watch", daemon=True).start()
    try:
        yield
    finally:
        with lock:  # the watcher ends by itself within 50 ms; the run does not wait for it
            done.set()


def _compiled_model(session: EngineSession, graph: Graph, name: str, settings: TrainSettings,
                    steps: int | None, distributed: bool) -> _Compiled:
    """Build and compile, reusing the last compiled model (and optimizer state) when unchanged.

    ``steps`` is the number of batches per epoch. XLA is switched on or off on the compiled
    model without compiling it again (the optimizer state stays); with ``jit_compile``
    ``auto`` a model that went over to XLA keeps it while the batch size it was proven with
    does not change. Runs that are not distributed get the halt variable that stops a
    compiled call within one batch.
    """
    from .optimizers import make_optimizer
    from .xla import resolve_jit_compile

    model = session.build(graph, name)
    spe = settings.steps_per_execution or auto_steps_per_execution(model, steps)
    key = _compile_key(graph, settings, spe)
    variables = tuple(id(v) for v in model.weights)
    decision = resolve_jit_compile(settings.jit_compile, model, distributed=distributed,
                                   deterministic=settings.deterministic)
    compiled = _compiled.get(session)
    if compiled is not None and compiled.key == key and compiled.variables == variables:
        compiled.model.stop_training = False
    else:
        optimizer = make_optimizer(settings.optimizer, settings.learning_rate, _multipliers(session, graph))
        model.compile(optimizer=optimizer, steps_per_execution=spe, jit_compile=False, **_compile_args(graph))
        compiled = _Compiled(model, key, variables, None if distributed else _guard_train_step(model))
        _compiled[session] = compiled
    proven = compiled.xla and compiled.xla_batch == settings.batch_size
    _set_xla(compiled, proven if decision is None else decision, settings.batch_size)
    compiled.may_switch = decision is None and not compiled.xla
    return compiled


def _set_xla(compiled: _Compiled, on: bool, batch_size: int) -> None:
    """Compile the train and validation steps with XLA or without (Keras traces them anew)."""
    if compiled.xla != on:
        compiled.model.jit_compile = on
        compiled.model.make_train_function(force=True)
        compiled.model.make_test_function(force=True)
        compiled.xla = on
    compiled.xla_batch = batch_size if on else None


def _forget_compiled(session: EngineSession, model: Any) -> None:
    """Compile afresh next time (a failed run may leave NaN optimizer state behind)."""
    _compiled.pop(session, None)
    if getattr(model, "_eval_epoch_iterator", None) is not None:
        # Keras caches the validation iterator during fit and drops it only when fit returns
        del model._eval_epoch_iterator


# --------------------------------------------------------------------------- run


def make_strategy(name: str) -> tuple[Any, bool]:
    """A ``tf.distribute`` strategy by name, and whether this process is the chief.

    Create it before any other TensorFlow work: multi-worker collectives must be set up
    before the runtime starts.

    Args:
        name: ``auto`` (``None``: one device, unless several GPUs are visible, then
            mirrored), ``mirrored`` (``MirroredStrategy`` over the visible GPUs, or the one
            CPU device without GPUs) or ``multiworker`` (``MultiWorkerMirroredStrategy``
            configured by ``TF_CONFIG``).

    Raises:
        TrainingError: ``multiworker`` without a valid ``TF_CONFIG``.
    """
    import json
    import os

    if name == "multiworker":
        try:
            config = json.loads(os.environ.get("TF_CONFIG") or "null")
        except ValueError as err:
            raise TrainingError(f"TF_CONFIG is not valid JSON: {err}") from None
        if not isinstance(config, dict) or "cluster" not in config or "task" not in config:
            raise TrainingError("multi-worker training needs TF_CONFIG with 'cluster' and 'task' "
                                "(see docs/training.md)")
        strategy = runtime.tf().distribute.MultiWorkerMirroredStrategy()
        task = config["task"]
        chief = task.get("type") == "chief" or (
            task.get("type") == "worker" and int(task.get("index", 0)) == 0 and "chief" not in config["cluster"])
        return strategy, chief
    tf = runtime.tf()
    gpus = tf.config.list_physical_devices("GPU")
    if name == "mirrored" or len(gpus) > 1:
        devices = [f"/gpu:{i}" for i in range(len(gpus))] or ["/cpu:0"]
        return tf.distribute.MirroredStrategy(devices), True
    return None, True


def available_devices() -> list[str]:
    """The training devices of this machine: ``cpu``, then ``gpu:0``, ``gpu:1``, …"""
    gpus = runtime.tf().config.list_physical_devices("GPU")
    return ["cpu"] + [f"gpu:{i}" for i in range(len(gpus))]


def _device(name: str) -> str:
    if name == "cpu":
        return "/CPU:0"
    devices = available_devices()
    if name not in devices:
        listed = ", ".join(devices)
        raise SettingsError(f"training setting 'device' names '{name}', which is not available here "
                            f"(available: {listed})", "device")
    return f"/GPU:{name.split(':')[1]}"


def _seed(settings: TrainSettings) -> None:
    if settings.seed is None:
        return
    runtime.keras().utils.set_random_seed(settings.seed)
    if settings.deterministic:
        runtime.tf().config.experimental.enable_op_determinism()


@dataclass
class _Callbacks:
    all: list[Any]
    guard: Any  # callbacks.LastGood
    stopper: Any  # callbacks.StopOnFlag or None
    log: Any  # keras.callbacks.History: the epochs done, even when fit raises


def _callbacks(settings: TrainSettings, model: Any, has_validation: bool, steps: int | None,
               progress: Callable[[dict[str, Any]], None] | None, stop: Any,
               extra: Iterable[Any], run_dir: str | None) -> _Callbacks:
    from .callbacks import LastGood, ProgressForwarder, StopOnFlag

    keras = runtime.keras()
    monitor = settings.monitor if has_validation else "loss"
    guard = LastGood(model.steps_per_execution if hasattr(model, "steps_per_execution") else 1)
    log = keras.callbacks.History()
    stopper = StopOnFlag(stop) if stop is not None else None
    out: list[Any] = [guard]
    if settings.early_stopping:
        out.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=settings.patience))
    if settings.reduce_lr_on_plateau:
        out.append(keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=settings.reduce_lr_factor,
                                                     patience=max(1, settings.patience // 2)))
    if settings.tensorboard and run_dir:
        out.append(keras.callbacks.TensorBoard(log_dir=f"{run_dir}/tensorboard"))
    if progress is not None:
        out.append(ProgressForwarder(progress, settings.epochs, steps))
    # the history after the callbacks that add to an epoch's logs (the reduced learning rate),
    # before the caller's (one that raises does not lose the epoch); the stop flag is checked
    # last, so a flag set by any callback during a batch stops after it
    return _Callbacks(out + [log] + list(extra) + ([stopper] if stopper else []), guard, stopper, log)


def _switch_to_xla(compiled: _Compiled, settings: TrainSettings, steps: int | None) -> Any:
    from .callbacks import SwitchToXla
    from .xla import XLA_MIN_SECONDS

    def switched() -> None:
        compiled.xla, compiled.xla_batch = True, settings.batch_size

    return SwitchToXla(settings.epochs, steps, XLA_MIN_SECONDS, switched)


def _is_multiworker(strategy: Any) -> bool:
    return strategy is not None and isinstance(strategy, runtime.tf().distribute.MultiWorkerMirroredStrategy)


def _copy_weights(source: Any, target: Any) -> None:
    target.set_weights(source.get_weights())


def _prepare(project: Any, settings: TrainSettings, steps: int | None, strategy: Any,
             device: str) -> tuple[_Compiled, EngineSession, Any]:
    """Build and compile the model to train (``steps`` batches per epoch).

    Returns:
        The compiled model, its session, and for detached runs (distributed or mixed
        precision) the project's own model to copy the trained weights back to, else ``None``.
    """
    tf, keras = runtime.tf(), runtime.keras()
    distributed = strategy is not None
    policy = keras.config.dtype_policy()
    try:
        if settings.mixed_precision:
            keras.config.set_dtype_policy("mixed_float16")
        with tf.device(device):
            if not (distributed or settings.mixed_precision):
                return (_compiled_model(project.session, project.graph, project.name, settings, steps, False),
                        project.session, None)
            from ..session import EngineSession

            base = project.session.build(project.graph, project.name)
            with strategy.scope() if distributed else contextlib.nullcontext():
                session = EngineSession()
                compiled = _compiled_model(session, project.graph, project.name, settings, steps, distributed)
                _copy_weights(base, compiled.model)
            return compiled, session, base
    finally:
        keras.config.set_dtype_policy(policy)


def _fit(compiled: _Compiled, strategy: Any, data: RunData, settings: TrainSettings, callbacks: list[Any],
         initial_epoch: int, stop: Any, device: str) -> None:
    tf = runtime.tf()
    model = compiled.model
    if _is_multiworker(strategy):
        from .distributed import fit_multiworker

        with strategy.scope():
            model.optimizer.build(model.trainable_variables)
        fit_multiworker(model, strategy, data.train, data.validation, data.rows, data.validation_rows,
                        settings.batch_size, settings.epochs, callbacks, initial_epoch)
        return
    with contextlib.nullcontext() if strategy is not None else tf.device(device), _halt_on(stop, compiled.halt):
        model.fit(data.train, validation_data=data.validation, epochs=settings.epochs,
                  initial_epoch=initial_epoch, callbacks=callbacks, shuffle=False, verbose=0)


def train(project: Any, x: Any = None, y: Any = None, epochs: int | None = None,
          batch_size: int | None = None, validation_split: float | None = None,
          validation_data: Any = None, optimizer: str | None = None,
          learning_rate: float | None = None, callbacks: Iterable[Any] = (),
          progress: Callable[[dict[str, Any]], None] | None = None, stop: Any = None,
          strategy: Any = None, record: bool = True, initial_epoch: int = 0,
          **more: Any) -> dict[str, list[float]]:
    """Train the project's composite in the calling thread and return the history.

    Args:
        project: The :class:`~modelgraft.project.Project`.
        x: Input arrays: one array (one input), a list in input order, or a dict keyed by
            input node name. ``None`` (with ``y``) uses the project's data bindings.
        y: Target arrays, likewise keyed by output node name.
        epochs, batch_size, validation_split, optimizer, learning_rate: Override the
            project's training settings for this run (``None`` keeps them).
        validation_data: ``(x, y)`` arrays for validation (replaces ``validation_split``).
        callbacks: Extra Keras callbacks.
        progress: Called with throttled progress events (see
            :class:`~modelgraft.engine.training.callbacks.ProgressForwarder`).
        stop: A ``threading.Event`` or a callable; when set, training stops within the
            current batch and keeps the weights reached (distributed runs: after the
            current compiled call of ``steps_per_execution`` batches).
        strategy: A ``tf.distribute.Strategy`` (created by the caller before any other
            TensorFlow work, as multi-worker strategies require), or ``None``.
        record: Save a run record next to the project file (when it has one).
        initial_epoch: Epochs already trained (Resume): the run trains epochs
            ``initial_epoch + 1`` to ``epochs`` and numbers them so in callbacks and progress.
        **more: Any other :class:`TrainSettings` field (``seed``, ``deterministic``,
            ``early_stopping``, ``steps_per_execution``, …).

    Returns:
        ``{metric name: [value per epoch]}``, e.g. ``{"loss": [...], "val_loss": [...]}``.

    Raises:
        SettingsError: an invalid setting (names the field).
        DataError: bound data that does not fit the graph, or a data file that cannot be
            read any more during the run (naming the file).
        TrainingError: bad in-memory data, a NaN or infinite loss, out of memory, any other
            failure of the run.
        BuildError: the graph does not build.

        An error that ends a started run has a ``history`` attribute with the epochs it
        finished, and the last good weights are back in place.
    """
    from . import faults, runs

    settings = TrainSettings.from_dict(project.training).replace(
        epochs=epochs, batch_size=batch_size, validation_split=validation_split,
        optimizer=optimizer, learning_rate=learning_rate, **more)
    if not 0 <= initial_epoch < settings.epochs:
        raise SettingsError(f"initial_epoch {initial_epoch} must be between 0 and epochs - 1 "
                            f"({settings.epochs - 1})", "initial_epoch")
    if (x is None) != (y is None):
        raise TrainingError("pass both x and y, or neither to train on the project's data bindings")
    if settings.tensorboard and (not record or runs.runs_folder(project) is None):
        raise SettingsError("training setting 'tensorboard' writes its logs into the run's folder next to "
                            "the project file; save the project first (and record the run)", "tensorboard")
    tf = runtime.tf()
    device = _device(settings.device)
    _seed(settings)
    distributed = strategy is not None
    if x is None:
        data = bound_data(project, settings.batch_size, settings.seed, distributed)
    else:
        shuffle_seed = 0 if settings.seed is None and distributed else settings.seed  # workers agree
        data = array_data(project.graph, x, y, settings.validation_split, validation_data,
                          settings.batch_size, shuffle_seed, distributed)
    try:
        compiled, session, base = _prepare(project, settings, data.steps, strategy, device)
    except tf.errors.ResourceExhaustedError as err:
        raise faults.explain(err, settings.batch_size, 0, None, None)[1] from err
    model = compiled.model
    recorder = runs.start_run(project, settings, data.validation is not None, initial_epoch) if record else None
    cbs = _callbacks(settings, model, data.validation is not None, data.steps, progress, stop, callbacks,
                     str(recorder.folder) if recorder else None)
    if compiled.may_switch:
        cbs.all.insert(0, _switch_to_xla(compiled, settings, data.steps))
    if recorder:
        cbs.all.append(recorder.checkpoint())
    error: ModelGraftError | None = None
    cause: BaseException | None = None
    kind: str | None = None
    try:
        _fit(compiled, strategy, data, settings, cbs.all, initial_epoch, stop, device)
    except ModelGraftError as err:  # raised by a callback: already one sentence
        kind, error = "error", err
    except Exception as err:  # noqa: BLE001 - every failure reaches the user as one sentence
        cause = err
        kind, error = faults.explain(err, settings.batch_size, max(cbs.guard.epoch, initial_epoch + 1),
                                     cbs.guard.restored, data.files)
    except BaseException:  # Ctrl+C: as Stop, the weights reached are kept and the run recorded
        if base is not None:
            _copy_weights(model, base)
        if recorder:
            recorder.finish(_history(cbs.log), stopped=True, xla=compiled.xla)
        raise
    history = _history(cbs.log)
    if error is None and cbs.guard.fault is not None:
        found = faults.first_nonfinite(data.files.sources if data.files else [], data.arrays)
        advice = found or "try a smaller learning rate, or check the data for NaN or infinite values"
        kind, error = "nan", TrainingError(f"{cbs.guard.fault}; training stopped and {cbs.guard.restored} "
                                           f"were restored ({advice})")
    if error is not None:
        cbs.guard.restore(model)
        _forget_compiled(session, model)
    if base is not None:
        _copy_weights(model, base)
    if recorder:
        recorder.finish(history, stopped=bool(cbs.stopper and cbs.stopper.stopped),
                        error=str(error) if error else None, fault=kind, xla=compiled.xla)
    if error is not None:
        error.history = history  # type: ignore[attr-defined]
        raise error from cause
    return history


def _history(log: Any) -> dict[str, list[float]]:
    return {k: [float(v) for v in vs] for k, vs in log.history.items()}
