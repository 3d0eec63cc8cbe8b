"""auth.password_min_length_too_short: NIST 15/8 minimums, the estate policy, MFA coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import hardening.checks.auth.password_min_length_too_short as module
from hardening.check import CheckContext
from hardening.checks.auth.password_min_length_too_short import PasswordMinLengthTooShort
from hardening.estate import (
    Account,
    Estate,
    IdentityProvider,
    Location,
    MfaConfig,
    Organisation,
    PasswordPolicy,
    Policy,
)
from hardening.model import Finding, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)


def _provider(
    min_length: int | None,
    methods: tuple[str, ...] = (),
    *,
    pid: str = "corp-sso",
    kind: str = "inline",
    declared: bool = True,
) -> IdentityProvider:
    return IdentityProvider(
        id=pid,
        kind=kind,  # type: ignore[arg-type]
        location=Location("estate.yaml", 12),
        password_policy=PasswordPolicy(min_length=min_length) if declared else None,
        mfa=MfaConfig(methods=methods) if methods else None,
    )


def _account(
    aid: str,
    mfa: tuple[str, ...] = (),
    *,
    roles: tuple[str, ...] = ("staff",),
    enabled: bool = True,
    identity: str | None = "corp-sso",
) -> Account:
    return Account(
        id=aid,
        location=Location("estate.yaml", 30),
        roles=roles,
        mfa=mfa,
        enabled=enabled,
        identity=identity,
    )


def _estate(
    *providers: IdentityProvider,
    accounts: tuple[Account, ...] | None = None,
    policy: Policy | None = None,
) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU"),
        policy=policy or Policy(),
        identity=providers,
        accounts=accounts,
    )


def _run(estate: Estate) -> list[Finding]:
    return list(PasswordMinLengthTooShort().evaluate(CheckContext(estate=estate, today=TODAY)))


def _one(estate: Estate) -> Finding:
    (finding,) = _run(estate)
    return finding


def test_eight_characters_fail_where_the_password_is_the_only_factor() -> None:
    f = _one(_estate(_provider(8), accounts=(_account("u-1"),)))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert f.resource.kind == "identity" and f.resource.id == "corp-sso"
    assert (f.resource.file, f.resource.line) == ("estate.yaml", 12)
    assert "below the 15 NIST SP 800-63B-4 requires" in f.detail
    assert "offers no second factor" in f.detail
    assert f.remediation is not None and "at least 15" in f.remediation
    assert f.evidence["required_min_length"] == 15
    assert f.evidence["mfa_enforced"] is False


def test_fifteen_characters_pass_single_factor() -> None:
    f = _one(_estate(_provider(15), accounts=(_account("u-1"),)))
    assert f.status is Status.PASS
    assert "meets the 15 required" in f.detail


def test_eight_characters_pass_when_every_account_has_a_second_factor() -> None:
    accounts = (
        _account("u-1", ("totp",), roles=("admin",)),
        _account("u-2", ("webauthn",)),
        _account("u-3", (), enabled=False),  # disabled: cannot sign in, does not count
        _account("u-4", (), identity="other-idp"),  # another provider's account
    )
    f = _one(_estate(_provider(8, ("totp", "webauthn")), accounts=accounts))
    assert f.status is Status.PASS
    assert f.evidence["mfa_enforced"] is True
    assert f.evidence["required_min_length"] == 8
    assert f.evidence["accounts"] == 2
    assert "all 2 enabled account(s)" in f.detail


def test_unprivileged_account_without_mfa_keeps_the_single_factor_minimum() -> None:
    # Only admins must use MFA by policy, but the staff account still signs in with the
    # password alone, so NIST's 15 applies to this provider.
    accounts = (_account("u-1", ("totp",), roles=("admin",)), _account("u-2", ()))
    f = _one(_estate(_provider(8, ("totp",)), accounts=accounts))
    assert f.status is Status.FAIL
    assert "1 of 2 enabled account(s)" in f.detail
    assert f.evidence["accounts_without_mfa"] == 1
    assert f.remediation is not None and "second factor on every account" in f.remediation


def test_mfa_offered_but_no_accounts_attributed_is_treated_as_single_factor() -> None:
    f = _one(
        _estate(_provider(8, ("totp",)), accounts=(_account("u-1", ("totp",), identity=None),))
    )
    assert f.status is Status.FAIL
    assert "cannot be shown" in f.detail
    assert f.evidence["required_min_length"] == 15


def test_enrolled_factors_do_not_count_when_the_provider_offers_none() -> None:
    f = _one(_estate(_provider(8), accounts=(_account("u-1", ("totp",)),)))
    assert f.status is Status.FAIL
    assert "offers no second factor" in f.detail


def test_stricter_estate_policy_is_enforced_and_named() -> None:
    f = _one(_estate(_provider(16), policy=Policy(password_min_length=20)))
    assert f.status is Status.FAIL
    assert "policy.password_min_length" in f.detail
    assert "NIST" not in f.detail  # 16 meets NIST's 15; only the estate's bar is missed
    assert f.evidence["required_min_length"] == 20
    assert _one(_estate(_provider(20), policy=Policy(password_min_length=20))).status is Status.PASS


def test_stricter_estate_policy_with_mfa_is_enforced() -> None:
    accounts = (_account("u-1", ("webauthn",)),)
    policy = Policy(password_min_length_with_mfa=12)
    f = _one(_estate(_provider(10, ("webauthn",)), accounts=accounts, policy=policy))
    assert f.status is Status.FAIL
    assert "policy.password_min_length_with_mfa" in f.detail
    assert (
        _one(_estate(_provider(12, ("webauthn",)), accounts=accounts, policy=policy)).status
        is Status.PASS
    )


def test_laxer_estate_policy_does_not_lower_the_nist_minimum() -> None:
    f = _one(_estate(_provider(12), policy=Policy(password_min_length=12)))
    assert f.status is Status.FAIL
    assert "NIST" in f.detail
    assert f.evidence["required_min_length"] == 15


def test_no_password_policy_is_a_skip() -> None:
    f = _one(_estate(_provider(None, declared=False)))
    assert f.status is Status.SKIP
    assert "no password policy is declared" in f.detail


def test_inline_policy_without_a_minimum_fails() -> None:
    f = _one(_estate(_provider(None)))
    assert f.status is Status.FAIL
    assert "sets no minimum length" in f.detail
    assert f.remediation is not None


def test_exported_provider_without_a_known_minimum_is_a_skip() -> None:
    f = _one(_estate(_provider(None, kind="keycloak_export")))
    assert f.status is Status.SKIP
    assert "keycloak_export" in f.detail


def test_one_finding_per_provider() -> None:
    findings = _run(_estate(_provider(15, pid="a"), _provider(6, pid="b")))
    assert [(f.resource.id, f.status) for f in findings] == [("a", Status.PASS), ("b", Status.FAIL)]


def test_through_the_engine() -> None:
    registry = from_modules([module])
    run = run_checks(_estate(_provider(8)), registry, RunOptions(today=TODAY))
    assert [(f.check_id, f.status) for f in run.findings] == [
        ("auth.password_min_length_too_short", Status.FAIL)
    ]
    empty = Estate(path=Path("estate.yaml"), organisation=Organisation("Test CU"))
    (skip,) = run_checks(empty, registry, RunOptions(today=TODAY)).findings
    assert skip.status is Status.SKIP and "no identity providers" in skip.detail
