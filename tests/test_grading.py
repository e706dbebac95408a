"""The grader's library: submissions read as data, run in the sandbox, judged outside it.

One :class:`Grader` per module (the expected values computed once, as in a batch); the
command line is tested in ``test_grader_cli.py`` and hostile code in
``test_grader_hostile.py``. Every report is validated against the shipped JSON Schema.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lr.grading import answers, child, sandbox, submissions
from autograd_lr.grading.grader import Grader, Options, schema
from grader_schema import validate

SUBMISSIONS = Path(__file__).parent / "submissions"
CLASS = SUBMISSIONS / "class"
RIGHT = (CLASS / "alice.py").read_text()


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader(Options())


def _grade(grader: Grader, path: Path, function: str = "propagate") -> dict[str, Any]:
    report = grader.grade(submissions.Submission(path, function)).to_dict()
    validate(report, "report")
    return report


def _file(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


# --- outcomes ------------------------------------------------------------------------------


def test_a_correct_file_passes_with_full_score(grader: Grader) -> None:
    report = _grade(grader, CLASS / "alice.py")
    assert (report["outcome"], report["passed"], report["exit_code"]) == ("pass", True, 0)
    assert report["score"] == report["max_score"] == 3.0
    assert report["sandbox"]["isolation"] == grader.isolation
    assert report["seeds"] == {"problems": 0, "random": False}


def test_a_wrong_file_fails_with_partial_credit_and_its_mistake(grader: Grader) -> None:
    report = _grade(grader, CLASS / "week1" / "carol.py")
    assert (report["outcome"], report["exit_code"]) == ("fail", 1)
    assert report["scores"] == {"dw": 0.0, "db": 1.0, "cost": 1.0}
    assert report["quantities"]["dw"]["status"] == "wrong"
    # the source is traced: the finding locates the line and names the mistake by its
    # verified repair (dw written into the returned dictionary without its 1/m), and no
    # output model runs
    assert report["mistakes"] == []
    first = report["diagnosis"][0]
    assert first["line"] == 11 and "m dw, the sum before the mean" in first["message"]
    assert first["rules"] == ["add_mean"] and "np.dot(X, dZ.T) / m" in first["fix"]


def test_a_grader_with_the_answers_only_names_the_model_that_reproduces_them() -> None:
    """No repair search (search_seconds=0): the grader judges the answers alone, and an
    output model names the mistake because it reproduces dw on every problem."""
    report = _grade(Grader(Options(search_seconds=0)), CLASS / "week1" / "carol.py")
    assert report["outcome"] == "fail" and report["mistakes"] == ["missing_1_over_m"]
    (d,) = report["diagnosis"]
    assert not d.get("line") and "np.dot(X, dZ.T) / m" in d["fix"]  # no source line


def test_a_wrong_signature_travels_as_data_not_as_the_childs_traceback(grader: Grader) -> None:
    report = _grade(grader, CLASS / "dave.py")
    assert report["outcome"] == "fail"
    assert "wrong_signature" in report["mistakes"]
    assert report["wrong_signature"] == {
        "signature": "propagate(w, X, Y)",
        "called_as": "fn(w, b, X, Y)",
    }
    text = json.dumps(report)
    assert "propagate(w, X, Y)" in text
    assert "_child" not in text and "child.py" not in text


@pytest.mark.parametrize(
    ("name", "phrase"),
    [("erin.py", "SyntaxError"), ("frank.py", "no function 'propagate'")],
)
def test_a_file_that_cannot_load_is_cannot_load(grader: Grader, name: str, phrase: str) -> None:
    report = _grade(grader, CLASS / name)
    assert (report["outcome"], report["exit_code"], report["passed"]) == ("cannot_load", 2, False)
    assert phrase in report["error"]
    assert report["score"] == 0.0


def test_an_exception_comes_back_with_the_learners_line(grader: Grader, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "raises.py",
        """
        import numpy as np

        def propagate(w, b, X, Y):
            m = X.shape[1]
            return {"dw": np.dot(X, w) / m, "db": 0.0}, 0.0
        """,
    )
    report = _grade(grader, path)
    assert report["outcome"] == "fail"
    assert "exception" in report["mistakes"]
    assert "line 6 in propagate" in json.dumps(report["diagnosis"])


def test_in_place_modification_is_seen_from_outside(grader: Grader, tmp_path: Path) -> None:
    source = RIGHT.replace(
        "    m = X.shape[1]\n", "    m = X.shape[1]\n    X *= 1.0\n    w[0] = 0\n"
    )
    report = _grade(grader, _file(tmp_path, "inplace.py", source))
    assert report["outcome"] == "fail"
    assert report["modified_inputs"] == ["w"]  # X *= 1.0 changes no value


def test_an_object_return_value_is_reported_by_type(grader: Grader, tmp_path: Path) -> None:
    path = _file(tmp_path, "obj.py", "def propagate(w, b, X, Y):\n    return object()\n")
    report = _grade(grader, path)
    assert report["outcome"] == "fail"
    assert "returned a object" in json.dumps(report)


def test_l2_propagate_is_checked_with_lambd(tmp_path: Path) -> None:
    source = RIGHT.replace("def propagate(w, b, X, Y):", "def propagate(w, b, X, Y, lambd):")
    source = source.replace("np.dot(X, dZ.T) / m", "np.dot(X, dZ.T) / m + lambd / m * w")
    source = source.replace("/ m\n    dZ", "/ m + lambd / (2 * m) * np.sum(w**2)\n    dZ")
    g = Grader(Options(lambd=0.7))
    report = _grade(g, _file(tmp_path, "l2.py", source))
    assert report["outcome"] == "pass", report["quantities"]
    assert report["lambd"] == 0.7
    plain = _grade(g, CLASS / "alice.py")  # four parameters: cannot take lambd
    assert "wrong_signature" in plain["mistakes"]


# --- notebooks and paths ---------------------------------------------------------------------


def test_a_notebook_is_graded_with_its_magics_skipped(grader: Grader) -> None:
    report = _grade(grader, CLASS / "grace.ipynb")
    assert report["outcome"] == "pass"
    assert any("IPython lines (magics %, shell !)" in n for n in report["notes"])


def test_notebook_source_keeps_code_and_counts_what_it_skips() -> None:
    source, skipped, cells = submissions.notebook_source((CLASS / "grace.ipynb").read_bytes())
    assert skipped == 5  # %matplotlib, !pip, the two-line %%bash cell, %time
    assert "def propagate" in source and "%" not in source.replace("# %", "")
    compile(source, "grace", "exec")
    lines = source.splitlines()
    for start, cell in cells:  # each cell's first line is where the mapping says
        assert lines[start - 2] == f"# --- cell {cell}"
    assert [c for _, c in cells] == [2, 4, 5]  # cell 1 is Markdown, cell 3 a %%bash cell
    start = cells[1][0]
    assert submissions.in_notebook(f"line {start + 2} in propagate: x", cells) == (
        "cell 4, line 3 in propagate: x"
    )


def test_an_error_in_a_notebook_names_its_cell(grader: Grader, tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [
        new_code_cell("import numpy as np\n%load_ext autoreload"),
        new_code_cell(
            "def propagate(w, b, X, Y):\n    m = X.shape[1]\n    return np.dot(X, w) / m"
        ),
    ]
    path = tmp_path / "raises.ipynb"
    nbformat.write(new_notebook(cells=cells), str(path))
    report = _grade(grader, path)
    assert "cell 2, line 3 in propagate" in json.dumps(report["diagnosis"])


def test_a_notebook_importing_the_library_gets_the_hint(grader: Grader) -> None:
    report = _grade(grader, SUBMISSIONS / "heidi_uses_the_library.ipynb")
    assert report["outcome"] == "cannot_load"
    assert any(
        "copy your propagate into a file that imports only numpy" in n for n in report["notes"]
    )


def test_a_broken_notebook_cannot_load(grader: Grader, tmp_path: Path) -> None:
    report = _grade(grader, _file(tmp_path, "broken.ipynb", "{not json"))
    assert report["outcome"] == "cannot_load"
    assert "not a readable notebook" in report["error"]


def test_a_grader_made_without_notebooks_refuses_one_as_its_own_fault() -> None:
    """``Options(notebooks=False)`` loads no nbformat; a notebook then is not read (its
    reader would be imported after submissions ran), and the fault is the grader's."""
    report = _grade(Grader(Options(notebooks=False, search_seconds=0)), CLASS / "grace.ipynb")
    assert report["outcome"] == "crash"
    assert "notebooks=False" in report["error"] and "fault of the grader" in report["error"]


def test_relative_targets_resolve_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "subs" / "subs").mkdir(parents=True)
    (tmp_path / "subs" / "alice.py").write_text(RIGHT)
    (tmp_path / "subs" / "subs" / "alice.py").write_text("decoy")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(RIGHT)
    monkeypatch.chdir(tmp_path)
    found = submissions.resolve("subs/alice.py:propagate")
    assert found.path == Path("subs/alice.py") and found.path.read_text() == RIGHT
    assert found.target == "subs/alice.py:propagate"
    assert submissions.resolve("pkg.mod:propagate").path == Path("pkg/mod.py")
    everything = submissions.expand(["subs"], "propagate")
    assert [s.path.as_posix() for s in everything] == ["subs/alice.py", "subs/subs/alice.py"]


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        ("nocolon.py", "must be path/to/file.py:function"),
        ("missing.py:propagate", "no such file: missing.py"),
        ("a b:propagate", "neither a .py or .ipynb file nor a module name"),
        ("nomodule:propagate", "no module nomodule"),
        ("x.py:not-a-name", "must be path/to/file.py:function"),
    ],
)
def test_malformed_targets_are_refused(
    target: str, phrase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(submissions.SubmissionError, match=phrase):
        submissions.resolve(target)


def test_expand_refuses_what_is_not_a_submission(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "empty").mkdir()
    for paths, phrase in (
        ([str(tmp_path / "notes.txt")], "neither a .py file nor an .ipynb"),
        ([str(tmp_path / "empty")], "no .py or .ipynb file under"),
        ([str(tmp_path / "nothing")], "no such file or folder"),
    ):
        with pytest.raises(submissions.SubmissionError, match=phrase):
            submissions.expand(paths, "propagate")


# --- integrity options -----------------------------------------------------------------------


def test_forbidden_imports_are_their_own_outcome(tmp_path: Path) -> None:
    g = Grader(Options(forbid=("jax",)))
    static = _grade(g, _file(tmp_path, "static.py", "import jax.numpy as jnp\n" + RIGHT))
    assert (static["outcome"], static["exit_code"]) == ("forbidden_import", 1)
    assert "jax" in static["error"]
    hidden = "import importlib\njax = importlib.import_module('ja' + 'x')\n" + RIGHT
    dynamic = _grade(g, _file(tmp_path, "dynamic.py", hidden))
    assert dynamic["outcome"] == "forbidden_import", dynamic["error"]
    assert _grade(g, CLASS / "alice.py")["outcome"] == "pass"


def test_seed_random_is_drawn_and_recorded() -> None:
    graders = [Grader(Options(seed="random")) for _ in range(3)]
    assert len({g.seed for g in graders}) == 3  # 3 draws from 2**31: equal with p ~ 1e-9
    report = _grade(graders[0], CLASS / "alice.py")
    assert report["seeds"] == {"problems": graders[0].seed, "random": True}
    assert f"rerun with --seed {graders[0].seed}" in " ".join(report["notes"])
    with pytest.raises(ValueError, match="whole number or 'random'"):
        Grader(Options(seed="often"))


def test_scores_follow_the_points(tmp_path: Path) -> None:
    g = Grader(Options(points=(("dw", 2.0), ("db", 1.0), ("cost", 0.5))))
    report = _grade(g, CLASS / "week1" / "carol.py")
    assert (report["score"], report["max_score"]) == (1.5, 3.5)


# --- the answer is data, read strictly ---------------------------------------------------------


def _run_with(answer: bytes) -> sandbox.Run:
    return sandbox.Run("bwrap", answer=answer)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (b"", "before returning results"),
        (b"\x80\x04pickle", "unreadable results"),
        (b'{"status": "ok"}', "not the grader's protocol"),
        (b'{"protocol": 1, "status": "ok", "x": NaN}', "unreadable results"),
        (b"[" * 100_000, "unreadable results"),
        (b'{"protocol": 2, "status": "ok"}', "not the grader's protocol"),
        # every field has the schema's type, and the refusal says where it is not
        (
            b'{"protocol": 1, "status": "ok", "calls": [{"seconds": "1"}]}',
            r"answer\.calls\[0\]\.seconds must be number",
        ),
        (
            b'{"protocol": 1, "status": "ok", "calls": [{"returned": {"array": 1}}]}',
            r"answer\.calls\[0\]\.returned\.array must be string",
        ),
        (
            b'{"protocol": 1, "status": "ok", "arrays": {"a0": {"dtype": "|O", "shape": [], "data": ""}}}',
            r"malformed results \(answer\.arrays\.a0\.dtype must be one of",
        ),
        (
            b'{"protocol": 1, "status": "ok", "trace": {"events": [], "lines": {}, "raised": 1}}',
            r"answer\.trace\.raised",
        ),
        (b'{"protocol": 1, "status": "ok", "planted": true}', "planted"),
    ],
)
def test_unreadable_answers_are_refused(answer: bytes, phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase):
        answers.parse(_run_with(answer))


@pytest.mark.parametrize(
    "bad",
    [
        {"dtype": "|O", "shape": [1], "data": ""},
        {"dtype": "<f8", "shape": [3], "data": "AAAA"},
        {"dtype": "<f8", "shape": [2**21], "data": ""},
        {"dtype": "<f8", "shape": [1], "data": "!!!!"},
        {"dtype": "<f8", "shape": [1], "data": "", "extra": 1},
        [1.0, 2.0],
    ],
)
def test_decode_array_refuses_anything_but_numbers(bad: Any) -> None:
    with pytest.raises(ValueError):
        child.decode_array(bad)


def test_arrays_cross_the_pipe_exactly() -> None:
    for value in (np.arange(6.0).reshape(2, 3), np.array(True), np.int32([1, -2]), np.float32(0.1)):
        back = child.decode_array(json.loads(json.dumps(child.encode_array(np.asarray(value)))))
        assert back.dtype == np.asarray(value).dtype and np.array_equal(back, value)


def test_a_forged_structure_is_a_crash_not_a_pass(grader: Grader) -> None:
    calls = [{"returned": {"sequence": "not a list"}, "seconds": 0.0} for _ in grader.problems]
    with pytest.raises(ValueError):
        answers.calls({"arrays": {}, "calls": calls}, grader.problems, None)
    with pytest.raises(ValueError, match="every problem"):
        answers.calls({"arrays": {}, "calls": calls[:1]}, grader.problems, None)


def test_the_child_program_imports_only_the_standard_library_and_numpy() -> None:
    import ast
    import sys

    tree = ast.parse(Path(child.__file__).read_text())
    names = {
        a.name.partition(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for a in n.names
    }
    names |= {
        n.module.partition(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module
    }
    assert names - {"numpy"} <= set(sys.stdlib_module_names) | {"__future__"}


def test_the_shipped_schemas_are_valid_json_schemas() -> None:
    import jsonschema

    for name in ("report", "gradebook", "gradescope"):
        jsonschema.Draft202012Validator.check_schema(schema(name))


def test_a_bwrap_that_cannot_create_namespaces_gets_its_own_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sandbox, "BWRAP", str(fake))
    monkeypatch.setattr(sandbox, "trusted_program", lambda path: "")  # under /tmp: trust it here
    sandbox.bwrap_problem.cache_clear()
    try:
        isolation, why = sandbox.choose("auto")
        assert isolation == "process"
        assert "cannot create its namespaces here (bwrap: No permissions" in why
        assert "unprivileged_userns_clone" in why and "apt install" not in why
        with pytest.raises(sandbox.SandboxUnavailableError, match="--sandbox require"):
            sandbox.choose("require")
    finally:
        sandbox.bwrap_problem.cache_clear()


def test_no_oracle_runs_after_the_first_submission(monkeypatch: pytest.MonkeyPatch) -> None:
    """Independence rule 7 (docs/layout.md): every expected value and model of a mistake exists before any
    submission runs; judging (and diagnosing) afterwards runs no jax at all."""
    from autograd_lr import oracles

    g = Grader(Options(seed=3))

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an oracle ran after the submissions started")

    for name in ("_jax", "jax_values_and_gradients", "jax_value_and_gradients"):
        if hasattr(oracles, name):
            monkeypatch.setattr(oracles, name, refuse)
    for path, lines, rules in (
        (CLASS / "alice.py", [], []),
        (CLASS / "bob.py", [10], ["flip_sign"]),
        (CLASS / "week1" / "carol.py", [11], ["add_mean"]),
    ):
        report = _grade(g, path)
        assert report["mistakes"] == []
        assert [d["line"] for d in report["diagnosis"]] == lines
        assert [r for d in report["diagnosis"] for r in d["rules"]] == rules
