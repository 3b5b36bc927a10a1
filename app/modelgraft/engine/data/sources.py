"""Data sources: CSV files, NPY and NPZ arrays, and image folders, read row by row or by index.

Opening a source (:func:`open_source`) checks the file and the key without TensorFlow and
without reading the data, so binding errors come at once. The rows are read later, on the
engine thread, through ``tf.data``:

- **NPY** files are memory-mapped (``np.load(mmap_mode="r")``); batches are gathered by
  index, so only the rows of a batch are read from disk.
- **NPZ** files hold several arrays; the bound one is loaded when first used. An array of up
  to :data:`IN_GRAPH_BYTES` is gathered by ``tf.gather`` inside the input pipeline, so a batch
  costs no Python (a ``numpy_function`` per batch holds the GIL the workbench's event loop
  needs, and made S10 train 35 % slower); a larger one is gathered like an NPY file, since
  TensorFlow's copy of it would double the memory it takes.
- **CSV** files (comma-separated, one header line) are streamed with
  ``tf.data.experimental.CsvDataset``; one streaming pass in Python counts the rows and
  finds each column's kind (whole numbers, numbers, or categories). Categorical columns
  become integer ids through a mapping kept in the project.
- **Image folders** hold one sub-folder per class; images are decoded and resized to the
  input's (height, width, channels); the class ids (sorted sub-folder names) are the targets.
"""

from __future__ import annotations

import csv
import functools
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...core.errors import DataError
from ...io.data_spec import CLASS_KEY, IMAGE_SUFFIXES, source_kind
from ..runtime import tf

__all__ = ["IN_GRAPH_BYTES", "CsvSource", "ImageFolder", "NpySource", "NpzSource", "Source", "open_source"]

IN_GRAPH_BYTES = 256 * 2**20

Key = str | Sequence[str] | None


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:20])
    return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


class Source:
    """One bound source: ``rows`` rows of per-row ``shape`` and numpy ``dtype``.

    Attributes:
        path: The file or folder.
        key: The NPZ array, CSV column(s) or ``None``.
        what: How messages name the binding, e.g. ``"binding 'x'"``.
        random_access: Rows can be gathered by index (else they stream in file order).
    """

    random_access = True

    def __init__(self, path: Path, key: Key, what: str) -> None:
        self.path, self.key, self.what = path, key, what

    @property
    def label(self) -> str:
        """The source as messages name it, e.g. ``'b.csv' columns 'f0', 'f1'``."""
        return f"'{self.path.name}'"

    @property
    def rows(self) -> int:
        """The number of rows."""
        raise NotImplementedError

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one row."""
        raise NotImplementedError

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the values."""
        raise NotImplementedError

    def categories(self) -> dict[str, list[str]]:
        """The category values this source contains, per column (``{}`` if none)."""
        return {}

    def use_categories(self, mapping: dict[str, list[str]]) -> None:
        """Map categories to ids by their index in ``mapping`` (which covers every value)."""

    def take(self, indices: Any) -> Any:
        """The rows at ``indices`` (an int64 tensor) as one tensor; random-access sources only."""
        raise NotImplementedError

    def stream(self) -> Any:
        """A ``tf.data.Dataset`` of the rows in file order."""
        t = tf()
        chunk = 1024
        return (t.data.Dataset.range(self.rows).batch(chunk)
                .map(self.take, num_parallel_calls=t.data.AUTOTUNE).unbatch())


class _ArraySource(Source):
    """A numpy array (memory-mapped or in memory) gathered by index."""

    _array: np.ndarray

    @property
    def array(self) -> np.ndarray:
        """The array (an ``np.memmap`` for NPY files)."""
        return self._array

    @property
    def rows(self) -> int:
        return int(self.array.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.array.shape[1:])

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def _check(self) -> None:
        if self.array.ndim == 0:
            raise DataError(f"{self.what}: {self.label} holds a single value, not rows of data")
        if self.array.dtype.kind not in "biuf":
            raise DataError(f"{self.what}: {self.label} holds {self.array.dtype} values; only numbers "
                            "and booleans can be bound")

    def take(self, indices: Any) -> Any:
        t = tf()
        array = self.array
        out = t.numpy_function(lambda i: np.asarray(array[i]), [indices], t.as_dtype(array.dtype),
                               stateful=False)
        out.set_shape((None, *self.shape))
        return out


class NpySource(_ArraySource):
    """A ``.npy`` file, memory-mapped: only the gathered rows are read."""

    def __init__(self, path: Path, key: Key, what: str) -> None:
        super().__init__(path, key, what)
        if key is not None:
            raise DataError(f"{what}: '{path.name}' is an .npy file holding one array, so its key "
                            f"must be empty, not {key!r}")
        try:
            self._array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise DataError(f"{what}: '{path.name}' is not a readable .npy file ({err})") from None
        self._check()


class NpzSource(_ArraySource):
    """One array of an ``.npz`` file, by key (loaded when first used)."""

    def __init__(self, path: Path, key: Key, what: str) -> None:
        super().__init__(path, key, what)
        try:
            with np.load(path, allow_pickle=False) as npz:
                keys = list(npz.files)
        except (OSError, ValueError) as err:
            raise DataError(f"{what}: '{path.name}' is not a readable .npz file ({err})") from None
        if key is None and len(keys) == 1:
            self.key = keys[0]
        elif not isinstance(key, str) or key not in keys:
            given = "no key was given" if key is None else f"it has no array {key!r}"
            raise DataError(f"{what}: '{path.name}' holds several arrays and {given}; "
                            f"its arrays: {_names(keys) or 'none'}")
        self._loaded: np.ndarray | None = None
        self._tensor: Any = None

    @property
    def label(self) -> str:
        return f"'{self.path.name}' array '{self.key}'"

    def take(self, indices: Any) -> Any:
        if self.array.nbytes > IN_GRAPH_BYTES:
            return super().take(indices)
        t = tf()
        if self._tensor is None:
            with t.init_scope():  # made once, eagerly, and captured by the pipeline's functions
                self._tensor = t.convert_to_tensor(self.array)
        return t.gather(self._tensor, indices)

    @property
    def array(self) -> np.ndarray:
        if self._loaded is None:
            with np.load(self.path, allow_pickle=False) as npz:
                self._loaded = npz[self.key]
            self._check()
        return self._loaded


# ---------------------------------------------------------------------------- CSV


@functools.lru_cache(maxsize=32)
def _scan_csv(path: str, size: int, mtime_ns: int) -> tuple[int, dict[str, str], dict[str, frozenset[str]]]:
    """One streaming pass over a CSV file (cached while the file is unchanged).

    Returns:
        The row count, each column's kind (``"int"``, ``"float"`` or ``"category"``) and
        the distinct values of the categorical columns.
    """
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        kinds = dict.fromkeys(header, "int")
        rows = 0
        for rows, record in enumerate(reader, 1):
            if len(record) != len(header):
                raise DataError(f"'{Path(path).name}' line {rows + 1} has {len(record)} fields but the "
                                f"header names {len(header)} columns")
            for name, value in zip(header, record):
                kind = kinds[name]
                if kind == "category":
                    continue
                value = value.strip()
                if kind == "int" and (value.lstrip("+-").isdigit()):
                    continue
                try:
                    float(value or "nan")
                    kinds[name] = "float"
                except ValueError:
                    kinds[name] = "category"
    categorical = [i for i, name in enumerate(header) if kinds[name] == "category"]
    values: dict[str, set[str]] = {header[i]: set() for i in categorical}
    if categorical:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            for record in reader:
                for i in categorical:
                    values[header[i]].add(record[i])
    return rows, kinds, {k: frozenset(v) for k, v in values.items()}


class CsvSource(Source):
    """Columns of a CSV file, streamed (never loaded whole).

    A single column name gives rows of shape ``()``, a list of names rows of shape
    ``(len(names),)``, no key every column. Whole-number and categorical columns alone give
    int64 rows; any other numeric column makes them float32 (empty numeric cells read NaN).
    """

    random_access = False

    def __init__(self, path: Path, key: Key, what: str) -> None:
        super().__init__(path, key, what)
        try:
            with open(path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f), None)
        except (OSError, UnicodeDecodeError) as err:
            raise DataError(f"{what}: '{path.name}' is not a readable UTF-8 CSV file ({err})") from None
        if not header:
            raise DataError(f"{what}: '{path.name}' is empty; a CSV source needs a header line")
        self.header = header
        self.columns = [key] if isinstance(key, str) else list(key or header)
        unknown = [c for c in self.columns if c not in header]
        if unknown:
            raise DataError(f"{what}: '{path.name}' has no column {unknown[0]!r}; "
                            f"its columns: {_names(header)}")
        self._mapping: dict[str, list[str]] = {}

    @property
    def label(self) -> str:
        word = "column" if len(self.columns) == 1 else "columns"
        return f"'{self.path.name}' {word} {_names(self.columns)}"

    def _scan(self) -> tuple[int, dict[str, str], dict[str, frozenset[str]]]:
        stat = os.stat(self.path)
        try:
            return _scan_csv(str(self.path), stat.st_size, stat.st_mtime_ns)
        except DataError as err:
            raise DataError(f"{self.what}: {err}") from None

    @property
    def rows(self) -> int:
        return self._scan()[0]

    @property
    def kinds(self) -> dict[str, str]:
        """The kind of each bound column: ``"int"``, ``"float"`` or ``"category"``."""
        kinds = self._scan()[1]
        return {c: kinds[c] for c in self.columns}

    @property
    def shape(self) -> tuple[int, ...]:
        return () if isinstance(self.key, str) else (len(self.columns),)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype("float32" if "float" in self.kinds.values() else "int64")

    def categories(self) -> dict[str, list[str]]:
        values = self._scan()[2]
        return {c: sorted(values[c]) for c in self.columns if c in values}

    def use_categories(self, mapping: dict[str, list[str]]) -> None:
        self._mapping = {c: mapping[c] for c in self.categories()}

    def stream(self) -> Any:
        t = tf()
        kinds = self.kinds
        chosen = sorted({self.header.index(c) for c in self.columns})
        defaults = {"int": t.int64, "float": t.constant(math.nan, t.float32),
                    "category": t.constant("", t.string)}
        records = t.data.experimental.CsvDataset(
            str(self.path), [defaults[kinds[self.header[i]]] for i in chosen], header=True,
            select_cols=chosen)
        position = {self.header[i]: n for n, i in enumerate(chosen)}
        tables = {c: t.lookup.StaticHashTable(
            t.lookup.KeyValueTensorInitializer(t.constant(v, t.string), t.range(len(v), dtype=t.int64)),
            default_value=-1) for c, v in self._mapping.items()}
        out_dtype = t.as_dtype(self.dtype)
        single = isinstance(self.key, str)

        def row(*fields: Any) -> Any:
            values = []
            for c in self.columns:
                value = fields[position[c]]
                values.append(t.cast(tables[c].lookup(value) if c in tables else value, out_dtype))
            return values[0] if single else t.stack(values)

        return records.map(row, num_parallel_calls=t.data.AUTOTUNE)


# ---------------------------------------------------------------------------- images


class ImageFolder(Source):
    """A folder with one sub-folder of images per class (sorted names give the class ids).

    ``image_shape`` (height, width, channels) makes the rows images; without it the rows
    are the class ids (int64, shape ``()``).
    """

    def __init__(self, path: Path, key: Key, what: str,
                 image_shape: tuple[int, int, int] | None = None) -> None:
        super().__init__(path, key, what)
        if key is not None:
            raise DataError(f"{what}: '{path.name}' is an image folder, so its key must be empty, "
                            f"not {key!r}")
        self.files: dict[str, list[str]] = {}
        for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
            images = sorted(str(f) for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
            if images:
                self.files[folder.name] = images
        if not self.files:
            raise DataError(f"{what}: folder '{path.name}' has no class sub-folders with images "
                            f"({', '.join(IMAGE_SUFFIXES)})")
        self.image_shape = image_shape
        self._labels = np.repeat(np.arange(len(self.files), dtype="int64"),
                                 [len(v) for v in self.files.values()])

    @property
    def label(self) -> str:
        return f"image folder '{self.path.name}'"

    @property
    def rows(self) -> int:
        return sum(len(v) for v in self.files.values())

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.image_shape) if self.image_shape else ()

    @property
    def dtype(self) -> np.dtype:
        return np.dtype("float32" if self.image_shape else "int64")

    def categories(self) -> dict[str, list[str]]:
        return {CLASS_KEY: list(self.files)}

    def use_categories(self, mapping: dict[str, list[str]]) -> None:
        ids = {name: i for i, name in enumerate(mapping[CLASS_KEY])}
        self._labels = np.repeat(np.array([ids[name] for name in self.files], dtype="int64"),
                                 [len(v) for v in self.files.values()])

    def take(self, indices: Any) -> Any:
        t = tf()
        if self.image_shape is None:
            return t.gather(t.constant(self._labels), indices)
        height, width, channels = self.image_shape
        paths = t.gather(t.constant([f for v in self.files.values() for f in v]), indices)

        def decode(path: Any) -> Any:
            image = t.io.decode_image(t.io.read_file(path), channels=channels, expand_animations=False)
            return t.image.resize(image, (height, width))

        return t.map_fn(decode, paths, fn_output_signature=t.TensorSpec((height, width, channels),
                                                                        t.float32))


def open_source(path: str | os.PathLike[str], key: Key, what: str,
                image_shape: tuple[int, int, int] | None = None) -> Source:
    """Open a data source, checking the file and the key (no data is read yet).

    Args:
        path: A ``.csv``, ``.npy`` or ``.npz`` file or an image folder.
        key: An NPZ array name, a CSV column or list of columns, or ``None``.
        what: How messages name the binding, e.g. ``"binding 'x'"``.
        image_shape: For an image folder feeding an input: (height, width, channels).

    Raises:
        DataError: a missing file, an unsupported kind, an unknown key or column.
    """
    p = Path(path)
    kind = source_kind(p, what)
    if kind == "images":
        return ImageFolder(p, key, what, image_shape)
    return {"csv": CsvSource, "npy": NpySource, "npz": NpzSource}[kind](p, key, what)
