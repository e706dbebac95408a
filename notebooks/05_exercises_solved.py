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
# # 5. Exercises: write the gradients yourself, then the whole assignment

# %% [markdown] tags=["solution"]
# *These are the exercises with one solution in each exercise cell, between
# `### BEGIN SOLUTION` and `### END SOLUTION`. Your copy, `05_exercises.ipynb` (which
# `make lab` writes), is made from this file with the solutions taken out. CI runs this
# solved form, so every check cell below is shown to pass on a correct answer; it runs
# your form too, and requires each check cell there to fail with the checker's report.
# Try the exercises before reading on.*

# %% [markdown]
# Now it is your turn. Each exercise is a code cell with a function for you to write,
# followed by a **check cell** that runs the package's checker on it. A check cell
# fails (with an `AssertionError` that carries the checker's report) until your
# function is right, and the report says what is wrong: which of $dw$, $db$ and the cost,
# on which problem, and, for the classic mistakes, which mistake it is and how to fix it.
#
# The exercises follow the course's assignment in its order: $\sigma$, the parameters'
# start, forward and backward propagation, gradient descent, the prediction, and the
# whole model, which you then train on real data.
#
# Work top to bottom: write the body of the function, run its cell, run the check cell
# below it, read the report, repeat. Write plain numpy (`np.exp`, `np.log`, `np.dot`,
# `np.sum`); do not call the package's own `sigmoid` or `propagate`. Your later
# functions may call your earlier ones.
#
# The notation is the lecture's: $X$ of shape $(n_x, m)$, one column per example;
# $Y$ of shape $(1, m)$; $w$ of shape $(n_x, 1)$; $b$ a number.
#
# (Stuck? `notebooks/05_exercises_solved.py`, outside your folder, holds one solution of
# each. Try first.)

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_lr
from autograd_lr import check_derivation, check_exercise
from autograd_lr.datasets import load_breast_cancer, make_two_feature, standardize, train_test_split
from autograd_lr.teaching import exercises
from autograd_lr.tolerances import relative_error
from autograd_lr.training import figures
from autograd_lr.training.figures import save_png
from autograd_lr.training.solvers import gradient_descent

plt.style.use(figures.palette_style())  # colours a colour-blind reader tells apart, in every figure

# %% [markdown]
# ## Exercise 0: the derivation, by hand
#
# Before any code, derive the gradient of one example's loss
# $L(a, y) = -\bigl(y \log a + (1 - y)\log(1 - a)\bigr)$, $a = \sigma(z)$, $z = w^\top x + b$,
# one node of the computation graph at a time: $da = \partial L/\partial a$,
# $\partial a/\partial z$, $dz$ by the chain rule, then $dw_j$ and $db$. Write each step as
# a string, in Python syntax (`"a*(1 - a)"`) or LaTeX (`r"\frac{y}{a}"`), with `a`, `y`,
# `z`, `x` (for $x_j$) and the names of the steps before it (`"da * da_dz"` is the chain
# rule). The check evaluates each step at 42 points, $|z|$ up to 30, with 60-digit
# arithmetic, and compares it with `jax.grad` of the model's loss. It says *which step*
# is wrong and why; ask for more with `hints="fix"`.

# %% tags=["exercise"]
# Replace each "?" by your expression (Python syntax or LaTeX).
### BEGIN SOLUTION
derivation = {
    "da": r"-\frac{y}{a} + \frac{1-y}{1-a}",  # dL/da
    "da_dz": "a * (1 - a)",  # da/dz: the sigmoid's derivative, written with a
    "dz": "da * da_dz",  # dL/dz: the chain rule through a
    "dw": r"x \cdot dz",  # dL/dw_j, x standing for x_j
    "db": "dz",  # dL/db
}
### END SOLUTION
### BEGIN PROMPT
# derivation = {"da": "?", "da_dz": "?", "dz": "?", "dw": "?", "db": "?"}
### END PROMPT

# %% tags=["check"]
report = check_derivation(derivation, hints="location")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 1: the sigmoid
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}
# $$
#
# elementwise: `z` may be a number or an array of any shape, and the result has the
# same shape. The check compares your $\sigma$ with the package's on a number, a row
# like $Z$, a column, and logits far in both tails, to a relative $10^{-12}$.


# %% tags=["exercise"]
def sigmoid(z):
    r"""σ(z) = 1 / (1 + e^{-z}), elementwise; ``z`` a number or an array of any shape."""
    # Write the body: one line of numpy (np.exp works elementwise on arrays).
    ### BEGIN SOLUTION
    return 1 / (1 + np.exp(-z))
    ### END SOLUTION


# %% tags=["check"]
report = exercises.check_sigmoid(sigmoid, hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 2: the parameters' start
#
# Gradient descent starts from $w = 0 \in \mathbb{R}^{n_x \times 1}$ and $b = 0$. Write
# `initialize_with_zeros(dim)`: `w` a float64 column of zeros of shape $(dim, 1)$, and `b`
# the float `0.0` (a real number, not the integer `0`). The check calls it for several
# `dim` and names the line to change when a shape or a type is off.


# %% tags=["exercise"]
def initialize_with_zeros(dim):
    """w = 0 of shape (dim, 1), float64, and b = 0.0 (a float)."""
    ### BEGIN SOLUTION
    w = np.zeros((dim, 1))
    b = 0.0
    return w, b
    ### END SOLUTION


# %% tags=["check"]
report = check_exercise(initialize_with_zeros, "initialize_with_zeros", hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 3: forward and backward propagation
#
# Write `propagate(w, b, X, Y)`: the cost and its gradient for all $m$ examples at
# once, without a loop over examples.
#
# $$
# Z = w^\top X + b, \quad A = \sigma(Z), \quad
# J = -\frac{1}{m}\sum_{i=1}^{m}\Bigl(y^{(i)}\log a^{(i)} + (1 - y^{(i)})\log(1 - a^{(i)})\Bigr),
# $$
#
# $$
# dZ = A - Y, \quad dw = \frac{1}{m} X\, dZ^\top, \quad db = \frac{1}{m}\sum_{i=1}^{m} dZ_i.
# $$
#
# Return `({"dw": dw, "db": db}, cost)` with `dw` of shape $(n_x, 1)$ and `db`, `cost`
# numbers. The checker runs it on six problems chosen so that mistakes cannot hide
# ($n_x \ne m$, a single example, all labels equal, saturated logits, a larger one)
# and compares with `jax.grad` of the cost.


# %% tags=["exercise"]
def propagate(w, b, X, Y):
    """Cost and gradient of J(w, b): returns ({"dw": (n_x, 1), "db": float}, cost)."""
    # forward:  m from X's shape; Z (1, m); A (1, m); the cost, a number
    # backward: dZ (1, m); dw (n_x, 1) by a matrix product; db, a number
    ### BEGIN SOLUTION
    m = X.shape[1]  # X is (n_x, m): one column per example
    A = sigmoid(np.dot(w.T, X) + b)  # (1, m)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y  # (1, m)
    dw = np.dot(X, dZ.T) / m  # (n_x, 1)
    db = np.sum(dZ) / m
    return {"dw": dw, "db": float(db)}, float(cost)
    ### END SOLUTION


# %% tags=["check"]
# The report says what is wrong and why, without code; for more, ask for
# hints="location" (which quantity, which step of the chain rule) or hints="fix".
report = exercises.check_propagate(propagate, hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 4: L2 regularization
#
# A penalty on large weights adds one term to the cost and one to $dw$ (the bias $b$ is
# not penalized, so $db$ does not change):
#
# $$
# J_\lambda = J + \frac{\lambda}{2m}\lVert w\rVert^2, \qquad db_\lambda = db.
# $$
#
# Derive the $dw$ term yourself before you write it: the derivative of
# $\frac{\lambda}{2m}\sum_j w_j^2$ with respect to $w_j$, added to your $dw$. Return
# `({"dw": dw, "db": db}, cost)` of $J_\lambda$, with the same shapes as `propagate`. The
# check calls your function with $\lambda = 0.7$.


# %% tags=["exercise"]
def propagate_l2(w, b, X, Y, lambd):
    """propagate for J + λ/(2m) ‖w‖²: returns ({"dw": (n_x, 1), "db": float}, cost)."""
    # start from your propagate; add the penalty to the cost and its gradient to dw
    ### BEGIN SOLUTION
    m = X.shape[1]
    grads, cost = propagate(w, b, X, Y)
    # d/dw_j of λ/(2m) Σ_k w_k² is λ/m · w_j
    dw = grads["dw"] + (lambd / m) * w
    cost = cost + lambd / (2 * m) * np.sum(w * w)
    return {"dw": dw, "db": grads["db"]}, float(cost)
    ### END SOLUTION


# %% tags=["check"]
report = exercises.check_propagate_l2(propagate_l2, hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 5: debug somebody else's propagate
#
# A colleague wrote the function below. It runs, it returns numbers of the right
# shapes, and its cost even goes down during training. It is wrong in two places.
# Run the check first *as it is*, read the diagnosis, then fix the code. (Hint: the
# lecture's shapes, and notebook 1's simplification of $dz$.)


# %% tags=["exercise"]
def propagate_colleague(w, b, X, Y):
    """Cost and gradient of J(w, b), by a colleague; returns ({"dw", "db"}, cost)."""
    ### BEGIN SOLUTION
    m = X.shape[1]  # fixed: X.shape[0] is n_x, the number of features
    ### END SOLUTION
    ### BEGIN PROMPT
    # m = X.shape[0]
    ### END PROMPT
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    ### BEGIN SOLUTION
    dZ = A - Y  # fixed: dz = da · a(1 - a) = a - y already holds σ'(z) once
    ### END SOLUTION
    ### BEGIN PROMPT
    # dZ = (A - Y) * A * (1 - A)
    ### END PROMPT
    dw = np.dot(X, dZ.T) / m
    db = np.sum(dZ) / m
    return {"dw": dw, "db": db}, cost


# %% tags=["check"]
report = exercises.check_propagate(propagate_colleague, hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 6: gradient descent
#
# Write `optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)`: repeat
# `num_iterations` times
#
# $$
# w := w - \alpha\, dw, \qquad b := b - \alpha\, db
# $$
#
# with $\alpha$ = `learning_rate` and the gradients from your `propagate`. Record the cost
# every 100 iterations (at iterations 0, 100, 200, ...; print it when `print_cost`), and
# return `({"w": w, "b": b}, {"dw": dw, "db": db}, costs)` with the gradients of the last
# iteration. Leave the caller's `w` as it was: `w = w - ...` makes a new array, `w -= ...`
# changes the caller's. The check follows gradient descent driven by `jax.grad` with the
# same $\alpha$ and number of steps, on a few problems (few iterations, a large $\alpha$).


# %% tags=["exercise"]
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent: returns ({"w", "b"}, {"dw", "db"} of the last step, costs)."""
    ### BEGIN SOLUTION
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        w = w - learning_rate * dw  # a new array: the caller's w is left alone
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs
    ### END SOLUTION


# %% tags=["check"]
report = check_exercise(optimize, "optimize", hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 7: the prediction
#
# Write `predict(w, b, X)`: $\hat y^{(i)} = 1$ when $a^{(i)} = \sigma(w^\top x^{(i)} + b) > 0.5$,
# else $0$, as a float array of shape $(1, m)$. At $a = 0.5$ exactly (that is $z = 0$) the
# label is 0; the check tries examples at and right beside that boundary.


# %% tags=["exercise"]
def predict(w, b, X):
    """Labels 1.0 where σ(wᵀx + b) > 0.5, else 0.0: shape (1, m)."""
    ### BEGIN SOLUTION
    A = sigmoid(np.dot(w.T, X) + b)  # (1, m)
    return (A > 0.5).astype(float)
    ### END SOLUTION


# %% tags=["check"]
report = check_exercise(predict, "predict", hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Exercise 8: the whole model
#
# Put it together: `model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate,
# print_cost)` starts from `initialize_with_zeros`, runs your `optimize` on the training
# set, and predicts on both sets. Take every size from the arguments (no global `X`), do
# not reshape data that already have the lecture's layout, and return the course's
# dictionary: `costs`, `Y_prediction_test`, `Y_prediction_train`, `w`, `b`,
# `learning_rate`, `num_iterations`. The check runs it on a small slice of the shipped
# breast-cancer data, in two sizes.


# %% tags=["exercise"]
def model(
    X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False
):
    """The whole lecture: zeros, gradient descent, predictions; returns the course's dictionary."""
    ### BEGIN SOLUTION
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    return {
        "costs": costs,
        "Y_prediction_test": predict(w, b, X_test),
        "Y_prediction_train": predict(w, b, X_train),
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
    ### END SOLUTION


# %% tags=["check"]
report = check_exercise(model, "model", hints="concept")
assert report.passed, report
print(report)

# %% [markdown]
# ## Your model on real data
#
# Your `model` now trains on the breast-cancer data shipped with the package (569
# examples, 30 features, label 1 = benign), standardized with the training set's
# statistics, beside the package's own `model` on the same data. The two learning curves
# must be one: your costs and the package's agree to rounding.

# %%
# Both runs do the same float64 arithmetic in another order (~1e-16 relative per step),
# and descent at this α contracts such differences; 1e-9 is far above what remains.
SAME_MODEL_RTOL = 1e-9
cancer_train, cancer_test = train_test_split(load_breast_cancer(), test_fraction=0.2, seed=0)
_, (cancer_train, cancer_test) = standardize(cancer_train, cancer_test)
yours = model(cancer_train.X, cancer_train.Y, cancer_test.X, cancer_test.Y, 2000, 0.1)
theirs = autograd_lr.model(cancer_train.X, cancer_train.Y, cancer_test.X, cancer_test.Y, 2000, 0.1)
for name, d in (("your model", yours), ("the package's", theirs)):
    train_accuracy = autograd_lr.accuracy(d["Y_prediction_train"], cancer_train.Y)
    test_accuracy = autograd_lr.accuracy(d["Y_prediction_test"], cancer_test.Y)
    print(f"{name}: train accuracy {train_accuracy:.2f} %, test accuracy {test_accuracy:.2f} %")
assert relative_error(yours["costs"], theirs["costs"]) <= SAME_MODEL_RTOL

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
iterations = np.arange(len(theirs["costs"])) * 100
ax.plot(iterations, theirs["costs"], "k-", linewidth=4, alpha=0.3, label="the package's model")
ax.plot(
    iterations,
    yours["costs"],
    "o--",
    color=figures.OKABE_ITO["vermillion"],
    markersize=4,
    label="your model",
)
ax.set_xlabel("iteration")
ax.set_ylabel(r"cost $J(w, b)$ on the training set")
ax.set_title(r"Learning curves on the breast-cancer data, $\alpha$ = 0.1")
ax.legend()
ax.grid(alpha=0.3)
save_png(fig, "figures/05_exercises_your_model.png")
plt.show()

# %% [markdown]
# ## Your gradients at work
#
# With every check passing, your `propagate` trains a classifier. Below, plain
# gradient descent, $w := w - \alpha\, dw$, $b := b - \alpha\, db$, runs on your gradients on
# the lecture's two-feature data, side by side with the package's solver
# (`solvers.gradient_descent`, the same update on the package's own gradients). The
# two must follow the same path: after every step they may differ only by rounding.

# %%
# Your gradients and the package's are the same float64 numbers up to the order of
# operations (~1e-16 relative); gradient descent with α below 2/L does not amplify such
# differences (here 2/L ≈ 3.2): measured 1.6e-16 after 300 steps; 1e-12 leaves a wide margin.
SAME_PATH_RTOL = 1e-12
ALPHA, STEPS = 0.5, 300

data = make_two_feature(m=200, seed=0)
X, Y = data.X, data.Y  # (2, 200), (1, 200)
w, b = np.zeros((2, 1)), 0.0
costs = []
for _ in range(STEPS):
    grads, cost = propagate(w, b, X, Y)
    costs.append(float(cost))
    w, b = w - ALPHA * grads["dw"], b - ALPHA * grads["db"]

package = gradient_descent(np.zeros((2, 1)), 0.0, X, Y, learning_rate=ALPHA, max_iter=STEPS, tol=0)
print(f"your training: w = {w.ravel()}, b = {b:.6f}, cost {costs[0]:.4f} -> {costs[-1]:.4f}")
print(f"the package's: w = {package.w.ravel()}, b = {package.b:.6f}")
assert relative_error(np.append(w, b), np.append(package.w, package.b)) <= SAME_PATH_RTOL
assert relative_error(costs, package.costs[:STEPS]) <= SAME_PATH_RTOL

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
left.semilogy(costs)
left.set_xlabel("iteration")
left.set_ylabel(r"cost $J(w, b)$ of your propagate (log scale)")
left.set_title(rf"Gradient descent on your gradients, $\alpha$ = {ALPHA}")
left.grid(alpha=0.3)
for label, colour in enumerate(figures.CLASS_COLOURS):
    members = Y[0] == label
    right.scatter(X[0, members], X[1, members], s=12, color=colour, label=f"y = {label}")
x1 = np.linspace(X[0].min(), X[0].max(), 2)
right.plot(x1, -(w[0, 0] * x1 + b) / w[1, 0], "k-", label=r"your boundary $w^\top x + b = 0$")
right.set_xlabel("$x_1$")
right.set_ylabel("$x_2$")
right.set_title("The decision boundary your gradients found")
right.legend(fontsize=8, loc="lower left")
save_png(fig, "figures/05_exercises_your_training.png")
plt.show()

# %% [markdown]
# ## What you did
#
# You wrote $\sigma$, the parameters' start, the vectorized forward and backward pass and
# its L2 version, gradient descent, the prediction and the whole model, and a machine
# checked every one against `jax.grad` on problems built to expose mistakes.
# You read a diagnosis and fixed code you did not write. And your gradients trained a
# classifier that follows the package's own to the last few digits.
#
# To check a function of your own anywhere else, one line does it:
# `from autograd_lr import check_exercise; print(check_exercise(my_optimize, "optimize"))`
# (or `check_gradients(my_propagate)`), or, from a terminal,
# `autograd-lr check my_file.py:optimize`.
