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
# # 3. Gradient checking
#
# A hand-derived gradient can be wrong in ways that still train: a missing $\frac1m$ only
# rescales the learning rate, an extra factor only slows things down. The classic
# defence is to compare it with a **finite difference**, the slope of a secant:
#
# $$
# f'(x) \approx D(h) = \frac{f(x + h) - f(x - h)}{2h}.
# $$
#
# How small should $h$ be? Not as small as possible. This notebook measures the error
# of $D(h)$ against $h$ and explains the V-shaped curve it draws; repeats the
# experiment in float32; meets two better tools, the **complex step** (and the one kind
# of code it silently gets wrong) and **Richardson extrapolation**; and ends with the
# package's checker, `check_gradients`, catching four classic mistakes and naming each.

# %%
import functools

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from autograd_lr import check_gradients, forward, oracles, problems, propagate
from autograd_lr.tolerances import JAX_RTOL, relative_error
from autograd_lr.training import figures
from autograd_lr.training.figures import save_png

plt.style.use(figures.palette_style())  # colours a colour-blind reader tells apart, in every figure

EPS64 = float(np.finfo(np.float64).eps)  # 2.2e-16
EPS32 = float(np.finfo(np.float32).eps)  # 1.2e-7

# %% [markdown]
# ## The function we differentiate
#
# We take a small problem from the package's problem maker and look at the cost as a
# function of one number, the first weight: $f(t) = J(w + t\,e_1, b)$, with
# $f'(0) = \partial J / \partial w_1 = dw_1$. `jax.grad` gives the exact value (to
# rounding), and, because it differentiates any code, also the third derivative
# $f'''(0)$, which we will need to predict the error.
#
# `cost_at` evaluates $f$ with the perturbed weight in a chosen number type: float64,
# float32, or complex. It also returns the weight as actually stored: in float32,
# $w_1 + h$ is rounded, and the honest step is the difference of the stored values,
# not $h$.

# %%
w, b, X, Y = problems.make_problem(n_x=3, m=20, seed=1)
n_x = w.shape[0]


def cost_at(step, dtype=np.float64):
    """(J(w + step e_1, b), the stored w_1 + step), everything in ``dtype``."""
    w_t = w.astype(dtype)
    w_t[0, 0] += step
    analytic = np.issubdtype(dtype, np.complexfloating)  # log(1 + e^z): see below
    J = forward.cost(w_t, b, X.astype(dtype), Y.astype(dtype), analytic=analytic)
    return J, w_t[0, 0]


def f_jax(t):
    """f(t) = J(w + t e_1, b) for jax, to differentiate."""
    return forward.cost(jnp.asarray(w).at[0, 0].add(t), b, jnp.asarray(X), jnp.asarray(Y))


with jax.enable_x64(True):
    f0 = float(f_jax(0.0))
    d_exact = float(jax.grad(f_jax)(0.0))
    d3 = float(jax.grad(jax.grad(jax.grad(f_jax)))(0.0))

assert relative_error(d_exact, oracles.jax_gradients(w, b, X, Y)["dw"][0, 0]) <= JAX_RTOL
print(f"f(0) = J = {f0:.6f},  f'(0) = dw_1 = {d_exact:.10f},  f'''(0) = {d3:.6f}")

# %% [markdown]
# ## The V-shaped curve: truncation against round-off
#
# Two errors pull in opposite directions.
#
# * **Truncation.** Taylor's theorem gives $f(x \pm h) = f \pm h f' + \frac{h^2}{2} f''
#   \pm \frac{h^3}{6} f''' + \dots$; in the central difference the even terms cancel and
#   $D(h) = f' + \frac{h^2}{6} f''' + O(h^4)$. The error **falls** like $h^2$.
# * **Round-off.** The computer stores $f(x \pm h)$ with a relative error of about
#   $\varepsilon$ (machine epsilon). Subtracting two nearly equal numbers keeps their
#   absolute errors, about $\varepsilon |f|$, and dividing by $2h$ magnifies them: an
#   error of about $\varepsilon |f| / h$ that **grows** as $h$ shrinks.
#
# Their sum $\frac{h^2}{6}|f'''| + \frac{\varepsilon |f|}{h}$ is smallest at
#
# $$
# h^\star = \Bigl(\frac{3\,\varepsilon\,|f|}{|f'''|}\Bigr)^{1/3} \sim \varepsilon^{1/3},
# $$
#
# where both terms are of size $\varepsilon^{2/3}$ (times the problem's own scales): for
# $|f| \approx |f'''|$ that is the rule of thumb $h = \varepsilon^{1/3} \approx 6\cdot10^{-6}$ in
# float64, with an error near $\varepsilon^{2/3} \approx 4\cdot10^{-11}$, not $10^{-16}$. Here
# $|f|/|f'''| \approx 230$, so the model puts $h^\star$ about nine times higher. We sweep $h$
# over 13 decades and compare.


# %%
def central(h, dtype=np.float64):
    """The central difference D(h) of f at 0, with f evaluated in ``dtype``."""
    J_up, x_up = cost_at(h, dtype)
    J_down, x_down = cost_at(-h, dtype)
    if x_up == x_down:  # h below the spacing of numbers near w_1: the step rounded away
        return 0.0  # no information at all: a relative error of 100 %
    return (float(J_up) - float(J_down)) / (float(x_up) - float(x_down))


def model_error(h, eps):
    """Predicted relative error: (h²|f'''|/6 + ε|f|/h) / |f'|."""
    return (h**2 * abs(d3) / 6 + eps * abs(f0) / h) / abs(d_exact)


def h_star(eps):
    return (3 * eps * abs(f0) / abs(d3)) ** (1 / 3)


steps = np.logspace(-1, -14, 131)  # ten points per decade
error64 = np.array([relative_error(central(h), d_exact) for h in steps])
best64 = int(np.argmin(error64))
print(f"float64: best h = {steps[best64]:.1e} with relative error {error64[best64]:.1e}")
print(
    f"  model: h* = {h_star(EPS64):.1e} with relative error {model_error(h_star(EPS64), EPS64):.1e}"
)
print(f"  rule of thumb eps^(1/3) = {EPS64 ** (1 / 3):.1e}")

# %% [markdown]
# The measured curve should follow the model: slope $+2$ on the right (truncation,
# deterministic), slope $-1$ on the left (round-off, which is random, so the points
# scatter, mostly below the model: $\varepsilon|f|$ is about the *largest* rounding error
# of one evaluation of $f$, and the two errors partly cancel), and its lowest point near
# $h^\star$. We fit the slopes by least squares on
# the log–log points, four decades on each side, well away from the bottom.

# %%
# The truncation side is deterministic: D(h) − f' = h²f'''/6 + O(h⁴), and the O(h⁴) term
# bends the fitted slope by less than 0.01 over h in [1e-4, 1e-1].
TRUNCATION_SLOPE_ATOL = 0.05
# The round-off side is random (each f(x ± h) is off by a different fraction of ε):
# over four decades the fitted slope scatters by about ±0.1 around −1.
ROUNDOFF_SLOPE_ATOL = 0.3
# The measured optimum, and the error there, within a factor 10 of the model's: the
# model counts the rounding of f as exactly ε|f|, the real one is a few ε|f|, random.
MODEL_FACTOR = 10.0


def slope(h_values, errors, low, high):
    """Least-squares slope of log10(error) against log10(h) for h in [low, high]."""
    keep = (h_values >= low) & (h_values <= high)
    return float(np.polyfit(np.log10(h_values[keep]), np.log10(errors[keep]), 1)[0])


right, left = slope(steps, error64, 1e-4, 1e-1), slope(steps, error64, 1e-14, 1e-10)
print(f"slope on the right: {right:+.3f} (model +2); on the left: {left:+.3f} (model -1)")
assert abs(right - 2) <= TRUNCATION_SLOPE_ATOL
assert abs(left + 1) <= ROUNDOFF_SLOPE_ATOL
assert 1 / MODEL_FACTOR <= steps[best64] / h_star(EPS64) <= MODEL_FACTOR
assert error64[best64] <= MODEL_FACTOR * model_error(h_star(EPS64), EPS64)

# %% [markdown]
# ## float32: the same V, higher and further right
#
# Training often runs in float32, where $\varepsilon = 2^{-23} \approx 1.2\cdot10^{-7}$. The same
# analysis moves the optimum to $h^\star \propto \varepsilon^{1/3}$ and the best error to
# $\propto \varepsilon^{2/3}$: the ratio of the best errors should be about
# $(\varepsilon_{32}/\varepsilon_{64})^{2/3} \approx 7\cdot10^5$. A float32 gradient check can
# therefore never confirm more than about four digits: check gradients in float64.
# (Below $h \approx 10^{-6}$ the float32 curve is flat at 1: $f(x + h)$ and $f(x - h)$ round
# to the same float32 number, and $D(h) = 0$.)

# %%
error32 = np.array([relative_error(central(h, np.float32), d_exact) for h in steps])
best32 = int(np.argmin(error32))
print(f"float32: best h = {steps[best32]:.1e} with relative error {error32[best32]:.1e}")
print(
    f"  model: h* = {h_star(EPS32):.1e} with relative error {model_error(h_star(EPS32), EPS32):.1e}"
)
ratio, predicted_ratio = error32[best32] / error64[best64], (EPS32 / EPS64) ** (2 / 3)
print(f"best float32 error / best float64 error = {ratio:.1e} (predicted {predicted_ratio:.1e})")
assert 1 / MODEL_FACTOR <= steps[best32] / h_star(EPS32) <= MODEL_FACTOR
assert 1 / MODEL_FACTOR <= ratio / predicted_ratio <= MODEL_FACTOR

# %%
fig, ax = plt.subplots(figsize=(8, 5))
for errors, eps, name, colour in (
    (error64, EPS64, "float64", figures.CYCLE[0]),
    (error32, EPS32, "float32", figures.CYCLE[1]),
):
    ax.loglog(steps, errors, ".", ms=4, color=colour, label=f"central difference, {name}")
    ax.loglog(
        steps,
        model_error(steps, eps),
        "-",
        lw=1,
        color=colour,
        alpha=0.6,
        label=rf"model $h^2|f'''|/6 + \varepsilon|f|/h$ ({name})",
    )
    ax.axvline(h_star(eps), color=colour, ls="--", lw=1)
    ax.axvline(eps ** (1 / 3), color=colour, ls=":", lw=1)
ax.plot([], [], "k--", lw=1, label=r"optimum $h^\star = (3\varepsilon|f|/|f'''|)^{1/3}$")
ax.plot([], [], "k:", lw=1, label=r"rule of thumb $h = \varepsilon^{1/3}$")
ax.set_ylim(1e-14, 2)
ax.set_xlabel("step h")
ax.set_ylabel(r"relative error of $D(h)$ against jax.grad")
ax.set_title(r"Central differences: truncation ($\propto h^2$) vs round-off ($\propto 1/h$)")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=8, loc="lower left")
save_png(fig, "figures/03_gradient_checking_step_size.png")
plt.show()

# %% [markdown]
# ## The complex step: no subtraction, no round-off
#
# If $f$ is built from analytic operations (sums, products, $\exp$, $\log$), it accepts a
# complex argument, and Taylor's theorem along the imaginary axis gives
#
# $$
# f(x + ih) = f(x) + ih f'(x) - \frac{h^2}{2} f''(x) - i\frac{h^3}{6} f'''(x) + \dots
# \quad\Rightarrow\quad
# \frac{\operatorname{Im} f(x + ih)}{h} = f'(x) - \frac{h^2}{6} f'''(x) + \dots
# $$
#
# The same truncation error as the central difference, but **no subtraction**: nothing
# cancels, so no round-off grows as $h$ shrinks. Take $h = 10^{-20}$ (or $10^{-200}$) and
# the truncation term is far below $\varepsilon$: the derivative comes out exact to
# rounding. The cost needs the textbook softplus $\log(1 + e^{z})$ here (`analytic=True`),
# because `logaddexp` does not accept complex numbers.
#
# Richardson extrapolation is the other improvement: combining two central differences
# cancels the $h^2$ term, $R(h) = \frac{4 D(h/2) - D(h)}{3} = f' + O(h^4)$, so the truncation
# falls like $h^4$ and the optimum moves to $h \sim \varepsilon^{1/5}$, with a best error
# near $\varepsilon^{4/5}$.


# %%
def complex_step(h):
    """Im f(ih) / h."""
    J, _ = cost_at(1j * h, np.complex128)
    return float(np.imag(J)) / h


def richardson(h):
    return (4 * central(h / 2) - central(h)) / 3


tiny_steps = np.concatenate([np.logspace(-1, -20, 191), np.logspace(-21, -300, 280)])
error_cs = np.array([relative_error(complex_step(h), d_exact) for h in tiny_steps])
error_r = np.array([relative_error(richardson(h), d_exact) for h in steps])
best_r = int(np.argmin(error_r))
print(
    f"complex step: error at most {error_cs[tiny_steps <= 1e-8].max():.1e} at every h from 1e-8 down to 1e-300"
)
print(
    f"Richardson: best h = {steps[best_r]:.1e} with relative error {error_r[best_r]:.1e} "
    f"(eps^(1/5) = {EPS64**0.2:.1e})"
)

# %%
# Complex step, h ≤ 1e-8: the h² term is below 1e-17, and Im f / h rounds like f itself,
# a few ε of the derivative.
COMPLEX_STEP_ERROR = 4 * EPS64

assert np.all(error_cs[tiny_steps <= 1e-8] <= COMPLEX_STEP_ERROR)
assert abs(slope(steps, error_r, 3e-2, 1e-1) - 4) <= TRUNCATION_SLOPE_ATOL
assert error_r[best_r] * MODEL_FACTOR <= error64[best64], "Richardson should beat D(h) tenfold"

fig, ax = plt.subplots(figsize=(8, 4.5))
floor = EPS64 / 8  # an exact 0 cannot be drawn on a log scale
shown = tiny_steps >= 1e-20  # the complex step stays flat all the way down to 1e-300
for h_values, errors, label in (
    (steps, error64, r"central $D(h)$, $O(h^2)$"),
    (steps, error_r, r"Richardson $R(h)$, $O(h^4)$"),
    (tiny_steps[shown], error_cs[shown], r"complex step $\mathrm{Im}\,f(ih)/h$"),
):
    ax.loglog(h_values, np.maximum(errors, floor), ".", ms=4, label=label)
ax.axhline(EPS64, color="0.5", ls=":", lw=1, label=r"$\varepsilon_{64}$")
ax.set_xlabel("step h")
ax.set_ylabel("relative error against jax.grad")
ax.set_title("Three derivative estimates in float64 (errors below ε/8 drawn at ε/8)")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=9)
save_png(fig, "figures/03_gradient_checking_methods.png")
plt.show()

# %% [markdown]
# ### Where the complex step is silently wrong
#
# The complex step needs $f$ to be analytic, and numerically careful code often is not.
# A widespread stable form of the softplus is
# $\log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})$: exact for real $z$, but `np.abs`
# of a complex number is its (real) modulus and `np.maximum` compares complex numbers
# by their real parts, so the imaginary part that carries the derivative is partly
# thrown away. No error, no warning, just a wrong number:


# %%
def cost_with_abs_and_max(theta):
    """J in the 'stable' form max(z, 0) + log(1 + e^-|z|) - y z; θ = (w, b) flat."""
    w_, b_ = oracles.unpack(theta, n_x)
    Z = w_.T @ X + b_
    return np.mean(np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z))) - Y * Z)


theta = oracles.pack(w, b)
h = 1e-20
naive = np.imag(cost_with_abs_and_max(theta + 1j * h * np.eye(n_x + 1)[0])) / h
print(f"the real values agree:      J = {cost_with_abs_and_max(theta):.12f} vs {f0:.12f}")
print(f"complex step on this form: dw_1 = {naive:.10f}, jax.grad: {d_exact:.10f}")
assert abs(cost_with_abs_and_max(theta) - f0) <= 4 * EPS64 * f0
assert relative_error(naive, d_exact) > 1e-2

# %% [markdown]
# The package's `oracles.complex_step` guards against exactly this: before trusting
# the complex step it compares it, along one random direction, with a Richardson
# difference, and refuses a function whose two answers disagree.

# %%
try:
    oracles.complex_step(cost_with_abs_and_max, theta)
except ValueError as error:
    refusal = str(error)
    print(f"ValueError: {refusal}")
else:
    raise AssertionError("complex_step accepted a non-analytic function")
assert "not analytic" in refusal and "abs, maximum" in refusal

analytic_cost = lambda t: forward.cost(*oracles.unpack(t, n_x), X, Y, analytic=True)  # noqa: E731
accepted = oracles.complex_step(analytic_cost, theta)
assert relative_error(accepted[0], d_exact) <= COMPLEX_STEP_ERROR
print(f"on the analytic form it is accepted: dw_1 = {accepted[0]:.10f}")

# %% [markdown]
# ## The checker: `check_gradients`
#
# `check_gradients(fn)` puts all of this to work on any function with `propagate`'s
# contract, `fn(w, b, X, Y) -> ({"dw": ..., "db": ...}, cost)`. It runs `fn` on six
# deterministic problems chosen so that mistakes cannot hide ($n_x \ne m$, a single
# example, all labels equal, saturated logits, a larger problem), compares $dw$, $db$
# and the cost with `jax.grad` in float64 at a tolerance of $10^{-10}$, and asks central
# differences for a second opinion. The column "oracles agree to" is that second
# opinion: jax and finite differences agree to about $4\cdot10^{-11}$, the bottom of the V
# above. The package's own `propagate` passes:

# %%
report = check_gradients(propagate)
print(report)
assert report.passed and report.wrong == []

# %% [markdown]
# ## Four classic mistakes, planted
#
# Each function below is `propagate` with one mistake that learners really make; the
# cost is right in all of them, only the backward pass is wrong:
#
# | mistake | code | effect |
# |---|---|---|
# | the $\frac1m$ forgotten | `dw = X @ dZ.T`, `db = np.sum(dZ)` | $m$ times too large |
# | sign flip | `dZ = Y - A` | points uphill |
# | $Y$ forgotten | `dZ = A` | ignores the labels |
# | an extra $\sigma'(z)$ | `dZ = (A - Y) * A * (1 - A)` | the chain rule applied twice |
#
# The last one is subtle: $dz = da \cdot a(1 - a)$ is right, and $da \cdot a(1-a)$
# simplifies to $a - y$ (notebook 1), so multiplying $a - y$ by $a(1 - a)$ once more
# counts $\sigma'$ twice. The checker says which quantity is wrong and, by tracing the
# function's lines and trying the corrections of its error model, which line is wrong
# and, when a correction makes the function pass, which mistake it is and how to fix it.


# %%
def forward_pass(w, b, X, Y):
    """m, A (1, m) and the lecture's cost: the part every planted function gets right."""
    m = X.shape[1]
    A = forward.sigmoid(w.T @ X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return m, A, cost


def forgot_one_over_m(w, b, X, Y):
    _, A, cost = forward_pass(w, b, X, Y)
    dZ = A - Y
    return {"dw": X @ dZ.T, "db": np.sum(dZ)}, cost


def sign_flip(w, b, X, Y):
    m, A, cost = forward_pass(w, b, X, Y)
    dZ = Y - A
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost


def forgot_Y(w, b, X, Y):
    m, A, cost = forward_pass(w, b, X, Y)
    dZ = A
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost


def extra_sigmoid_derivative(w, b, X, Y):
    m, A, cost = forward_pass(w, b, X, Y)
    dZ = (A - Y) * A * (1 - A)
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost


# %% [markdown]
# The full report for the first one: the verdict per quantity, the diagnosis with its
# fix and its evidence, and the worst entries.

# %%
report = check_gradients(forgot_one_over_m)
print(report)

# %% [markdown]
# Each report is also data: `.passed`, `.wrong` (the quantities that are wrong),
# `.rules` (the correction rules of a verified repair), `.mistakes` (facts about the run:
# it raised, changed its inputs...) and `.diagnosis`. We assert, for every planted
# mistake, that the check fails, that exactly $dw$ and $db$ are blamed (the cost is
# right), and that the diagnosis points at the line of `dZ`. Where a rule of the error
# model repairs the program (a $\frac1m$ put back, a sign flipped), it names the rule
# and gives the repaired line; where none does (no rule writes a forgotten $Y$ or
# removes an extra factor σ′), it says only where and what, and no fix.

# %%
planted = {
    forgot_one_over_m: {"add_mean"},  # dZ = (A - Y) / m
    sign_flip: {"flip_sign"},
    forgot_Y: set(),
    extra_sigmoid_derivative: set(),
}
for fn, rules in planted.items():
    report = check_gradients(fn)
    print(f"{fn.__name__}: passed = {report.passed}, wrong = {report.wrong}")
    for diagnosis in report.diagnosis:
        print(f"  {diagnosis}")
    assert not report.passed
    assert report.wrong == ["dw", "db"]
    assert report.rules == rules and report.mistakes == set(), (report.rules, report.mistakes)
    (d,) = report.diagnosis
    assert d.line == fn.__code__.co_firstlineno + 2, "the line of dZ"
    assert bool(d.rules) == bool(d.fix), "a fix exactly where a cause is named"

# %% [markdown]
# Without the source (code run with `exec` from a string, a `functools.partial`, a
# grader with the answers alone) no line can be traced. The checker then matches the
# answers against *models of wrong outputs*, each built from the oracles (not by hand),
# and names a mistake only when its model reproduces the answers on every problem. Here
# each planted function is wrapped in a `functools.partial`, whose source Python cannot
# find:

# %%
from_outputs = {
    forgot_one_over_m: {"missing_1_over_m", "db_summed"},
    sign_flip: {"sign_flipped"},
    forgot_Y: {"forgot_Y"},
    extra_sigmoid_derivative: {"extra_sigmoid_derivative"},
}
for fn, mistakes in from_outputs.items():
    report = check_gradients(functools.partial(fn), name=fn.__name__)
    print(f"{fn.__name__}, outputs only: {sorted(report.mistakes)}")
    assert report.mistakes == mistakes, report.mistakes
    assert all(d.fix and d.line == 0 for d in report.diagnosis), "a cause and fix, no line"

# %% [markdown]
# ## Fast mode, for many features
#
# Per-coordinate finite differences cost $2(n_x + 1)$ evaluations of $J$. With
# `fast=True` (automatic above 500 features) the checker instead compares the
# directional derivative $v^\top \hat g$ of the learner's gradient with a Richardson
# difference of $J$ along a few random unit directions $v$: four evaluations of $J$
# per direction, whatever $n_x$ is. A wrong gradient is caught unless $v$ happens to be
# orthogonal to the error, a chance of zero for a random direction. Here on
# 5,000 features:

# %%
large = [problems.make_problem(n_x=5_000, m=50, seed=7, name="n_x = 5000, m = 50")]
fast_right = check_gradients(propagate, fast=True, problems=large)
fast_wrong = check_gradients(sign_flip, fast=True, problems=large)
print(fast_right.headline(), f"({fast_right.mode} mode)")
print(fast_wrong.headline(), f"({fast_wrong.mode} mode)")
assert fast_right.passed and fast_right.mode == "fast"
assert fast_wrong.wrong == ["dw", "db"] and fast_wrong.rules == {"flip_sign"}

# %% [markdown]
# ## What we saw
#
# * A central difference is only as good as its step: its error is the sum of
#   truncation ($\propto h^2$) and round-off ($\propto \varepsilon/h$), smallest near
#   $h \sim \varepsilon^{1/3}$, where it is about $\varepsilon^{2/3}$: $10^{-11}$ in float64, $10^{-5}$
#   in float32. The measured V followed the model.
# * Richardson extrapolation cancels the $h^2$ term and gains two orders of magnitude;
#   the complex step removes round-off altogether and is exact to $\varepsilon$, but only
#   for analytic code, and the package refuses the rest instead of answering wrongly.
# * `check_gradients` caught every planted mistake, blamed the right quantities and the
#   line of `dZ`, and named the mistake and its fix where a correction rule repairs it;
#   from the outputs alone, a model of the mistake named it where it reproduced them.
#
# Next: training on real data, with gradients we now trust.
