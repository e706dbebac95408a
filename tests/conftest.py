"""Strict numerics for every test: rank promotion raises, warnings are errors.

Warnings become errors through ``filterwarnings = ["error"]`` in pyproject.toml. jax's
64-bit mode is deliberately *not* switched on globally: the oracles must deliver float64
without the caller remembering ``jax_enable_x64``, and the tests prove they do.
"""

from __future__ import annotations

import os

# jax is the oracle of record in the tests: every check computes its values afresh rather
# than reading those a previous run kept on disk (autograd_lr.checking.stored)
os.environ["AUTOGRAD_LR_ORACLE_CACHE"] = "off"

import jax
from hypothesis import HealthCheck, settings

from catalogue import (  # noqa: F401
    correct_reports,
    planted_output_fast_reports,
    planted_output_reports,
    planted_reports,
)

jax.config.update("jax_numpy_rank_promotion", "raise")

# Deterministic, CI-sized property tests; `HYPOTHESIS_PROFILE=thorough` runs more examples.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- the quick loop: `pytest -m "not slow"` ---------------------------------------------------
# Whole modules that start processes, clusters, browsers or kernels: a notebook run, a
# Dask LocalCluster, the grader's sandboxed children, the docs' browser, the benchmark's
# quick run. `make test` runs everything; `make quick` leaves these out (under a minute).
SLOW_MODULES = {
    "test_notebooks",
    "test_dask",
    "test_benchmarks",
    "test_docs",
    "test_grading",
    "test_chunked",
    "test_cli_train",
    "test_derivation_documents",
    "test_learner_notebooks",
}
SLOW_PREFIXES = ("test_grader_", "test_docs_")
# Single tests that take seconds even on an idle machine (hypothesis over jax.hessian,
# subprocesses, a course repository's pytest run): by name, so the list lives in one place.
SLOW_TESTS = {
    "test_hessian_equals_jax_hessian",
    "test_hand_gradients_equal_every_oracle",
    "test_l2_gradient_equals_jax_and_finite_differences",
    "test_any_relative_perturbation_of_one_entry_of_dw_is_caught",
    "test_a_course_repository_checks_its_derivation_in_one_line",
    "test_models_of_wrong_answers_match_their_numpy_form",
    "test_lipschitz_constant_is_the_largest_curvature_by_jax",
    "test_importing_the_package_does_not_import_scikit_learn",
    "test_cli_verify_runs_as_a_console_script",
    "test_python_and_the_cli_train_the_same_model",
    "test_the_contracts_hold_and_a_planted_violation_breaks_them",
    "test_after_prepare_writing_the_summary_imports_nothing",
}


def pytest_collection_modifyitems(config: object, items: list) -> None:  # type: ignore[type-arg]
    import pytest

    for item in items:
        module = item.path.stem
        slow_test = item.name.split("[")[0] in SLOW_TESTS
        if module in SLOW_MODULES or module.startswith(SLOW_PREFIXES) or slow_test:
            item.add_marker(pytest.mark.slow)
