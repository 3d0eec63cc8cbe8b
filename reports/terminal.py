"""The terminal report: what a security engineer reads right after a scan.

It opens with the top of the fix plan (`hardening.plan`): the few actions to take first. It is
built for huge runs. Findings are grouped in a single pass, each failing check lists at
most `max_per_check` resources, and every other list (load errors, errored checks, skip reasons)
is capped the same way, so the output stays a few screens long whatever the estate size; the
JSON report has everything.

Resource ids, details and plugin messages come from estate files and third-party code, so every
such string is stripped of control characters (and bidirectional overrides) before it reaches
the terminal: a hostile account id must not move the cursor, recolour or hide output. Evidence
values are printed only when they are small scalars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hardening.model import (
    CheckOutcome,
    CheckSpec,
    Finding,
    OutcomeState,
    RunResult,
    Scalar,
    Severity,
    Status,
)
from hardening.plan import FixPlan, build_plan
from hardening.reports import Format, affected_sample

__all__ = ["render_terminal"]

_SEVERITY_BY_RANK = tuple(Severity)
_SEVERITY_COLOUR = {
    Severity.CRITICAL: "1;31",
    Severity.HIGH: "31",
    Severity.MEDIUM: "33",
    Severity.LOW: "36",
    Severity.INFO: "2",
}
_TAG_WIDTH = len("[CRITICAL]")
_STEPS_SHOWN = 3
_EVIDENCE_ITEMS = 4
_EVIDENCE_STR_MAX = 40
_DETAIL_MAX = 200
_MESSAGE_MAX = 300
_TITLE_MAX = 120
_FIX_FIRST = 5

# C0/C1 controls and DEL would let data drive the terminal; bidi overrides can reorder what is
# shown. Whitespace controls become a space so multi-line messages stay on one line.
_UNSAFE = {c: "?" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_UNSAFE.update({c: "?" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)})
_UNSAFE.update({ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})


def render_terminal(run: RunResult, *, color: bool = False, max_per_check: int = 10) -> str:
    """The run as a human-readable report; ANSI colour only when `color` is true.

    `max_per_check` caps the resources listed under each failing check (and the entries of every
    other list); the rest is counted as "… and N more". The function does not print.
    """
    if max_per_check < 0:
        raise ValueError("max_per_check must be >= 0")
    paint = _Painter(color)
    tally = _tally(run, max_per_check)
    out: list[str] = []
    _header(out, run, paint)
    _counts(out, run, tally, paint)
    _fix_first(out, build_plan(run), paint)
    _load_errors(out, run, paint, max_per_check)
    _errors(out, run, tally, paint, max_per_check)
    _failures(out, run, tally, paint, max_per_check)
    _waived(out, run, tally, paint, max_per_check)
    _skipped(out, run, tally, paint, max_per_check)
    out.append("")
    out.append(_verdict(run, tally, paint))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- grouping (one pass)


@dataclass(slots=True)
class _FailGroup:
    """The failing findings of one check; only the first `max_per_check` of each kind are kept."""

    check_id: str
    open: int = 0
    """Unwaived failures."""
    resources: int = 0
    """Resources those failures are about (a group finding counts its accounts)."""
    waived: int = 0
    """Waived failures."""
    top: int = -1
    """Highest severity rank among unwaived failures (-1 when none)."""
    by_rank: list[list[Finding]] = field(default_factory=lambda: [[] for _ in Severity])
    """Kept unwaived failures, by severity rank."""
    waived_kept: list[Finding] = field(default_factory=list)
    """Kept waived failures."""


@dataclass(slots=True)
class _Partial:
    """Error or skip findings of one check: how many, and the first few."""

    count: int = 0
    kept: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class _Tally:
    status: dict[Status, int]
    open_by_severity: dict[Severity, int]
    waived: int
    fails: dict[str, _FailGroup]
    errors: dict[str, _Partial]
    skips: dict[str, _Partial]


def _tally(run: RunResult, keep: int) -> _Tally:
    status = dict.fromkeys(Status, 0)
    open_by_severity = dict.fromkeys(reversed(Severity), 0)
    waived = 0
    fails: dict[str, _FailGroup] = {}
    errors: dict[str, _Partial] = {}
    skips: dict[str, _Partial] = {}
    for f in run.findings:
        status[f.status] += 1
        if f.status is Status.FAIL:
            group = fails.get(f.check_id)
            if group is None:
                group = fails[f.check_id] = _FailGroup(f.check_id)
            if f.waiver is None:
                rank = f.severity.rank
                group.open += 1
                group.resources += f.count
                open_by_severity[f.severity] += 1
                group.top = max(group.top, rank)
                if len(group.by_rank[rank]) < keep:
                    group.by_rank[rank].append(f)
            else:
                group.waived += 1
                waived += 1
                if len(group.waived_kept) < keep:
                    group.waived_kept.append(f)
        elif f.status is not Status.PASS:
            partials = errors if f.status is Status.ERROR else skips
            part = partials.get(f.check_id)
            if part is None:
                part = partials[f.check_id] = _Partial()
            part.count += 1
            if len(part.kept) < keep:
                part.kept.append(f)
    return _Tally(status, open_by_severity, waived, fails, errors, skips)


# ------------------------------------------------------------------------------------- sections


def _header(out: list[str], run: RunResult, paint: _Painter) -> None:
    title = f"hardening {_clean(run.tool_version, 40)} — {_clean(run.estate.name, _TITLE_MAX)}"
    out.append(paint.bold(title))
    out.append(f"Run       {_clean(run.id, 80)}")
    took = _duration(run.started_at, run.finished_at)
    out.append(f"Date      {_when(run.started_at)}" + (f" (took {took})" if took else ""))
    if run.estate.path:
        out.append(f"Estate    {_clean(run.estate.path, _MESSAGE_MAX)}")
    discovered, contained = run.estate.incident_discovered, run.estate.incident_contained
    if discovered or contained:
        parts = []
        if discovered:
            parts.append(f"discovered {discovered.isoformat()}")
        if contained:
            parts.append(f"contained {contained.isoformat()}")
        out.append("Incident  " + ", ".join(parts))


def _counts(out: list[str], run: RunResult, tally: _Tally, paint: _Painter) -> None:
    states = dict.fromkeys(OutcomeState, 0)
    for outcome in run.outcomes.values():
        states[outcome.state] += 1
    out.append("")
    out.append(
        f"Checks    {len(run.checks)} selected: "
        + ", ".join(f"{n} {state.value}" for state, n in states.items())
    )
    s = tally.status
    out.append(
        "Findings  "
        + ", ".join(
            [
                paint.colour(f"{s[Status.PASS]} pass", "32", s[Status.PASS] > 0),
                paint.colour(f"{s[Status.FAIL]} fail", "31", s[Status.FAIL] > 0),
                paint.colour(f"{s[Status.ERROR]} error", "1;31", s[Status.ERROR] > 0),
                paint.colour(f"{s[Status.SKIP]} skip", "33", s[Status.SKIP] > 0),
            ]
        )
    )
    failing = ", ".join(
        paint.colour(f"{n} {sev.value}", _SEVERITY_COLOUR[sev], n > 0)
        for sev, n in tally.open_by_severity.items()
    )
    waived = f" (+ {tally.waived} waived)" if tally.waived else ""
    out.append(f"Failing   {failing}{waived}")


def _fix_first(out: list[str], plan: FixPlan, paint: _Painter) -> None:
    if not plan.actions:
        return
    n = len(plan.actions)
    top = plan.top(_FIX_FIRST)
    out.append("")
    shown = f"top {len(top)} of {n}" if n > len(top) else str(n)
    out.append(paint.bold(f"FIX FIRST ({shown} {_noun(n, 'action')})"))
    for action in top:
        marks = []
        if action.internet_exposed:
            marks.append("internet-exposed")
        if action.restricted_data:
            marks.append("sensitive data")
        flags = f" [{', '.join(marks)}]" if marks else ""
        out.append(
            f"  {action.rank}. {paint.severity_tag(action.severity)} "
            f"{_clean(action.title, _TITLE_MAX + 40)}{flags}"
        )
    if n > len(top):
        out.append(
            f"  … and {n - len(top)} more {_noun(n - len(top), 'action')} in the full report"
        )


def _load_errors(out: list[str], run: RunResult, paint: _Painter, cap: int) -> None:
    if not run.load_errors:
        return
    n = len(run.load_errors)
    out.append("")
    out.append(
        paint.colour(
            f"LOAD ERRORS ({n}) — {_plural(n, 'check plugin')} failed to load; "
            "the audit is incomplete",
            "1;31",
        )
    )
    for err in run.load_errors[:cap]:
        out.append(
            f"  {paint.colour('!', '1;31')} {_clean(err.source, _TITLE_MAX)}: "
            f"{_clean(err.message, _MESSAGE_MAX)}"
        )
    _more(out, n - cap, "  ", "load error")


def _errors(out: list[str], run: RunResult, tally: _Tally, paint: _Painter, cap: int) -> None:
    outcomes = run.outcomes
    errored = [cid for cid, o in outcomes.items() if o.state is OutcomeState.ERRORED]
    # Error findings inside checks that otherwise completed are incomplete coverage too.
    errored += [cid for cid in tally.errors if _state(outcomes, cid) is not OutcomeState.ERRORED]
    if not errored:
        return
    out.append("")
    out.append(paint.colour(f"ERRORS ({len(errored)} {_noun(len(errored), 'check')})", "1;31"))
    for cid in errored[:cap]:
        spec = run.checks.get(cid)
        title = f" — {_clean(spec.title, _TITLE_MAX)}" if spec else ""
        out.append(f"  {paint.colour('!', '1;31')} {paint.bold(_clean(cid, 80))}{title}")
        outcome = outcomes.get(cid)
        reason = outcome.reason if outcome else None
        if outcome is not None and outcome.state is OutcomeState.ERRORED:
            out.append(f"      {_clean(reason or 'no reason recorded', _MESSAGE_MAX)}")
        part = tally.errors.get(cid)
        if part is None:
            continue
        # The runner's own error finding repeats the outcome's reason; list only the others.
        shown = [f for f in part.kept if f.detail != reason]
        hidden = part.count - len(part.kept)
        if shown or hidden > 0:
            out.append(f"      {_plural(part.count, 'resource')} could not be evaluated:")
        for f in shown:
            out.append("        " + _resource_line(f, None, paint))
        _more(out, hidden, "        ")
    _more(out, len(errored) - cap, "  ", "errored check")


def _failures(out: list[str], run: RunResult, tally: _Tally, paint: _Painter, cap: int) -> None:
    groups = [g for g in tally.fails.values() if g.open]
    if not groups:
        return
    groups.sort(key=lambda g: (-g.top, -g.open, g.check_id))
    out.append("")
    out.append(paint.bold(f"FAILURES ({len(groups)} {_noun(len(groups), 'check')})"))
    for g in groups:
        top = _SEVERITY_BY_RANK[g.top]
        spec = run.checks.get(g.check_id)
        title = _clean(spec.title, _TITLE_MAX) if spec else "(check not in this run's catalogue)"
        waived = f", {g.waived} waived" if g.waived else ""
        out.append("")
        out.append(
            f"{paint.severity_tag(top)} {paint.bold(_clean(g.check_id, 80))} — {title} "
            f"({_plural(g.resources, 'resource')}{waived})"
        )
        # Most severe first; the buckets already hold at most `cap` findings each.
        kept = [f for rank in range(g.top, -1, -1) for f in g.by_rank[rank]][:cap]
        for f in kept:
            out.append("  " + _resource_line(f, top, paint))
            if f.remediation:
                out.append(f"      fix: {_clean(f.remediation, _MESSAGE_MAX)}")
        _more(out, g.open - len(kept), "  ")
        if spec is not None:
            _remediation(out, spec, paint)


def _remediation(out: list[str], spec: CheckSpec, paint: _Painter) -> None:
    out.append(f"  {paint.colour('Fix:', '32')} {_clean(spec.remediation.text, _MESSAGE_MAX)}")
    steps = spec.remediation.steps
    for step in steps[:_STEPS_SHOWN]:
        out.append(f"    - {_clean(step, _MESSAGE_MAX)}")
    _more(out, len(steps) - _STEPS_SHOWN, "    ", "step")


def _waived(out: list[str], run: RunResult, tally: _Tally, paint: _Painter, cap: int) -> None:
    groups = sorted((g for g in tally.fails.values() if g.waived), key=lambda g: g.check_id)
    if not groups:
        return
    out.append("")
    total = sum(g.waived for g in groups)
    out.append(paint.bold(f"WAIVED ({_plural(total, 'failure')}, accepted risk)"))
    for g in groups[:cap]:
        waiver = g.waived_kept[0].waiver
        assert waiver is not None
        expires = f", expires {waiver.expires.isoformat()}" if waiver.expires else ""
        out.append(
            f"  {_clean(g.check_id, 80)} — {_plural(g.waived, 'resource')} "
            f'(e.g. "{_clean(waiver.reason, _TITLE_MAX)}"{expires})'
        )
    _more(out, len(groups) - cap, "  ", "waived check")


def _skipped(out: list[str], run: RunResult, tally: _Tally, paint: _Painter, cap: int) -> None:
    whole = [
        (cid, o.reason or "no reason recorded")
        for cid, o in run.outcomes.items()
        if o.state is OutcomeState.SKIPPED
    ]
    partial = [
        (cid, part)
        for cid, part in tally.skips.items()
        if _state(run.outcomes, cid) is OutcomeState.COMPLETED
    ]
    if not whole and not partial:
        return
    out.append("")
    out.append(paint.colour(f"SKIPPED ({len(whole)} {_noun(len(whole), 'check')})", "33"))
    if len(whole) <= cap:
        for cid, reason in whole:
            out.append(f"  {_clean(cid, 80)} — {_clean(reason, _MESSAGE_MAX)}")
    else:
        # Many skips usually share a handful of causes (a facet the estate does not declare).
        by_reason: dict[str, list[str]] = {}
        for cid, reason in whole:
            by_reason.setdefault(reason, []).append(cid)
        ranked = sorted(by_reason.items(), key=lambda item: -len(item[1]))
        for reason, cids in ranked[:cap]:
            listed = ", ".join(_clean(c, 80) for c in cids[:3])
            rest = f", … and {len(cids) - 3} more" if len(cids) > 3 else ""
            out.append(
                f"  {_clean(reason, _MESSAGE_MAX)} — {_plural(len(cids), 'check')}: {listed}{rest}"
            )
        _more(out, len(ranked) - cap, "  ", "reason")
    for cid, part in partial[:cap]:
        first = part.kept[0] if part.kept else None
        example = f": {_clean(first.detail, _DETAIL_MAX)}" if first else ""
        out.append(
            f"  {_clean(cid, 80)} — {_plural(part.count, 'resource')} not evaluated{example}"
        )
    _more(out, len(partial) - cap, "  ", "partly evaluated check")


def _verdict(run: RunResult, tally: _Tally, paint: _Painter) -> str:
    failing = [f"{n} {sev.value}" for sev, n in tally.open_by_severity.items() if n]
    text = ", ".join(failing) + " failures" if failing else "no unwaived failures"
    if tally.waived:
        text += f" ({tally.waived} waived)"
    incomplete = []
    n_errored = sum(1 for o in run.outcomes.values() if o.state is OutcomeState.ERRORED)
    n_errored += sum(
        1 for cid in tally.errors if _state(run.outcomes, cid) is not OutcomeState.ERRORED
    )
    if n_errored:
        incomplete.append(f"{_plural(n_errored, 'check')} errored")
    if run.load_errors:
        incomplete.append(f"{_plural(len(run.load_errors), 'plugin')} failed to load")
    if incomplete:
        text = f"INCOMPLETE ({', '.join(incomplete)}); {text}"
    code = "1;31" if incomplete or failing else "1;32"
    return paint.colour(f"Result: {text}", code)


# -------------------------------------------------------------------------------------- helpers


class _Painter:
    """Wraps text in ANSI SGR codes, or leaves it alone when colour is off."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def colour(self, text: str, code: str, when: bool = True) -> str:
        if not (self.enabled and when):
            return text
        return f"\x1b[{code}m{text}\x1b[0m"

    def bold(self, text: str) -> str:
        return self.colour(text, "1")

    def severity_tag(self, severity: Severity) -> str:
        tag = f"[{severity.value.upper()}]".ljust(_TAG_WIDTH)
        return self.colour(tag, _SEVERITY_COLOUR[severity])


def _resource_line(f: Finding, group_severity: Severity | None, paint: _Painter) -> str:
    r = f.resource
    line = f"{_clean(r.kind, 40)} {_clean(r.id, _TITLE_MAX)} — {_clean(f.detail, _DETAIL_MAX)}"
    if r.file and r.line:
        line += f" ({_clean(r.file, _TITLE_MAX)}:{r.line})"
    elif r.file:
        line += f" ({_clean(r.file, _TITLE_MAX)})"
    elif r.line:
        line += f" (line {r.line})"
    evidence = _evidence(f.evidence)
    if evidence:
        line += f" [{evidence}]"
    if f.affected:
        line += f"; {_clean(affected_sample(f), _DETAIL_MAX)}"
    if group_severity is not None and f.severity is not group_severity:
        line += " " + paint.colour(f"({f.severity.value})", _SEVERITY_COLOUR[f.severity])
    return line


def _evidence(evidence: Mapping[str, Scalar]) -> str:
    items = []
    for i, (key, value) in enumerate(evidence.items()):
        if i == _EVIDENCE_ITEMS:
            items.append("…")
            break
        items.append(f"{_clean(str(key), 40)}={_scalar(value)}")
    return ", ".join(items)


def _scalar(value: Scalar) -> str:
    # Only small scalars are shown verbatim; anything else is described, never echoed.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        if len(value) <= _EVIDENCE_STR_MAX and value.isprintable():
            return value
        return f"<{len(value)} chars>"
    return f"<{type(value).__name__}>"


def _clean(text: str, limit: int) -> str:
    """`text` made safe for a terminal and cut to `limit` characters."""
    text = text.translate(_UNSAFE)
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def _more(out: list[str], hidden: int, indent: str, noun: str = "") -> None:
    if hidden > 0:
        out.append(f"{indent}… and {hidden} more{' ' + _noun(hidden, noun) if noun else ''}")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {_noun(n, noun)}"


def _noun(n: int, noun: str) -> str:
    return noun if n == 1 else noun + "s"


def _state(outcomes: Mapping[str, CheckOutcome], check_id: str) -> OutcomeState | None:
    outcome = outcomes.get(check_id)
    return outcome.state if outcome else None


def _when(value: datetime) -> str:
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(start: datetime, end: datetime) -> str:
    try:
        seconds = (end - start).total_seconds()
    except TypeError:  # one naive, one aware: nothing sensible to say
        return ""
    if seconds < 0:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s"


FORMAT = Format("terminal", "txt", lambda run, color: render_terminal(run, color=color))
"""The `terminal` format: the summary an engineer reads after a scan."""
