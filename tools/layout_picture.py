"""The picture of the package's rooms and their import contracts, drawn from pyproject.toml.

    .venv/bin/python tools/layout_picture.py     # rewrites docs/images/layout.svg

The contracts in ``[tool.importlinter]`` are the one source of truth: each layer of the
layers contract is a row of boxes (a room imports only the rows below it; rooms in one
row do not import each other), and each forbidden contract is a lettered tag on the rooms
it binds, named in the legend with what they never import. The SVG is written by hand,
with real text and no font files, so it stays small, and the same contracts always give
the same bytes: ``tests/test_architecture.py`` fails when the file on disk is stale.
"""

from __future__ import annotations

import html
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_lr.files import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
PICTURE = ROOT / "docs" / "images" / "layout.svg"
PACKAGE = "autograd_lr"

FONT = 13  # px, monospace
CHAR = 7.9  # px per character of a 13 px monospace font (DejaVu Sans Mono: 0.602 em)
PAD, BOX_H, ROW_GAP, BOX_GAP, MARGIN = 10, 28, 34, 14, 24
TAG_R = 8  # radius of a contract's tag
LEGEND_LINE = 18
COLOURS = {"box": "#e8f0fb", "edge": "#3465a4", "tag": "#c0392b", "text": "#1a1a1a"}


@dataclass(frozen=True)
class Contract:
    """A forbidden contract: ``sources`` never import ``forbidden``; ``letter`` tags it."""

    letter: str
    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]


def _short(module: str) -> str:
    return module.removeprefix(f"{PACKAGE}.")


def read_contracts(
    pyproject: Path = PYPROJECT,
) -> tuple[list[list[str]], list[Contract], list[dict[str, Any]]]:
    """The layers (rows of room names, top first), the forbidden contracts, and the others
    (the layers and acyclic contracts, named in the legend), from ``pyproject``."""
    contracts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
    layers_contracts = [c for c in contracts if c["type"] == "layers"]
    if len(layers_contracts) != 1:
        raise ValueError(
            f"expected one layers contract in {pyproject}, got {len(layers_contracts)}"
        )
    rows = [
        [_short(m.strip()) for m in layer.split("|")] for layer in layers_contracts[0]["layers"]
    ]
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    forbidden = [
        Contract(
            next(letters),
            c["name"],
            tuple(_short(m) for m in c["source_modules"]),
            tuple(_short(m) for m in c["forbidden_modules"]),
        )
        for c in contracts
        if c["type"] == "forbidden"
    ]
    others = [c for c in contracts if c["type"] != "forbidden"]
    return rows, forbidden, others


def _label(room: str, source: Path) -> str:
    """``checking/`` for a package, ``forward.py`` for a module (as docs/layout.md names them)."""
    return f"{room}/" if (source / room).is_dir() else f"{room}.py"


def _tagged(rows: list[list[str]], contract: Contract) -> tuple[str, ...]:
    """The rooms a contract's tag goes on: its sources, or, when they are most of the
    rooms (nothing imports the CLI), the rooms they may not import."""
    rooms = {room for row in rows for room in row}
    return contract.forbidden if len(contract.sources) > len(rooms) / 2 else contract.sources


def render(pyproject: Path = PYPROJECT, source: Path = ROOT / "src" / PACKAGE) -> str:
    """The SVG text of the picture of ``pyproject``'s contracts (``source``: the package,
    to tell its sub-packages from its modules)."""
    rows, forbidden, others = read_contracts(pyproject)
    labels = [[_label(room, source) for room in row] for row in rows]
    widths = [[len(text) * CHAR + 2 * PAD for text in row] for row in labels]
    row_widths = [sum(w) + BOX_GAP * (len(w) - 1) for w in widths]
    width = max(720.0, max(row_widths) + 2 * MARGIN)
    tags: dict[str, list[str]] = {}
    for contract in forbidden:
        for room in _tagged(rows, contract):
            tags.setdefault(room, []).append(contract.letter)

    out: list[str] = []
    y = MARGIN + 8
    boxes: dict[str, tuple[float, float, float]] = {}  # room -> x, y, width
    for row, texts, ws, total in zip(rows, labels, widths, row_widths, strict=True):
        x = (width - total) / 2
        for room, text, w in zip(row, texts, ws, strict=True):
            boxes[room] = (x, y, w)
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BOX_H}" rx="5" '
                f'fill="{COLOURS["box"]}" stroke="{COLOURS["edge"]}"/>'
            )
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{y + BOX_H / 2 + FONT / 2 - 2:.1f}" '
                f'text-anchor="middle">{html.escape(text)}</text>'
            )
            x += w + BOX_GAP
        y += BOX_H + ROW_GAP
    for top in range(len(rows) - 1):  # a room imports only the rows below it
        y0 = MARGIN + 8 + top * (BOX_H + ROW_GAP) + BOX_H + 3
        out.append(
            f'<line x1="{width / 2:.1f}" y1="{y0}" x2="{width / 2:.1f}" y2="{y0 + ROW_GAP - 8}" '
            f'stroke="{COLOURS["edge"]}" stroke-width="1.5" marker-end="url(#down)"/>'
        )
    out.append(
        f'<text x="{width / 2 + 8:.1f}" y="{MARGIN + 8 + BOX_H + ROW_GAP / 2 + 4}" '
        f'font-size="11" fill="{COLOURS["edge"]}">imports</text>'
    )
    for room, letters in sorted(tags.items()):
        x, top_y, w = boxes[room]
        for k, letter in enumerate(letters):
            cx, cy = x + w - 2 - k * (2 * TAG_R + 2), top_y
            out.append(f'<circle cx="{cx:.1f}" cy="{cy}" r="{TAG_R}" fill="{COLOURS["tag"]}"/>')
            out.append(
                f'<text x="{cx:.1f}" y="{cy + 4}" font-size="11" fill="#fff" '
                f'text-anchor="middle">{letter}</text>'
            )

    y += 4
    columns = int((width - 2 * MARGIN - 2 * TAG_R - 8) / (CHAR * 11 / 13))
    for contract in forbidden:
        cx = MARGIN + TAG_R
        out.append(f'<circle cx="{cx}" cy="{y - 4}" r="{TAG_R}" fill="{COLOURS["tag"]}"/>')
        out.append(
            f'<text x="{cx}" y="{y}" font-size="11" fill="#fff" '
            f'text-anchor="middle">{contract.letter}</text>'
        )
        verb = "never imports" if len(contract.sources) == 1 else "never import"
        rule = f"{', '.join(contract.sources)} {verb} {', '.join(contract.forbidden)}"
        lines = [contract.name, *textwrap.wrap(rule, columns)]
        for k, line in enumerate(lines):
            weight = ' font-weight="bold"' if k == 0 else ""
            out.append(
                f'<text x="{cx + TAG_R + 8}" y="{y}" font-size="11"{weight}>'
                f"{html.escape(line)}</text>"
            )
            y += LEGEND_LINE - 3
        y += 5
    for contract in others:
        line = contract["name"]
        if contract["type"] == "layers":
            line += ": a row imports only the rows below it; rooms in one row, not each other"
        elif "ancestors" in contract:
            line += f": {', '.join(_short(m) for m in contract['ancestors'])}"
        for k, part in enumerate(textwrap.wrap(line, columns + 3)):
            weight = ' font-weight="bold"' if k == 0 else ""
            out.append(
                f'<text x="{MARGIN}" y="{y}" font-size="11"{weight}>{html.escape(part)}</text>'
            )
            y += LEGEND_LINE - 3
        y += 5
    height = y + MARGIN - 10
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, monospace" '
        f'font-size="{FONT}" fill="{COLOURS["text"]}" role="img" aria-labelledby="title">\n'
        f'<title id="title">The rooms of {PACKAGE} in their layers, and the import '
        f"contracts of pyproject.toml</title>\n"
        '<defs><marker id="down" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{COLOURS["edge"]}"/></marker></defs>\n'
        f'<rect width="100%" height="100%" fill="#fff"/>\n'
    )
    return head + "\n".join(out) + "\n</svg>\n"


def main() -> int:
    atomic_write_text(PICTURE, render())
    print(f"wrote {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
