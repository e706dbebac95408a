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
# # 1. Deriving the gradient of logistic regression by hand
#
# Logistic regression is the smallest neural network: one neuron, a sigmoid, and a
# cross-entropy loss. In this notebook we derive its gradient **by hand**, one node of
# the computation graph at a time, and after each step we ask a machine
# (`jax.grad`, automatic differentiation) whether we got it right. At the end,
# `sympy` confirms the key simplification symbolically, we go from one example to
# $m$ examples, and we reproduce the check values of the course's programming assignment
# to eight decimals (the lecture itself gives no numbers).
#
# Notation (the lecture's, used everywhere in the code too):
#
# | symbol | shape | meaning |
# |---|---|---|
# | $x$ | $(n_x, 1)$ | one example |
# | $y$ | scalar | its label, 0 or 1 |
# | $w$ | $(n_x, 1)$ | weights |
# | $b$ | scalar | bias |
# | $z = w^\top x + b$ | scalar | the logit |
# | $a = \sigma(z) = \frac{1}{1 + e^{-z}}$ | scalar | the predicted probability $\hat y$ |
# | $L(a, y) = -\bigl(y \log a + (1 - y) \log(1 - a)\bigr)$ | scalar | the loss |
#
# The code we check lives in the package: the forward model in `autograd_lr.forward`
# (written once, for numpy and jax alike) and every hand-derived derivative in
# `autograd_lr.gradients`, which never imports jax. jax differentiates the very same
# forward code, so agreement is evidence, not an echo.

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import mpmath
import numpy as np
import sympy as sp

from autograd_lr import check_derivation, forward, gradients, oracles, problems
from autograd_lr.tolerances import (
    JAX_RTOL,
    LECTURE_ATOL,
    gradient_scale,
    relative_error,
)
from autograd_lr.training import figures
from autograd_lr.training.figures import save_png

plt.style.use(figures.palette_style())  # colours a colour-blind reader tells apart, in every figure

EPS = float(np.finfo(np.float64).eps)  # 2.2e-16, the spacing of float64 numbers near 1

# %% [markdown]
# One helper: `jax.grad` evaluated in 64-bit floating point. jax computes in float32
# unless told otherwise; the context manager `jax.enable_x64(True)` switches float64 on
# for the duration of the call only, so the comparison below is float64 against float64.


# %%
def grad64(f, *args, argnums=0):
    """``jax.grad(f, argnums)(*args)`` computed in float64, returned as numpy values."""
    with jax.enable_x64(True):
        args64 = [jnp.asarray(arg, dtype=jnp.float64) for arg in args]
        g = jax.grad(f, argnums=argnums)(*args64)
    return jax.tree.map(np.asarray, g)


# %% [markdown]
# ## The example we follow
#
# We take the third example of the worked problem of the course's programming assignment
# ("Logistic Regression with a Neural Network mindset"): two features
# $x = (-1, -3.2)^\top$, label $y = 1$, and the parameters $w = (1, 2)^\top$, $b = 2$.
# It is a badly classified example (the label is 1 but the model says $a \approx 0.004$),
# so its gradient is large and easy to read.

# %%
problem = problems.lecture_problem()
x = problem.X[:, [2]]  # (n_x, 1) = (2, 1): the third column
y = float(problem.Y[0, 2])
w, b = problem.w, problem.b

z = float(forward.logits(w, b, x)[0, 0])
a = float(forward.sigmoid(z))
L = float(forward.loss(a, y))
print(f"x = {x.ravel()},  y = {y:g}")
print(f"z = w^T x + b = {z:.6f}")
print(f"a = sigma(z)  = {a:.6f}")
print(f"L(a, y)       = {L:.6f}")

# %% [markdown]
# ## The computation graph
#
# Forward, the inputs $x, w, b$ flow into $z$, then $a$, then $L$. Backward, the chain
# rule multiplies the **local** derivative of each edge, from $L$ back to the
# parameters:
#
# $$
# \frac{\partial L}{\partial w_j}
#   = \frac{\partial L}{\partial a}\,\frac{\partial a}{\partial z}\,\frac{\partial z}{\partial w_j}.
# $$
#
# The lecture writes $da$ for $\partial L/\partial a$, $dz$ for $\partial L/\partial z$,
# $dw_j$ for $\partial L/\partial w_j$ and $db$ for $\partial L/\partial b$. In the
# drawing, forward values are in black under each node and local derivatives in red on
# each edge.


# %%
def draw_graph(ax, values):
    """Draw x, w, b -> z -> a -> L with forward values and local derivatives."""
    nodes = {
        "x": (0.0, 2.4, r"$x$"),
        "w": (0.0, 1.0, r"$w$"),
        "b": (0.0, -0.4, r"$b$"),
        "z": (2.8, 1.0, r"$z = w^\top x + b$"),
        "a": (5.2, 1.0, r"$a = \sigma(z)$"),
        "L": (7.6, 1.0, r"$L(a, y)$"),
    }
    # (start, end, local derivative, where its label goes)
    edges = [
        ("x", "z", "", None),
        ("w", "z", r"$\partial z/\partial w = x$", (0.45, 1.12)),
        ("b", "z", r"$\partial z/\partial b = 1$", (0.75, -0.5)),
        ("z", "a", r"$\partial a/\partial z = a(1-a)$", (3.4, 1.12)),
        ("a", "L", r"$\partial L/\partial a = -\frac{y}{a} + \frac{1-y}{1-a}$", (5.8, 1.12)),
    ]
    for start, end, label, where in edges:
        (x0, y0, _), (x1, y1, _) = nodes[start], nodes[end]
        ax.annotate(
            "",
            xy=(x1 - 0.75, y1),
            xytext=(x0 + 0.35, y0),
            arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1.5},
        )
        if label:
            ax.text(
                *where,
                label,
                color=figures.OKABE_ITO["vermillion"],
                ha="left",
                va="bottom",
                fontsize=10,
            )
    for name, (px, py, text) in nodes.items():
        ax.text(
            px,
            py,
            text,
            ha="center",
            va="center",
            fontsize=13,
            bbox={"boxstyle": "round", "fc": "0.93"},
        )
        ax.text(px, py - 0.38, values[name], ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.6, 8.4)
    ax.set_ylim(-1.0, 2.8)
    ax.axis("off")


values = {
    "x": f"({x[0, 0]:g}, {x[1, 0]:g})",
    "w": f"({w[0, 0]:g}, {w[1, 0]:g})",
    "b": f"{b:g}",
    "z": f"{z:.4f}",
    "a": f"{a:.6f}",
    "L": f"{L:.4f}   (y = {y:g})",
}
fig, ax = plt.subplots(figsize=(10, 4))
draw_graph(ax, values)
ax.set_title("The computation graph of one example")
save_png(fig, "figures/01_derivation_graph.png")
plt.show()

# %% [markdown]
# ## Step 1: $da = \partial L / \partial a$
#
# $L(a, y) = -y \log a - (1 - y) \log(1 - a)$. With $\frac{d}{da}\log a = \frac{1}{a}$ and
# $\frac{d}{da}\log(1 - a) = -\frac{1}{1 - a}$:
#
# $$
# da = \frac{\partial L}{\partial a} = -\frac{y}{a} + \frac{1 - y}{1 - a}.
# $$
#
# `gradients.dL_da` is this formula; `jax.grad` differentiates `forward.loss` with
# respect to $a$. We compare with the normwise relative error
# $|\hat g - g| / \max(|g|, |\hat g|)$ and the tolerance `JAX_RTOL` (the same float64 math
# in a different order of operations: a few units in the last place).

# %%
da_hand = gradients.dL_da(a, y)
da_jax = grad64(lambda a_: forward.loss(a_, y), a)
print(f"da  by hand: {da_hand:.12g}\n    jax.grad: {float(da_jax):.12g}")
assert relative_error(da_hand, da_jax) <= JAX_RTOL

# %% [markdown]
# ## Step 2: $\partial a / \partial z = a(1 - a)$
#
# $a = \sigma(z) = (1 + e^{-z})^{-1}$, so
#
# $$
# \frac{\partial a}{\partial z} = \frac{e^{-z}}{(1 + e^{-z})^2}
#   = \underbrace{\frac{1}{1 + e^{-z}}}_{a}\;\underbrace{\frac{e^{-z}}{1 + e^{-z}}}_{1 - a}
#   = a(1 - a).
# $$
#
# The derivative of the sigmoid is written with the sigmoid itself: no new exponential
# is needed on the way back.

# %%
dadz_hand = gradients.da_dz(a)
dadz_jax = grad64(forward.sigmoid, z)
print(f"da/dz by hand: {dadz_hand:.12g}\n      jax.grad: {float(dadz_jax):.12g}")
assert relative_error(dadz_hand, dadz_jax) <= JAX_RTOL

# %% [markdown]
# ## Step 3: $dz = \partial L / \partial z$, by the chain rule, then simplified
#
# The chain rule multiplies the two local derivatives:
#
# $$
# dz = da \cdot \frac{\partial a}{\partial z}
#    = \Bigl(-\frac{y}{a} + \frac{1 - y}{1 - a}\Bigr)\, a(1 - a)
#    = -y(1 - a) + (1 - y)\,a
#    = a - y.
# $$
#
# The product form is `gradients.dL_dz_chain`, the simplified one `gradients.dL_dz`. We
# check both against `jax.grad` of the whole path $z \mapsto L(\sigma(z), y)$.

# %%
dz_chain = gradients.dL_dz_chain(a, y)
dz_hand = gradients.dL_dz(a, y)
dz_jax = grad64(lambda z_: forward.loss(forward.sigmoid(z_), y), z)
print(f"dz chain form : {dz_chain:.12g}")
print(f"dz = a - y    : {dz_hand:.12g}")
print(f"jax.grad      : {float(dz_jax):.12g}")
assert relative_error(dz_chain, dz_jax) <= JAX_RTOL
assert relative_error(dz_hand, dz_jax) <= JAX_RTOL

# %% [markdown]
# ### sympy agrees, symbolically
#
# A computer algebra system can do the same algebra without rounding. We let sympy
# differentiate $L(\sigma(z), y)$ with respect to $z$ and simplify the difference with
# $\sigma(z) - y$: it must be exactly zero. Then the two intermediate claims: the
# sigmoid's derivative, and the chain-rule product with $a$ as a free symbol.

# %%
z_s, y_s, a_s = sp.symbols("z y a", real=True)
sigma_s = 1 / (1 + sp.exp(-z_s))
L_s = -(y_s * sp.log(sigma_s) + (1 - y_s) * sp.log(1 - sigma_s))

dL_dz_symbolic = sp.diff(L_s, z_s)
dL_dz_symbolic

# %%
assert sp.simplify(dL_dz_symbolic - (sigma_s - y_s)) == 0
assert sp.simplify(sp.diff(sigma_s, z_s) - sigma_s * (1 - sigma_s)) == 0
chain_product = (-y_s / a_s + (1 - y_s) / (1 - a_s)) * a_s * (1 - a_s)
assert sp.simplify(chain_product - (a_s - y_s)) == 0
print("sympy: dL/dz - (sigma(z) - y) simplifies to", sp.simplify(dL_dz_symbolic - (sigma_s - y_s)))
print("sympy: the chain product simplifies to", sp.simplify(chain_product))

# %% [markdown]
# ## Step 4: $dw = x\, dz$ and $db = dz$
#
# $z = w^\top x + b = \sum_j w_j x_j + b$, so $\partial z / \partial w_j = x_j$ and
# $\partial z / \partial b = 1$. One more application of the chain rule:
#
# $$
# dw_j = \frac{\partial L}{\partial w_j} = x_j\, dz, \quad\text{i.e.}\quad dw = x\, dz
# \quad (n_x \times 1), \qquad db = \frac{\partial L}{\partial b} = dz.
# $$
#
# The oracle here is `oracles.jax_gradients`, `jax.grad` of the cost
# $J(w, b) = \frac{1}{m}\sum_i L^{(i)}$, which for a single example ($m = 1$) *is* $L$.

# %%
dw_hand = gradients.dL_dw(x, dz_hand)  # (2, 1)
db_hand = gradients.dL_db(dz_hand)
jax_grads = oracles.jax_gradients(w, b, x, np.array([[y]]))
print("dw by hand:", dw_hand.ravel(), "  jax.grad:", jax_grads["dw"].ravel())
print(f"db by hand: {db_hand:.12g}   jax.grad: {jax_grads['db']:.12g}")
assert dw_hand.shape == jax_grads["dw"].shape == (2, 1)
assert relative_error(dw_hand, jax_grads["dw"], gradient_scale(x)) <= JAX_RTOL
assert relative_error(db_hand, jax_grads["db"]) <= JAX_RTOL

# %% [markdown]
# ## From one example to $m$ examples
#
# The cost is the mean of the losses, $J(w, b) = \frac{1}{m}\sum_{i=1}^{m} L(a^{(i)}, y^{(i)})$.
# Differentiation is linear, so each derivative of $J$ is the **mean of the per-example
# derivatives**:
#
# $$
# \frac{\partial J}{\partial w_j} = \frac{1}{m}\sum_{i=1}^{m} x_j^{(i)}\, dz^{(i)},
# \qquad
# \frac{\partial J}{\partial b} = \frac{1}{m}\sum_{i=1}^{m} dz^{(i)},
# \qquad dz^{(i)} = a^{(i)} - y^{(i)}.
# $$
#
# We apply the one-example formulas to every column of the assignment's $X$ (three
# examples), look at each example's share, and take the mean.

# %%
X, Y = problem.X, problem.Y  # (2, 3), (1, 3)
m = X.shape[1]
Z = forward.logits(w, b, X)  # (1, m)
A = forward.sigmoid(Z)  # (1, m)
dZ = gradients.dL_dz(A, Y)  # (1, m)
dW_per_example = gradients.dL_dw(X, dZ)  # (n_x, m): column i is x^(i) dz^(i)
db_per_example = gradients.dL_db(dZ)  # (1, m)

print(" i |    z     |    a     | y |    dz     | x1 dz     | x2 dz")
for i in range(m):
    print(
        f" {i + 1} | {Z[0, i]:8.4f} | {A[0, i]:.6f} | {Y[0, i]:g} | {dZ[0, i]:+.6f} "
        f"| {dW_per_example[0, i]:+.6f} | {dW_per_example[1, i]:+.6f}"
    )

dw = np.mean(dW_per_example, axis=1, keepdims=True)  # (n_x, 1)
db = float(np.mean(db_per_example))
cost = float(forward.cost(w, b, X, Y))
print("\ndw =", dw.ravel(), f" db = {db:.8f}  cost = {cost:.8f}")

# %% [markdown]
# The first example is already well classified ($y = 1$, $a \approx 1$) and contributes
# almost nothing. The second ($y = 0$ but $a \approx 1$) and the third ($y = 1$ but
# $a \approx 0$, the one we followed) are both badly wrong, and both add positive terms
# to $dw$: a gradient-descent step $w := w - \alpha\, dw$ will lower both weights. In
# $db$ they pull in opposite directions ($dz \approx +1$ and $dz \approx -1$) and nearly
# cancel, which is why $db$ is so small.
#
# Two independent checks of the means: `jax.grad` of the cost, and the check values of
# the course's programming assignment, $dw \approx (0.99845601, 2.39507239)^\top$, $db \approx 0.00145558$,
# cost $\approx 5.80154532$, printed to eight decimals (`LECTURE_ATOL` = half a unit
# of the eighth decimal).

# %%
jax_grads, jax_cost = oracles.jax_value_and_gradients(w, b, X, Y)
assert relative_error(dw, jax_grads["dw"], gradient_scale(X)) <= JAX_RTOL
assert relative_error(db, jax_grads["db"], gradient_scale(X)) <= JAX_RTOL
assert relative_error(cost, jax_cost) <= JAX_RTOL

assignment_dw = np.array([[0.99845601], [2.39507239]])
assignment_db, assignment_cost = 0.00145558, 5.80154532
assert np.max(np.abs(dw - assignment_dw)) <= LECTURE_ATOL
assert abs(db - assignment_db) <= LECTURE_ATOL
assert abs(cost - assignment_cost) <= LECTURE_ATOL
print("hand-derived means == jax.grad == the programming assignment's check values")

# %% [markdown]
# ## Why the code computes $L$ from $z$, not from $a$
#
# The lecture's formula $L = -(y\log a + (1 - y)\log(1 - a))$ is exact mathematics but
# fragile arithmetic. In float64, $a = \sigma(z)$ rounds to exactly 1 once
# $e^{-z} < \varepsilon/2$, that is for $z > \log(2/\varepsilon) \approx 36.7$; then
# $\log(1 - a) = \log 0 = -\infty$, and the loss is $\infty$ (for $y = 0$) or
# $0 \cdot (-\infty) = \text{nan}$ (for $y = 1$). Even before that, $1 - a$ is a
# subtraction of nearly equal numbers. Computing $a = 1/(1 + e^{-z})$ rounds
# $1 + e^{-z}$, whose float64 neighbours are $\varepsilon$ apart, so $a$ carries an
# absolute error up to about $\varepsilon/2$; in $1 - a \approx e^{-z}$ that becomes a
# relative error up to $\approx \tfrac{\varepsilon}{2} e^{z}$, and $-\log(1 - a)$
# inherits it as an absolute error.
#
# With $\log\sigma(z) = z - \log(1 + e^z)$ and $\log(1 - \sigma(z)) = -\log(1 + e^z)$ the
# loss becomes the **softplus form**
#
# $$
# L = \log(1 + e^{z}) - y z,
# $$
#
# computed as `logaddexp(0, z)` (no overflow, no cancellation inside). Its derivative is
# $\sigma(z) - y = a - y$ again. The same fragility hits the unsimplified chain form
# $da \cdot a(1 - a)$, which divides by $1 - a$.
#
# We measure both forms on a grid of $z \in [-50, 50]$ against a 40-digit reference
# computed with `mpmath`, for both labels.

# %%
SOFTPLUS_ATOL_PER_UNIT_Z = (
    2 * EPS
)  # logaddexp and the subtraction y z each round once at the size of L ~ max(1, |z|)
DZ_ATOL = (
    2 * EPS
)  # a - y: sigma (exp, one division) rounds to ~1 ulp of 1, the subtraction once more

z_grid = np.linspace(-50.0, 50.0, 2001)
mpmath.mp.dps = 40


def exact_loss(z_value, y_value):
    """L(sigma(z), y) = log(1 + e^z) - y z with 40 significant digits."""
    zm = mpmath.mpf(float(z_value))
    return float(mpmath.log1p(mpmath.exp(zm)) - y_value * zm)


def exact_dz(z_value, y_value):
    """dL/dz = sigma(z) - y with 40 significant digits."""
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(float(z_value)))) - y_value)


curves = {}
for label in (0.0, 1.0):
    a_grid = forward.sigmoid(z_grid)
    with np.errstate(
        divide="ignore", invalid="ignore"
    ):  # the naive forms produce inf and nan on purpose
        naive_loss = forward.loss(a_grid, label)
        chain_dz = gradients.dL_dz_chain(a_grid, label)
    curves[label] = {
        "stable_loss": forward.loss_from_logits(z_grid, label),
        "naive_loss": naive_loss,
        "stable_dz": gradients.dL_dz(a_grid, label),
        "chain_dz": chain_dz,
        "exact_loss": np.array([exact_loss(v, label) for v in z_grid]),
        "exact_dz": np.array([exact_dz(v, label) for v in z_grid]),
    }

# %% [markdown]
# The claims, asserted: the softplus form and $dz = a - y$ are finite everywhere and
# accurate to a few units of $\varepsilon \max(1, |z|)$; the naive forms are
# non-finite from exactly the predicted $z^\star = \log(2/\varepsilon)$ on; below it the
# naive loss for $y = 0$ stays within twice the predicted error, $\varepsilon e^{z}$, and is
# visibly wrong by $z = 30$ (in the third decimal). Finally `jax.grad` of the softplus
# form agrees with $a - y$ on the whole grid.

# %%
z_star = float(z_grid[np.argmax(forward.sigmoid(z_grid) == 1.0)])  # first z where sigma rounds to 1
grid_step = float(z_grid[1] - z_grid[0])
print(f"sigma(z) rounds to 1 from z = {z_star:.2f}; predicted log(2/eps) = {np.log(2 / EPS):.2f}")
assert abs(z_star - np.log(2 / EPS)) <= grid_step

saturated = z_grid >= z_star
for label, c in curves.items():
    assert np.all(np.isfinite(c["stable_loss"])) and np.all(np.isfinite(c["stable_dz"]))
    loss_bound = SOFTPLUS_ATOL_PER_UNIT_Z * np.maximum(1.0, np.abs(z_grid))
    assert np.all(np.abs(c["stable_loss"] - c["exact_loss"]) <= loss_bound)
    assert np.all(np.abs(c["stable_dz"] - c["exact_dz"]) <= DZ_ATOL)
    assert not np.any(np.isfinite(c["naive_loss"][saturated]))
    assert not np.any(np.isfinite(c["chain_dz"][saturated]))
    print(f"y = {label:g}: naive loss at z >= z*: {np.unique(c['naive_loss'][saturated])}")

naive_error_y0 = np.abs(curves[0.0]["naive_loss"] - curves[0.0]["exact_loss"])
below = (z_grid >= 10) & ~saturated  # where the cancellation dominates L's own rounding
assert np.all(naive_error_y0[below] <= EPS * np.exp(z_grid[below]))
at_30 = int(np.argmin(np.abs(z_grid - 30.0)))
print(
    f"y = 0, z = 30: naive error {naive_error_y0[at_30]:.2e}, stable error "
    f"{abs(curves[0.0]['stable_loss'][at_30] - curves[0.0]['exact_loss'][at_30]):.2e}"
)
assert naive_error_y0[at_30] > 1e-4

for label, c in curves.items():
    with jax.enable_x64(True):
        dz_of_z = jax.vmap(jax.grad(lambda z_, y_=label: forward.loss_from_logits(z_, y_)))
        jax_dz = np.asarray(dz_of_z(jnp.asarray(z_grid)))
    assert relative_error(c["stable_dz"], jax_dz) <= JAX_RTOL

# %% [markdown]
# The figure: the loss and $dz$ against $z$ (left, middle; in the shaded band the naive
# forms are inf or nan, so their dashed curves stop), and, for $z \ge 0$ where the
# trouble is, the absolute error of each loss against the 40-digit reference (right, log
# scale; exact zeros are drawn at $10^{-20}$). The naive loss for $y = 0$ climbs along
# the predicted $\varepsilon e^{z}/2$ line up to the breakdown, while the softplus form
# stays at the rounding floor.

# %%
FLOOR = 1e-20  # exact zeros are drawn here on the log-scale panel
right = z_grid >= 0
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
for label, color in zip((0.0, 1.0), figures.CLASS_COLOURS, strict=True):
    c = curves[label]
    axes[0].plot(z_grid, c["stable_loss"], color=color, label=f"softplus form, y = {label:g}")
    axes[0].plot(z_grid, c["naive_loss"], "--", color="k", lw=1)
    axes[1].plot(z_grid, c["stable_dz"], color=color, label=f"a - y, y = {label:g}")
    axes[1].plot(z_grid, c["chain_dz"], "--", color="k", lw=1)
    with np.errstate(invalid="ignore"):  # inf - inf in the naive column
        for form, style in (("stable_loss", "-"), ("naive_loss", ":")):
            error = np.abs(c[form] - c["exact_loss"])[right]
            name = "softplus form" if form == "stable_loss" else "naive log(sigma)"
            axes[2].semilogy(
                z_grid[right],
                np.maximum(error, FLOOR),
                style,
                color=color,
                lw=1.5,
                label=f"{name}, y = {label:g}",
            )
axes[0].plot([], [], "--", color="k", lw=1, label="naive log(sigma) form")
axes[1].plot([], [], "--", color="k", lw=1, label=r"chain form $da \cdot a(1-a)$")
axes[2].semilogy(
    z_grid[right],
    EPS / 2 * np.exp(z_grid[right]),
    color="0.5",
    lw=1,
    label=r"$\varepsilon e^{z} / 2$",
)
for ax, title in zip(
    axes, ("loss L against z", "dL/dz against z", "|error| of L vs 40-digit reference"), strict=True
):
    ax.axvspan(z_star, z_grid[-1], color=figures.OKABE_ITO["vermillion"], alpha=0.1)
    ax.set_xlabel("z")
    ax.set_title(title)
    ax.legend(fontsize=8)
axes[2].set_ylim(FLOOR / 3, 1e3)
fig.tight_layout()
save_png(fig, "figures/01_derivation_stability.png")
plt.show()

# %% [markdown]
# ## The derivation itself, checked step by step
#
# Everything above checked *values*. `autograd_lr.check_derivation` checks the
# *derivation*: each step as we wrote it, in LaTeX (or Python syntax), is evaluated at
# 42 points of its domain, $|z|$ up to 30 and $y$ in $\{0, 1\}$ and in $(0, 1)$, with
# 60-digit arithmetic, and compared with `jax.grad` of the model's loss there. A step
# built on an earlier one names it (`dz = da \cdot \frac{da}{dz}`), as the lecture does.
# A wrong step is named with its classic slip; try changing one line below.

# %%
derivation = {
    "da": r"-\frac{y}{a} + \frac{1-y}{1-a}",
    "da_dz": r"a(1-a)",
    "dz": r"da \cdot \frac{da}{dz}",
    "dw": r"x\,dz",
    "db": r"dz",
    "dJ_dw": r"\frac{1}{m} X\,dZ^{T}",
    "dJ_db": r"\frac{1}{m} \sum_{i=1}^{m} dZ",
}
report = check_derivation(derivation)
print(report)
assert report.passed

# %% [markdown]
# ## What we proved, and what is next
#
# * Each local derivative of the graph, $da$, $\partial a/\partial z$, $dz$, $dw$, $db$,
#   agrees with `jax.grad` at its own node to float64 rounding (`JAX_RTOL`).
# * sympy confirms $\partial L/\partial z = a - y$ exactly, along with the two steps that
#   produce it.
# * Over $m$ examples the gradient is the mean of the per-example gradients, and it
#   reproduces the programming assignment's check values to eight decimals.
# * Computing the loss from $z$ (softplus form) and $dz$ as $a - y$ is what keeps both
#   exact where the textbook forms return inf and nan.
#
# Next, [02_vectorization](02_vectorization.ipynb): the same gradient without Python loops.
