"""The CLI's argparse parser, as the CLI reference (docs/cli.md) renders it.

sphinx-argparse reads each help text as reStructuredText, where ``|∂J|`` is a
substitution reference; this escapes the bars and changes nothing else, so the page
still shows exactly the options that :func:`autograd_lr.cli.build_parser` defines.
"""

from __future__ import annotations

import argparse

from autograd_lr.cli import build_parser


def _escape(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if action.help:
            action.help = action.help.replace("|", r"\|")
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._get_subactions():
                if choice.help:
                    choice.help = choice.help.replace("|", r"\|")
            for sub in action.choices.values():
                _escape(sub)


def parser() -> argparse.ArgumentParser:
    """:func:`autograd_lr.cli.build_parser`, its help texts escaped for reStructuredText."""
    built = build_parser()
    _escape(built)
    return built
