r"""The error model: correction rules, each an AST edit in the lecture's terms.

A rule proposes, for one node of the learner's code, the nodes that could replace it:

.. math::

    \text{rule}: \text{node} \mapsto \{\text{node}'_1, \dots, \text{node}'_k\}

(``transpose_operand``: ``Y`` ↦ ``Y.T``; ``flip_sign``: ``Y - A`` ↦ ``A - Y``; ...). The
repair search (:mod:`~autograd_lr.checking.repair`) applies them at the first wrong
line, then at its neighbours, and keeps the smallest set of edits that makes the whole
check pass; only then is the rule's text shown to the learner. Each rule carries that
text at the hint levels (:data:`~autograd_lr.checking.types.HINT_LEVELS`): its
``concept`` (what is wrong, in the lecture's words, no code) and its ``location`` (which
step of the computation); the fix is the repaired line itself.

Most rules are their own inverse in pairs (``add_sum`` / ``remove_sum``), so the same
table both plants a mistake in a right program (the tests' mutants) and repairs it.
A rule proposes an edit only where it type-checks by what the trace knows: a transpose
of a name that is not a matrix, or a swap between names of different shapes, is never
proposed. The edits themselves are in :mod:`~autograd_lr.checking.edits`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from autograd_lr.checking import edits
from autograd_lr.checking.edits import Context

Propose = Callable[[ast.AST, ast.AST | None, Context], Iterator[ast.AST]]


@dataclass(frozen=True)
class Rule:
    """A correction rule: a stable name, its texts at two hint levels, and its edit."""

    name: str
    concept: str
    location: str
    propose: Propose


# --- the table ----------------------------------------------------------------------------
# In the order the search tries them on one line: of two repairs with as many edits, the
# one whose rule comes first is reported (a transpose dropped before one added).

RULES: tuple[Rule, ...] = (
    Rule(
        "return_order",
        "propagate returns the gradients first, then the cost: (grads, cost).",
        "the return statement puts the two values in the other order.",
        edits.return_order,
    ),
    Rule(
        "return_keys",
        'the course reads the gradients from a dictionary by the keys "dw" and "db".',
        "the dictionary of gradients has other keys.",
        edits.return_keys,
    ),
    Rule(
        "inplace_update",
        "propagate only computes the cost and the gradients; it must not change w, b, X or Y (the update w := w − α dw belongs to the optimisation loop).",
        "this line changes one of the arguments.",
        edits.inplace_update,
    ),
    Rule(
        "dtype",
        "everything is computed in float64; a cast to a smaller type loses precision.",
        "this line casts a value to another type.",
        edits.dtype,
    ),
    Rule(
        "bias_into_sigmoid",
        "the bias is part of the logit: a = σ(z) with z = wᵀx + b, so b goes inside σ.",
        "on this line b is added after σ.",
        edits.bias_into_sigmoid,
    ),
    Rule(
        "log_complement",
        "the loss pairs y with log a and 1 − y with log(1 − a), the logarithm of the other class's probability (not 1 − log a).",
        "on this line a label or a logarithm is replaced by its complement.",
        edits.log_complement,
    ),
    Rule(
        "operand_order",
        "a matrix product does not commute: z = wᵀX takes w's transpose first; dw = X dZᵀ takes X first.",
        "on this line the operands of a matrix product are in the wrong order.",
        edits.operand_order,
    ),
    Rule(
        "drop_transpose",
        "a transpose here pairs the wrong dimensions (or turns an elementwise product into a table).",
        "on this line an operand is transposed that should not be.",
        edits.drop_transpose,
    ),
    Rule(
        "transpose_operand",
        "a matrix product pairs rows with columns: one operand must be transposed so that the shapes line up example by example.",
        "on this line an operand needs a transpose.",
        edits.transpose_operand,
    ),
    Rule(
        "elementwise_to_matmul",
        "this quantity sums products over the examples: a matrix product, not an elementwise one.",
        "on this line an elementwise product should be a matrix product.",
        edits.elementwise_to_matmul,
    ),
    Rule(
        "matmul_to_elementwise",
        "this quantity pairs each example with itself: an elementwise product, not a matrix product (which forms every pair).",
        "on this line a matrix product should be elementwise.",
        edits.matmul_to_elementwise,
    ),
    Rule(
        "squeeze",
        "the shapes of the lecture: the cost and db are numbers, dw is a column (n_x, 1).",
        "this line gives a value of the wrong shape.",
        edits.squeeze,
    ),
    Rule(
        "change_axis",
        "the examples are X's columns: m is X.shape[1], the sum over examples runs along axis 1, and dw keeps its shape (n_x, 1).",
        "on this line an axis is the wrong one (or a dimension is dropped).",
        edits.change_axis,
    ),
    Rule(
        "add_sum",
        "the cost and the gradients sum over the m examples.",
        "on this line the per-example values are not summed.",
        edits.add_sum,
    ),
    Rule(
        "remove_sum",
        "this value is per example (or already summed): it takes no sum here.",
        "on this line a sum is taken that should not be.",
        edits.remove_sum,
    ),
    Rule(
        "reshape_column",
        "one example is a column x of shape (n_x, 1); X[:, i] drops that dimension and broadcasts against a column into a table.",
        "on this line one example is taken as a flat vector.",
        edits.reshape_column,
    ),
    Rule(
        "example_index",
        "the examples are X's columns: example i is the column X[:, i], its feature j is X[j, i] (row j, column i) and its label Y[0, i]; X[i] is a row, feature i of every example.",
        "on this line an array is indexed by example in the wrong place (a row for a column, or the two indices swapped).",
        edits.example_index,
    ),
    Rule(
        "add_mean",
        "the cost and the gradients are means over the m examples: (1/m) Σ.",
        "on this line the factor 1/m is missing.",
        edits.add_mean,
    ),
    Rule(
        "remove_mean",
        "this value is divided by m once too often (or where it is a sum).",
        "on this line there is a division by m too many.",
        edits.remove_mean,
    ),
    Rule(
        "flip_sign",
        "a sign: the loss is −(y log a + (1 − y) log(1 − a)), dz = a − y, z = wᵀx + b.",
        "on this line a term has the wrong sign.",
        edits.flip_sign,
    ),
    Rule(
        "swap_variable",
        "a quantity is computed from the wrong variable.",
        "on this line one name stands for another.",
        edits.swap_variable,
    ),
    Rule(
        "add_sigmoid",
        "a = σ(z): the prediction passes the logit through the sigmoid.",
        "on this line σ is missing.",
        edits.add_sigmoid,
    ),
    Rule(
        "remove_sigmoid",
        "σ is applied once, to the logit z; applied to a it gives σ(σ(z)).",
        "on this line σ is applied once too often.",
        edits.remove_sigmoid,
    ),
    Rule(
        "loop_bounds",
        "the loop runs over every example, from the first to the m-th, once each.",
        "the bounds of this loop leave out examples (or add one).",
        edits.loop_bounds,
    ),
    Rule(
        "epsilon",
        "log a is exact for 0 < a < 1; an ε inside the logarithm changes the cost.",
        "on this line the logarithm has an ε added.",
        edits.epsilon,
    ),
    Rule(
        "array_function",
        "σ is applied to every entry of z at once: numpy's exp works entry by entry on an array, math.exp takes one number.",
        "on this line a function of the math module is given an array.",
        edits.array_function,
    ),
    Rule(
        "true_division",
        "σ(z) lies strictly between 0 and 1: a floor division rounds it down to 0.",
        "on this line a division rounds down.",
        edits.true_division,
    ),
    Rule(
        "group_denominator",
        "σ(z) = 1 / (1 + e^(−z)): the whole sum 1 + e^(−z) is the denominator.",
        "on this line the division is done before the addition.",
        edits.group_denominator,
    ),
    Rule(
        "one_plus",
        "σ(z) = 1 / (1 + e^(−z)): the denominator is one plus the exponential, not the exponential alone.",
        "on this line the 1 + of σ's denominator is missing.",
        edits.one_plus,
    ),
    Rule(
        "value_for_slope",
        "σ′(z) = σ(z)(1 − σ(z)) is the slope the backward pass uses; the function returns σ(z) itself.",
        "this line gives σ's derivative where σ is asked for.",
        edits.value_for_slope,
    ),
)
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


# --- rules of the derivation ----------------------------------------------------------------
# Mistakes of a hand derivation that have no edit of the learner's code here: the derivation
# checker (autograd_lr.teaching) applies them, as every rule it names, to the learner's step
# as an expression, and names one only when its correction makes the step right. They are
# not in RULES, so the repair search of code never tries them.


def derivation_only(node: ast.AST, parent: ast.AST | None, context: Context) -> Iterator[ast.AST]:
    """No edit of code: the rule is applied to the steps of a derivation only."""
    return iter(())


DERIVATION_RULES: tuple[Rule, ...] = (
    Rule(
        "add_one_minus_y_term",
        "the loss has a term for y = 1 and a term for y = 0, the second weighted by (1 − y); both depend on a, so both have a derivative.",
        "on this line the term of y = 0 (or its weight 1 − y) is missing.",
        derivation_only,
    ),
    Rule(
        "add_sigma_prime",
        "from a back to z the chain rule multiplies by da/dz = σ′(z), the sigmoid's own derivative, which is a(1 − a) (not σ itself).",
        "on this line the factor σ′(z) = a(1 − a) is missing.",
        derivation_only,
    ),
    Rule(
        "remove_sigma_prime",
        "the sigmoid's derivative enters once, on the way from a back to z; once you have dz, going on to w and b does not bring it again.",
        "on this line σ′(z) = a(1 − a) is applied twice.",
        derivation_only,
    ),
    Rule(
        "add_bias",
        "the bias is part of the logit: z = wᵀx + b, so a = σ(wᵀx + b).",
        "on this line b is missing from the logit.",
        derivation_only,
    ),
    Rule(
        "add_input",
        "z = wᵀx + b depends on w_j through x_j, so each weight's derivative carries its own input.",
        "on this line the input x is missing.",
        derivation_only,
    ),
    Rule(
        "remove_input",
        "z = wᵀx + b depends on b with slope 1 and on w_j with slope x_j: db carries no input, dw_j one x_j.",
        "on this line an input x is one too many.",
        derivation_only,
    ),
    Rule(
        "divide_l2_by_m",
        "the L2 term of J is (λ/2m)‖w‖²: it is divided by m like the rest of J, and so is its derivative.",
        "on this line the L2 term lacks its 1/m.",
        derivation_only,
    ),
    Rule(
        "add_l2_term",
        "with λ > 0, J includes (λ/2m)‖w‖², and its derivative adds (λ/m) w to ∂J/∂w.",
        "on this line the L2 term is missing.",
        derivation_only,
    ),
    Rule(
        "unregularize_bias",
        "the bias is not regularized: the L2 term involves w only.",
        "on this line b carries an L2 term.",
        derivation_only,
    ),
)
ALL_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES + DERIVATION_RULES}
