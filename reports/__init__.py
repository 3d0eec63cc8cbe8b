"""Renderers of runs, discovered through the `hardening.reports` entry-point group.

Each renderer module exposes `FORMAT`, a `Format` naming the `--format` value, the file
extension and a `render(run, color) -> str` function. Renderers get a finished `RunResult` and
nothing else: never the runner, the store or the estate. Third-party packages add formats by
registering their own `FORMAT` in the same group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from hardening.errors import HardeningError
from hardening.model import Finding, RunResult

GROUP = "hardening.reports"


@dataclass(frozen=True)
class Format:
    """An output format the CLI can write."""

    name: str
    """`--format` value."""
    extension: str
    """File extension when written into an output directory."""
    render: Callable[[RunResult, bool], str]
    """`render(run, color)`; `color` is True only when writing to a colour terminal."""


class FormatError(HardeningError):
    """A renderer plugin could not be loaded."""


def available() -> list[str]:
    """Names of every registered format, sorted."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def get(name: str) -> Format:
    """Load the format registered as `name`."""
    for ep in entry_points(group=GROUP, name=name):
        try:
            fmt = ep.load()
        except Exception as exc:  # a broken plugin is reported, not a traceback
            raise FormatError(f"format {name!r} failed to load: {type(exc).__name__}") from exc
        if not isinstance(fmt, Format):
            raise FormatError(f"format {name!r} ({ep.value}) is not a hardening.reports.Format")
        return fmt
    raise FormatError(f"no format {name!r}; available: {', '.join(available())}")


#: Account ids a report shows for a group finding; the JSON report lists every one.
SAMPLE_IDS = 5


def detail_text(f: Finding) -> str:
    """`f.detail`, and for a group finding the first few of its resource ids and how many."""
    if not f.affected:
        return f.detail
    return f"{f.detail} ({affected_sample(f)})"


def affected_sample(f: Finding, limit: int = SAMPLE_IDS) -> str:
    """`data stores: a, b, c, …; all 1,234 in the JSON report` for a group finding."""
    sample = ", ".join(f.affected[:limit])
    more = ", …" if len(f.affected) > limit else ""
    noun = group_noun(f.resource.kind)
    return f"{noun}: {sample}{more}; all {len(f.affected):,} in the JSON report"


_NOUNS = {
    "account": "accounts",
    "credential_store": "credential stores",
    "datastore": "data stores",
    "host": "hosts",
    "identity": "identity providers",
}


def group_noun(kind: str) -> str:
    """What the members of a `<kind>_group` resource are called, plural."""
    member = kind.removesuffix("_group")
    return _NOUNS.get(member, member.replace("_", " ") + "s")
