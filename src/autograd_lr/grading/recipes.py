r"""A function from a notebook as a file the grader can run on its own.

In a notebook, ``propagate`` calls the student's own ``sigmoid`` and the ``np`` of an
earlier cell. ``inspect.getsource(propagate)`` gives its ``def`` alone, and a file made
of it fails with ``NameError``. :func:`standalone_source` writes the file with what the
function needs: the global names its code reads (found by the compiler's own scoping,
:mod:`symtable`, so a parameter ``X`` is never mistaken for a notebook's global ``X``),
each written back as

* an ``import`` (a module: ``import numpy as np``; a library's function or class:
  ``from math import log``),
* the source of the student's own function or class (defined in the notebook, or in a
  module file of the notebook's folder, the current directory), and in turn what it reads,
* a constant (a number, a string, ``True``/``None``, a tuple of them), by its ``repr``.

Nothing else can be carried: a global array or object raises ``ValueError`` with its
name and the fix. Only the kernel's values are read here; nothing is run.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import symtable
import sys
import textwrap
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

_CONSTANTS = (int, float, complex, str, bytes, bool, type(None))


def _global_names(source: str) -> list[str]:
    """The global names ``source``'s code reads, in the order they appear."""
    table = symtable.symtable(source, "<definition>", "exec")
    found: dict[str, None] = {}
    todo = [table]
    while todo:
        scope = todo.pop(0)
        for symbol in scope.get_symbols():
            if symbol.is_referenced() and (scope.get_type() == "module" or symbol.is_global()):
                found[symbol.get_name()] = None
        todo += scope.get_children()
    return list(found)


def _is_constant(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_is_constant(v) for v in value)
    return isinstance(value, _CONSTANTS)


def _beside(value: Any) -> bool:
    """Whether ``value`` comes from a module file in the current folder, the notebook's: a
    student's own ``utils.py``, which the file the grader runs would not find."""
    module = sys.modules.get(getattr(value, "__module__", ""))
    where = getattr(module, "__file__", None)
    return isinstance(where, str) and Path(where).resolve().parent == Path.cwd().resolve()


def _library_import(name: str, value: Any) -> str | None:
    """``from module import value`` when that gives this very object back, else None."""
    module, own = getattr(value, "__module__", None), getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(own, str):
        return None
    try:
        found = getattr(importlib.import_module(module), own, None)
    except Exception:  # a module that cannot be imported again cannot be named
        return None
    if found is not value:
        return None
    return f"from {module} import {own}" + (f" as {name}" if name != own else "")


def standalone_source(function: Callable[..., Any]) -> str:
    r"""The source of ``function`` with every global it reads: a module that runs alone.

    ``function`` is a function defined in a notebook or a module (``inspect.getsource``
    must find its source). The student's own functions and classes it calls (those
    defined where ``function`` is, ``__module__`` alike, or in a module file of the
    current directory, like a ``utils.py`` beside the notebook) are carried with their source,
    and what they read in turn; modules and library objects as imports; constants by
    value. A name that is not defined is left out, so running the file shows the same
    ``NameError`` the notebook would.

    Raises ``ValueError`` naming a global that cannot be written into a file (an array, a
    dict, any other object) or a definition whose source cannot be found.
    """
    if not inspect.isfunction(function):
        raise ValueError(
            f"standalone_source takes a function defined with def, not a "
            f"{type(function).__name__}: pass the function itself, e.g. standalone_source(propagate)"
        )
    home = function.__module__
    imports: dict[str, None] = {}
    constants: list[str] = []
    definitions: list[str] = []
    seen: set[str] = {function.__name__}
    todo: list[tuple[str, Any, dict[str, Any]]] = [
        (function.__name__, function, function.__globals__)
    ]
    while todo:
        name, value, namespace = todo.pop(0)
        try:
            source = textwrap.dedent(inspect.getsource(value))
        except (OSError, TypeError) as exc:
            raise ValueError(
                f"the source of {name} cannot be found ({exc}): define it with def in a "
                "notebook cell or a .py file"
            ) from None
        alias = f"\n{name} = {value.__name__}" if value.__name__ != name else ""  # act = sigmoid
        definitions.append(source.rstrip() + alias + "\n")
        for used in _global_names(source):
            if used in seen:
                continue
            seen.add(used)
            if used not in namespace:
                continue  # a builtin, or undefined: the run shows the NameError
            found = namespace[used]
            if used in vars(builtins) and found is vars(builtins)[used]:
                continue
            if isinstance(found, types.ModuleType):
                module = found.__name__
                imports[f"import {module}" + (f" as {used}" if used != module else "")] = None
            elif (inspect.isfunction(found) or inspect.isclass(found)) and (
                found.__module__ == home or _beside(found)
            ):
                todo.append((used, found, getattr(found, "__globals__", namespace)))
            elif _is_constant(found):
                constants.append(f"{used} = {found!r}\n")
            else:
                line = _library_import(used, found)
                if line is None:
                    raise ValueError(
                        f"{name} reads the global {used} (a {type(found).__name__}), which "
                        f"cannot be written into a file: pass {used} as an argument, or "
                        f"compute it inside {name}"
                    )
                imports[line] = None
    parts = ["\n".join(imports) + "\n" if imports else "", "".join(constants)]
    # the student's helpers first, the function last, as in the notebook
    parts += reversed(definitions)
    return "\n\n".join(part for part in parts if part)
