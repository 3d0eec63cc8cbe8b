"""The customer-safe public summary: view-model renderers that never see a finding.

Every renderer here takes a `hardening.public.PublicSummary` and a Jinja2 environment from
`environment.public_env` (so the organisation's `--templates DIR` overrides our wording) and
returns text. `FORMATS` maps the `--format` names of `hardening summary` to them.
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Environment

from hardening.public import PublicSummary
from hardening.reports.public import html, json, markdown, text

__all__ = ["FORMATS", "Renderer"]

#: `render(summary, env, allowed)`; `allowed` lists `(rule, reason)` lint overrides to record.
Renderer = Callable[[PublicSummary, Environment, tuple[tuple[str, str], ...]], str]

#: `--format` name → (renderer, file extension, whether the output is HTML).
FORMATS: dict[str, tuple[Renderer, str, bool]] = {
    "html": (html.render, "html", True),
    "md": (markdown.render, "md", False),
    "json": (json.render, "json", False),
    "txt": (text.render, "txt", False),
}
