"""datastore.tls_not_required: off and optional fail, severity by data and exposure."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.tls_not_required import TlsNotRequired
from hardening.estate import Datastore, Encryption, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(in_transit: Any, **fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    return Datastore(
        location=Location("estate.yaml", 3), encryption=Encryption(in_transit=in_transit), **fields
    )


def _judge(store: Datastore) -> Finding:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=(store,))
    [finding] = TlsNotRequired().evaluate(CheckContext(estate, date(2026, 11, 25)))
    return finding


def test_tls_off_fails() -> None:
    f = _judge(_store("off", id="session-cache", classification="confidential"))
    assert f.status is Status.FAIL
    assert f.resource.id == "session-cache"
    assert "TLS is off" in f.detail


def test_optional_tls_fails_because_clients_may_connect_in_clear() -> None:
    f = _judge(_store("optional", classification="confidential"))
    assert f.status is Status.FAIL
    assert "clients may still connect in clear" in f.detail


def test_required_tls_passes() -> None:
    f = _judge(_store("required", classification="restricted"))
    assert f.status is Status.PASS
    assert f.evidence["in_transit"] == "required"


def test_undeclared_transport_encryption_is_skipped() -> None:
    f = _judge(_store(None, classification="restricted"))
    assert f.status is Status.SKIP
    assert "encryption.in_transit" in f.detail


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.HIGH),
        ("confidential", Severity.HIGH),
        ("internal", Severity.MEDIUM),
        ("public", Severity.MEDIUM),
        (None, Severity.HIGH),
    ],
)
def test_severity_follows_classification(classification: str | None, severity: Severity) -> None:
    f = _judge(_store("off", classification=classification, zone="app_tier"))
    assert f.severity is severity
    assert ("treated as confidential" in f.detail) == (classification is None)


@pytest.mark.parametrize(
    ("classification", "severity"),
    [("confidential", Severity.CRITICAL), ("internal", Severity.HIGH)],
)
def test_severity_is_raised_when_the_store_is_on_the_internet(
    classification: str, severity: Severity
) -> None:
    f = _judge(_store("optional", classification=classification, internet_exposed=True))
    assert f.severity is severity
    assert "reachable from the internet" in f.detail


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"engine": "postgresql"}, ("hostssl", "ssl = on", "remove the remaining `host` lines")),
        ({"engine": "mysql"}, ("require_secure_transport = ON",)),
        ({"engine": "redis"}, ("tls-port", "port 0", "tls-auth-clients yes")),
        ({"engine": "mongodb"}, ("net.tls.mode: requireTLS",)),
        ({"engine": "elasticsearch"}, ("xpack.security.http.ssl.enabled: true",)),
        ({"engine": "s3"}, ("aws:SecureTransport",)),
        (
            {"engine": "postgresql", "hosting": "cloud", "provider": "aws"},
            ("rds.force_ssl", "hostssl"),
        ),
        ({"engine": "mysql", "hosting": "cloud", "provider": "aws"}, ("parameter group",)),
    ],
)
def test_remediation_is_specific_to_the_engine(
    fields: dict[str, Any], words: tuple[str, ...]
) -> None:
    f = _judge(_store("off", classification="internal", **fields))
    assert f.remediation is not None
    for word in words:
        assert word in f.remediation


def test_unknown_engine_has_only_the_general_remediation() -> None:
    assert _judge(_store("off", classification="internal", engine="smb")).remediation is None
