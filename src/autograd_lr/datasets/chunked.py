r"""Data sets too big for memory: stored on disk in chunks of examples, loaded as dask arrays.

A chunked data set is a directory. It holds the examples as rows, ``X (m, n_x)`` (the
layout of every file format, and the one in which a chunk of consecutive examples is
contiguous on disk), the labels ``y (m,)`` of 0/1, both cut into chunks of
``chunk_size`` examples, and ``dataset.json`` (sizes, feature names, class names).
Two storage formats:

- ``"zarr"``: a zarr group with arrays ``X`` and ``y`` (read with
  ``dask.array.from_zarr``; chunks are stored uncompressed, because floating-point
  features barely compress and every iteration of training reads them again);
- ``"npy"``: directories ``X/`` and ``y/`` of ``.npy`` shards, one per chunk, in
  ``dask.array.to_npy_stack``'s layout (read with ``dask.array.from_npy_stack``).

:func:`load_chunked` returns the data in the lecture's layout, ``X (n_x, m)`` chunked by
columns and ``Y (1, m)``, as lazy dask arrays: nothing is read until a computation needs
a chunk, and then only that chunk, on the worker that needs it.

:func:`save_chunked` writes numpy or dask arrays. The directory appears whole or not at
all: everything is written into a temporary directory next to the target and renamed
into place at the end. On a cluster, the path must be on a file system that the workers
share.

This module imports dask and zarr inside its functions only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr import validation
from autograd_lr.datasets.preprocessing import Standardizer
from autograd_lr.records import DatasetRecord

STORAGES = ("zarr", "npy")
METADATA_FILE = "dataset.json"
FORMAT = "autograd-lr chunked dataset"
FORMAT_VERSION = 1
# Default chunk: about 64 MiB of X per chunk. dask's own guidance is chunks of tens to
# hundreds of MiB: large enough that the scheduler's per-task cost (about 1 ms) is
# small next to reading and multiplying the chunk, small enough that a worker holds a
# few chunks and their temporaries at once.
DEFAULT_CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class ChunkedDataset(DatasetRecord):
    """A data set on disk, as lazy dask arrays.

    ``X_rows (m, n_x)`` and ``y (m,)`` are the stored layout (rows are examples, as
    scikit-learn's estimators take them); :attr:`X` ``(n_x, m)`` and :attr:`Y` ``(1, m)``
    are the lecture's, chunked by columns (examples). The metadata are
    :class:`~autograd_lr.records.DatasetRecord`'s, given by keyword.
    """

    X_rows: Any
    y: Any
    path: Path
    storage: str

    @property
    def X(self) -> Any:
        """``(n_x, m)``, one column per example: the stored rows transposed, lazily."""
        return self.X_rows.T

    @property
    def Y(self) -> Any:
        """``(1, m)`` labels 0/1."""
        return self.y.reshape(1, -1)

    @property
    def chunk_size(self) -> int:
        """Examples per chunk (the last chunk may hold fewer)."""
        return int(self.X_rows.chunks[0][0])

    @property
    def n_chunks(self) -> int:
        return len(self.X_rows.chunks[0])

    @property
    def nbytes(self) -> int:
        """Bytes of ``X``."""
        return int(self.X_rows.nbytes)


def default_chunk_size(n_x: int) -> int:
    """Examples per chunk for about :data:`DEFAULT_CHUNK_BYTES` of float64 ``X``."""
    return max(1, DEFAULT_CHUNK_BYTES // (8 * n_x))


def _validate_finite_01(X_rows: np.ndarray, y: np.ndarray, first: int) -> None:
    """``ValueError`` naming the first bad example (counting from 0) of a chunk."""
    bad_x = ~np.isfinite(X_rows)
    if bad_x.any():
        i, j = np.argwhere(bad_x)[0]
        raise ValueError(
            f"X[{j}, {first + i}] (feature {j} of example {first + i}) is {X_rows[i, j]}: "
            f"the features must be finite; drop or impute that example before saving"
        )
    bad_y = (y != 0) & (y != 1)
    if bad_y.any():
        i = int(np.flatnonzero(bad_y)[0])
        raise ValueError(
            f"Y[0, {first + i}] is {y[i]}: the labels must be 0 or 1; map the two classes "
            f"to 0 and 1 before saving"
        )


def _validated_block(X_rows: np.ndarray, y: np.ndarray, block_info: Any = None) -> np.ndarray:
    """A chunk of ``X_rows``, after validating it and its labels (run by dask per chunk)."""
    first = 0 if block_info is None else int(block_info[0]["array-location"][0][0])
    _validate_finite_01(X_rows, y.reshape(-1), first)
    return X_rows


def _validate_layout(X: Any, Y: Any, feature_names: Sequence[str] | None) -> tuple[int, int]:
    if len(X.shape) != 2 or X.shape[1] < 1:
        raise ValueError(
            f"X must have shape (n_x, m), one column per example, with m >= 1; got {X.shape}"
        )
    n_x, m = (int(s) for s in X.shape)
    if tuple(Y.shape) != (1, m):
        raise ValueError(
            f"Y must have shape (1, m) = (1, {m}) to match X {tuple(X.shape)}; got "
            f"{tuple(Y.shape)} (labels as one row: Y = y.reshape(1, -1))"
        )
    if feature_names is not None and len(feature_names) != n_x:
        raise ValueError(
            f"{len(feature_names)} feature names for X with n_x = {n_x} features (rows); "
            f"give one name per row of X"
        )
    return n_x, m


def save_chunked(
    path: str | Path,
    X: Any,
    Y: Any,
    *,
    storage: str = "zarr",
    chunk_size: int | None = None,
    feature_names: Sequence[str] | None = None,
    name: str = "",
    description: str = "",
    label_mapping: Mapping[str, int] | None = None,
    class_names: tuple[str, str] = ("0", "1"),
    target: str = "y",
    overwrite: bool = False,
) -> Path:
    """Write ``X (n_x, m)`` and ``Y (1, m)`` to the directory ``path`` in chunks of examples.

    ``X`` and ``Y`` are numpy or dask arrays in the lecture's layout; ``storage`` is
    ``"zarr"`` or ``"npy"``; ``chunk_size`` is examples per chunk (default: about 64 MiB
    of ``X``). numpy data is written from this process, chunk by chunk; dask data by
    the active scheduler (the cluster's workers), one chunk per task, so data that never
    fits in one process can be written too. The features must be finite and the labels
    0/1 (checked chunk by chunk: a bad chunk stops the write and nothing appears at
    ``path``). An existing ``path`` is replaced only with ``overwrite=True``. Returns
    ``path``.
    """
    path = Path(path)
    if storage not in STORAGES:
        raise ValueError(f"storage must be one of {STORAGES}, got {storage!r}")
    n_x, m = _validate_layout(X, Y, feature_names)
    if chunk_size is None:
        chunk_size = default_chunk_size(n_x)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer):
        raise ValueError(f"chunk_size (examples per chunk) must be an integer, got {chunk_size!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size (examples per chunk) must be >= 1, got {chunk_size}")
    chunk_size = min(int(chunk_size), m)
    if path.exists() and not overwrite:
        raise ValueError(
            f"{path} exists already; choose another path, or pass overwrite=True to replace it"
        )
    names = (
        tuple(feature_names)
        if feature_names is not None
        else tuple(f"x{j + 1}" for j in range(n_x))
    )
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "storage": storage,
        "n_x": n_x,
        "m": m,
        "chunk_size": chunk_size,
        "dtype": "float64",
        "feature_names": list(names),
        "name": name,
        "description": description,
        "label_mapping": dict(label_mapping or {}),
        "class_names": list(class_names),
        "target": target,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        # mkdtemp makes the directory private (0700); give it the permissions of an
        # ordinary new directory, so that a cluster's workers running as another user
        # can read it.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        _write_arrays(tmp, X, Y, storage, chunk_size)
        text = json.dumps(metadata, indent=2) + "\n"
        (tmp / METADATA_FILE).write_text(text, encoding="utf-8")
        _replace_directory(tmp, path)
    except BaseException:
        _remove_tree(tmp)
        raise
    return path


# After a failed chunk, dask lets the chunks already running finish: they may still write
# into the temporary directory while it is being removed. Try again for this long.
REMOVE_RETRY_SECONDS = 10.0


def _remove_tree(directory: Path) -> None:
    """Remove ``directory``, again while writers that were running may still add to it."""
    import time

    deadline = time.monotonic() + REMOVE_RETRY_SECONDS
    while True:
        shutil.rmtree(directory, ignore_errors=True)
        if not directory.exists() or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _replace_directory(tmp: Path, path: Path) -> None:
    """Move the finished ``tmp`` to ``path``; an old ``path`` is moved aside, then removed."""
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.replace(path, old / path.name)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_arrays(tmp: Path, X: Any, Y: Any, storage: str, chunk_size: int) -> None:
    import dask
    import dask.array as da

    in_memory = not (validation.is_dask(X) or validation.is_dask(Y))
    if in_memory:
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        _validate_finite_01(X.T, Y.reshape(-1), 0)
    n_x = int(X.shape[0])
    # Stored layout: rows are examples. Chunks of chunk_size rows and all n_x columns,
    # so that each dask block is exactly one stored chunk (no two tasks write one chunk).
    X_rows = da.asarray(X).T.astype(np.float64).rechunk((chunk_size, n_x))
    y = da.asarray(Y).reshape(-1).astype(np.float64).rechunk((chunk_size,))
    X_rows = da.map_blocks(_validated_block, X_rows, y[:, None], dtype=np.float64)
    if storage == "zarr":
        import zarr

        group = zarr.open_group(str(tmp), mode="w")
        targets: list[Any] = [
            group.create_array(
                name, shape=a.shape, chunks=a.chunksize, dtype="float64", compressors=None
            )
            for name, a in (("X", X_rows), ("y", y))
        ]
        write = da.store([X_rows, y], targets, lock=False, compute=False)
    else:
        write = [_npy_stack(tmp / "X", X_rows), _npy_stack(tmp / "y", y)]
    # numpy data lives in this process: write it from here, one chunk at a time, rather
    # than shipping it to a cluster's workers inside the task graph.
    # dask data are written where they are computed: by the active scheduler.
    with dask.config.set(scheduler="sync") if in_memory else contextlib.nullcontext():
        dask.compute(write)


def _npy_stack(directory: Path, a: Any) -> Any:
    """Delayed writes of ``a``'s chunks (along axis 0) as ``0.npy, 1.npy, ...`` in ``directory``.

    The ``info`` file is ``dask.array.to_npy_stack``'s (chunks, dtype, axis), so that
    ``dask.array.from_npy_stack`` reads the shards back.
    """
    import pickle

    import dask

    directory.mkdir()
    with open(directory / "info", "wb") as handle:
        pickle.dump({"chunks": a.chunks, "dtype": a.dtype, "axis": 0}, handle)
    save = dask.delayed(_save_npy, pure=True)
    return [save(directory / f"{i}.npy", block) for i, block in enumerate(a.to_delayed().ravel())]


def _save_npy(path: Path, block: np.ndarray) -> None:
    np.save(path, block)


def load_chunked(path: str | Path) -> ChunkedDataset:
    """Open a directory written by :func:`save_chunked`, lazily, as dask arrays.

    Reads only ``dataset.json`` and the arrays' headers; the examples are read chunk by
    chunk when a computation needs them. ``ValueError`` (naming the fix) when ``path``
    is not such a directory.
    """
    import dask.array as da

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such directory (write one with save_chunked)")
    meta_path = path / METADATA_FILE
    if not meta_path.is_file():
        raise ValueError(
            f"{path} is not a chunked data set: it has no {METADATA_FILE}; write one with "
            f"autograd_lr.datasets.save_chunked(path, X, Y)"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc}); write the data set again") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{meta_path}: not an {FORMAT!r} file; write the data set again")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{meta_path}: format version {meta.get('format_version')!r}, this version of "
            f"autograd-lr reads {FORMAT_VERSION}; write the data set again"
        )
    storage = meta["storage"]
    if storage == "zarr":
        X_rows = da.from_zarr(str(path), component="X")
        y = da.from_zarr(str(path), component="y")
    elif storage == "npy":
        X_rows = da.from_npy_stack(str(path / "X"), mmap_mode=None)
        y = da.from_npy_stack(str(path / "y"), mmap_mode=None)
    else:
        raise ValueError(f"{meta_path}: unknown storage {storage!r}, expected one of {STORAGES}")
    expected = (int(meta["m"]), int(meta["n_x"]))
    if tuple(X_rows.shape) != expected or tuple(y.shape) != expected[:1]:
        raise ValueError(
            f"{path}: the stored arrays have shapes X {tuple(X_rows.shape)}, y "
            f"{tuple(y.shape)} but {METADATA_FILE} says m = {expected[0]}, n_x = "
            f"{expected[1]}; the directory is damaged, write the data set again"
        )
    return ChunkedDataset(
        X_rows=X_rows,
        y=y,
        feature_names=tuple(meta["feature_names"]),
        path=path,
        storage=storage,
        name=meta.get("name", "") or path.name,
        description=meta.get("description", ""),
        label_mapping=dict(meta.get("label_mapping", {})),
        class_names=(str(meta["class_names"][0]), str(meta["class_names"][1])),
        target=meta.get("target", "y"),
    )


def fit_standardizer(X: Any) -> Standardizer:
    r"""Per-feature :math:`\mu_j` and :math:`s_j` of a dask ``X (n_x, m)``, in one pass.

    The same statistics as :meth:`Standardizer.fit` (population standard deviation, a
    constant feature kept with :math:`s_j = 1`), combined from per-chunk moments, so
    ``X`` is never gathered. Apply them lazily with ``(X - s.mean) / s.std``.
    """
    import dask

    validation.validate_chunks(X)
    mean, std = dask.compute(X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True))
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
        raise ValueError("X holds NaN or inf: the features must be finite")
    return Standardizer(mean=mean, std=np.where(std > 0, std, 1.0))
