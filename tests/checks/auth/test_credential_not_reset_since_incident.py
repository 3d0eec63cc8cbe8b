"""auth.credential_not_reset_since_incident: passwords older than the incident's discovery."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.credential_not_reset_since_incident as module
from hardening.check import CheckContext
from hardening.checks.auth.credential_not_reset_since_incident import (
    CredentialNotResetSinceIncident,
)
from hardening.estate import Account, Estate, Incident, Location, Organisation
from hardening.model import Finding, OutcomeState, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)
INCIDENT = Incident(discovered=date(2026, 10, 2), contained=date(2026, 10, 5))


def _account(
    aid: str, changed: date | None, roles: tuple[str, ...] = ("staff",), *, enabled: bool = True
) -> Account:
    return Account(
        id=aid,
        location=Location("estate.yaml", 50),
        roles=roles,
        password_changed=changed,
        enabled=enabled,
    )


def _estate(*accounts: Account, incident: Incident | None = INCIDENT) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU", incident=incident),
        accounts=accounts,
    )


def _run(*accounts: Account) -> dict[str, Finding]:
    ctx = CheckContext(estate=_estate(*accounts), today=TODAY)
    return {f.resource.id: f for f in CredentialNotResetSinceIncident().evaluate(ctx)}


def test_password_older_than_discovery_fails_high() -> None:
    f = _run(_account("u-1", date(2026, 9, 1)))["u-1"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert (f.resource.kind, f.resource.id, f.resource.line) == ("account", "u-1", 50)
    assert "2026-09-01" in f.detail and "2026-10-02" in f.detail
    assert f.evidence["days_before_discovery"] == 31


def test_privileged_account_not_reset_is_critical() -> None:
    f = _run(_account("adm", date(2025, 1, 1), ("admin",)))["adm"]
    assert f.status is Status.FAIL
    assert f.severity is Severity.CRITICAL
    assert "privileged role admin" in f.detail


def test_reset_on_or_after_discovery_passes() -> None:
    findings = _run(_account("same-day", date(2026, 10, 2)), _account("later", date(2026, 11, 1)))
    assert findings["same-day"].status is Status.PASS
    assert findings["later"].status is Status.PASS
    assert "before containment" not in findings["later"].detail


def test_reset_before_containment_passes_with_a_caveat() -> None:
    f = _run(_account("u-1", date(2026, 10, 3)))["u-1"]
    assert f.status is Status.PASS
    assert "before containment on 2026-10-05" in f.detail
    assert f.evidence["before_containment"] is True


def test_unknown_change_date_is_a_skip_never_a_pass() -> None:
    f = _run(_account("u-1", None))["u-1"]
    assert f.status is Status.SKIP
    assert "no password change date recorded" in f.detail


def test_disabled_accounts_are_not_examined() -> None:
    assert _run(_account("off", date(2020, 1, 1), enabled=False)) == {}


def test_remediation_covers_sessions_keys_and_totp() -> None:
    spec = CredentialNotResetSinceIncident.spec
    text = spec.remediation.text + " ".join(spec.remediation.steps)
    for word in ("sessions", "API keys", "TOTP", "change at next sign-in"):
        assert word in text
    assert spec.public_title is None  # would tell an attacker leaked passwords still work


def test_without_an_incident_the_engine_skips_the_check() -> None:
    registry = from_modules([module])
    run = run_checks(
        _estate(_account("u-1", date(2026, 9, 1)), incident=None),
        registry,
        RunOptions(today=TODAY),
    )
    (skip,) = run.findings
    assert skip.status is Status.SKIP and "incident" in skip.detail
    assert run.outcomes[CredentialNotResetSinceIncident.spec.id].state is OutcomeState.SKIPPED
    run = run_checks(_estate(_account("u-1", date(2026, 9, 1))), registry, RunOptions(today=TODAY))
    assert [f.status for f in run.findings] == [Status.FAIL]
