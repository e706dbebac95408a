r"""The corpus as the test: learners' correct forms are read and pass, wrong ones are caught.

The figures are computed once per session (:func:`derivation_corpus.measure`); the docs
page of the derivation checker quotes them. Hypothesis then rewrites correct LaTeX forms
into equivalent notations (``^T``, ``^\top``, ``'``; ``\frac{1}{m}``, ``\frac1m``,
``/m``; bold or plain; ``\cdot`` or a thin space; ``\left( \right)``; ``\log`` or
``\ln``), and every rewrite must pass as well.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derivation_corpus import CORRECT, SLIPS, WRONG, Form, check, measure

ISSUE_FORMS = [  # every form the report of learners' notation quoted
    ("dJ_dw", r"\frac{1}{m} X dZ'"), ("da_dz", r"\sigma'(z)"), ("dz", r"da\cdot\sigma'(z)"),
    ("dz", r"\sigma(w^{T}x + b) - y"), ("dz", r"\sigma(w^Tx+b) - y"),
    ("dJ_dw", r"\frac{1}{m}X(\sigma(w^TX+b)-Y)^T"),
    ("dJ_dw", r"\frac{1}{m}\mathbf{X}(\mathbf{A}-\mathbf{Y})^T"),
    ("dJ_dw", r"\frac{1}{m}X (\hat{Y} - Y)^T"), ("dJ_dw", r"\frac{1}{m}X d\mathbf{Z}^T"),
    ("dz", r"\mathrm{d}a \cdot a(1-a)"), ("dJ_dw", r"\frac1m X dZ^T"),
    ("dJ_dw", r"\frac{1}{m}XdZ^T"), ("dJ_db", r"\frac{1}{m}\sum_{i=1}^{m} dZ_i"),
    ("dw", "x_1 dz"), ("da", r"\frac{\partial}{\partial a}\left(-y\log a-(1-y)\log(1-a)\right)"),
    ("da", r"\frac{d}{da}[-y\log a-(1-y)\log(1-a)]"), ("da_dz", "sigma(z)(1-sigma(z))"),
    ("dJ_dw", "X.dot(dZ.T)/m"), ("dJ_db", "dZ.sum()/m"),
    ("dJ_dw", "np.sum(X * dZ, axis=1, keepdims=True) / m"),
    ("dJ_dw", "np.mean(X * (A - Y), axis=1, keepdims=True)"),
]  # fmt: skip
ISSUE_WRONG = [("da_dz", r"\sigma'(z)(1-\sigma'(z))"), ("dz", "a(1-a)(a-y)")]
STEPS = ("da", "da_dz", "dz", "dw", "db", "dJ_dw", "dJ_db", "d2J_dw2")


def test_the_corpus_is_large_and_covers_every_step() -> None:
    assert len(CORRECT) >= 200 and len(WRONG) >= 60
    assert len(set(CORRECT)) == len(CORRECT) and len(set(WRONG)) == len(WRONG)
    per_step = Counter(form.step for form in CORRECT)
    assert all(per_step[step] >= 10 for step in STEPS), per_step
    assert {form.step for form in WRONG} == set(STEPS)
    assert any(form.lambd for form in CORRECT) and any(form.lambd for form in WRONG)
    texts = {(form.step, form.text) for form in CORRECT}
    assert all(quoted in texts for quoted in ISSUE_FORMS)
    assert all((step, text) in {(f.step, f.text) for f in WRONG} for step, text in ISSUE_WRONG)


def test_correct_forms_are_read_and_none_is_marked_wrong() -> None:
    figures = measure()
    assert figures.marked_wrong == [], figures.marked_wrong
    assert figures.read_share >= 0.98, figures.unread
    assert figures.judged_right == figures.read  # every form read is judged right


def test_every_wrong_form_is_caught_at_its_own_step() -> None:
    figures = measure()
    assert figures.missed == [] and figures.caught == figures.wrong


def test_every_wrong_form_has_the_slip_the_corpus_records() -> None:
    """Named by the rule whose correction makes it right, or not named at all: never another."""
    figures = measure()
    assert set(SLIPS) == {(form.step, form.text) for form in WRONG}
    assert figures.wrong_name == [], figures.wrong_name
    assert figures.named + figures.located_only == figures.wrong
    assert figures.named >= 60  # every form the value models named (44), and more


# --- equivalent notations -----------------------------------------------------------------

_TRANSPOSE = re.compile(r"\^\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T(?![0-9_])|\\top|\\intercal)|'")
_PRIME_AFTER = re.compile(r"(?<=[A-Za-z)\]}])$")


def _transpose(text: str, array: bool, form: str) -> str:
    """Every transpose written as ``form`` (a prime only over m examples, after a name or group)."""

    def replace(match: re.Match[str]) -> str:
        before = text[: match.start()]
        if form == "'" and (not array or not _PRIME_AFTER.search(before)):
            return match.group()
        if match.group() == "'" and before.rstrip().endswith(r"\sigma"):
            return match.group()  # σ' is the derivative, not a transpose
        return form

    return _TRANSPOSE.sub(replace, text)


def _over_m(text: str, form: str) -> str:
    r"""A leading ``\frac{1}{m}`` as ``form``: ``\frac1m``, or ``/m`` when nothing is added after it."""
    head = r"\frac{1}{m}"
    if not text.startswith(head):
        return text
    rest = text[len(head) :]
    if form == "/m":
        depth, top_level_sum = 0, False
        for k, char in enumerate(rest):
            depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(char, 0)
            top_level_sum |= depth == 0 and char in "+-" and k > 0
        return text if top_level_sum else f"({rest})/m"
    return r"\frac1m" + rest


def _bold(text: str, array: bool, command: str) -> str:
    letters = "XAYZ" if array else "xw"
    return re.sub(rf"(?<![\\A-Za-z{{])([{letters}])(?![A-Za-z])", rf"\\{command}{{\1}}", text)


REWRITES = {
    "top": lambda t, arr: _transpose(t, arr, r"^\top"),
    "braced T": lambda t, arr: _transpose(t, arr, "^{T}"),
    "intercal": lambda t, arr: _transpose(t, arr, r"^\intercal"),
    "prime": lambda t, arr: _transpose(t, arr, "'"),
    "frac1m": lambda t, arr: _over_m(t, r"\frac1m"),
    "over m": lambda t, arr: _over_m(t, "/m"),
    "mathbf": lambda t, arr: _bold(t, arr, "mathbf"),
    "boldsymbol": lambda t, arr: _bold(t, arr, "boldsymbol"),
    "thin space": lambda t, arr: t.replace(r"\cdot", r"\,"),
    "left right": lambda t, arr: t.replace("(", r"\left(").replace(")", r"\right)"),
    "ln": lambda t, arr: t.replace(r"\log", r"\ln"),
    "dfrac": lambda t, arr: t.replace(r"\frac{", r"\dfrac{"),
}
LATEX_CORRECT = [form for form in CORRECT if "\\" in form.text or "^" in form.text]


@settings(max_examples=30, deadline=None)
@given(
    form=st.sampled_from(LATEX_CORRECT),
    rewrites=st.lists(st.sampled_from(sorted(REWRITES)), min_size=1, max_size=3, unique=True),
)
def test_a_correct_form_rewritten_in_an_equivalent_notation_passes(
    form: Form, rewrites: list[str]
) -> None:
    text = form.text
    array = form.step.startswith(("dJ", "d2J"))
    for name in rewrites:
        text = REWRITES[name](text, array)
    assume(text != form.text)
    rewritten = Form(form.step, text, form.lambd)
    result = check(rewritten)[form.step]
    assert result.verdict == "ok", (text, result.error, result.note)


@pytest.mark.parametrize("name", sorted(REWRITES))
def test_each_rewrite_changes_some_form_of_the_corpus(name: str) -> None:
    """A rewrite that never applies would make the property above vacuous."""
    changed = [
        f
        for f in LATEX_CORRECT
        if REWRITES[name](f.text, f.step.startswith(("dJ", "d2J"))) != f.text
    ]
    assert len(changed) >= 3
