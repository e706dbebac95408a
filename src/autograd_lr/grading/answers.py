r"""The child's answer, read as untrusted data: strict JSON, numbers only, every field checked.

:func:`parse` refuses anything but the grader's protocol: size-capped by the sandbox,
strict JSON (no ``NaN``/``Infinity`` constants, no pickle), and every field of the shape
and type the shipped schema ``schema/answer.schema.json`` gives it, before any field is
read. fastjsonschema checks it (compiled once, at import): jsonschema's validator took
60 times as long on a call's answer and 10 times as long on a repair search's batch as
reading that answer does, and the grader reads one answer per sandboxed run. :func:`calls` rebuilds, for each problem,
a :class:`autograd_lr.checking.check.Call` from the returned skeleton (sequences, dicts
and numeric arrays of a whitelisted dtype; any other object is only its type name) and
sees which inputs the submission modified in place. Whatever does not fit raises
``ValueError``, and the grader reports a crash: never a pass.

Every string that came from a submission (its messages, its output, its file's name) is
shown through :func:`printable`: a control character is written as its escape, so no
terminal escape, carriage return or newline of a submission reaches a terminal, a table
or a spreadsheet raw.
"""

from __future__ import annotations

import json
import math
import re
import types
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema
import numpy as np

from autograd_lr.checking import check
from autograd_lr.checking.calls import called_as
from autograd_lr.checking.tracing import Event, Outcome, Raised, Recorded, Trace
from autograd_lr.grading.child import MAX_STRUCTURE_DEPTH, decode_array

if TYPE_CHECKING:
    from autograd_lr.checking.check import Call
    from autograd_lr.grading.sandbox import Run

MAX_TEXT = 500  # characters kept of any string the submission's process sends
SCHEMA = json.loads(
    resources.files("autograd_lr.grading").joinpath("schema", "answer.schema.json").read_text()
)
_VALIDATE = fastjsonschema.compile(SCHEMA)
# C0 and C1 controls with DEL, lone surrogates (a file name that is not UTF-8 decodes to
# them), the line and paragraph separators, and the bidirectional controls that reorder
# what a terminal shows
_CONTROLS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(f"[{_CONTROLS}]")
_UNPRINTABLE_BUT_LINES = re.compile(f"(?![\n\t])[{_CONTROLS}]")


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    r"""``text`` with every control character written as its escape (``\x1b``, ``\u202e``);
    with ``lines``, newlines and tabs are kept (a multi-line report)."""
    return (_UNPRINTABLE_BUT_LINES if lines else _UNPRINTABLE).sub(_escape, text)


def shown(value: Any) -> str:
    """A string the submission's process sent, as the grader shows it: cut to
    :data:`MAX_TEXT`, control characters escaped ("" for anything but a string)."""
    return printable(value[:MAX_TEXT]) if isinstance(value, str) else ""


def parse(run: Run) -> dict[str, Any]:
    """The child's answer, strictly: ``ValueError`` naming what is wrong with it."""
    if run.answer_too_large:
        raise ValueError("the submission's process sent back more data than any answer holds")
    if not run.answer:
        tail = run.stderr.text().strip().splitlines()
        last = shown(tail[-1]) if tail else "no message"
        code = run.returncode
        how = (
            f"was killed by signal {-code}"
            if code is not None and code < 0
            else f"ended (exit code {code})"
        )
        raise ValueError(f"the submission's process {how} before returning results: {last}")

    def refuse(name: str) -> float:
        raise ValueError(f"non-numeric constant {name} in the results")

    try:
        answer = json.loads(run.answer, parse_constant=refuse)
    except (ValueError, RecursionError) as exc:
        raise ValueError(
            f"the submission sent back unreadable results ({str(exc)[:200]})"
        ) from None
    try:
        _VALIDATE(answer)
    except RecursionError:  # a skeleton nested deeper than the validator recurses
        raise ValueError("the submission sent back malformed results (nested too deeply)") from None
    except fastjsonschema.JsonSchemaValueException as error:
        field = list(error.path or [])[1:2]  # path[0] is "data", the answer itself
        if field in ([], ["protocol"], ["status"]) and error.rule in _ENVELOPE_RULES:
            raise ValueError(
                "the submission sent back unreadable results (not the grader's protocol)"
            ) from None
        said = error.message.removeprefix("data")  # the validator calls the answer "data"
        raise ValueError(
            f"the submission sent back malformed results (answer{shown(said)})"
        ) from None
    return answer


_ENVELOPE_RULES = ("type", "required", "const")  # an answer that is not the protocol at all


def _rebuild(skeleton: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
    """The submission's return value from its skeleton; ``ValueError`` if malformed."""
    if depth > MAX_STRUCTURE_DEPTH + 1 or not isinstance(skeleton, dict) or len(skeleton) > 2:
        raise ValueError("malformed result")
    if "sequence" in skeleton and isinstance(skeleton["sequence"], list):
        items = [_rebuild(s, arrays, depth + 1) for s in skeleton["sequence"][:8]]
        return tuple(items) if skeleton.get("type") == "tuple" else items
    if "dict" in skeleton and isinstance(skeleton["dict"], dict):
        return {
            shown(k): _rebuild(v, arrays, depth + 1) for k, v in list(skeleton["dict"].items())[:16]
        }
    if "array" in skeleton and skeleton["array"] in arrays:
        value = arrays[skeleton["array"]]
        kind = skeleton.get("type")
        if kind is None:
            return value
        # a Python number of the exercises' mode: its type back, from one number only
        if value.shape != () or kind not in _SCALARS:
            raise ValueError("malformed result")
        return _SCALARS[kind](value.item())
    if "other" in skeleton:
        return _Opaque(shown(skeleton["other"]))
    raise ValueError("malformed result")


_SCALARS: dict[str, Any] = {"bool": bool, "int": int, "float": float, "float64": np.float64}


class _Opaque:
    """Stands for a returned object that was not numbers (only its type name came back)."""

    def __init__(self, name: str) -> None:
        self.returned_type = name


def calls(answer: dict[str, Any], problems: list[Any], lambd: float | None) -> list[Call]:
    raw = answer.get("arrays")
    if not isinstance(raw, dict) or len(raw) > 64 * len(problems):
        raise ValueError("malformed arrays")
    arrays = {str(k): decode_array(v) for k, v in raw.items()}
    records = answer.get("calls")
    if not isinstance(records, list) or len(records) != len(problems):
        raise ValueError("the results do not cover every problem")
    expected = called_as(lambd)
    found = []
    for record, p in zip(records, problems, strict=True):
        c = check.Call(p)
        if "wrong_signature" in record:
            c.wrong_signature = True
            c.signature = shown(record["wrong_signature"])
            c.called_as = expected
            c.exception_type = "TypeError"
            c.exception = shown(record.get("exception")) or "TypeError: wrong parameters"
        elif "exception" in record:
            c.exception = shown(record.get("exception")) or "an exception"
            c.exception_type = shown(record.get("exception_type"))
            c.where = shown(record.get("where"))
        else:
            c.outputs = check.read_outputs(_rebuild(record.get("returned"), arrays))
        c.seconds = float(record.get("seconds", 0.0))
        c.seconds = c.seconds if math.isfinite(c.seconds) else 0.0
        c.warnings = [shown(x) for x in record.get("warnings", [])[:20]]
        for name, before in (("w", p.w), ("X", p.X), ("Y", p.Y)):
            after = arrays.get(str(record.get(f"after_{name}")))
            if after is None or not np.array_equal(before, after, equal_nan=True):
                c.modified.append(name)
        found.append(c)
    return found


# --- the repair search's runs ---------------------------------------------------------------

MAX_CANDIDATE_ARRAYS = 64  # arrays one candidate's outcomes on every problem may send back
MAX_TRACE_ARRAYS = 5000  # one per recorded assignment (child.MAX_EVENTS)
_GLOBAL_KINDS = ("array", "module", "function", "other")


def _ok(answer: dict[str, Any], limit: int) -> dict[str, np.ndarray]:
    """The decoded arrays of an ``ok`` answer of at most ``limit`` arrays."""
    if answer.get("status") != "ok":
        reason = shown(answer.get("reason")) or shown(answer.get("status"))
        raise ValueError(f"the submission's process could not run the candidates ({reason})")
    raw = answer.get("arrays")
    if not isinstance(raw, dict) or len(raw) > limit:
        raise ValueError("malformed arrays")
    return {str(k): decode_array(v) for k, v in raw.items()}


def outcomes(answer: dict[str, Any], sources: int, problems: int) -> list[list[Outcome]]:
    """The candidates' :class:`~autograd_lr.checking.tracing.Outcome` s, one list per
    source, from the child's answer; ``ValueError`` when it is not exactly that."""
    arrays = _ok(answer, MAX_CANDIDATE_ARRAYS * max(sources, 1))
    found = answer.get("outcomes")
    if not isinstance(found, list) or len(found) != sources:
        raise ValueError("the results do not cover every candidate")
    rebuilt = []
    for records in found:
        if len(records) > problems:
            raise ValueError("malformed outcomes: more than one per problem")
        row = []
        for r in records:
            error = shown(r.get("error"))
            returned = None if error else _rebuild(r.get("returned"), arrays)
            modified = tuple(shown(n) for n in r["modified"][:8])
            row.append(Outcome(returned, error, modified))
        rebuilt.append(row)
    return rebuilt


def trace(answer: dict[str, Any]) -> Trace:
    """The learner's :class:`~autograd_lr.checking.tracing.Trace` from the child's answer
    (read by :func:`parse`, so every field has its schema's type)."""
    arrays = _ok(answer, MAX_TRACE_ARRAYS)
    data = answer.get("trace")
    if data is None:
        raise ValueError("malformed trace: none was sent")
    events = []
    for e in data["events"][:MAX_TRACE_ARRAYS]:
        value = e["value"]
        shape = value.get("shape")
        key = value.get("data")
        recorded = Recorded(
            None if shape is None else tuple(shape),
            shown(value.get("dtype")),
            None if key is None else arrays.get(key),
            shown(value.get("kind")),
        )
        events.append(Event(e["line"], e["occurrence"], shown(e["name"]), recorded))
    raised = data.get("raised")
    if raised is not None:
        raised = Raised(
            shown(raised.get("type")),
            shown(raised.get("message")),
            raised["line"],
            shown(raised.get("text")),
            [(shown(a), shown(b)) for a, b in raised["operands"][:8]],
            shown(raised.get("failing")),
        )
    lines = list(data["lines"].items())[:2000]
    text = {int(k): shown(v) for k, v in lines if k.isdecimal() and int(k) < 2**31}
    return Trace(events, raised, text)


def namespace(answer: dict[str, Any]) -> dict[str, Any]:
    """Stand-ins for the submission's globals (an empty array, a module, ``None``), by the
    kinds the child sent: what the repair search needs to know of them outside the sandbox
    (which names are arrays, modules, its own ``sigmoid``), and nothing of their values."""
    kinds = answer.get("globals")
    if not isinstance(kinds, dict):
        return {}
    stand_ins: dict[str, Any] = {}
    for name, kind in list(kinds.items())[:200]:
        if not isinstance(name, str) or not name.isidentifier() or kind not in _GLOBAL_KINDS:
            continue
        stand_ins[name] = {
            "array": np.zeros(0),
            "module": types.ModuleType(name),
            "function": print,  # a callable: its name is what counts
            "other": None,
        }[kind]
    return stand_ins
