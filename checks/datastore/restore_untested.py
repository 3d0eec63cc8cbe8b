"""`datastore.restore_untested`: no backup of a data store was restore-tested recently."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from datetime import date
from typing import Final

from hardening.check import (
    Check,
    CheckContext,
    CheckSpec,
    Finding,
    Remediation,
    Severity,
    Status,
    register,
)
from hardening.checks.datastore.verdicts import Verdict, judged_stores, verdict
from hardening.estate import Datastore, canonical_engine, judged_classification
from hardening.model import Scalar

#: How to prove a restore worked, per engine.
_ENGINE_FIX: Final[Mapping[str, str]] = {
    "postgresql": (
        "Restore onto a scratch host with no route to production (pgBackRest: "
        "`pgbackrest --stanza=<stanza> --delta restore`; pg_dump: `pg_restore -d <scratch>`), "
        "start it, run `pg_amcheck --all --heapallindexed`, and compare row counts of key tables "
        "with production."
    ),
    "mysql": (
        "Restore onto a scratch host with no route to production (XtraBackup: "
        "`xtrabackup --prepare` then `--copy-back`; mysqldump: load the dump), start it, run "
        "`mysqlcheck --all-databases --check`, and compare row counts of key tables with "
        "production."
    ),
}


@register
class RestoreUntested(Check):
    """What it does
    For every data store that declares backups, fails unless at least one copy has a
    `last_restore_test` no older than the policy's `restore_test_max_age_days` (default 90) as of
    the run date. The detail gives the age in days of the newest test, or says it was never tested.
    A test date after the run date is treated as invalid (a typo or a planned test, not evidence)
    and ignored; if it was the only one, the store fails and the detail says why. Stores without
    backups get no finding (`datastore.no_offline_backup` covers them). Severity is medium, high for
    restricted data; a store without a classification is treated as confidential.

    Why is this bad
    A backup that was never restored is a hope, not a control. Expired keys, missing WAL segments,
    silently failing jobs and undocumented steps are found during the restore, and finding them
    during an incident turns hours of downtime into weeks.

    Example
    `backups: [{kind: offline, last_restore_test: 2025-02-03}]` fails on 2026-11-25 (660 days old
    against a 90-day policy); after a drill, `last_restore_test: 2026-11-20` passes.
    """

    spec = CheckSpec(
        id="datastore.restore_untested",
        title="No backup of a data store has a recent successful restore test",
        severity=Severity.MEDIUM,
        rationale=(
            "Recovery from ransomware or a wiper depends on restores that work under pressure; "
            "only a recent, successful test shows that the copies, keys and runbook are sound."
        ),
        remediation=Remediation(
            "Run a restore drill from the backup you would rely on in an incident (the offline "
            "or immutable copy) and repeat it at least every policy period.",
            steps=(
                "Restore into an isolated environment with no route to production, using only "
                "the runbook and the escrowed keys.",
                "Verify the result: engine consistency checks, row counts or checksums of key "
                "tables against production, and an application smoke test.",
                "Time the drill and compare it with the recovery time objective; fix what "
                "failed and repeat.",
                "Schedule the drill (quarterly at least) and record the date in the estate: "
                "`last_restore_test: <date>` on the backup that was restored.",
            ),
        ),
        references=(
            "CIS Controls v8 11.5",
            "NIST SP 800-53 Rev. 5 CP-4",
            "NIST SP 800-53 Rev. 5 CP-9(1)",
            "NIST CSF 2.0 PR.DS-11",
            "ISO/IEC 27001:2022 A.8.13",
        ),
        public_title="Backups",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(
            ctx,
            judged_stores(
                ctx,
                _facts,
                lambda store, _: _verdict(store, ctx.today, ctx.policy.restore_test_max_age_days),
            ),
        )


def _facts(store: Datastore) -> Hashable | None:
    """Classification, engine (the fix) and the test date of each copy."""
    backups = store.backups
    if not backups:
        return None
    if len(backups) == 1:
        return store.classification, store.engine, (backups[0].last_restore_test,)
    return store.classification, store.engine, tuple([b.last_restore_test for b in backups])


def _verdict(store: Datastore, today: date, max_age: int) -> Verdict:
    tested = [b.last_restore_test for b in store.backups if b.last_restore_test is not None]
    future = sorted(d for d in tested if d > today)
    past = [d for d in tested if d <= today]
    newest = max(past, default=None)
    age = (today - newest).days if newest is not None else None
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "backups": len(store.backups),
        "newest_test_age_days": age,
        "max_age_days": max_age,
        "future_dated_tests": len(future),
    }
    ignored = (
        f"; ignored {len(future)} test date(s) after {today.isoformat()} as invalid"
        if future
        else ""
    )
    if age is not None:
        why = f"newest restore test was {_days(age)} ago (policy: {_days(max_age)}){ignored}"
        if age <= max_age:
            return verdict(Status.PASS, why, evidence)
    elif future:
        why = (
            f"never validly restore-tested: the only test date(s) ({future[0].isoformat()}"
            f"{' ...' if len(future) > 1 else ''}) lie after {today.isoformat()} and are "
            "treated as invalid"
        )
    else:
        why = "never restore-tested (no backup declares last_restore_test)"
    classification, note = judged_classification(store)
    severity = Severity.HIGH if classification == "restricted" else Severity.MEDIUM
    return verdict(
        Status.FAIL,
        f"{why}{note}",
        evidence,
        severity=severity,
        remediation=_ENGINE_FIX.get(canonical_engine(store)),
    )


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
