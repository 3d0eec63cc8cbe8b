"""auth.password_rotation_forced: scheduled password expiry fails; none or 0 passes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.password_rotation_forced as module
from hardening.check import CheckContext
from hardening.checks.auth.password_rotation_forced import PasswordRotationForced
from hardening.estate import Estate, IdentityProvider, Location, Organisation, PasswordPolicy
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)


def _estate(policy: PasswordPolicy | None) -> Estate:
    provider = IdentityProvider(
        id="corp-sso", kind="inline", location=Location("estate.yaml", 7), password_policy=policy
    )
    return Estate(
        path=Path("estate.yaml"), organisation=Organisation("Test CU"), identity=(provider,)
    )


def _one(policy: PasswordPolicy | None) -> Finding:
    ctx = CheckContext(estate=_estate(policy), today=TODAY)
    (finding,) = PasswordRotationForced().evaluate(ctx)
    return finding


def test_ninety_day_expiry_fails() -> None:
    f = _one(PasswordPolicy(min_length=15, max_age_days=90))
    assert f.status is Status.FAIL
    assert f.severity is Severity.LOW
    assert (f.resource.kind, f.resource.id, f.resource.line) == ("identity", "corp-sso", 7)
    assert "every 90 days" in f.detail and "NIST SP 800-63B-4" in f.detail
    assert f.evidence == {"max_age_days": 90}


def test_no_expiry_passes() -> None:
    assert _one(PasswordPolicy(max_age_days=0)).status is Status.PASS
    f = _one(PasswordPolicy(min_length=15))  # not declared: the field means no rotation
    assert f.status is Status.PASS
    assert "no periodic password change" in f.detail


def test_missing_policy_is_a_skip() -> None:
    f = _one(None)
    assert f.status is Status.SKIP
    assert "no password policy is declared" in f.detail


def test_remediation_distinguishes_a_one_off_reset_from_rotation() -> None:
    spec = PasswordRotationForced.spec
    assert "one-off reset" in spec.remediation.text
    assert any("forceExpiredPasswordChange" in step for step in spec.remediation.steps)
    assert any("800-63B-4" in r for r in spec.references)


def test_through_the_engine() -> None:
    run = run_checks(
        _estate(PasswordPolicy(max_age_days=60)), from_modules([module]), RunOptions(today=TODAY)
    )
    assert [f.status for f in run.findings] == [Status.FAIL]
