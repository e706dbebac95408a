r"""What the class got wrong, at a glance: counts of the named mistakes, by step of the exercise.

For every exercise (the graded function) of a class, :func:`tally` counts

* for each **named cause**, a correction rule of the error model
  (:data:`~autograd_lr.checking.error_model.RULES`) that a verified repair used, how many
  submissions made it, and at which *step* of the exercise;
* the **located-only** findings apart: a first wrong line the engine found, with no rule
  whose repair makes the program pass (so no cause: feedback never guesses); a submission
  with a named cause is never also located only, since its repair made all of it pass;
* the failed submissions with no line at all (a crash, a timeout, the memory limit, or
  no repair search: ``--search-seconds 0``).

A submission counts once per cause and step, however many lines it got wrong there.

**Steps, not line numbers.** Line 11 of one student's file is another student's line 14,
so each finding's line is mapped to the step of the exercise that line computes
(:func:`step_of`): the statement at that line in the submission's own source, by the name
it assigns, read in the lecture's notation (``A``, ``a`` or ``y_hat`` is the step ``A``;
``dw[j, 0] += ...`` is ``dw``; ``cost``, ``J``, ``loss`` are ``cost``; a ``return`` is the
return; a ``for`` line is a loop's bounds; an argument assigned to is the inputs changed);
a line inside the learner's ``sigmoid`` is the step σ, inside another helper the step
"a helper function"; any other name is "another line". This reads what the learner wrote,
not what the values were: it needs no extra run, and a line the engine located is named
the same way whether its cause was verified or not. The grader computes the step while
it holds the submission's source (:meth:`Grader.grade <autograd_lr.grading.grader.Grader.grade>`)
and puts it in the report (``diagnosis[].step``); this module only reads reports.

:func:`write_summary` writes ``summary.html`` (self-contained: the picture is embedded as
a data URI; every text that came from a submission is escaped) and ``mistakes.png`` (a
horizontal bar chart, matplotlib's Agg renderer, the Okabe–Ito colour-blind-safe
palette), both atomically. matplotlib is the ``plots`` extra: without it the page is
written without the picture and says so. :func:`warm_up_matplotlib` imports and warms matplotlib;
the CLI calls it before the first submission runs, so nothing is imported after a
submission could have written to the disk.
"""

from __future__ import annotations

import ast
import base64
import html
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd_lr.checking.error_model import BY_NAME, RULES
from autograd_lr.files import atomic_write_bytes
from autograd_lr.grading.answers import printable

# --- steps of the exercise ----------------------------------------------------------------

# The steps, in the lecture's order, with their label in the lecture's notation.
STEPS: dict[str, str] = {
    "inputs": "an argument (w, b, X, Y) changed",
    "m": "m, the number of examples",
    "Z": "Z = wᵀX + b",
    "A": "A = σ(Z)",
    "cost": "the cost J",
    "dZ": "dZ = A − Y",
    "dw": "dw = (1/m) X dZᵀ",
    "db": "db = (1/m) Σ dZ",
    "loop": "a loop over the examples or features",
    "return": "the returned (grads, cost)",
    "sigmoid": "σ(z) = 1/(1 + e^(−z))",
    "helper": "a helper function",
    "other": "another line",
}
# the learner's name of a quantity (lower-cased) -> its step
NAMES: dict[str, str] = {
    **dict.fromkeys(("w", "b", "x", "y"), "inputs"),
    **dict.fromkeys(("m", "n_x", "n", "n_examples", "num_examples"), "m"),
    **dict.fromkeys(("z", "logits", "logit", "linear"), "Z"),
    **dict.fromkeys(
        ("a", "y_hat", "yhat", "activation", "activations", "h", "p", "pred", "preds"), "A"
    ),
    **dict.fromkeys(("prediction", "predictions", "probs", "sig", "sigma"), "A"),
    **dict.fromkeys(("cost", "j", "loss", "losses", "l", "logprobs", "log_probs"), "cost"),
    **dict.fromkeys(("dz", "dl_dz", "error", "err", "diff", "delta"), "dZ"),
    **dict.fromkeys(("dw", "dj_dw", "grad_w"), "dw"),
    **dict.fromkeys(("db", "dj_db", "grad_b"), "db"),
    **dict.fromkeys(("grads", "gradients", "grad"), "return"),
}
# the order a target's names are read in: "n_x, m = X.shape" is m, not the inputs
_ORDER = tuple(STEPS)


def _targets(node: ast.AST) -> list[str]:
    """The names a target binds: ``dw[j, 0]`` binds ``dw``, ``(n_x, m)`` both."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Subscript | ast.Attribute | ast.Starred):
        return _targets(node.value)
    if isinstance(node, ast.Tuple | ast.List):
        return [n for e in node.elts for n in _targets(e)]
    return []


def _statement_step(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Return):
        return "return"
    if isinstance(stmt, ast.For | ast.While | ast.AsyncFor):
        return "loop"
    if isinstance(stmt, ast.Assign):
        names = [n for t in stmt.targets for n in _targets(t)]
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
        names = _targets(stmt.target)
    else:
        return "other"
    steps = {NAMES[n.lower()] for n in names if n.lower() in NAMES}
    return min(steps, key=_ORDER.index) if steps else "other"


def step_of(source: str, line: int, function: str) -> str:
    """The step of the exercise (a key of :data:`STEPS`) that ``line`` of ``source``
    computes in ``function`` (its short name), or ``""`` when the line is not in the
    source (a file that does not parse, a line past its end)."""
    return steps_of(source, [line], function).get(line, "")


def steps_of(source: str, lines: Iterable[int], function: str, offset: int = 0) -> dict[int, str]:
    """:func:`step_of` of each reported line, the source parsed once; ``offset`` is what
    the grader added to a line of the script to make it a line of the notebook cell (0 for
    a ``.py`` file). Lines with no step are left out."""
    try:
        nodes = list(ast.walk(ast.parse(source)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    short = function.rsplit(".", 1)[-1]
    out = {}
    for line in lines:
        step = _step(nodes, line - offset, short)
        if step:
            out[line] = step
    return out


def _step(nodes: Sequence[ast.AST], line: int, short: str) -> str:
    inside: ast.AST | None = None  # the innermost def holding the line
    stmt: ast.stmt | None = None  # the innermost statement starting at or holding it
    for node in nodes:
        start, end = getattr(node, "lineno", 0), getattr(node, "end_lineno", 0) or 0
        if not start <= line <= end:
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if inside is None or start >= getattr(inside, "lineno", 0):
                inside = node
        elif isinstance(node, ast.stmt):
            # a loop's header line is the loop; a line of its body is that statement
            header = isinstance(node, ast.For | ast.While | ast.AsyncFor) and line == start
            compound = isinstance(node, ast.For | ast.While | ast.AsyncFor | ast.If | ast.With)
            if (header or not compound) and (stmt is None or start >= stmt.lineno):
                stmt = node
    if stmt is None:
        return ""
    name = getattr(inside, "name", "")
    if name == "sigmoid" and short != "sigmoid":
        return "sigmoid"
    if inside is None or name != short:
        return "helper" if inside is not None else "other"
    if short == "sigmoid":
        return "sigmoid"
    return _statement_step(stmt)


# --- counting -----------------------------------------------------------------------------


@dataclass
class Cause:
    """One named cause in one exercise: the submissions that made it, by step."""

    rule: str
    files: set[str] = field(default_factory=set)
    steps: dict[str, set[str]] = field(default_factory=dict)

    @property
    def concept(self) -> str:
        rule = BY_NAME.get(self.rule)
        return rule.concept if rule is not None else ""


@dataclass
class Exercise:
    """The tally of one exercise (one graded function) over the class."""

    name: str
    submissions: int = 0
    failed: int = 0
    causes: dict[str, Cause] = field(default_factory=dict)
    located: dict[str, set[str]] = field(default_factory=dict)  # step -> files
    not_located: set[str] = field(default_factory=set)

    def ranked(self) -> list[Cause]:
        """Causes by how many submissions made them, then in the error model's order."""
        order = {r.name: k for k, r in enumerate(RULES)}
        return sorted(
            self.causes.values(), key=lambda c: (-len(c.files), order.get(c.rule, len(order)))
        )

    @property
    def located_files(self) -> set[str]:
        return set().union(*self.located.values()) if self.located else set()

    def to_dict(self) -> dict[str, Any]:
        return {
            "submissions": self.submissions,
            "failed": self.failed,
            "named": [
                {
                    "rule": c.rule,
                    "concept": c.concept,
                    "submissions": len(c.files),
                    "steps": _counts(c.steps),
                }
                for c in self.ranked()
            ],
            "located_only": {
                "submissions": len(self.located_files),
                "steps": _counts(self.located),
            },
            "not_located": len(self.not_located),
        }


def _counts(steps: Mapping[str, set[str]]) -> dict[str, int]:
    """Submissions per step, in the exercise's order."""
    known = [s for s in STEPS if s in steps] + sorted(s for s in steps if s not in STEPS)
    return {s: len(steps[s]) for s in known}


def tally(reports: Sequence[Mapping[str, Any]]) -> dict[str, Exercise]:
    """The named causes, located-only findings and unlocated failures of each exercise,
    from the submissions' reports (``Graded.to_dict()``, ``schema/report.schema.json``).

    A report's exercise is its ``function``; a finding that names its own ``function``
    (a report of several exercises) is counted under that one. A submission is told apart
    by its position in ``reports`` with its file's name (two files may share a name).
    """
    exercises: dict[str, Exercise] = {}
    for k, report in enumerate(reports):
        who = f"{k}\x00{report.get('file', '')}"
        name = str(report.get("function", ""))
        ex = exercises.setdefault(name, Exercise(name))
        ex.submissions += 1
        if report.get("outcome") == "pass":
            continue
        ex.failed += 1
        lined = False
        for finding in report.get("diagnosis", []) or []:
            line = finding.get("line")
            if not line:
                continue
            lined = True
            own = str(finding.get("function") or name)
            at = exercises.setdefault(own, Exercise(own)) if own != name else ex
            step = str(finding.get("step") or "other")
            rules = finding.get("rules") or []
            for rule in rules:
                cause = at.causes.setdefault(str(rule), Cause(str(rule)))
                cause.files.add(who)
                cause.steps.setdefault(step, set()).add(who)
            if not rules:
                at.located.setdefault(step, set()).add(who)
        if not lined:
            ex.not_located.add(who)
    # a verified repair makes the whole submission pass: its other lines are explained,
    # so a submission with a named cause is never also "located only"
    for ex in exercises.values():
        named = {f for c in ex.causes.values() for f in c.files}
        ex.located = {s: f - named for s, f in ex.located.items() if f - named}
    return exercises


def counts(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The gradebook's ``summary.findings``: :func:`tally` as JSON, by exercise."""
    return {name: ex.to_dict() for name, ex in tally(reports).items()}


# --- the text -----------------------------------------------------------------------------

NEXT_LECTURE = 3  # causes proposed for the next lecture, per exercise


def _file(who: str) -> str:
    return who.split("\x00", 1)[1]


def _where(steps: Mapping[str, set[str]]) -> str:
    """``"at the cost (2) and dw (1)"``: the steps, most frequent first."""
    ranked = sorted(steps.items(), key=lambda kv: (-len(kv[1]), _rank(kv[0])))
    parts = [f"{STEPS.get(s, s)} ({len(f)})" for s, f in ranked]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _rank(step: str) -> int:
    return _ORDER.index(step) if step in STEPS else len(_ORDER)


def _plural(n: int, word: str = "submission") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def advice(ex: Exercise) -> str:
    """The paragraph for the instructor: what to go over in the next lecture, and why."""
    if ex.failed == 0:
        return (
            f"No mistakes in {ex.name}: all {_plural(ex.submissions)} passed. "
            "Nothing to go over again."
        )
    ranked = ex.ranked()
    out = [f"{ex.failed} of {_plural(ex.submissions)} of {ex.name} failed."]
    if ranked:
        top = ranked[:NEXT_LECTURE]
        items = [
            f"{c.rule} ({_plural(len(c.files))}, at {_where(c.steps)}): {c.concept}" for c in top
        ]
        out.append("In the next lecture, go over " + " Then ".join(items))
        rest = len(ranked) - len(top)
        if rest:
            out.append(f"{_plural(rest, 'other cause')}: fewer submissions each (the table below).")
    else:
        out.append("No cause could be named: no repair by the error model's rules made any pass.")
    located = ex.located_files
    if located:
        out.append(
            f"{_plural(len(located))} went wrong where no rule's repair makes the program pass: "
            f"the engine located the first wrong line ({_where(ex.located)}) but names no "
            "cause; read those by hand."
        )
    if ex.not_located:
        out.append(
            f"{_plural(len(ex.not_located))} failed without a located line (it crashed, timed "
            "out, went over the memory limit or could not load, or the repair search was off: "
            "grade with --search-seconds)."
        )
    return " ".join(out)


# --- the picture --------------------------------------------------------------------------

# Okabe & Ito's colour-blind-safe palette: blue for a named cause, vermillion (and hatched,
# so it reads in grey too) for a line located without a cause
NAMED_COLOUR = "#0072B2"
LOCATED_COLOUR = "#D55E00"
MAX_BARS = 30  # the picture's bars; summary.html lists every one
DPI = 100


@dataclass(frozen=True)
class Bar:
    exercise: str
    label: str
    count: int
    named: bool
    group: str = ""  # the bars of one cause (or the located-only ones) are drawn together


# a step as a bar's label says it (letters every font has: no superscript ᵀ)
STEP_LABELS = {
    "inputs": "an argument",
    "Z": "Z",
    "A": "A = σ(Z)",
    "cost": "the cost",
    "dZ": "dZ",
    "loop": "a loop",
    "return": "the return",
    "sigmoid": "σ",
    "helper": "a helper",
    "other": "another line",
}


def bars(exercises: Mapping[str, Exercise]) -> list[Bar]:
    """One bar per (cause, step), the causes ranked as :meth:`Exercise.ranked` and the
    steps of one cause together, most submissions first; then the located-only steps."""
    out = []
    for ex in exercises.values():
        for c in ex.ranked():
            steps = sorted(c.steps, key=lambda s: (-len(c.steps[s]), _rank(s)))
            for k, step in enumerate(steps):
                # a cause at several steps: its first bar says how many submissions in all
                total = f" ({len(c.files)} in all)" if k == 0 and len(steps) > 1 else ""
                label = f"{c.rule}{total} at {STEP_LABELS.get(step, step)}"
                out.append(Bar(ex.name, label, len(c.steps[step]), True, f"{ex.name}/{c.rule}"))
        for step in sorted(ex.located, key=lambda s: (-len(ex.located[s]), _rank(s))):
            label = f"located only, at {STEP_LABELS.get(step, step)}"
            out.append(Bar(ex.name, label, len(ex.located[step]), False, f"{ex.name}/"))
    return out


def warm_up_matplotlib() -> bool:
    """Import matplotlib (Agg) and render once, before any submission runs; False when
    matplotlib is not installed (the ``plots`` extra)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    fig = Figure(figsize=(1, 1))
    ax = fig.subplots()
    ax.barh([0], [1], color=NAMED_COLOUR, hatch="//")
    ax.set_title("σ(Z) −")
    ax.legend(["x"])
    fig.savefig(io.BytesIO(), format="png", dpi=10, metadata={"Software": None})
    return True


def png(exercises: Mapping[str, Exercise]) -> bytes:
    """``mistakes.png``: a horizontal bar per cause and step, counts at their ends."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    every = bars(exercises)
    shown = every[:MAX_BARS]
    several = len(exercises) > 1
    y, at = [], 0.0  # from the top down, a gap between groups
    for k, b in enumerate(shown):
        at -= 1.0 if k == 0 or b.group == shown[k - 1].group else 1.5
        y.append(at)
    height = 1.6 + 0.32 * max(-at, 2)  # a bar's height is the same in every picture
    fig = Figure(figsize=(9, height), layout="constrained")
    ax = fig.subplots()
    total = sum(ex.submissions for ex in exercises.values())
    if not shown:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            f"No mistakes located: all {_plural(total)} passed"
            if all(ex.failed == 0 for ex in exercises.values())
            else "No mistakes located (grade with --search-seconds to locate them)",
            ha="center",
            va="center",
            fontsize=13,
        )
    else:
        labels = [f"{b.exercise}: {b.label}" if several else b.label for b in shown]
        ax.barh(
            y,
            [b.count for b in shown],
            color=[NAMED_COLOUR if b.named else LOCATED_COLOUR for b in shown],
            hatch=None,
            edgecolor="white",
        )
        for patch, b in zip(ax.patches, shown, strict=True):
            if not b.named:
                patch.set_hatch("//")
        for yy, b in zip(y, shown, strict=True):
            ax.text(b.count, yy, f" {b.count}", va="center", fontsize=10)
        ax.set_yticks(y, labels, fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max(b.count for b in shown) * 1.12 + 0.5)
        left_out = len(every) - len(shown)
        ax.set_xlabel(
            "submissions"
            + (f" ({left_out} smaller bars left out: summary.html lists them)" if left_out else "")
        )
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(
            handles=[
                Patch(color=NAMED_COLOUR, label="cause named by a verified repair"),
                Patch(
                    facecolor=LOCATED_COLOUR,
                    hatch="//",
                    edgecolor="white",
                    label="line located, no cause",
                ),
            ],
            loc="lower right",
            fontsize=9,
            frameon=False,
        )
    ax.set_title(f"What the class got wrong ({_plural(total)})", fontsize=12)
    buffer = io.BytesIO()
    # no Software entry: the same class gives the same bytes
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


# --- the page -----------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(printable(str(text)), quote=True)


def page(
    exercises: Mapping[str, Exercise],
    outcomes: Mapping[str, int],
    image: bytes | None,
    note: str = "",
) -> str:
    """``summary.html``: the advice, the picture (embedded) and the tables, every text escaped."""
    total = sum(ex.submissions for ex in exercises.values())
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8" />',
        "<title>What the class got wrong</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
        "padding:.3em .6em;text-align:left;vertical-align:top}td.n{text-align:right}"
        "img{max-width:100%}</style>",
        "</head>",
        "<body>",
        "<h1>What the class got wrong</h1>",
        "<p>"
        + _e(
            f"{_plural(total)}: " + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) + "."
        )
        + "</p>",
    ]
    for ex in exercises.values():
        out.append(f"<h2>{_e(ex.name)}</h2>")
        out.append(f'<p class="advice">{_e(advice(ex))}</p>')
    if image is not None:
        data = base64.b64encode(image).decode("ascii")
        out.append(
            f'<p><img src="data:image/png;base64,{data}" '
            'alt="bar chart: submissions per named mistake and step" /></p>'
        )
    if note:
        out.append(f"<p><em>{_e(note)}</em></p>")
    for ex in exercises.values():
        out.append(f"<h2>{_e(ex.name)}: every mistake</h2>")
        if not ex.causes and not ex.located:
            out.append("<p>No mistake was located.</p>")
            continue
        out.append(
            "<table><thead><tr><th>mistake (error-model rule)</th><th>in the lecture's words</th>"
            "<th>submissions</th><th>step (submissions)</th><th>files</th></tr></thead><tbody>"
        )
        for c in ex.ranked():
            out.append(
                f"<tr><td><code>{_e(c.rule)}</code></td><td>{_e(c.concept)}</td>"
                f'<td class="n">{len(c.files)}</td><td>{_e(_where(c.steps))}</td>'
                f"<td>{_files(c.files)}</td></tr>"
            )
        if ex.located:
            located = ex.located_files
            out.append(
                "<tr><td><em>located only</em></td><td>a first wrong line, no verified "
                f'cause</td><td class="n">{len(located)}</td><td>{_e(_where(ex.located))}</td>'
                f"<td>{_files(located)}</td></tr>"
            )
        out.append("</tbody></table>")
        if ex.not_located:
            out.append(f"<p>Failed without a located line: {_files(ex.not_located)}</p>")
    out.append(
        "<p><small>A named mistake is a correction rule of the error model that a verified "
        "repair used: applied at that line, it makes the submission pass. A step is the "
        "quantity the line computes (the name it assigns, in the lecture's notation).</small></p>"
    )
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _files(who: Iterable[str]) -> str:
    return ", ".join(f"<code>{_e(_file(w))}</code>" for w in sorted(who, key=_file))


def write_summary(folder: Path, reports: Sequence[Mapping[str, Any]]) -> list[Path]:
    """Write ``folder/mistakes.png`` (when matplotlib is installed) and
    ``folder/summary.html``, atomically; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    exercises = tally(reports)
    outcomes = Counter(str(r.get("outcome", "")) for r in reports)
    written = []
    image: bytes | None = None
    note = ""
    try:
        image = png(exercises)
    except ImportError:
        note = "mistakes.png was not drawn: matplotlib is not installed (autograd-lr[plots])."
    if image is not None:
        atomic_write_bytes(folder / "mistakes.png", image)
        written.append(folder / "mistakes.png")
    text = page(exercises, outcomes, image, note)
    atomic_write_bytes(folder / "summary.html", text.encode("utf-8"))
    written.append(folder / "summary.html")
    return written
