"""The declarative auth checks together through the engine, on one mixed estate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import hardening.checks.auth.credential_not_reset_since_incident as credential_not_reset
import hardening.checks.auth.lockout_missing as lockout_missing
import hardening.checks.auth.mfa_not_enforced as mfa_not_enforced
import hardening.checks.auth.mfa_weak_factor as mfa_weak_factor
import hardening.checks.auth.password_breach_screening_missing as breach_screening
import hardening.checks.auth.password_min_length_too_short as min_length
import hardening.checks.auth.password_rotation_forced as rotation
import hardening.checks.auth.stale_account as stale_account
from hardening.estate import (
    Account,
    Estate,
    IdentityProvider,
    Incident,
    Location,
    MfaConfig,
    Organisation,
    PasswordPolicy,
    Policy,
)
from hardening.model import RunResult, Severity, Status
from hardening.registry import from_modules
from hardening.runner import ExitCode, RunOptions, exit_code, run_checks

TODAY = date(2026, 11, 25)
CANARY = "CANARY-7f3e"
MODULES = [
    credential_not_reset,
    lockout_missing,
    mfa_not_enforced,
    mfa_weak_factor,
    breach_screening,
    min_length,
    rotation,
    stale_account,
]

PROVIDERS = (
    IdentityProvider(
        id="corp-sso",
        kind="inline",
        location=Location("estate.yaml", 10),
        password_policy=PasswordPolicy(
            min_length=8, max_age_days=90, breach_screening=False, lockout=True
        ),
        mfa=MfaConfig(methods=("totp", "sms")),
    ),
    IdentityProvider(
        id="partner-idp",
        kind="inline",
        location=Location("estate.yaml", 20),
        # Paths may carry secrets (DESIGN §4): nothing of it may reach a finding.
        path=Path(f"exports/{CANARY}/realm.json"),
        password_policy=PasswordPolicy(min_length=15, max_age_days=0, breach_screening=True),
    ),
    IdentityProvider(id="legacy", kind="inline", location=Location("estate.yaml", 30)),
)


def _account(aid: str, line: int, **fields: object) -> Account:
    return Account(id=aid, location=Location("accounts.csv", line), **fields)  # type: ignore[arg-type]


ACCOUNTS = (
    _account(
        "u-admin",
        2,
        roles=("admin",),
        mfa=("sms",),
        identity="corp-sso",
        password_changed=date(2026, 9, 1),
        last_login=date(2026, 11, 20),
    ),
    _account(
        "u-staff",
        3,
        roles=("staff",),
        identity="corp-sso",
        password_changed=date(2026, 10, 10),
        last_login=date(2026, 11, 1),
    ),
    _account("u-old", 4, roles=("staff",), mfa=("totp",), last_login=date(2026, 1, 1)),
    _account("u-off", 5, roles=("admin",), enabled=False, password_changed=date(2020, 1, 1)),
    _account("u-cust", 6, roles=("customer",)),
)

ESTATE = Estate(
    path=Path("estate.yaml"),
    organisation=Organisation(
        "Test CU", incident=Incident(discovered=date(2026, 10, 2), contained=date(2026, 10, 5))
    ),
    policy=Policy(mfa_required_roles=("admin", "staff")),
    identity=PROVIDERS,
    accounts=ACCOUNTS,
)

P, F, S = Status.PASS, Status.FAIL, Status.SKIP
EXPECTED = {
    ("auth.password_min_length_too_short", "corp-sso"): F,  # staff sign in without MFA
    ("auth.password_min_length_too_short", "partner-idp"): P,
    ("auth.password_min_length_too_short", "legacy"): S,
    ("auth.password_rotation_forced", "corp-sso"): F,
    ("auth.password_rotation_forced", "partner-idp"): P,
    ("auth.password_rotation_forced", "legacy"): S,
    ("auth.password_breach_screening_missing", "corp-sso"): F,
    ("auth.password_breach_screening_missing", "partner-idp"): P,
    ("auth.password_breach_screening_missing", "legacy"): S,
    ("auth.lockout_missing", "corp-sso"): P,
    ("auth.lockout_missing", "partner-idp"): S,  # not declared
    ("auth.lockout_missing", "legacy"): S,
    ("auth.mfa_not_enforced", "u-admin"): P,
    ("auth.mfa_not_enforced", "u-staff"): F,
    ("auth.mfa_not_enforced", "u-old"): P,
    ("auth.mfa_weak_factor", "u-admin"): F,
    ("auth.mfa_weak_factor", "u-old"): P,
    ("auth.stale_account", "u-admin"): P,
    ("auth.stale_account", "u-staff"): P,
    ("auth.stale_account", "u-old"): F,
    ("auth.stale_account", "u-cust"): S,
    ("auth.credential_not_reset_since_incident", "u-admin"): F,
    ("auth.credential_not_reset_since_incident", "u-staff"): P,
    ("auth.credential_not_reset_since_incident", "u-old"): S,
    ("auth.credential_not_reset_since_incident", "u-cust"): S,
}


def _run() -> RunResult:
    registry = from_modules(MODULES)
    assert registry.load_errors == ()
    assert len(registry.checks) == 8
    return run_checks(ESTATE, registry, RunOptions(today=TODAY))


def test_every_check_completes_with_the_expected_verdicts() -> None:
    run = _run()
    assert {o.state.value for o in run.outcomes.values()} == {"completed"}
    got = {(f.check_id, f.resource.id): f.status for f in run.findings}
    assert got == EXPECTED
    assert len(run.findings) == len(EXPECTED)  # one finding per resource, no duplicates
    assert run.summary() == {"pass": 10, "fail": 7, "error": 0, "skip": 8}
    assert exit_code(run) is ExitCode.FINDINGS


def test_severities_follow_context() -> None:
    by_key = {(f.check_id, f.resource.id): f for f in _run().findings}
    assert by_key[("auth.credential_not_reset_since_incident", "u-admin")].severity is (
        Severity.CRITICAL
    )
    assert by_key[("auth.mfa_not_enforced", "u-staff")].severity is Severity.HIGH
    assert by_key[("auth.stale_account", "u-old")].severity is Severity.HIGH  # staff is privileged
    assert by_key[("auth.password_rotation_forced", "corp-sso")].severity is Severity.LOW


def test_findings_point_at_the_declaring_line() -> None:
    declared = {p.id: p.location for p in PROVIDERS} | {a.id: a.location for a in ACCOUNTS}
    for f in _run().findings:
        where = declared[f.resource.id]
        assert (f.resource.file, f.resource.line) == (where.file, where.line), f
        assert f.resource.kind == ("identity" if f.check_id in _PROVIDER_CHECKS else "account")


_PROVIDER_CHECKS = {
    "auth.password_min_length_too_short",
    "auth.password_rotation_forced",
    "auth.password_breach_screening_missing",
    "auth.lockout_missing",
}


def test_no_export_path_reaches_any_finding_or_the_report() -> None:
    run = _run()
    for f in run.findings:
        texts = [f.detail, f.remediation or "", *map(str, f.evidence.values())]
        assert not any(CANARY in t for t in texts), f
    assert CANARY not in json.dumps(run.to_dict())
