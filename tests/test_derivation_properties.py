"""Hypothesis: equivalent rewritings of a right step pass; any visible change of it fails."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lr import check_derivation

# Equivalent ways to write a = σ(z), and the steps in terms of {a}.
A_FORMS = ["a", "sigma(z)", "sigmoid(z)", "1/(1 + exp(-z))", "exp(z)/(1 + exp(z))"]
STEP_FORMS = {  # in the order derived
    "da": ["-y/{a} + (1-y)/(1-{a})", "({a} - y)/({a}*(1 - {a}))", "-(y/{a} - (1-y)/(1-{a}))"],
    "da_dz": ["{a}*(1 - {a})", "exp(-z)/(1 + exp(-z))**2", "{a} - {a}**2"],
    "dz": ["da * {a}*(1-{a})", "{a} - y", "-(y - {a})", "da * da_dz"],
    "dw": ["x * dz", "dz * x", "x*({a} - y)", "x*da*da_dz"],
    "db": ["dz", "{a} - y", "da * da_dz"],
}
# Pieces that are never zero in the domain (0 < a < 1, |z| <= 30), for identity rewritings.
NONZERO = ["a", "(1 - a)", "exp(z)", "(1 + exp(-z))", "(2 + y)", "(x*x + 1)"]
ANY = [*NONZERO, "y", "z", "x", "w*x + b", "log(a)"]


@st.composite
def rewriting(draw: st.DrawFn, expression: str) -> str:
    """``expression`` rewritten by an identity: x·t/t, x + t − t, or (x − t) + t."""
    kind = draw(st.sampled_from(["scale", "add", "shift", "none"]))
    if kind == "scale":
        t = draw(st.sampled_from(NONZERO))
        return f"(({expression})*{t})/{t}"
    if kind == "add":
        t = draw(st.sampled_from(ANY))
        return f"({expression}) + ({t}) - ({t})"
    if kind == "shift":
        k = draw(st.integers(2, 9))
        return f"{k}*({expression})/{k}"
    return expression


@st.composite
def derivation(draw: st.DrawFn) -> dict[str, str]:
    """da, da_dz, dz, dw, db, each in one of its forms, a = σ(z) written one of five ways."""
    steps = {}
    for name, forms in STEP_FORMS.items():
        template = draw(st.sampled_from(forms))
        form = draw(st.sampled_from(A_FORMS))
        a = form if form == "a" else f"({form})"
        steps[name] = draw(rewriting(template.format(a=a)))
    return steps


@settings(max_examples=40, deadline=None)
@given(derivation())
def test_equivalent_rewritings_pass(steps: dict[str, str]) -> None:
    report = check_derivation(steps)
    assert report.passed, f"{steps}\n{report}"


@settings(max_examples=25, deadline=None)
@given(
    step=st.sampled_from(["dz", "dw", "db"]),
    t=st.sampled_from(ANY),
    c=st.sampled_from(["1", "-1", "1/1000", "3", "1e-6"]),
)
def test_a_visible_change_of_a_right_step_fails(step: str, t: str, c: str) -> None:
    """The right step plus c·t, t never identically zero: wrong, whatever sympy would say."""
    right = {"dz": "a - y", "dw": "x*(a - y)", "db": "a - y"}[step]
    report = check_derivation({step: f"{right} + {c}*({t})"})
    assert not report.passed and report.first_wrong is not None
    assert report.first_wrong.name == step and report.first_wrong.verdict == "wrong"
