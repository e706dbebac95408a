"""Sphinx configuration of the autograd-lr site: ``make docs`` builds it into ``docs/_build/html``.

Offline by construction: no extension that fetches (no intersphinx), the theme's assets
ship inside pydata-sphinx-theme, and MathJax 3 is copied into ``_static/mathjax`` from
the ``sphinx-mathjax-offline`` package that ``make install`` installs from PyPI. The
notebooks are rendered from their executed copies in ``docs/notebooks/``, which
``tools/notebook_runner.py`` writes (``make notebooks``; ``make test`` runs them once),
so the build itself executes nothing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from autograd_lr import (
    _LAZY,  # the top-level names and the modules that define them
    __version__,
)

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))  # cli_parser, which the CLI reference (cli.md) renders

project = "autograd-lr"
author = "autograd-lr developers"
copyright = "autograd-lr developers, MIT license"
release = version = __version__  # shown in the header

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",  # the [source] link of every documented function and class
    "sphinx_copybutton",
    "sphinxarg.ext",  # the CLI reference, generated from the argparse parser
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "README.md",
    "notebooks/05_exercises_solved.ipynb",
]
suppress_warnings: list[str] = []

# --- MathJax, served from the built site ------------------------------------------------
_spec = importlib.util.find_spec("sphinx-mathjax-offline")
if _spec is None or _spec.origin is None:
    raise RuntimeError(
        "the MathJax files come from the package sphinx-mathjax-offline (MathJax 3.2.2): "
        "run `make install`"
    )
MATHJAX_STATIC = Path(_spec.origin).parent / "static"  # holds mathjax/tex-chtml.js, fonts, ...
html_static_path = ["_static", str(MATHJAX_STATIC)]
mathjax_path = "mathjax/tex-chtml.js"  # relative: _static/mathjax/tex-chtml.js

# --- Copy buttons: a reader copies the command, not the prompt or the output -------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True  # a block with prompts: copy the prompted lines only
copybutton_exclude = ".linenos, .gp, .go"

# --- MyST and notebooks -----------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # executed once, by tools/notebook_runner.py
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no widget scripts from a CDN
nb_merge_streams = True

# --- API reference ----------------------------------------------------------------------
autosummary_generate = True
# scikit-learn's metadata-routing setters, generated on the estimator class
ALWAYS_EXCLUDED = [
    "set_fit_request",
    "set_predict_request",
    "set_score_request",
    "set_predict_proba_request",
    "set_decision_function_request",
]
autodoc_default_options = {
    "members": True,
    "undoc-members": True,  # the named tolerances and thresholds, with their values
    "ignore-module-all": True,  # a package's __all__ re-exports: documented in their module
    "exclude-members": ",".join(ALWAYS_EXCLUDED),
}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
add_module_names = False
nitpicky = True
# Types that belong to other projects: this offline build has no inventories to link them.
nitpick_ignore_regex = [
    (r"py:.*", r"(.*\.)?_[A-Za-z0-9][^.]*"),  # private helpers are not in the reference
    # numpydoc type fields: literal values and shapes read as class names
    (r"py:class", r'(\{?".*"\}?|\d+|True|False|None|n_features|n_samples|n_x|m)'),
    (
        r"py:.*",
        r"(numpy|np|jax|dask|distributed|sklearn|scipy|matplotlib|pathlib|os|ast|symtable|concurrent)(\..*)?",
    ),
    (r"py:.*", r"(collections\.abc|typing|types|argparse|dataclasses|enum)\..*"),
    (r"py:class", r"(Any|Callable|Sequence|Mapping|Iterable|Iterator|Path|ArrayLike|NDArray)"),
    (
        r"py:class",
        r"(optional|array|array-like|array_like|callable|iterable|default.*|.*ndarray.*)",
    ),
    (r"py:class", r"(np\.float64|float64|Self|NotImplementedType|PathLike.*)"),
    # typing.Literal aliases named in annotations (checking.sandbox.Mode): documented in
    # their module, but a Literal alias is not a class Sphinx can link to
    (r"py:class", r"Mode"),
]

# --- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "autograd-lr"
html_favicon = "_static/favicon.svg"
# Every page is a top-level entry of the site, so the theme's header links (one per page)
# wrapped to three rows and its "section navigation" sidebar was empty. Instead: the whole
# site's table of contents in a narrow left sidebar (the current page's sections unfolded),
# a header of one row (name, version, search, light/dark), and no right sidebar, so the
# text column gets the width a display equation or a report needs (tests/test_docs.py
# measures it at 1280 and 1024 px).
html_theme_options = {
    "navigation_with_keys": False,
    "navbar_start": ["navbar-logo", "version"],
    "navbar_center": [],
    "navbar_end": ["search-button-field", "theme-switcher"],
    "navbar_persistent": [],
    "footer_start": ["copyright"],
    "footer_end": [],
    "secondary_sidebar_items": [],
    "show_prev_next": True,
}
html_context = {"default_mode": "light"}  # else the theme logs an error on a fresh profile
html_sidebars = {"**": ["site-nav"]}
html_css_files = ["layout.css"]
html_js_files = ["fit-math.js"]
html_show_sourcelink = False
html_copy_source = False


def _constants(package: Path) -> dict[str, list[tuple[str, str]]]:
    """Each module's top-level UPPER_CASE assignments with the comment above them (the reason).

    Sphinx documents a module constant only when it has a ``#:`` doc comment; the
    package's tolerances and thresholds carry their reason in a plain comment above
    them, which this reads, so the API pages show every named constant with its reason.
    """
    import ast

    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.parse("\n".join(lines)).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper() and target.id[0] != "_":
                    comment: list[str] = []
                    row = node.lineno - 2
                    while row >= 0 and lines[row].lstrip().startswith("#"):
                        comment.insert(0, lines[row].lstrip().lstrip("#").strip())
                        row -= 1
                    text = " ".join(comment)
                    for char in "\\*|_`":  # reST markup in a plain comment: literal
                        text = text.replace(char, "\\" + char)
                    found.setdefault(module, []).append((target.id, text))
    return found


# The public names, each on its own page (docs/api.md lists them): the top-level names,
# documented under ``autograd_lr.<name>``, and the exercises' one-call checks. The module
# that defines one leaves it out and links to that page, so every object is documented
# once. The module pages themselves are generated recursively from the package, so a
# module added, moved or renamed needs no change here.
EXERCISE_CHECKS = ["check_sigmoid", "check_propagate", "check_propagate_l2"]
PAGE_OF = {f"{module}.{name}": f"autograd_lr.{name}" for name, module in _LAZY.items()}
PAGE_OF |= {
    f"autograd_lr.teaching.exercises.{n}": f"autograd_lr.teaching.exercises.{n}"
    for n in EXERCISE_CHECKS
}
OWN_PAGES: dict[str, list[str]] = {}
for _defined in sorted(PAGE_OF):
    _module, _, _name = _defined.rpartition(".")
    OWN_PAGES.setdefault(_module, []).append(_name)

# A public page documents the object under the module that defines it (the page is named
# by the public name): viewcode's [source] links and their links back then agree.
REAL_NAME = {public: defined for defined, public in PAGE_OF.items()}
# Every object is documented in the module that defines it, so nothing needs following;
# following would send a module's lock (a constant) to the source of `_thread`.
viewcode_follow_imported_members = False

autosummary_context = {
    "real_name": REAL_NAME,
    "constants": _constants(ROOT / "src" / "autograd_lr"),
    "own_pages": OWN_PAGES,
    "page_of": PAGE_OF,
    "always_excluded": ALWAYS_EXCLUDED,
}


# --- Cross-references ---------------------------------------------------------------------
def _resolve_by_suffix(app, env, node, contnode):  # type: ignore[no-untyped-def]
    """Resolve ``:func:`gradients_vectorized``` written in another module of the package.

    A docstring names a sibling module's function or constant without its module; the
    Python domain looks only in the current module. This looks for the one documented
    object whose dotted name ends with the target (``.gradients_vectorized``,
    ``.Dataset.label_mapping``) and links it; a name that matches none, or several,
    stays a warning (and so an error under -W).
    """
    if node.get("refdomain") != "py":
        return None
    from sphinx.util.nodes import make_refnode

    domain = env.get_domain("py")
    target = node["reftarget"].lstrip(".~")
    head, _, name = target.rpartition(".")
    if head == "autograd_lr" and name in _LAZY:  # a top-level name, defined in its room
        target = f"{_LAZY[name]}.{name}"
    parts = target.split(".")
    for k in range(len(parts), 0, -1):
        suffix = ".".join(parts[-k:])
        found = [
            (name, obj)
            for name, obj in domain.objects.items()
            if name == suffix or name.endswith("." + suffix)
        ]
        if len(found) == 1:
            name, obj = found[0]
            return make_refnode(
                app.builder, node["refdoc"], obj.docname, obj.node_id, contnode, name
            )
        if found:
            return None
    return None


def _no_builtin_docstring(app, what, name, obj, options, lines):  # type: ignore[no-untyped-def]
    """A constant has no docstring of its own: drop the one of its type (dict's, tuple's)."""
    builtin = type(obj).__doc__ if type(obj).__module__ == "builtins" else None
    if what == "data" and lines and builtin and lines[0].strip() == builtin.strip().splitlines()[0]:
        lines.clear()


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("missing-reference", _resolve_by_suffix)
    app.connect("autodoc-process-docstring", _no_builtin_docstring)
