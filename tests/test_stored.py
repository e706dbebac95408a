"""The disk store of the oracles' values: the same numbers as jax, read back without jax."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograd_lr import oracles
from autograd_lr.checking import stored
from autograd_lr.checking.check import check_gradients, prepare
from autograd_lr.checking.expected import default_problems
from autograd_lr.course import propagate

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(stored.CACHE_ENV, str(tmp_path))
    stored.folder.cache_clear()
    yield tmp_path
    stored.folder.cache_clear()


def test_a_check_keeps_jax_values_and_the_next_reads_them_back(store: Path) -> None:
    assert check_gradients(propagate).passed
    assert len(list(store.glob("*.npy"))) == len(default_problems())
    again = prepare(eager=False)
    for o in again.oracles:
        p = o.problem
        grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y)
        kept = o._stored["reference"]  # read from disk when prepared, before any call
        np.testing.assert_array_equal(kept.dw, grads["dw"])
        assert (kept.db, kept.cost) == (grads["db"], J)  # exactness is the claim: the same bytes


def test_a_file_of_the_wrong_shape_or_a_store_turned_off_is_not_read(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = default_problems()[0]
    name = stored.key(p, 0.0, "reference")
    assert name is not None
    np.save(store / name, np.zeros(3))  # not (n_x + 2,) values
    assert stored.load(p, 0.0, "reference") is None
    assert stored.key(p, 0.5, "reference") != name  # λ is part of the key
    monkeypatch.setenv(stored.CACHE_ENV, "off")
    stored.folder.cache_clear()
    assert stored.load(p, 0.0, "reference") is None


@pytest.mark.slow
def test_a_fresh_process_passes_a_correct_function_without_jax(tmp_path: Path) -> None:
    program = textwrap.dedent(
        """
        import sys
        from autograd_lr import check_gradients, propagate
        assert check_gradients(propagate).passed
        print("jax" in sys.modules)
        """
    )
    env = {**os.environ, stored.CACHE_ENV: str(tmp_path), "PYTHONPATH": str(SRC)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["True"], ["False"]]  # jax computes once, then the store answers
