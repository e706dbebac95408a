"""The documentation site, built offline and read in a real browser (headless Chromium).

The site is built once per session (:func:`docs_site.build`: the notebooks' runs, then
Sphinx with warnings as errors and every reference resolved) and served on 127.0.0.1.
Chromium then opens every page and the tests assert what a reader would see: the math
typeset by the MathJax the site serves itself (no raw ``$$`` left), every image loaded,
no console error, no request leaving 127.0.0.1, and every internal link landing on a
page and an anchor that exist. Screenshots of the derivation page and of a notebook
page are saved under ``out/``.

The build renders the notebooks' runs: it reuses those the notebook tests made, and a
file lock (:func:`notebook_runner.exclusive`) keeps two test workers from running the same
notebook or building the site side by side (the xdist group is a hint: ``--dist
loadgroup`` was seen to spread a group over both workers).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from docs_site import HTML, ROOT, STAMP, build, serve

pytestmark = pytest.mark.xdist_group("notebooks")

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
INSTALL_HINT = "install chromium and chromium-driver (tools/system-packages does it as root)"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
]
# The widths a reader's laptop shows the site at: at each, nothing may be cut off.
WIDTHS = (1280, 1024)
MIN_TEXT_COLUMN_PX = 680  # at 1280 px: a display equation or a report needs this much
HEADER_ONE_ROW_PX = 80  # the theme's header is 64 px high on one row
# Loading a page, MathJax's typesetting and the images take well under a second here;
# a loaded 2-core machine may need many times that.
PAGE_TIMEOUT_S = 60
SCREENSHOTS = {
    "derivation.html": ROOT / "out" / "docs-derivation.png",
    "notebooks/01_derivation.html": ROOT / "out" / "docs-notebook-01_derivation.png",
}

# After load: wait for MathJax (when the page has math) and for every image to decode.
_SETTLE = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images).map((img) => {
  img.loading = "eager";
  return img.decode().catch(() => null);
});
const math = window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve();
Promise.all([math, ...images]).then(() => done("ok"), (e) => done("error: " + e));
"""
_FACTS = """
const outsideCode = (el) => !el.closest("pre, code, .highlight");
const text = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  if (node.parentElement && outsideCode(node.parentElement)
      && !node.parentElement.closest("script, style, mjx-container")) text.push(node.data);
}
return {
  mathNodes: document.querySelectorAll("span.math, div.math").length,
  untypeset: Array.from(document.querySelectorAll("span.math, div.math"))
    .filter((el) => !el.querySelector("mjx-container")).map((el) => el.textContent.slice(0, 80)),
  rendered: document.querySelectorAll("mjx-container").length,
  text: text.join(" "),
  images: Array.from(document.images).map((img) => [img.currentSrc || img.src, img.naturalWidth]),
  links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
  ids: Array.from(document.querySelectorAll("[id], a[name]")).map((el) => el.id || el.name),
  resources: Array.from(document.querySelectorAll("script[src], link[href], img[src]"))
    .map((el) => el.src || el.href),
};
"""


# At the window's current width: the text column's width, and every display equation,
# table, code or report block that is cut off (its content wider than its box, so the
# reader must scroll it) or sticks out of the text column; the header's rows.
_LAYOUT = """
const done = arguments[arguments.length - 1];
// two frames after a resize: the page's own resize handlers (fit-math.js) have run
requestAnimationFrame(() => requestAnimationFrame(() => done(measure())));
function measure() {
const column = document.querySelector("article.bd-article") || document.body;
const box = column.getBoundingClientRect();
const describe = (el) => {
  const tag = el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "");
  return tag + ": " + (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
};
const cut = [];
const blocks = column.querySelectorAll(
  "div.math, mjx-container[display='true'], table, pre, div.highlight, div.cell_output");
for (const el of blocks) {
  if (el.closest("details:not([open])") || el.offsetParent === null) continue;  // not shown
  const r = el.getBoundingClientRect();
  const clipped = el.scrollWidth > el.clientWidth + 1;
  const out = r.right > box.right + 1 || r.left < box.left - 1;
  if (clipped || out) {
    cut.push(`${describe(el)} (${el.scrollWidth} px in ${el.clientWidth} px, right ${Math.round(r.right)} > ${Math.round(box.right)})`);
  }
}
const header = document.querySelector(".bd-header .navbar-header-items, .bd-header");
const items = header ? Array.from(header.querySelectorAll(".navbar-item, li.nav-item"))
  .filter((el) => el.offsetParent !== null) : [];
const rows = new Set(items.map((el) => Math.round(el.getBoundingClientRect().top)));
const nav = document.querySelector(".bd-sidebar-primary");
return {
  column: Math.round(box.width),
  cut: cut,
  headerHeight: document.querySelector(".bd-header") ?
    Math.round(document.querySelector(".bd-header").getBoundingClientRect().height) : 0,
  hiddenInMore: document.querySelectorAll(".bd-header .dropdown-menu .nav-item").length,
  emptySidebar: !!(nav && nav.offsetParent !== null && nav.getBoundingClientRect().width > 0
    && nav.innerText.trim().replace(/Section Navigation/g, "").trim() === ""),
};
}
"""


@dataclass
class Page:
    """What the browser saw on one page of the site."""

    path: str
    facts: dict[str, Any]
    layout: dict[int, dict[str, Any]] = field(default_factory=dict)  # window width -> _LAYOUT
    console: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@dataclass
class Site:
    base: str
    pages: dict[str, Page]


def _driver(profile: Path) -> Any:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} is missing: {INSTALL_HINT}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(PAGE_TIMEOUT_S)
    driver.set_script_timeout(PAGE_TIMEOUT_S)
    return driver


def _requests(performance_log: list[dict[str, Any]]) -> list[str]:
    import json

    urls = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """Build the site, serve it, and open every page in headless Chromium once.

    Session-scoped: under xdist's loadgroup the tests of this module may be interleaved
    with the notebook tests of their group, and a module-scoped fixture would be torn
    down and built again at each switch.
    """
    build()
    pages = sorted(
        str(p.relative_to(HTML)) for p in HTML.rglob("*.html") if "_static" not in p.parts
    )
    with serve(HTML) as base, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        driver = _driver(Path(profile))
        try:
            seen = {}
            for path in pages:
                driver.get(urljoin(base, path))
                assert driver.execute_async_script(_SETTLE) == "ok", path
                facts = driver.execute_script(_FACTS)
                page = Page(path, facts)
                for width in WIDTHS:
                    driver.set_window_size(width, 1600)
                    page.layout[width] = driver.execute_async_script(_LAYOUT)
                driver.set_window_size(WIDTHS[0], 1600)
                page.console = driver.get_log("browser")
                page.requests = _requests(driver.get_log("performance"))
                seen[path] = page
                if path in SCREENSHOTS:
                    SCREENSHOTS[path].parent.mkdir(parents=True, exist_ok=True)
                    driver.save_screenshot(str(SCREENSHOTS[path]))
        finally:
            driver.quit()
        yield Site(base, seen)


def test_the_site_has_the_learners_pages(site: Site) -> None:
    expected = {
        "index.html",
        "derivation.html",
        "notebooks.html",
        "checking.html",
        "grading.html",
        "training.html",
        "dask.html",
        "benchmarks.html",
        "api.html",
        "notebooks/01_derivation.html",
        "api/generated/autograd_lr.gradients.html",
        "cli.html",
        "names.html",
    }
    assert expected <= set(site.pages), sorted(expected - set(site.pages))
    # the solved exercises are the instructor's: a learner's path does not pass them
    assert not [p for p in site.pages if "solved" in p], sorted(site.pages)


# The exercises' one-call checks: public, but in their module rather than at the top level.
EXERCISE_CHECKS = ("check_sigmoid", "check_propagate", "check_propagate_l2")


def test_every_public_name_has_its_page(site: Site) -> None:
    """Parameters described, returns, an example and a [source] link, on the name's own page."""
    from autograd_lr import _LAZY

    names = [f"autograd_lr.{name}" for name in _LAZY]
    names += [f"autograd_lr.teaching.exercises.{name}" for name in EXERCISE_CHECKS]
    for name in names:
        path = f"api/generated/{name}.html"
        assert path in site.pages, f"{name} has no page of its own"
        html = (HTML / path).read_text(encoding="utf-8")
        text = site.pages[path].facts["text"]
        for heading in ("Parameters", "Example"):
            assert heading in text, f"{name}: no {heading} section"
        if not name.rpartition(".")[2][0].isupper():  # a function (a class returns nothing)
            assert "Returns" in text, f"{name}: no Returns section"
        assert "viewcode-link" in html, f"{name}: no [source] link"


def test_the_api_reference_has_every_module(site: Site) -> None:
    package = ROOT / "src" / "autograd_lr"
    modules = set()
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1].startswith("_") and parts[-1] != "__init__":
            continue  # a private module (``_version``): read through its package, not listed
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert "autograd_lr.records" in modules  # the scan sees the package's own modules
    missing = sorted(m for m in modules if f"api/generated/{m}.html" not in site.pages)
    assert not missing, f"list these modules in docs/api.md: {missing}"


def test_the_math_is_typeset_by_the_sites_own_mathjax(site: Site) -> None:
    with_math = [page for page in site.pages.values() if page.facts["mathNodes"]]
    assert {"derivation.html", "notebooks/01_derivation.html"} <= {p.path for p in with_math}
    assert any(p.path.startswith("api/generated/") for p in with_math), "no formula in the API"
    for page in with_math:
        assert not page.facts["untypeset"], (page.path, page.facts["untypeset"][:3])
        assert page.facts["rendered"] >= page.facts["mathNodes"], page.path
    for page in site.pages.values():
        assert "$$" not in page.facts["text"], f"{page.path}: raw $$ left in the text"
        assert "\\(" not in page.facts["text"], f"{page.path}: raw \\( left in the text"
    scripts = site.pages["derivation.html"].facts["resources"]
    served = [urlparse(url).path for url in scripts]
    assert "/_static/mathjax/tex-chtml.js" in served, served


def test_every_image_loads(site: Site) -> None:
    images = [
        (page.path, src, width)
        for page in site.pages.values()
        for src, width in page.facts["images"]
    ]
    assert any("notebooks/" in path for path, _, _ in images), "the notebooks show no figure"
    broken = [(path, src) for path, src, width in images if width <= 0]
    assert not broken, broken


def test_nothing_is_cut_off_at_a_laptops_width(site: Site) -> None:
    """No display equation, table or report is cut off at 1280 or 1024 px, on any page."""
    cut = [
        f"{page.path} at {width} px: {block}"
        for page in site.pages.values()
        for width, layout in page.layout.items()
        for block in layout["cut"]
    ]
    assert not cut, f"{len(cut)} blocks cut off:\n" + "\n".join(cut[:30])


def test_the_text_column_is_wide_and_the_header_one_row(site: Site) -> None:
    narrow = {
        page.path: page.layout[WIDTHS[0]]["column"]
        for page in site.pages.values()
        if page.layout[WIDTHS[0]]["column"] < MIN_TEXT_COLUMN_PX
    }
    assert not narrow, f"text column under {MIN_TEXT_COLUMN_PX} px at {WIDTHS[0]} px: {narrow}"
    empty = [p.path for p in site.pages.values() if p.layout[WIDTHS[0]]["emptySidebar"]]
    assert not empty, f"an empty navigation sidebar on {empty}"
    for width in WIDTHS:
        heights = {p.path: p.layout[width]["headerHeight"] for p in site.pages.values()}
        tall = {path: h for path, h in heights.items() if h > HEADER_ONE_ROW_PX}
        assert not tall, f"the header wraps at {width} px: {tall}"
    hidden = {p.path for p in site.pages.values() if p.layout[WIDTHS[0]]["hiddenInMore"]}
    assert not hidden, f"sections hidden under 'More' at {WIDTHS[0]} px on {sorted(hidden)[:5]}"


def test_no_console_errors(site: Site) -> None:
    errors = [
        (page.path, entry["message"])
        for page in site.pages.values()
        for entry in page.console
        if entry["level"] == "SEVERE"
    ]
    assert not errors, "\n".join(map(str, errors[:10]))


def test_nothing_is_fetched_from_outside_the_site(site: Site) -> None:
    host = urlparse(site.base).netloc
    outside = sorted(
        {
            url
            for page in site.pages.values()
            for url in page.requests + page.facts["resources"]
            if urlparse(url).scheme in ("http", "https", "ws", "wss")
            and urlparse(url).netloc != host
        }
    )
    assert not outside, "\n".join(outside)
    assert sum(len(page.requests) for page in site.pages.values()) > len(site.pages)


def test_every_internal_link_lands_on_a_page_and_an_anchor(site: Site) -> None:
    host = urlparse(site.base).netloc
    broken = []
    followed = 0
    for page in site.pages.values():
        for href in page.facts["links"]:
            url, fragment = urldefrag(href)
            if urlparse(url).netloc != host:
                continue
            followed += 1
            target = urlparse(url).path.lstrip("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if target not in site.pages:
                if not (HTML / target).is_file():
                    broken.append((page.path, href))
                continue
            if fragment and fragment not in site.pages[target].facts["ids"]:
                broken.append((page.path, href))
    assert followed > 100
    assert not broken, "\n".join(map(str, broken[:20]))


def test_screenshots_of_the_derivation_and_a_notebook(site: Site) -> None:
    for path in SCREENSHOTS.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        assert path.stat().st_size > 20_000, f"{path}: too small to show a page"


def test_the_build_fails_on_a_warning(tmp_path: Path) -> None:
    """A broken reference in a page is an error, not a warning that scrolls by (-W -n)."""
    import subprocess
    import sys

    from docs_site import DOCS, SPHINX_ARGS

    copy = tmp_path / "docs"
    copy.mkdir()
    for name in ("conf.py", "_static", "_templates"):
        source = DOCS / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, copy / name)
    (copy / "index.md").write_text(
        "# A page\n\nSee {func}`autograd_lr.no_such_function`.\n", encoding="utf-8"
    )
    args = [a if a != str(DOCS) else str(copy) for a in SPHINX_ARGS]
    args[-1] = str(tmp_path / "html")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "autograd_lr.no_such_function" in done.stderr, done.stderr[-2000:]


def _tracked_files() -> list[Path]:
    import subprocess

    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False, text=True
    )
    if done.returncode == 0 and done.stdout:
        return [Path(name) for name in done.stdout.split("\0") if name]
    skip = {".venv", ".git", "out", "_build", "__pycache__"}
    return [
        p.relative_to(ROOT)
        for p in ROOT.rglob("*")
        if p.is_file() and not skip & set(p.relative_to(ROOT).parts)
    ]


def test_no_make_target_touches_a_learners_notebooks(site: Site, tmp_path: Path) -> None:
    """Put answers in, run every make target that touches notebooks, find them unchanged.

    In a copy of the checkout (a real learner's files are never put at risk), with this
    ``.venv`` (``make -o`` keeps make from reinstalling it) and the runs and build of this
    session copied along, so nothing is executed twice: ``make lab`` (JupyterLab only
    prints its version), ``make notebooks`` and ``make docs``.
    """
    import os
    import subprocess
    import sys

    import jupytext

    copy = tmp_path / "checkout"
    for name in _tracked_files():
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    for built in ("docs/notebooks", "docs/_build", "docs/api/generated"):
        shutil.copytree(ROOT / built, copy / built, symlinks=True)
    (copy / STAMP.relative_to(ROOT)).unlink()  # make docs really runs Sphinx in the copy
    venv = Path(sys.prefix)
    make = ["make", "-s", "-o", str(venv / ".installed"), f"VENV={venv}", "LAB_ARGS=--version"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}

    def run(*targets: str) -> str:
        done = subprocess.run(
            [*make, *targets], cwd=copy, capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, f"make {' '.join(targets)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    assert "created" in run("lab")
    notebooks = copy / "notebooks"
    mine = notebooks / "mine"  # the learner's folder
    exercises = jupytext.read(mine / "05_exercises.ipynb")
    first = next(i for i, c in enumerate(exercises.cells) if "NotImplementedError" in c.source)
    exercises.cells[first].source = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))  # mine"
    jupytext.write(exercises, mine / "05_exercises.ipynb")
    jupytext.write(exercises, mine / "05_exercises.py", fmt="py:percent")
    walkthrough = jupytext.read(notebooks / "01_derivation.ipynb")
    walkthrough.cells[0].source += "\n\nMy note: dz = a - y, because the a(1 - a) cancels."
    jupytext.write(walkthrough, notebooks / "01_derivation.ipynb")
    (notebooks / "figures").mkdir(exist_ok=True)
    (notebooks / "figures" / "mine.png").write_bytes(b"\x89PNG\r\n\x1a\n my figure")
    learner = {
        p: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in notebooks.rglob("*")
        if (p.is_file() and p.suffix in (".ipynb", ".png")) or p.name == "05_exercises.py"
    }
    assert len(learner) >= 7, sorted(learner)

    assert "kept (yours)" in run("lab")
    run("notebooks")
    run("docs")
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in learner}
    changed = sorted(str(p.relative_to(copy)) for p in learner if after[p] != learner[p])
    assert not changed, f"make lab/notebooks/docs changed the learner's files: {changed}"
