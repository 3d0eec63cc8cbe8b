"""Keycloak realm export collector: policy, MFA, accounts and password hashes from a real-format
export, through the collector, the context and the engine; secretData never leaves."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date
from pathlib import Path

import pytest

import hardening.checks.auth.credential_not_reset_since_incident as not_reset
import hardening.checks.auth.lockout_missing as lockout
import hardening.checks.auth.mfa_not_enforced as mfa_not_enforced
import hardening.checks.auth.password_breach_screening_missing as breach
import hardening.checks.auth.password_hash_unsalted as unsalted
import hardening.checks.auth.password_hash_weak as weak
import hardening.checks.auth.password_min_length_too_short as min_length
import hardening.checks.auth.password_rotation_forced as rotation
import hardening.checks.auth.totp_window_too_wide as totp_window
from hardening.collectors import build_context
from hardening.collectors.keycloak import parse_password_policy, read_realm_export
from hardening.context import CheckContext
from hardening.errors import EstateError
from hardening.estate import (
    Estate,
    IdentityProvider,
    Incident,
    Location,
    MfaConfig,
    Organisation,
    PasswordPolicy,
    Policy,
    TotpConfig,
)
from hardening.model import Status
from hardening.registry import from_modules
from hardening.reports.json import render_json
from hardening.reports.terminal import render_terminal
from hardening.runner import RunOptions, run_checks

EXPORT = Path(__file__).parents[1] / "data" / "keycloak" / "realm-export.json"
TODAY = date(2026, 11, 25)


def _secret_values(path: Path = EXPORT) -> set[str]:
    """Every string inside every credential's secretData: the canaries."""
    found: set[str] = set()
    realm = json.loads(path.read_text(encoding="utf-8"))

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) >= 8:
            found.add(value)

    for user in realm["users"]:
        for credential in user["credentials"]:
            walk(json.loads(credential["secretData"]))
    assert len(found) >= 9  # 5 hashes, 4 salts... and the OTP seed
    return found


def _provider(path: Path = EXPORT, pid: str = "corp-sso") -> IdentityProvider:
    return IdentityProvider(
        id=pid, kind="keycloak_export", location=Location("estate.yaml", 7), path=path
    )


def _estate(export: Path = EXPORT, **fields: object) -> Estate:
    base: dict[str, object] = {
        "path": export.parent / "estate.yaml",
        "organisation": Organisation(
            "Example Credit Union", Incident(date(2026, 10, 2), date(2026, 10, 5))
        ),
        "policy": Policy(mfa_required_roles=("admin", "staff")),
        "identity": (_provider(export),),
    }
    base.update(fields)
    return Estate(**base)  # type: ignore[arg-type]


# --- the collector -------------------------------------------------------------------------------


def test_password_policy_string_is_parsed() -> None:
    assert parse_password_policy(
        "length(12) and notUsername and passwordHistory(3) and hashAlgorithm(pbkdf2-sha256)"
    ) == {
        "length": "12",
        "notUsername": "",
        "passwordHistory": "3",
        "hashAlgorithm": "pbkdf2-sha256",
    }
    assert parse_password_policy("") == {}


def test_realm_settings_become_the_providers_policy_and_mfa() -> None:
    realm = read_realm_export(_provider(), EXPORT.parent)
    p = realm.provider
    assert (p.id, p.kind, p.location) == ("corp-sso", "keycloak_export", Location("estate.yaml", 7))
    assert p.password_policy == PasswordPolicy(
        min_length=12, max_age_days=90, breach_screening=True, lockout=True
    )
    assert p.mfa == MfaConfig(
        methods=("totp", "webauthn"), totp=TotpConfig(digits=6, period=30, window=2)
    )


def test_users_become_accounts_with_factors_roles_and_dates() -> None:
    realm = read_realm_export(_provider(), EXPORT.parent)
    accounts = {a.id: a for a in realm.accounts}
    # The service-account user signs in with client credentials: not an account here.
    assert set(accounts) == {"alice.admin", "bob.teller", "carol.ops", "dave.former", "erin.new"}
    alice, bob, carol = accounts["alice.admin"], accounts["bob.teller"], accounts["carol.ops"]
    assert alice.roles == ("default-roles-corp", "admin", "it-admins")
    # Realm roles mapped on a group and its parents are inherited by the group's members.
    assert alice.mfa == ("totp",)
    assert alice.password_changed == date(2026, 9, 1)
    assert alice.last_login is None and alice.enabled and alice.identity == "corp-sso"
    # A pending CONFIGURE_TOTP is not an enrolled factor.
    assert bob.mfa == () and bob.roles == ("default-roles-corp", "staff/tellers", "staff")
    assert bob.password_changed == date(2026, 10, 12)
    assert carol.mfa == ("webauthn",) and carol.password_changed == date(2026, 11, 3)
    assert carol.roles == ("default-roles-corp", "admin", "staff", "it-admins")
    assert accounts["dave.former"].enabled is False
    assert accounts["erin.new"].password_changed is None and accounts["erin.new"].mfa == ()
    # Each account points at its user's line in the export, named as the estate would.
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    assert alice.location.file == "realm-export.json"
    assert '"username": "alice.admin"' in lines[alice.location.line - 1]
    assert '"username": "carol.ops"' in lines[carol.location.line - 1]


def test_password_hashes_become_a_credential_scan() -> None:
    realm = read_realm_export(_provider(), EXPORT.parent)
    scan = realm.scan
    assert (scan.store_id, scan.kind, scan.problems) == ("corp-sso", "keycloak_export", ())
    recs = {r.account_id: r for r in realm.records}
    assert set(recs) == {"alice.admin", "bob.teller", "carol.ops", "dave.former"}
    assert recs["alice.admin"].scheme == "pbkdf2_sha256"
    assert dict(recs["alice.admin"].params) == {"rounds": 27_500}
    assert recs["carol.ops"].scheme == "pbkdf2_sha512"
    assert dict(recs["carol.ops"].params) == {"rounds": 210_000}
    assert recs["dave.former"].scheme == "argon2"
    assert dict(recs["dave.former"].params) == {
        "variant": "argon2id",
        "memory_kib": 7168,
        "time_cost": 5,
        "parallelism": 1,
    }
    assert all(r.salted for r in recs.values())
    assert recs["alice.admin"].changed == date(2026, 9, 1)
    # Distinct hashes, distinct keys; the scan counts kinds, and no value is shared.
    assert len({r.group_key for r in recs.values()}) == 4
    assert scan.accounts == 4 and scan.shared == ()
    assert {(k.scheme, k.count) for k in scan.kinds} == {
        ("pbkdf2_sha256", 2),
        ("pbkdf2_sha512", 1),
        ("argon2", 1),
    }


def test_defaults_when_the_realm_sets_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bare.json"
    path.write_text(json.dumps({"realm": "bare", "users": []}), encoding="utf-8")
    realm = read_realm_export(_provider(path), tmp_path)
    assert realm.provider.password_policy == PasswordPolicy(
        min_length=1, max_age_days=0, breach_screening=False, lockout=False
    )
    assert realm.provider.mfa == MfaConfig(methods=(), totp=None)
    assert realm.accounts == () and realm.scan.accounts == 0 and realm.records == ()


def test_single_realm_written_as_a_list(tmp_path: Path) -> None:
    path = tmp_path / "all-realms.json"
    path.write_text("[" + EXPORT.read_text(encoding="utf-8") + "]", encoding="utf-8")
    realm = read_realm_export(_provider(path), tmp_path)
    assert len(realm.accounts) == 5 and realm.provider.password_policy is not None


def test_hotp_realm_and_unknown_algorithm(tmp_path: Path) -> None:
    user = {
        "username": "u1",
        "credentials": [
            {
                "type": "password",
                "createdDate": 1788250500000,
                "secretData": json.dumps({"value": "c2VjcmV0LWhhc2gtdmFsdWUtMDAx", "salt": "x"}),
                "credentialData": json.dumps({"hashIterations": 1, "algorithm": "md5-custom"}),
            },
            {"type": "otp", "credentialData": json.dumps({"subType": "hotp", "digits": 8})},
        ],
    }
    path = tmp_path / "realm.json"
    path.write_text(json.dumps({"realm": "r", "otpPolicyType": "hotp", "users": [user]}))
    realm = read_realm_export(_provider(path), tmp_path)
    assert realm.provider.mfa == MfaConfig(methods=("hotp",), totp=None)
    assert realm.accounts[0].mfa == ("hotp",)
    assert [k.scheme for k in realm.scan.kinds] == ["unknown"]
    assert "c2VjcmV0LWhhc2gtdmFsdWUtMDAx" not in repr(realm)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"realm": "corp",\n  "users": [\n    {"username": "a",}\n  ]\n}', 3, "not valid JSON"),
        ('{"realm": "corp", "users": {"username": "a"}}', None, "users: expected a list"),
        ("[1, 2]", None, "not a realm export"),
        (
            '{"realm": "corp",\n"users": [\n{"username": "a", "credentials": "x"}]}',
            3,
            "users[0].credentials: expected a list",
        ),
    ],
)
def test_malformed_export_is_a_one_line_error_with_file_and_line(
    tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    path = tmp_path / "exports" / "realm.json"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EstateError) as err:
        read_realm_export(_provider(path), tmp_path)
    message = str(err.value)
    where = "exports/realm.json" + (f":{line}" if line else "")
    assert message.startswith(where + ": ") and words in message
    assert "\n" not in message


def test_malformed_export_error_never_shows_secret_data(tmp_path: Path) -> None:
    # Truncate the real export inside a secretData string: the parser stops right there.
    text = EXPORT.read_text(encoding="utf-8")
    cut = text.index("q9Rk0Zt3mWc2XgVh") + 10
    path = tmp_path / "realm.json"
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(EstateError) as err:
        read_realm_export(_provider(path), tmp_path)
    message = str(err.value)
    assert message.startswith("realm.json:") and "not valid JSON" in message
    assert "q9Rk0Zt3" not in message and "secretData" not in message


def test_undecodable_export_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "realm.json"
    path.write_bytes(b'{"realm": "corp",\n"displayName": "\xff"}')
    with pytest.raises(EstateError, match=r"realm\.json:2: realm export is not valid UTF-8"):
        read_realm_export(_provider(path), tmp_path)


# --- the context ---------------------------------------------------------------------------------


def test_context_holds_the_keycloak_provider_once_with_its_facts() -> None:
    inline = IdentityProvider(
        id="legacy", kind="inline", location=Location("estate.yaml", 3), mfa=MfaConfig(("sms",))
    )
    estate = _estate(identity=(inline, _provider()))
    ctx = build_context(estate, {"identity", "accounts", "credential_stores"}, TODAY)
    assert [p.id for p in ctx.identity] == ["legacy", "corp-sso"]
    assert ctx.identity[0] is inline
    assert ctx.identity[1].password_policy is not None
    assert ctx.identity[1].password_policy.min_length == 12
    assert len(ctx.accounts) == 5
    assert [s.store_id for s in ctx.credential_scans or ()] == ["corp-sso"]
    assert ctx.missing("credential_stores") is None


def test_context_prefers_discovered_over_declared_provider_with_the_same_id() -> None:
    declared = _provider()
    found = IdentityProvider(
        id="corp-sso",
        kind="keycloak_export",
        location=declared.location,
        password_policy=PasswordPolicy(min_length=12),
    )
    other = IdentityProvider(id="aws", kind="aws_iam", location=Location("estate.yaml", 9))
    ctx = CheckContext(estate=_estate(), today=TODAY, discovered_identity=(found, other))
    assert ctx.identity == (found, other)
    assert CheckContext(estate=_estate(), today=TODAY).identity == (declared,)


def test_export_is_not_read_when_no_check_needs_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.json"  # would raise if read
    ctx = build_context(_estate(missing), {"sshd", "datastores"}, TODAY)
    assert ctx.discovered_identity == () and ctx.discovered_accounts == ()


# --- through the engine ----------------------------------------------------------------------


MODULES = [
    weak,
    unsalted,
    min_length,
    rotation,
    breach,
    lockout,
    totp_window,
    mfa_not_enforced,
    not_reset,
]


def test_engine_judges_the_export_and_no_secret_leaves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    export = tmp_path / "exports" / "realm.json"
    export.parent.mkdir()
    shutil.copy(EXPORT, export)
    estate = _estate(export, path=tmp_path / "estate.yaml")
    run = run_checks(estate, from_modules(MODULES), RunOptions(today=TODAY))
    got = {(f.check_id, f.resource.id): f for f in run.findings}

    hash_weak = got[("auth.password_hash_weak", "corp-sso")]
    assert hash_weak.status is Status.FAIL
    assert "pbkdf2_sha256 27,500 iterations (below 600,000)" in hash_weak.detail
    assert "2 of 4 accounts" in hash_weak.detail
    assert got[("auth.password_hash_unsalted", "corp-sso")].status is Status.PASS
    # min length 12 < 15 because not every account has a second factor.
    assert got[("auth.password_min_length_too_short", "corp-sso")].status is Status.FAIL
    assert got[("auth.password_rotation_forced", "corp-sso")].status is Status.FAIL
    assert got[("auth.password_breach_screening_missing", "corp-sso")].status is Status.PASS
    assert got[("auth.lockout_missing", "corp-sso")].status is Status.PASS
    assert got[("auth.totp_window_too_wide", "corp-sso")].status is Status.FAIL
    # Provider-level checks judge the provider exactly once.
    assert sum(1 for f in run.findings if f.check_id == "auth.lockout_missing") == 1

    assert got[("auth.mfa_not_enforced", "alice.admin")].status is Status.PASS
    assert got[("auth.mfa_not_enforced", "bob.teller")].status is Status.FAIL
    assert got[("auth.mfa_not_enforced", "carol.ops")].status is Status.PASS
    reset = "auth.credential_not_reset_since_incident"
    assert got[(reset, "alice.admin")].status is Status.FAIL
    assert got[(reset, "bob.teller")].status is Status.PASS
    assert got[(reset, "erin.new")].status is Status.SKIP
    # Findings on accounts point at the user's line in the export.
    assert got[(reset, "alice.admin")].resource.file == "exports/realm.json"

    outputs = [render_json(run), render_terminal(run), caplog.text, repr(run)]
    for secret in _secret_values(export):
        for text in outputs:
            assert secret not in text


def test_weak_keycloak_hashes_get_a_keycloak_fix() -> None:
    from datetime import date

    import hardening.checks.auth.password_hash_weak as weak
    from hardening.estate import Estate, IdentityProvider, Location, Organisation
    from hardening.registry import from_modules
    from hardening.runner import RunOptions, run_checks

    data = Path(__file__).resolve().parent.parent / "data" / "keycloak"
    idp = IdentityProvider(
        id="kc",
        kind="keycloak_export",
        location=Location(str(data / "estate.yaml"), 3),
        path=data / "realm-export.json",
    )
    estate = Estate(path=data / "estate.yaml", organisation=Organisation("T"), identity=(idp,))
    run = run_checks(estate, from_modules([weak]), RunOptions(today=date(2026, 11, 25)))
    (finding,) = run.findings
    assert finding.status.value == "fail" and "27,500 iterations" in finding.detail
    assert finding.remediation is not None and "hashIterations(" in finding.remediation
    assert "CryptContext" not in finding.remediation
