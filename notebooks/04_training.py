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
# # 4. Training on real data
#
# The gradients of notebooks 1 to 3 are correct; now they go to work. We train the
# lecture's logistic regression on the **Wisconsin breast-cancer data** (569 tumours,
# 30 measurements each, shipped inside the package), with the lecture's gradient descent
#
# $$
# w := w - \alpha\, dw, \qquad b := b - \alpha\, db,
# $$
#
# where $(dw, db)$ comes from `gradients.gradients_vectorized`, the hand-derived
# formulas. We minimize the cost with an L2 penalty of strength $\lambda$,
#
# $$
# J(w, b) = \frac{1}{m}\sum_{i=1}^{m} L(a^{(i)}, y^{(i)}) + \frac{\lambda}{2m}\lVert w\rVert^2,
# \qquad dw = \frac{1}{m} X\, dZ^\top + \frac{\lambda}{m} w,
# $$
#
# with $\lambda = 1$ throughout (scikit-learn's default, `C = 1/λ = 1`). On the way:
# what the learning rate $\alpha$ does, including one so large that training
# diverges; accuracy on examples the model never saw; a comparison with
# scikit-learn; Newton's method with the hand-derived Hessian; and, on two features,
# the decision boundary itself.

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression

from autograd_lr import LogisticRegressionGD, accuracy, forward, gradients, oracles, predict
from autograd_lr.datasets import (
    Standardizer,
    load_breast_cancer,
    make_two_feature,
    train_test_split,
)
from autograd_lr.tolerances import JAX_RTOL, gradient_scale, relative_error
from autograd_lr.training import figures
from autograd_lr.training.figures import save_png
from autograd_lr.training.solvers import (
    DivergenceError,
    gradient_descent,
    lipschitz_constant,
    newton,
)

plt.style.use(figures.palette_style())  # colours a colour-blind reader tells apart, in every figure

LAMBD = 1.0  # λ, the L2 strength; scikit-learn's C = 1/λ

# %% [markdown]
# ## The data, in the lecture's layout
#
# `load_breast_cancer` returns $X$ of shape $(n_x, m) = (30, 569)$, one column per
# tumour, and $Y$ of shape $(1, 569)$ with $y = 1$ for benign and $y = 0$ for malignant.
# We keep a fifth of the examples aside as a **test set** (stratified: both sets keep
# the proportion of benign tumours) and never train on it.
#
# The raw measurements live on wildly different scales:

# %%
data = load_breast_cancer()
print(data.description)
for name, row in zip(data.feature_names, data.X, strict=True):
    if name in ("mean area", "mean smoothness", "worst area", "mean fractal dimension"):
        print(f"  {name:>24}: from {row.min():9.4f} to {row.max():9.4f}")

train, test = train_test_split(data, test_fraction=0.2, seed=0)
print(f"train: X {train.X.shape}, {train.Y.mean():.1%} benign")
print(f"test:  X {test.X.shape}, {test.Y.mean():.1%} benign")

# %% [markdown]
# One learning rate cannot suit a feature in the thousands and one near $0.05$ at the
# same time: a step small enough for the first barely moves the second. So we
# **standardize**: each feature (row of $X$) becomes $(x_j - \mu_j)/s_j$, with the mean
# $\mu_j$ and standard deviation $s_j$ measured on the *training* set only and reused,
# unchanged, on the test set (the test set must not leak into training).

# %%
scaler = Standardizer.fit(train.X)  # mean, std: (n_x, 1), from the training set only
X_train, Y_train = scaler.transform(train.X), train.Y  # (30, 456), (1, 456)
X_test, Y_test = scaler.transform(test.X), test.Y  # (30, 113), (1, 113)
n_x, m = X_train.shape
print(
    f"standardized training features: means within {np.abs(X_train.mean(axis=1)).max():.0e} "
    f"of 0, standard deviations {X_train.std(axis=1).min():.3f} to {X_train.std(axis=1).max():.3f}"
)

# %% [markdown]
# ## The learning rate
#
# How large may $\alpha$ be? Near any point, $J$ curves at most as strongly as the
# largest eigenvalue $L$ of its Hessian. For logistic regression that maximum is
# reached at $w = 0, b = 0$, because every example's weight $a(1 - a)$ in the Hessian
# $H = \frac{1}{m}\tilde X\,\mathrm{diag}\bigl(a(1-a)\bigr)\tilde X^\top + \frac{\lambda}{m}I_w$
# is at most $\frac14$, its value at $z = 0$ (here $\tilde X$ is $X$ with a row of ones
# appended for $b$, and $I_w$ the identity on the weights only). A step of
# $\alpha < 2/L$ therefore lowers the cost **at every iteration**, whatever the data;
# $\alpha = 1/L$ is the solver's default (`learning_rate="auto"`).
#
# We run 300 iterations from $w = 0, b = 0$ with five learning rates: two timid ones,
# $1/L$, $10/L$ (beyond the guarantee) and $\alpha = 100$. A callback records the cost
# at every iterate, so even a run that is stopped leaves its curve behind.

# %%
L = lipschitz_constant(X_train, LAMBD)
print(f"L = {L:.4f}: every alpha < 2/L = {2 / L:.4f} lowers the cost at every step")

ITERATIONS = 300
rates = {"0.01": 0.01, "0.1": 0.1, "1/L": 1 / L, "10/L": 10 / L, "100": 100.0}
curves, errors = {}, {}
for label, alpha in rates.items():
    costs = curves[label] = []
    try:
        gradient_descent(
            np.zeros((n_x, 1)), 0.0, X_train, Y_train, lambd=LAMBD, learning_rate=alpha,
            max_iter=ITERATIONS, tol=0.0, callback=lambda k, J, g, costs=costs: costs.append(J),
        )  # fmt: skip
    except DivergenceError as error:
        errors[label] = str(error)
    status = "stopped: diverged" if label in errors else f"J = {costs[-1]:.6f}"
    print(f"alpha = {label:>4} = {alpha:8.4f}: {len(costs) - 1:3d} iterations, {status}")

# %% [markdown]
# With $\alpha = 100$ the cost jumps about and never settles. The solver notices (no
# new lowest cost for 100 iterations while clearly above it) and stops with a
# `DivergenceError`, a `ValueError` whose message says what happened and which
# learning rates are safe:

# %%
print(f"DivergenceError: {errors['100']}")
assert set(errors) == {"100"}, "only alpha = 100 may diverge"
assert "learning rate α = 100" in errors["100"] and f"2/L = {2 / L:.4g}" in errors["100"]

# %% [markdown]
# The guarantee is a claim we can check: for every $\alpha < 2/L$ the cost never rose,
# not even once, and within those the larger step got further in 300 iterations.
# $\alpha = 10/L$ also converged: $2/L$ is a worst case, from the curvature at
# $w = 0$, and the curvature shrinks as the examples' $a(1 - a)$ do once the model
# grows confident. Beyond the guarantee there is no promise, as $\alpha = 100$ shows.

# %%
safe = [label for label, alpha in rates.items() if alpha < 2 / L]
for label in safe:
    assert np.all(np.diff(curves[label]) <= 0), f"alpha = {label}: the cost rose"
final = [curves[label][-1] for label in safe]
assert final == sorted(final, reverse=True), "a larger safe step should end lower"
print("alpha < 2/L: the cost fell at every one of the", ITERATIONS, "steps for", safe)

fig, ax = plt.subplots(figsize=(8, 4.5))
for label, costs in curves.items():
    style = ":" if label in errors else "-"
    ax.semilogy(
        costs, style, label=rf"$\alpha$ = {label}" + (" (diverged)" if label in errors else "")
    )
ax.set_xlabel("iteration k")
ax.set_ylabel(r"cost $J(w, b)$ (log scale)")
ax.set_title(f"Gradient descent on breast cancer (m = {m}, λ = {LAMBD:g}), five learning rates")
ax.grid(True, which="both", alpha=0.3)
ax.legend()
save_png(fig, "figures/04_training_learning_rates.png")
plt.show()

# %% [markdown]
# ## Training to convergence, and accuracy on unseen data
#
# Now we let $\alpha = 1/L$ run until the gradient is negligible: the solver stops
# when $\max(\lVert dw\rVert_\infty, |db|) \le 10^{-8}$. The lecture's `predict` labels an
# example 1 when $a = \sigma(w^\top x + b) > \frac12$, and `accuracy` is the percentage of
# labels it gets right. The baseline to beat is the majority class: always answering
# "benign" is right for the share of benign tumours.

# %%
GD_TOL = 1e-8  # stop at max|∂J| ≤ 1e-8: close enough to the optimum for the comparisons below
gd = gradient_descent(
    np.zeros((n_x, 1)), 0.0, X_train, Y_train, lambd=LAMBD, max_iter=50_000, tol=GD_TOL
)
train_accuracy = accuracy(predict(gd.w, gd.b, X_train), Y_train)
test_accuracy = accuracy(predict(gd.w, gd.b, X_test), Y_test)
baseline = 100 * max(Y_test.mean(), 1 - Y_test.mean())
print(f"gradient descent: {gd.n_iter:,} iterations, J = {gd.final_cost:.10f}")
print(
    f"accuracy: train {train_accuracy:.2f} %, test {test_accuracy:.2f} % "
    f"(always 'benign': {baseline:.2f} %)"
)
assert gd.converged
assert test_accuracy > baseline

# %% [markdown]
# ## The same optimum as scikit-learn
#
# scikit-learn's `LogisticRegression(C=C)` minimizes $C\sum_i L^{(i)} + \frac12\lVert w\rVert^2$.
# Dividing by $Cm$ does not move the minimizer and gives exactly our $J$ with
# $\lambda = 1/C$. So the two must find the same $(w, b)$. scikit-learn takes one example
# per **row**, so it gets $X^\top$. We ask it for a tight solution (Newton–Cholesky,
# `tol=1e-12`) and compare with the normwise relative error of $\theta = (w, b)$.
#
# How close can gradient descent be? Stopped at a gradient of size $g$, it is within
# about $g/\mu$ of the optimum, where $\mu$ is the smallest curvature of $J$. At the
# optimum $\mu \approx \lambda/m = 1/456 \approx 2.2\cdot 10^{-3}$ (the data leave one direction
# almost flat, and only the penalty curves it), so $g = 10^{-8}$ allows an error up to
# $\sqrt{n_x + 1}\cdot 10^{-8}/\mu \approx 3\cdot 10^{-5}$ relative to
# $\lVert\theta\rVert_\infty \approx 1$ in the worst direction.

# %%
# Gradient descent vs scikit-learn: at most ~3e-5 by the worst-case bound above, if the
# whole remaining gradient pointed the flattest way; measured 3.2e-6.
GD_PARITY_RTOL = 1e-5
# Newton (ours, tol 1e-12) vs scikit-learn's Newton-Cholesky (tol 1e-12): both stop
# within 1e-12 / μ ≈ 5e-10 of the optimum; measured below 1e-15.
NEWTON_PARITY_RTOL = 1e-8
SKLEARN_TOL = 1e-12

y_train = Y_train.ravel().astype(int)  # scikit-learn's labels: shape (m,)
reference = LogisticRegression(C=1 / LAMBD, solver="newton-cholesky", tol=SKLEARN_TOL)
reference.fit(X_train.T, y_train)  # rows are examples: X^T is (m, n_x)
theta_sklearn = np.append(reference.coef_.ravel(), reference.intercept_)
theta_gd = np.append(gd.w.ravel(), gd.b)

H_opt = gradients.hessian(gd.w, gd.b, X_train, LAMBD)
print(
    f"smallest curvature at the optimum: {np.linalg.eigvalsh(H_opt)[0]:.6f} (λ/m = {LAMBD / m:.6f})"
)
gd_vs_sklearn = relative_error(theta_gd, theta_sklearn)
print(
    f"gradient descent vs scikit-learn: relative error {gd_vs_sklearn:.1e} (tolerance {GD_PARITY_RTOL:g})"
)
assert gd_vs_sklearn <= GD_PARITY_RTOL

order = np.argsort(-np.abs(theta_sklearn[:-1]))[:5]
print(f"\n{'the five largest weights':>28} | {'ours (GD)':>10} | {'scikit-learn':>12}")
for j in order:
    print(f"{data.feature_names[j]:>28} | {theta_gd[j]:10.6f} | {theta_sklearn[j]:12.6f}")
print(f"{'b':>28} | {theta_gd[-1]:10.6f} | {theta_sklearn[-1]:12.6f}")
assert np.all(theta_sklearn[order] < 0) and np.all(theta_gd[order] < 0)

# %% [markdown]
# The largest weights are all negative and belong to size and texture features
# ("radius error", "worst texture", "worst area", ...): larger, more varied cells push
# $z$ down, towards $y = 0$, malignant.
#
# Equal parameters give equal predictions. The smallest $|z|$ on the test set is
# far larger than the difference in $\theta$, so not one test label can differ:

# %%
Z_test = forward.logits(gd.w, gd.b, X_test)  # (1, 113)
print(f"smallest |z| on the test set: {np.abs(Z_test).min():.3f}")
ours = predict(gd.w, gd.b, X_test).ravel().astype(int)
theirs = reference.predict(X_test.T)
assert np.array_equal(ours, theirs)
# Both accuracies are 100 k/m for the same count k of right labels, by two float formulas
# (ours 100 - 100 mean|y_hat - y|, scikit-learn's mean(y_hat == y)): they agree to a few
# roundings (~1e-14 points), while one label more or less moves either by 100/113 = 0.88.
ACCURACY_ATOL = 1e-9  # percentage points
ours_accuracy = accuracy(ours, Y_test)
theirs_accuracy = 100 * reference.score(X_test.T, Y_test.ravel())
assert abs(ours_accuracy - theirs_accuracy) <= ACCURACY_ATOL
print(
    f"test accuracy: ours {ours_accuracy:.2f} %, scikit-learn {theirs_accuracy:.2f} %, same labels"
)

# %% [markdown]
# The package wraps the same solvers in scikit-learn's own interface,
# `LogisticRegressionGD` (`fit(X, y)` with rows as examples, `predict`, `score`,
# `coef_`, `intercept_`), so it drops into a scikit-learn pipeline. Here with
# `solver="newton"`, the method of the next section:

# %%
estimator = LogisticRegressionGD(C=1 / LAMBD, solver="newton", tol=SKLEARN_TOL)
estimator.fit(X_train.T, y_train)
theta_estimator = np.append(estimator.coef_.ravel(), estimator.intercept_)
newton_vs_sklearn = relative_error(theta_estimator, theta_sklearn)
print(
    f"LogisticRegressionGD(solver='newton'): {estimator.n_iter_} iterations, "
    f"relative error {newton_vs_sklearn:.1e} to scikit-learn (tolerance {NEWTON_PARITY_RTOL:g})"
)
print(f"score on the test set: {estimator.score(X_test.T, Y_test.ravel()):.4f}")
assert newton_vs_sklearn <= NEWTON_PARITY_RTOL

# %% [markdown]
# ## Newton's method with the hand-derived Hessian
#
# Gradient descent needed thousands of iterations. The culprit is the spread of
# curvatures: each step shrinks the error in the flattest direction by only a factor
# of about $1 - \alpha\mu = 1 - \mu/L$, here about $1 - 6\cdot10^{-4}$. **Newton's method**
# rescales each direction by its own curvature. With $g = (dw, db)$ and the Hessian
#
# $$
# H = \frac{1}{m}\tilde X\,\mathrm{diag}\bigl(a(1-a)\bigr)\tilde X^\top + \frac{\lambda}{m} I_w,
# \qquad \theta := \theta - t\,H^{-1} g,
# $$
#
# where the step $t = 1, \frac12, \frac14, \dots$ is the first that lowers $J$ enough.
# $H$ is `gradients.hessian`, derived by hand in the lecture's notation; before we
# trust it, `jax.hessian` of the same cost has a word:

# %%
H_jax = oracles.jax_hessian(gd.w, gd.b, X_train, Y_train, LAMBD)
hessian_error = relative_error(H_opt, H_jax, gradient_scale(X_train))
print(
    f"hand-derived Hessian vs jax.hessian: relative error {hessian_error:.1e} (JAX_RTOL = {JAX_RTOL:g})"
)
assert H_opt.shape == (n_x + 1, n_x + 1)
assert hessian_error <= JAX_RTOL

nt = newton(np.zeros((n_x, 1)), 0.0, X_train, Y_train, lambd=LAMBD, tol=SKLEARN_TOL)
print(
    f"Newton: {nt.n_iter} iterations to max|∂J| = {nt.gradient_max[-1]:.1e}; "
    f"gradient descent: {gd.n_iter:,} iterations to {gd.gradient_max[-1]:.1e}"
)
print(
    f"Newton vs gradient descent: relative error {relative_error(np.append(nt.w, nt.b), theta_gd):.1e}"
)
assert nt.converged and nt.n_iter < gd.n_iter / 100

# %% [markdown]
# Near the optimum Newton converges **quadratically**: the new gradient is about a
# constant times the *square* of the old one, $g_{k+1} \approx c\, g_k^2$, so the number of
# correct digits doubles with every step. A linearly convergent method would instead
# have $g_{k+1} \approx r g_k$, and $g_{k+1}/g_k^2 = r/g_k$ would grow as fast as $g_k$
# falls. Over Newton's last three steps the gradient falls by nearly ten orders of
# magnitude while $g_{k+1}/g_k^2$ stays put:

# %%
# g_{k+1}/g_k² over the last three Newton steps may vary by this factor (measured 1.04)
# and still be called constant; linear convergence would change it by 1/g: ~1e9 here.
QUADRATIC_SPREAD = 2.0

g = nt.gradient_max
for k in range(nt.n_iter):
    print(
        f"k = {k}: max|∂J| = {g[k]:.2e} -> {g[k + 1]:.2e},  g_k+1 / g_k² = {g[k + 1] / g[k] ** 2:10.3g}"
    )
ratios = g[-3:] / g[-4:-1] ** 2
assert g[-1] / g[-4] < 1e-8, "the last three steps should gain many orders of magnitude"
assert ratios.max() / ratios.min() <= QUADRATIC_SPREAD

fig, ax = plt.subplots(figsize=(8, 4.5))
ax.loglog(
    np.arange(1, gd.n_iter + 2),
    gd.gradient_max,
    label=rf"gradient descent, $\alpha = 1/L$ ({gd.n_iter:,} iterations)",
)
ax.loglog(
    np.arange(1, nt.n_iter + 2),
    nt.gradient_max,
    "o-",
    label=f"Newton, hand-derived Hessian ({nt.n_iter} iterations)",
)
ax.axhline(GD_TOL, color="0.5", ls="--", lw=1, label=f"gradient descent's tol = {GD_TOL:g}")
ax.set_xlabel("iterate k + 1 (log scale)")
ax.set_ylabel(r"$\max(\|dw\|_\infty, |db|)$")
ax.set_title("Breast cancer: gradient descent vs Newton")
ax.grid(True, which="major", alpha=0.3)
ax.legend()
save_png(fig, "figures/04_training_newton_vs_gd.png")
plt.show()

# %% [markdown]
# Newton pays for its few iterations with a Hessian, $(n_x + 1)^2$ numbers, and a
# linear solve per step: cheap for 30 features, prohibitive for millions, which is
# why large models train with gradient descent and its relatives.
#
# ## The decision boundary, on two features
#
# With two features we can *see* what logistic regression learns. `make_two_feature`
# draws two Gaussian classes with unit variance per feature, centred at
# $\mu_0 = (-1, -0.5)$ and $\mu_1 = (1, 1)$, that overlap. For such data the true
# probability of class 1 is itself a logistic regression (Bayes' rule, equal priors):
#
# $$
# P(y = 1 \mid x) = \sigma\bigl((\mu_1 - \mu_0)^\top x - \tfrac12(\lVert\mu_1\rVert^2 - \lVert\mu_0\rVert^2)\bigr),
# \qquad w_\star = (2, 1.5)^\top, \quad b_\star = -0.375.
# $$
#
# So the trained model should land near $(w_\star, b_\star)$, up to sampling noise, and its
# decision boundary, the line $w^\top x + b = 0$ where $a = \frac12$, near the best
# possible one. We train without penalty ($\lambda = 0$; the classes overlap, so the
# optimum is finite) on the raw features.

# %%
two = make_two_feature(m=400, seed=0)
two_train, two_test = train_test_split(two, test_fraction=0.25, seed=0)
X2, Y2 = two_train.X, two_train.Y  # (2, 300), (1, 300)
fit2 = gradient_descent(np.zeros((2, 1)), 0.0, X2, Y2, lambd=0.0, max_iter=10_000, tol=GD_TOL)
theta2 = np.append(fit2.w.ravel(), fit2.b)
theta_bayes = np.array([2.0, 1.5, -0.375])
print(f"trained in {fit2.n_iter} iterations: w = {fit2.w.ravel().round(3)}, b = {fit2.b:.3f}")
print(f"Bayes-optimal:              w = {theta_bayes[:2]}, b = {theta_bayes[2]}")

# %% [markdown]
# How far from $\theta_\star$ may the fit fall by chance? The maximum-likelihood estimate
# is approximately normal around $\theta_\star$ with covariance $(mH)^{-1}$, $H$ the Hessian
# of the mean cost (the Fisher information): the hand-derived Hessian gives the
# standard errors too. The squared Mahalanobis distance
# $(\hat\theta - \theta_\star)^\top (mH)(\hat\theta - \theta_\star)$ then follows a $\chi^2$
# distribution with 3 degrees of freedom.

# %%
# The fit must lie inside the 99.9 % confidence region of the estimate's asymptotic
# normal distribution: a 0.1 % chance of failing for a correct fit on a fresh seed.
CONFIDENCE = 0.999

H2 = gradients.hessian(fit2.w, fit2.b, X2, 0.0)  # (3, 3)
m2 = X2.shape[1]
standard_errors = np.sqrt(np.diag(np.linalg.inv(m2 * H2)))
distance = float((theta2 - theta_bayes) @ (m2 * H2) @ (theta2 - theta_bayes))
threshold = float(stats.chi2.ppf(CONFIDENCE, df=3))
print(f"standard errors of (w1, w2, b): {standard_errors.round(3)}")
print(f"in standard errors, fit - Bayes = {((theta2 - theta_bayes) / standard_errors).round(2)}")
print(f"Mahalanobis distance² {distance:.2f} < {threshold:.2f} (the χ²₃ {CONFIDENCE:.1%} quantile)")
assert distance < threshold

# The Bayes-optimal accuracy, the best any classifier reaches on average: Φ(‖μ1 - μ0‖ / 2σ).
bayes_accuracy = 100 * stats.norm.cdf(np.linalg.norm([2.0, 1.5]) / 2)
spread = np.sqrt(bayes_accuracy * (100 - bayes_accuracy) / two_test.m)  # binomial, in %
accuracy2 = accuracy(predict(fit2.w, fit2.b, two_test.X), two_test.Y)
print(
    f"test accuracy {accuracy2:.1f} % on {two_test.m} examples; Bayes-optimal on average: "
    f"{bayes_accuracy:.1f} %, give or take {spread:.1f} % on a sample this small"
)

# %% [markdown]
# The picture: the background is $a = \sigma(w^\top x + b)$ computed by the forward model on
# a grid, the solid line is where it crosses $\frac12$, and the dashed line is the
# Bayes-optimal boundary. Filled points trained the model; hollow ones are the test set.

# %%
everything = np.concatenate([X2, two_test.X], axis=1)  # (2, 400)
g1 = np.linspace(everything[0].min() - 0.5, everything[0].max() + 0.5, 200)
g2 = np.linspace(everything[1].min() - 0.5, everything[1].max() + 0.5, 200)
G1, G2 = np.meshgrid(g1, g2)
A_grid = forward.sigmoid(forward.logits(fit2.w, fit2.b, np.stack([G1.ravel(), G2.ravel()])))
A_grid = A_grid.reshape(G1.shape)

fig, ax = plt.subplots(figsize=(7, 6))
shade = ax.contourf(
    G1, G2, A_grid, levels=np.linspace(0, 1, 21), cmap=figures.probability_colormap(), alpha=0.35
)
ax.contour(G1, G2, A_grid, levels=[0.5], colors="black", linewidths=2)
ax.plot(g1, -(theta_bayes[0] * g1 + theta_bayes[2]) / theta_bayes[1], "k--", lw=1.2)
for label, colour in enumerate(figures.CLASS_COLOURS):
    seen, unseen = Y2[0] == label, two_test.Y[0] == label
    ax.scatter(*X2[:, seen], s=14, color=colour, label=f"train, y = {label}")
    ax.scatter(
        *two_test.X[:, unseen],
        s=24,
        facecolors="none",
        edgecolors=colour,
        label=f"test, y = {label}",
    )
ax.plot([], [], "k-", lw=2, label=r"learned boundary $a = 1/2$")
ax.plot([], [], "k--", lw=1.2, label="Bayes-optimal boundary")
ax.set_xlim(g1[0], g1[-1])
ax.set_ylim(g2[0], g2[-1])
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title(
    f"Two features: test accuracy {accuracy2:.0f} % (Bayes-optimal {bayes_accuracy:.1f} %)"
)
fig.colorbar(shade, ax=ax, label=r"$a = P(y = 1 \mid x)$")
ax.legend(loc="upper left", fontsize=8)
save_png(fig, "figures/04_training_decision_boundary.png")
plt.show()

# %% [markdown]
# ## What we saw
#
# * Every learning rate below $2/L$ lowered the cost at every step; $\alpha = 100$
#   diverged, and the solver stopped with an error naming a safe rate.
# * Trained to a gradient of $10^{-8}$, the hand-derived gradient descent reaches
#   scikit-learn's optimum within $10^{-5}$ and gives the very same test predictions;
#   Newton's method with the hand-derived Hessian (checked against `jax.hessian`)
#   reaches it to rounding in a handful of iterations instead of thousands, converging
#   quadratically.
# * On two Gaussian features the learned boundary lies where theory puts the best one,
#   within the sampling noise that the same Hessian predicts.
#
# Next: exercises, where you write the gradients yourself and the checker tells you
# what you got wrong.
