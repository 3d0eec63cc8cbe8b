"""The public summary as JSON: the allowlisted fields, each area's sentence, lint overrides."""

from __future__ import annotations

import json

from jinja2 import Environment

from hardening.public import PublicSummary
from hardening.reports.public.environment import statement

__all__ = ["render"]


def render(
    summary: PublicSummary, env: Environment, allowed: tuple[tuple[str, str], ...] = ()
) -> str:
    """The JSON document (`schema`: `hardening-public-summary/1`)."""
    doc = {
        "schema": "hardening-public-summary/1",
        "organisation": summary.organisation,
        "since": summary.since,
        "areas": [
            {"area": a.title, "band": a.band.value, "statement": statement(env, summary, a)}
            for a in summary.areas
        ],
        "disclosure_lint": {"allowed": [{"rule": r, "reason": why} for r, why in allowed]},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def lint_text(document: str) -> str:
    """The wording inside a rendered JSON summary, one value a line, for the disclosure lint.

    Keys and the fixed vocabulary (`schema`, `band`) are ours and not linted.
    """
    values: list[str] = []

    def walk(node: object, key: str | None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key not in ("schema", "band"):
            values.append(node)

    walk(json.loads(document), None)
    return "\n".join(values)
