"""Chunked data sets on disk: zarr and .npy shards, written atomically, loaded as dask arrays.

No cluster here (dask's threads in the test process); tests/test_dask.py trains on these
data sets on a real dask.distributed cluster.
"""

from __future__ import annotations

import json

import dask.array as da
import numpy as np
import pytest

from autograd_lr import problems
from autograd_lr.datasets import (
    ChunkedDataset,
    Standardizer,
    fit_standardizer,
    load_chunked,
    save_chunked,
)
from autograd_lr.datasets.chunked import METADATA_FILE, default_chunk_size
from autograd_lr.fast import cluster
from autograd_lr.tolerances import relative_error

# Per-chunk moments combined in a tree against numpy's one-pass mean and std: float64
# rounding in another order of additions (observed ≲ 3e-16).
STATISTICS_RTOL = 1e-13


def _data(n_x: int = 3, m: int = 1003, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    p = problems.make_problem(n_x, m, seed)
    return p.X, p.Y


@pytest.mark.parametrize("storage", ["zarr", "npy"])
def test_round_trip_is_exact_and_chunked_by_examples(tmp_path, storage):
    X, Y = _data()
    path = save_chunked(
        tmp_path / "d",
        X,
        Y,
        storage=storage,
        chunk_size=100,
        feature_names=("a", "b", "c"),
        name="demo",
        label_mapping={"no": 0, "yes": 1},
        class_names=("no", "yes"),
        target="label",
    )
    data = load_chunked(path)
    assert isinstance(data, ChunkedDataset)
    assert cluster.is_dask(data.X) and cluster.is_dask(data.Y)
    assert data.X.shape == X.shape and data.Y.shape == Y.shape  # the lecture's layout
    assert data.X.chunks[1] == (100,) * 10 + (3,)  # columns (examples) in chunks
    assert data.X.chunks[0] == (3,)  # all features of an example in one chunk
    assert (data.n_chunks, data.chunk_size, data.m, data.n_x) == (11, 100, 1003, 3)
    np.testing.assert_array_equal(data.X.compute(), X)
    np.testing.assert_array_equal(data.Y.compute(), Y)
    assert data.feature_names == ("a", "b", "c")
    assert (data.name, data.class_names, data.target) == ("demo", ("no", "yes"), "label")
    assert data.label_mapping == {"no": 0, "yes": 1}
    assert data.storage == storage
    assert data.nbytes == X.nbytes


@pytest.mark.parametrize("storage", ["zarr", "npy"])
def test_writes_dask_arrays_chunk_by_chunk(tmp_path, storage):
    X, Y = _data(m=500)
    source = load_chunked(save_chunked(tmp_path / "src", X, Y, chunk_size=64))
    path = save_chunked(
        tmp_path / "doubled", 2 * source.X, source.Y, storage=storage, chunk_size=200
    )
    doubled = load_chunked(path)
    assert doubled.X.chunks[1] == (200, 200, 100)
    np.testing.assert_array_equal(doubled.X.compute(), 2 * X)
    np.testing.assert_array_equal(doubled.Y.compute(), Y)


def test_default_chunks_hold_about_64_mib():
    assert default_chunk_size(100) == 64 * 2**20 // 800
    assert default_chunk_size(10**9) == 1


@pytest.mark.parametrize("as_dask", [False, True])
@pytest.mark.parametrize("storage", ["zarr", "npy"])
def test_a_bad_label_stops_the_write_and_leaves_nothing(tmp_path, storage, as_dask):
    X, Y = _data(m=1000)
    Y = Y.copy()
    Y[0, 555] = 2.0
    X_in, Y_in = (
        (da.from_array(X, chunks=(3, 100)), da.from_array(Y, chunks=(1, 100)))
        if as_dask
        else (X, Y)
    )
    with pytest.raises(ValueError, match=r"Y\[0, 555\] is 2\.0: the labels must be 0 or 1"):
        save_chunked(tmp_path / "d", X_in, Y_in, storage=storage, chunk_size=100)
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temporary directory


def test_a_non_finite_feature_names_its_example(tmp_path):
    X, Y = _data(m=300)
    X = X.copy()
    X[1, 250] = np.nan
    with pytest.raises(ValueError, match=r"X\[1, 250\] \(feature 1 of example 250\) is nan"):
        save_chunked(tmp_path / "d", X, Y, chunk_size=100)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_replaced_only_on_request(tmp_path):
    X, Y = _data(m=200)
    path = save_chunked(tmp_path / "d", X, Y, chunk_size=50)
    with pytest.raises(ValueError, match=r"exists already.*overwrite=True"):
        save_chunked(path, 2 * X, Y, chunk_size=50)
    np.testing.assert_array_equal(load_chunked(path).X.compute(), X)  # untouched
    save_chunked(path, 2 * X, Y, storage="npy", chunk_size=70, overwrite=True)
    replaced = load_chunked(path)
    assert replaced.storage == "npy"
    assert not (path / "zarr.json").exists()  # the old zarr store is gone, not merged
    np.testing.assert_array_equal(replaced.X.compute(), 2 * X)
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # no temporary directory left


def test_shapes_are_checked_before_writing(tmp_path):
    X, Y = _data(m=10)
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\) = \(1, 10\)"):
        save_chunked(tmp_path / "d", X, Y.T)
    with pytest.raises(ValueError, match="2 feature names for X with n_x = 3"):
        save_chunked(tmp_path / "d", X, Y, feature_names=("a", "b"))
    with pytest.raises(ValueError, match="storage must be one of"):
        save_chunked(tmp_path / "d", X, Y, storage="parquet")
    with pytest.raises(ValueError, match=r"chunk_size .* must be >= 1"):
        save_chunked(tmp_path / "d", X, Y, chunk_size=0)
    assert list(tmp_path.iterdir()) == []


def test_loading_something_else_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        load_chunked(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ValueError, match=r"not a chunked data set.*save_chunked"):
        load_chunked(tmp_path / "plain")
    X, Y = _data(m=20)
    path = save_chunked(tmp_path / "d", X, Y, chunk_size=5)
    meta = json.loads((path / METADATA_FILE).read_text())
    (path / METADATA_FILE).write_text(json.dumps({**meta, "m": 21}))
    with pytest.raises(ValueError, match="damaged, write the data set again"):
        load_chunked(path)
    (path / METADATA_FILE).write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ValueError, match="format version 99"):
        load_chunked(path)


def test_fit_standardizer_matches_the_in_memory_statistics(tmp_path):
    X, Y = _data(n_x=4, m=2000, seed=3)
    X = X * np.array([[1.0], [10.0], [0.0], [1e-3]]) + 5.0  # a constant feature in row 2
    data = load_chunked(save_chunked(tmp_path / "d", X, Y, chunk_size=300))
    ours, reference = fit_standardizer(data.X), Standardizer.fit(X)
    assert relative_error(ours.mean, reference.mean) <= STATISTICS_RTOL
    assert relative_error(ours.std, reference.std) <= STATISTICS_RTOL
    assert ours.std[2, 0] == 1.0  # the constant feature is kept, as in Standardizer


def test_the_directory_gets_ordinary_permissions(tmp_path):
    X, Y = _data(m=20)
    path = save_chunked(tmp_path / "d", X, Y, chunk_size=5)
    (tmp_path / "plain").mkdir()  # what this process's umask gives a new directory
    assert path.stat().st_mode == (tmp_path / "plain").stat().st_mode
