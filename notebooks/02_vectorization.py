# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. From the lecture's loop to vectorization
#
# In [01_derivation](01_derivation.ipynb) we derived the gradient of the cost
# $J(w, b) = \frac{1}{m}\sum_{i} L(a^{(i)}, y^{(i)})$ one example at a time. The lecture
# turns that derivation into code with **two explicit loops**: over the $m$ examples,
# and inside, over the $n_x$ features. It then announces **vectorization**: the same
# arithmetic written as a handful of whole-array operations,
#
# $$
# Z = w^\top X + b, \qquad A = \sigma(Z), \qquad dZ = A - Y, \qquad
# dw = \frac{1}{m} X\, dZ^\top, \qquad db = \frac{1}{m}\sum_{i=1}^{m} dZ_i,
# $$
#
# with $X$ of shape $(n_x, m)$ (one column per example), $Y$, $Z$, $A$, $dZ$ of shape
# $(1, m)$, and $w$, $dw$ of shape $(n_x, 1)$.
#
# This notebook checks that the two give the same numbers, measures how much faster
# the vectorized form is, live on this machine, and then shows the one trap that
# vectorized code sets for you: broadcasting.

# %%
import inspect
import time
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from autograd_lr import forward, gradients, oracles, problems, propagate
from autograd_lr.tolerances import JAX_RTOL, gradient_scale, relative_error
from autograd_lr.training import figures
from autograd_lr.training.figures import save_png

plt.style.use(figures.palette_style())  # colours a colour-blind reader tells apart, in every figure

EPS = float(np.finfo(np.float64).eps)  # 2.2e-16, the spacing of float64 numbers near 1

# %% [markdown]
# ## The two implementations
#
# The lecture's loop is `gradients.gradients_loop`. Here is its body: every
# multiplication and addition is a separate Python operation.

# %%
source = inspect.getsource(gradients.gradients_loop)
print(source.split('"""', 2)[2].strip("\n"))

# %% [markdown]
# The vectorized form is `gradients.gradients_vectorized`, and `propagate` (the
# lecture's function name) is that same computation after checking the shapes of its
# inputs. Its core is five lines, one per equation above:
#
# ```python
# Z = forward.logits(w, b, X)       # (1, m)
# A = forward.sigmoid(Z)            # (1, m)
# dZ = gradients.dL_dz(A, Y)        # (1, m)
# dw = (X @ dZ.T) / m               # (n_x, 1)
# db = np.sum(dZ) / m               # scalar
# ```
#
# ## Same numbers?
#
# The two add the same float64 terms in a different order, so they may differ by
# rounding, and by no more than rounding. Recursive summation of $k$ terms errs by at
# most $(k - 1)\,\varepsilon$ times the sum of the terms' magnitudes (Higham, *Accuracy
# and Stability of Numerical Algorithms*, §4.2). Each entry of $dw$ is a sum of $m$
# terms, each built from a dot product of $n_x$ terms, so we allow $(m + n_x)\,\varepsilon$
# relative to the size of those terms (`gradient_scale(X)`, which bounds
# $\frac{1}{m}\sum_i |x_j^{(i)} dz^{(i)}|$ because $|dz| \le 1$). Both are also compared
# with `jax.grad` of the cost, under its own tolerance `JAX_RTOL`.


# %%
def loop_vs_vectorized_rtol(m, n_x):
    """Worst-case rounding of adding the same terms in another order: (m + n_x) ε."""
    return (m + n_x) * EPS


problem = problems.make_problem(n_x=4, m=1000, seed=2)
w, b, X, Y = problem
grads_loop, J_loop = gradients.gradients_loop(w, b, X, Y)
grads_vec, J_vec = propagate(w, b, X, Y)
grads_jax = oracles.jax_gradients(w, b, X, Y)

tol = loop_vs_vectorized_rtol(problem.m, problem.n_x)
scale = gradient_scale(X)
errors = {
    "dw loop vs vectorized": relative_error(grads_loop["dw"], grads_vec["dw"], scale),
    "db loop vs vectorized": relative_error(grads_loop["db"], grads_vec["db"], scale),
    "J  loop vs vectorized": relative_error(J_loop, J_vec),
}
for name, error in errors.items():
    print(f"{name}: relative error {error:.1e}  (tolerance {tol:.1e})")
    assert error <= tol, name
for name, grads in (("loop", grads_loop), ("vectorized", grads_vec)):
    assert relative_error(grads["dw"], grads_jax["dw"], scale) <= JAX_RTOL, name
    assert relative_error(grads["db"], grads_jax["db"], scale) <= JAX_RTOL, name
print(f"both agree with jax.grad within JAX_RTOL = {JAX_RTOL:g}")

# %% [markdown]
# ## How much faster? Timed live
#
# We time both on problems with $n_x = 10$ features and a growing number of examples
# $m$, taking the best of a few runs (the minimum is the least disturbed by whatever
# else the machine is doing). Both run on **one core**: `threadpoolctl` keeps numpy's
# BLAS library to a single thread, since the loop cannot use more, and on a shared
# machine extra threads only make the timings erratic. The loop stops at $m = 10^5$
# (about a second); the vectorized form goes on to $m = 10^6$. At every $m$ both are
# timed on, we check again that they agree. The timings are printed, not asserted:
# they depend on the machine and on its load.


# %%
def timed(function, repeat):
    """(fastest wall-clock seconds of ``repeat`` calls of ``function()``, its result)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


N_X = 10
M_LOOP = [10, 100, 1_000, 10_000, 100_000]
M_VECTORIZED = [10, 100, 1_000, 10_000, 100_000, 1_000_000]

loop_seconds, vectorized_seconds = {}, {}
with threadpool_limits(limits=1):
    for m in M_VECTORIZED:
        w, b, X, Y = problems.make_problem(n_x=N_X, m=m, seed=m)
        vectorized_seconds[m], (g_vec, _) = timed(partial(propagate, w, b, X, Y), repeat=5)
        if m in M_LOOP:
            repeat = 3 if m <= 10_000 else 1
            loop_seconds[m], (g_loop, _) = timed(
                partial(gradients.gradients_loop, w, b, X, Y), repeat
            )
            tol = loop_vs_vectorized_rtol(m, N_X)
            assert relative_error(g_loop["dw"], g_vec["dw"], gradient_scale(X)) <= tol
            assert relative_error(g_loop["db"], g_vec["db"], gradient_scale(X)) <= tol

print(f"{'m':>9} | {'loop (s)':>10} | {'vectorized (s)':>14} | {'speedup':>8}")
print("-" * 50)
for m in M_VECTORIZED:
    loop = f"{loop_seconds[m]:10.2e}" if m in loop_seconds else f"{'-':>10}"
    speedup = (
        f"{loop_seconds[m] / vectorized_seconds[m]:7.0f}x" if m in loop_seconds else f"{'-':>8}"
    )
    print(f"{m:>9} | {loop} | {vectorized_seconds[m]:14.2e} | {speedup}")

m_big = M_LOOP[-1]
speedup = loop_seconds[m_big] / vectorized_seconds[m_big]
print(f"\nAt m = {m_big:,}: the vectorized form is {speedup:,.0f} times faster than the loop.")
print(
    f"Per example: loop {loop_seconds[m_big] / m_big * 1e6:.2f} µs, vectorized {vectorized_seconds[m_big] / m_big * 1e9:.2f} ns."
)

# %% [markdown]
# On a log–log plot a cost proportional to $m$ is a line of slope 1, and the vertical
# gap between two such lines is their speed ratio. The loop's line is straight from the
# start: every example costs the same handful of Python operations. The vectorized
# line is flat for small $m$, where the fixed cost of a few function calls and shape
# checks dominates, and bends up to slope 1 once the arithmetic itself (done in
# compiled code, on whole arrays) takes over.

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(
    M_LOOP, [loop_seconds[m] for m in M_LOOP], "o-", label="the lecture's loop (gradients_loop)"
)
ax.loglog(
    M_VECTORIZED,
    [vectorized_seconds[m] for m in M_VECTORIZED],
    "s-",
    label="vectorized (propagate)",
)
reference = np.array([M_VECTORIZED[0], M_VECTORIZED[-1]], dtype=float)
ax.loglog(
    reference,
    loop_seconds[m_big] * reference / m_big,
    ":",
    color="0.5",
    label=r"$\propto m$ (slope 1)",
)
ax.set_xlabel("number of examples m")
ax.set_ylabel("time per gradient evaluation (s)")
ax.set_title(f"Loop vs vectorized, n_x = {N_X}, one core (best of several runs)")
ax.grid(True, which="major", alpha=0.3)
ax.legend()
save_png(fig, "figures/02_vectorization_timing.png")
plt.show()

# %% [markdown]
# ## The broadcasting trap
#
# Vectorized code is fast because numpy applies each operation to whole arrays, and it
# is concise because of **broadcasting**: numpy aligns shapes from the right, and a
# dimension of size 1 stretches to match the other. That same rule makes one mistake
# silent. Labels often arrive as a **column** of shape $(m, 1)$ (`y.reshape(-1, 1)`, a
# one-column data frame `df[["label"]]`), not as the row $(1, m)$ that the lecture's
# formulas assume. Then $A - Y$ combines a $(1, m)$ row with an $(m, 1)$ column, both
# stretch, and the result is an $(m, m)$ matrix: entry $(i, k)$ is $a^{(k)} - y^{(i)}$,
# every prediction minus every label. No error, no warning.
#
# (A flat vector of shape $(m,)$ is aligned from the right with the row $(1, m)$, so
# $A - Y$ happens to come out right; it is one `reshape` or transpose away from the
# column, which is why the package accepts only $(1, m)$.)
#
# We show it with raw numpy on five examples.

# %%
small = problems.make_problem(n_x=2, m=5, seed=3)
w, b, X, Y = small
m = small.m
Y_column = Y.reshape(m, 1)  # shape (m, 1): the labels as a column
Y_flat = Y.ravel()  # shape (m,)

A = forward.sigmoid(w.T @ X + b)  # (1, m)
dZ_right = A - Y  # (1, m)
dZ_trap = A - Y_column  # (1, m) - (m, 1) broadcasts to (m, m)
print("A:", A.shape, " Y:", Y.shape, " Y_column:", Y_column.shape, " Y_flat:", Y_flat.shape)
print("A - Y        ->", dZ_right.shape)
print("A - Y_column ->", dZ_trap.shape, " (no error, no warning)")
print("A - Y_flat   ->", (A - Y_flat).shape, " (right, by the luck of right-alignment)")
assert dZ_right.shape == (1, m)
assert dZ_trap.shape == (m, m)
assert (A - Y_flat).shape == (1, m)

# %% [markdown]
# Carried through the rest of the formulas, the mistake stays quiet. $dw = \frac{1}{m}X\,dZ^\top$
# comes out $(n_x, m)$ instead of $(n_x, 1)$, and $db = \frac{1}{m}\sum dZ$ is a
# plausible-looking number that is exactly $m$ times too large: summing
# $a^{(k)} - y^{(i)}$ over all $m^2$ pairs gives $m\sum_k a^{(k)} - m\sum_i y^{(i)}$. A
# gradient-descent step $w - \alpha\, dw$ then broadcasts again and turns $w$ into an
# $(n_x, m)$ matrix.

# %%
dw_right, db_right = X @ dZ_right.T / m, float(np.sum(dZ_right)) / m
dw_trap, db_trap = X @ dZ_trap.T / m, float(np.sum(dZ_trap)) / m
learning_rate = 0.1
w_after_trap_step = w - learning_rate * dw_trap
print(f"dw: right {dw_right.shape}, trapped {dw_trap.shape}")
print(f"db: right {db_right:.6f}, trapped {db_trap:.6f} = {db_trap / db_right:.6f} x right")
print(f"w after one trapped step: {w_after_trap_step.shape} (was {w.shape})")
assert dw_right.shape == (2, 1) and dw_trap.shape == (2, m)
assert relative_error(db_trap, m * db_right, gradient_scale(X)) <= loop_vs_vectorized_rtol(m * m, 2)
assert w_after_trap_step.shape == (2, m)

# %% [markdown]
# The package's inner function `gradients.gradients_vectorized` trusts its input, so it
# falls into the same trap. That is why every public entry point (`propagate`,
# `optimize`, `model`, ...) checks shapes first and refuses with a `ValueError` that
# names the shape it got, the shape it needs, what would have gone wrong, and the fix.

# %%
grads_inner, _ = gradients.gradients_vectorized(w, b, X, Y_column)
print("gradients_vectorized with Y of shape (m, 1): dw has shape", grads_inner["dw"].shape)
assert grads_inner["dw"].shape == (2, m)

try:
    propagate(w, b, X, Y_column)
except ValueError as error:
    message = str(error)
    print(f"ValueError: {message}")
else:
    raise AssertionError("propagate accepted Y of shape (m, 1)")
assert f"({m}, 1)" in message  # what was passed
assert f"(1, {m})" in message  # what is needed
assert f"({m}, {m})" in message  # what would have happened
assert "reshape(1, -1)" in message  # the fix

# %% [markdown]
# The flat vector is refused too, with the same fix, and after the fix `propagate` gives
# the right gradient:

# %%
try:
    propagate(w, b, X, Y_flat)
except ValueError as error:
    flat_message = str(error)
    print(f"ValueError: {flat_message}\n")
else:
    raise AssertionError("propagate accepted Y of shape (m,)")
assert f"({m},)" in flat_message and f"(1, {m})" in flat_message
assert "reshape(1, -1)" in flat_message

grads_fixed, _ = propagate(w, b, X, Y_column.reshape(1, -1))
assert relative_error(grads_fixed["dw"], dw_right, gradient_scale(X)) <= loop_vs_vectorized_rtol(
    m, 2
)
print("propagate(w, b, X, Y_column.reshape(1, -1)):", grads_fixed["dw"].ravel(), grads_fixed["db"])

# %% [markdown]
# A picture of the trap: the right $dZ$ is one row, one entry per example; the trapped
# one is a full $m \times m$ matrix of every prediction minus every label.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
limits = {"vmin": -1.0, "vmax": 1.0, "cmap": figures.diverging_colormap()}
axes[0].imshow(dZ_right, **limits)
axes[0].set_title(f"A - Y, Y of shape {Y.shape}\n-> {dZ_right.shape}")
image = axes[1].imshow(dZ_trap, **limits)
axes[1].set_title(f"A - Y_column, Y_column of shape {Y_column.shape}\n-> {dZ_trap.shape}")
for ax in axes:
    ax.set_xlabel("example k (column of A)")
axes[0].set_yticks([])
axes[1].set_ylabel("label i (row of Y_column)")
fig.colorbar(image, ax=axes, shrink=0.8, label="value")
save_png(fig, "figures/02_vectorization_broadcasting_trap.png")
plt.show()

# %% [markdown]
# ## What we saw
#
# * The lecture's loop and the vectorized form compute the same gradient, to within the
#   rounding bound of adding the same terms in another order, and both agree with
#   `jax.grad`.
# * The vectorized form is faster by a factor that grows with $m$ until both costs are
#   proportional to $m$; on this machine the factor is printed above.
# * Broadcasting turns labels of shape $(m, 1)$ into an $(m, m)$ "gradient" without a
#   word; the package's public functions refuse it and say how to fix it.
#
# Next: gradient checking, where finite differences, the complex step and `jax.grad`
# check any gradient you write.
