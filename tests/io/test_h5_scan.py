"""The static pre-scan of legacy HDF5 files: every refusal and its message, real files passing."""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelgraft.core.errors import ModelFileError
from modelgraft.io.h5_scan import MAX_OBJECTS, MAX_SOFT_HOPS, check_h5, check_h5_isolated, data_budget

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples" / "s9_legacy_h5" / "models"
GIB = 1 << 30
OUTSIDE = "ModelGraft does not follow links out of a model file"
OWN_DATA = "ModelGraft only reads data stored in the model file itself"
DAMAGED = "is damaged or truncated; save or download it again"


@pytest.fixture(scope="module")
def keras_h5(tmp_path_factory, keras) -> Path:
    """A compiled legacy Keras model with Conv2D and Dense layers (has training_config too)."""
    layers = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 1), name="img"), layers.Conv2D(4, 3, name="conv"),
                              layers.Flatten(name="flat"), layers.Dense(3, name="dense")], name="cnn")
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path_factory.mktemp("keras_h5") / "m.h5"
    model.save(path)
    return path


def write_h5(path: Path, build, **kwargs) -> Path:
    with h5py.File(path, "w", **kwargs) as f:
        build(f)
    return path


def refusal(path: Path, check=check_h5) -> str:
    with pytest.raises(ModelFileError) as err:
        check(path)
    return str(err.value)


class OpenWatch:
    """Reports whether any process opened a file, through Linux inotify (no polling, no atime)."""

    IN_OPEN = 0x20

    def __init__(self, path: Path) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK)
        assert self.fd >= 0, ctypes.get_errno()
        assert self.libc.inotify_add_watch(self.fd, os.fsencode(path), self.IN_OPEN) >= 0

    def opened(self) -> bool:
        try:
            return bool(os.read(self.fd, 4096))
        except BlockingIOError:
            return False

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture()
def watch_opens():
    if not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux only")
    watches: list[OpenWatch] = []

    def make(path: Path) -> OpenWatch:
        watches.append(OpenWatch(path))
        return watches[-1]

    yield make
    for w in watches:
        w.close()


def assert_never_opened(watch: OpenWatch, path: Path) -> None:
    assert not watch.opened(), f"the scan opened {path.name}"
    path.read_bytes()  # the watch itself works: opening the file now is seen
    assert watch.opened()


# --- files that pass ---------------------------------------------------------------------------

def test_a_keras_legacy_h5_passes(keras_h5):
    with h5py.File(keras_h5, "r") as f:  # the fixture really is a full legacy model
        assert {"model_config", "training_config"} <= set(f.attrs)
        assert "conv" in f["model_weights"] and "dense" in f["model_weights"]
    check_h5(keras_h5)


@pytest.mark.parametrize("name", ["stage_a.h5", "stage_b.h5"])
def test_the_s9_example_models_pass(name):
    check_h5(EXAMPLES / name)


def test_links_inside_the_file_pass(tmp_path):
    def build(f):
        f.create_dataset("g/sub/w", data=np.arange(4.0))
        f["g/sub/up"] = f["/"]  # a hard-link cycle back to the root
        f["soft_rel"] = h5py.SoftLink("g/sub")
        f["soft_abs"] = h5py.SoftLink("/g/sub/w")
        f["soft_root"] = h5py.SoftLink("/")
        f["g/chain"] = h5py.SoftLink("/soft_rel/./w")  # through another soft link
        f["t"] = np.dtype("f4")  # a named datatype
        f.attrs["empty"] = h5py.Empty("f4")
    check_h5(write_h5(tmp_path / "links.h5", build))


def test_compressed_data_larger_than_its_file_passes(tmp_path):
    path = write_h5(tmp_path / "zeros.h5",
                    lambda f: f.create_dataset("w", data=np.zeros(4 << 20, "f4"), compression="gzip"))
    assert path.stat().st_size * 200 < 16 << 20  # 16 MiB of zeros, compressed over 200-fold
    check_h5(path)


def test_the_data_budget():
    assert data_budget(10_000) == GIB  # small files: the 1 GiB floor
    assert data_budget(100 << 20) == 6400 << 20  # 64 × the file
    assert data_budget(1 << 30) == 16 * GIB  # capped at 16 GiB
    assert data_budget(20 * GIB) == 20 * GIB  # but never less than the file itself


# --- links out of the file ---------------------------------------------------------------------

@pytest.fixture()
def other_h5(tmp_path) -> Path:
    """A real file an external link points to; opening it would succeed."""
    return write_h5(tmp_path / "other.h5", lambda f: f.create_dataset("x", data=np.ones(3)))


def test_an_external_link_is_refused_without_opening_its_target(tmp_path, other_h5, watch_opens):
    def build(f):
        f.create_dataset("model_weights/dense/bias", data=np.zeros(3))
        f["model_weights/dense/kernel"] = h5py.ExternalLink("other.h5", "/x")
    path = write_h5(tmp_path / "m.h5", build)
    with h5py.File(path, "r") as f:  # h5py itself would follow it
        assert f["model_weights/dense/kernel"].shape == (3,)
    watch = watch_opens(other_h5)
    assert refusal(path) == (
        f"HDF5 file 'm.h5' has an external link at '/model_weights/dense/kernel' to 'other.h5'; {OUTSIDE}")
    assert_never_opened(watch, other_h5)


def test_a_soft_link_through_an_external_link_is_refused_without_opening_it(tmp_path, other_h5, watch_opens):
    def build(f):
        f["a"] = h5py.SoftLink("/z/x")
        f["z"] = h5py.ExternalLink("other.h5", "/")
    path = write_h5(tmp_path / "m.h5", build)
    watch = watch_opens(other_h5)
    assert refusal(path) == (
        f"HDF5 file 'm.h5' has a soft link at '/a' to '/z/x' that leads through the external link "
        f"at '/z'; {OUTSIDE}")
    assert_never_opened(watch, other_h5)


def test_a_dangling_soft_link_is_refused(tmp_path):
    def build(f):
        f.create_dataset("g/w", data=[1.0])
        f["g/broken"] = h5py.SoftLink("w/inside_a_dataset")
    assert refusal(write_h5(tmp_path / "m.h5", build)) == (
        "HDF5 file 'm.h5' has a soft link at '/g/broken' to 'w/inside_a_dataset' that does not "
        "resolve inside the file; ModelGraft refuses dangling links")


def test_a_soft_link_to_nothing_is_refused(tmp_path):
    path = write_h5(tmp_path / "m.h5", lambda f: f.__setitem__("s", h5py.SoftLink("/nowhere")))
    assert refusal(path) == (
        "HDF5 file 'm.h5' has a soft link at '/s' to '/nowhere' that does not resolve inside the "
        "file; ModelGraft refuses dangling links")


@pytest.mark.parametrize("links", [{"a": "/b", "b": "/a"}, {"a": "a/x"}], ids=["pair", "self"])
def test_a_soft_link_cycle_terminates_with_a_refusal(tmp_path, links):
    def build(f):
        for name, target in links.items():
            f[name] = h5py.SoftLink(target)
    first, target = next(iter(links.items()))
    assert refusal(write_h5(tmp_path / "m.h5", build)) == (
        f"HDF5 file 'm.h5' has a soft link at '/{first}' to '{target}' that goes through more than "
        f"{MAX_SOFT_HOPS} soft links (a cycle); ModelGraft refuses links that do not resolve")


# --- data stored elsewhere ---------------------------------------------------------------------

def test_a_virtual_dataset_is_refused(tmp_path, other_h5):
    layout = h5py.VirtualLayout(shape=(3,), dtype="f8")
    layout[:] = h5py.VirtualSource("other.h5", "x", shape=(3,))
    path = write_h5(tmp_path / "m.h5", lambda f: f.create_virtual_dataset("weights/v", layout))
    assert refusal(path) == (
        "HDF5 file 'm.h5' has a virtual dataset at '/weights/v', whose data is mapped from other "
        f"datasets or files; {OWN_DATA}")


def test_a_dataset_with_external_storage_is_refused(tmp_path):
    (tmp_path / "raw.bin").write_bytes(bytes(24))
    path = write_h5(tmp_path / "m.h5", lambda f: f.create_dataset(
        "kernel", shape=(3,), dtype="f8", external=[("raw.bin", 0, 24)]))
    assert refusal(path) == (
        f"HDF5 file 'm.h5' has a dataset at '/kernel' stored in the external file 'raw.bin'; {OWN_DATA}")


# --- absurd sizes ------------------------------------------------------------------------------

def test_a_terabyte_dataset_in_a_tiny_file_is_refused_without_reading_it(tmp_path):
    path = write_h5(tmp_path / "m.h5", lambda f: f.create_dataset(
        "w", shape=(10**12,), dtype="u1", chunks=(1 << 16,)))
    assert path.stat().st_size < 10_000
    assert refusal(path) == (
        "HDF5 file 'm.h5' has a dataset at '/w' of shape (1000000000000,) that would need 931.3 GiB "
        f"of memory, more than the 1.0 GiB ModelGraft reads from a {path.stat().st_size / 1024:.1f} "
        "KiB file")


def test_an_array_datatype_counts_its_items(tmp_path):
    path = write_h5(tmp_path / "m.h5", lambda f: f.create_dataset(
        "w", shape=(10,), dtype=np.dtype(("f8", (1000, 1000, 100)))))
    assert "has a dataset at '/w' of shape (10,) that would need 7.5 GiB of memory" in refusal(path)


def test_datasets_are_bounded_in_total(tmp_path):
    def build(f):
        for name in ("a", "b"):
            f.create_dataset(name, shape=(600 << 20,), dtype="u1", chunks=(1 << 16,))
    path = write_h5(tmp_path / "m.h5", build)
    assert refusal(path).startswith(
        "HDF5 file 'm.h5' declares 1.2 GiB of data in all (counted up to '/b'), more than the 1.0 GiB "
        "ModelGraft reads from a ")


def test_attributes_count_in_the_total(tmp_path):
    def build(f):
        d = f.create_dataset("w", shape=(GIB - 4,), dtype="u1", chunks=(1 << 16,))
        d.attrs["names"] = np.zeros(2, "u4")
    assert refusal(write_h5(tmp_path / "m.h5", build)).startswith(
        "HDF5 file 'm.h5' declares 1.0 GiB of data in all (counted up to '/w'), more than the 1.0 GiB")


@pytest.mark.slow
def test_a_file_of_200000_empty_groups_is_refused(tmp_path):
    def build(f):
        for i in range(200_000):
            h5py.h5g.create(f.id, b"g%06d" % i)
    path = write_h5(tmp_path / "m.h5", build, libver="latest")
    assert refusal(path) == (
        f"HDF5 file 'm.h5' holds more than {MAX_OBJECTS} links and attributes (counted up to "
        f"'/g{MAX_OBJECTS:06d}'); a model file has far fewer")


# --- damaged files -----------------------------------------------------------------------------

def test_a_truncated_file_is_damaged(tmp_path, keras_h5):
    path = tmp_path / "cut.h5"
    path.write_bytes(keras_h5.read_bytes()[:3000])
    assert refusal(path) == f"HDF5 file 'cut.h5' {DAMAGED}"


def test_a_missing_file_is_named(tmp_path):
    assert refusal(tmp_path / "gone.h5") == "model file 'gone.h5' does not exist"


# --- in a child process -----------------------------------------------------------------------

def test_the_child_process_passes_a_keras_file_and_reports_refusals(tmp_path, keras_h5, other_h5):
    check_h5_isolated(keras_h5)
    path = write_h5(tmp_path / "m.h5", lambda f: f.__setitem__("w", h5py.ExternalLink("other.h5", "/x")))
    assert refusal(path, check_h5_isolated) == (
        f"HDF5 file 'm.h5' has an external link at '/w' to 'other.h5'; {OUTSIDE}")
    assert refusal(tmp_path / "gone.h5", check_h5_isolated) == "model file 'gone.h5' does not exist"


def test_a_child_out_of_time_calls_the_file_damaged(keras_h5):
    assert refusal(keras_h5, lambda p: check_h5_isolated(p, timeout=0.001)) == (
        "HDF5 file 'm.h5' is damaged or truncated (reading its structure did not finish in 0.001 s); "
        "save or download it again")


def looping_heap(data: bytes) -> bytes:
    """Point the free list of the file's first local heap at itself (4 bytes changed).

    HDF5 1.14 then allocates free-list entries until memory runs out when it loads the heap.
    """
    at = data.index(b"HEAP")
    _size, free, segment = struct.unpack_from("<QQQ", data, at + 8)
    assert free != 1  # 1 ends the list: this heap has a free block
    out = bytearray(data)
    struct.pack_into("<Q", out, segment + free, free)
    return bytes(out)


def test_a_heap_on_which_hdf5_loops_is_bounded_in_the_child(tmp_path):
    good = write_h5(tmp_path / "good.h5", lambda f: f.create_dataset("g/w", data=np.arange(3.0)))
    check_h5_isolated(good)
    path = tmp_path / "loop.h5"
    path.write_bytes(looping_heap(good.read_bytes()))
    assert refusal(path, check_h5_isolated) == f"HDF5 file 'loop.h5' {DAMAGED}"


@pytest.fixture(scope="module")
def fuzz_sources(tmp_path_factory) -> list[bytes]:
    """Small real files to mutate: a Keras example, and one with every kind of object the scan walks."""
    def build(f):
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": {}}'
        f.create_dataset("w/kernel", data=np.arange(12.0).reshape(3, 4), chunks=(1, 4), compression="gzip")
        f["w"].attrs["weight_names"] = [b"kernel"]
        f["soft"] = h5py.SoftLink("/w/kernel")
        f["t"] = np.dtype("i2")
    made = write_h5(tmp_path_factory.mktemp("fuzz") / "all.h5", build)
    return [(EXAMPLES / "stage_a.h5").read_bytes(), made.read_bytes()]


@pytest.mark.slow  # 100 child processes: about 40 s
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 1), edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                               min_size=1, max_size=16),
       cut=st.none() | st.floats(0, 1))
def test_mutated_files_only_raise_model_file_error(tmp_path, fuzz_sources, which, edits, cut):
    data = bytearray(fuzz_sources[which])
    for where, byte in edits:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: int(cut * len(data))]
    path = tmp_path / "fuzzed.h5"
    path.write_bytes(bytes(data))
    try:
        check_h5_isolated(path, timeout=10)  # in this process, HDF5 itself may loop on some of these
    except ModelFileError as err:
        assert "\n" not in str(err) and "'fuzzed.h5'" in str(err)
