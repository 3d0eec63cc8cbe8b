"""The public summary as one self-contained HTML page (autoescaped, loads nothing)."""

from __future__ import annotations

from jinja2 import Environment

from hardening.public import PublicSummary
from hardening.reports.public.environment import statement

__all__ = ["render"]


def render(
    summary: PublicSummary, env: Environment, allowed: tuple[tuple[str, str], ...] = ()
) -> str:
    """The HTML page; `allowed` lint overrides are recorded in the JSON format and on stderr."""
    rows = [(a, statement(env, summary, a)) for a in summary.areas]
    return env.get_template("summary.html.j2").render(summary=summary, rows=rows)
