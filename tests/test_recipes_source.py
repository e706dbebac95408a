"""standalone_source: a notebook's function written as a file that runs alone."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lr.grading.recipes import standalone_source


def _kernel(*cells: str) -> dict[str, Any]:
    """A notebook's namespace: each cell compiled as IPython does (its lines in linecache)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for k, cell in enumerate(cells):
        name = f"<cell {k + 1}>"
        linecache.cache[name] = (len(cell), None, cell.splitlines(keepends=True), name)
        exec(compile(cell, name, "exec"), namespace)
    return namespace


def _alone(source: str) -> dict[str, Any]:
    """The file's names after it runs in a fresh module (nothing of the kernel in it)."""
    module: dict[str, Any] = {"__name__": "submitted"}
    exec(compile(source, "submitted.py", "exec"), module)
    return module


def test_helpers_imports_constants_and_aliases_are_carried_in_turn() -> None:
    kernel = _kernel(
        "import numpy as np\nfrom math import log as ln\nEPS = 1e-12\nSHAPE = (2, 1)",
        "def _clip(a):\n    return np.clip(a, EPS, 1 - EPS)",
        "def sigmoid(z):\n    return _clip(1 / (1 + np.exp(-z)))\nact = sigmoid",
        "def f(z):\n    return act(z) + ln(1.0) + SHAPE[0]",
        "unused = [1, 2, 3]",
    )
    source = standalone_source(kernel["f"])
    assert "unused" not in source
    assert "from math import log as ln" in source and "import numpy as np" in source
    module = _alone(source)
    # sigmoid(0) = 1/2, ln(1) = 0, SHAPE[0] = 2: the helpers ran, not a copy of the kernel's
    assert module["f"](0.0) == 2.5  # exactness is the claim: 0.5 + 0.0 + 2 in binary
    assert module["_clip"] is not kernel["_clip"]


def test_parameters_and_locals_named_like_a_notebook_global_are_not_carried() -> None:
    kernel = _kernel(
        "import numpy as np\nX = np.ones((2, 3))\nA = np.zeros(3)",
        "def f(X):\n    A = X.sum()\n    return A + (lambda X: X)(1) + sum(X for X in [1])",
    )
    source = standalone_source(kernel["f"])
    assert _alone(source)["f"](np.ones(2)) == 4.0  # 2 + 1 + 1, all exact integers


def test_a_global_array_is_refused_with_its_name_and_the_fix() -> None:
    kernel = _kernel("import numpy as np\nW0 = np.ones(2)", "def f(z):\n    return z + W0")
    with pytest.raises(ValueError, match=r"f reads the global W0 \(a ndarray\).*argument"):
        standalone_source(kernel["f"])


def test_a_name_the_notebook_never_defined_is_left_for_the_run_to_report() -> None:
    kernel = _kernel("def f(z):\n    return undefined_helper(z)")
    with pytest.raises(NameError, match="undefined_helper"):
        _alone(standalone_source(kernel["f"]))["f"](1)


def test_a_helper_inside_the_function_and_a_recursive_one_are_kept_once() -> None:
    kernel = _kernel(
        "def fact(n):\n    return 1 if n == 0 else n * fact(n - 1)",
        "def f(n):\n    def g(k):\n        return fact(k)\n    return g(n)",
    )
    source = standalone_source(kernel["f"])
    assert source.count("def fact") == 1
    assert _alone(source)["f"](4) == 24


def test_only_a_function_is_taken() -> None:
    with pytest.raises(ValueError, match="not a builtin_function_or_method"):
        standalone_source(len)  # type: ignore[arg-type]


def test_a_helper_from_the_students_own_module_beside_the_notebook_is_carried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "student_utils.py").write_text(
        "import numpy as np\n\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "student_utils", raising=False)
    kernel = _kernel("from student_utils import sigmoid", "def f(z):\n    return sigmoid(z)")
    source = standalone_source(kernel["f"])
    assert "import student_utils" not in source and "from student_utils" not in source
    monkeypatch.chdir(tmp_path.parent)  # the file runs where student_utils.py is not
    monkeypatch.delitem(sys.modules, "student_utils")
    assert _alone(source)["f"](0.0) == 0.5  # exactness is the claim: 1 / (1 + 1)


def test_a_library_function_stays_an_import() -> None:
    kernel = _kernel("from json import dumps", "def f(z):\n    return dumps(z)")
    source = standalone_source(kernel["f"])
    assert source.startswith("from json import dumps\n")
    assert "def dumps" not in source
