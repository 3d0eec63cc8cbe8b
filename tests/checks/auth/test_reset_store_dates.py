"""auth.credential_not_reset_since_incident on credential stores that record change dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.credential_not_reset_since_incident as reset
from hardening.collectors.tally import scan_of
from hardening.estate import CredentialStore, Estate, Incident, Location, Organisation
from hardening.facets import CredentialRecord, CredentialStoreScan
from hardening.model import Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

DISCOVERED = date(2026, 10, 2)


def _store(store_id: str) -> CredentialStore:
    return CredentialStore(
        id=store_id,
        kind="sql",
        location=Location("estate.yaml", 9),
        dsn="sqlite:///x.db",
        table="t",
        id_column="u",
        hash_column="h",
    )


def _record(user: str, changed: date | None, scheme: str = "bcrypt") -> CredentialRecord:
    return CredentialRecord(user, 1, scheme, {"rounds": 12}, True, 7, changed)


def _run(scans: tuple[CredentialStoreScan, ...]) -> dict[str, tuple[Status, str]]:
    stores = tuple(_store(s.store_id) for s in scans)
    estate = Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("T", Incident(discovered=DISCOVERED)),
        credential_stores=stores,
    )
    from hardening.context import CheckContext

    ctx = CheckContext(estate=estate, today=date(2026, 11, 25), credential_scans=scans)
    return {
        f.resource.id: (f.status, f.detail)
        for f in reset.CredentialNotResetSinceIncident().evaluate(ctx)
    }


def test_store_with_old_change_dates_fails_and_counts_them() -> None:
    got = _run(
        (
            scan_of(
                "web",
                "sql",
                (
                    _record("a", date(2026, 1, 1)),
                    _record("b", date(2026, 10, 3)),
                    _record("c", None),
                    _record("d", date(2025, 1, 1), scheme="locked"),
                ),
            ),
        )
    )
    status, detail = got["web"]
    assert status is Status.FAIL
    assert "1 of 3 stored passwords" in detail and "1 more have no change date" in detail


def test_store_reset_everywhere_passes_and_undated_store_is_skipped() -> None:
    got = _run(
        (
            scan_of("fresh", "sql", (_record("a", date(2026, 10, 2)),)),
            scan_of("undated", "htpasswd", (_record("a", None),)),
        )
    )
    assert got["fresh"][0] is Status.PASS
    assert got["undated"][0] is Status.SKIP and "changed_column" in got["undated"][1]


def test_store_dates_are_collected_when_only_this_check_runs(tmp_path: Path) -> None:
    # `uses` makes the runner collect credential stores although the check does not need them.
    shadow = tmp_path / "shadow"
    shadow.write_text("ops:$6$abcdefgh$" + "x" * 86 + ":19000:0:99999:7:::\n")
    store = CredentialStore(
        id="host", kind="shadow", location=Location("estate.yaml", 4), path=shadow
    )
    estate = Estate(
        path=tmp_path / "estate.yaml",
        organisation=Organisation("T", Incident(discovered=DISCOVERED)),
        credential_stores=(store,),
    )
    run = run_checks(estate, from_modules([reset]), RunOptions(today=date(2026, 11, 25)))
    (finding,) = run.findings
    assert finding.resource.id == "host" and finding.status is Status.FAIL
