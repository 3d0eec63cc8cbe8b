"""The declarative datastore and placement checks together through the engine."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import hardening.checks.datastore.backup_unencrypted as backup_unencrypted
import hardening.checks.datastore.internet_exposed as internet_exposed
import hardening.checks.datastore.no_offline_backup as no_offline_backup
import hardening.checks.datastore.restore_untested as restore_untested
import hardening.checks.datastore.tls_not_required as tls_not_required
import hardening.checks.datastore.unencrypted_at_rest as unencrypted_at_rest
import hardening.checks.placement.location_unknown as location_unknown
import hardening.checks.placement.region_outside_policy as region_outside_policy
import hardening.checks.placement.restricted_store_online as restricted_store_online
import hardening.checks.placement.sensitive_data_in_cloud as sensitive_data_in_cloud
from hardening.estate import Backup, Datastore, Encryption, Estate, Location, Organisation, Policy
from hardening.model import RunResult, Severity, Status
from hardening.registry import from_modules
from hardening.runner import ExitCode, RunOptions, exit_code, run_checks

TODAY = date(2026, 11, 25)
CANARY = "CANARY-5d1a"
# Passed one by one: walking the packages would also load other engineers' modules.
MODULES = [
    backup_unencrypted,
    internet_exposed,
    no_offline_backup,
    restore_untested,
    tls_not_required,
    unencrypted_at_rest,
    location_unknown,
    region_outside_policy,
    restricted_store_online,
    sensitive_data_in_cloud,
]

STORES = (
    Datastore(
        id="core-banking-db",
        location=Location("estate.yaml", 44),
        engine="postgresql",
        classification="restricted",
        hosting="on_prem",
        # Endpoints may carry credentials (DESIGN §4): nothing of it may reach a finding.
        endpoint=f"postgresql://audit:{CANARY}@10.0.2.15:5432/core",
        internet_exposed=False,
        zone="app_tier",
        encryption=Encryption(at_rest=True, in_transit="required"),
        backups=(
            Backup("offline", encrypted=True, last_restore_test=date(2026, 10, 20)),
            Backup("online", encrypted=True, last_restore_test=date(2026, 11, 10)),
        ),
    ),
    Datastore(
        id="loan-documents",
        location=Location("exports/stores.csv", 2),
        engine="s3",
        classification="confidential",
        hosting="cloud",
        provider="aws",
        region="us-east-1",
        internet_exposed=False,
        encryption=Encryption(at_rest=True, in_transit="required"),
        backups=(Backup("online", encrypted=True),),
    ),
    Datastore(
        id="card-disputes-archive",
        location=Location("exports/stores.csv", 3),
        engine="mysql",
        classification="restricted",
        hosting="on_prem",
        zone="corporate",
        internet_exposed=False,
        encryption=Encryption(at_rest=False, in_transit="optional"),
        backups=(Backup("online", encrypted=False, last_restore_test=date(2025, 2, 3)),),
    ),
    Datastore(
        id="analytics-warehouse",
        location=Location("exports/stores.csv", 4),
        engine="snowflake",
        classification="confidential",
        hosting="saas",
        provider="snowflake",
        region="eu-central-1",
        encryption=Encryption(at_rest=True, in_transit="required"),
        backups=(Backup("immutable", encrypted=True, last_restore_test=date(2026, 9, 30)),),
    ),
    Datastore(
        id="legacy-file-share",
        location=Location("estate.yaml", 120),
        engine="smb",
        encryption=Encryption(at_rest=False),
    ),
)

ESTATE = Estate(
    path=Path("estate.yaml"),
    organisation=Organisation("Test CU"),
    policy=Policy(allowed_regions=("eu-west-1", "eu-central-1")),
    datastores=STORES,
)

P, F, S = Status.PASS, Status.FAIL, Status.SKIP
EXPECTED = {
    ("datastore.internet_exposed", "core-banking-db"): P,
    ("datastore.internet_exposed", "loan-documents"): P,
    ("datastore.internet_exposed", "card-disputes-archive"): P,
    ("datastore.internet_exposed", "analytics-warehouse"): S,
    ("datastore.internet_exposed", "legacy-file-share"): S,
    ("datastore.unencrypted_at_rest", "core-banking-db"): P,
    ("datastore.unencrypted_at_rest", "loan-documents"): P,
    ("datastore.unencrypted_at_rest", "card-disputes-archive"): F,
    ("datastore.unencrypted_at_rest", "analytics-warehouse"): P,
    ("datastore.unencrypted_at_rest", "legacy-file-share"): F,
    ("datastore.tls_not_required", "core-banking-db"): P,
    ("datastore.tls_not_required", "loan-documents"): P,
    ("datastore.tls_not_required", "card-disputes-archive"): F,
    ("datastore.tls_not_required", "analytics-warehouse"): P,
    ("datastore.tls_not_required", "legacy-file-share"): S,
    ("datastore.no_offline_backup", "core-banking-db"): P,
    ("datastore.no_offline_backup", "loan-documents"): F,
    ("datastore.no_offline_backup", "card-disputes-archive"): F,
    ("datastore.no_offline_backup", "analytics-warehouse"): P,
    ("datastore.no_offline_backup", "legacy-file-share"): F,
    ("datastore.backup_unencrypted", "core-banking-db"): P,
    ("datastore.backup_unencrypted", "loan-documents"): P,
    ("datastore.backup_unencrypted", "card-disputes-archive"): F,
    ("datastore.backup_unencrypted", "analytics-warehouse"): P,
    ("datastore.restore_untested", "core-banking-db"): P,
    ("datastore.restore_untested", "loan-documents"): F,
    ("datastore.restore_untested", "card-disputes-archive"): F,
    ("datastore.restore_untested", "analytics-warehouse"): P,
    ("placement.sensitive_data_in_cloud", "core-banking-db"): P,
    ("placement.sensitive_data_in_cloud", "loan-documents"): P,
    ("placement.sensitive_data_in_cloud", "card-disputes-archive"): P,
    ("placement.sensitive_data_in_cloud", "analytics-warehouse"): F,
    ("placement.sensitive_data_in_cloud", "legacy-file-share"): S,
    ("placement.region_outside_policy", "loan-documents"): F,
    ("placement.region_outside_policy", "analytics-warehouse"): P,
    ("placement.restricted_store_online", "core-banking-db"): P,
    ("placement.restricted_store_online", "card-disputes-archive"): F,
    ("placement.location_unknown", "core-banking-db"): P,
    ("placement.location_unknown", "loan-documents"): P,
    ("placement.location_unknown", "card-disputes-archive"): P,
    ("placement.location_unknown", "analytics-warehouse"): P,
    ("placement.location_unknown", "legacy-file-share"): F,
}


def _run(estate: Estate = ESTATE) -> RunResult:
    registry = from_modules(MODULES)
    assert registry.load_errors == ()
    assert len(registry.checks) == 10
    return run_checks(estate, registry, RunOptions(today=TODAY))


def test_every_check_completes_with_the_expected_verdicts() -> None:
    run = _run()
    assert {o.state.value for o in run.outcomes.values()} == {"completed"}
    got = {(f.check_id, f.resource.id): f.status for f in run.findings}
    assert got == EXPECTED
    assert len(run.findings) == len(EXPECTED)  # one finding per store examined, no duplicates
    assert run.summary() == {"pass": 25, "fail": 13, "error": 0, "skip": 4}
    assert exit_code(run) is ExitCode.FINDINGS


def test_severities_follow_classification() -> None:
    by_key = {(f.check_id, f.resource.id): f for f in _run().findings}
    assert by_key[("datastore.unencrypted_at_rest", "card-disputes-archive")].severity is (
        Severity.CRITICAL
    )
    # No classification: treated as confidential, and the detail says so.
    legacy = by_key[("datastore.unencrypted_at_rest", "legacy-file-share")]
    assert legacy.severity is Severity.HIGH
    assert "treated as confidential" in legacy.detail
    assert by_key[("placement.sensitive_data_in_cloud", "analytics-warehouse")].severity is (
        Severity.MEDIUM
    )
    assert by_key[("datastore.restore_untested", "card-disputes-archive")].severity is (
        Severity.HIGH
    )


def test_findings_point_at_the_declaring_file_and_line() -> None:
    declared = {s.id: s.location for s in STORES}
    for f in _run().findings:
        where = declared[f.resource.id]
        assert f.resource.kind == "datastore"
        assert (f.resource.file, f.resource.line) == (where.file, where.line), f


def test_no_endpoint_reaches_any_finding_or_the_report() -> None:
    run = _run()
    for f in run.findings:
        texts = [f.detail, f.remediation or "", *map(str, f.evidence.values())]
        assert not any(CANARY in t for t in texts), f
    assert CANARY not in json.dumps(run.to_dict())


def test_an_estate_without_data_stores_skips_every_check() -> None:
    run = _run(Estate(path=Path("estate.yaml"), organisation=Organisation("Test CU")))
    assert {o.state.value for o in run.outcomes.values()} == {"skipped"}
    assert {f.status for f in run.findings} == {Status.SKIP}
    assert all("no data stores" in f.detail for f in run.findings)
