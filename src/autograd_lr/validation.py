"""Input checks for the public entry points: a clear ``ValueError`` naming shapes and the fix.

The lecture's layout is ``X (n_x, m)`` (one column per example), ``Y (1, m)``,
``w (n_x, 1)`` and a scalar ``b``. Getting one of these wrong rarely crashes numpy: a
label column ``Y (m, 1)`` silently broadcasts ``A - Y`` to ``(m, m)`` and the gradient is
wrong without a word. Every public function therefore validates here first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FloatArray = np.ndarray


def as_float_array(value: Any, name: str) -> FloatArray:
    """``value`` as a numpy float array: integers and booleans become float64.

    float32 and float64 are kept as they are; anything else that is not a real number
    (strings, complex, objects) is refused.
    """
    try:
        array = np.asarray(value)
    except Exception as exc:  # e.g. a ragged list
        raise ValueError(f"{name} could not be read as an array: {exc}") from None
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise ValueError(
            f"{name} must hold real numbers, got dtype {array.dtype}; "
            f"convert it with np.asarray({name}, dtype=float)"
        )
    if array.dtype not in (np.float32, np.float64):
        return array.astype(np.float64)
    return array


def validate_finite(array: FloatArray, name: str) -> None:
    """Refuse NaN or inf, naming the first bad entry's index."""
    # One cheap screen first: any NaN or inf makes the sum non-finite. Only then (or on
    # an overflow of finite values) search entry by entry, without an X-sized mask before.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(array)):
            return
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(
            f"{name} contains NaN or inf (first at index {where}, value {array[where]!r}); "
            f"clean or impute the data before training"
        )


def validate_X(X: Any, name: str = "X") -> FloatArray:
    """``X`` as a float array of shape ``(n_x, m)`` with ``m >= 1``, finite."""
    X = as_float_array(X, name)
    if X.ndim != 2:
        hint = (
            f"for one feature use {name}.reshape(1, -1); for one example use {name}.reshape(-1, 1)"
            if X.ndim == 1
            else "stack the examples as columns"
        )
        raise ValueError(
            f"{name} must be 2-D with shape (n_x, m), one column per example; "
            f"got shape {X.shape}: {hint}"
        )
    n_x, m = X.shape
    if m == 0 or n_x == 0:
        raise ValueError(
            f"{name} has shape {X.shape}: it needs at least one feature and one example (m >= 1)"
        )
    validate_finite(X, name)
    return X


def validate_Y(Y: Any, m: int, name: str = "Y") -> FloatArray:
    """``Y`` as a float array of shape ``(1, m)`` with labels in {0, 1}."""
    Y = as_float_array(Y, name)
    if Y.shape != (1, m):
        if Y.shape == (m, 1) and m > 1:
            raise ValueError(
                f"{name} has shape {Y.shape} but must be (1, {m}), a row like A: "
                f"A - {name} would broadcast to ({m}, {m}) and give a silently wrong "
                f"gradient (the broadcasting trap); fix it with {name}.reshape(1, -1)"
            )
        if Y.shape == (m,):
            raise ValueError(
                f"{name} has shape {Y.shape} but must be (1, {m}), a row like A, in the "
                f"lecture's layout (a rank-1 array is how the broadcasting trap starts: its "
                f"transpose is itself); fix it with {name}.reshape(1, -1)"
            )
        raise ValueError(
            f"{name} must have shape (1, m) = (1, {m}) to match X's {m} examples "
            f"(columns); got {Y.shape}"
        )
    validate_finite(Y, name)
    bad = np.unique(Y[(Y != 0) & (Y != 1)])
    if bad.size:
        shown = ", ".join(f"{v:g}" for v in bad[:5])
        raise ValueError(
            f"{name} must hold labels 0 and 1 only; found {shown}"
            f"{' ...' if bad.size > 5 else ''}; map your classes to 0/1 first"
        )
    return Y


def validate_w(w: Any, n_x: int, name: str = "w") -> FloatArray:
    """``w`` as a float array of shape ``(n_x, 1)``, finite."""
    w = as_float_array(w, name)
    if w.shape != (n_x, 1):
        if w.shape == (n_x,):
            fix = f": use {name}.reshape(-1, 1)"
        elif w.shape == (1, n_x):
            fix = f": use {name}.T"
        else:
            fix = ", one weight per feature (row of X)"
        raise ValueError(f"{name} must have shape (n_x, 1) = ({n_x}, 1); got {w.shape}{fix}")
    validate_finite(w, name)
    return w


def validate_b(b: Any, name: str = "b") -> float:
    """``b`` as a Python float; a size-1 array is accepted, anything larger is refused."""
    array = as_float_array(b, name)
    if array.size != 1:
        raise ValueError(
            f"{name} must be a scalar (the bias), got an array of shape {array.shape}; "
            f"did you pass a (1, m) array such as Z or A by mistake?"
        )
    value = float(array.reshape(()))
    if not np.isfinite(value):
        raise ValueError(f"{name} is {value}; the bias must be a finite number")
    return value


def validate_problem(
    w: Any, b: Any, X: Any, Y: Any
) -> tuple[FloatArray, float, FloatArray, FloatArray]:
    """Validate ``(w, b, X, Y)`` in the lecture's layout and return them as float arrays.

    The common dtype is float64 unless every array is already float32.
    """
    X = validate_X(X)
    n_x, m = X.shape
    w = validate_w(w, n_x)
    Y = validate_Y(Y, m)
    b = validate_b(b)
    dtype = np.result_type(w, X, Y)
    return w.astype(dtype, copy=False), b, X.astype(dtype, copy=False), Y.astype(dtype, copy=False)


def validate_lambd(lambd: Any, name: str = "lambd (λ, the L2 strength; λ = 1/C)") -> float:
    """The L2 strength λ as a finite float ≥ 0."""
    return _finite_number(lambd, name, minimum=0.0, strict=False)


def lambd_from_C(C: Any) -> float:
    """scikit-learn's inverse strength C > 0 as the lecture's λ = 1/C (C = inf: no penalty)."""
    if isinstance(C, bool):
        raise ValueError(f"C must be a number > 0 (λ = 1/C; np.inf for no penalty), got {C!r}")
    try:
        value = float(C)
    except (TypeError, ValueError):
        raise ValueError(
            f"C must be a number > 0 (λ = 1/C; np.inf for no penalty), got {C!r}"
        ) from None
    if not value > 0:  # also refuses NaN
        raise ValueError(f"C must be a number > 0 (λ = 1/C; np.inf for no penalty), got {C!r}")
    return 0.0 if value == float("inf") else 1.0 / value


def validate_learning_rate(learning_rate: Any, *, allow_auto: bool = False) -> float | str:
    """The learning rate α as a finite float > 0 (or ``"auto"`` where ``allow_auto``)."""
    if allow_auto and isinstance(learning_rate, str):
        if learning_rate == "auto":
            return learning_rate
        raise ValueError(f"learning_rate (α) must be a number > 0 or 'auto', got {learning_rate!r}")
    return _finite_number(learning_rate, "learning_rate (α)", minimum=0.0, strict=True)


def validate_iterations(value: Any, name: str = "num_iterations") -> int:
    """A count of iterations: an integer ≥ 0 (``True`` is not a count)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def validate_tol(tol: Any) -> float:
    """A stopping tolerance on max|∂J|: a finite float ≥ 0 (0 runs every iteration)."""
    return _finite_number(tol, "tol", minimum=0.0, strict=False)


def _finite_number(value: Any, name: str, *, minimum: float, strict: bool) -> float:
    bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
    if isinstance(value, bool | str | bytes):  # "0.5" is text, not a number: say so
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}") from None
    if not np.isfinite(number) or number < minimum or (strict and number == minimum):
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return number


def is_dask(x: Any) -> bool:
    """Whether ``x`` is a dask collection (checked without importing dask)."""
    return hasattr(x, "__dask_graph__") and hasattr(x, "__dask_keys__")


def validate_chunks(X: Any, name: str = "X") -> None:
    """Refuse a dask array with unknown chunk sizes (after boolean indexing, say)."""
    if any(np.isnan(c) for dim in X.chunks for c in dim):
        raise ValueError(
            f"{name} has unknown chunk sizes (shape {X.shape}): dask cannot split the sums "
            f"over examples; call {name} = {name}.compute_chunk_sizes() first"
        )
