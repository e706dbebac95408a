"""Hostile derivation steps: each one finishes with ``unparsed`` or ``wrong``, never a crash.

A course repository's CI runs ``autograd-lr derivation`` on whatever its learners write:
a step that would make sympy or mpmath compute for hours, overflow, recurse or raise must
come back as a verdict with its reason, and the CLI must write its JSON and exit 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from autograd_lr import check_derivation
from autograd_lr.teaching.arrays import LARGEST_EYE
from autograd_lr.teaching.expressions import LONGEST_STEP

HOSTILE = {  # name: (step, expression) -- each made sympy/mpmath hang or raise
    "latex tower of powers": ("da", r"a^{10^{10^{10}}}"),
    "python tower of powers": ("da", "a**(10**(10**10))"),
    "triple exponential": ("dz", "exp(exp(exp(z)))"),
    "power of a power": ("dz", "z**(z**(z**z))"),
    "sigmoid of a huge number": ("dz", "sigma(exp(exp(z)))"),
    "float overflow": ("da", "1e400"),
    "nested integer powers": ("da", "a**(((10**64)**64)**64)"),
    "latex nested powers": ("da", r"a^{((10^{64})^{64})^{64}}"),
    "huge integer": ("da", "9" * 900),
    "huge latex integer": ("da", r"\frac{" + "9" * 900 + "}{a}"),
    "eye beyond its bound": ("dJ_db", "sum(dZ)/m + 0*sum(eye(m**1000))"),
    "eye of a huge size": ("dJ_db", f"sum(dZ)/m + 0*sum(eye({LARGEST_EYE + 1}))"),
    "eye of a fraction": ("dJ_db", "sum(dZ)/m + 0*sum(eye(m/2))"),
    "long sum": ("da", "a - y" + " + 0*a" * 3000),
    "long sum within the length bound": ("dz", "a - y" + " + 0*a" * 160 + " + 1"),
    "deep parentheses": ("dz", "(" * 400 + "z" + ")" * 400),
    "deep latex braces": ("dz", "{" * 300 + "z" + "}" * 300),
    "deep calls": ("dz", "exp(" * 150 + "z" + ")" * 150),
    "division by zero": ("dz", "a/0"),
    "array division by zero": ("dJ_db", "sum(dZ)/0"),
    "unknown function, LaTeX": ("dz", r"\Gamma(z)"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_steps_get_a_verdict_with_its_reason(name: str) -> None:
    step, text = HOSTILE[name]
    report = check_derivation({step: text})
    result = report[step]
    assert not report.passed
    assert result.verdict in ("unparsed", "wrong")
    if result.verdict == "unparsed":
        assert result.error  # the reason is said


def test_a_step_beyond_the_length_bound_says_so() -> None:
    result = check_derivation({"da": "a - y" + " + 0*a" * 3000})["da"]
    assert result.verdict == "unparsed"
    assert str(LONGEST_STEP) in (result.error or "")


def test_towers_of_powers_are_refused_by_name_in_every_language() -> None:
    for text in (r"a^{10^{10^{10}}}", "a**(10**(10**10))", sympy.Symbol("a") ** (10**80)):
        result = check_derivation({"da": text})["da"]
        assert result.verdict == "unparsed"
        assert "exponent" in (result.error or "") or "10^100" in (result.error or "")


def test_an_unknown_function_in_a_sympy_array_step_is_unparsed() -> None:
    g = sympy.Function("g")
    result = check_derivation({"dJ_db": g(sympy.Symbol("dZ"))})["dJ_db"]
    assert result.verdict == "unparsed"
    assert "'g'" in (result.error or "")


def test_an_array_step_that_cannot_be_evaluated_is_wrong_with_a_note() -> None:
    result = check_derivation({"dJ_db": f"sum(dZ)/m + 0*sum(eye({LARGEST_EYE + 1}))"})["dJ_db"]
    assert result.verdict == "wrong"
    assert "cannot evaluate" in (result.note or "")


def test_the_bounds_leave_honest_steps_alone() -> None:
    """Planted next to the hostile ones: the guards must not fail a right step."""
    report = check_derivation({
        "da": r"-\frac{y}{a} + \frac{1-y}{1-a}",
        "da_dz": "exp(-z) / (1 + exp(-z))**2",
        "dz": "da * da_dz",
        "dw": "x * dz",
        "db": r"\frac{1}{1+e^{-z}} - y",
        "dJ_dw": "X @ dZ.T / m + 0 * eye(n_x) @ w",
        "dJ_db": r"\frac{1}{m}\sum_{i=1}^{m} dZ^{(i)}",
    })  # fmt: skip
    assert report.passed, str(report)


def test_the_cli_writes_its_json_and_exits_1_on_every_hostile_step(tmp_path: Path) -> None:
    """One block per hostile step; the CLI runs in a process that is stopped if it hangs."""
    blocks = "\n".join(f"```derivation\n{step} = {text}\n```\n" for step, text in HOSTILE.values())
    document = tmp_path / "hostile.md"
    document.write_text(f"# Hostile derivations\n\n{blocks}", encoding="utf-8")
    target = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lr.cli", "derivation", str(document),
         "--json", "--output", str(target)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    payload = json.loads(target.read_text(encoding="utf-8"))
    assert payload["outcome"] == "fail"
    assert len(payload["blocks"]) == len(HOSTILE)
    assert all(s["verdict"] in ("unparsed", "wrong") for s in payload["steps"])


def test_a_step_whose_judging_raises_is_wrong_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last net: whatever evaluating a step raises, the others are still judged."""
    from autograd_lr.teaching import derivation

    def explode(*args: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(derivation, "_scalar_values", explode)
    report = check_derivation({"dz": "a - y", "dJ_db": "np.sum(dZ) / m"})
    assert report["dz"].verdict == "wrong"
    assert "nests too deeply" in (report["dz"].note or "")  # in words, no exception class
    assert report["dJ_db"].verdict in ("ok", "follows_from_wrong")
    assert "nests too deeply" in str(report)
