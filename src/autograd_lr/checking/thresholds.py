"""The checker's thresholds, each a named constant with its reason.

Shared by :mod:`~autograd_lr.checking.check` (verdicts) and
:mod:`~autograd_lr.checking.diagnosis` (which model of a mistake fits), so that a
diagnosis is measured with the same yardstick as the verdict it explains.
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
