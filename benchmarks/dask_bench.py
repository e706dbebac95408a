r"""Seconds per gradient-descent iteration: dask from disk on a local cluster vs numpy in memory.

The data set, ``X`` of ``m`` examples × ``n_x`` features (float64) and its labels, is
written to zarr on local disk in chunks of examples (by the cluster's workers, chunk by
chunk: it is never whole in any process), then trained on twice with the same
iterations of :func:`autograd_lr.training.solvers.gradient_descent`:

1. **dask, streamed**: ``X`` read from the zarr chunks at every iteration by a
   ``LocalCluster`` (``--workers`` processes × ``--threads``), which holds a few chunks
   at a time; only ``dw``, ``db``, ``J`` come back.
2. **dask, persisted**: the same, ``X`` kept in the workers' memory (only when it fits
   in :data:`autograd_lr.fast.cluster.PERSIST_FRACTION` of their memory limit).
3. **numpy, in memory**: ``X`` loaded into this process, one array.

Each row is the wall time of ``--iterations`` updates divided by the evaluations of
``(dw, db, J)`` (``iterations + 1``); the run then checks that all paths reached the
same ``w`` (relative difference ≤ :data:`autograd_lr.tolerances.DASK_RTOL`) and deletes
the data set (unless ``--keep``).

``python -m benchmarks.dask_bench`` measures at 8·10⁶ × 100 (6.4 GB on disk; about 13 GB
of free disk and 8 GB of free memory for the numpy row); ``--quick`` at 2·10⁵ × 20 for
CI; ``--scheduler ADDRESS`` uses an existing cluster instead of starting one;
``--json PATH`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr import forward, problems
from autograd_lr.datasets import load_chunked, save_chunked
from autograd_lr.fast import cluster
from autograd_lr.tolerances import DASK_RTOL, relative_error
from autograd_lr.training import solvers
from autograd_lr.training.persistence import atomic_write_bytes

FULL = {"m": 8_000_000, "n_x": 100, "chunk": 100_000, "iterations": 5}
QUICK = {"m": 200_000, "n_x": 20, "chunk": 25_000, "iterations": 3}
# Free disk required, as a multiple of X's size: the zarr store, plus room for the file
# system and for the others on this machine.
DISK_HEADROOM = 2.0
# Learning rate of the timed runs: any fixed α gives the same work per iteration; this one
# is below 2/L for independent standard normal features (L ≈ ¼ λ_max(E[x̃ x̃ᵀ]) ≈ ¼).
ALPHA = 1.0
# Memory limit per local worker. Streaming holds a few chunks (80 MB each at full size)
# per thread; the persisted row needs X / PERSIST_FRACTION in all.
WORKER_MEMORY = "4GB"


def _block(index: int, n_x: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Chunk ``index``: ``X (n_x, size)`` from make_problem, labels drawn from a planted (w, b).

    ``y ~ Bernoulli(σ(w*ᵀx + b*))`` with one (w*, b*) for all chunks (seed 0), so the
    data set has a finite optimum that the fits move towards.
    """
    truth = problems.make_problem(n_x, 1, seed=0)
    X = problems.make_problem(n_x, size, seed=1 + index).X
    A = forward.sigmoid(forward.logits(truth.w * 3.0, truth.b, X))
    Y = (np.random.default_rng(10_000 + index).random((1, size)) < A).astype(np.float64)
    return X, Y


def write_data(path: Path, m: int, n_x: int, chunk: int) -> float:
    """Write the data set to zarr at ``path`` (on the active scheduler); seconds taken."""
    import dask
    import dask.array as da

    X_parts, Y_parts = [], []
    for index, start in enumerate(range(0, m, chunk)):
        size = min(chunk, m - start)
        block = dask.delayed(_block, nout=2, pure=True)(index, n_x, size)
        X_parts.append(da.from_delayed(block[0], shape=(n_x, size), dtype=np.float64))
        Y_parts.append(da.from_delayed(block[1], shape=(1, size), dtype=np.float64))
    X, Y = da.concatenate(X_parts, axis=1), da.concatenate(Y_parts, axis=1)
    started = time.perf_counter()
    save_chunked(path, X, Y, chunk_size=chunk, name=f"bench-{m}x{n_x}")
    return time.perf_counter() - started


def _timed_fit(X: Any, Y: Any, iterations: int) -> tuple[float, np.ndarray]:
    """Seconds per evaluation of (dw, db, J), and the final w."""
    w0 = np.zeros((X.shape[0], 1))
    started = time.perf_counter()
    result = solvers.gradient_descent(
        w0, 0.0, X, Y, learning_rate=ALPHA, max_iter=iterations, tol=0.0
    )
    return (time.perf_counter() - started) / (iterations + 1), result.w


def _load_numpy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The data set in this process's memory, chunk by chunk into one preallocated array."""
    import zarr

    group = zarr.open_group(str(path), mode="r")
    stored_X, stored_y = group["X"], group["y"]
    m, n_x = stored_X.shape
    rows = np.empty((m, n_x))
    chunk = stored_X.chunks[0]
    for start in range(0, m, chunk):
        rows[start : start + chunk] = stored_X[start : start + chunk]
    return rows.T, np.asarray(stored_y[:]).reshape(1, -1)  # (n_x, m) view, (1, m)


def run(args: argparse.Namespace) -> dict[str, Any]:
    size = FULL if not args.quick else QUICK
    m = args.m or size["m"]
    n_x = args.n_x or size["n_x"]
    chunk = args.chunk or size["chunk"]
    iterations = args.iterations or size["iterations"]
    nbytes = m * n_x * 8
    parent = Path(args.dir).resolve()
    parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(parent).free
    if free < DISK_HEADROOM * nbytes:
        raise SystemExit(
            f"dask_bench: {parent} has {free / 1e9:.1f} GB free; X needs {nbytes / 1e9:.1f} GB "
            f"on disk (asking for {DISK_HEADROOM:g}x): choose another --dir or a smaller --m"
        )
    workdir = Path(tempfile.mkdtemp(prefix="dask-bench-", dir=parent))
    path = workdir / "data.zarr"
    rows: list[dict[str, Any]] = []
    figures: dict[str, Any] = {
        "m": m,
        "n_x": n_x,
        "chunk": chunk,
        "iterations": iterations,
        "bytes": nbytes,
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    local = {
        "n_workers": args.workers,
        "threads_per_worker": args.threads,
        "memory_limit": args.worker_memory,
    }
    try:
        with cluster.connect(args.scheduler or "local", **local) as client:
            figures["cluster"] = cluster.describe(client).split("; dashboard")[0]
            print(f"cluster    {figures['cluster']}", flush=True)
            print(
                f"data       {m:,} × {n_x} float64 = {nbytes / 1e9:.2f} GB, zarr in "
                f"{-(-m // chunk)} chunks of {chunk:,} examples, at {path}",
                flush=True,
            )
            figures["write_s"] = write_data(path, m, n_x, chunk)
            print(f"written    in {figures['write_s']:.1f} s", flush=True)
            data = load_chunked(path)
            X, Y, _ = cluster.persist_if_fits(data.X, data.Y, persist=False)
            seconds, w_stream = _timed_fit(X, Y, iterations)
            rows.append({"path": "dask, streamed from zarr", "s_per_iteration": seconds})
            print(f"measured   dask streamed: {seconds:.3f} s / iteration", flush=True)
            w_persist = None
            if cluster.fits_in_memory(nbytes):
                X, Y, _ = cluster.persist_if_fits(data.X, data.Y, persist=True)
                cluster.compute(X.sum())  # the persist itself is not timed
                seconds, w_persist = _timed_fit(X, Y, iterations)
                rows.append({"path": "dask, persisted in workers", "s_per_iteration": seconds})
                print(f"measured   dask persisted: {seconds:.3f} s / iteration", flush=True)
                del X, Y
        X_np, Y_np = _load_numpy(path)
        seconds, w_numpy = _timed_fit(X_np, Y_np, iterations)
        del X_np, Y_np
        rows.insert(0, {"path": "numpy, in memory (1 process)", "s_per_iteration": seconds})
        print(f"measured   numpy in memory: {seconds:.3f} s / iteration", flush=True)
        differences = [relative_error(w_stream, w_numpy)]
        if w_persist is not None:
            differences.append(relative_error(w_persist, w_numpy))
        figures["max_relative_difference_w"] = max(differences)
        if figures["max_relative_difference_w"] > DASK_RTOL:
            raise SystemExit(
                f"dask_bench: dask and numpy disagree after {iterations} iterations: relative "
                f"difference {figures['max_relative_difference_w']:.2e} > {DASK_RTOL:g}"
            )
    finally:
        if args.keep:
            print(f"kept       {path}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return figures


def table(figures: dict[str, Any]) -> str:
    numpy_s = figures["rows"][0]["s_per_iteration"]
    lines = [
        f"Gradient descent, seconds per iteration, X = {figures['m']:,} × {figures['n_x']} "
        f"float64 ({figures['bytes'] / 1e9:.2f} GB), {figures['iterations']} iterations, "
        f"{figures['cpus']} CPUs; cluster {figures['cluster']}",
        "",
        "| path | s / iteration | relative to numpy |",
        "|---|---:|---:|",
    ]
    for row in figures["rows"]:
        ratio = row["s_per_iteration"] / numpy_s
        lines.append(f"| {row['path']} | {row['s_per_iteration']:.3f} | {ratio:.2f}x |")
    lines.append("")
    lines.append(
        f"Writing the zarr store took {figures['write_s']:.1f} s; all paths reached the same w "
        f"(largest relative difference {figures['max_relative_difference_w']:.1e})."
    )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dask_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="2e5 × 20, 3 iterations (CI)")
    parser.add_argument("--m", type=int, help="examples (default 8e6, quick 2e5)")
    parser.add_argument("--n-x", type=int, help="features (default 100, quick 20)")
    parser.add_argument("--chunk", type=int, help="examples per chunk (default 1e5)")
    parser.add_argument("--iterations", type=int, help="updates timed (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per local worker")
    parser.add_argument(
        "--worker-memory",
        default=WORKER_MEMORY,
        help=f"memory limit per local worker (default {WORKER_MEMORY}); the persisted row "
        f"needs X / {cluster.PERSIST_FRACTION:g} in all",
    )
    parser.add_argument("--scheduler", help="an existing cluster's address instead of a local one")
    parser.add_argument("--dir", default=".", help="where to write the data set (default .)")
    parser.add_argument("--keep", action="store_true", help="keep the data set afterwards")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    figures = run(args)
    print()
    print(table(figures))
    if args.json:
        atomic_write_bytes(args.json, (json.dumps(figures, indent=2) + "\n").encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
