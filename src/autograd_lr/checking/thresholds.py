"""The checkers' thresholds, each a named constant with its reason.

The one home of every tolerance a checker judges with: the verdicts of
:mod:`~autograd_lr.checking.check`, the models of mistakes of
:mod:`~autograd_lr.checking.diagnosis`, the trace's alignment
(:mod:`~autograd_lr.checking.alignment`), the sigmoid exercise
(:mod:`autograd_lr.teaching.exercises`) and the derivation checker
(:mod:`autograd_lr.teaching.derivation`, :mod:`autograd_lr.teaching.report`), so that a
diagnosis is measured with the same yardstick as the verdict it explains. (The
tolerances of the oracles against the hand math, which the tests and ``verify`` use, are
in :mod:`autograd_lr.tolerances`; the oracles' own analyticity probe is in
:mod:`autograd_lr.oracles`.)
"""

from __future__ import annotations

QUANTITIES = ("dw", "db", "cost")

# --- thresholds, each with its reason -------------------------------------------------------

# dw and db against jax.grad, normwise with the gradient_scale floor. A correct float64
# implementation differs from jax only by rounding in another order of operations:
# ≲ 1e-15 for np.dot, einsum and the per-example loop on these problems (measured in the
# tests). 1e-10 leaves four orders of headroom for any correct float64 form, and still
# catches a relative error of 1e-6 in any entry larger than 1e-4 of the scale, hence a
# 1e-5 relative error in a whole quantity.
GRADIENT_RTOL = 1e-10
# The cost against forward.cost (through jax), with floor 1 (J is a mean of O(1) losses).
# The course-style cost −mean(y log a + (1 − y) log(1 − a)) loses accuracy through
# 1 − a at saturated z: at |z| = 10 (the most saturated default problem) 1 − a = 4.5e-5
# carries the rounding error of a (1.1e-16), a relative 2.4e-12. 1e-10 is 40x above that.
COST_RTOL = 1e-10
# Fast mode, per direction v: |vᵀĝ − D_v| / max(|vᵀĝ|, |D_v|, s, |J|). The Richardson
# difference D_v is good to ≲ 5e-13 of that floor on every default problem and at
# (n_x, m) = (12288, 209) (h⁴ truncation and ε|J|/h rounding balance near h = 2e-3);
# 1e-11 is 20x above. The floor adds |J| because finite differences err in proportion
# to |J|/h, not to the gradient (see tolerances.py).
DIRECTIONAL_RTOL = 1e-11
# Step along a unit direction v, divided by the root-mean-square entry of X: z moves by
# about h · rms(X) along v, so this keeps the truncation error independent of X's units.
DIRECTIONAL_STEP = 2e-3
# Unit directions per problem in fast mode. One would do for a generic error vector; two
# make a miss by an unlucky direction (vᵀ(ĝ − g) ≈ 0) a product of two small chances.
FAST_DIRECTIONS = 2
# fast="auto" switches to fast mode above this many features: the full check's
# per-coordinate finite differences cost 2(n_x + 1) evaluations of J, fast mode 4K + 1.
FAST_AUTO_N_X = 500
# Above this n_x the full check compares jax.grad with finite differences along the fast
# mode's directions instead of per coordinate (the same agreement, O(1) evaluations).
FD_PER_COORDINATE_MAX_N_X = 500
# Rows of the per-entry table in the report.
WORST_ENTRIES = 5

# --- which model of a mistake fits (the diagnosis) --------------------------------------------

# A float64 implementation of a mistaken formula matches its model (computed by jax in
# float64) to rounding, ≲ 1e-14; 1e-7 leaves room for numerically poorer forms of the
# same mistake and stays far below the gap between two different models on the default
# problems (≥ 1e-2, asserted in the tests).
MODEL_RTOL = 1e-7
# A float32 answer carries float32 rounding (ε₃₂ ≈ 6e-8 per operation, up to ~1e-3 in a
# course-style cost through log(1 − a) at |z| = 10); its mistakes are matched at 1e-3.
MODEL_RTOL_FLOAT32 = 1e-3
# A fitted regularization strength counts as "the same on every problem" to 1e-6: the
# fit is exact to rounding, while a term not proportional to λ/m (or to a constant)
# varies by O(1) between problems with different m.
REG_CONSISTENCY_RTOL = 1e-6
# ε fitted on each problem from J − Ĵ ≈ ε · S (first order in ε) must agree between the
# problems to 1e-2: the second-order term is ε/2a relative, ≤ 1e-4 for ε ≤ 1e-8 at the
# most saturated default problem (a ≥ 4.5e-5), while a mistake that is not an ε in the
# log gives fitted values that differ by O(1) between problems (S varies 10x).
EPSILON_CONSISTENCY_RTOL = 1e-2

# --- the trace against the reference's intermediates (the engine) -----------------------------

# A traced intermediate against the reference's: both float64, computed by formulas in
# another order (σ by 1/(1 + e^−z) or the stable form, log(1 − a) near saturation), which
# differ by ≲ 1e-12 relative on the check problems; 1e-8 is far above that and far below
# any mistake (a float32 value, relative ~1e-7, is told apart by its dtype).
TRACE_RTOL = 1e-8

# --- the sigmoid exercise ---------------------------------------------------------------------

# σ by the textbook 1/(1 + e^{−z}) in float64 agrees with the stable form to a few ulp
# (relative ≲ 4e-16) for every z checked; 1e-12 accepts any float64 formula and
# refuses float32 (relative ~6e-8).
SIGMOID_RTOL = 1e-12
# A wrong σ is named when it matches a model of the mistake to 1e-9 (float64 rounding of
# either form is ~1e-16; the models differ from σ and from each other by O(1)).
SIGMOID_MODEL_RTOL = 1e-9
# A float32 σ: a few float32 operations, each within ε₃₂/2 ≈ 6e-8 relative, so within
# 1e-6 of the float64 value on every case (tails included: float32 reaches 1e-38).
SIGMOID_FLOAT32_RTOL = 1e-6

# --- the derivation checker -------------------------------------------------------------------

# Per example: the learner's value is exact to ~1e-58 (60 digits), so the tolerance is the
# float64 reference's error: a few ulp relative to its value (1e-11 leaves 45 000 ulp) ...
SCALAR_RTOL = 1e-11
# ... plus a few ulp of the size of the terms it adds up, where they cancel (unit below):
# dL/dz = σ(z) − y is exp(z − log(1 + e^z)) − y in jax, off by ~ε|z| in absolute terms.
# Measured on the 42 points of every step (exact values at 60 digits against the jax
# references): the error is at most 0.52 ε of the unit (da; 0.34 ε for dz, dw, db), so
# 8 ε leaves a margin of 15 and still fails da + 1e-13/(a(1 − a)) at z = 30 (1e-12 did not).
SCALAR_ATOL = 8 * 2.0**-52  # 8 ε of float64
# Over m examples: numpy float64 against jax float64, as the checker's JAX_RTOL, with the
# data's scale floor (tolerances.gradient_scale); the Hessian sums squares of X: 1e-10.
ARRAY_RTOL = 1e-10
# A slip's model (a learner's wrong derivation, evaluated) and the learner's values agree
# to this: the models are evaluated in float64 from a symbolic form the learner wrote in
# another order (≲ 1e-13 relative); 1e-6 is loose on purpose, as a slip is named only
# after the step already failed at SCALAR_RTOL, and the models differ by O(1).
SLIP_MODEL_RTOL = 1e-6

# optimize and model: a correct float64 descent differs from jax's only by rounding in
# another order of operations, ≲ 1e-15 per step; over 201 steps of a contraction it stays below 1e-12
# (measured on these cases). 1e-9 leaves three orders of headroom and still catches any
# wrong step size, sign or gradient, which change the result at O(α) ≥ 1e-3.
DESCENT_RTOL = 1e-9

# A slip's correction in a derivation: the corrected step and the true one agree to this at
# 60 digits (what cancellation leaves of them at |z| <= 6: a few digits); a distortion that
# a correction only shrinks is far above it.
SLIP_EXACT_RTOL = 1e-40
