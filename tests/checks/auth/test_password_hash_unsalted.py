"""auth.password_hash_unsalted: unsalted digests and hashes shared between accounts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import credential_build as build
from passlib import hash as ph  # type: ignore[import-untyped]

from hardening.check import CheckContext
from hardening.checks.auth.password_hash_unsalted import PasswordHashUnsalted
from hardening.collectors.credentials import scan_credential_store
from hardening.estate import Estate
from hardening.model import Finding, Severity, Status

TODAY = date(2026, 11, 25)


def _one(estate: Estate) -> Finding:
    scans = tuple(scan_credential_store(s) for s in estate.credential_stores or ())
    ctx = CheckContext(estate=estate, today=TODAY, credential_scans=scans)
    findings = list(PasswordHashUnsalted().evaluate(ctx))
    text = repr(findings)
    for secret in build.secrets_written():
        assert secret not in text
    assert len(findings) == 1
    return findings[0]


def test_unsalted_and_shared_digests_fail_critical_after_incident(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    finding = _one(build.estate((build.sql_store(db),)))
    assert finding.status is Status.FAIL
    assert finding.severity is Severity.CRITICAL
    assert finding.resource.id == "web-users"
    assert "3 of 14 accounts use unsalted digests (32-hex unsalted digest: 3)" in finding.detail
    assert "1 group of identical stored hashes covers 2 accounts" in finding.detail
    assert "2 rows could not be read (see evidence)" in finding.detail
    assert finding.evidence["unsalted_accounts"] == 3
    assert finding.evidence["identical_hash_groups"] == 1
    assert finding.evidence["sample_accounts"] == "gus;hal;max"
    assert "reset" in (finding.remediation or "").lower()


def test_without_incident_it_is_high(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    finding = _one(build.estate((build.sql_store(db),), incident=False))
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH


def test_shared_salted_hash_in_shadow_fails_high(tmp_path: Path) -> None:
    shadow = build.write_shadow(tmp_path / "shadow")
    finding = _one(build.estate((build.file_store(shadow, "shadow", "bastion"),)))
    assert finding.status is Status.FAIL
    assert finding.severity is Severity.HIGH  # salted: a copied hash, not a table attack
    assert finding.evidence["unsalted_accounts"] == 0
    assert finding.evidence["sample_accounts"] == "svc-backup;svc-deploy"
    assert "provisioning" not in finding.detail
    assert "hash copied between accounts" in (finding.remediation or "")


def test_ldap_sha1_in_htpasswd(tmp_path: Path) -> None:
    path = build.write_htpasswd(tmp_path / "htpasswd")
    finding = _one(build.estate((build.file_store(path, "htpasswd", "intranet"),)))
    assert finding.status is Status.FAIL
    assert "1 of 6 accounts uses an unsalted digest (ldap_sha1: 1)" in finding.detail


def test_salted_distinct_hashes_pass(tmp_path: Path) -> None:
    h = build.hashes()
    rows = [
        ("ada", h["argon2id_strong"], None),
        ("bo", h["bcrypt12"], None),
        # the same password twice, but salted: different stored values, no finding
        ("cy", ph.bcrypt.using(rounds=10).hash("Welcome2026"), None),
        ("di", ph.bcrypt.using(rounds=10).hash("Welcome2026"), None),
        ("ed", build.CANARY, None),  # plaintext is auth.password_stored_plaintext's business
        ("fi", build.CANARY, None),
    ]
    db = build.write_sqlite(tmp_path / "users.db", rows)
    finding = _one(build.estate((build.sql_store(db),)))
    assert finding.status is Status.PASS
    assert finding.detail == "All 4 stored hashes are salted and distinct."
