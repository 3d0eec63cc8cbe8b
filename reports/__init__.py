"""Renderers of runs. Each takes a finished `RunResult` and returns text.

`FORMATS` maps a `--format` name to its file extension and renderer. Renderers never see the
runner, the store or the estate: only the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hardening.model import RunResult


@dataclass(frozen=True)
class Format:
    """An output format the CLI can write."""

    name: str
    """`--format` value."""
    extension: str
    """File extension when written into an output directory."""
    render: Callable[[RunResult, bool], str]
    """`render(run, color)`; only the terminal format uses `color`."""


def _terminal(run: RunResult, color: bool) -> str:
    from .terminal import render_terminal

    return render_terminal(run, color=color)


def _json(run: RunResult, color: bool) -> str:
    from .json import render_json

    return render_json(run)


FORMATS: dict[str, Format] = {
    "terminal": Format("terminal", "txt", _terminal),
    "json": Format("json", "json", _json),
}
