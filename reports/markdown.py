"""The Markdown report: a run to paste into a ticket or a wiki page.

Sections, in order: the run's metadata, summary counts (by status and by severity), the fix plan
(`hardening.plan`), the findings grouped by check (one table per check), errors and load
errors, and skipped checks with their reasons.

Markdown has no autoescaping, so the Jinja2 environment runs with autoescape off and every value
from the run goes through one of two filters in the template: `cell` for table cells and `md`
for inline text. Both flatten line breaks and control characters to spaces, backslash-escape
the characters that make emphasis, code spans, links, images and table columns (`\\`, `` ` ``,
`*`, `_`, `[`, `]`, `|`, `~`), and write `<`, `>` and `&` as entities so no HTML gets through;
a leading `#`, `>`, `+`, `-`, `=` or list number is escaped too, so data cannot start a heading,
quote or list. A hostile resource id therefore cannot break a table, inject a link or run a
script wherever the Markdown is rendered.

Size stays bounded on huge runs: each check's table lists at most `ROWS_PER_CHECK` findings
(unwaived failures first, most severe first), each plan action names at most
`RESOURCES_PER_ACTION` resources, and every other list is capped at `LIST_MAX`; the rest is
counted ("… and N more") with a pointer to the JSON report, which has everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from hardening.model import (
    CheckSpec,
    Finding,
    OutcomeState,
    ResourceRef,
    RunResult,
    Severity,
    Status,
)
from hardening.plan import Action, build_plan
from hardening.reports import Format, detail_text

__all__ = [
    "CELL_MAX",
    "LIST_MAX",
    "RESOURCES_PER_ACTION",
    "ROWS_PER_CHECK",
    "TEXT_MAX",
    "escape_cell",
    "escape_inline",
    "render_markdown",
]

#: Findings listed in each check's table; the rest are counted.
ROWS_PER_CHECK = 200
#: Resources named under each fix-plan action; the rest are counted.
RESOURCES_PER_ACTION = 20
#: Entries of every other list (plan steps, errors, skips, load errors).
LIST_MAX = 50
#: Longest inline text kept from one value (a remediation step); longer is cut with "…".
TEXT_MAX = 2_000
#: Longest text kept in a table cell.
CELL_MAX = 500

# Backslash first, so the escapes added for the other characters are not escaped again.
_ESCAPES = {
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "|": "\\|",
    "~": "\\~",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
}
_SPECIAL = re.compile("|".join(re.escape(c) for c in _ESCAPES))
# C0/C1 controls, line and paragraph separators and bidi overrides become spaces.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
# What would open a block at the start of a line: a heading, list item, thematic break or
# setext underline (`#`, `+`, `-`, `=`), or an ordered list item ("1." or "1)" then a space).
_BLOCK_START = re.compile(r"^(\s*)([#+=-]|\d{1,9}(?=[.)](?:\s|$)))")

# The order rows appear in a check's table: what needs attention first.
_BUCKETS = len(Severity) + 4
_WAIVED, _ERROR, _SKIP, _PASS = (
    len(Severity),
    len(Severity) + 1,
    len(Severity) + 2,
    len(Severity) + 3,
)


def escape_inline(value: object, limit: int = TEXT_MAX) -> str:
    """`value` as literal Markdown text on one line: no markup, links, HTML or block starts."""
    text = _CONTROLS.sub(" ", str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text)
    match = _BLOCK_START.match(text)
    if match:
        indent, lead = match.groups()
        if lead.isdigit():
            # "1." or "1)" starts an ordered list: escape the punctuation after the number.
            end = match.end()
            text = f"{text[:end]}\\{text[end:]}"
        else:
            text = f"{indent}\\{text[len(indent) :]}"
    return text


def escape_cell(value: object, limit: int = CELL_MAX) -> str:
    """`value` for a table cell: `escape_inline`, and never empty (an empty cell reads as a gap)."""
    return escape_inline(value, limit) or " "


# ----------------------------------------------------------------------------------- view-model


@dataclass(frozen=True, slots=True)
class _Row:
    resource: str
    status: str
    severity: str
    detail: str


@dataclass(slots=True)
class _CheckView:
    id: str
    title: str
    severity: str
    remediation: str
    references: tuple[str, ...]
    state: str
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Status})
    open: int = 0
    waived: int = 0
    top: int = -1
    buckets: list[list[Finding]] = field(default_factory=lambda: [[] for _ in range(_BUCKETS)])
    rows: list[_Row] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True, slots=True)
class _ActionView:
    rank: int
    indent: str
    title: str
    severity: str
    score: str
    flags: tuple[str, ...]
    check_ids: tuple[str, ...]
    remediation: str
    steps: tuple[str, ...]
    more_steps: int
    resources: tuple[str, ...]
    resource_count: int
    more_resources: int


@dataclass(frozen=True, slots=True)
class _Item:
    """One line of the errors or skipped sections."""

    name: str
    text: str


def render_markdown(run: RunResult) -> str:
    """The run as a Markdown document (GitHub-flavoured tables), newline-terminated."""
    checks = _group(run)
    states = dict.fromkeys((s.value for s in OutcomeState), 0)
    for outcome in run.outcomes.values():
        states[outcome.state.value] += 1
    plan = build_plan(run)
    errored, skipped = _errors(run, checks), _skipped(run, checks)
    text = (
        _environment()
        .get_template("report.md.j2")
        .render(
            run=run,
            started=_when(run.started_at),
            finished=_when(run.finished_at),
            states=states,
            status_counts=run.summary(),
            severity_rows=_severity_rows(run),
            plan=[_action_view(a) for a in plan.actions],
            checks=sorted(checks.values(), key=_check_order),
            rows_per_check=ROWS_PER_CHECK,
            errored=errored[:LIST_MAX],
            errored_more=max(len(errored) - LIST_MAX, 0),
            load_errors=run.load_errors[:LIST_MAX],
            load_errors_more=max(len(run.load_errors) - LIST_MAX, 0),
            skipped=skipped[:LIST_MAX],
            skipped_more=max(len(skipped) - LIST_MAX, 0),
        )
    )
    return text.rstrip("\n") + "\n"


@cache
def _environment() -> Environment:
    # Markdown, not HTML: autoescape would write entities Markdown shows verbatim. The `cell`
    # and `md` filters escape instead, and the tests feed hostile values through every field.
    env = Environment(
        loader=PackageLoader("hardening.reports", "templates/markdown"),
        autoescape=False,  # noqa: S701
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = escape_cell
    env.filters["md"] = escape_inline
    return env


def _group(run: RunResult) -> dict[str, _CheckView]:
    """Every check of the run with its counts and its first findings, in one pass."""
    checks: dict[str, _CheckView] = {}
    for cid, spec in run.checks.items():
        checks[cid] = _view(cid, spec, run)
    for f in run.findings:
        view = checks.get(f.check_id)
        if view is None:
            view = checks[f.check_id] = _view(f.check_id, None, run)
        view.counts[f.status.value] += 1
        if f.status is Status.FAIL and f.waiver is None:
            view.open += 1
            rank = f.severity.rank
            view.top = max(view.top, rank)
            bucket = len(Severity) - 1 - rank
        elif f.status is Status.FAIL:
            view.waived += 1
            bucket = _WAIVED
        else:
            bucket = {Status.ERROR: _ERROR, Status.SKIP: _SKIP}.get(f.status, _PASS)
        kept = view.buckets[bucket]
        if len(kept) < ROWS_PER_CHECK:
            kept.append(f)
    for view in checks.values():
        chosen = [f for bucket in view.buckets for f in bucket][:ROWS_PER_CHECK]
        view.rows = [_row(f) for f in chosen]
        view.buckets = []
    return checks


def _view(cid: str, spec: CheckSpec | None, run: RunResult) -> _CheckView:
    outcome = run.outcomes.get(cid)
    state = outcome.state.value if outcome else "not run"
    if spec is None:
        return _CheckView(cid, "(check not in this run's catalogue)", "", "", (), state)
    return _CheckView(
        cid,
        spec.title,
        spec.severity.value,
        spec.remediation.text,
        spec.references[:LIST_MAX],
        state,
    )


def _row(f: Finding) -> _Row:
    status = f.status.value
    if f.waiver is not None:
        expires = f", expires {f.waiver.expires.isoformat()}" if f.waiver.expires else ""
        status = f"{status} (waived: {f.waiver.reason}{expires})"
    # A resource-specific fix is a step of the plan's action; the table keeps to the verdict.
    return _Row(_resource(f.resource), status, f.severity.value, detail_text(f))


def _resource(r: ResourceRef) -> str:
    where = ""
    if r.file:
        where = f" ({r.file}:{r.line})" if r.line else f" ({r.file})"
    return f"{r.kind} {r.id}{where}"


def _check_order(view: _CheckView) -> tuple[int, int, int, str]:
    # Open failures first (most severe, then most resources), then checks that only had
    # errors, skips or passes.
    return (-view.top, -view.open, -view.counts[Status.ERROR.value], view.id)


def _severity_rows(run: RunResult) -> list[tuple[str, int, int]]:
    """(severity, unwaived failures, waived failures), most severe first."""
    open_by = dict.fromkeys(reversed(Severity), 0)
    waived_by = dict.fromkeys(reversed(Severity), 0)
    for f in run.findings:
        if f.status is Status.FAIL:
            (open_by if f.waiver is None else waived_by)[f.severity] += 1
    return [(s.value, open_by[s], waived_by[s]) for s in open_by]


def _action_view(action: Action) -> _ActionView:
    flags = []
    if action.internet_exposed:
        flags.append("internet-exposed")
    if action.restricted_data:
        flags.append("restricted or confidential data")
    return _ActionView(
        rank=action.rank,
        indent=" " * (len(str(action.rank)) + 2),
        title=action.title,
        severity=action.severity.value,
        score=f"{action.score:g}",
        flags=tuple(flags),
        check_ids=action.check_ids,
        remediation=action.remediation,
        steps=action.steps[:LIST_MAX],
        more_steps=max(len(action.steps) - LIST_MAX, 0),
        resources=tuple(_resource(r) for r in action.resources[:RESOURCES_PER_ACTION]),
        resource_count=action.resource_count,
        more_resources=max(len(action.resources) - RESOURCES_PER_ACTION, 0),
    )


def _errors(run: RunResult, checks: Mapping[str, _CheckView]) -> list[_Item]:
    items = [
        _Item(cid, o.reason or "no reason recorded")
        for cid, o in run.outcomes.items()
        if o.state is OutcomeState.ERRORED
    ]
    for view in checks.values():
        n = view.counts[Status.ERROR.value]
        outcome = run.outcomes.get(view.id)
        if n and (outcome is None or outcome.state is not OutcomeState.ERRORED):
            items.append(_Item(view.id, f"{n} resource(s) could not be evaluated (see its table)"))
    return items


def _skipped(run: RunResult, checks: Mapping[str, _CheckView]) -> list[_Item]:
    items = [
        _Item(cid, o.reason or "no reason recorded")
        for cid, o in run.outcomes.items()
        if o.state is OutcomeState.SKIPPED
    ]
    for view in checks.values():
        n = view.counts[Status.SKIP.value]
        outcome = run.outcomes.get(view.id)
        if n and outcome is not None and outcome.state is OutcomeState.COMPLETED:
            items.append(_Item(view.id, f"{n} resource(s) not evaluated (see its table)"))
    return items


def _when(value: datetime) -> str:
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


FORMAT = Format("markdown", "md", lambda run, color: render_markdown(run))
"""The `markdown` format: a report for tickets and wikis."""
