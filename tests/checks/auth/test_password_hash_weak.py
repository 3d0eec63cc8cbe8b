"""auth.password_hash_weak on real stores: schemes, cost floors, OWASP argon2id table, fixes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import credential_build as build
import pytest
from passlib import hash as ph  # type: ignore[import-untyped]
from passlib.context import CryptContext  # type: ignore[import-untyped]

from hardening.check import CheckContext
from hardening.checks.auth.password_hash_weak import PasswordHashWeak, meets_owasp_argon2id
from hardening.collectors.credentials import scan_credential_store
from hardening.collectors.tally import scan_of
from hardening.estate import Estate, Policy
from hardening.facets import CredentialRecord, CredentialStoreScan
from hardening.model import Finding, Severity, Status

TODAY = date(2026, 11, 25)


def _run(estate: Estate, scans: tuple[CredentialStoreScan, ...] | None = None) -> list[Finding]:
    if scans is None:
        scans = tuple(scan_credential_store(s) for s in estate.credential_stores or ())
    ctx = CheckContext(estate=estate, today=TODAY, credential_scans=scans)
    findings = list(PasswordHashWeak().evaluate(ctx))
    text = repr(findings) + repr(scans)
    for secret in build.secrets_written():
        assert secret not in text
    return findings


def _one(estate: Estate, scans: tuple[CredentialStoreScan, ...] | None = None) -> Finding:
    findings = _run(estate, scans)
    assert len(findings) == 1
    return findings[0]


def _web(tmp_path: Path, rows: Sequence[tuple[object, object, object]] | None = None) -> Estate:
    db = build.write_sqlite(tmp_path / "users.db", rows)
    estate: Estate = build.estate((build.sql_store(db),))
    return estate


def test_mixed_web_table_fails_critical_with_counts_and_sample(tmp_path: Path) -> None:
    finding = _one(_web(tmp_path))
    assert finding.status is Status.FAIL
    assert finding.severity is Severity.CRITICAL  # unsalted MD5 digests after an incident
    assert finding.resource.kind == "credential_store" and finding.resource.id == "web-users"
    assert (finding.resource.file, finding.resource.line) == ("estate.yaml", 10)
    assert finding.detail.startswith("3 of 14 accounts use 32-hex unsalted digest;")
    for part in (
        "1 uses bcrypt cost 8 (below 10)",
        "1 uses argon2id m=4 MiB, t=1 (below every OWASP setting)",
        "1 uses pbkdf2_sha256 29,000 iterations (below 600,000)",
        "1 uses argon2i (OWASP recommends argon2id)",
        "2 rows could not be read (see evidence)",
        "1 plaintext value is reported by auth.password_stored_plaintext",
    ):
        assert part in finding.detail
    assert finding.evidence["weak_accounts"] == 7
    assert finding.evidence["accounts"] == 14
    assert finding.evidence["sample_accounts"] == "cleo;eve;fay;gus;hal"
    assert finding.evidence["unreadable_rows"] == "12;13"
    assert "hex_md5=3" in str(finding.evidence["schemes"])


def test_remediation_is_a_working_crypt_context_for_the_store(tmp_path: Path) -> None:
    finding = _one(_web(tmp_path))
    assert finding.remediation is not None
    m = re.search(r"`(CryptContext\(.*?\))`", finding.remediation)
    assert m is not None, finding.remediation
    ctx = eval(m.group(1), {"CryptContext": CryptContext})
    h = build.hashes()
    # Everything weak is upgraded at the next sign-in ...
    for name in ("bcrypt8", "argon2id_weak", "pbkdf2_sha256_low", "hex_md5", "argon2i"):
        assert ctx.identify(h[name]) is not None, name
        assert ctx.needs_update(h[name]), name
    # ... and nothing good is rehashed (not even into weaker argon2 settings).
    for name in ("bcrypt12", "django_pbkdf2"):
        assert not ctx.needs_update(h[name]), name
    assert ctx.handler().name == "argon2"
    # fast, crackable schemes are reset, not left to rehash-on-login
    assert "Reset now" in finding.remediation and "32-hex unsalted digest" in finding.remediation
    assert "nthash" in finding.remediation
    assert "yescrypt" in finding.remediation  # passlib cannot verify it: say so


def test_good_argon2_settings_already_in_use_are_kept(tmp_path: Path) -> None:
    h = build.hashes()
    rows = [("ada", h["argon2id_strong"], None), ("bo", h["md5_crypt"], None)]
    finding = _one(_web(tmp_path, rows))
    assert "argon2__memory_cost=65536" in (finding.remediation or "")
    assert "argon2__time_cost=3" in (finding.remediation or "")


def test_fixed_table_passes(tmp_path: Path) -> None:
    h = build.hashes()
    rows = [
        ("ada", h["argon2id_strong"], "2026-10-10"),
        ("ben", h["argon2id_owasp"], "2026-10-10"),
        ("dan", h["bcrypt12"], "2026-10-10"),
        ("kim", h["django_pbkdf2"], "2026-10-10"),
        ("ned", build.YESCRYPT, "2026-10-10"),
        ("pat", h["pbkdf2_sha256_ok"], "2026-10-10"),
        ("sso", None, None),
    ]
    finding = _one(_web(tmp_path, rows))
    assert finding.status is Status.PASS
    assert "All 6 stored hashes use allowed schemes" in finding.detail
    assert finding.remediation is None


def test_without_incident_broken_schemes_are_high(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    estate = build.estate((build.sql_store(db),), incident=False)
    finding = _one(estate)
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH
    assert "if the store was ever copied" in (finding.remediation or "")


def test_policy_floors_and_allowed_schemes_are_the_estates(tmp_path: Path) -> None:
    h = build.hashes()
    db = build.write_sqlite(tmp_path / "users.db", [("dan", h["bcrypt12"], None)])
    estate = build.estate((build.sql_store(db),))
    assert _one(estate).status is Status.PASS
    strict = dataclasses.replace(estate, policy=Policy(bcrypt_min_cost=13))
    finding = _one(strict)
    assert finding.status is Status.FAIL and "bcrypt cost 12 (below 13)" in finding.detail
    no_bcrypt = dataclasses.replace(estate, policy=Policy(hash_schemes_allowed=("argon2id",)))
    finding = _one(no_bcrypt)
    assert finding.status is Status.FAIL and "1 of 1 accounts uses bcrypt" in finding.detail
    # argon2id in the policy allows argon2 hashes (variants are judged separately)
    assert 'CryptContext(schemes=["argon2", "bcrypt"]' in (finding.remediation or "")


def test_argon2d_is_high_and_argon2i_alone_is_medium(tmp_path: Path) -> None:
    h = build.hashes()
    finding = _one(_web(tmp_path, [("a", h["argon2d"], None)]))
    assert finding.status is Status.FAIL and finding.severity is Severity.HIGH
    assert "argon2d" in finding.detail
    finding = _one(_web(tmp_path / "2", [("a", h["argon2i"], None)]))
    assert finding.status is Status.FAIL and finding.severity is Severity.MEDIUM
    assert "argon2i (OWASP recommends argon2id)" in finding.detail


@pytest.mark.parametrize(
    ("memory", "time_cost", "ok"),
    [
        (47104, 1, True),
        (47103, 1, False),
        (19456, 2, True),
        (19455, 2, False),
        (12288, 3, True),
        (12288, 2, False),
        (9216, 4, True),
        (7168, 5, True),
        (7168, 4, False),
        (65536, 1, True),
        (4096, 10, False),
    ],
)
def test_owasp_argon2id_equivalent_settings(memory: int, time_cost: int, ok: bool) -> None:
    assert meets_owasp_argon2id(memory, time_cost) is ok


def test_shadow_notes_locked_weak_hashes_and_fixes_with_pam(tmp_path: Path) -> None:
    shadow = build.write_shadow(tmp_path / "etc" / "shadow")
    estate = build.estate((build.file_store(shadow, "shadow", "bastion"),))
    finding = _one(estate)
    assert finding.status is Status.FAIL and finding.severity is Severity.CRITICAL
    assert "md5_crypt" in finding.detail and "des_crypt" in finding.detail
    # sha512_crypt at glibc's default 5,000 rounds passes; the 1,000-round entry does not.
    assert finding.evidence["weak_groups"] == (
        "md5_crypt: 1; des_crypt: 1; sha512_crypt 1,000 rounds (below 5,000): 1"
    )
    assert finding.evidence["sample_accounts"] == "bob;dave;oldfmt"
    assert "1 locked account keeps a weak hash behind the lock" in finding.detail
    assert finding.evidence["locked_with_weak_hash"] == 1
    assert "passwd --expire" in (finding.remediation or "")
    assert "CryptContext" not in (finding.remediation or "")


def test_htpasswd_fix_is_htpasswd_bcrypt(tmp_path: Path) -> None:
    path = build.write_htpasswd(tmp_path / ".htpasswd")
    estate = build.estate((build.file_store(path, "htpasswd", "intranet"),))
    finding = _one(estate)
    assert finding.status is Status.FAIL
    assert "htpasswd -B -C 12" in (finding.remediation or "")
    assert finding.evidence["sample_accounts"] == "alice;bob;dave"


def test_unusable_store_is_skipped_with_its_reason() -> None:
    store = build.sql_store(Path("x"), store_id="my-users", dsn="mysql://u:p@h/db")
    estate = build.estate((store,))
    finding = _one(estate)
    assert finding.status is Status.SKIP
    assert "my-users" in finding.detail and "not supported" in finding.detail


def test_store_without_hashes_is_skipped(tmp_path: Path) -> None:
    finding = _one(_web(tmp_path, [("a", build.CANARY, None), ("b", None, None)]))
    assert finding.status is Status.SKIP
    assert "No stored hashes to judge" in finding.detail


def test_partly_read_store_without_weak_hashes_is_skipped_not_passed() -> None:
    record = CredentialRecord("a", 1, "bcrypt", {"ident": "2b", "rounds": 12}, True, 7)
    scan = scan_of(
        "web-users",
        "sql",
        (record,),
        ("store web-users: reading stopped after row 1 (DatabaseError)",),
    )
    estate = build.estate((build.sql_store(Path("x")),))
    finding = _one(estate, (scan,))
    assert finding.status is Status.SKIP and "read only in part" in finding.detail


def test_unrecognised_values_fail_medium() -> None:
    record = CredentialRecord("a", 1, "unknown", {}, None, 7)
    scan = scan_of("web-users", "sql", (record,))
    finding = _one(build.estate((build.sql_store(Path("x")),)), (scan,))
    assert finding.status is Status.FAIL and finding.severity is Severity.MEDIUM
    assert "unrecognised format" in finding.detail


def test_sha512_crypt_rounds_floor(tmp_path: Path) -> None:
    h = build.hashes()
    rows = [
        ("a", h["sha512_crypt_low"], None),
        ("b", ph.sha512_crypt.using(rounds=5000).hash("x"), None),
    ]
    finding = _one(_web(tmp_path, rows))
    assert finding.status is Status.FAIL
    assert finding.detail.startswith("1 of 2 accounts uses sha512_crypt 1,000 rounds (below 5,000)")
