"""Build the documentation site and serve it on 127.0.0.1: ``make docs`` and the browser test share this.

::

    .venv/bin/python tools/docs_site.py           # make docs: docs/_build/html/index.html

The build runs the notebooks that changed (:func:`notebook_runner.run_cached`; a run
of ``make test`` has already made them), then Sphinx with warnings as errors,
``--keep-going`` to list them all, and ``-n`` (nitpicky) so that every reference must
resolve. Nothing is fetched: see ``docs/conf.py``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from notebook_runner import (
    EXECUTED_DIR,
    PACKAGE_DIR,
    ROOT,
    NotebookError,
    exclusive,
    notebook_sources,
    run_cached,
)

DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
SPHINX_ARGS = ["-q", "-W", "--keep-going", "-n", "-b", "html", str(DOCS), str(HTML)]
STAMP = HTML / ".built-from"  # the hash of what the site was built from
INPUTS = (".md", ".py", ".rst", ".svg", ".css", ".js", ".html", ".ipynb", ".png")


class BuildError(Exception):
    """The site did not build: the message holds the failing notebook or Sphinx's warnings."""


def _inputs_hash() -> str:
    """SHA-256 of every file the site is built from: pages, notebooks' runs, package, results."""
    import hashlib

    digest = hashlib.sha256()
    skip = {"_build", "generated"}
    files = [p for p in DOCS.rglob("*") if p.is_file() and not skip & set(p.parts)]
    files += [*PACKAGE_DIR.rglob("*.py"), ROOT / "benchmarks" / "RESULTS.md"]
    for path in sorted(files):
        if path.suffix in INPUTS or path.parent == EXECUTED_DIR / "figures":
            digest.update(f"{path.relative_to(ROOT)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build() -> Path:
    """Run the changed notebooks, then Sphinx; the site's ``index.html``, or :class:`BuildError`.

    Sphinx runs only when an input changed since the last successful build (or the site
    is missing): a second call, from another test worker or ``make docs-test`` after
    ``make docs``, neither repeats the work nor rewrites pages a browser may be reading.
    """
    for path in notebook_sources():
        try:
            run_cached(path)
        except NotebookError as exc:
            raise BuildError(str(exc)) from None
    with exclusive(DOCS / "_build" / ".build.lock"):
        key = _inputs_hash()
        if STAMP.exists() and STAMP.read_text(encoding="utf-8") == key:
            return HTML / "index.html"
        STAMP.unlink(missing_ok=True)
        # autosummary writes a page per module and never removes one: a moved module's old
        # page would be an orphan, which -W fails on
        shutil.rmtree(DOCS / "api" / "generated", ignore_errors=True)
        # nor does Sphinx remove the page of a document that is gone or now excluded
        # (the solved exercises): the browser test would read it, so the site is rebuilt
        shutil.rmtree(HTML, ignore_errors=True)
        _sphinx()
        STAMP.write_text(key, encoding="utf-8")
    return HTML / "index.html"


def _sphinx() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", *SPHINX_ARGS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise BuildError(f"sphinx-build {' '.join(SPHINX_ARGS)} failed:\n{done.stderr}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path = HTML) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at a free port for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main() -> int:
    try:
        index = build()
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"built {index.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
