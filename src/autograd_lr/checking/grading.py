r"""Grade a submission in its own process: the verdict is computed where its code never runs.

``grade("path/to/file.py:propagate")`` (or ``"package.module:function"``):

1. this process writes the problems (:func:`autograd_lr.checking.check.default_problems`) to a
   fresh temporary directory as a ``.npz`` file;
2. a child process, ``python -I`` (isolated: no ``PYTHON*`` variables, no user
   site-packages, neither the working directory nor the script's directory on
   ``sys.path``), runs **this file as a script**: it imports only the standard library
   and numpy, loads the submission, calls it on copies of each problem, and writes what
   came back as plain numeric arrays (``.npz``) and JSON, never pickles;
3. this process reads those files as untrusted data (``allow_pickle=False``, numeric
   dtypes only, sizes bounded, every field type-checked), and computes the expected values
   and the verdict with :func:`autograd_lr.checking.check.report`.

So a submission that monkeypatches numpy, jax or ``autograd_lr`` (say, replaces
``check_gradients`` by a function that always passes) changes only its own process;
the verdict is computed here. The child also refuses to let the submission import
``autograd_lr``, which holds the reference solution. ``timeout`` stops a submission
that hangs (its whole process group is killed).

When run as a script (the child), this module must not import ``autograd_lr``.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_TIMEOUT = 60.0  # seconds for the whole submission run (import and every call)
# What the child may send back: the outputs of a few calls on small problems are a few
# kilobytes; anything near these bounds is not an answer to the problems it was given.
MAX_RESULT_BYTES = 64 * 2**20
MAX_META_BYTES = 2**20
# After the kill, how long to wait for the killed process's pipes to close.
REAP_TIMEOUT = 5.0
MAX_TEXT = 500  # characters kept of any string the submission's process sends
MAX_STRUCTURE_DEPTH = 4
BLOCKED_PACKAGE = "autograd_lr"

INPUTS, RESULTS, META = "inputs.npz", "results.npz", "meta.json"


class SubmissionError(ValueError):
    """The submission could not be loaded (bad target, missing file, import error): exit 2."""


# --- the child: run the submission, return plain data -------------------------------------------


def _blocker() -> Any:
    """A meta-path finder that refuses ``autograd_lr`` to the submission."""
    import importlib.abc

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name == BLOCKED_PACKAGE or name.startswith(BLOCKED_PACKAGE + "."):
                raise ImportError(
                    f"the grader does not let a submission import {BLOCKED_PACKAGE} "
                    "(it holds the reference solution); use numpy"
                )
            return None

    return Blocker()


def _load(target: str) -> Any:
    """Import ``file.py:function`` or ``package.module:function`` and return the function."""
    import importlib
    import importlib.util

    where, _, name = target.rpartition(":")
    if where.endswith(".py"):
        path = Path(where).resolve()
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location("submission", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(where)
    if not hasattr(module, name):
        defined = sorted(
            n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
        )
        raise AttributeError(
            f"{where} has no function {name!r} (it defines: {', '.join(defined) or 'none'})"
        )
    fn = getattr(module, name)
    if not callable(fn):
        raise TypeError(f"{where}:{name} is a {type(fn).__name__}, not a function")
    return fn


def _flatten(value: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """A JSON skeleton of ``value`` whose numeric leaves are stored in ``arrays``."""
    if depth < MAX_STRUCTURE_DEPTH and isinstance(value, tuple | list) and len(value) <= 8:
        return {
            "sequence": [_flatten(v, arrays, depth + 1) for v in value],
            "type": type(value).__name__,
        }
    if depth < MAX_STRUCTURE_DEPTH and isinstance(value, dict) and len(value) <= 16:
        return {
            "dict": {str(k)[:MAX_TEXT]: _flatten(v, arrays, depth + 1) for k, v in value.items()}
        }
    try:
        array = np.asarray(value)
    except Exception:
        array = None
    if array is not None and array.dtype.kind in "biuf":
        key = f"a{len(arrays)}"
        arrays[key] = np.array(array)
        return {"array": key}
    return {"other": type(value).__name__[:MAX_TEXT]}


def _traceback_line(exc: BaseException, source: str) -> str:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if source and os.path.abspath(f.filename) == source]
    frame = own[-1] if own else (frames[-1] if frames else None)
    if frame is None:
        return ""
    line = (frame.line or "").strip()
    return f"line {frame.lineno} in {frame.name}: {line}" if line else f"line {frame.lineno}"


def _child(target: str, folder: str) -> int:
    """Run the submission on every problem of ``folder/inputs.npz``; write results there."""
    import warnings

    with np.load(os.path.join(folder, INPUTS), allow_pickle=False) as data:
        inputs = {k: data[k] for k in data.files}
    count = int(inputs["count"])
    lambd = float(inputs["lambd"]) if "lambd" in inputs else None
    meta: dict[str, Any] = {"status": "ok", "calls": []}
    arrays: dict[str, np.ndarray] = {}

    def write() -> None:
        # each file appears whole or not at all: written beside its name, then renamed
        payload: dict[str, Any] = dict(arrays)  # numeric arrays only: nothing is pickled
        with open(os.path.join(folder, RESULTS + ".part"), "wb") as f:
            np.savez(f, allow_pickle=False, **payload)
        os.replace(os.path.join(folder, RESULTS + ".part"), os.path.join(folder, RESULTS))
        with open(os.path.join(folder, META + ".part"), "w") as f:
            json.dump(meta, f)
        os.replace(os.path.join(folder, META + ".part"), os.path.join(folder, META))

    sys.meta_path.insert(0, _blocker())
    try:
        fn = _load(target)
    except BaseException as exc:  # the submission's import: any failure is a usage error
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        meta = {"status": "import_error", "reason": f"{type(exc).__name__}: {first}"[:MAX_TEXT]}
        write()
        return 0
    try:
        import inspect

        source = os.path.abspath(inspect.getsourcefile(fn) or "")
    except TypeError:
        source = ""
    for k in range(count):
        w, b = inputs[f"w{k}"].copy(), float(inputs[f"b{k}"])
        X, Y = inputs[f"X{k}"].copy(), inputs[f"Y{k}"].copy()
        args: tuple[Any, ...] = (w, b, X, Y) if lambd is None else (w, b, X, Y, lambd)
        record: dict[str, Any] = {}
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                returned = fn(*args)
                record["returned"] = _flatten(returned, arrays)
            except (Exception, SystemExit) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                record["exception_type"] = type(exc).__name__
                record["exception"] = f"{type(exc).__name__}: {first}".rstrip(": ")
                record["where"] = _traceback_line(exc, source)
        record["seconds"] = time.perf_counter() - start
        record["warnings"] = sorted({f"{x.category.__name__}: {x.message}" for x in caught})
        for name, after in (("w", w), ("X", X), ("Y", Y)):
            arrays[f"after_{name}{k}"] = np.asarray(after)
        meta["calls"].append(record)
    write()
    return 0


# --- the parent: run the child, read its data, compute the verdict --------------------------------


def parse_target(target: str) -> tuple[str, str]:
    """Split ``file.py:function`` / ``package.module:function``; ``SubmissionError`` if malformed."""
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise SubmissionError(
            f"target {target!r} must be path/to/file.py:function or package.module:function"
        )
    if where.endswith(".py"):
        if not Path(where).is_file():
            raise SubmissionError(f"no such file: {where}")
    elif not all(part.isidentifier() for part in where.split(".")):
        raise SubmissionError(f"{where!r} is neither a .py file nor a module name like pkg.module")
    return where, name


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _rebuild(skeleton: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """The submission's return value from its skeleton; ``ValueError`` if malformed."""
    if depth > MAX_STRUCTURE_DEPTH + 1 or not isinstance(skeleton, dict) or len(skeleton) > 2:
        raise ValueError("malformed result")
    if "sequence" in skeleton and isinstance(skeleton["sequence"], list):
        items = [_rebuild(s, arrays, depth + 1) for s in skeleton["sequence"][:8]]
        return tuple(items) if skeleton.get("type") == "tuple" else items
    if "dict" in skeleton and isinstance(skeleton["dict"], dict):
        return {
            _text(k): _rebuild(v, arrays, depth + 1) for k, v in list(skeleton["dict"].items())[:16]
        }
    if "array" in skeleton and skeleton["array"] in arrays:
        return arrays[skeleton["array"]]
    if "other" in skeleton:
        return _Opaque(_text(skeleton["other"]))
    raise ValueError("malformed result")


class _Opaque:
    """Stands for a returned object that was not numbers (only its type name came back)."""

    def __init__(self, name: str) -> None:
        self.returned_type = name


def _read_results(folder: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta_path, results_path = folder / META, folder / RESULTS
    if not meta_path.is_file():
        raise FileNotFoundError("no results")
    if meta_path.stat().st_size > MAX_META_BYTES:
        raise ValueError("results too large")
    meta = json.loads(meta_path.read_text())
    if not isinstance(meta, dict):
        raise ValueError("malformed results")
    arrays: dict[str, np.ndarray] = {}
    if results_path.is_file():
        if results_path.stat().st_size > MAX_RESULT_BYTES:
            raise ValueError("results too large")
        with open(results_path, "rb") as f, np.load(f, allow_pickle=False) as data:
            for key in data.files:
                array = data[key]
                if array.dtype.kind not in "biuf":
                    raise ValueError(f"result {key!r} is not numeric")
                arrays[key] = array
    return meta, arrays


def _calls(meta: dict[str, Any], arrays: dict[str, np.ndarray], problems: list[Any]) -> list[Any]:
    from autograd_lr.checking import check

    records = meta.get("calls")
    if not isinstance(records, list) or len(records) != len(problems):
        raise ValueError("the results do not cover every problem")
    calls = []
    for k, (record, p) in enumerate(zip(records, problems, strict=True)):
        if not isinstance(record, dict):
            raise ValueError("malformed results")
        c = check.Call(p)
        if "exception" in record:
            c.exception = _text(record.get("exception")) or "an exception"
            c.exception_type = _text(record.get("exception_type"))
            c.where = _text(record.get("where"))
        else:
            returned = _rebuild(record.get("returned"), arrays)
            c.outputs = check.read_outputs(returned)
        seconds = record.get("seconds")
        c.seconds = (
            float(seconds) if isinstance(seconds, int | float) and math.isfinite(seconds) else 0.0
        )
        said = record.get("warnings")
        c.warnings = [_text(x) for x in said[:20]] if isinstance(said, list) else []
        for name, before in (("w", p.w), ("X", p.X), ("Y", p.Y)):
            after = arrays.get(f"after_{name}{k}")
            if after is None or not np.array_equal(before, after, equal_nan=True):
                c.modified.append(name)
        calls.append(c)
    return calls


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (a hanging submission may have spawned more)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    try:
        process.communicate(timeout=REAP_TIMEOUT)  # reap it and close its pipes
    except subprocess.TimeoutExpired:  # a grandchild that left the group holds them open
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        process.wait()


def grade(
    target: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    seed: int = 0,
    fast: Any = "auto",
    lambd: float | None = None,
) -> Any:
    r"""Check ``target``'s gradients with the submission in its own process; returns the report.

    ``target`` is ``path/to/file.py:function`` or ``package.module:function`` (a module
    found from the current directory, as with ``python -m``). Returns a
    :class:`autograd_lr.checking.check.GradientReport`; raises :class:`SubmissionError` (a
    ``ValueError``) when the submission cannot be loaded at all.
    """
    from autograd_lr.checking import check
    from autograd_lr.validation import validate_lambd

    where, _ = parse_target(target)
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise SubmissionError(f"timeout must be a positive number of seconds, got {timeout!r}")
    lam = None if lambd is None else validate_lambd(lambd)
    problems = check.default_problems(seed)
    label = target
    cwd = str(Path(where).resolve().parent) if where.endswith(".py") else os.getcwd()
    with tempfile.TemporaryDirectory(prefix="autograd-lr-grade-") as tmp:
        folder = Path(tmp)
        inputs: dict[str, Any] = {"count": np.array(len(problems))}
        if lam is not None:
            inputs["lambd"] = np.array(lam)
        for k, p in enumerate(problems):
            inputs.update({f"w{k}": p.w, f"b{k}": np.array(p.b), f"X{k}": p.X, f"Y{k}": p.Y})
        np.savez(folder / INPUTS, **inputs)
        command = [sys.executable, "-I", str(Path(__file__).resolve()), target, str(folder)]
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            return check.report(
                [],
                function=label,
                lambd=lam,
                error=f"timed out after {timeout:g} s: the submission did not return (an endless loop?)",
            )
        elapsed = time.perf_counter() - start
        try:
            meta, arrays = _read_results(folder)
        except FileNotFoundError:
            tail = stderr.decode(errors="replace").strip().splitlines()
            last = tail[-1][:MAX_TEXT] if tail else "no message"
            return check.report(
                [],
                function=label,
                lambd=lam,
                error=f"the submission's process ended (exit code {process.returncode}) before "
                f"returning results: {last}",
            )
        except Exception as exc:  # untrusted bytes: a bad zip, bad JSON, a bad header, ...
            return check.report(
                [],
                function=label,
                lambd=lam,
                error=f"the submission sent back unreadable results ({str(exc)[:MAX_TEXT]})",
            )
        if meta.get("status") == "import_error":
            raise SubmissionError(f"cannot load {target}: {_text(meta.get('reason'))}")
        try:
            calls = _calls(meta, arrays, problems)
        except Exception as exc:  # a structure the parent cannot read: refused, not trusted
            return check.report(
                [],
                function=label,
                lambd=lam,
                error=f"the submission sent back malformed results ({str(exc)[:MAX_TEXT]})",
            )
    result = check.report(calls, function=label, lambd=lam, fast=fast, seed=seed)
    result.notes.append(
        f"graded in a separate process (python -I), {elapsed:.2f} s including start-up; "
        "the expected values and the verdict were computed outside it"
    )
    return result


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2]))
