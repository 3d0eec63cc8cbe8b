"""auth.stale_account: dormant enabled accounts, never-used accounts, privileged ones high."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import hardening.checks.auth.stale_account as module
from hardening.check import CheckContext
from hardening.checks.auth.stale_account import StaleAccount
from hardening.estate import Account, Estate, Location, Organisation, Policy
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _account(
    aid: str,
    *,
    last_login: date | None = None,
    changed: date | None = None,
    roles: tuple[str, ...] = ("staff",),
    enabled: bool = True,
) -> Account:
    return Account(
        id=aid,
        location=Location("accounts.jsonl", 5),
        roles=roles,
        last_login=last_login,
        password_changed=changed,
        enabled=enabled,
    )


def _run(*accounts: Account, policy: Policy | None = None) -> dict[str, Finding]:
    estate = Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU"),
        policy=policy or Policy(),
        accounts=accounts,
    )
    return {f.resource.id: f for f in StaleAccount().evaluate(CheckContext(estate, TODAY))}


def test_dormant_account_fails_medium() -> None:
    f = _run(_account("svc-old", last_login=_ago(100)))["svc-old"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.MEDIUM
    assert (f.resource.kind, f.resource.file, f.resource.line) == ("account", "accounts.jsonl", 5)
    assert "100 days ago" in f.detail and "90-day policy" in f.detail
    assert f.evidence["days_idle"] == 100


def test_dormant_privileged_account_is_high() -> None:
    f = _run(_account("root-ish", last_login=_ago(365), roles=("admin",)))["root-ish"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert "privileged role admin" in f.detail


def test_boundary_and_recent_sign_ins_pass() -> None:
    findings = _run(_account("edge", last_login=_ago(90)), _account("today", last_login=TODAY))
    assert findings["edge"].status is Status.PASS
    assert findings["today"].status is Status.PASS


def test_never_used_account_is_judged_by_its_password_date() -> None:
    findings = _run(
        _account("never", changed=_ago(200)),
        _account("new", changed=_ago(3)),
    )
    assert findings["never"].status is Status.FAIL
    assert "no sign-in is recorded" in findings["never"].detail
    assert findings["new"].status is Status.PASS
    assert "new account" in findings["new"].detail


def test_account_with_no_dates_is_a_skip() -> None:
    f = _run(_account("blank"))["blank"]
    assert f.status is Status.SKIP
    assert "neither a last sign-in nor a password change date" in f.detail


def test_disabled_accounts_are_not_examined() -> None:
    assert _run(_account("off", last_login=_ago(900), enabled=False)) == {}


def test_policy_window_is_honoured() -> None:
    f = _run(_account("u-1", last_login=_ago(40)), policy=Policy(stale_account_days=30))["u-1"]
    assert f.status is Status.FAIL
    assert "30-day policy" in f.detail


def test_through_the_engine() -> None:
    estate = Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU"),
        accounts=(_account("a", last_login=_ago(10)), _account("b", last_login=_ago(400))),
    )
    run = run_checks(estate, from_modules([module]), RunOptions(today=TODAY))
    assert [(f.resource.id, f.status) for f in run.findings] == [
        ("a", Status.PASS),
        ("b", Status.FAIL),
    ]
