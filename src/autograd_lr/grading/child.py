r"""The submission's process: load it, call it on the problems, send back plain numbers.

This file is the program the sandbox runs (``python -I -c <this source>``); it imports
only the standard library and numpy, never ``autograd_lr``. The grader sends one JSON
request on standard input (the problems as base64 float64 arrays, the file, the function
name, the names to refuse to import) and reads one JSON answer from the result pipe
(file descriptor ``result_fd``): every returned value as a skeleton whose numeric leaves
are arrays (dtype, shape, base64 bytes). No pickle travels either way. The parent decodes
the answer with :func:`decode_array` and trusts nothing in it but numbers and short text.

The same two helpers :func:`encode_array` / :func:`decode_array` serve both sides, so this
module is also imported by the grader (it has no side effects on import).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from typing import Any

import numpy as np

PROTOCOL = 1
MAX_TEXT = 500  # characters kept of any string the submission's process sends
MAX_STRUCTURE_DEPTH = 4
MAX_REQUEST_BYTES = 64 * 2**20
# numeric kinds that may cross the pipe: bool, signed, unsigned, float
NUMERIC_KINDS = "biuf"
DTYPES = frozenset(
    {"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", "<f8"}
)
MAX_ARRAY_ELEMENTS = 2**20
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38


def encode_array(value: np.ndarray) -> dict[str, Any]:
    """``{"dtype", "shape", "data"}``: a numeric array as little-endian bytes in base64."""
    array = np.asarray(value, order="C")  # (np.ascontiguousarray would make 0-d arrays 1-d)
    array = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def decode_array(obj: Any) -> np.ndarray:
    """The array :func:`encode_array` wrote; ``ValueError`` for anything else."""
    if not isinstance(obj, dict) or set(obj) != {"dtype", "shape", "data"}:
        raise ValueError("malformed array")
    dtype, shape, data = obj["dtype"], obj["shape"], obj["data"]
    if dtype not in DTYPES or not isinstance(data, str) or not isinstance(shape, list):
        raise ValueError("malformed array")
    if len(shape) > 4 or not all(
        isinstance(n, int) and 0 <= n <= MAX_ARRAY_ELEMENTS for n in shape
    ):
        raise ValueError("malformed array shape")
    size = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if size > MAX_ARRAY_ELEMENTS:
        raise ValueError("array too large")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    array = np.frombuffer(raw, dtype=np.dtype(dtype))
    if array.size != size:
        raise ValueError("array size does not match its shape")
    return array.reshape(tuple(shape)).copy()


def _blocker(blocked: list[str]) -> Any:
    """A meta-path finder that refuses ``blocked`` packages to the submission."""
    import importlib.abc

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            top = name.partition(".")[0]
            if top in blocked:
                raise ModuleNotFoundError(
                    f"the grader does not let a submission import {top}", name=name
                )
            return None

    return Blocker()


# the Python types of a number kept across the pipe in the exercises' mode (initialize's
# b must be a float, not an array of one)
SCALAR_TYPES = {bool: "bool", int: "int", float: "float", np.float64: "float64"}


def _flatten(value: Any, arrays: dict[str, Any], depth: int = 0, typed: bool = False) -> Any:
    """A JSON skeleton of ``value`` whose numeric leaves are stored in ``arrays``; with
    ``typed``, a Python number's type is kept beside its array."""
    if depth < MAX_STRUCTURE_DEPTH and type(value) in (tuple, list) and len(value) <= 8:
        return {
            "sequence": [_flatten(v, arrays, depth + 1, typed) for v in value],
            "type": type(value).__name__,
        }
    if depth < MAX_STRUCTURE_DEPTH and type(value) is dict and len(value) <= 16:
        return {
            "dict": {
                str(k)[:MAX_TEXT]: _flatten(v, arrays, depth + 1, typed) for k, v in value.items()
            }
        }
    if typed and type(value) in SCALAR_TYPES:
        key = f"a{len(arrays)}"
        arrays[key] = encode_array(np.asarray(value))
        return {"array": key, "type": SCALAR_TYPES[type(value)]}
    try:
        # np.array(..., copy=True) of a lying __array__ or an ndarray subclass: only the
        # numbers cross the pipe, read once here; the parent never sees the object.
        array = np.array(value, copy=True)
        array = np.asarray(array).view(np.ndarray)
    except BaseException:
        array = None
    if array is not None and array.dtype.kind in NUMERIC_KINDS and array.size <= MAX_ARRAY_ELEMENTS:
        key = f"a{len(arrays)}"
        arrays[key] = encode_array(array)
        return {"array": key}
    return {"other": type(value).__name__[:MAX_TEXT]}


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except BaseException:
        text = ""
    return text.splitlines()[0] if text else ""


def _where(exc: BaseException, source: str) -> str:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename == source]
    frame = own[-1] if own else (frames[-1] if frames else None)
    if frame is None or frame.filename != source:
        return ""
    line = (frame.line or "").strip()
    return f"line {frame.lineno} in {frame.name}: {line}" if line else f"line {frame.lineno}"


def _signature(fn: Any, n_args: int) -> tuple[str, str]:
    """``("propagate(w, b, X)", "TypeError: too many positional arguments")`` when ``fn``
    cannot take ``n_args`` positional arguments; ``("", "")`` when it can."""
    import inspect

    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (a builtin): let the call say
        return "", ""
    try:
        signature.bind(*range(n_args))
    except TypeError as exc:
        shown = f"{getattr(fn, '__name__', 'fn')}{signature}"[:MAX_TEXT]
        return shown, f"TypeError: {_first_line(exc)}"[:MAX_TEXT]
    return "", ""


def _load(file: str, name: str) -> Any:
    import importlib.util

    sys.path.insert(0, os.path.dirname(file))
    spec = importlib.util.spec_from_file_location("submission", file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    spec.loader.exec_module(module)
    if not hasattr(module, name):
        defined = sorted(
            n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
        )
        raise LookupError(
            f"there is no function {name!r} (it defines: {', '.join(defined) or 'none'})"
        )
    fn = getattr(module, name)
    if not callable(fn):
        raise LookupError(f"{name} is a {type(fn).__name__}, not a function")
    return fn


MAX_EVENTS = 5000  # assignments of one trace sent back (a propagate's loop makes hundreds)
MAX_GLOBALS = 200  # names of the submission's module described to the grader


def _problem(p: dict[str, Any]) -> tuple[Any, ...]:
    """``(w, b, X, Y)`` of one problem as the grader encodes it, ``(w, b, X, Y, lambd)``
    for the L2 form (or an exercise's arguments)."""
    if "args" in p:
        return tuple(_argument(a) for a in p["args"])
    args = decode_array(p["w"]), float(p["b"]), decode_array(p["X"]), decode_array(p["Y"])
    return (*args, float(p["lambd"])) if "lambd" in p else args


def _argument(a: Any) -> Any:
    """One argument of an exercise's case as the grader encodes it: an array or a number."""
    if isinstance(a, dict) and "array" in a:
        return decode_array(a["array"])
    kind, value = a["kind"], a["value"]
    return {"float": float, "int": int, "bool": bool}[kind](value)


def run_exercise(fn: Any, cases: list[Any], namespace: dict[str, Any]) -> dict[str, Any]:
    """Call ``fn`` on every case's arguments (copies) and send back what it returned or
    raised, with the arguments it changed (by position)."""
    arrays: dict[str, Any] = {}
    outcomes = []
    for case in cases:
        args = [_argument(a) for a in case]
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        record: dict[str, Any] = {"returned": None, "error": "", "modified": []}
        try:
            record["returned"] = _flatten(fn(*copies), arrays, typed=True)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too
            record["error"] = f"{type(exc).__name__}: {_first_line(exc)}".rstrip(": ")[:MAX_TEXT]
        record["modified"] = [
            f"argument {k}"
            for k, (a, c) in enumerate(zip(args, copies, strict=True))
            if isinstance(a, np.ndarray) and not np.array_equal(a, c, equal_nan=True)
        ]
        outcomes.append(record)
    answer = {"protocol": PROTOCOL, "status": "ok", "outcomes": [outcomes], "arrays": arrays}
    answer["globals"] = _globals(namespace)
    return answer


def _globals(namespace: dict[str, Any]) -> dict[str, str]:
    """What each global name of the submission is ("array", "module", "function", "other"):
    the repair search outside the sandbox knows the names, never the objects."""
    import types

    kinds: dict[str, str] = {}
    for name, value in list(namespace.items())[: 4 * MAX_GLOBALS]:
        if not isinstance(name, str) or name.startswith("__") or len(kinds) >= MAX_GLOBALS:
            continue
        if type(value) is np.ndarray:
            kinds[name[:MAX_TEXT]] = "array"
        elif type(value) is types.ModuleType:
            kinds[name[:MAX_TEXT]] = "module"
        elif callable(value):
            kinds[name[:MAX_TEXT]] = "function"
        else:
            kinds[name[:MAX_TEXT]] = "other"
    return kinds


def _load_tracing(source: str) -> Any:
    """The grader's ``tracing.py`` (standard library and numpy only), sent with the request."""
    import types

    module = types.ModuleType("autograd_lr_tracing")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "tracing.py", "exec"), module.__dict__)
    return module


def _recorded(value: Any, arrays: dict[str, Any]) -> dict[str, Any]:
    data = value.data
    key = None
    if isinstance(data, np.ndarray) and data.dtype.kind in NUMERIC_KINDS:
        key = f"a{len(arrays)}"
        arrays[key] = encode_array(data)
    return {
        "shape": None if value.shape is None else [int(n) for n in value.shape],
        "dtype": str(value.dtype)[:MAX_TEXT],
        "kind": str(value.kind)[:MAX_TEXT],
        "data": key,
    }


def _trace_data(t: Any, arrays: dict[str, Any]) -> dict[str, Any]:
    """A :class:`tracing.Trace` as JSON-ready data, its values' entries in ``arrays``."""
    r = t.raised
    return {
        "events": [
            {
                "line": int(e.line),
                "occurrence": int(e.occurrence),
                "name": str(e.name)[:MAX_TEXT],
                "value": _recorded(e.value, arrays),
            }
            for e in t.events[:MAX_EVENTS]
        ],
        "raised": None
        if r is None
        else {
            "type": str(r.type)[:MAX_TEXT],
            "message": str(r.message)[:MAX_TEXT],
            "line": int(r.line),
            "text": str(r.text)[:MAX_TEXT],
            "operands": [[str(e)[:MAX_TEXT], str(d)[:MAX_TEXT]] for e, d in r.operands[:8]],
            "failing": str(r.failing)[:MAX_TEXT],
        },
        "lines": {str(k): str(v)[:MAX_TEXT] for k, v in list(t.lines.items())[:2000]},
    }


def run_candidates(request: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    """The repair search's request: run each candidate program (or trace the learner's
    one) with the submission's globals, by ``tracing.py``'s own functions, and send back
    every outcome as data."""
    job = request["candidates"]
    tracing = _load_tracing(str(request["tracing"]))
    function = str(job["function"])
    problems = [_problem(p) for p in job["problems"]]
    sources = [str(s) for s in job["sources"]]
    arrays: dict[str, Any] = {}
    if job.get("trace"):
        helpers = [str(h) for h in job.get("helpers", [])]
        t = tracing.trace(sources[0], function, problems[0], namespace, helpers)
        return {
            "protocol": PROTOCOL,
            "status": "ok",
            "trace": _trace_data(t, arrays),
            "arrays": arrays,
        }
    found = tracing.run_candidates(sources, function, problems, namespace)
    typed = bool(job.get("typed"))  # an exercise's outcomes keep a Python number's type
    outcomes = [
        [
            {
                "returned": None if o.error else _flatten(o.returned, arrays, typed=typed),
                "error": str(o.error)[:MAX_TEXT],
                "modified": [str(n)[:MAX_TEXT] for n in o.modified],
            }
            for o in outcomes
        ]
        for outcomes in found
    ]
    return {"protocol": PROTOCOL, "status": "ok", "outcomes": outcomes, "arrays": arrays}


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Load the submission and call it on every problem (or run the repair search's
    candidates, :func:`run_candidates`); the answer as JSON-ready data."""
    import warnings

    blocked = [str(b) for b in request.get("blocked", [])]
    forbidden = set(str(b) for b in request.get("forbidden", []))
    sys.meta_path.insert(0, _blocker(blocked))
    file, name = str(request["file"]), str(request["function"])
    try:
        fn = _load(file, name)
    except BaseException as exc:  # anything at import, SystemExit included
        status = "no_function" if isinstance(exc, LookupError) else "import_error"
        top = ""
        if isinstance(exc, ModuleNotFoundError):
            top = (exc.name or "").partition(".")[0]
        if top and top in forbidden:
            status = "forbidden_import"
        reason = f"{type(exc).__name__}: {_first_line(exc)}".rstrip(": ")
        return {
            "protocol": PROTOCOL,
            "status": status,
            "reason": reason[:MAX_TEXT],
            "module": top[:MAX_TEXT],
            "where": _where(exc, file),
        }
    namespace = vars(sys.modules["submission"])
    if request.get("candidates") is not None:
        return run_candidates(request, namespace)
    if request.get("exercise_cases") is not None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_exercise(fn, list(request["exercise_cases"]), namespace)
    lambd = request.get("lambd")
    arrays: dict[str, Any] = {}
    calls = []
    for k, p in enumerate(request["problems"]):
        args: tuple[Any, ...] = _problem(p)
        w, X, Y = args[0], args[2], args[3]
        if lambd is not None:
            args += (float(lambd),)
        record: dict[str, Any] = {}
        shown, why = _signature(fn, len(args))
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if shown:
                record["wrong_signature"], record["exception"] = shown, why
            else:
                try:
                    record["returned"] = _flatten(fn(*args), arrays)
                except BaseException as exc:  # SystemExit and KeyboardInterrupt too
                    record["exception_type"] = type(exc).__name__[:MAX_TEXT]
                    text = f"{type(exc).__name__}: {_first_line(exc)}".rstrip(": ")
                    record["exception"] = text[:MAX_TEXT]
                    record["where"] = _where(exc, file)
        record["seconds"] = time.perf_counter() - start
        record["warnings"] = sorted(
            {f"{x.category.__name__}: {x.message}"[:MAX_TEXT] for x in caught}
        )[:20]
        for label, after in (("w", w), ("X", X), ("Y", Y)):
            key = f"after_{label}{k}"
            arrays[key] = encode_array(np.asarray(after).view(np.ndarray))
            record[f"after_{label}"] = key
        calls.append(record)
    answer = {"protocol": PROTOCOL, "status": "ok", "calls": calls, "arrays": arrays}
    answer["globals"] = _globals(namespace)
    return answer


def _open_to(path: str, uid: int, gid: int) -> bool:
    """Whether ``uid``/``gid`` may list ``path`` and pass through every folder above it."""

    def allows(info: os.stat_result, bits: int) -> bool:  # bits: 0o5 (r-x) or 0o1 (--x)
        if info.st_uid == uid:
            return info.st_mode >> 6 & bits == bits
        if info.st_gid == gid:
            return info.st_mode >> 3 & bits == bits
        return info.st_mode & bits == bits

    here = os.path.abspath(path)
    try:
        if not allows(os.stat(here), 0o5):
            return False
        while here != "/":
            here = os.path.dirname(here)
            if not allows(os.stat(here), 0o1):
                return False
    except OSError:
        return False
    return True


def _import_paths_through_fds(uid: int, gid: int) -> None:
    """Keep the interpreter importable for ``uid`` when a folder above it is closed to
    others (``/root`` is 0700, the home of a pyenv): each ``sys.path`` entry and package
    ``__path__`` behind one is replaced by ``/proc/self/fd/N`` of a directory opened now,
    as root, which the kernel follows without passing through the closed folders."""
    opened: dict[str, str] = {}
    for i, entry in enumerate(sys.path):
        if entry and os.path.isdir(entry) and not _open_to(entry, uid, gid):
            fd = os.open(entry, os.O_PATH | os.O_DIRECTORY)
            opened[os.path.abspath(entry)] = sys.path[i] = f"/proc/self/fd/{fd}"
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if not isinstance(paths, list):
            continue
        for k, path in enumerate(paths):
            for closed, through in opened.items():
                if isinstance(path, str) and path.startswith(closed + "/"):
                    paths[k] = through + path[len(closed) :]
    sys.path_importer_cache.clear()


def become(uid: int, gid: int) -> None:
    """Give up root for good before any submitted code runs: the interpreter kept
    importable (:func:`_import_paths_through_fds`), no supplementary group, real, effective and saved ids all
    ``uid``/``gid`` (which clears every capability), an empty bounding set and
    ``no_new_privs`` (no setuid program can give them back); ``RuntimeError`` when any of
    it did not hold."""
    import ctypes

    _import_paths_through_fds(uid, gid)
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise RuntimeError(f"prctl(PR_CAPBSET_DROP, {cap}) failed")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise RuntimeError("prctl(PR_SET_NO_NEW_PRIVS) failed")
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (gid,) * 3 or os.getgroups():
        raise RuntimeError("the process did not become the run's own user")


def main() -> None:
    """Read the request, answer on the result pipe, and end the process at once."""
    raw = sys.stdin.buffer.read(MAX_REQUEST_BYTES)
    sys.stdin.close()
    request = json.loads(raw)
    out = os.fdopen(int(request["result_fd"]), "wb", closefd=True)
    try:
        os.chdir(os.path.dirname(str(request["file"])))  # the private copy
        if request.get("become"):
            uid, gid = (int(v) for v in request["become"])
            become(uid, gid)
        answer = run(request)
    except BaseException as exc:  # the grader's own request could not be served
        answer = {"protocol": PROTOCOL, "status": "crash", "reason": f"{type(exc).__name__}"}
    try:
        out.write(json.dumps(answer, allow_nan=False).encode())
        out.close()
    except BaseException:
        pass
    # os._exit: no atexit handler, no non-daemon thread of the submission keeps us alive
    sys.stdout.flush() if not sys.stdout.closed else None
    os._exit(0)


if __name__ == "__main__":
    main()
