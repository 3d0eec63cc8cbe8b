"""Run the selected checks against an estate, each in isolation, into a `RunResult`.

Policy lives here, not in the CLI: which facets to collect, when a check is skipped, what a
crash becomes, and which exit code a finished run earns.
"""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import IntEnum
from pathlib import Path

from hardening import __version__
from hardening.bulk import gc_paused
from hardening.check import Check, equal_judgements, group_finding, group_order
from hardening.collectors import build_context, with_store_scans
from hardening.collectors.prefetch import Prefetch
from hardening.context import GROUP_ABOVE, CheckContext
from hardening.estate import Estate, load_estate
from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    OutcomeState,
    ResourceRef,
    RunResult,
    Severity,
    Status,
)
from hardening.registry import Registry

log = logging.getLogger(__name__)

#: Called after each check with (checks done, checks in total, id of the check just run).
Progress = Callable[[int, int, str], None]


class ExitCode(IntEnum):
    """Exit codes of `hardening scan` and friends (DESIGN §6)."""

    OK = 0
    """No unwaived failure at or above the `--fail-on` severity."""
    FINDINGS = 1
    """At least one such failure."""
    BAD_INPUT = 2
    """Bad input or usage."""
    CHECK_ERROR = 3
    """A check errored or a check plugin failed to load: the audit is incomplete."""


@dataclass(frozen=True)
class RunOptions:
    """How to run: which checks, what counts as today, whether to re-raise crashes."""

    include: Sequence[str] = ()
    """`--check` patterns (ids or domains); empty means all."""
    exclude: Sequence[str] = ()
    """`--skip-check` patterns."""
    today: date | None = None
    """The date to audit as of; None means the current UTC date."""
    probe: bool = False
    """Run live probes against declared endpoints."""
    debug: bool = False
    """Re-raise a crashing check instead of recording it."""
    group_above: int = GROUP_ABOVE
    """Accounts one check reports one finding each, per verdict, before grouping them."""
    jobs: int = 1
    """Processes the run may use: above 1, large credential and TOTP stores are read in
    worker processes (`hardening.collectors.prefetch`) when the run loads its estate through
    `load_and_run`."""


def new_run_id(now: datetime) -> str:
    """A run id that sorts by start time: `20261125T200102Z-1a2b3c`."""
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def load_and_run(
    path: str | Path,
    registry: Registry,
    options: RunOptions | None = None,
    progress: Progress | None = None,
) -> tuple[Estate, RunResult]:
    """Load the estate file at `path` and run the selected checks on it; with `options.jobs`
    above 1, the large stores are read in worker processes while the estate loads."""
    options = options or RunOptions()
    with Prefetch(options.jobs, needed_facets(registry, options)) as prefetch:
        estate = load_estate(path, on_stores=prefetch.start)
        return estate, run_checks(estate, registry, options, progress, prefetch=prefetch)


def needed_facets(registry: Registry, options: RunOptions) -> set[str]:
    """The facets the checks `options` selects need or use."""
    selected = registry.select(options.include, options.exclude)
    return {
        facet
        for cid in selected
        for facet in registry.checks[cid].spec.needs | registry.checks[cid].spec.uses
    }


def run_checks(
    estate: Estate,
    registry: Registry,
    options: RunOptions | None = None,
    progress: Progress | None = None,
    *,
    prefetch: Prefetch | None = None,
) -> RunResult:
    """Run the selected checks and return the finished run (taking the store scans that
    `prefetch` read, if any)."""
    options = options or RunOptions()
    started = datetime.now(UTC)
    selected = registry.select(options.include, options.exclude)
    needed = needed_facets(registry, options)
    today = options.today or started.date()
    results: dict[str, tuple[list[Finding], CheckOutcome]] = {}
    # Collectors and checks build many small acyclic objects; the cyclic collector's full passes
    # would walk the whole estate and everything built so far again and again (most of the
    # check time on 100k stores). Nothing here makes reference cycles worth collecting.
    with gc_paused():
        # While workers read the large stores, first run the checks that need none of them.
        waiting = prefetch is not None and prefetch.pending
        ctx = build_context(
            estate, needed, today, probe=options.probe, prefetch=prefetch, stores=not waiting
        )
        if options.group_above != ctx.group_above:
            ctx = replace(ctx, group_above=options.group_above)
        later = [cid for cid in selected if waiting and _reads_stores(registry.checks[cid].spec)]
        for cid in [cid for cid in selected if cid not in later]:
            results[cid] = _run_one(registry.checks[cid](), ctx, debug=options.debug)
            if progress is not None:
                progress(len(results), len(selected), cid)
        if waiting:
            ctx = with_store_scans(ctx, needed, prefetch)
        for cid in later:
            results[cid] = _run_one(registry.checks[cid](), ctx, debug=options.debug)
            if progress is not None:
                progress(len(results), len(selected), cid)
    findings = [f for cid in selected for f in results[cid][0]]
    outcomes = {cid: results[cid][1] for cid in selected}

    incident = estate.organisation.incident
    return RunResult(
        id=new_run_id(started),
        started_at=started,
        finished_at=datetime.now(UTC),
        estate=EstateInfo(
            name=estate.organisation.name,
            path=str(estate.path),
            incident_discovered=incident.discovered if incident else None,
            incident_contained=incident.contained if incident else None,
        ),
        tool_version=__version__,
        checks={cid: registry.checks[cid].spec for cid in selected},
        findings=tuple(findings),
        outcomes=outcomes,
        load_errors=registry.load_errors,
    )


#: Facets read from credential and TOTP stores, which workers may still be reading.
_STORE_FACETS = frozenset({"credential_stores", "totp_stores"})


def _reads_stores(spec: CheckSpec) -> bool:
    return bool((spec.needs | spec.uses) & _STORE_FACETS)


def _run_one(check: Check, ctx: CheckContext, *, debug: bool) -> tuple[list[Finding], CheckOutcome]:
    spec = check.spec
    start = time.perf_counter()

    def elapsed() -> int:
        return round((time.perf_counter() - start) * 1000)

    for facet in sorted(spec.needs):
        if facet in ctx.facet_errors:
            reason = f"needs {facet}: {ctx.facet_errors[facet]}"
            finding = _engine_finding(spec.id, Status.ERROR, spec.severity, facet, reason)
            return [finding], CheckOutcome(spec.id, OutcomeState.ERRORED, elapsed(), reason)
        missing = ctx.missing(facet)
        if missing is not None:
            finding = _engine_finding(spec.id, Status.SKIP, Severity.INFO, facet, missing)
            gaps = _collection_gaps(spec, ctx)
            return [finding, *gaps], CheckOutcome(spec.id, OutcomeState.SKIPPED, elapsed(), missing)

    findings: list[Finding] = _collection_gaps(spec, ctx)
    try:
        findings.extend(check.evaluate(ctx))
    except Exception as exc:
        if debug:
            raise
        where = _crash_site(exc)
        reason = f"check crashed with {type(exc).__name__} at {where}; traceback in the log"
        log.error("check %s crashed", spec.id, exc_info=True)
        findings.append(
            Finding(
                check_id=spec.id,
                status=Status.ERROR,
                severity=spec.severity,
                resource=ResourceRef("check", spec.id),
                detail=reason,
            )
        )
        return findings, CheckOutcome(spec.id, OutcomeState.ERRORED, elapsed(), reason)
    findings = fold_identical(findings, ctx.group_above)
    return findings, CheckOutcome(spec.id, OutcomeState.COMPLETED, elapsed())


def fold_identical(findings: list[Finding], limit: int) -> list[Finding]:
    """`findings` of one check, where more than `limit` of them are identical but for their
    resource (same status, severity, resource kind, detail, evidence and remediation) replaced
    by one group finding that lists every resource id in `affected`.

    Nothing is lost but each member's file and line: the group says what was found, once, and
    which resources it was found on. Single findings keep their order; groups follow, failures
    first. The group's resource is `<kind>_group:<kind>s-<status>-<severity>-<digest>`, the
    digest taken over the shared verdict, so the same verdict keeps its id from run to run.
    """
    limit = max(limit, 0)
    if len(findings) <= limit:
        return findings
    # Findings already standing for a group, and waived ones, are never folded.
    candidates = [f for f in findings if not f.affected and f.waiver is None]
    refs, verdicts = equal_judgements(
        (
            (f.resource, (f.status, f.detail, f.severity, f.remediation, f.evidence))
            for f in candidates
        ),
        Severity.INFO,  # unused: every finding has its severity
    )
    groups = [(judgement, members) for judgement, members in verdicts if len(members) > limit]
    if not groups:
        return findings
    folded = {id(candidates[i]) for _, members in groups for i in members}
    out = [f for f in findings if id(f) not in folded]
    groups.sort(key=lambda g: group_order(g[0][0], g[0][2] or Severity.INFO))
    out.extend(
        group_finding(candidates[0].check_id, judgement, [refs[i] for i in members])
        for judgement, members in groups
    )
    return out


def _collection_gaps(spec: CheckSpec, ctx: CheckContext) -> list[Finding]:
    """One finding per cloud service this check would have judged but that was not fully read.

    Denied or partly read services are `skip` (the check cannot judge what it cannot see);
    a failed collection is `error`, so the run counts as incomplete. Never a pass.
    """
    out = []
    for c in ctx.cloud_collections:
        if c.status == "collected" or not c.facets & spec.needs:
            continue
        failed = c.status == "failed"
        what = {"denied": "access was denied", "partial": "it was only partly read"}
        file, line = c.location or (None, None)
        out.append(
            Finding(
                check_id=spec.id,
                status=Status.ERROR if failed else Status.SKIP,
                severity=spec.severity if failed else Severity.INFO,
                resource=ResourceRef("cloud_service", c.resource_id, file, line),
                detail=f"{c.service} in {c.region} ({c.provider} account {c.account}) was not "
                f"judged: {what.get(c.status, 'collection failed')} ({c.reason})",
                evidence={"service": c.service, "region": c.region, "status": c.status},
            )
        )
    return out


def _engine_finding(
    check_id: str, status: Status, severity: Severity, facet: str, detail: str
) -> Finding:
    return Finding(
        check_id=check_id,
        status=status,
        severity=severity,
        resource=ResourceRef("estate", facet),
        detail=detail,
    )


def _crash_site(exc: BaseException) -> str:
    # The exception's message may quote data it choked on; the place it was raised does not.
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def exit_code(run: RunResult, fail_on: Severity | None = Severity.HIGH) -> ExitCode:
    """The exit code a run earns: 3 if incomplete, 1 on unwaived failures at/above `fail_on`."""
    if run.load_errors or any(f.status is Status.ERROR for f in run.findings):
        return ExitCode.CHECK_ERROR
    if fail_on is None:
        return ExitCode.OK
    for f in run.findings:
        if f.status is Status.FAIL and f.waiver is None and f.severity.rank >= fail_on.rank:
            return ExitCode.FINDINGS
    return ExitCode.OK
