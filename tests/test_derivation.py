"""check_derivation: correct forms pass, planted slips are caught and named, bad input is told."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

from autograd_lr import check_derivation, forward
from autograd_lr.teaching.expressions import DerivationSyntaxError, parse_step

LECTURE = {  # the lecture's chain-rule form, in Python syntax
    "da": "-y/a + (1-y)/(1-a)",
    "da_dz": "a*(1-a)",
    "dz": "da * da_dz",
    "dw": "x * dz",
    "db": "dz",
    "dJ_dw": "X @ dZ.T / m",
    "dJ_db": "np.sum(dZ) / m",
}
a, y, z, x = sympy.symbols("a y z x")

CORRECT = {
    "lecture, Python": LECTURE,
    "simplified": {"da": "(a - y) / (a * (1 - a))", "dz": "a - y", "dw": "x*(a - y)", "db": "a - y"},
    "lecture, LaTeX": {
        "da": r"-\frac{y}{a} + \frac{1-y}{1-a}",
        "da_dz": r"a(1-a)",
        "dz": r"da \cdot da_dz",
        "dw": r"x \cdot dz",
        "db": r"dz",
        "dJ_dw": r"\frac{1}{m} X\,dZ^T",
        "dJ_db": r"\frac{1}{m}\sum_{i=1}^{m} dZ",
    },
    "paper LaTeX": {
        "da": r"-\left(\frac{y}{a} - \frac{1-y}{1-a}\right)",
        "dz": r"\frac{dL}{da} \cdot \frac{da}{dz}".replace(r"\frac{da}{dz}", r"\hat{y}(1-\hat{y})"),
        "dw": r"x_j\,dz",
        "db": r"dz",
    },
    "in z": {
        "da": "-y*(1 + exp(-z)) + (1 - y)*(1 + exp(z))",
        "da_dz": "sigma(z) * (1 - sigma(z))",
        "dz": "da * da_dz",
        "dw": "x * (sigmoid(z) - y)",
        "db": "1/(1 + np.exp(-z)) - y",
    },
    "LaTeX in z": {
        "da_dz": r"\frac{e^{-z}}{(1+e^{-z})^2}",
        "dz": r"\frac{1}{1+e^{-z}} - y",
        "dw": r"x^{(i)} \left(\sigma(z) - y\right)",
    },
    "sympy": {"da": -y / a + (1 - y) / (1 - a), "dz": sympy.Symbol("da") * a * (1 - a), "db": a - y},
    "L2, Python": {"dJ_dw": "np.dot(X, (A - Y).T) / m + lambd / m * w", "dJ_db": "np.mean(A - Y)"},
    "L2, LaTeX": {"dJ_dw": r"\frac{1}{m} X (A - Y)^\top + \frac{\lambda}{m} w", "dJ_db": r"\frac{1}{m}\sum (A - Y)"},
    "the lecture's sums, LaTeX": {
        "dJ_dw": r"\frac{1}{m}\sum_{i=1}^{m} x^{(i)} dz^{(i)}",
        "dJ_db": r"\frac{1}{m}\sum_{i=1}^{m} \left(a^{(i)} - y^{(i)}\right)",
    },
    "Hessian": {"d2J_dw2": "X @ np.diag(A * (1 - A)) @ X.T / m + lambd / m * I"},
}  # fmt: skip


@pytest.mark.parametrize("name", CORRECT)
def test_correct_forms_pass(name: str) -> None:
    lambd = 0.7 if name.startswith(("L2", "Hessian")) else 0.0
    report = check_derivation(CORRECT[name], lambd)
    assert report.passed, str(report)
    assert report.first_wrong is None
    assert [s.verdict for s in report.steps] == ["ok"] * len(CORRECT[name])


# (steps, lambd, first wrong step, the slip's name or None)
PLANTED = [
    ({"da": "y/a - (1-y)/(1-a)"}, 0.0, "da", "flip_sign"),
    ({"da": "y/a + (1-y)/(1-a)"}, 0.0, "da", "flip_sign"),
    ({"da": "-y/a - (1-y)/(1-a)"}, 0.0, "da", "flip_sign"),
    ({"da": r"\frac{y}{a} - \frac{1-y}{1-a}"}, 0.0, "da", "flip_sign"),
    ({"da": "-y/a + 1/(1-a)"}, 0.0, "da", "add_one_minus_y_term"),
    ({"da": "-y/a"}, 0.0, "da", "add_one_minus_y_term"),
    ({"da": LECTURE["da"], "da_dz": "a"}, 0.0, "da_dz", "add_sigma_prime"),
    ({"da_dz": "(a*(1-a))**2"}, 0.0, "da_dz", "remove_sigma_prime"),
    ({"da": LECTURE["da"], "dz": "da"}, 0.0, "dz", "add_sigma_prime"),
    ({"dz": "(a - y)*a*(1-a)"}, 0.0, "dz", "remove_sigma_prime"),
    ({"da": LECTURE["da"], "dz": r"da \cdot a(1-a) \cdot a(1-a)"}, 0.0, "dz", "remove_sigma_prime"),
    ({"dz": "y - a"}, 0.0, "dz", "flip_sign"),
    ({"dz": "a - y", "dw": "dz"}, 0.0, "dw", "add_input"),
    ({"dz": "a - y", "dw": "-x*dz"}, 0.0, "dw", "flip_sign"),
    ({"dw": "x*(a - y)*a*(1 - a)"}, 0.0, "dw", "remove_sigma_prime"),
    ({"dz": "a - y", "db": "x*dz"}, 0.0, "db", "remove_input"),
    ({"dJ_dw": "X @ dZ.T"}, 0.0, "dJ_dw", "add_mean"),
    ({"dJ_db": "np.sum(dZ)"}, 0.0, "dJ_db", "add_mean"),
    ({"dJ_dw": r"X\,dZ^T + \frac{\lambda}{m} w"}, 0.7, "dJ_dw", "add_mean"),
    ({"dJ_dw": "X @ dZ.T / m + lambd * w"}, 0.7, "dJ_dw", "divide_l2_by_m"),
    ({"dJ_dw": "X @ dZ.T / m"}, 0.7, "dJ_dw", "add_l2_term"),
    ({"dJ_db": "np.sum(dZ) / m + lambd / m * b"}, 0.7, "dJ_db", "unregularize_bias"),
    ({"d2J_dw2": "X @ np.diag(A * (1 - A)) @ X.T + lambd / m * I"}, 0.7, "d2J_dw2", "add_mean"),
    ({"d2J_dw2": "X @ np.diag(A * (1 - A)) @ X.T / m + lambd * I"}, 0.7, "d2J_dw2", "divide_l2_by_m"),
    ({"dz": "a - y + 1e-9 * a"}, 0.0, "dz", None),  # off by 1e-9: sympy-free, still caught
    # padded by 1e-13 of the size of its terms: beyond the reference's error (0.5 ulp of it)
    ({"da": "-y/a + (1-y)/(1-a) + 1e-13/(a*(1-a))"}, 0.0, "da", None),
    ({"dz": "a - y + 1e-13 * z"}, 0.0, "dz", None),
    # constants written for one problem's shape (n_x, m) = (3, 5): the other is (4, 7)
    ({"dJ_db": "sum(dZ)/5"}, 0.0, "dJ_db", None),
    ({"dJ_dw": "X @ dZ.T / 5"}, 0.0, "dJ_dw", None),
    ({"dJ_dw": "X @ dZ.T / m + lambd/5*w"}, 0.7, "dJ_dw", None),
    ({"dJ_dw": "X @ dZ.T / (m + n_x - 3)"}, 0.0, "dJ_dw", None),
    ({"d2J_dw2": "X @ np.diag(A * (1 - A)) @ X.T / m + lambd / m * eye(3)"}, 0.7, "d2J_dw2", None),
]  # fmt: skip


@pytest.mark.parametrize(("steps", "lambd", "step", "slip"), PLANTED)
def test_planted_slips_are_caught_at_the_right_step_and_named(steps, lambd, step, slip) -> None:
    report = check_derivation(steps, lambd)
    assert not report.passed
    first = report.first_wrong
    assert first is not None and first.name == step and first.verdict == "wrong", str(report)
    assert first.mistake == slip, str(report)
    assert first.point is not None and first.learner_value != first.true_value
    assert first.name in str(report) and (slip is None or first.mistake_title in str(report))


def test_a_step_built_on_a_wrong_step_follows_from_it_and_a_new_slip_is_still_wrong() -> None:
    report = check_derivation(
        {
            "da": "y/a + (1-y)/(1-a)",
            "da_dz": "a*(1-a)",
            "dz": "da * da_dz",
            "dw": "x * dz",
            "db": "dz * x",
        }
    )
    verdicts = {s.name: s.verdict for s in report.steps}
    assert verdicts == {"da": "wrong", "da_dz": "ok", "dz": "follows_from_wrong",
                        "dw": "follows_from_wrong", "db": "wrong"}  # fmt: skip
    assert report["dz"].follows_from == "da" and report["dw"].follows_from == "da"
    assert report.first_wrong is report["da"]
    # a step that does not use the wrong one is judged on its own
    assert check_derivation({"da": "-y/a", "dz": "a - y"})["dz"].verdict == "ok"


def test_a_vectorized_step_on_dz_follows_from_a_wrong_dz() -> None:
    report = check_derivation({"dz": "y - a", "dJ_dw": "X @ dZ.T / m", "dJ_db": "np.mean(A - Y)"})
    verdicts = {s.name: (s.verdict, s.follows_from) for s in report.steps}
    assert verdicts == {"dz": ("wrong", None), "dJ_dw": ("follows_from_wrong", "dz"),
                        "dJ_db": ("ok", None)}  # fmt: skip


def test_the_ill_conditioned_mix_passes_where_float64_would_fail() -> None:
    """da in a times da/dz in z, at z = 30: exact at 60 digits, off by 0.1 % in float64."""
    steps = {"da": LECTURE["da"], "da_dz": "exp(-z)/(1 + exp(-z))**2", "dz": "da * da_dz"}
    assert check_derivation(steps).passed
    z30 = 30.0
    a30 = float(forward.sigmoid(z30))
    naive = (1 / (1 - a30)) * (np.exp(-z30) / (1 + np.exp(-z30)) ** 2)  # y = 0
    with mpmath.workdps(40):
        exact = float(1 / (1 + mpmath.exp(-mpmath.mpf(z30))))
    assert abs(naive - exact) / exact > 1e-5  # so the checker's precision matters here


def test_sympy_explains_but_the_verdict_is_numerical() -> None:
    report = check_derivation({"da": LECTURE["da"], "dz": r"da \cdot a(1-a)"})
    assert report["dz"].explanation == r"sympy: da \cdot a(1-a) simplifies to a - y"
    wrong = check_derivation({"dz": "a + y"})["dz"]
    assert wrong.explanation is not None and "not a - y" in wrong.explanation


def test_hint_levels_reveal_more_step_by_step() -> None:
    steps = {"da": LECTURE["da"], "dz": "da", "dw": "x*dz", "db": "dz"}
    concept, location, fix = (
        str(check_derivation(steps, hints=h)) for h in ("concept", "location", "fix")
    )
    assert "chain rule" in concept and "dz" not in concept.replace("da/dz", "")
    assert "dz is wrong" in location and "jax.grad of the model gives" in location
    assert "fix:" not in location and "fix: dz = a - y" in fix
    html = check_derivation(steps)._repr_html_()
    assert "<table>" in html and r"\(" in html and "follows_from_wrong" in html


def test_the_report_carries_values_and_plain_and_latex_forms() -> None:
    report = check_derivation({"dz": "y - a"})
    step = report["dz"]
    assert step.point is not None and set(step.point) >= {"a", "z", "y"}
    assert step.learner_value == pytest.approx(-step.true_value)
    assert step.true_text == "a - y" and step.learner_text == "-a + y"
    assert report.to_dict()["first_wrong"] == "dz"


UNREADABLE = [
    ("a -* y", 3, "cannot read"),
    ("foo + a", 0, "unknown name 'foo'"),
    (r"a + \frac{1}{", 13, "it ends before the expression does"),
    (r"a \cdot \cdot y", 8, "unexpected"),
    ("__import__('os').system('true')", 0, "is not part of a derivation step"),
    ("a ** 10 ** 10", 5, "exponent"),
    ("?", 0, "not written yet: replace ? by your expression"),
]


@pytest.mark.parametrize(("text", "position", "reason"), UNREADABLE)
def test_unreadable_steps_are_unparsed_with_the_position(
    text: str, position: int, reason: str
) -> None:
    with pytest.raises(DerivationSyntaxError) as caught:
        parse_step(text, "scalar")
    assert caught.value.position == position and reason in str(caught.value)
    report = check_derivation({"dz": text})
    assert report["dz"].verdict == "unparsed" and report["dz"].error_position == position
    assert report.first_wrong is report["dz"] and not report.passed


def test_names_are_checked_and_listed() -> None:
    with pytest.raises(ValueError, match="unknown step 'dzz'; the steps are da, da_dz, dz"):
        check_derivation({"dzz": "a - y"})
    later = check_derivation({"da": "dz", "dz": "a - y"})["da"]
    assert later.verdict == "unparsed" and "not derived before this one" in (later.error or "")
    with pytest.raises(ValueError, match="hints must be one of 'concept', 'location', 'fix'"):
        check_derivation(LECTURE, hints="everything")
    with pytest.raises(ValueError, match="non-empty dict"):
        check_derivation({})


def test_latex_products_of_arrays_keep_the_written_order() -> None:
    r"""``X dZ^T`` is the gradient; ``dZ^T X`` (which sympy used to reorder) is not."""
    for right in (r"\frac{1}{m} X dZ^T", r"\frac{1}{m} X\, dZ^{\top}",
                  r"\frac{1}{m} X \operatorname{diag}\bigl(A(1 - A)\bigr) X^{\top}"):  # fmt: skip
        step = "d2J_dw2" if "diag" in right else "dJ_dw"
        assert check_derivation({step: right})[step].verdict == "ok", right
    for wrong in (r"\frac{1}{m} dZ^T X", r"\frac{1}{m} dZ\, X^T", r"\frac{1}{m} X^T dZ"):
        assert check_derivation({"dJ_dw": wrong})["dJ_dw"].verdict == "wrong", wrong


def test_a_transpose_in_the_wrong_place_is_a_shape_mistake() -> None:
    step = check_derivation({"dJ_dw": "dZ @ X.T / m"})["dJ_dw"]
    assert (
        step.verdict == "wrong" and "(1, 3)" in (step.note or "") and "(3, 1)" in (step.note or "")
    )


def test_the_derivation_checker_never_reaches_the_hand_math() -> None:
    """Its references are jax.grad of the model: no import chain leads to the hand gradients."""
    import grimp

    graph = grimp.build_graph("autograd_lr", exclude_type_checking_imports=True)
    for module in (
        "derivation",
        "references",
        "report",
        "documents",
        "expressions",
        "latex",
        "syntax",
        "slips",
    ):
        importer = f"autograd_lr.teaching.{module}"
        assert not graph.chain_exists(importer, "autograd_lr.gradients"), importer
    assert graph.chain_exists("autograd_lr.teaching.references", "autograd_lr.oracles")
    assert graph.chain_exists("autograd_lr.course", "autograd_lr.gradients")  # it would see one


@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_every_true_form_the_report_shows_parses_and_passes(lambd: float) -> None:
    """The report's own fix, copied back by a learner, must pass (LaTeX and Python)."""
    from autograd_lr.teaching.derivation import TRUE_SCALAR
    from autograd_lr.teaching.report import TRUE_ARRAY, true_forms

    for step in TRUE_ARRAY:
        for form in true_forms(step, lambd):
            result = check_derivation({step: form}, lambd)[step]
            assert result.verdict == "ok", (form, result.error, result.note)
    for step, true in TRUE_SCALAR.items():
        for form in (true, str(true), sympy.latex(true)):
            result = check_derivation({step: form})[step]
            assert result.verdict == "ok", (form, result.error)


def test_follows_from_wrong_is_decided_by_the_jax_references_not_the_displayed_forms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TRUE_SCALAR is what the report shows; garbling it must not change a verdict."""
    from autograd_lr.teaching import derivation

    garbled = {name: sympy.Integer(7) for name in derivation.TRUE_SCALAR}
    monkeypatch.setattr(derivation, "TRUE_SCALAR", garbled)
    report = check_derivation(
        {"da": "y/a + (1-y)/(1-a)", "da_dz": "a*(1-a)", "dz": "da * da_dz", "db": "dz * x"}
    )
    verdicts = {s.name: s.verdict for s in report.steps}
    assert verdicts == {"da": "wrong", "da_dz": "ok", "dz": "follows_from_wrong", "db": "wrong"}
