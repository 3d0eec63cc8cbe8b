"""Child process for tests/test_store.py: builds large runs and saves them into a store.

Usage: python writer.py DB MODE FINDINGS

MODE `loop`: save a run with FINDINGS findings, then keep saving more (same size) until killed.
    Prints `SAVING n` before and `SAVED n` after each save.
MODE `pause`: save one run, but stop half-way through writing its findings rows (inside the
    save's transaction), print `MID-WRITE` and sleep until killed.
MODE `time`: save one run and print the seconds `save` took.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
)
from hardening.store import SQLiteStore

STATUSES = (Status.PASS, Status.FAIL, Status.FAIL, Status.ERROR, Status.SKIP)
SEVERITIES = tuple(Severity)


def big_run(run_id: str, n: int, started: datetime) -> RunResult:
    checks = {
        f"auth.check_{i}": CheckSpec(
            id=f"auth.check_{i}",
            title=f"Check {i}",
            severity=SEVERITIES[i % 5],
            rationale="why",
            remediation=Remediation("fix it", ("step 1",)),
        )
        for i in range(10)
    }
    ids = list(checks)
    findings = tuple(
        Finding(
            check_id=ids[i % 10],
            status=STATUSES[i % 5],
            severity=SEVERITIES[i % 5],
            resource=ResourceRef("account", f"u-{i:07d}"),
            detail=f"account u-{i:07d} has a weak hash",
            evidence={"scheme": "md5_crypt", "rounds": i},
        )
        for i in range(n)
    )
    outcomes = {c: CheckOutcome(c, OutcomeState.COMPLETED, 3) for c in ids}
    return RunResult(
        id=run_id,
        started_at=started,
        finished_at=started + timedelta(seconds=5),
        estate=EstateInfo("Big Estate"),
        tool_version="0.1.0",
        checks=checks,
        findings=findings,
        outcomes=outcomes,
    )


def main() -> None:
    db, mode, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    base = datetime(2030, 1, 1, tzinfo=UTC)
    run = big_run("child-0000", n, base)
    store = SQLiteStore(db)
    if mode == "time":
        t0 = time.perf_counter()
        store.save(run)
        print(f"{time.perf_counter() - t0:.3f}", flush=True)
        return
    if mode == "pause":
        # The trace callback sees every statement the store runs, one per findings row inside
        # `executemany`: stop half-way through them, inside the save's transaction.
        rows = 0

        def trace(sql: str) -> None:
            nonlocal rows
            if sql.startswith("INSERT INTO findings"):
                rows += 1
                if rows == n // 2:
                    print("MID-WRITE", flush=True)
                    time.sleep(60)

        conn = store._conn
        assert conn is not None
        # A small page cache makes the transaction spill uncommitted pages into the WAL, which
        # readers and the next opener must then ignore.
        conn.execute("PRAGMA cache_size=-1024")
        conn.set_trace_callback(trace)
        store.save(run)
        return
    k = 0
    while True:
        print(f"SAVING {k}", flush=True)
        store.save(dataclasses.replace(run, id=f"child-{k:04d}", started_at=base + timedelta(k)))
        print(f"SAVED {k}", flush=True)
        k += 1


if __name__ == "__main__":
    main()
