"""datastore.backup_unencrypted: every backup copy must be encrypted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.backup_unencrypted import BackupUnencrypted
from hardening.estate import Backup, Datastore, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(*backups: Backup, **fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    return Datastore(location=Location("estate.yaml", 20), backups=backups, **fields)


def _run(*stores: Datastore) -> list[Finding]:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=stores)
    return list(BackupUnencrypted().evaluate(CheckContext(estate, date(2026, 11, 25))))


def _judge(store: Datastore) -> Finding:
    [finding] = _run(store)
    return finding


def test_unencrypted_backup_fails_and_names_the_copy() -> None:
    store = _store(
        Backup("offline", encrypted=True),
        Backup("online", encrypted=False),
        id="card-disputes-archive",
        classification="restricted",
    )
    f = _judge(store)
    assert f.status is Status.FAIL
    assert f.severity is Severity.CRITICAL
    assert f.resource.id == "card-disputes-archive"
    assert "backup #2 (online) is not encrypted" in f.detail
    assert f.evidence["unencrypted"] == 1


def test_several_unencrypted_copies_are_all_named() -> None:
    store = _store(
        Backup("offline", encrypted=False),
        Backup("online", encrypted=None),
        Backup("immutable", encrypted=False),
        classification="confidential",
    )
    f = _judge(store)
    assert f.status is Status.FAIL
    assert "backups #1 (offline), #3 (immutable) are not encrypted" in f.detail
    assert "encryption not declared for backup #2 (online)" in f.detail


def test_encrypted_backups_pass() -> None:
    f = _judge(_store(Backup("offline", encrypted=True), Backup("online", encrypted=True)))
    assert f.status is Status.PASS
    assert "all 2" in f.detail


def test_undeclared_encryption_is_skipped() -> None:
    f = _judge(
        _store(Backup("offline", encrypted=True), Backup("online"), classification="internal")
    )
    assert f.status is Status.SKIP
    assert "encryption not declared for backup #2 (online)" in f.detail


def test_stores_without_backups_get_no_finding() -> None:
    assert _run(_store(classification="restricted")) == []


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.CRITICAL),
        ("confidential", Severity.HIGH),
        ("internal", Severity.MEDIUM),
        ("public", Severity.LOW),
        (None, Severity.HIGH),
    ],
)
def test_severity_follows_classification(classification: str | None, severity: Severity) -> None:
    f = _judge(_store(Backup("online", encrypted=False), classification=classification))
    assert f.severity is severity
    assert ("classification not declared; treated as confidential" in f.detail) == (
        classification is None
    )


@pytest.mark.parametrize(
    ("engine", "words"),
    [("postgresql", "repo1-cipher-type"), ("mariadb", "--encrypt=AES256"), ("smb", "restic")],
)
def test_remediation_names_the_engine_tooling(engine: str, words: str) -> None:
    f = _judge(_store(Backup("online", encrypted=False), engine=engine))
    assert f.remediation is not None and words in f.remediation
    assert "LTO" not in f.remediation


def test_unencrypted_tape_gets_the_tape_advice() -> None:
    f = _judge(_store(Backup("offline", encrypted=False), engine="postgresql"))
    assert f.remediation is not None and "LTO drive encryption" in f.remediation
