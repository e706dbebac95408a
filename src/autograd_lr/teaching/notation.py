r"""The lecture's notation as learners type it, brought to one LaTeX form before parsing.

:func:`normalize` rewrites what only changes the look of a step: bold, roman and
hatted letters (``\mathbf{X}`` is ``X``, ``\mathrm{d}a`` is ``da``, ``\hat{Y}`` is ``A``),
``\frac1m`` (``\frac{1}{m}``), ``\left[ ... \right]`` (parentheses), ``^{\prime}``
(``'``), ``\dfrac`` and the Unicode symbols (σ, ′, ᵀ, ·, −, λ, ŷ). Each character of
the result keeps the position it came from, so that an error points at the learner's text.

:func:`split_word` reads a run of letters such as ``XdZ`` as the names it is made of
(``X dZ``), only where one reading uses the step's known names; otherwise it says
which readings were possible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


def _unwrapped(match: re.Match[str]) -> str:
    r"""A letter out of its font: ``d\mathbf{Z}`` is ``dZ``, ``\lambda\mathbf{w}`` is ``\lambda w``."""
    after_command = re.search(r"\\[A-Za-z]+\s*$", match.string[: match.start()]) is not None
    return (" " if after_command else "") + match.group(1)


# (pattern, replacement): each replacement holds only what the learner's text means.
_FONT = r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|mathsf|mathnormal|text|textbf|vec|operatorname)"
_REWRITES: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    ("σ", r"\\sigma "), ("′", "'"), ("ᵀ", "^T"), ("·", r"\\cdot "), ("×", r"\\times "),
    ("−", "-"), ("λ", r"\\lambda "), ("ŷ", " a "), ("∂", r"\\partial "),
    ("Σ|∑", r"\\sum "), ("⊤", r"\\top "),
    (r"\\[dt]frac(?![A-Za-z])", r"\\frac"),
    (_FONT + r"\s*\{\s*([^{}]*?)\s*\}", lambda m: _unwrapped(m)),  # \mathrm{d}a -> da
    (_FONT + r"\s+([A-Za-z])", lambda m: _unwrapped(m)),  # \mathbf X -> X
    (r"\\hat\s*\{\s*y\s*\}|\\hat\s*y(?![A-Za-z])", " a "),  # ŷ is the prediction a
    (r"\\hat\s*\{\s*Y\s*\}|\\hat\s*Y(?![A-Za-z])", " A "),
    (r"\^\s*\{\s*(?:\\prime\s*)+\}|\^\s*\\prime", "'"),  # \sigma^{\prime} -> \sigma'
    (r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big)\s*([()\[\]])", r"\1"),
    (r"\[", "("), (r"\]", ")"),
    # \frac1m, \frac{1}m, \frac1{m}: the shorthand of a one-character fraction
    (r"\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])", r"\\frac{\1}{\2}"),
    (r"\\frac\s*(\{[^{}]*\})\s*([0-9A-Za-z])", r"\\frac\1{\2}"),
    (r"\\frac\s*([0-9A-Za-z])\s*\{", r"\\frac{\1}{"),
)  # fmt: skip


@dataclass(frozen=True)
class Normalized:
    """The rewritten ``text`` and, for each of its characters, its position in ``source``."""

    source: str
    text: str
    origin: tuple[int, ...]

    def position(self, at: int | None) -> int | None:
        """The position in ``source`` of the character ``at`` of ``text``."""
        if at is None:
            return None
        if at >= len(self.origin):
            return len(self.source)
        return self.origin[at]


def normalize(source: str) -> Normalized:
    """``source`` with every rewrite of :data:`_REWRITES` made, positions kept."""
    text, origin = source, list(range(len(source)))
    for pattern, replacement in _REWRITES:
        pieces: list[str] = []
        where: list[int] = []
        end = 0
        for match in re.finditer(pattern, text):
            pieces.append(text[end : match.start()])
            where += origin[end : match.start()]
            new = match.expand(replacement) if isinstance(replacement, str) else replacement(match)
            pieces.append(new)
            where += [origin[match.start()]] * len(new)
            end = match.end()
        pieces.append(text[end:])
        where += origin[end:]
        text, origin = "".join(pieces), where
    return Normalized(source, text, tuple(origin))


# An index that only says which example or feature: x_1, x_j, dZ_i, a_{(i)}.
_INDEX = re.compile(r"^(?P<base>.+?)_(?:\{\s*\(?\s*)?(?:[ijk]|[0-9]+)(?:\s*\)?\s*\})?$")


def strip_index(word: str) -> str:
    """``word`` without an index that only says which example or feature (``x_1`` is ``x``)."""
    match = _INDEX.match(word)
    return match.group("base") if match else word


def readings(word: str, names: tuple[str, ...], limit: int = 4) -> list[tuple[str, ...]]:
    """Every way (up to ``limit``) to read ``word`` as a sequence of ``names``."""
    found: list[tuple[str, ...]] = []

    def walk(rest: str, parts: tuple[str, ...]) -> None:
        if len(found) >= limit:
            return
        if not rest:
            found.append(parts)
            return
        for name in sorted(names, key=len, reverse=True):
            if rest.startswith(name):
                walk(rest[len(name) :], (*parts, name))

    walk(word, ())
    return found


class AmbiguousWordError(ValueError):
    """A run of letters that reads as the known names in more than one way."""

    def __init__(self, word: str, options: list[tuple[str, ...]]) -> None:
        self.word, self.options = word, options
        shown = " or ".join(" ".join(option) for option in options)
        super().__init__(
            f"{word!r} can be read as {shown}; separate the names with a space or \\cdot"
        )


def split_word(word: str, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """``word`` as known ``names`` (``XdZ`` -> ``("X", "dZ")``), None when no reading exists.

    Raises :class:`AmbiguousWordError` when more than one reading exists.
    """
    options = readings(word, names)
    if not options:
        return None
    if len(options) > 1:
        raise AmbiguousWordError(word, options)
    return options[0]
