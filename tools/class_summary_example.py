"""Regenerate docs/images/class-mistakes.png: the class summary of an example class.

The class is made of the catalogue of learners' programs (tests/learner_programs.py):
23 students, six with a right ``propagate``, the rest with mistakes learners make, some
by several students, three that no rule of the error model repairs. It is graded by the
real CLI with the repair search on, and the ``mistakes.png`` it writes is copied into
the docs. Run from the repository's root (about two minutes on two cores)::

    .venv/bin/python tools/class_summary_example.py

The counts depend on the repair search finding each repair within its budget; on a
machine under heavy load, rerun it with a larger ``--search-seconds`` (the first
argument).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import learner_programs as lp  # noqa: E402

# student -> program of the catalogue
CLASS = {
    "ben": "cost_without_minus_sign",
    "cai": "cost_without_minus_sign",
    "dee": "cost_without_minus_sign",
    "eli": "dw_without_mean",
    "fin": "dw_without_mean",
    "gil": "db_without_mean",
    "hoa": "db_without_mean",
    "ida": "bias_added_outside_sigmoid",
    "jon": "bias_added_outside_sigmoid",
    "kai": "return_cost_then_grads",
    "lea": "return_cost_then_grads",
    "max": "one_minus_log_a_for_log_one_minus_a",
    "ned": "dw_not_transposed",
    "oli": "db_y_minus_a",
    "pia": "bias_missing",
    "quy": "db_sum_of_dw",
    "ray": "cost_squared_error",
}
CORRECT = ("ada", "sam", "tia", "uma", "vic", "wes")
TARGET = ROOT / "docs" / "images" / "class-mistakes.png"


def main(search_seconds: str = "30") -> None:
    right = [p for p in lp.PROGRAMS if p.verdict == "pass" and p.exercise == "propagate"]
    with tempfile.TemporaryDirectory(prefix="autograd-lr-example-class-") as tmp:
        work = Path(tmp) / "class"
        work.mkdir()
        for student, name in CLASS.items():
            (work / f"{student}.py").write_text(lp.BY_NAME[name].source)
        for k, student in enumerate(CORRECT):
            (work / f"{student}.py").write_text(right[k % len(right)].source)
        command = [sys.executable, "-m", "autograd_lr.cli", "grade", "class", "--out", "out"]
        command += ["--jobs", "2", "--no-progress", "--search-seconds", search_seconds]
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        print(done.stdout)
        if done.returncode not in (0, 1):
            sys.exit(f"grade failed ({done.returncode}): {done.stderr}")
        shutil.copyfile(Path(tmp) / "out" / "mistakes.png", TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
