"""Derivations in Markdown and notebooks: the CLI, its JSON schema, the pytest fixture."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest

from autograd_lr.cli import main
from autograd_lr.teaching import documents
from autograd_lr.testing import assert_derivation_correct

RIGHT = r"""# My derivation of logistic regression's gradient

Some prose, and a code block that is not a derivation:

```python
dz = "not checked"
```

```derivation
# per example
da = -\frac{y}{a} + \frac{1-y}{1-a}
dz = da \cdot a(1-a)
dw = x\,dz
db = dz
```

With L2:

~~~derivation lambd=0.7
dJ_dw = X @ dZ.T / m + lambd / m * w
dJ_db = \frac{1}{m} \sum dZ
~~~
"""
WRONG = RIGHT.replace(r"dw = x\,dz", "dw = dz")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"right": tmp_path / "right.md", "wrong": tmp_path / "wrong.md"}
    paths["right"].write_text(RIGHT, encoding="utf-8")
    paths["wrong"].write_text(WRONG, encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell(WRONG)]
    paths["notebook"] = tmp_path / "wrong.ipynb"
    nbformat.write(notebook, paths["notebook"])
    return paths


def test_blocks_are_read_with_their_place_and_lambda(files: dict[str, Path]) -> None:
    blocks = documents.read_blocks(files["right"])
    assert [b.where for b in blocks] == [f"{files['right']}:9", f"{files['right']}:19"]
    assert list(blocks[0].steps) == ["da", "dz", "dw", "db"] and blocks[1].lambd == 0.7
    assert blocks[0].steps["dw"] == r"x\,dz"
    (cell,) = {b.where.rsplit(":", 1)[0] for b in documents.read_blocks(files["notebook"])}
    assert cell == f"{files['notebook']} cell 2"


def test_cli_exit_codes_and_text(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["derivation", str(files["right"])]) == 0
    assert "PASSED" in capsys.readouterr().out
    assert main(["derivation", str(files["wrong"]), "--hints", "location"]) == 1
    out = capsys.readouterr().out
    assert "dw is wrong (the input x is missing)" in out and "fix:" not in out
    assert main(["derivation", str(files["notebook"])]) == 1
    assert "fix: dw = x*(a - y)" in capsys.readouterr().out
    assert main(["derivation", str(files["right"].with_name("missing.md"))]) == 2
    assert "cannot read" in capsys.readouterr().err


BAD_DOCUMENTS = {
    "no block": ("# nothing here\n", "no derivation block"),
    "no equals": ("```derivation\ndz a - y\n```\n", "line 1 of the block: write one step per line"),
    "unknown step": ("```derivation\ndzz = a - y\n```\n", "unknown step 'dzz'"),
    "twice": ("```derivation\ndz = a - y\ndz = a - y\n```\n", "dz is given twice"),
    "bad option": ("```derivation alpha=1\ndz = a - y\n```\n", "unknown option 'alpha=1'"),
}


@pytest.mark.parametrize("case", BAD_DOCUMENTS)
def test_documents_that_cannot_load_exit_2_with_the_reason(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, reason = BAD_DOCUMENTS[case]
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    assert main(["derivation", str(path)]) == 2
    assert reason in capsys.readouterr().err


def test_json_is_versioned_and_valid_against_the_shipped_schema(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = documents.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    seen = {}
    for name, code in (("right", 0), ("wrong", 1), ("missing", 2)):
        path = files.get(name, tmp_path / "missing.md")
        assert main(["derivation", str(path), "--json"]) == code
        payload = json.loads(capsys.readouterr().out)
        jsonschema.validate(payload, schema)
        seen[name] = payload
    assert seen["right"]["outcome"] == "pass" and seen["right"]["passed"] is True
    wrong = seen["wrong"]
    assert (wrong["outcome"], wrong["exit_code"], wrong["blocks"][0]["first_wrong"]) == (
        "fail",
        1,
        "dw",
    )
    (dw,) = [s for s in wrong["steps"] if s["name"] == "dw"]
    assert dw["mistake"] == "add_input" and dw["block"] == 0 and dw["verdict"] == "wrong"
    assert seen["missing"]["outcome"] == "cannot_load" and seen["missing"]["notes"]
    broken = dict(wrong, outcome="pass")  # the schema ties outcome, passed and exit_code
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    assert wrong["schema_version"] == documents.SCHEMA_VERSION == "2.0"
    with pytest.raises(jsonschema.ValidationError):  # the number 1 is another format
        jsonschema.validate(dict(wrong, schema_version=1), schema)


def test_every_json_schema_of_the_package_versions_itself_as_a_major_minor_string() -> None:
    """One format for schema_version across the package's JSON: "MAJOR.MINOR", a string."""
    import autograd_lr

    def forms(schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The schema and each form in its ``$defs`` (a gradebook has two)."""
        return [schema, *schema.get("$defs", {}).values()]

    root = Path(autograd_lr.__file__).parent
    versions = {  # Gradescope's results.json follows Gradescope's format: it has no version
        (path.name, k): form["properties"]["schema_version"]
        for path in sorted(root.rglob("*.schema.json"))
        for k, form in enumerate(forms(json.loads(path.read_text("utf-8"))))
        if "schema_version" in form.get("properties", {})
    }
    files = {name for name, _ in versions}
    assert len(files) >= 3, files  # the derivation report, check --json, the gradebook
    for name, version in versions.items():
        assert isinstance(version.get("const"), str), name
        assert re.fullmatch(r"\d+\.\d+", version["const"]), (name, version)
    assert documents.schema()["properties"]["schema_version"]["const"] == documents.SCHEMA_VERSION


def test_json_output_file_is_written_atomically(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.json"
    assert main(["derivation", str(files["wrong"]), "--json", "--output", str(target)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text())["outcome"] == "fail"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_assert_derivation_correct_takes_steps_or_a_file(files: dict[str, Path]) -> None:
    assert assert_derivation_correct({"dz": "a - y"}).passed
    with pytest.raises(AssertionError, match="dz is wrong"):
        assert_derivation_correct({"dz": "y - a"})
    assert len(assert_derivation_correct(files["right"])) == 2
    with pytest.raises(AssertionError, match=r"dw is wrong \(the input x is missing\)"):
        assert_derivation_correct(files["wrong"])
    # λ belongs to a document's blocks: a λ passed with a file is refused, not dropped
    with pytest.raises(ValueError, match="info string"):
        assert_derivation_correct(files["right"], lambd=0.7)


def test_a_course_repository_fails_its_pytest_run_on_a_wrong_step(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """One pytest run of a course repository: the right derivation passes, the wrong one fails."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "right.md").write_text(RIGHT, encoding="utf-8")
    (course / "wrong.md").write_text(WRONG, encoding="utf-8")
    (course / "test_derivations.py").write_text(
        textwrap.dedent(
            """
            def test_right(assert_derivation_correct):
                assert_derivation_correct("right.md")

            def test_wrong(assert_derivation_correct):
                assert_derivation_correct("wrong.md")
            """
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=course, capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "FAILED test_derivations.py::test_wrong" in done.stdout
    assert "dw is wrong (the input x is missing)" in done.stdout
