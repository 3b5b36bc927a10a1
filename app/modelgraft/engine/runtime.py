"""TensorFlow, imported lazily and quietly, and the one engine thread that owns all its state.

Keras keeps naming counters, the dtype policy and the safe-mode flag per thread, so every
load, build, compile, fit and export runs on the single long-lived engine thread. Callers
on other threads use :func:`run` (blocking) or :func:`submit` (a future).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import ModuleType
from typing import Any, Callable, TypeVar

__all__ = ["is_engine_thread", "keras", "lower_engine_priority", "quiet_tensorflow", "run", "submit", "tf"]

T = TypeVar("T")
_VERBOSE = False
_executor: ThreadPoolExecutor | None = None
_engine_ident: int | None = None
_lock = threading.Lock()


def quiet_tensorflow(verbose: bool = False) -> None:
    """Silence TensorFlow's C++ and Python logging unless ``verbose``; call before importing it."""
    global _VERBOSE
    _VERBOSE = verbose
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    else:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"


def _import_tensorflow() -> ModuleType:
    """Import TensorFlow with its C++ start-up chatter (CUDA probing, oneDNN notes) hidden.

    Those lines are written straight to file descriptor 2 during the import, below Python's
    logging and unaffected by ``TF_CPP_MIN_LOG_LEVEL``, so fd 2 is pointed at a temporary
    file for the import; if the import fails, what was written is replayed.
    """
    quiet_tensorflow(_VERBOSE)
    if _VERBOSE:
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            sys.stderr.write(capture.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tensorflow


def tf() -> ModuleType:
    """The ``tensorflow`` module, imported on first use with its logging quietened."""
    tensorflow = sys.modules.get("tensorflow") or _import_tensorflow()

    if not _VERBOSE:
        tensorflow.get_logger().setLevel("ERROR")
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    return tensorflow


def keras() -> ModuleType:
    """The ``keras`` module (after :func:`tf`, so logging is quiet)."""
    tf()
    import keras as _keras

    if not _VERBOSE:
        _keras.utils.disable_interactive_logging()
    return _keras


def _mark() -> None:
    global _engine_ident
    _engine_ident = threading.get_ident()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(1, thread_name_prefix="modelgraft-engine", initializer=_mark)
        return _executor


def is_engine_thread() -> bool:
    """Whether the caller is the engine thread."""
    return threading.get_ident() == _engine_ident


def submit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """Run ``fn`` on the engine thread; return its future."""
    if is_engine_thread():
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future
    return _pool().submit(fn, *args, **kwargs)


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` on the engine thread and wait for its result (or exception)."""
    return submit(fn, *args, **kwargs).result()


def lower_engine_priority(niceness: int = 5) -> bool:
    """Run the engine thread, and the TensorFlow threads it starts from now on, below the
    caller's CPU priority (Linux ``nice``; threads inherit it from the thread creating them).

    A GUI calls this before TensorFlow starts, so training that keeps every core busy
    yields the CPU to the event loop whenever it needs it; training itself loses nothing
    while the GUI is idle. Threads TensorFlow started earlier keep their priority.

    Returns:
        Whether the priority was lowered (``False`` where threads have no nice value).
    """
    if not sys.platform.startswith("linux"):
        return False

    def renice() -> bool:
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + niceness))
        except OSError:
            return False
        return True

    return run(renice)
