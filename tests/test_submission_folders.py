"""A folder target, ``folder:function``: the one file that defines the function is graded.

The file is found by parsing (nothing of the student's runs in the grader), links below
the folder are never followed, and the student's modules it imports go with it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from autograd_lr.grading import submissions
from autograd_lr.grading.submissions import SubmissionError

DEFINES = "import numpy as np\n\n\ndef propagate(w, b, X, Y):\n    return None\n"
IMPORTS_UTILS = "from utils import sigmoid\n\n\ndef propagate(w, b, X, Y):\n    return sigmoid\n"
UTILS = "import numpy as np\nfrom more import tanh\n\n\ndef sigmoid(z):\n    return z\n"


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_the_one_defining_file_is_picked_with_the_modules_it_imports(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "propagate.py": IMPORTS_UTILS,
            "utils.py": UTILS,
            "more.py": "def tanh(z):\n    return z\n",
            "unused.py": "def helper():\n    return 1\n",
        },
    )
    picked = submissions.resolve(f"{folder}:propagate")
    assert picked.path == folder / "propagate.py"
    assert not picked.problem
    # utils.py imports more.py in turn; unused.py is imported by nobody
    assert picked.helpers == (folder / "more.py", folder / "utils.py")


def test_the_helpers_are_copied_beside_it_and_their_imports_checked(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path, {"propagate.py": IMPORTS_UTILS, "utils.py": "import jax\n\nsigmoid = 1\n"}
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    prepared = submissions.copy_to_scratch(submissions.pick(folder, "propagate"), scratch)
    assert sorted(os.listdir(scratch)) == ["propagate.py", "utils.py"]
    assert submissions.forbidden_found(prepared, ["jax"]) == ["jax"]


def test_several_definitions_name_the_files_and_the_fix(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.py": DEFINES, "sub/b.py": DEFINES, "c.py": "x = 1\n"})
    picked = submissions.pick(folder, "propagate")
    assert picked.problem.startswith("2 files define propagate: a.py, sub/b.py")
    with pytest.raises(SubmissionError, match="hand in propagate in one file only"):
        submissions.copy_to_scratch(picked, tmp_path)


def test_no_definition_lists_what_was_looked_at_and_what_does_not_parse(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "nested.py": "class C:\n    def propagate(self):\n        pass\n",
            "broken.py": "def propagate(w, b, X, Y)\n    pass\n",
        },
    )
    problem = submissions.pick(folder, "propagate").problem
    assert "no file defines propagate at its top level (looked in: broken.py, nested.py)" in problem
    assert "broken.py (SyntaxError: expected ':', line 1)" in problem


def test_a_notebook_that_defines_it_is_picked(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "id": "c1",
                "metadata": {},
                "source": DEFINES,
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    folder = _folder(tmp_path, {"hw.ipynb": json.dumps(notebook), "notes.py": "x = 1\n"})
    assert submissions.pick(folder, "propagate").path == folder / "hw.ipynb"


def test_a_link_that_defines_it_is_never_followed(tmp_path: Path) -> None:
    classmate = tmp_path / "classmate.py"
    classmate.write_text(DEFINES)
    folder = _folder(tmp_path, {"mine.py": "x = 1\n"})
    (folder / "propagate.py").symlink_to(classmate)
    problem = submissions.pick(folder, "propagate").problem
    assert "no file defines propagate" in problem
    assert "propagate.py (refused: " in problem and "symbolic link" in problem


def test_a_helper_that_is_a_link_is_refused_when_copied(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("KEY = 'hunter2'\n")
    folder = _folder(tmp_path, {"propagate.py": IMPORTS_UTILS})
    (folder / "utils.py").symlink_to(secret)
    picked = submissions.pick(folder, "propagate")
    assert picked.helpers == (folder / "utils.py",)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(SubmissionError, match=r"refused: .*utils\.py is a symbolic link"):
        submissions.copy_to_scratch(picked, scratch)
    assert not (scratch / "utils.py").exists()


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {})
    with pytest.raises(SubmissionError, match=r"no \.py or \.ipynb file under"):
        submissions.resolve(f"{folder}:propagate")
