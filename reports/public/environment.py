"""The Jinja2 environment for public and communications templates, and override linting.

Templates load from the organisation's `--templates DIR` first, then ours, so any file can be
replaced by one of the same name. HTML templates (`*.html.j2`) are autoescaped; text and
Markdown ones are not, and their values come only from the view-model. Undefined names fail the
render instead of printing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from hardening.disclosure import Hit, LintConfig, html_text, lint
from hardening.errors import UsageError
from hardening.public import PublicArea, PublicSummary

__all__ = ["lint_overrides", "public_env", "statement"]

_JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)


def public_env(
    templates: Path | None = None, *, packs: tuple[str, ...] = ("public",)
) -> Environment:
    """An environment over `templates` (if given) then our `templates/<pack>` folders."""
    loaders: list[BaseLoader] = []
    if templates is not None:
        if not templates.is_dir():
            raise UsageError("not a directory", file=str(templates), field="--templates")
        loaders.append(FileSystemLoader(templates))
    loaders += [PackageLoader("hardening.reports", f"templates/{pack}") for pack in packs]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(("html", "html.j2"), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    return env


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def _md(value: object) -> str:
    """Inline Markdown text: one line, markup characters escaped, no raw HTML."""
    flat = " ".join(str(value).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def statement(env: Environment, summary: PublicSummary, area: PublicArea) -> str:
    """The plain-language sentence for `area`, from the `statement` macro of `wording.j2`."""
    module = env.get_template("wording.j2").make_module({"summary": summary})
    macro = cast(Any, module).statement  # exported by the template, unknown to mypy
    return " ".join(str(macro(area, summary)).split())


def lint_overrides(templates: Path, config: LintConfig) -> Iterator[tuple[str, str, Hit]]:
    """`(file, linted text, hit)` for the literal wording of every override file (Jinja syntax
    blanked out; for HTML files, their visible text).

    Wording in a branch the current render does not reach is linted too: the next render
    might reach it.
    """
    for path in sorted(templates.rglob("*")):
        if not path.is_file():
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise UsageError("cannot read template", file=str(path), field="--templates") from None
        literal = _JINJA.sub(lambda m: " " * len(m.group(0)), source)
        if ".html" in path.name:
            literal = html_text(literal)
        for hit in lint(literal, config):
            yield str(path), literal, hit
