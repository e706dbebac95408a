r"""The grader: a verdict no submission can forge, on the files students hand in.

A :class:`Grader` is made once per command (``autograd-lr check`` or ``grade``):

1. **before any submission runs** it imports every module the verdict needs (the
   checker, the diagnosis, the oracles, jax), draws the problems from the seed, computes
   every expected value and model of a mistake on them
   (:func:`autograd_lr.checking.check.prepare`), and judges the oracle's own answer (it
   must pass) and a sign-flipped one (it must fail), all before any submission runs;
2. each submission then runs in the sandbox (:mod:`~autograd_lr.grading.sandbox`: its
   private copy, no network, limits, nothing left running afterwards) as the child
   program :mod:`~autograd_lr.grading.child`, which sends back plain numbers over a pipe;
3. the grader reads that answer as untrusted data (:mod:`~autograd_lr.grading.answers`:
   size-capped JSON, numeric arrays only, every field checked) and judges it with the
   prepared values (``Prepared.report``: numpy arithmetic, no jax, no import).

:meth:`Grader.grade` returns a :class:`Graded`: its :meth:`~Graded.to_dict` is the one
JSON report of every outcome (``schema/report.schema.json``, :data:`SCHEMA_VERSION`),
its ``exit_code`` the command's: 0 pass; 1 fail, timeout, memory limit, crash,
forbidden import; 2 cannot load.

Every module the verdict needs is imported at this module's top, so each is loaded before
any submission runs (independence rule 7).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lr._version import __version__
from autograd_lr.checking import check
from autograd_lr.checking.calls import FORM_PAIR
from autograd_lr.checking.exercises import EXERCISES, exercise
from autograd_lr.checking.exercises.base import explain_with_engine, report_of_outcomes
from autograd_lr.checking.tracing import Outcome
from autograd_lr.grading import answers, sandbox, submissions
from autograd_lr.grading.answers import printable, shown
from autograd_lr.grading.child import encode_array
from autograd_lr.grading.summary import steps_of
from autograd_lr.validation import validate_lambd

if TYPE_CHECKING:
    from collections.abc import Sequence

    from autograd_lr.checking.check import Call, GradientReport
    from autograd_lr.checking.tracing import Trace
    from autograd_lr.grading.sandbox import Limits, Mode, Run
    from autograd_lr.grading.submissions import ScratchCopy, Submission

SCHEMA_VERSION = "1.0"
OUTCOMES = (
    "pass",
    "fail",
    "timeout",
    "memory_limit",
    "crash",
    "cannot_load",
    "forbidden_import",
)
EXIT_CODES = {
    "pass": 0,
    "fail": 1,
    "timeout": 1,
    "memory_limit": 1,
    "crash": 1,
    "forbidden_import": 1,
    "cannot_load": 2,
}
DEFAULT_POINTS = {"dw": 1.0, "db": 1.0, "cost": 1.0}  # propagate's quantities, 1 point each
POINTS_FORMS = (
    "EXERCISE=N (the exercise's N points, shared equally by its quantities: optimize=5), "
    "EXERCISE.QUANTITY=N (optimize.costs=2) or QUANTITY=N for a quantity of one graded "
    "exercise only (dw=2 when grading propagate alone)"
)
REFERENCE = "autograd_lr"  # refused to every submission: it holds the reference solution
GRADER_FAULT = (
    "this is a fault of the grader, not of the submission, and the other submissions were "
    "graded: please report it with this file"
)
NOT_COVERED_WITHOUT_SANDBOX = (
    "the submission could read every file the grader's user may read (its source, other "
    "submissions, keys in the home folder)",
    "the submission could read the grader's environment (/proc/<pid>/environ: the same user)",
    "the submission could trace the grader (ptrace, /proc/<pid>/mem) and signal it: stop it "
    "(it then waits past the timeout) or kill it (the command ends without a report)",
    "the submission could write every file the grader's user may write; this run's verdict "
    "is still computed from modules and values loaded before it ran, but a later run "
    "of the grader would load what it changed (its installation, jax's compilation cache "
    "in ~/.cache/autograd-lr/jax)",
    "with --jobs above 1, the submission could read and write the other jobs' private "
    "folders (the same user owns them)",
    "the import blocker is the submission's to remove: it could import autograd_lr or a "
    "--forbid-imports package",
    "the submission had network access",
    "no cgroup (the grader is not root): memory and processes were counted by the grader's "
    "watchdog ten times a second, and SysV shared memory segments the submission filled "
    "were neither counted nor removed after the run (they are not told apart from the "
    "grader's user's own)",
    "disk: each file it writes is capped by RLIMIT_FSIZE, the total it writes is not",
)
# The fallback started by root: the submission runs as a uid of its own (sandbox.Identity)
NOT_COVERED_AS_ROOT = (
    "the submission could read every file that any user of the machine may read "
    "(world-readable files, other submissions among them if their folder lets anyone in)",
    "the submission could write where any user may (/tmp, /dev/shm), not in the grader's "
    "files or installation; what its uid left at the top of /tmp, /var/tmp and /dev/shm "
    "was removed after the run",
    "the import blocker is the submission's to remove: it could import autograd_lr or a "
    "--forbid-imports package whose files any user may read",
    "the submission had network access",
    "disk: each file it writes is capped by RLIMIT_FSIZE, the total it writes is not",
)
# The fallback started by root where no cgroup could be made (said after the reason)
NO_CGROUP_AS_ROOT = (
    "memory was counted by the grader's watchdog ten times a second (resident memory, "
    "memfds, /dev/shm files and SysV segments of the run's uid), not by the kernel: "
    "between two looks the run may hold more than the limit"
)


@dataclass(frozen=True)
class Options:
    """How to grade: the contract, the problems, the isolation and the limits."""

    function: str = "propagate"
    lambd: float | None = None
    seed: int | str = 0  # or "random": drawn per Grader, recorded in every report
    fast: Any = "auto"
    sandbox: Mode = "auto"
    limits: Limits | None = None
    forbid: tuple[str, ...] = ()
    # points per quantity of ``function`` (assign_points reads --points); a quantity not
    # named here is worth 1 point
    points: tuple[tuple[str, float], ...] = ()
    hints: str = "fix"  # how much the diagnosis says: "concept", "location" or "fix"
    # wall-clock seconds of the repair search per failed submission (0: none); every
    # candidate program runs in the sandbox (SandboxedRunner), one sandboxed run per batch.
    # 1 s: the trace and the first batches of candidates, where the engine's one-rule
    # repairs are found; each failed submission costs about that much more (a class of
    # 100, half wrong, --jobs 2: measured in benchmarks/RESULTS.md)
    search_seconds: float = 1.0
    # whether a notebook may be graded: reading one imports nbformat and its validator
    # (jsonschema, whose format checkers build their grammars: about 1.3 s of CPU), done
    # when the Grader is made, before any submission runs; False spares a class of .py
    # files that cost, and a notebook given to such a grader is not read (a grader fault)
    notebooks: bool = True


@dataclass
class Graded:
    """One graded submission: the outcome, the checker's report (if it ran), the run."""

    target: str
    file: str
    outcome: str
    grader: Grader
    report: GradientReport | None = None
    error: str = ""
    notes: list[str] = field(default_factory=list)
    run: Run | None = None
    # a finding's line -> the step of the exercise it computes (summary.step_of)
    steps: dict[int, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def right(self) -> dict[str, bool]:
        """Whether each scored quantity is right: its verdict ``ok`` (for an exercise other
        than propagate, ``ok`` on every case: a case that raised verified nothing).

        A failed submission never has every quantity right: when all are but the
        submission still fails (it breaks the return contract, changes its inputs), the
        quantities named by the contract are not, or none is when none is named (the
        failure is the whole function's).
        """
        report = self.report if self.outcome in ("pass", "fail") else None
        if report is None:
            return dict.fromkeys(self.grader.points, False)
        if self.grader.exercise is not None:
            right = {
                name: bool(report.checks)
                and all(
                    name in c.quantities and c.quantities[name].status == "ok"
                    for c in report.checks
                )
                for name in self.grader.points
            }
        else:
            right = {
                name: name in report.rows and report.rows[name].status == "ok"
                for name in self.grader.points
            }
        if self.outcome != "pass" and right and all(right.values()):
            blamed = set(report.contract) & set(right)
            right = {name: bool(blamed) and name not in blamed for name in right}
        return right

    def scores(self) -> dict[str, float]:
        """Points per quantity: its points when it is right (:meth:`right`), else 0."""
        right = self.right()
        return {name: points if right[name] else 0.0 for name, points in self.grader.points.items()}

    def to_dict(self) -> dict[str, Any]:
        """The report (``schema/report.schema.json``): the same keys for every outcome."""

        body = self.report.to_dict() if self.report is not None else {}
        scores = self.scores()
        run = self.run
        return {
            "schema_version": SCHEMA_VERSION,
            "autograd_lr_version": __version__,
            "target": self.target,
            "file": self.file,
            "function": self.grader.options.function,
            "outcome": self.outcome,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "score": sum(scores.values()),
            "max_score": sum(self.grader.points.values()),
            "scores": scores,
            "seeds": {"problems": self.grader.seed, "random": self.grader.options.seed == "random"},
            "lambd": self.grader.options.lambd,
            "sandbox": self.grader.sandbox_dict(),
            "quantities": body.get("quantities", {}),
            "mistakes": body.get("mistakes", []),
            "diagnosis": [
                dict(d, step=self.steps[d["line"]]) if d.get("line") in self.steps else d
                for d in body.get("diagnosis", [])
            ],
            "hints": self.grader.options.hints,
            "wrong_signature": body.get("wrong_signature"),
            "modified_inputs": body.get("modified_inputs", []),
            "problems": body.get("problems", []),
            "error": self.error or body.get("error") or None,
            "notes": [*self.notes, *body.get("notes", [])],
            "output": {
                "stdout": run.stdout.text() if run else "",
                "stdout_bytes": run.stdout.total if run else 0,
                "stderr": run.stderr.text() if run else "",
                "stderr_bytes": run.stderr.total if run else 0,
            },
            "seconds": round(run.seconds, 4) if run else 0.0,
        }

    def headline(self) -> str:
        if self.report is not None and self.outcome in ("pass", "fail"):
            return self.report.headline()
        words = {
            "timeout": "TIMED OUT",
            "memory_limit": "OVER THE MEMORY LIMIT",
            "crash": "CRASHED",
            "cannot_load": "CANNOT LOAD",
            "forbidden_import": "FORBIDDEN IMPORT",
        }
        return f"{self.target}: {words.get(self.outcome, self.outcome.upper())}: {self.error}"

    def __str__(self) -> str:
        if self.report is not None and self.outcome in ("pass", "fail"):
            text = str(self.report)
            extra = [n for n in self.notes if n not in self.report.notes]
        else:
            text, extra = self.headline(), list(self.notes)
        if extra:
            text += "\n\nGrader\n" + "\n".join(f"  - {n}" for n in extra)
        return text


class Grader:
    r"""Everything the verdict needs, ready before the first submission runs.

    ``Grader(Options(...))`` chooses the isolation (``SandboxUnavailableError`` for
    ``sandbox="require"`` without bwrap), draws the seed, makes the problems, and warms
    every code path of the verdict; :meth:`grade` then grades one :class:`Submission`.
    """

    def __init__(self, options: Options) -> None:
        check.validate_hints(options.hints)
        self.options = options
        self.limits = options.limits or sandbox.Limits()
        self.isolation, self.fallback_reason = sandbox.choose(options.sandbox)
        # an exercise other than propagate (initialize_with_zeros, optimize, predict, model,
        # sigmoid): its own cases, verdict and quantities, each scored on its own
        self.exercise = _exercise(options.function)
        self.points = _points_of(options.function, options.points)
        if options.seed == "random":
            self.seed = secrets.randbelow(2**31)
        elif isinstance(options.seed, int) and not isinstance(options.seed, bool):
            self.seed = options.seed
        else:
            raise ValueError(f"seed must be a whole number or 'random', got {options.seed!r}")
        self.lambd = None if options.lambd is None else validate_lambd(options.lambd)
        self.problems = check.default_problems(self.seed)
        if not options.search_seconds >= 0:
            raise ValueError(
                f"search_seconds must be a number of seconds >= 0, got {options.search_seconds!r}"
            )
        here = Path(__file__)
        self.child_source = here.with_name("child.py").read_text(encoding="utf-8")
        # sent to the child with every run of the repair search: the package is hidden there
        tracing = resources.files("autograd_lr.checking").joinpath("tracing.py")
        self.tracing_source = tracing.read_text(encoding="utf-8")
        self.request: dict[str, Any] = {
            "function": options.function,
            "lambd": self.lambd,
            "blocked": sorted({REFERENCE, *options.forbid}),
            "forbidden": sorted(options.forbid),
            "problems": [
                {
                    "w": encode_array(p.w),
                    "b": float(p.b),
                    "X": encode_array(p.X),
                    "Y": encode_array(p.Y),
                }
                for p in self.problems
            ],
        }
        if options.notebooks:
            submissions.warm()  # what reading a notebook loads (nbformat, its validator), now
        if self.exercise is not None:
            self.cases = self.exercise.cases()  # the reference's values, before any submission
            self.request["exercise_cases"] = [[_argument(a) for a in c.args] for c in self.cases]
            return
        self._warm()

    def _warm(self) -> None:
        r"""Every oracle value and model of a mistake, computed now (:func:`check.prepare`);
        then the oracle's own answer must pass and a sign-flipped one must fail, which runs
        every code path of the verdict once, before any submission's code is on disk."""

        self.prepared = check.prepare(
            self.problems, lambd=self.lambd, fast=self.options.fast, seed=self.seed
        )
        right: list[Call] = []
        flipped: list[Call] = []
        for o in self.prepared.oracles:
            expected = o.expected
            for calls, sign in ((right, 1.0), (flipped, -1.0)):
                c = check.Call(o.problem)
                grads = {"dw": sign * np.asarray(expected.dw), "db": sign * float(expected.db)}
                c.outputs = check.read_outputs((grads, expected.cost))
                calls.append(c)
        assert self._verdict(right).passed, "the grader's own oracle answer must pass"
        assert not self._verdict(flipped).passed, "a sign-flipped answer must fail"

    def _verdict(
        self, calls: list[Call], source: str = "", search: SandboxedRunner | None = None
    ) -> GradientReport:
        """The report of ``calls``; with ``search``, a failed submission's source is traced
        and repaired by candidate programs run in the sandbox (``search`` runs them)."""
        if search is None:
            return self.prepared.report(
                calls, function=self.options.function, hints=self.options.hints, source=source
            )
        return self.prepared.report(
            calls,
            function=self.options.function,
            hints=self.options.hints,
            source=source,
            namespace=search.namespace,
            line_offset=search.line_offset,
            search_budget=self.options.search_seconds,
            runner=search,
            tracer=search.trace,
            clock=time.perf_counter,  # the candidates run in other processes: wall-clock time
        )

    def _exercise_verdict(
        self,
        graded: Graded,
        answer: dict[str, Any],
        scratch_copy: ScratchCopy,
        request: dict[str, Any],
        scratch: Path,
    ) -> None:
        """An exercise's verdict from the child's outcomes on its cases (read strictly); with
        ``search_seconds``, a failure's repair searched with candidates run in the sandbox."""

        source = scratch_copy.source
        try:
            found = answers.outcomes(answer, 1, len(self.cases))[0]
            if len(found) != len(self.cases):
                raise ValueError("the results do not cover every case")
        except (ValueError, KeyError, TypeError) as exc:
            graded.error = f"the submission sent back malformed results ({answers.shown(str(exc))})"
            return
        graded.report = report_of_outcomes(
            self.exercise,
            self.cases,
            found,
            function=self.options.function,
            hints=self.options.hints,
            source=source,
        )
        graded.outcome = "pass" if graded.report.passed else "fail"
        not_implemented = any("NotImplementedError" in o.error for o in found)
        if not graded.report.passed and self.options.search_seconds and not not_implemented:
            try:
                namespace = answers.namespace(answer)
            except (ValueError, KeyError, TypeError):
                namespace = {}
            search = SandboxedRunner(
                self,
                request,
                scratch,
                namespace,
                _line_offset(scratch_copy, self.options.function),
                exercise=True,
            )
            engine = explain_with_engine(
                self.exercise,
                self.cases,
                source,
                self.options.function,
                search.namespace,
                search.line_offset,
                self.options.search_seconds,
                graded.report,
                runner=search,
                tracer=search.trace,
                clock=time.perf_counter,
            )
            if engine is not None:
                graded.report.diagnosis = [engine, *graded.report.diagnosis]
            if search.runs:
                graded.notes.append(
                    f"the repair search ran {search.candidates} candidate program(s) in "
                    f"{search.runs} sandboxed run(s) ({search.seconds:.2f} s)"
                )
        graded.notes.append("the expected values and the verdict were computed outside the sandbox")

    def sandboxed(self, request: dict[str, Any], scratch: Path, timeout: float) -> Run:
        """One run of the child on ``request`` in this grader's sandbox (at most ``timeout`` s)."""

        # -B: -I ignores PYTHONDONTWRITEBYTECODE, and no .pyc may be written anywhere
        argv = [sandbox.PYTHON, "-I", "-B", "-c", self.child_source]
        limits = dataclasses.replace(self.limits, timeout=min(timeout, self.limits.timeout))
        return sandbox.run(
            argv,
            json.dumps(request).encode(),
            scratch,
            limits,
            self.isolation,
            hide=self.options.forbid,
        )

    def sandbox_dict(self) -> dict[str, Any]:
        limits: dict[str, Any] = dict(self.limits.to_dict())
        if self.isolation != "bwrap":  # no tmpfs of its own: neither total is capped
            limits["disk_bytes"] = limits["tmp_bytes"] = None
        limits["enforced_by"] = sandbox.enforced_by(
            self.isolation, os.geteuid() == 0, not sandbox.cgroup_problem()
        )
        return {
            "isolation": self.isolation,
            "fallback_reason": self.fallback_reason or None,
            "limits": limits,
            "not_covered": self.not_covered(),
            "runs_as": "its own unprivileged uid" if os.geteuid() == 0 else "the grader's user",
        }

    def not_covered(self) -> list[str]:
        """What this isolation does not guarantee (nothing listed for bwrap)."""
        if self.isolation == "bwrap":
            return []
        if os.geteuid() != 0:
            return list(NOT_COVERED_WITHOUT_SANDBOX)
        no_cgroup = sandbox.cgroup_problem()
        if no_cgroup:
            return [*NOT_COVERED_AS_ROOT, f"no cgroup ({no_cgroup}): {NO_CGROUP_AS_ROOT}"]
        return list(NOT_COVERED_AS_ROOT)

    def sandbox_note(self) -> str:
        if self.isolation == "bwrap":
            return ""
        if os.geteuid() == 0:
            who = (
                "as a user of its own, with limits and a private copy, but could read what "
                "any user may read"
            )
        else:
            who = (
                "as a separate process with limits and a private copy, but could read and "
                "write what the grader's user may"
            )
        return (
            f"graded WITHOUT the bubblewrap sandbox ({self.fallback_reason}): the submission "
            f"ran {who} (docs/grading.md, threat model)"
        )

    # --- one submission --------------------------------------------------------------------

    def grade(self, submission: Submission) -> Graded:
        """Run ``submission`` in the sandbox and compute its verdict here.

        Never raises for what the submission is or does: whatever fails while reading,
        running, judging or reporting it becomes its own ``cannot_load`` or ``crash``
        outcome, so one file never stops a class.
        """

        # a file's name is the student's too: a newline in it must not make a row of a table
        target, file = printable(submission.target), printable(submission.path.as_posix())
        graded = Graded(target, file, "crash", self)
        note = self.sandbox_note()
        if note:
            graded.notes.append(note)
        if self.options.seed == "random":
            graded.notes.append(
                f"problems drawn by --seed random: seed {self.seed} (rerun with --seed {self.seed})"
            )
        scratch = Path(tempfile.mkdtemp(prefix="autograd-lr-submission-"))
        try:
            self._grade(graded, submission, scratch)
        except Exception as exc:
            graded.report, graded.outcome = None, "crash"
            graded.error = f"the grader failed while grading it ({_failure(exc)}); {GRADER_FAULT}"
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        try:  # the report must render: a failure here would stop the gradebook
            graded.to_dict()
            str(graded)
        except Exception as exc:
            graded.report, graded.outcome = None, "crash"
            graded.error = (
                f"the grader could not write its report ({_failure(exc)}); {GRADER_FAULT}"
            )
        return graded

    def _grade(self, graded: Graded, submission: Submission, scratch: Path) -> None:
        if submission.path.suffix == ".ipynb" and not self.options.notebooks:
            raise RuntimeError(
                "a notebook, for a Grader made with Options(notebooks=False): what reading "
                "it imports was not loaded before the first submission ran"
            )
        try:
            scratch_copy = submissions.copy_to_scratch(submission, scratch)
        except submissions.SubmissionError as exc:  # its text holds the file's name, its content
            graded.outcome, graded.error = "cannot_load", answers.printable(str(exc))
            return
        except Exception as exc:  # a reader's failure on a malformed file: the file's
            graded.outcome = "cannot_load"
            graded.error = f"cannot read {graded.file} ({_failure(exc)})"
            return
        graded.notes += scratch_copy.notes
        if scratch_copy.syntax_error:
            graded.outcome, graded.error = (
                "cannot_load",
                answers.printable(scratch_copy.syntax_error),
            )
            return
        found = submissions.forbidden_found(scratch_copy, self.options.forbid)
        if found:
            graded.outcome = "forbidden_import"
            graded.error = f"it imports {', '.join(found)}, forbidden in this assignment"
            return
        self._run(graded, scratch, scratch_copy)

    def _run(self, graded: Graded, scratch: Path, scratch_copy: ScratchCopy) -> None:
        where = sandbox.SCRATCH if self.isolation == "bwrap" else str(scratch)
        request = dict(self.request, file=f"{where}/{scratch_copy.file}")
        run = self.sandboxed(request, scratch, self.limits.timeout)
        graded.run = run
        if run.left_running:
            graded.notes.append(f"{run.left_running} process(es) of the run could not be killed")
        if run.leftovers:
            graded.notes.append(f"removed {run.leftovers} file(s) it left in /tmp or /dev/shm")
        if run.stopped == "timeout":
            graded.outcome = "timeout"
            graded.error = (
                f"timed out after {self.limits.timeout:g} s: the submission did not return "
                "(an endless loop?)"
            )
            return
        if run.stopped == "memory":
            graded.outcome = "memory_limit"
            graded.error = (
                f"stopped at the memory limit: it held more than {_size(self.limits.memory)} "
                "in all (its processes, and the files and shared memory it filled)"
            )
            return
        if run.stopped == "processes":
            graded.error = f"it started more than {self.limits.processes} processes"
            return
        try:
            answer = answers.parse(run)
        except ValueError as exc:
            graded.error = str(exc)
            return
        status = answer["status"]
        if status in ("import_error", "no_function"):
            graded.outcome = "cannot_load"
            graded.error = f"cannot load {graded.target}: {answers.shown(answer.get('reason'))}"
            where = submissions.in_notebook(answers.shown(answer.get("where")), scratch_copy.cells)
            if where:
                graded.error += f" (at {where})"
            return
        if status == "forbidden_import":
            graded.outcome = "forbidden_import"
            graded.error = (
                f"it imports {answers.shown(answer.get('module'))}, forbidden in this assignment"
            )
            return
        if status != "ok":
            graded.error = f"the submission's process failed: {answers.shown(answer.get('reason'))}"
            return
        if self.exercise is not None:
            self._exercise_verdict(graded, answer, scratch_copy, request, scratch)
            return
        try:
            calls = answers.calls(answer, self.problems, self.lambd)
        except (ValueError, KeyError, TypeError) as exc:
            graded.error = f"the submission sent back malformed results ({answers.shown(str(exc))})"
            return
        for c in calls:
            c.where = submissions.in_notebook(c.where, scratch_copy.cells)
        _require_cost(calls)
        search = (
            None
            if not self.options.search_seconds
            else SandboxedRunner(
                self,
                request,
                scratch,
                answers.namespace(answer),
                _line_offset(scratch_copy, self.options.function),
            )
        )
        graded.report = self._verdict(calls, scratch_copy.source, search)
        graded.outcome = "pass" if graded.report.passed else "fail"
        lines = [d.line for d in graded.report.diagnosis if d.line]
        if lines:  # which step of the exercise each located line is, for the class summary
            offset = _line_offset(scratch_copy, self.options.function)
            graded.steps = steps_of(scratch_copy.source, lines, self.options.function, offset)
        if search is not None and search.runs:
            graded.notes.append(
                f"the repair search ran {search.candidates} candidate program(s) in "
                f"{search.runs} sandboxed run(s) ({search.seconds:.2f} s)"
            )
        graded.notes.append(
            f"graded in a {'bubblewrap sandbox' if run.isolation == 'bwrap' else 'separate process'} "
            f"({run.seconds:.2f} s); the expected values and the verdict were computed outside it"
        )


def quantities_of(function: str) -> tuple[str, ...]:
    """The quantities ``function`` is scored on: an exercise's own (``optimize``: w, b, dw,
    db, costs), else propagate's dw, db and cost (a function of another name is propagate)."""
    found = _exercise(function)
    return tuple(found.quantities) if found is not None else tuple(DEFAULT_POINTS)


def _points_of(function: str, given: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Points per quantity of ``function``: those ``given``, 1 for the others."""
    quantities = quantities_of(function)
    points = dict.fromkeys(quantities, 1.0)
    for name, value in given:
        if name not in points:
            raise ValueError(
                f"{function} has no quantity {name!r} to give points to; its quantities: "
                f"{', '.join(quantities)}"
            )
        if not 0 <= value < float("inf"):
            raise ValueError(f"points must be finite and >= 0, got {name}={value!r}")
        points[name] = float(value)
    return points


def _known_points() -> str:
    return "; ".join(
        f"{name}: {','.join(f'{q}=N' for q in quantities_of(name))}" for name in EXERCISES
    )


def parse_points(text: str) -> tuple[tuple[str, float], ...]:
    """``--points`` as (name, points) pairs, in order: ``NAME=N`` separated by commas, each
    name an exercise, ``EXERCISE.QUANTITY`` or a quantity of some exercise, each N a
    finite number >= 0, no name twice (:data:`POINTS_FORMS`). Which exercise a name
    gives points to is settled by :func:`assign_points`, once the graded ones are known.

    Raises
    ------
    ValueError
        A malformed item or an unknown name: the message gives the forms and every
        exercise's quantities.
    """
    known = {q for name in EXERCISES for q in quantities_of(name)}
    out: list[tuple[str, float]] = []
    for part in text.split(","):
        name, equals, value = (s.strip() for s in part.partition("="))
        exercise, dot, quantity = name.partition(".")
        named = (
            exercise in EXERCISES and quantity in quantities_of(exercise)
            if dot
            else name in EXERCISES or name in known
        )
        try:
            number = float(value) if equals else None
        except ValueError:
            number = None
        if not named or number is None:
            raise ValueError(
                f"--points {text!r}: cannot read {part.strip()!r}; the forms are "
                f"{POINTS_FORMS}; the quantities are {_known_points()}"
            )
        if not 0 <= number < float("inf"):
            raise ValueError(f"points must be finite and >= 0, got {part.strip()!r}")
        if name in (n for n, _ in out):
            raise ValueError(f"--points {text!r} gives {name} points twice")
        out.append((name, number))
    return tuple(out)


def assign_points(
    items: Sequence[tuple[str, float]], functions: Sequence[str]
) -> dict[str, tuple[tuple[str, float], ...]]:
    r"""The points per quantity of each graded function (:attr:`Options.points`), from
    :func:`parse_points`'s pairs: ``EXERCISE=N`` shares N equally among its quantities
    (:math:`N / n_q` each), ``EXERCISE.QUANTITY=N`` sets one, a bare ``QUANTITY=N`` sets
    the quantity of the one graded function that has it; a quantity named by none is
    worth 1.

    Raises
    ------
    ValueError
        A name for an exercise that is not graded, a bare quantity that several graded
        exercises share (the message says which ``EXERCISE.QUANTITY`` to write), or an
        exercise given both a total and points for a quantity.
    """
    out: dict[str, dict[str, float]] = {f: {} for f in functions}
    totals: set[str] = set()
    graded = ",".join(functions)
    for name, value in items:
        exercise, dot, quantity = name.partition(".")
        if not dot and name not in EXERCISES:  # a bare quantity: the one graded function with it
            owners = [f for f in functions if name in quantities_of(f)]
            if len(owners) != 1:
                raise ValueError(
                    f"--points {name}={value:g}: "
                    + (
                        f"{name} is a quantity of {' and '.join(owners)}: write "
                        + " or ".join(f"{f}.{name}={value:g}" for f in owners)
                        if owners
                        else f"no graded exercise (--function {graded}) has a quantity {name}"
                    )
                )
            exercise, quantity = owners[0], name
        if exercise not in out:
            raise ValueError(
                f"--points {name}={value:g}: {exercise} is not graded (--function {graded})"
            )
        if exercise in totals or (not quantity and out[exercise]):
            raise ValueError(
                f"--points gives {exercise} both a total and points for a quantity: give one "
                "or the other"
            )
        if quantity:
            out[exercise][quantity] = value
        else:  # the exercise's total, shared by its quantities
            quantities = quantities_of(exercise)
            out[exercise] = dict.fromkeys(quantities, value / len(quantities))
            totals.add(exercise)
    return {f: tuple(points.items()) for f, points in out.items()}


def _exercise(function: str) -> Any:
    """The checker's exercise of that name, or None (propagate, or a function of another name)."""

    return exercise(function) if EXERCISES.get(function) else None


def _argument(a: Any) -> dict[str, Any]:
    """One argument of an exercise's case, encoded for the child."""

    if isinstance(a, np.ndarray):
        return {"array": encode_array(a)}
    for kind, types in (("bool", bool), ("int", int), ("float", float)):
        if isinstance(a, types):
            return {"kind": kind, "value": a}
    raise TypeError(f"cannot send {type(a).__name__} to the submission")


class SandboxedRunner:
    """The repair search's runner and tracer for one submission: each call is one run of
    the child in the grader's sandbox, with the run's limits, and what comes back is data.

    ``runner(sources, function, problems, namespace, keep_going)`` has the signature of
    :func:`~autograd_lr.checking.tracing.run_candidates`; the child runs every problem
    (``keep_going`` is a judge and stays out here: the search judges the outcomes).
    ``trace`` has the signature of :func:`~autograd_lr.checking.tracing.trace`. In both,
    ``namespace`` is ignored: the code runs with the submission's own globals, in the
    sandbox, and the attribute ``namespace`` holds stand-ins for them. No run starts later than
    the search's budget allows: each run's timeout ends at the deadline (plus the time a
    run needs to start), so a candidate that never returns costs at most that.
    """

    def __init__(
        self,
        grader: Grader,
        request: dict[str, Any],
        scratch: Path,
        namespace: dict[str, Any],
        line_offset: int,
        *,
        exercise: bool = False,
    ) -> None:
        self.grader, self.request, self.scratch = grader, request, scratch
        self.exercise = exercise  # an exercise's arguments, not propagate's (w, b, X, Y)
        self.namespace, self.line_offset = namespace, line_offset
        self.deadline = 0.0  # set at the first run
        self.runs = self.candidates = 0
        self.seconds = 0.0

    def _ask(self, job: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """The child's answer to ``job``, or ``None`` and why there is none."""

        now = time.perf_counter()
        if not self.runs:
            self.deadline = now + self.grader.options.search_seconds
        request = dict(self.request, candidates=job, tracing=self.grader.tracing_source)
        run = self.grader.sandboxed(request, self.scratch, max(self.deadline - now, 0.0) + START)
        self.runs += 1
        self.seconds += time.perf_counter() - now
        if run.stopped:
            return None, f"the run was stopped ({run.stopped})"
        try:
            return answers.parse(run), ""
        except ValueError as exc:
            return None, str(exc)

    def __call__(
        self,
        sources: Sequence[str],
        function: str,
        problems: Sequence[tuple[Any, ...]],
        namespace: dict[str, Any] | None = None,
        keep_going: Any = None,
    ) -> list[list[Outcome]]:
        self.candidates += len(sources)
        job = {
            "function": function,
            "sources": list(sources),
            "problems": self._encoded(problems),
            "typed": self.exercise,
        }
        answer, why = self._ask(job)
        if answer is not None:
            try:
                return answers.outcomes(answer, len(sources), len(problems))
            except (ValueError, KeyError, TypeError) as exc:
                why = f"malformed results ({answers.shown(str(exc))})"
        return [[Outcome(error=f"SandboxError: {why}")] for _ in sources]

    def trace(
        self,
        source: str,
        function: str,
        args: Sequence[Any],
        namespace: dict[str, Any] | None = None,
        helpers: Sequence[str] = (),
    ) -> Trace:
        job = {
            "function": function,
            "sources": [source],
            "problems": self._encoded([args]),
            "trace": True,
            "helpers": [str(h) for h in helpers],
        }
        answer, why = self._ask(job)
        if answer is None:
            raise ValueError(f"the sandboxed trace failed: {why}")
        try:
            return answers.trace(answer)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"the sandboxed trace sent back malformed data ({exc})") from None

    def _encoded(self, problems: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        if self.exercise:
            return [{"args": [_argument(a) for a in args]} for args in problems]
        return _encoded(problems)


# seconds a sandboxed run needs to start and load the submission (~0.3 s measured), given
# to every run of the search on top of the budget left
START = 2.0


def _encoded(problems: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """``(w, b, X, Y)``, or ``(w, b, X, Y, lambd)`` for the L2 form, for the child."""
    out = []
    for w, b, X, Y, *rest in problems:
        p = {"w": encode_array(w), "b": float(b), "X": encode_array(X), "Y": encode_array(Y)}
        if rest:
            (p["lambd"],) = (float(v) for v in rest)
        out.append(p)
    return out


def _line_offset(scratch_copy: ScratchCopy, function: str) -> int:
    """What turns a line of the child's script into a line of the notebook cell that
    defines the function (0 for a ``.py`` file: its lines are the script's)."""

    if not scratch_copy.cells:
        return 0
    try:
        tree = ast.parse(scratch_copy.source)
    except SyntaxError:
        return 0
    short = function.rsplit(".", 1)[-1]
    defs = [n.lineno for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == short]
    if not defs:
        return 0
    line = defs[-1]
    start = max((s for s, _ in scratch_copy.cells if s <= line), default=1)
    return 1 - start


def schema(name: str = "report") -> dict[str, Any]:
    """The shipped JSON Schema ``schema/<name>.schema.json`` (report, gradebook, gradescope)."""
    text = (
        resources.files("autograd_lr.grading").joinpath("schema", f"{name}.schema.json").read_text()
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def grade(target: str, options: Options | None = None) -> Graded:
    """Grade one target, ``path/to/file.py:function`` (or ``.ipynb``), with its own Grader."""

    submission = submissions.resolve(target)
    chosen = options or Options()
    if chosen.function != submission.function:
        chosen = Options(**{**chosen.__dict__, "function": submission.function})
    return Grader(chosen).grade(submission)


def _require_cost(calls: list[Call]) -> None:
    r"""The course's ``propagate`` returns ``(grads, cost)``: a call that returned
    ``(dw, db)`` breaks that contract here, its cost missing (``Outputs.contract``), so it
    is never a pass. :func:`~autograd_lr.checking.check.check_gradients` accepts ``(dw, db)``
    by design, for a learner who checks only the gradients; the grader grades the course's
    whole contract."""

    for c in calls:
        if c.outputs.form == FORM_PAIR and not c.outputs.error:
            c.outputs.contract["cost"] = (
                "not returned: the function returned (dw, db), without the cost",
                'return {"dw": dw, "db": db}, cost',
            )


def _failure(exc: BaseException) -> str:
    """``"TypeError: message"`` of an exception, as the grader shows it (cut, printable)."""

    return shown(f"{type(exc).__name__}: {exc}".rstrip(": "))


def _size(n: int) -> str:
    """``2 GiB``, ``512 MiB``, ``1000 bytes``: a limit as the reader typed it, near enough."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"
