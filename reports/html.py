"""The HTML report: one self-contained page an engineer can open offline and hand to others.

The page is built for huge runs. Its static part (header, counts, the fix plan, one collapsed
`<details>` per check with its remediation and the first few findings) stays small whatever the
number of findings, and is useful without JavaScript. Every finding is embedded once as compact
JSON in a `<script type="application/json">` block; a small vanilla script renders a check's
table only when its `<details>` is opened, 100 rows a page, and filters and sorts in memory.
At 100,000 findings the DOM holds the summary plus at most one page of rows per opened check.

Resource ids, details, messages and even check metadata come from estate files and third-party
plugins, so everything from the run goes through Jinja2's autoescaping, and the JSON block goes
through `|tojson`, which escapes `<`, `>`, `&` and `'` so no value can close the block. The
script builds rows with `textContent`, never `innerHTML`. The page loads nothing: a
Content-Security-Policy with `default-src 'none'` allows only our own inline style and script,
by their SHA-256 hashes computed at render time.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

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

__all__ = ["PAGE_SIZE", "render_html"]

#: Rows per page of a check's findings table in the browser.
PAGE_SIZE = 100
#: Findings of each check rendered statically (for readers without JavaScript).
_STATIC_ROWS = 10
#: Resources of a plan action listed before the rest is folded away.
_RESOURCES_SHOWN = 20
#: Resources of a plan action listed at all; the rest are counted (the findings have them all).
_RESOURCES_MAX = 500
#: Plan actions (by rank) whose steps are shown unfolded.
_STEPS_OPEN = 5
#: Error and skip findings listed in their sections; the rest are counted.
_LIST_MAX = 50

_TEMPLATE_DIR = ("templates", "html")
# The table order: what needs attention first.
_STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.SKIP, Status.PASS)
_STATUS_INDEX = {s: i for i, s in enumerate(_STATUS_ORDER)}


@dataclass(frozen=True, slots=True)
class _Row:
    """One finding as shown in a static table."""

    status: str
    severity: str
    kind: str
    id: str
    detail: str
    location: str
    waiver: str


@dataclass(slots=True)
class _CheckView:
    """A check with its findings counted, for the findings section."""

    id: str
    title: str
    severity: str
    domain: str
    rationale: str
    remediation: str
    steps: tuple[str, ...]
    references: tuple[str, ...]
    state: str
    reason: str
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Status})
    waived: int = 0
    top_open: int = -1
    """Highest severity rank among unwaived failures (-1 when none)."""
    total: int = 0
    sample: list[_Row] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _ActionView:
    """A fix-plan action with its resource list cut to size."""

    action: Action
    shown: tuple[ResourceRef, ...]
    folded: tuple[ResourceRef, ...]
    more: int


@dataclass(frozen=True, slots=True)
class _Listed:
    """A capped list of error or skip findings."""

    rows: list[tuple[str, _Row]]
    more: int


def render_html(run: RunResult) -> str:
    """The run as one self-contained HTML page (UTF-8 text, newline-terminated)."""
    env = _environment()
    css, js = _asset("report.css"), _asset("report.js")
    checks, rows, file_names = _group(run)
    errored = [o for o in run.outcomes.values() if o.state is OutcomeState.ERRORED]
    skipped = [o for o in run.outcomes.values() if o.state is OutcomeState.SKIPPED]
    data = {
        "status": [s.value for s in _STATUS_ORDER],
        "severity": [s.value for s in Severity],
        "files": file_names,
        "pageSize": PAGE_SIZE,
        "rows": rows,
    }
    page = env.get_template("report.html.j2").render(
        run=run,
        when=_when,
        duration=_duration(run.started_at, run.finished_at),
        status_counts=run.summary(),
        waived=sum(c.waived for c in checks),
        open_by_severity=_open_by_severity(run),
        domains=_domains(checks),
        plan=[_action_view(a) for a in build_plan(run).actions],
        checks=checks,
        errored=errored,
        skipped=skipped,
        error_findings=_listed(run.findings, Status.ERROR),
        skip_findings=_listed(run.findings, Status.SKIP),
        statuses=[s.value for s in _STATUS_ORDER],
        severities=[s.value for s in reversed(Severity)],
        data=data,
        static_rows=_STATIC_ROWS,
        steps_open=_STEPS_OPEN,
        # Our own stylesheet and script, read from package files (never from the run), are the
        # only unescaped text in the page; the CSP below admits exactly these two by hash.
        css=Markup(css),  # noqa: S704 - package file, not data
        js=Markup(js),  # noqa: S704 - package file, not data
        csp=_csp(css, js),
    )
    return page if page.endswith("\n") else page + "\n"


FORMAT = Format("html", "html", lambda run, color: render_html(run))
"""The `html` format: a self-contained page with the plan, counts, filters and every finding."""


# --------------------------------------------------------------------------- environment & assets


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hardening.reports", "/".join(_TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Compact JSON: at 100k findings every byte of separator counts several hundred kB.
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "separators": (",", ":")}
    return env


@cache
def _asset(name: str) -> str:
    text = files("hardening.reports").joinpath(*_TEMPLATE_DIR, name).read_text(encoding="utf-8")
    # These are inlined raw; a closing tag inside would end the element early.
    if "</" in text:
        raise ValueError(f"{name} must not contain '</'")
    return text


def _csp(css: str, js: str) -> str:
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(css)}'; "
        f"script-src '{_sha256(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


# --------------------------------------------------------------------------- view-model


def _group(run: RunResult) -> tuple[list[_CheckView], dict[str, list[list[Any]]], list[str]]:
    """Count findings per check and build the compact rows the script reads.

    A row is `[status, severity, kind, id, detail, file, line, waiver]` with status and
    severity as indexes into the lists in the data block, `file` an index into `files` (-1 when
    unknown), `line` 0 when unknown and `waiver` the waiver reason or "".
    """
    views = {cid: _check_view(cid, spec, run) for cid, spec in run.checks.items()}
    by_check: dict[str, list[Finding]] = {}
    for f in run.findings:
        view = views.get(f.check_id)
        if view is None:  # a finding of a check missing from run.checks: still shown
            view = views[f.check_id] = _check_view(f.check_id, None, run)
        view.counts[f.status.value] += 1
        view.total += 1
        if f.status is Status.FAIL:
            if f.waiver is None:
                view.top_open = max(view.top_open, f.severity.rank)
            else:
                view.waived += 1
        by_check.setdefault(f.check_id, []).append(f)

    file_index: dict[str, int] = {}
    rows: dict[str, list[list[Any]]] = {}
    for cid, found in by_check.items():
        found.sort(key=_row_order)
        view = views[cid]
        view.sample = [_row(f) for f in found[:_STATIC_ROWS]]
        rows[cid] = [_compact(f, file_index) for f in found]
    ordered = sorted(
        views.values(),
        key=lambda v: (-v.top_open, -v.counts["fail"], -v.counts["error"], v.id),
    )
    return ordered, rows, list(file_index)


def _check_view(check_id: str, spec: CheckSpec | None, run: RunResult) -> _CheckView:
    outcome = run.outcomes.get(check_id)
    state = outcome.state.value if outcome else "completed"
    reason = (outcome.reason or "") if outcome else ""
    if spec is None:
        return _CheckView(
            id=check_id,
            title=check_id,
            severity=Severity.INFO.value,
            domain=check_id.split(".", 1)[0],
            rationale="",
            remediation="",
            steps=(),
            references=(),
            state=state,
            reason=reason,
        )
    return _CheckView(
        id=spec.id,
        title=spec.title,
        severity=spec.severity.value,
        domain=spec.domain,
        rationale=spec.rationale,
        remediation=spec.remediation.text,
        steps=spec.remediation.steps,
        references=spec.references,
        state=state,
        reason=reason,
    )


def _row_order(f: Finding) -> tuple[int, int, int, str, str]:
    return (
        _STATUS_INDEX[f.status],
        f.waiver is not None,
        -f.severity.rank,
        f.resource.kind,
        f.resource.id,
    )


def _location(ref: ResourceRef) -> str:
    if not ref.file:
        return ""
    return f"{ref.file}:{ref.line}" if ref.line else ref.file


def _row(f: Finding) -> _Row:
    return _Row(
        status=f.status.value,
        severity=f.severity.value,
        kind=f.resource.kind,
        id=f.resource.id,
        detail=detail_text(f),
        location=_location(f.resource),
        waiver=f.waiver.reason if f.waiver else "",
    )


def _compact(f: Finding, file_index: dict[str, int]) -> list[Any]:
    ref = f.resource
    fi = -1
    if ref.file:
        fi = file_index.setdefault(ref.file, len(file_index))
    return [
        _STATUS_INDEX[f.status],
        f.severity.rank,
        ref.kind,
        ref.id,
        detail_text(f),
        fi,
        ref.line or 0,
        f.waiver.reason if f.waiver else "",
    ]


def _open_by_severity(run: RunResult) -> dict[str, int]:
    counts = {s.value: 0 for s in reversed(Severity)}
    for f in run.findings:
        if f.status is Status.FAIL and f.waiver is None:
            counts[f.severity.value] += 1
    return counts


def _domains(checks: Iterable[_CheckView]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for view in checks:
        into = out.setdefault(view.domain, {s.value: 0 for s in _STATUS_ORDER})
        for status, n in view.counts.items():
            into[status] += n
    return dict(sorted(out.items()))


def _action_view(action: Action) -> _ActionView:
    resources = action.resources
    listed = resources[:_RESOURCES_MAX]
    return _ActionView(
        action=action,
        shown=listed[:_RESOURCES_SHOWN],
        folded=listed[_RESOURCES_SHOWN:],
        more=len(resources) - len(listed),
    )


def _listed(findings: Sequence[Finding], status: Status) -> _Listed:
    rows: list[tuple[str, _Row]] = []
    count = 0
    for f in findings:
        if f.status is status:
            count += 1
            if len(rows) < _LIST_MAX:
                rows.append((f.check_id, _row(f)))
    return _Listed(rows, count - len(rows))


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(start: datetime, end: datetime) -> str:
    seconds = (end - start).total_seconds()
    if seconds < 0:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s"
