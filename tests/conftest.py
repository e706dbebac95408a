"""Strict numerics for every test (STYLE.md): rank promotion raises, warnings are errors.

Warnings become errors through ``filterwarnings = ["error"]`` in pyproject.toml. jax's
64-bit mode is deliberately *not* switched on globally: the oracles must deliver float64
without the caller remembering ``jax_enable_x64``, and the tests prove they do.
"""

from __future__ import annotations

import os

import jax
from hypothesis import HealthCheck, settings

from catalogue import correct_reports, planted_fast_reports, planted_reports  # noqa: F401

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
