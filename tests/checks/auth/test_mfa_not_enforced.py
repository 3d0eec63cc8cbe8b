"""auth.mfa_not_enforced: privileged accounts without a second factor; admins are critical."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.mfa_not_enforced as module
from hardening.check import CheckContext
from hardening.checks.auth.mfa_not_enforced import MfaNotEnforced, privileged_roles
from hardening.estate import Account, Estate, Location, Organisation, Policy
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)
STAFF_POLICY = Policy(mfa_required_roles=("admin", "staff"))


def _account(
    aid: str, roles: tuple[str, ...], mfa: tuple[str, ...] = (), *, enabled: bool = True
) -> Account:
    return Account(
        id=aid, location=Location("people.csv", 3), roles=roles, mfa=mfa, enabled=enabled
    )


def _estate(*accounts: Account, policy: Policy | None = None) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU"),
        policy=policy or STAFF_POLICY,
        accounts=accounts,
    )


def _run(*accounts: Account, policy: Policy | None = None) -> dict[str, Finding]:
    ctx = CheckContext(estate=_estate(*accounts, policy=policy), today=TODAY)
    return {f.resource.id: f for f in MfaNotEnforced().evaluate(ctx)}


def test_admin_without_mfa_is_critical() -> None:
    f = _run(_account("u-1001", ("admin",)))["u-1001"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.CRITICAL
    assert (f.resource.kind, f.resource.file, f.resource.line) == ("account", "people.csv", 3)
    assert "password alone" in f.detail and "administrative" in f.detail


def test_staff_without_mfa_is_high_and_with_mfa_passes() -> None:
    findings = _run(_account("u-1", ("staff",)), _account("u-2", ("staff",), ("totp",)))
    assert findings["u-1"].status is Status.FAIL
    assert findings["u-1"].severity is Severity.HIGH
    assert "policy requires MFA for role staff" in findings["u-1"].detail
    assert findings["u-2"].status is Status.PASS
    assert "totp" in findings["u-2"].detail


def test_disabled_and_unprivileged_accounts_are_not_examined() -> None:
    findings = _run(_account("gone", ("admin",), enabled=False), _account("cust", ("customer",)))
    assert findings == {}


def test_role_names_compare_case_insensitively() -> None:
    f = _run(_account("u-1", ("Staff",)))["u-1"]
    assert f.status is Status.FAIL


def test_admin_role_the_policy_forgot_still_requires_mfa() -> None:
    policy = Policy(mfa_required_roles=("staff",))
    f = _run(_account("u-1", ("db-admin",)), policy=policy)["u-1"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.CRITICAL
    assert "CIS Controls v8 6.5" in f.detail


def test_privileged_roles_helper() -> None:
    account = _account("u-1", ("Admin", "staff", "reader", "sysadmin"))
    assert privileged_roles(account, Policy(mfa_required_roles=("staff",))) == (
        "Admin",
        "staff",
        "sysadmin",
    )
    assert privileged_roles(_account("u-2", ("reader",)), Policy()) == ()


def test_remediation_warns_about_enrolment_by_the_attacker() -> None:
    steps = " ".join(MfaNotEnforced.spec.remediation.steps)
    assert "verified channel" in steps
    assert "aws:MultiFactorAuthPresent" in steps


def test_through_the_engine_needs_accounts() -> None:
    registry = from_modules([module])
    run = run_checks(_estate(_account("u-1", ("admin",))), registry, RunOptions(today=TODAY))
    assert [(f.status, f.severity) for f in run.findings] == [(Status.FAIL, Severity.CRITICAL)]
    empty = Estate(path=Path("estate.yaml"), organisation=Organisation("Test CU"))
    (skip,) = run_checks(empty, registry, RunOptions(today=TODAY)).findings
    assert skip.status is Status.SKIP and "no accounts" in skip.detail
