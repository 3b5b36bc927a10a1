"""The static pre-scan of legacy HDF5 model files: links out of the file, and absurd sizes.

The scan reads metadata only (link tables, object headers, dataspaces, datatypes), never
the data of a dataset or attribute, so a file declaring a terabyte costs nothing to refuse.
It walks the file link by link from the root group and opens only objects reached through
a hard link by a single name, so HDF5 never traverses a soft or external link on its behalf
and no other file is ever opened. Soft links are resolved by hand, one name at a time.

Bounds (see :func:`data_budget` and :data:`MAX_OBJECTS`): Keras writes weights contiguous
and uncompressed, so the data of a model it saved is never larger than its file. A chunked
or compressed dataset can legitimately be larger (unwritten chunks cost nothing, zeros
compress a thousandfold), so data up to 64 times the file, or 1 GiB for small files, is
allowed, but never more than 16 GiB unless the file itself is that large. Variable-length
items (strings) are counted at their in-memory reference size: their contents live in the
file's heap, which HDF5 reads from the file itself.

The HDF5 library itself can loop without end on a damaged file, which no check made through
the library can prevent: a local heap whose free list points to itself makes HDF5 1.14
allocate until memory runs out, and some damaged global heaps make reading a string
attribute (``model_config``) spin forever. :func:`check_h5_isolated` runs the scan in a
child process whose memory and time are bounded.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ModelFileError

__all__ = ["CHILD_TIMEOUT", "MAX_OBJECTS", "MAX_SOFT_HOPS", "check_h5", "check_h5_isolated", "data_budget"]

MAX_OBJECTS = 100_000
"""Most links, attributes and soft-link path steps the scan visits before refusing a file."""

MAX_SOFT_HOPS = 16
"""Most soft links one path may pass through (HDF5's own default, ``H5L_NUM_LINKS``)."""

CHILD_TIMEOUT = 30.0
"""Seconds :func:`check_h5_isolated` gives its child process before calling the file damaged."""

_DATA_FACTOR = 64
_DATA_FLOOR = 1 << 30
_DATA_CAP = 16 << 30
_CHILD_MEMORY = 1 << 30
_CHILD_CODE = ("import sys; sys.path.append(sys.argv[3]); "
               "from modelgraft.io.h5_scan import _child; _child()")
_STARTED = "modelgraft-h5-scan-started"
_OUTSIDE = "ModelGraft does not follow links out of a model file"
_OWN_DATA = "ModelGraft only reads data stored in the model file itself"
_DANGLING = "that does not resolve inside the file; ModelGraft refuses dangling links"

_Node = tuple[Any, bytes] | None
"""A position in the walk: ``(parent node, link name)``, or ``None`` for the root group.

Paths are built from nodes only for messages, so a deeply nested file costs no more than a
flat one.
"""

_Found = tuple[Any, _Node, bytes | None]


def data_budget(file_size: int) -> int:
    """The most bytes of data and attributes an HDF5 file of this size may declare.

    Args:
        file_size: The file's size in bytes.

    Returns:
        ``max(64 × file_size, 1 GiB)`` capped at 16 GiB, and never less than the file size.
    """
    return max(file_size, min(max(_DATA_FACTOR * file_size, _DATA_FLOOR), _DATA_CAP))


def check_h5(path: Path) -> None:
    """Refuse an HDF5 file that reaches outside itself or would exhaust memory when read.

    No data is read and no other file is opened. The config inside (``model_config``) is
    not checked here; :func:`~modelgraft.io.config_scan.scan_config` does that. This runs in
    the calling process: see :func:`check_h5_isolated` for files not yet known to be sound.

    Args:
        path: The ``.h5`` file.

    Raises:
        ModelFileError: one sentence naming the file and the HDF5 object path, for an
            external link, a soft link that does not resolve inside the file (dangling,
            through an external link, or in a cycle), a virtual dataset, a dataset with
            external storage, a dataset or attribute declaring more data than
            :func:`data_budget` allows (alone or in total), more than :data:`MAX_OBJECTS`
            links and attributes, or a file h5py cannot walk (damaged or truncated).
    """
    _check(Path(path), deep=False)


def check_h5_isolated(path: Path, timeout: float = CHILD_TIMEOUT) -> None:
    """:func:`check_h5` in a child process with bounded memory and time.

    The child also reads every attribute's value and every chunked dataset's chunk index,
    so what Keras and :func:`~modelgraft.io.model_files.read_model_config` read later in
    this process has been read once already where a looping HDF5 could do no harm. A child
    that runs out of memory (1 GiB plus 4 × the file size; POSIX only) or time, or crashes,
    means the file is damaged: a sound model file is scanned in well under a second.
    Starting the child costs about 0.3 s (Python, NumPy, h5py).

    Args:
        path: The ``.h5`` file.
        timeout: Seconds before the child is killed and the file called damaged.

    Raises:
        ModelFileError: as :func:`check_h5`.
        RuntimeError: the child could not start or import h5py (an installation problem).
    """
    p = Path(path)
    label, size = _label(p), _file_size(p)
    app_dir = str(Path(__file__).resolve().parents[2])  # where ``modelgraft`` is, if not installed
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD_CODE, str(p), str(_CHILD_MEMORY + 4 * size), app_dir],
            check=False, capture_output=True, text=True, timeout=timeout, env=env,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except subprocess.TimeoutExpired:
        raise ModelFileError(f"HDF5 file {label} is damaged or truncated (reading its structure did not "
                             f"finish in {timeout:g} s); save or download it again") from None
    lines = proc.stdout.splitlines()
    if _STARTED not in lines:
        raise RuntimeError(f"the HDF5 scan process did not start: {proc.stderr.strip()[-2000:]}")
    if proc.returncode != 0 or lines[-1] == _STARTED:
        raise _damaged(label)
    message = json.loads(lines[-1])
    if message is not None:
        raise ModelFileError(message)


def _child() -> None:
    """The child process of :func:`check_h5_isolated`; ``sys.argv``: path, memory limit."""
    path, limit = sys.argv[1], int(sys.argv[2])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # Windows has no resource module; macOS may refuse
        pass
    import h5py  # noqa: F401 - imported before the start line: a broken install is no damaged file

    print(_STARTED, flush=True)
    try:
        _check(Path(path), deep=True)
        message = None
    except ModelFileError as err:
        message = str(err)
    print(json.dumps(message), flush=True)


def _check(p: Path, deep: bool) -> None:
    label, size = _label(p), _file_size(p)
    import h5py  # imported here: it costs ~60 ms, and .keras archives never need it

    try:
        with h5py.File(p, "r") as f:
            _Scan(label, size, data_budget(size), deep).run(f.id)
    except ModelFileError:
        raise
    except Exception:  # noqa: BLE001 - h5py raises OSError, KeyError, RuntimeError… for damaged files
        raise _damaged(label) from None


def _label(p: Path) -> str:
    return f"'{p.name or p}'"


def _file_size(p: Path) -> int:
    try:
        return p.stat().st_size
    except FileNotFoundError:
        raise ModelFileError(f"model file {_label(p)} does not exist") from None
    except OSError as err:
        raise ModelFileError(f"model file {_label(p)} cannot be read ({err.strerror or err})") from None


def _damaged(label: str) -> ModelFileError:
    return ModelFileError(f"HDF5 file {label} is damaged or truncated; save or download it again")


def _path(node: _Node) -> str:
    names: list[bytes] = []
    while node is not None:
        node, name = node
        names.append(name)
    return "/" + "/".join(_text(n) for n in reversed(names))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _human(n: int) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


@dataclass
class _Scan:
    label: str
    size: int
    budget: int
    deep: bool
    objects: int = 0
    total: int = 0
    seen: set[int] = field(default_factory=set)
    root: Any = None

    def run(self, fid: Any) -> None:
        from h5py import h5g, h5o

        self.root = h5g.open(fid, b"/")
        info = h5o.get_info(self.root)
        self.seen.add(info.addr)
        self._attrs(self.root, None, info.num_attrs)
        stack: list[tuple[Any, _Node]] = [(self.root, None)]
        while stack:
            group, node = stack.pop()
            for name, kind in self._links(group, node):
                self._link(group, (node, name), kind, stack)

    def _count(self, node: _Node, n: int = 1) -> None:
        self.objects += n
        if self.objects > MAX_OBJECTS:
            raise ModelFileError(
                f"HDF5 file {self.label} holds more than {MAX_OBJECTS} links and attributes "
                f"(counted up to '{_path(node)}'); a model file has far fewer"
            )

    def _links(self, group: Any, node: _Node) -> list[tuple[bytes, int]]:
        """The links of a group, in name order, counted against :data:`MAX_OBJECTS`."""
        found: list[tuple[bytes, int]] = []

        def collect(name: bytes, info: Any) -> bool | None:
            found.append((name, info.type))
            return True if self.objects + len(found) > MAX_OBJECTS else None

        group.links.iterate(collect, info=True)
        for name, _kind in found:
            if not name or b"/" in name or name == b".":  # not a link name HDF5 can write
                raise ValueError(name)
            self._count((node, name))
        return found

    def _link(self, group: Any, node: tuple[Any, bytes], kind: int, stack: list[tuple[Any, _Node]]) -> None:
        from h5py import h5l

        name = node[1]
        if kind == h5l.TYPE_HARD:
            self._object(group, node, stack)
        elif kind == h5l.TYPE_SOFT:
            target = group.links.get_val(name)
            self._resolve(group, node[0], target, node, target, 1)
        elif kind == h5l.TYPE_EXTERNAL:
            file, _obj = group.links.get_val(name)
            raise ModelFileError(
                f"HDF5 file {self.label} has an external link at '{_path(node)}' to '{_text(file)}'; {_OUTSIDE}"
            )
        else:
            raise ModelFileError(
                f"HDF5 file {self.label} has a user-defined link (type {kind}) at '{_path(node)}'; {_OUTSIDE}"
            )

    def _object(self, group: Any, node: tuple[Any, bytes], stack: list[tuple[Any, _Node]]) -> None:
        from h5py import h5d, h5g, h5o, h5t

        name = node[1]
        info = h5o.get_info(group, name)
        if info.addr in self.seen:
            return
        self.seen.add(info.addr)
        if info.type == h5o.TYPE_GROUP:
            child = h5g.open(group, name)
            stack.append((child, node))
        elif info.type == h5o.TYPE_DATASET:
            child = h5d.open(group, name)
            self._dataset(child, node)
        elif info.type == h5o.TYPE_NAMED_DATATYPE:
            child = h5t.open(group, name)
        else:
            raise ValueError(info.type)
        self._attrs(child, node, info.num_attrs)

    def _dataset(self, dset: Any, node: _Node) -> None:
        from h5py import h5d

        dcpl = dset.get_create_plist()
        if dcpl.get_layout() == h5d.VIRTUAL:  # checked before anything that could map sources
            raise ModelFileError(
                f"HDF5 file {self.label} has a virtual dataset at '{_path(node)}', whose data is "
                f"mapped from other datasets or files; {_OWN_DATA}"
            )
        if dcpl.get_external_count():
            raw_file = dcpl.get_external(0)[0]
            raise ModelFileError(
                f"HDF5 file {self.label} has a dataset at '{_path(node)}' stored in the external "
                f"file '{_text(raw_file)}'; {_OWN_DATA}"
            )
        self._charge(dset, f"a dataset at '{_path(node)}'", node)
        if self.deep and dcpl.get_layout() == h5d.CHUNKED:
            dset.get_num_chunks()  # walks the chunk index

    def _attrs(self, obj: Any, node: _Node, count: int) -> None:
        from h5py import h5a

        self._count(node, count)
        for index in range(count):
            attr = h5a.open(obj, index=index)
            self._charge(attr, f"an attribute '{_text(attr.name)}' at '{_path(node)}'", node)
            if self.deep:
                _read_attr(attr)

    def _charge(self, obj: Any, what: str, node: _Node) -> None:
        """Add the memory a dataset or attribute needs when read; refuse it beyond the budget."""
        from h5py import h5s

        space = obj.get_space()
        extent = space.get_simple_extent_type()
        shape = () if extent == h5s.SCALAR else space.get_simple_extent_dims()
        nbytes = 0 if extent == h5s.NULL else math.prod(shape) * _type_size(obj.get_type())
        limit = f"more than the {_human(self.budget)} ModelGraft reads from a {_human(self.size)} file"
        if nbytes > self.budget:
            raise ModelFileError(
                f"HDF5 file {self.label} has {what} of shape {shape} that would need "
                f"{_human(nbytes)} of memory, {limit}"
            )
        self.total += nbytes
        if self.total > self.budget:
            raise ModelFileError(
                f"HDF5 file {self.label} declares {_human(self.total)} of data in all "
                f"(counted up to '{_path(node)}'), {limit}"
            )

    def _resolve(self, base: Any, base_node: _Node, value: bytes, link: _Node, top: bytes,
                 hops: int) -> _Found:
        """Follow a soft link's value inside the file without letting HDF5 traverse any link.

        Returns:
            The group holding the final hard link, its node, and the link's name (``None``
            when the value names the group itself).
        """
        group, node = (self.root, None) if value.startswith(b"/") else (base, base_node)
        parts = [part for part in value.split(b"/") if part and part != b"."]
        if not parts:
            return group, node, None
        *middle, last = parts
        for part in middle:
            group, node = self._enter(self._step(group, node, part, link, top, hops), link, top)
        return self._step(group, node, last, link, top, hops)

    def _step(self, group: Any, node: _Node, name: bytes, link: _Node, top: bytes, hops: int) -> _Found:
        """Resolve one name of a soft link's path: a hard link, or another soft link followed."""
        from h5py import h5l

        self._count(link)
        if not group.links.exists(name):
            raise self._unresolved(link, top, _DANGLING)
        kind = group.links.get_info(name).type
        if kind == h5l.TYPE_HARD:
            return group, node, name
        if kind == h5l.TYPE_EXTERNAL:
            raise self._unresolved(
                link, top, f"that leads through the external link at '{_path((node, name))}'; {_OUTSIDE}")
        if kind != h5l.TYPE_SOFT:
            raise self._unresolved(link, top, _DANGLING)
        if hops >= MAX_SOFT_HOPS:
            raise self._unresolved(link, top, f"that goes through more than {MAX_SOFT_HOPS} soft links "
                                              "(a cycle); ModelGraft refuses links that do not resolve")
        return self._resolve(group, node, group.links.get_val(name), link, top, hops + 1)

    def _enter(self, found: _Found, link: _Node, top: bytes) -> tuple[Any, _Node]:
        """Open the group a resolved path step names; anything else leaves the link dangling."""
        from h5py import h5g, h5o

        group, node, name = found
        if name is None:
            return group, node
        if h5o.get_info(group, name).type != h5o.TYPE_GROUP:
            raise self._unresolved(link, top, _DANGLING)
        return h5g.open(group, name), (node, name)

    def _unresolved(self, link: _Node, target: bytes, why: str) -> ModelFileError:
        return ModelFileError(
            f"HDF5 file {self.label} has a soft link at '{_path(link)}' to '{_text(target)}' {why}")


def _type_size(tid: Any) -> int:
    """Bytes per item in memory; array types are recomputed so crafted dimensions cannot overflow."""
    from h5py import h5t

    if tid.get_class() == h5t.ARRAY:
        return math.prod(tid.get_array_dims()) * _type_size(tid.get_super())
    return int(tid.get_size())


def _read_attr(attr: Any) -> None:
    """Read an attribute's value as h5py's ``attrs[name]`` does, and drop it."""
    import numpy as np
    from h5py import h5t

    if attr.shape is None:  # an empty dataspace holds no value
        return
    dtype = attr.dtype
    htype = h5t.py_create(dtype)
    shape = attr.shape
    if dtype.subdtype is not None:  # NumPy has no top-level array types: read (n, *dims) items
        dtype, dims = dtype.subdtype
        shape += dims
    attr.read(np.zeros(shape, dtype=dtype), mtype=htype)
