"""The class summary read from reports: steps of the exercise, counts, the page and the picture.

No submission runs here (``tests/test_grader_summary.py`` grades a class through the CLI):
the steps are read from the catalogue's learners' programs, the counts from reports
written by hand in the grader's format, so each count below is one a wrong tally would
change.
"""

from __future__ import annotations

import html
import io
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import learner_programs as lp
from autograd_lr.checking.error_model import BY_NAME as RULES_BY_NAME
from autograd_lr.grading import summary

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>&amp;.py"


# --- steps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "line", "step"),
    [
        (lp.COURSE, lp.C_M, "m"),
        (lp.COURSE, lp.C_A, "A"),
        (lp.COURSE, lp.C_COST, "cost"),
        (lp.COURSE, lp.C_DW, "dw"),
        (lp.COURSE, lp.C_DB, "db"),
        (lp.COURSE, lp.C_SQUEEZE, "cost"),
        (lp.COURSE, lp.C_GRADS, "return"),
        (lp.COURSE, lp.C_RETURN, "return"),
        (lp.COURSE, lp.S_RETURN, "sigmoid"),  # the learner's own sigmoid, called by propagate
        (lp.LECTURE_LOOPS, 9, "m"),  # n_x, m = X.shape
        (lp.LECTURE_LOOPS, lp.L_LOOP_I, "loop"),
        (lp.LECTURE_LOOPS, lp.L_Z, "Z"),  # z += w[j, 0] * X[j, i]
        (lp.LECTURE_LOOPS, lp.L_A, "A"),
        (lp.LECTURE_LOOPS, lp.L_COST, "cost"),
        (lp.LECTURE_LOOPS, lp.L_DZ, "dZ"),
        (lp.LECTURE_LOOPS, lp.L_DW, "dw"),  # dw[j, 0] += ...
        (lp.LECTURE_LOOPS, lp.L_MEAN_COST, "cost"),  # cost /= m
        (lp.COLUMN_LOOP, lp.V_DW, "dw"),
    ],
)
def test_a_line_is_the_step_it_computes(template: str, line: int, step: str) -> None:
    assert summary.step_of(template, line, "propagate") == step


def test_the_catalogues_faulty_lines_are_the_steps_their_mistakes_are_in() -> None:
    by = lp.BY_NAME
    expected = {
        "bias_added_outside_sigmoid": "A",
        "cost_without_minus_sign": "cost",
        "dw_without_mean": "dw",
        "db_without_mean": "db",
        "return_cost_then_grads": "return",
        "x_scaled_inside_propagate": "inputs",  # X = X / 255
        "w_updated_in_place_inside_propagate": "inputs",  # w -= learning_rate * dw
        "loop_range_from_1": "loop",
        "loop_db_not_accumulated": "db",
        "propagate_sigmoid_exponent_sign": "sigmoid",
        "sigmoid_exponent_sign": "sigmoid",
    }
    for name, step in expected.items():
        p = by[name]
        assert p.line is not None
        assert summary.step_of(p.source, p.line, p.exercise) == step, name


def test_other_names_helpers_and_lines_outside_are_said_so() -> None:
    source = (
        "import numpy as np\n"
        "\n"
        "def helper(v):\n"
        "    return v * 2\n"
        "\n"
        "def propagate(w, b, X, Y):\n"
        "    temp = helper(X)\n"
        "    J_total = 0\n"
        "    return temp\n"
    )
    assert summary.step_of(source, 7, "propagate") == "other"
    assert summary.step_of(source, 4, "propagate") == "helper"
    assert summary.step_of(source, 1, "propagate") == "other"
    assert summary.step_of(source, 99, "propagate") == ""
    assert summary.step_of("def propagate(:\n", 1, "propagate") == ""
    # a notebook's line is its cell's: the offset turns it back into the script's
    assert summary.steps_of(source, [2, 4], "propagate", offset=-5) == {2: "other", 4: "return"}


def test_a_source_too_deep_to_parse_has_no_step() -> None:
    deep = "def propagate(w, b, X, Y):\n    cost = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert summary.step_of(deep, 2, "propagate") == ""


# --- counts -----------------------------------------------------------------------------------


def _finding(line: int | None, step: str, *rules: str) -> dict[str, Any]:
    return {
        "quantities": ["dw"],
        "mistakes": [],
        "message": "...",
        "rules": list(rules),
        "line": line,
        "step": step,
    }


def _report(file: str, outcome: str, *findings: dict[str, Any]) -> dict[str, Any]:
    return {"file": file, "function": "propagate", "outcome": outcome, "diagnosis": list(findings)}


# a model-of-a-mistake finding with no line: neither a named cause nor a located line
MODEL_ONLY = {"quantities": ["db"], "mistakes": ["db_summed"], "message": "...", "line": None}

CLASS = [
    _report("ann.py", "pass"),
    _report("ben.py", "fail", _finding(11, "cost", "flip_sign"), MODEL_ONLY),
    _report("cat.py", "fail", _finding(19, "dZ", "flip_sign")),
    _report("dan.py", "fail", _finding(12, "dw", "add_mean"), _finding(13, "db", "add_mean")),
    _report("eve.py", "fail", _finding(13, "db")),  # located only
    _report("fay.py", "fail", _finding(10, "A")),  # located only
    _report("gus.py", "fail", MODEL_ONLY),  # failed, no line (no repair search)
    _report("hal.py", "timeout"),
    _report(HOSTILE, "fail", _finding(11, "cost", "flip_sign")),
]


def test_named_causes_count_submissions_by_step_and_rank_by_count() -> None:
    (ex,) = summary.tally(CLASS).values()
    assert (ex.submissions, ex.failed) == (9, 8)
    counted = summary.counts(CLASS)["propagate"]
    assert counted["named"] == [
        {
            "rule": "flip_sign",
            "concept": RULES_BY_NAME["flip_sign"].concept,
            "submissions": 3,
            "steps": {"cost": 2, "dZ": 1},
        },
        {
            "rule": "add_mean",
            "concept": RULES_BY_NAME["add_mean"].concept,
            "submissions": 1,  # dan's two lines are one submission
            "steps": {"dw": 1, "db": 1},
        },
    ]


def test_located_only_findings_are_counted_apart_never_as_a_cause() -> None:
    counted = summary.counts(CLASS)["propagate"]
    assert counted["located_only"] == {"submissions": 2, "steps": {"A": 1, "db": 1}}
    assert counted["not_located"] == 2  # gus (no line) and hal (timed out)
    named = {c["rule"] for c in counted["named"]}
    assert named == {"flip_sign", "add_mean"}  # no model code, no "located" among them


def test_a_submission_with_a_named_cause_is_never_also_located_only() -> None:
    both = _report("ivy.py", "fail", _finding(12, "dw", "add_mean"), _finding(10, "A"))
    counted = summary.counts([both])["propagate"]
    assert counted["named"][0]["steps"] == {"dw": 1}
    assert counted["located_only"] == {"submissions": 0, "steps": {}}
    assert counted["not_located"] == 0


def test_two_submissions_with_the_same_file_name_are_two() -> None:
    twice = [CLASS[2], CLASS[2]]
    assert summary.counts(twice)["propagate"]["named"][0]["submissions"] == 2


def test_a_finding_of_another_exercise_is_counted_under_it() -> None:
    sigmoid_finding = dict(_finding(5, "sigmoid", "flip_sign"), function="sigmoid")
    counted = summary.counts([_report("ann.py", "fail", sigmoid_finding)])
    assert counted["sigmoid"]["named"][0]["steps"] == {"sigmoid": 1}
    assert counted["propagate"]["named"] == []


def test_the_advice_ranks_the_causes_with_their_concepts() -> None:
    (ex,) = summary.tally(CLASS).values()
    text = summary.advice(ex)
    assert text.startswith("8 of 9 submissions of propagate failed.")
    first, second = text.index("flip_sign (3 submissions"), text.index("add_mean (1 submission")
    assert first < second
    assert RULES_BY_NAME["flip_sign"].concept in text
    assert "2 submissions went wrong where no rule's repair" in text
    assert "2 submissions failed without a located line" in text


def test_a_class_without_mistakes_says_so() -> None:
    clean = [_report("ann.py", "pass"), _report("ben.py", "pass")]
    (ex,) = summary.tally(clean).values()
    assert summary.advice(ex) == (
        "No mistakes in propagate: all 2 submissions passed. Nothing to go over again."
    )
    page = summary.page(summary.tally(clean), {"pass": 2}, None)
    assert "No mistakes in propagate: all 2 submissions passed." in page
    assert "No mistake was located." in page


# --- the page and the picture -----------------------------------------------------------------


def _written(tmp_path: Path, reports: list[dict[str, Any]]) -> tuple[str, Path]:
    paths = summary.write_summary(tmp_path, reports)
    assert paths == [tmp_path / "mistakes.png", tmp_path / "summary.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mistakes.png", "summary.html"]
    return (tmp_path / "summary.html").read_text(encoding="utf-8"), tmp_path / "mistakes.png"


def test_the_page_is_well_formed_escapes_every_name_and_shows_each_count(tmp_path: Path) -> None:
    page, _ = _written(tmp_path, CLASS)
    assert page.startswith("<!DOCTYPE html>\n")
    # written as XHTML-compatible markup: an XML parser reads the whole page, so every
    # element is closed and every text escaped (a raw "<script>" or "&" would break it)
    root = ET.fromstring(page.split("\n", 1)[1])
    assert root.tag == "html"
    assert "<script" not in page and "<img src=x" not in page
    assert html.escape(HOSTILE, quote=True) in page
    texts = " ".join(root.itertext())
    assert HOSTILE in texts  # shown as the text it is
    cells = [
        [" ".join(td.itertext()) for td in tr.findall("td")]
        for tr in root.iter("tr")
        if tr.findall("td")
    ]
    rows = {c[0]: c for c in cells}
    assert rows["flip_sign"][2] == "3" and "the cost J (2)" in rows["flip_sign"][3]
    assert rows["add_mean"][2] == "1"
    assert rows["located only"][2] == "2"
    images = list(root.iter("img"))
    assert len(images) == 1 and images[0].attrib["src"].startswith("data:image/png;base64,")


def test_the_picture_is_a_png_with_one_bar_per_cause_and_step(tmp_path: Path) -> None:
    from matplotlib.image import imread

    _, png = _written(tmp_path, CLASS)
    pixels = imread(png)
    height, width = pixels.shape[:2]
    assert 600 <= width <= 1200 and 200 <= height <= 1500
    bars = summary.bars(summary.tally(CLASS))
    assert [(b.label, b.count, b.named) for b in bars] == [
        ("flip_sign (3 in all) at the cost", 2, True),  # the cause of most submissions first
        ("flip_sign at dZ", 1, True),
        ("add_mean (1 in all) at dw", 1, True),  # a tie: in the exercise's order
        ("add_mean at db", 1, True),
        ("located only, at A = σ(Z)", 1, False),
        ("located only, at db", 1, False),
    ]


def test_a_class_with_more_bars_than_the_picture_holds_draws_the_largest() -> None:
    reports = [
        _report(f"s{k}.py", "fail", _finding(10, step, rule))
        for k, (rule, step) in enumerate(
            (rule, step) for rule in RULES_BY_NAME for step in ("A", "cost", "dw")
        )
    ]
    exercises = summary.tally(reports)
    assert len(summary.bars(exercises)) == 3 * len(RULES_BY_NAME) > summary.MAX_BARS
    from matplotlib.image import imread

    height = imread(io.BytesIO(summary.png(exercises))).shape[0]
    assert height <= (1.6 + 0.32 * 1.5 * summary.MAX_BARS) * summary.DPI + 1


def test_the_same_class_draws_the_same_bytes(tmp_path: Path) -> None:
    first = summary.png(summary.tally(CLASS))
    assert first == summary.png(summary.tally(CLASS))
    assert b"Software" not in first


def test_without_matplotlib_the_page_is_written_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(exercises: Any) -> bytes:
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(summary, "png", missing)
    assert summary.write_summary(tmp_path, CLASS) == [tmp_path / "summary.html"]
    page = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "matplotlib is not installed" in page and "<img" not in page


def test_a_hundred_submissions_are_summarised_in_seconds(tmp_path: Path) -> None:
    rules = list(RULES_BY_NAME)
    steps = ["A", "cost", "dw", "db", "return", "dZ"]
    reports = [
        _report(
            f"student{k:03d}.py",
            "pass" if k % 5 == 0 else "fail",
            _finding(10 + k % 6, steps[k % 6], *([] if k % 7 == 0 else [rules[k % 9]])),
        )
        for k in range(100)
    ]
    start = time.perf_counter()
    _written(tmp_path, reports)
    seconds = time.perf_counter() - start
    # measured about 0.3 s on an idle core; 30 s leaves room for a machine under load
    assert seconds < 30, seconds


def test_after_warming_up_matplotlib_writing_the_summary_imports_nothing(tmp_path: Path) -> None:
    """The CLI calls warm_up_matplotlib() before the first submission runs: what comes after it (the
    tally, the picture, the page) must import no module, since a submission could have
    written one by then. Importing the module itself loads no matplotlib."""
    code = f"""
import sys
from pathlib import Path
import autograd_lr.grading.summary as summary
assert not any(m.startswith("matplotlib") for m in sys.modules), "imported at import time"
assert summary.warm_up_matplotlib()
before = set(sys.modules)
reports = [
    {{"file": "a.py", "function": "propagate", "outcome": "fail", "diagnosis": [
        {{"line": 11, "step": "cost", "rules": ["flip_sign"]}}, {{"line": 13, "step": "db"}}]}},
    {{"file": "b.py", "function": "propagate", "outcome": "pass", "diagnosis": []}},
]
summary.write_summary(Path({str(tmp_path)!r}), reports)
print(sorted(set(sys.modules) - before))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "mistakes.png").stat().st_size > 0
