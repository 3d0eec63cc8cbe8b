"""auth.lockout_missing: false fails (high), true passes, undeclared skips."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.lockout_missing as module
from hardening.check import CheckContext
from hardening.checks.auth.lockout_missing import LockoutMissing
from hardening.estate import Estate, IdentityProvider, Location, Organisation, PasswordPolicy
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)


def _estate(*policies: PasswordPolicy | None) -> Estate:
    providers = tuple(
        IdentityProvider(
            id=f"idp-{n}",
            kind="inline",
            location=Location("estate.yaml", 20 + n),
            password_policy=p,
        )
        for n, p in enumerate(policies)
    )
    return Estate(
        path=Path("estate.yaml"), organisation=Organisation("Test CU"), identity=providers
    )


def _run(*policies: PasswordPolicy | None) -> list[Finding]:
    return list(LockoutMissing().evaluate(CheckContext(estate=_estate(*policies), today=TODAY)))


def test_no_lockout_fails_high() -> None:
    (f,) = _run(PasswordPolicy(lockout=False))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert (f.resource.kind, f.resource.id, f.resource.line) == ("identity", "idp-0", 20)
    assert "neither rate limited nor locked out" in f.detail


def test_each_provider_gets_its_own_verdict() -> None:
    findings = _run(PasswordPolicy(lockout=True), PasswordPolicy(min_length=15), None)
    assert [(f.resource.id, f.status) for f in findings] == [
        ("idp-0", Status.PASS),
        ("idp-1", Status.SKIP),
        ("idp-2", Status.SKIP),
    ]
    assert "does not declare whether failed sign-ins" in findings[1].detail
    assert "no password policy is declared" in findings[2].detail


def test_remediation_has_concrete_settings() -> None:
    steps = " ".join(LockoutMissing.spec.remediation.steps)
    assert "bruteForceProtected=true" in steps
    assert any("PCI DSS 4.0 8.3.4" in r for r in LockoutMissing.spec.references)


def test_through_the_engine() -> None:
    run = run_checks(
        _estate(PasswordPolicy(lockout=False)), from_modules([module]), RunOptions(today=TODAY)
    )
    assert [(f.check_id, f.status) for f in run.findings] == [("auth.lockout_missing", Status.FAIL)]
