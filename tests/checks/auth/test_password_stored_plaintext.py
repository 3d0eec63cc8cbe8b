"""auth.password_stored_plaintext: readable passwords, and passwordless shadow entries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import credential_build as build

from hardening.check import CheckContext
from hardening.checks.auth.password_stored_plaintext import PasswordStoredPlaintext
from hardening.collectors.credentials import scan_credential_store
from hardening.estate import Estate
from hardening.model import Finding, Severity, Status

TODAY = date(2026, 11, 25)


def _one(estate: Estate) -> Finding:
    scans = tuple(scan_credential_store(s) for s in estate.credential_stores or ())
    ctx = CheckContext(estate=estate, today=TODAY, credential_scans=scans)
    findings = list(PasswordStoredPlaintext().evaluate(ctx))
    text = repr(findings) + repr(scans)
    for secret in build.secrets_written():
        assert secret not in text
    assert len(findings) == 1
    return findings[0]


def test_plaintext_in_a_table_is_critical(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    finding = _one(build.estate((build.sql_store(db),)))
    assert finding.status is Status.FAIL and finding.severity is Severity.CRITICAL
    assert finding.detail.startswith("1 of 14 accounts stores its password in plaintext.")
    # the SSO-only NULL row is mentioned, not failed
    assert "1 account with no stored password (empty or NULL)" in finding.detail
    assert finding.evidence["sample_accounts"] == "ivy"
    assert "argon2" in (finding.remediation or "")


def test_shadow_plaintext_and_passwordless_entry(tmp_path: Path) -> None:
    shadow = build.write_shadow(tmp_path / "shadow")
    finding = _one(build.estate((build.file_store(shadow, "shadow", "bastion"),)))
    assert finding.status is Status.FAIL and finding.severity is Severity.CRITICAL
    assert "1 shadow entry with an empty password field (passwordless login)" in finding.detail
    assert finding.evidence["sample_accounts"] == "frank;guest"
    assert "usermod -p" in (finding.remediation or "")
    assert "nullok" in (finding.remediation or "")


def test_passwordless_shadow_entry_alone_is_high(tmp_path: Path) -> None:
    h = build.hashes()
    path = tmp_path / "shadow"
    path.write_text(
        f"root:{build.YESCRYPT}:20300:0:99999:7:::\n"
        "guest::20300:0:99999:7:::\n"
        f"alice:{h['sha512_crypt']}:20350:0:99999:7:::\n",
        encoding="utf-8",
    )
    finding = _one(build.estate((build.file_store(path, "shadow", "bastion"),)))
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH
    assert finding.evidence["sample_accounts"] == "guest"


def test_htpasswd_plaintext(tmp_path: Path) -> None:
    path = build.write_htpasswd(tmp_path / "htpasswd")
    finding = _one(build.estate((build.file_store(path, "htpasswd", "intranet"),)))
    assert finding.status is Status.FAIL
    assert "htpasswd -B" in (finding.remediation or "")
    assert "1 row could not be read (see evidence)" in finding.detail


def test_hashed_store_passes_and_unknown_values_are_not_plaintext(tmp_path: Path) -> None:
    h = build.hashes()
    rows = [
        ("ada", h["argon2id_strong"], None),
        ("bo", "$zz$opaque$value", None),
        ("cy", None, None),
    ]
    db = build.write_sqlite(tmp_path / "users.db", rows)
    finding = _one(build.estate((build.sql_store(db),)))
    assert finding.status is Status.PASS
    assert "None of the 3 stored values is plaintext." in finding.detail
    assert "1 value in no recognised format was not counted" in finding.detail
