r"""The lecture's notation as learners write it: each form read with the meaning a learner gives it."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from autograd_lr import check_derivation
from autograd_lr.teaching.expressions import DerivationSyntaxError, parse_step
from autograd_lr.teaching.notation import AmbiguousWordError, normalize, split_word, strip_index
from autograd_lr.teaching.syntax import sigma

a, y, z, x, w, b = sympy.symbols("a y z x w b")
PER_EXAMPLE = ("da", "da_dz", "dz", "dw", "db")


def scalar(text: str, earlier: tuple[str, ...] = PER_EXAMPLE) -> sympy.Expr:
    """``text`` read as a per-example step after ``earlier``."""
    return parse_step(text, "scalar", earlier).scalar


def same(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Equal as functions of a, z (σ written out): sympy decides, no float comparison."""
    written = (left - right).replace(sigma, lambda t: 1 / (1 + sympy.exp(-t)))
    return sympy.simplify(written) == 0


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        (r"\sigma'(z)", sigma(z) * (1 - sigma(z))),
        (r"\sigma^{\prime}(z)", sigma(z) * (1 - sigma(z))),
        ("σ′(z)", sigma(z) * (1 - sigma(z))),
        (r"da\cdot\sigma'(z)", sympy.Symbol("da") * sigma(z) * (1 - sigma(z))),
        (r"\sigma(w^Tx + b) - y", sigma(w * x + b) - y),
        (r"\sigma(w^{T}x + b) - y", sigma(w * x + b) - y),
        (r"\sigma(w^\intercal x + b) - y", sigma(w * x + b) - y),
        (r"\mathrm{d}a \cdot a(1-a)", sympy.Symbol("da") * a * (1 - a)),
        (r"\hat{y} - y", a - y),
        (r"x_1 dz", x * sympy.Symbol("dz")),
        (r"\frac12 (a - y) \cdot 2", a - y),
        (r"\tfrac12 (a - y) \cdot 2", a - y),
        (r"\ln a", sympy.log(a)),
        (
            r"\frac{\partial}{\partial a}\left(-y\log a-(1-y)\log(1-a)\right)",
            -y / a + (1 - y) / (1 - a),
        ),
        (r"\frac{d}{da}[-y\ln a-(1-y)\ln(1-a)]", -y / a + (1 - y) / (1 - a)),
        (r"\frac{\mathrm{d}}{\mathrm{d}z}\sigma(z)", sigma(z) * (1 - sigma(z))),
        (r"\frac{d}{dz}\sigma(z) + z", sigma(z) * (1 - sigma(z)) + z),  # the term only
        ("sigma(z)(1-sigma(z))", sigma(z) * (1 - sigma(z))),
        ("a(1-a)(a-y)", a * (1 - a) * (a - y)),
    ],
)
def test_a_per_example_form_means_what_a_learner_means(text: str, meaning: sympy.Expr) -> None:
    assert same(scalar(text), meaning), scalar(text)


def test_an_operator_is_differentiated_by_sympy_and_judged_numerically() -> None:
    """The ∂ operator applied to the loss is da; applied to a wrong loss it is wrong at da."""
    right = r"\frac{\partial}{\partial a}\left(-y\log a-(1-y)\log(1-a)\right)"
    assert check_derivation({"da": right}).passed
    report = check_derivation({"da": right.replace("-(1-y)", "+(1-y)")})
    assert report["da"].verdict == "wrong"


@pytest.mark.parametrize(
    "text",
    [
        r"\frac{1}{m} X dZ'",
        r"\frac{1}{m} X\,dZ^T",
        r"\frac1m X dZ^T",
        r"\frac{1}{m}XdZ^T",
        r"\frac{1}{m}X d\mathbf{Z}^T",
        r"\frac{1}{m}\mathbf{X}(\mathbf{A}-\mathbf{Y})^T",
        r"\frac{1}{m}\boldsymbol{X}(\boldsymbol{A}-\boldsymbol{Y})^{\top}",
        r"\frac{1}{m}X (\hat{Y} - Y)^T",
        r"\frac{1}{m}X(\sigma(w^TX+b)-Y)^T",
        r"\frac{1}{m} X (A - Y)'",
        r"\frac{1}{m}X\left[A-Y\right]^\intercal",
        "X.dot(dZ.T)/m",
        "np.sum(X * dZ, axis=1, keepdims=True) / m",
        "np.mean(X * (A - Y), axis=1, keepdims=True)",
        "(X @ (A - Y).transpose()) / m",
    ],
)
def test_every_learners_form_of_dw_over_m_examples_passes(text: str) -> None:
    report = check_derivation({"dJ_dw": text})
    assert report.passed, str(report)


@pytest.mark.parametrize(
    "text",
    [r"\frac{1}{m}\sum_{i=1}^{m} dZ_i", "dZ.sum()/m", "np.mean(A - Y)", "np.sum(dZ, axis=1) / m"],
)
def test_every_learners_form_of_db_over_m_examples_passes(text: str) -> None:
    assert check_derivation({"dJ_db": text}).passed


def test_a_prime_on_dz_keeps_the_written_order() -> None:
    """dZ' X/m is a (1, n_x)·... mismatch, not a silently reordered right answer."""
    report = check_derivation({"dJ_dw": r"\frac{1}{m} dZ' X"})
    assert report["dJ_dw"].verdict == "wrong"
    assert "KeyError" not in str(report) and "= None" not in str(report)


def test_a_rank_one_sum_is_wrong_by_its_shape() -> None:
    """np.sum(..., axis=1) without keepdims is (n_x,), not dw's (n_x, 1): numpy's meaning."""
    report = check_derivation({"dJ_dw": "np.sum(X * dZ, axis=1) / m"})
    assert report["dJ_dw"].verdict == "wrong"
    assert "shape" in (report["dJ_dw"].note or "")


def test_a_prime_with_primes_in_a_wrong_step_is_read_and_caught() -> None:
    report = check_derivation({"da_dz": r"\sigma'(z)(1-\sigma'(z))"})
    assert report["da_dz"].verdict == "wrong"


def test_a_prime_on_a_plain_name_says_what_it_could_mean() -> None:
    with pytest.raises(DerivationSyntaxError, match="prime") as caught:
        parse_step("a'(z)", "scalar")
    assert caught.value.position == 1


@pytest.mark.parametrize(
    ("text", "position"),
    [(r"\frac{1}{m} X dQ^T", 14), (r"\frac{1}{m} \mathbf{X} dQ^T", 23), (r"\sigma(w^Tq + b)", 10)],
)
def test_an_unknown_name_is_placed_in_the_learners_own_text(text: str, position: int) -> None:
    kind = "scalar" if "sigma" in text else "array"
    with pytest.raises(DerivationSyntaxError, match="unknown name") as caught:
        parse_step(text, kind)
    assert caught.value.position == position
    assert caught.value.text == text


def test_a_word_is_split_only_where_one_reading_exists() -> None:
    assert split_word("XdZ", ("X", "dZ", "Z")) == ("X", "dZ")
    assert split_word("Xq", ("X", "dZ")) is None
    with pytest.raises(AmbiguousWordError, match="ab or a b"):
        split_word("ab", ("a", "b", "ab"))


def test_an_index_only_names_the_example_or_feature() -> None:
    assert [strip_index(s) for s in ("x_1", "dZ_i", "x_{j}", "a_{(i)}", "n_x", "da_dz")] == [
        "x", "dZ", "x", "a", "n_x", "da_dz",
    ]  # fmt: skip


def test_normalizing_keeps_each_position() -> None:
    norm = normalize(r"\mathbf{X} \frac1m")
    assert norm.text == r"X \frac{1}{m}"
    assert norm.position(norm.text.index(r"\frac")) == len(r"\mathbf{X} ")


def test_a_sum_with_axis_and_keepdims_follows_numpy() -> None:
    step = parse_step("np.sum(X, axis=1, keepdims=True)", "array")
    X = np.arange(6.0).reshape(2, 3)
    assert step.array is not None
    np.testing.assert_array_equal(step.array.evaluate({"X": X}), X.sum(axis=1, keepdims=True))
    with pytest.raises(DerivationSyntaxError, match="axis"):
        parse_step("np.sum(X, axis='rows')", "array")


# --- messages --------------------------------------------------------------------------------


def test_every_unreadable_step_is_listed_with_its_position_and_a_nearest_form() -> None:
    report = check_derivation(
        {"da": "-y/a + (1-y)/(1-a", "da_dz": "a*(1-a)", "dz": "da * da_dzz", "db": "dz"},
        hints="location",
    )
    text = str(report)
    assert report["da"].verdict == report["dz"].verdict == "unparsed"
    assert "da cannot be read" in text and "dz cannot be read" in text
    assert report["da"].nearest == "-y/a + (1-y)/(1-a)"
    assert report["dz"].nearest == "da * da_dz"
    assert text.count("nearest form that is read") == 2
    assert report["dz"].to_dict()["nearest"] == "da * da_dz"


def test_a_split_word_suggests_its_one_reading() -> None:
    with pytest.raises(DerivationSyntaxError) as caught:
        parse_step(r"\frac{1}{m} XdQ^T", "array")
    assert caught.value.nearest is not None
    assert parse_step(caught.value.nearest, "array").array is not None


def test_the_concept_level_names_the_unreadable_step_and_shows_no_expression() -> None:
    report = check_derivation({"dz": "a - y", "db": r"\frac{1}{2"}, hints="concept")
    assert "db cannot be read" in str(report)
    assert r"\frac" not in str(report) and "nearest" not in str(report)


def test_nothing_internal_leaks_from_a_step_without_a_value() -> None:
    """A step that cannot be evaluated says why in words: no exception class, no None fix."""
    for steps in (
        {"dJ_dw": r"\frac{1}{m} dZ' X"},
        {"dJ_dw": "X @ dZ / m"},
        {"dJ_db": "np.log(-m)"},
    ):
        text = str(check_derivation(steps, hints="fix"))
        for internal in ("KeyError", "Error:", "= None", "P_{"):
            assert internal not in text, (steps, text)
