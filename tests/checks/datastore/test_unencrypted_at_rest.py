"""datastore.unencrypted_at_rest: declared storage encryption, severity by classification."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.unencrypted_at_rest import UnencryptedAtRest
from hardening.estate import Datastore, Encryption, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(at_rest: bool | None, **fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    return Datastore(location=Location("estate.yaml", 7), encryption=Encryption(at_rest), **fields)


def _judge(store: Datastore) -> Finding:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=(store,))
    [finding] = UnencryptedAtRest().evaluate(CheckContext(estate, date(2026, 11, 25)))
    return finding


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
def test_unencrypted_store_fails_with_severity_by_classification(
    classification: str | None, severity: Severity
) -> None:
    f = _judge(_store(False, id="card-disputes-archive", classification=classification))
    assert f.status is Status.FAIL
    assert f.severity is severity
    assert f.resource.id == "card-disputes-archive"
    assert (f.resource.file, f.resource.line) == ("estate.yaml", 7)
    assert "not encrypted at rest" in f.detail
    assert ("classification not declared; treated as confidential" in f.detail) == (
        classification is None
    )


def test_encrypted_store_passes() -> None:
    f = _judge(_store(True, classification="restricted"))
    assert f.status is Status.PASS
    assert f.evidence["at_rest"] is True


def test_undeclared_encryption_is_skipped() -> None:
    f = _judge(_store(None, classification="restricted"))
    assert f.status is Status.SKIP
    assert "not declared" in f.detail and "encryption.at_rest" in f.detail


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"engine": "postgresql", "hosting": "on_prem"}, ("no native", "LUKS2")),
        ({"engine": "postgresql", "hosting": "cloud", "provider": "AWS"}, ("copy-db-snapshot",)),
        ({"engine": "rds"}, ("copy-db-snapshot", "--kms-key-id")),
        ({"engine": "mysql", "hosting": "on_prem"}, ("default_table_encryption=ON",)),
        ({"engine": "s3"}, ("aws:kms", "BucketKeyEnabled")),
        ({"engine": "redis"}, ("encrypted volume", "--at-rest-encryption-enabled")),
        ({"engine": "elasticsearch"}, ("path.data",)),
        ({"engine": "opensearch"}, ("path.data",)),
        ({"engine": "mongodb"}, ("storage.dbPath",)),
    ],
)
def test_remediation_is_specific_to_the_engine(
    fields: dict[str, Any], words: tuple[str, ...]
) -> None:
    f = _judge(_store(False, classification="confidential", **fields))
    assert f.remediation is not None
    for word in words:
        assert word in f.remediation


def test_unknown_engine_has_only_the_general_remediation() -> None:
    f = _judge(_store(False, classification="confidential", engine="smb"))
    assert f.remediation is None
    assert any("LUKS2" in step for step in UnencryptedAtRest.spec.remediation.steps)
