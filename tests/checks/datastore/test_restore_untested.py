"""datastore.restore_untested: a recent successful restore test per store with backups."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.restore_untested import RestoreUntested
from hardening.estate import Backup, Datastore, Estate, Location, Organisation, Policy
from hardening.model import Finding, Severity, Status

TODAY = date(2026, 11, 25)


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _store(*tests: date | None, **fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    backups = tuple(Backup("offline", encrypted=True, last_restore_test=d) for d in tests)
    return Datastore(location=Location("estate.yaml", 30), backups=backups, **fields)


def _run(*stores: Datastore, policy: Policy | None = None) -> list[Finding]:
    estate = Estate(
        Path("estate.yaml"), Organisation("Test CU"), policy=policy or Policy(), datastores=stores
    )
    return list(RestoreUntested().evaluate(CheckContext(estate, TODAY)))


def _judge(store: Datastore, policy: Policy | None = None) -> Finding:
    [finding] = _run(store, policy=policy)
    return finding


def test_old_restore_test_fails_with_its_age() -> None:
    f = _judge(_store(date(2025, 2, 3), id="card-disputes-archive", classification="internal"))
    assert f.status is Status.FAIL
    assert f.severity is Severity.MEDIUM
    assert f.resource.id == "card-disputes-archive"
    assert "660 days ago" in f.detail and "policy: 90 days" in f.detail
    assert f.evidence["newest_test_age_days"] == 660


def test_recent_restore_test_passes() -> None:
    f = _judge(_store(_ago(15)))
    assert f.status is Status.PASS
    assert "15 days ago" in f.detail


@pytest.mark.parametrize(("age", "status"), [(90, Status.PASS), (91, Status.FAIL)])
def test_policy_limit_is_inclusive(age: int, status: Status) -> None:
    assert _judge(_store(_ago(age))).status is status


def test_the_newest_test_of_any_copy_counts() -> None:
    f = _judge(_store(_ago(400), None, _ago(30)))
    assert f.status is Status.PASS
    assert f.evidence["newest_test_age_days"] == 30


def test_custom_policy_age_applies() -> None:
    f = _judge(_store(_ago(40)), policy=Policy(restore_test_max_age_days=30))
    assert f.status is Status.FAIL
    assert "40 days ago (policy: 30 days)" in f.detail


def test_never_tested_fails() -> None:
    f = _judge(_store(None, None))
    assert f.status is Status.FAIL
    assert "never restore-tested" in f.detail
    assert f.evidence["newest_test_age_days"] is None


def test_a_future_test_date_is_invalid() -> None:
    f = _judge(_store(date(2027, 1, 3)))
    assert f.status is Status.FAIL
    assert "2027-01-03" in f.detail and "treated as invalid" in f.detail
    assert f.evidence["future_dated_tests"] == 1


def test_a_future_test_date_does_not_hide_a_valid_recent_one() -> None:
    f = _judge(_store(date(2027, 1, 3), _ago(10)))
    assert f.status is Status.PASS
    assert "ignored 1 test date(s)" in f.detail


def test_a_future_date_next_to_an_old_one_still_fails_on_the_old_one() -> None:
    f = _judge(_store(date(2027, 1, 3), _ago(200)))
    assert f.status is Status.FAIL
    assert "200 days ago" in f.detail and "ignored 1 test date(s)" in f.detail


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.HIGH),
        ("confidential", Severity.MEDIUM),
        ("public", Severity.MEDIUM),
        (None, Severity.MEDIUM),
    ],
)
def test_severity_is_high_only_for_restricted(
    classification: str | None, severity: Severity
) -> None:
    f = _judge(_store(None, classification=classification))
    assert f.severity is severity
    assert ("treated as confidential" in f.detail) == (classification is None)


def test_stores_without_backups_get_no_finding() -> None:
    assert _run(_store()) == []


def test_remediation_names_the_engine_checks() -> None:
    f = _judge(_store(None, engine="postgres"))
    assert f.remediation is not None and "pg_amcheck" in f.remediation
