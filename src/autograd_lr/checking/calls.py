"""Run the learner's function and read what it returned, against the course's return contract.

``fn(w, b, X, Y)`` returns ``(grads, cost)`` with ``grads = {"dw": ..., "db": ...}``
(or ``(dw, db)``). The course's next cells use the values as they come back:
``float(cost)``, ``w - alpha * grads["dw"]``, ``b - alpha * grads["db"]``. So the
contract is: the cost a scalar (a Python float, a NumPy scalar or a 0-d array), ``dw``
an array of shape ``(n_x, 1)``, ``db`` a number. A return that breaks it is recorded in
``Outputs.contract`` with the exact conversion, even when its values are right.
"""

from __future__ import annotations

import inspect
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lr.checking.types import Call, Outputs
from autograd_lr.problems import Problem

FORM_DICT, FORM_PAIR, FORM_LIST = "(grads, cost)", "(dw, db)", "([dw, db], cost)"
_GRADS_DICT = '{"dw": ..., "db": ...}'


def type_name(value: Any) -> str:
    """The type of a returned value (for one that came back from a grader's child process,
    the type it had there)."""
    return str(getattr(value, "returned_type", "") or type(value).__name__)


def _as_numeric(value: Any) -> np.ndarray | None:
    try:
        array = np.asarray(value)
    except Exception:
        return None
    if array.dtype.kind not in "biuf":
        return None
    return array


def _is_array(value: Any) -> bool:
    """An array object (numpy, jax, ...) rather than a list or a Python number."""
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, list)


def _contract(name: str, value: Any) -> tuple[str, str] | None:
    """What breaks the course's contract for one returned quantity, and the conversion."""
    kind = type_name(value)
    if name == "cost":
        if isinstance(value, bool) or kind in ("list", "tuple"):
            return f"a {kind}", "return np.squeeze(cost) (a number)"
        ndim = getattr(value, "ndim", 0)
        if ndim:
            shape = tuple(getattr(value, "shape", ()))
            return (
                f"an array of shape {shape}, so the course's float(cost) fails",
                "return np.squeeze(cost)",
            )
        return None
    if name == "dw":
        if not _is_array(value) or kind in ("list", "tuple"):
            return (
                f"a {kind}, so w - learning_rate * dw fails",
                "return dw as the array np.dot(X, dZ.T) / m gives (no .tolist())",
            )
        return None
    if isinstance(value, bool) or kind in ("list", "tuple"):
        return f"a {kind}", "db = np.sum(dZ) / m, a number"
    if getattr(value, "ndim", 0):
        shape = tuple(getattr(value, "shape", ()))
        return (
            f"an array of shape {shape}, so b - learning_rate * db becomes an array",
            "db = np.sum(dZ) / m, without axis= or keepdims=",
        )
    return None


def _read(out: Outputs, values: dict[str, Any]) -> Outputs:
    for name, value in values.items():
        array = _as_numeric(value)
        if array is None:
            out.error = f"{name} is not an array of numbers (got {type_name(value)})"
            if out.form == FORM_PAIR:
                out.error += f"; return (grads, cost) with grads = {_GRADS_DICT}, or (dw, db)"
            return out
        setattr(out, name, array)
        broken = _contract(name, value)
        if broken is not None:
            out.contract[name] = broken
    return out


def read_outputs(returned: Any) -> Outputs:
    """Read ``(grads, cost)`` with ``grads = {"dw", "db"}``, ``(dw, db)`` or ``([dw, db], cost)``."""
    if not isinstance(returned, tuple | list) or len(returned) != 2:
        kind = type_name(returned)
        size = f" of length {len(returned)}" if isinstance(returned, tuple | list) else ""
        return Outputs(
            error=f"the function returned a {kind}{size}; it must return (grads, cost) "
            f"with grads = {_GRADS_DICT}, or (dw, db)"
        )
    first, second = returned
    if isinstance(first, dict):
        keys = sorted(str(k) for k in first)
        if "dw" not in first or "db" not in first:
            hint = ""
            lowered = {k.lower(): k for k in keys}
            if "dw" in lowered or "db" in lowered:
                hint = ' (the keys are case-sensitive: use "dw" and "db")'
            return Outputs(
                error=f'grads must have the keys "dw" and "db"; it has {keys}{hint}',
                form=FORM_DICT,
            )
        return _read(
            Outputs(form=FORM_DICT), {"dw": first["dw"], "db": first["db"], "cost": second}
        )
    if isinstance(first, tuple | list) and len(first) == 2:
        # ([dw, db], cost): the gradients as a sequence where the course has a dict
        out = _read(Outputs(form=FORM_LIST), {"dw": first[0], "db": first[1], "cost": second})
        out.contract["grads"] = (
            f"a {type_name(first)} [dw, db], where the course reads grads['dw'] and grads['db']",
            'return {"dw": dw, "db": db}, cost',
        )
        return out
    return _read(Outputs(form=FORM_PAIR), {"dw": first, "db": second})


def _where(exc: BaseException, fn: Callable[..., Any]) -> str:
    """The deepest line of the traceback in ``fn``'s own file (else the deepest line)."""
    frames = traceback.extract_tb(exc.__traceback__)
    try:
        source = inspect.getsourcefile(fn) or ""
    except TypeError:
        source = ""
    own = [f for f in frames if source and f.filename == source]
    frame = own[-1] if own else (frames[-1] if frames else None)
    if frame is None:
        return ""
    line = (frame.line or "").strip()
    return f"line {frame.lineno} in {frame.name}: {line}" if line else f"line {frame.lineno}"


def called_as(lambd: float | None) -> str:
    """How the checker calls the learner's function."""
    return "fn(w, b, X, Y)" if lambd is None else "fn(w, b, X, Y, lambd)"


def signature_of(fn: Callable[..., Any]) -> str:
    """``name(parameters)`` of ``fn``, or its name where Python cannot tell."""
    try:
        return f"{getattr(fn, '__name__', 'fn')}{inspect.signature(fn)}"
    except (TypeError, ValueError):
        return getattr(fn, "__name__", "fn")


def call(fn: Callable[..., Any], problem: Problem, lambd: float | None = None) -> Call:
    """Run ``fn`` on fresh copies of ``problem``; never raises for what ``fn`` does.

    Records the outputs, an exception (type, message, the line that raised), warnings,
    and which inputs ``fn`` modified in place (compared with the pristine problem).
    """
    w, b, X, Y = (problem.w.copy(), problem.b, problem.X.copy(), problem.Y.copy())
    args: tuple[Any, ...] = (w, b, X, Y) if lambd is None else (w, b, X, Y, lambd)
    record = Call(problem)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            returned = fn(*args)
        except (Exception, SystemExit) as exc:
            record.exception_type = type(exc).__name__
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            record.exception = f"{record.exception_type}: {message}".rstrip(": ")
            record.where = _where(exc, fn)
            tb = exc.__traceback__
            if isinstance(exc, TypeError) and tb is not None and tb.tb_next is None:
                # raised here, binding the arguments, before any line of fn ran
                record.wrong_signature = True
                record.signature = signature_of(fn)
                record.called_as = called_as(lambd)
                record.where = ""  # the checker's line, not the learner's
        else:
            record.outputs = read_outputs(returned)
    record.seconds = time.perf_counter() - start
    record.warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    for name, before, after in (("w", problem.w, w), ("X", problem.X, X), ("Y", problem.Y, Y)):
        if not np.array_equal(before, after, equal_nan=True):
            record.modified.append(name)
    return record
