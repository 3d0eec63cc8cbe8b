"""auth.mfa_weak_factor: privileged accounts whose only factors are SMS, voice or email."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.mfa_weak_factor as module
from hardening.check import CheckContext
from hardening.checks.auth.mfa_weak_factor import MfaWeakFactor
from hardening.estate import Account, Estate, Location, Organisation, Policy
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)


def _account(
    aid: str, mfa: tuple[str, ...], roles: tuple[str, ...] = ("admin",), *, enabled: bool = True
) -> Account:
    return Account(
        id=aid, location=Location("estate.yaml", 40), roles=roles, mfa=mfa, enabled=enabled
    )


def _estate(*accounts: Account) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU"),
        policy=Policy(mfa_required_roles=("admin", "finance")),
        accounts=accounts,
    )


def _run(*accounts: Account) -> dict[str, Finding]:
    ctx = CheckContext(estate=_estate(*accounts), today=TODAY)
    return {f.resource.id: f for f in MfaWeakFactor().evaluate(ctx)}


def test_sms_only_fails_medium() -> None:
    f = _run(_account("u-1", ("sms",)))["u-1"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.MEDIUM
    assert (f.resource.kind, f.resource.id, f.resource.line) == ("account", "u-1", 40)
    assert "only second factor is sms" in f.detail
    assert "SIM swap" in f.detail


def test_any_mix_of_phishable_factors_fails() -> None:
    f = _run(_account("u-1", ("SMS", "email", "voice"), roles=("finance",)))["u-1"]
    assert f.status is Status.FAIL
    assert "email, sms, voice" in f.detail


def test_device_factor_passes() -> None:
    f = _run(_account("u-1", ("totp",)))["u-1"]
    assert f.status is Status.PASS
    assert "an app or token factor (totp)" in f.detail
    assert f.evidence["weak_fallback"] is False


def test_phishing_resistant_factor_passes_but_flags_an_sms_fallback() -> None:
    f = _run(_account("u-1", ("WebAuthn", "sms")))["u-1"]
    assert f.status is Status.PASS
    assert "phishing-resistant" in f.detail
    assert "fallback" in f.detail
    assert f.evidence["weak_fallback"] is True


def test_unrecognised_factor_is_a_skip_not_a_guess() -> None:
    f = _run(_account("u-1", ("carrier-pigeon", "sms")))["u-1"]
    assert f.status is Status.SKIP
    assert "carrier_pigeon" in f.detail


def test_out_of_scope_accounts_are_not_examined() -> None:
    findings = _run(
        _account("none", ()),  # no MFA at all: auth.mfa_not_enforced reports it
        _account("off", ("sms",), enabled=False),
        _account("cust", ("sms",), roles=("customer",)),
    )
    assert findings == {}


def test_through_the_engine() -> None:
    run = run_checks(
        _estate(_account("u-1", ("voice",)), _account("u-2", ("push",))),
        from_modules([module]),
        RunOptions(today=TODAY),
    )
    assert [(f.resource.id, f.status) for f in run.findings] == [
        ("u-1", Status.FAIL),
        ("u-2", Status.PASS),
    ]
