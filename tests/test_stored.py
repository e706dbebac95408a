"""The disk store of the oracles' values: the same numbers as jax, read back without jax."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import oracle_values
from autograd_lr import oracles
from autograd_lr.checking import stored
from autograd_lr.checking.check import check_gradients, prepare
from autograd_lr.checking.expected import default_problems
from autograd_lr.checking.mistakes import MODELS
from autograd_lr.course import propagate
from autograd_lr.tolerances import relative_error
from learner_programs import BY_NAME

SRC = Path(__file__).resolve().parents[1] / "src"
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(stored.CACHE_ENV, str(tmp_path))
    stored.folder.cache_clear()
    yield tmp_path
    stored.folder.cache_clear()


def test_a_check_keeps_jax_values_and_the_next_reads_them_back(store: Path) -> None:
    # seed 1: problems whose values are not shipped, so jax computes and the store keeps them
    assert check_gradients(propagate, seed=1).passed
    assert len(list(store.glob("*.npy"))) == len(default_problems(1))
    again = prepare(seed=1, eager=False)
    for o in again.oracles:
        p = o.problem
        grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y)
        kept = o._stored["reference"]  # read from disk when prepared, before any call
        np.testing.assert_array_equal(kept.dw, grads["dw"])
        assert (kept.db, kept.cost) == (grads["db"], J)  # exactness is the claim: the same bytes


def test_a_file_of_the_wrong_shape_or_a_store_turned_off_is_not_read(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = default_problems(1)[0]  # not shipped: the store's file is what load reads
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
    # seed 1: problems whose values are not shipped (the default ones are, see below)
    program = textwrap.dedent(
        """
        import sys
        from autograd_lr import check_gradients, propagate
        assert check_gradients(propagate, seed=1).passed
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


# --- the values shipped with the package (tools/oracle_values.py) -----------------------------

REGENERATE = "run `python tools/oracle_values.py` to compute them again with jax"


def _shipped_file() -> dict[str, Any]:
    content: dict[str, Any] = json.loads(stored.SHIPPED.read_text(encoding="utf-8"))
    return content


def test_the_shipped_values_are_for_the_code_users_run() -> None:
    """Stale (written for other source of the cost, the oracles or the models) is a failure:
    the package would still be right, but a learner's first check would start jax."""
    content = _shipped_file()
    assert content["format"] == stored.FORMAT, REGENERATE
    assert content["definitions"] == stored.definitions_digest(), (
        f"the shipped oracle values were computed for other source of {stored._DEFINING}: "
        + REGENERATE
    )
    wanted = {
        stored.digest_of(str(stored.key(p, lambd, name)))
        for lambd in oracle_values.LAMBDAS
        for p in default_problems(oracle_values.SEED)
        for name in (stored.REFERENCE, *MODELS)
    }
    assert set(content["values"]) == wanted, REGENERATE
    assert stored.shipped().keys() == wanted


@pytest.mark.slow
def test_the_shipped_values_are_jax_values_now() -> None:
    """Every shipped value, computed again by jax (nothing read from a store), agrees to
    the rounding of one compiled program against another, and so does each reference with
    the one from the very program a check compiles for it."""
    content = _shipped_file()["values"]
    fresh = oracle_values.generate()["values"]
    assert fresh.keys() == content.keys(), REGENERATE
    worst = max(relative_error(content[k]["values"], fresh[k]["values"]) for k in fresh)
    assert worst <= oracles.JAX_RECOMPUTE_RTOL, f"shipped values drifted from jax by {worst:.3g}"
    # the lazy check's own program for the reference, on every problem and λ
    for lambd in oracle_values.LAMBDAS:
        for p in default_problems(oracle_values.SEED):
            grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y, lambd)
            file = stored.digest_of(str(stored.key(p, lambd, stored.REFERENCE)))
            ours = np.array(content[file]["values"])
            assert relative_error(ours, [J, grads["db"], *grads["dw"].ravel()]) <= (
                oracles.JAX_RECOMPUTE_RTOL
            )


def test_shipped_values_are_read_before_the_users_store_and_never_when_off(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = default_problems()[0]
    found = stored.load(p, 0.0, stored.REFERENCE)
    assert found is not None  # shipped: nothing in the empty store
    assert not list(store.iterdir())
    dw, db, cost = found
    assert dw.shape == (p.n_x, 1)
    grads, J = oracles.jax_value_and_gradients(p.w, p.b, p.X, p.Y)
    assert relative_error([cost, db, *dw.ravel()], [J, grads["db"], *grads["dw"].ravel()]) <= (
        oracles.JAX_RECOMPUTE_RTOL
    )
    # a prepared check holds them before any call, for the reference and every model
    o = prepare(eager=False).oracles[0]
    assert set(o._stored) == {stored.REFERENCE, *MODELS}
    monkeypatch.setenv(stored.CACHE_ENV, "off")  # the tests' setting: jax computes everything
    assert stored.load(p, 0.0, stored.REFERENCE) is None
    assert prepare(eager=False).oracles[0]._stored == {}


def test_an_unwritable_home_still_reads_the_shipped_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(stored.CACHE_ENV, str(blocker / "oracles"))  # cannot be created
    stored.folder.cache_clear()
    try:
        assert stored.folder() is None
        assert stored.load(default_problems()[0], 0.0, stored.REFERENCE) is not None
        assert stored.load(default_problems(1)[0], 0.0, stored.REFERENCE) is None
    finally:
        stored.folder.cache_clear()


def test_a_stale_or_broken_shipped_file_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Path
) -> None:
    content = _shipped_file()
    p = default_problems()[0]
    planted = tmp_path / "oracle_values.json"
    monkeypatch.setattr(stored, "SHIPPED", planted)
    for broken in (
        {**content, "definitions": "0" * 64},  # written for other source
        {**content, "format": stored.FORMAT + " (another layout)"},
        {"values": content["values"]},  # not our layout
    ):
        planted.write_text(json.dumps(broken), encoding="utf-8")
        stored.shipped.cache_clear()
        assert stored.shipped() == {}
        assert stored.load(p, 0.0, stored.REFERENCE) is None
    planted.write_text("{ not json", encoding="utf-8")
    stored.shipped.cache_clear()
    assert stored.shipped() == {}
    # a value whose length is not the problem's is refused, like a stored file
    file = stored.digest_of(str(stored.key(p, 0.0, stored.REFERENCE)))
    wrong_length = {**content, "values": {file: {"values": [1.0, 2.0, 3.0]}}}
    planted.write_text(json.dumps(wrong_length), encoding="utf-8")
    stored.shipped.cache_clear()
    try:
        assert file in stored.shipped()
        assert stored.load(p, 0.0, stored.REFERENCE) is None
    finally:
        monkeypatch.undo()
        stored.shipped.cache_clear()


# A learner's first checks: the exercise's propagate (the catalogue's programs with its
# mistakes, and right ones) and its L2 form (right and wrong), each report as plain data.
FRESH_CHECKS = r"""
import linecache
from autograd_lr import check_gradients
from autograd_lr.teaching import exercises
from learner_programs import BY_NAME

def summary(report):
    return [report.passed, sorted(report.wrong), sorted(report.mistakes), sorted(report.rules),
            [[list(d.quantities), list(d.mistakes), list(d.rules), d.line, d.fix]
             for d in report.diagnosis]]

def checks(names, budget):
    out = {}
    for name in names:
        program = BY_NAME[name]
        filename = f"<catalogue {name}>"
        linecache.cache[filename] = (
            len(program.source), None, program.source.splitlines(True), filename
        )
        namespace = {"__name__": f"learner_{name}"}
        exec(compile(program.source, filename, "exec"), namespace)
        out[name] = summary(check_gradients(namespace["propagate"], search_budget=budget))
    out["l2 solution"] = summary(exercises.check_propagate_l2(exercises.solution("propagate_l2")))
    out["l2 without λ"] = summary(exercises.check_propagate_l2(exercises.solution("propagate")))
    return out
"""
# ... run as a fresh process: the reports, then whether jax was imported
FRESH_PROCESS = r"""
import json, sys
print(json.dumps(checks(sys.argv[1].split(","), float(sys.argv[2]))))
print(json.dumps("jax" in sys.modules))
"""
# the most asked-about mistake, the misleading ones of the feedback issue, a loop, a pass
FRESH_PROGRAMS = (
    "cost_dot_y_transposed_log_a",
    "bias_added_outside_sigmoid",
    "cost_is_a_minus_y",
    "db_sum_of_dw",
    "loop_range_from_1",
    "missing_mean_and_bias_sign_flipped",
    "return_cost_then_grads",
    "lecture_two_loops",
)
# seconds the repair search may take: far more than it needs, so that a busy machine
# cannot make one run stop early and the other not
FRESH_BUDGET = 60.0


@pytest.mark.slow
def test_a_first_check_with_empty_caches_starts_no_jax_and_says_what_jax_would(
    tmp_path: Path,
) -> None:
    """The count that matters is zero: no jax import, so no compilation, for a right or a
    wrong function and its repair; and every report is the one jax's own values give."""
    assert set(FRESH_PROGRAMS) <= set(BY_NAME)
    env = {
        **os.environ,
        stored.CACHE_ENV: str(tmp_path / "oracles"),
        oracles.CACHE_ENV: str(tmp_path / "jax"),
        "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS)]),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            FRESH_CHECKS + FRESH_PROCESS,
            ",".join(FRESH_PROGRAMS),
            str(FRESH_BUDGET),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *_, reports, jax_imported = done.stdout.strip().splitlines()
    assert json.loads(jax_imported) is False
    assert not list((tmp_path / "oracles").glob("*.npy"))  # nothing had to be computed
    fresh = json.loads(reports)
    # here the store is off (conftest): the same checks on jax's values, computed now
    namespace: dict[str, Any] = {"__name__": "fresh_checks"}
    exec(compile(FRESH_CHECKS, "<fresh checks>", "exec"), namespace)
    by_jax = json.loads(json.dumps(namespace["checks"](FRESH_PROGRAMS, FRESH_BUDGET)))
    assert by_jax == fresh
    assert [fresh[n][0] for n in FRESH_PROGRAMS] == [False] * 7 + [True]
    assert fresh["cost_dot_y_transposed_log_a"][3] == ["operand_order"]
    assert (fresh["l2 solution"][0], fresh["l2 without λ"][0]) == (True, False)


def test_the_key_is_the_source_as_imported_not_as_later_on_disk() -> None:
    """A file changed on disk after the import (a git pull in a long notebook session) must
    not key the values the code in memory computes: the digest is taken at import."""
    probe = (
        "import autograd_lr.checking.expected\n"
        "from autograd_lr.checking import stored\n"
        "print(stored.definitions.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "1", done.stdout + done.stderr
