"""auth.password_breach_screening_missing: false fails, true passes, undeclared skips."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.password_breach_screening_missing as module
from hardening.check import CheckContext
from hardening.checks.auth.password_breach_screening_missing import (
    PasswordBreachScreeningMissing,
)
from hardening.estate import Estate, IdentityProvider, Location, Organisation, PasswordPolicy
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)


def _estate(policy: PasswordPolicy | None) -> Estate:
    provider = IdentityProvider(
        id="corp-sso", kind="inline", location=Location("estate.yaml", 9), password_policy=policy
    )
    return Estate(
        path=Path("estate.yaml"), organisation=Organisation("Test CU"), identity=(provider,)
    )


def _one(policy: PasswordPolicy | None) -> Finding:
    ctx = CheckContext(estate=_estate(policy), today=TODAY)
    (finding,) = PasswordBreachScreeningMissing().evaluate(ctx)
    return finding


def test_screening_off_fails() -> None:
    f = _one(PasswordPolicy(min_length=15, breach_screening=False))
    assert f.status is Status.FAIL
    assert f.severity is Severity.MEDIUM
    assert (f.resource.kind, f.resource.id, f.resource.line) == ("identity", "corp-sso", 9)
    assert "not screened" in f.detail
    assert f.evidence == {"breach_screening": False}


def test_screening_on_passes() -> None:
    assert _one(PasswordPolicy(breach_screening=True)).status is Status.PASS


def test_undeclared_setting_is_a_skip_with_reason() -> None:
    f = _one(PasswordPolicy(min_length=15))
    assert f.status is Status.SKIP
    assert "does not declare whether breach screening" in f.detail


def test_missing_policy_is_a_skip() -> None:
    f = _one(None)
    assert f.status is Status.SKIP
    assert "no password policy is declared" in f.detail


def test_remediation_names_concrete_mechanisms() -> None:
    steps = " ".join(PasswordBreachScreeningMissing.spec.remediation.steps)
    assert "k-anonymity" in steps
    assert "passwordBlacklist" in steps


def test_through_the_engine() -> None:
    run = run_checks(
        _estate(PasswordPolicy(breach_screening=False)),
        from_modules([module]),
        RunOptions(today=TODAY),
    )
    assert [f.status for f in run.findings] == [Status.FAIL]
