r"""The hand-derived gradient on a real dask.distributed cluster: same answers, on the workers.

One ``LocalCluster`` for the module: 2 worker processes of 1 thread each, loopback only,
no dashboard, :data:`WORKER_MEMORY` bytes each (the nanny kills a worker that goes above
95 % of it). The claims:

- the gradient, cost and Hessian of dask data equal numpy's, computed on the workers;
- ``LogisticRegressionGD.fit`` (both solvers) on dask data equals the in-memory fit;
- a data set larger than one worker's memory trains, read from disk chunk by chunk at
  every iteration, never gathered;
- killing a worker in the middle of a fit does not change the answer;
- jax.grad on a sample of examples, and directional differences of the cost on all of
  them, agree with the dask gradient;
- ``autograd-lr train --data DIR --dask ADDRESS|local``.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream, wait

from autograd_lr import cli, forward, gradients, oracles, problems
from autograd_lr.checking import check
from autograd_lr.datasets import ChunkedDataset, Standardizer, load_chunked, save_chunked
from autograd_lr.fast import cluster
from autograd_lr.tolerances import (
    DASK_RTOL,
    JAX_RTOL,
    gradient_scale,
    relative_error,
)
from autograd_lr.training import objective, solvers
from autograd_lr.training.estimator import LogisticRegressionGD
from autograd_lr.training.persistence import load_model

REPO = Path(__file__).resolve().parents[1]

# All cluster tests on one pytest-xdist worker, so that `make test` starts one cluster.
pytestmark = pytest.mark.xdist_group("dask")

# Memory limit per worker process. An idle worker holding numpy, dask, distributed and
# zarr takes about 145 MB; streaming adds one or two 12 MB chunks and their (1, m_c)
# temporaries (measured peak ≈ 200 MB), below the 80 % at which a worker pauses.
WORKER_MEMORY = 300_000_000
# One evaluation, dask vs numpy: the same float64 operations with the sums over examples
# split per chunk and added in a tree; observed ≲ 4e-16 relative to the gradient scale.
ONE_PASS_RTOL = 1e-13
# The streaming test reads X once per pass; besides X, the workers read y (1/n_x of X),
# zarr's metadata and the odd library file: far below half a pass.
READ_SLACK = 0.5


@pytest.fixture(scope="module")
def client(tmp_path_factory: Any) -> Any:
    with (
        LocalCluster(
            local_directory=str(tmp_path_factory.mktemp("dask-workers")),  # not /tmp itself
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # a free port: never clash with another cluster
            memory_limit=WORKER_MEMORY,
        ) as local,
        Client(local) as c,
    ):
        yield c


@pytest.fixture(autouse=True)
def _whole_cluster_first(client: Any) -> None:
    """Every test starts on the whole cluster: a worker killed by an earlier test may
    still be restarting: a test that needs a state waits for it, so the suite passes on a busy
    machine."""
    whole_cluster(client)


def planted(n_x: int, m: int, seed: int, z_max: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """``X (n_x, m)`` from make_problem and labels drawn from its (w, b): y ~ Bernoulli(σ(z))."""
    p = problems.make_problem(n_x, m, seed, z_max=z_max)
    A = forward.sigmoid(forward.logits(p.w, p.b, p.X))
    Y = (np.random.default_rng(seed).random((1, m)) < A).astype(np.float64)
    return p.X, Y


@pytest.fixture(scope="module")
def small(tmp_path_factory: Any) -> tuple[ChunkedDataset, np.ndarray, np.ndarray]:
    """8 features × 40 000 examples in 8 zarr chunks, and the same data in memory."""
    X, Y = planted(8, 40_000, seed=11)
    path = save_chunked(tmp_path_factory.mktemp("small") / "d", X, Y, chunk_size=5_000)
    return load_chunked(path), X, Y


def _workers(client: Client) -> set[str]:
    return set(client.scheduler_info(n_workers=-1)["workers"])


# How long a test waits for the cluster to be whole again (a killed worker restarted by
# its nanny). Idle, it takes about a second; on a 2-core machine with both cores busy,
# the restart (a new Python process importing dask and numpy) was seen to take far longer.
CLUSTER_READY_SECONDS = 180.0


def whole_cluster(client: Client, gone: frozenset[int] = frozenset()) -> dict[str, int]:
    """Wait until both workers are registered AND answer, none of them a process in ``gone``.

    ``client.wait_for_workers(2)`` alone is not enough: right after a worker is killed the
    scheduler may still count it, then drop it while its replacement is starting, and a
    test that reads the cluster's memory in that gap sees one worker (a flaky failure
    seen under load). Returns the workers' process ids.
    """
    deadline = time.monotonic() + CLUSTER_READY_SECONDS
    while True:
        client.wait_for_workers(2, timeout=CLUSTER_READY_SECONDS)
        pids = client.run(os.getpid)
        if len(pids) == 2 and not set(pids.values()) & gone and len(_workers(client)) == 2:
            return pids
        if time.monotonic() > deadline:
            raise TimeoutError(f"the cluster did not get two live workers back: {pids}")
        time.sleep(0.2)


def _ran_on_the_workers(client: Client, tasks: list[dict[str, Any]]) -> None:
    assert tasks, "no task reached the cluster"
    assert {t["worker"] for t in tasks} == _workers(client)  # both workers, and only them


def test_gradient_cost_and_hessian_of_dask_data_equal_numpy(client, small):
    data, X, Y = small
    p = problems.make_problem(8, 1, seed=5)  # parameters only
    lambd = 0.7
    with get_task_stream(client) as stream:
        grads, J = gradients.gradients_vectorized(p.w, p.b, data.X, data.Y, lambd)
        cost = forward.cost(p.w, p.b, data.X, data.Y, lambd)
        H = gradients.hessian(p.w, p.b, data.X, lambd)
        assert all(cluster.is_dask(v) for v in (grads["dw"], grads["db"], J, cost, H))  # lazy
        dw, db, J_, cost_, H_ = cluster.compute(grads["dw"], grads["db"], J, cost, H)
    _ran_on_the_workers(client, stream.data)
    expected, J0 = gradients.gradients_vectorized(p.w, p.b, X, Y, lambd)
    scale = gradient_scale(X, p.w, lambd)
    assert relative_error(dw, expected["dw"], scale) <= ONE_PASS_RTOL
    assert relative_error(db, expected["db"], scale) <= ONE_PASS_RTOL
    assert relative_error(J_, J0, 1.0) <= ONE_PASS_RTOL
    assert relative_error(cost_, J0, 1.0) <= ONE_PASS_RTOL
    assert relative_error(H_, gradients.hessian(p.w, p.b, X, lambd), scale) <= ONE_PASS_RTOL


def test_the_solvers_per_chunk_pass_equals_numpy_in_fewer_tasks(client, small):
    data, X, Y = small
    p = problems.make_problem(8, 1, seed=5)
    lambd = 0.7
    with get_task_stream(client) as stream:
        grads, J = cluster.chunked_cost_and_gradients(
            p.w, p.b, data.X, data.Y, lambd, objective.chunk_cost_and_gradients
        )
        dw, db, J_ = cluster.compute(grads["dw"], grads["db"], J)
    _ran_on_the_workers(client, stream.data)
    with get_task_stream(client) as whole_array:
        cluster.compute(
            *gradients.gradients_vectorized(p.w, p.b, data.X, data.Y, lambd)[0].values()
        )
    # One task per chunk for (dw, db, J), against several per chunk for each @ and sum.
    assert 2 * len(stream.data) < len(whole_array.data)
    expected, J0 = gradients.gradients_vectorized(p.w, p.b, X, Y, lambd)
    scale = gradient_scale(X, p.w, lambd)
    assert relative_error(dw, expected["dw"], scale) <= ONE_PASS_RTOL
    assert relative_error(db, expected["db"], scale) <= ONE_PASS_RTOL
    assert relative_error(J_, J0, 1.0) <= ONE_PASS_RTOL


def test_the_per_chunk_hessian_equals_numpy_in_fewer_tasks(client, small):
    """Each chunk's share λ m_c / m of the penalty adds up to the λ/m on the w block."""
    data, X, _ = small
    p = problems.make_problem(8, 1, seed=6)
    for lambd in (0.0, 0.7):
        with get_task_stream(client) as stream:
            (H,) = cluster.compute(cluster.chunked_hessian(p.w, p.b, data.X, lambd))
        _ran_on_the_workers(client, stream.data)
        expected = gradients.hessian(p.w, p.b, X, lambd)
        scale = max(1.0, float(np.max(X**2)) / 4, lambd / X.shape[1])
        assert relative_error(H, expected, scale) <= ONE_PASS_RTOL, lambd
    with get_task_stream(client) as whole_array:
        cluster.compute(gradients.hessian(p.w, p.b, data.X, 0.7))
    assert len(stream.data) < len(whole_array.data)


def test_predict_proba_stays_lazy_on_dask(client, small):
    data, X, _ = small
    model = LogisticRegressionGD(solver="newton").fit(data.X_rows, data.y)
    proba = model.predict_proba(data.X_rows)
    log_proba = model.predict_log_proba(data.X_rows)
    assert cluster.is_dask(proba) and cluster.is_dask(log_proba)
    assert proba.shape == (data.m, 2)
    in_memory = model.predict_proba(X.T)
    computed, computed_log = cluster.compute(proba, log_proba)
    np.testing.assert_allclose(computed, in_memory, rtol=ONE_PASS_RTOL)
    np.testing.assert_allclose(np.exp(computed_log), in_memory, rtol=1e-12)


@pytest.mark.parametrize("solver", ["gd", "newton"])
def test_estimator_on_dask_equals_the_in_memory_fit(client, small, solver):
    data, X, Y = small
    # gd: exactly 12 updates (tol=0); newton: to convergence, which takes the same steps.
    options = {"gd": {"tol": 0.0, "max_iter": 12}, "newton": {"tol": 1e-10}}[solver]
    reference = LogisticRegressionGD(solver=solver, C=2.0, **options).fit(X.T, Y.ravel())
    with get_task_stream(client) as stream:
        fitted = LogisticRegressionGD(solver=solver, C=2.0, **options).fit(data.X_rows, data.y)
    _ran_on_the_workers(client, stream.data)
    assert fitted.n_iter_ == reference.n_iter_
    assert relative_error(fitted.coef_, reference.coef_) <= DASK_RTOL
    assert relative_error(fitted.intercept_, reference.intercept_) <= DASK_RTOL
    assert relative_error(fitted.cost_history_, reference.cost_history_) <= DASK_RTOL
    np.testing.assert_array_equal(fitted.classes_, reference.classes_)
    assert fitted.n_features_in_ == 8
    # numpy labels with dask features: sent to the workers once, same answer.
    with_numpy_y = LogisticRegressionGD(solver=solver, C=2.0, **options).fit(data.X_rows, Y.ravel())
    assert relative_error(with_numpy_y.coef_, reference.coef_) <= DASK_RTOL
    # Predictions stay lazy and agree with the in-memory model's.
    predicted = fitted.predict(data.X_rows)
    assert cluster.is_dask(predicted)
    np.testing.assert_array_equal(predicted.compute(), reference.predict(X.T))


def test_data_larger_than_a_worker_memory_is_streamed_from_disk(client, tmp_path):
    # 30 features × 1.3 M examples = 312 MB > WORKER_MEMORY, in 26 chunks of 12 MB.
    X, Y = planted(30, 1_300_000, seed=21)
    data = load_chunked(save_chunked(tmp_path / "big", X, Y, chunk_size=50_000))
    chunk_bytes = 50_000 * 30 * 8
    assert data.nbytes > WORKER_MEMORY
    assert not cluster.fits_in_memory(data.nbytes)  # so fit streams rather than persists

    def read_chars() -> int:
        import psutil

        return int(psutil.Process().io_counters().read_chars)

    pids = client.run(os.getpid)
    before = client.run(read_chars)
    options = {"tol": 0.0, "max_iter": 2, "learning_rate": 1.0}
    with get_task_stream(client) as stream:
        fitted = LogisticRegressionGD(**options).fit(data.X_rows, data.y)
    read = sum(client.run(read_chars).values()) - sum(before.values())

    _ran_on_the_workers(client, stream.data)
    assert client.run(os.getpid) == pids  # no worker was killed for memory
    # No task ever held more than one chunk of X: nothing was gathered.
    assert max(t["nbytes"] for t in stream.data) <= chunk_bytes
    # Passes over X: one for the checks and the mean example, then one per evaluation
    # of (dw, db, J), all three from ONE dask.compute (3 evaluations for 2 updates).
    passes = 1 + (options["max_iter"] + 1)
    assert passes * data.nbytes <= read <= (passes + READ_SLACK) * data.nbytes
    reference = LogisticRegressionGD(**options).fit(X.T, Y.ravel())
    assert relative_error(fitted.coef_, reference.coef_) <= DASK_RTOL
    assert relative_error(fitted.intercept_, reference.intercept_) <= DASK_RTOL


def test_a_worker_killed_mid_fit_does_not_change_the_answer(client, small):
    data, X, Y = small
    X_d, Y_d, persisted = cluster.persist_if_fits(data.X, data.Y)
    assert persisted
    wait([X_d, Y_d])
    pids = client.run(os.getpid)
    victim = min(pids)  # a worker address, deterministically
    killed: list[int] = []

    def kill_after_three(k: int, J: float, g: float) -> None:
        if k == 3:
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(k)

    start = {"lambd": 0.5, "learning_rate": 2.0, "max_iter": 8, "tol": 0.0}
    w0 = np.zeros((8, 1))
    with get_task_stream(client) as stream:
        result = solvers.gradient_descent(w0, 0.0, X_d, Y_d, callback=kill_after_three, **start)
    assert killed == [3]
    reference = solvers.gradient_descent(w0, 0.0, X, Y, **start)
    assert result.n_iter == reference.n_iter == 8
    assert relative_error(result.w, reference.w) <= DASK_RTOL
    assert relative_error(result.b, reference.b) <= DASK_RTOL
    assert relative_error(result.costs, reference.costs) <= DASK_RTOL
    # The killed worker's chunks of the persisted X were computed again, from disk.
    recomputed = [t for t in stream.data if isinstance(t["key"], tuple) and t["key"][0] == X_d.name]
    assert 0 < len(recomputed) <= data.n_chunks
    # the nanny starts a new worker; the tests after this one need the whole cluster
    assert pids[victim] not in whole_cluster(client, gone=frozenset({pids[victim]})).values()


def test_jax_on_a_sample_of_examples_agrees_with_the_dask_gradient(client, small):
    data, X, Y = small
    p = problems.make_problem(8, 1, seed=6)
    lambd = 0.3
    idx = np.sort(np.random.default_rng(7).choice(data.m, size=1_000, replace=False))
    grads, J = gradients.gradients_vectorized(p.w, p.b, data.X[:, idx], data.Y[:, idx], lambd)
    dw, db, J_ = cluster.compute(grads["dw"], grads["db"], J)
    # The oracle sees the sample from the in-memory copy, not through dask.
    expected, J_jax = oracles.jax_value_and_gradients(p.w, p.b, X[:, idx], Y[:, idx], lambd)
    scale = gradient_scale(X[:, idx], p.w, lambd)
    assert relative_error(dw, expected["dw"], scale) <= JAX_RTOL
    assert relative_error(db, expected["db"], scale) <= JAX_RTOL
    assert relative_error(J_, J_jax, 1.0) <= JAX_RTOL


def _directional_errors(
    data: ChunkedDataset, w: np.ndarray, b: float, lambd: float, dw: Any, db: Any
) -> list[float]:
    """check.py's fast mode on the full dask data: |vᵀg − D_v| / max(|vᵀg|, |D_v|, s, |J|).

    D_v is the Richardson difference of the cost along unit v, every evaluation of J a
    pass of dask over all the examples on the cluster.
    """

    def f(theta: np.ndarray) -> float:
        w_, b_ = oracles.unpack(theta, data.n_x)
        return float(cluster.compute(forward.cost(w_, b_, data.X, data.Y, lambd))[0])

    mean_abs, mean_square = cluster.compute(
        da.max(da.mean(abs(data.X), axis=1)), da.mean(data.X * data.X)
    )
    scale = max(1.0, float(mean_abs), lambd / data.m * float(np.max(np.abs(w))))
    theta = oracles.pack(w, b)
    J = f(theta)
    g = np.concatenate([np.ravel(dw), np.ravel(db)])
    h = check.DIRECTIONAL_STEP / max(1.0, float(np.sqrt(mean_square)))
    errors = []
    for v in np.random.default_rng(8).standard_normal((check.FAST_DIRECTIONS, data.n_x + 1)):
        v = v / np.linalg.norm(v)
        errors.append(
            relative_error(float(v @ g), check.richardson_along(f, theta, v, h), max(scale, abs(J)))
        )
    return errors


def test_directional_differences_on_all_the_data_agree_and_catch_a_planted_mistake(client, small):
    data = small[0]
    p = problems.make_problem(8, 1, seed=9)
    lambd = 0.3
    grads, _ = gradients.gradients_vectorized(p.w, p.b, data.X, data.Y, lambd)
    dw, db = cluster.compute(grads["dw"], grads["db"])
    assert max(_directional_errors(data, p.w, p.b, lambd, dw, db)) <= check.DIRECTIONAL_RTOL
    # Planted: dZ = A, the "− Y" forgotten; computed by dask like the real one.
    A = forward.sigmoid(forward.logits(p.w, p.b, data.X))
    wrong_dw = data.X @ A.T / data.m + gradients.l2_gradient(p.w, data.m, lambd)
    wrong_db = da.sum(A) / data.m
    wrong = cluster.compute(wrong_dw, wrong_db)
    assert min(_directional_errors(data, p.w, p.b, lambd, *wrong)) > check.DIRECTIONAL_RTOL


def _standardized_reference(X: np.ndarray, Y: np.ndarray, **options: Any) -> Any:
    scaler = Standardizer.fit(X)
    return solvers.newton(np.zeros((X.shape[0], 1)), 0.0, scaler.transform(X), Y, **options)


def test_cli_trains_a_chunked_data_set_on_the_cluster_at_an_address(
    client, small, tmp_path, capsys
):
    data, X, Y = small
    address = client.scheduler.address
    args = ["train", "--data", str(data.path), "--dask", address, "--solver", "newton"]
    args += ["--tol", "1e-10", "--out", str(tmp_path / "out"), "--no-progress"]
    with get_task_stream(client) as stream:
        assert cli.main(args) == cli.EXIT_OK
    _ran_on_the_workers(client, stream.data)
    out = capsys.readouterr().out
    assert f"cluster    {address}: 2 workers, 2 threads" in out
    assert "40000 examples × 8 features" in out
    model = load_model(tmp_path / "out")
    reference = _standardized_reference(X, Y, lambd=1.0, tol=1e-10)
    assert relative_error(model.w, reference.w) <= DASK_RTOL
    assert relative_error(model.b, reference.b) <= DASK_RTOL
    assert model.metadata["iterations"] == reference.n_iter
    accuracy = float(np.mean(model.predict(X) == Y))
    assert model.metadata["train_accuracy"] == pytest.approx(accuracy, abs=0.5 / data.m)
    assert (tmp_path / "out" / "cost.png").is_file()


def test_cli_local_cluster_and_usage_errors(tmp_path, capsys):
    X, Y = planted(3, 2_000, seed=31)
    path = save_chunked(tmp_path / "d", X, Y, chunk_size=500, storage="npy")
    args = ["train", "--data", str(path), "--dask", "local", "--solver", "newton", "--tol", "1e-10"]
    assert cli.main([*args, "--out", str(tmp_path / "out"), "--no-progress"]) == cli.EXIT_OK
    assert "npy chunks of 500 examples" in capsys.readouterr().out
    reference = _standardized_reference(X, Y, lambd=1.0, tol=1e-10)
    assert relative_error(load_model(tmp_path / "out").w, reference.w) <= DASK_RTOL

    assert cli.main(["train", "--dask", "local"]) == cli.EXIT_USAGE
    assert "--dask needs --data DIR" in capsys.readouterr().err
    assert cli.main(["train", "--data", str(tmp_path / "missing")]) == cli.EXIT_USAGE
    assert "no such directory" in capsys.readouterr().err
    # flags of the in-memory path are refused, not silently ignored
    for flag, value in (("--dataset", "two-feature"), ("--test-fraction", "0.3"), ("--seed", "1")):
        argv = ["train", "--data", str(tmp_path / "missing"), flag, value]
        assert cli.main(argv) == cli.EXIT_USAGE
        assert f"{flag} cannot be used with --data" in capsys.readouterr().err


def test_persist_keeps_small_data_and_refuses_unknown_chunks(client, small):
    data = small[0]
    X, Y, persisted = cluster.persist_if_fits(data.X, data.Y)
    assert persisted
    wait([X, Y])
    held = collections.Counter(
        key[0] for keys in client.has_what().values() for key in keys if isinstance(key, tuple)
    )
    assert held[X.name] == data.n_chunks  # every chunk is held by a worker
    _, _, persisted = cluster.persist_if_fits(data.X, data.Y, persist=False)
    assert not persisted
    with pytest.raises(ValueError, match="persist must be"):
        cluster.persist_if_fits(data.X, data.Y, persist="yes")
    masked = data.X_rows[data.X_rows[:, 0] > 0]  # boolean indexing: unknown chunk sizes
    with pytest.raises(ValueError, match=r"unknown chunk sizes .*compute_chunk_sizes"):
        LogisticRegressionGD().fit(masked, da.zeros(1))
    assert cluster.memory_for_data() == 2 * WORKER_MEMORY  # the workers' limits, in all


def test_benchmark_quick_run_on_the_cluster(client, tmp_path):
    """``python -m benchmarks.dask_bench --quick``, as ``make bench`` would run it, on this cluster."""
    figures_path = tmp_path / "figures.json"
    command = [sys.executable, "-m", "benchmarks.dask_bench", "--quick"]
    command += ["--scheduler", client.scheduler.address, "--dir", str(tmp_path / "work")]
    command += ["--json", str(figures_path)]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "| dask, streamed from zarr |" in done.stdout
    figures = json.loads(figures_path.read_text())
    assert [row["path"] for row in figures["rows"]] == [
        "numpy, in memory (1 process)",
        "dask, streamed from zarr",
        "dask, persisted in workers",  # 32 MB fits the workers' 600 MB
    ]
    assert all(row["s_per_iteration"] > 0 for row in figures["rows"])
    assert figures["max_relative_difference_w"] <= DASK_RTOL
    assert list((tmp_path / "work").iterdir()) == []  # the data set is deleted afterwards
