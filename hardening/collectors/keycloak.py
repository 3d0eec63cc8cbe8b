"""Read a Keycloak realm export (`kc.sh export`, or the admin console's partial export).

An identity provider declared as `kind: keycloak_export` points at a realm JSON file. This
collector reads it once and returns what checks need, in the estate's own types:

- the provider with its facts filled in: `password_policy` and `mfa` (`provider`);
- one `Account` per user (`accounts`);
- a `CredentialStoreScan` of the users' stored password hashes (`scan`), so the hash checks
  judge Keycloak's PBKDF2 / Argon2 settings like any other credential store.

Mapping
    `passwordPolicy` is Keycloak's policy string, `length(12) and notUsername and ...`.
    `length(n)` is the minimum length; without it Keycloak accepts any non-empty password,
    recorded as a minimum of 1. `forceExpiredPasswordChange(n)` is the forced rotation period
    in days (0 when absent). `passwordBlacklist(file)` means breach screening. Lockout is
    `bruteForceProtected` (Keycloak's default is off).
    Second factors: `totp` (or `hotp`, per `otpPolicyType`) is offered when the realm's
    `CONFIGURE_TOTP` required action is enabled, a flow runs the OTP form, or a user has an
    `otp` credential; `webauthn` when a WebAuthn required action is enabled, a flow runs a
    WebAuthn authenticator or a user has a WebAuthn credential. The `webAuthnPolicy*` fields
    alone do not count: every export carries them with defaults. The TOTP window is
    `otpPolicyLookAheadWindow` (Keycloak's "look around window", steps either side).
    Accounts: `realmRoles` and group paths (leading `/` dropped) are the roles. An account's
    second factors are its `otp` / `webauthn` / `webauthn-passwordless` credentials; a
    pending `CONFIGURE_TOTP` required action is not an enrolled factor. `password_changed` is
    the password credential's `createdDate` (Keycloak replaces the credential on every
    change). Exports carry no sign-in times, so `last_login` is None. Service-account users
    (`serviceAccountClientId`) sign in with client credentials, not passwords, and are left
    out. A user without `enabled` is taken as enabled, so that it is judged.
    Hashes: each password credential's `credentialData` names the algorithm and iterations
    (`pbkdf2-sha256` at 27,500 before Keycloak 24, `pbkdf2-sha512` at 210,000 in 24,
    `argon2` in 25 and later, with memory, type and parallelism under
    `additionalParameters`). The store id of the scan is the provider id.

Secrets
    `secretData` (hash and salt of a password, the seed of an OTP credential) is never kept:
    a password hash is reduced to a key on the spot (`tally.value_key`), for spotting
    identical hashes, and nothing else of it leaves this module. Errors name the export file,
    JSON line and field path, never a value.

Errors
    A file that is not JSON, or not a realm, raises `EstateError` naming the file and line, as
    for any other malformed file the estate refers to (exit code 2).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from hardening.collectors.tally import scan_of, value_key
from hardening.errors import EstateError
from hardening.estate import (
    Account,
    IdentityProvider,
    Location,
    MfaConfig,
    PasswordPolicy,
    TotpConfig,
)
from hardening.facets import CredentialRecord, CredentialStoreScan

__all__ = ["KeycloakRealm", "parse_password_policy", "read_realm_export"]

#: One `name(argument)` or bare `name` term of Keycloak's policy string.
_POLICY_TERM_RE: Final = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)\s*(?:\((.*?)\))?\s*")
_USERNAME_RE: Final = re.compile(r'"username"\s*:\s*("(?:[^"\\]|\\.)*")')
#: Keycloak's `credentialData.algorithm` → canonical scheme of `CredentialRecord`.
_SCHEMES: Final[Mapping[str, str]] = {
    "pbkdf2-sha256": "pbkdf2_sha256",
    "pbkdf2-sha512": "pbkdf2_sha512",
    "pbkdf2": "pbkdf2_sha1",
    "argon2": "argon2",
}
_OTP_ACTIONS: Final = frozenset({"CONFIGURE_TOTP"})
_WEBAUTHN_ACTIONS: Final = frozenset({"webauthn-register", "webauthn-register-passwordless"})
_OTP_AUTHENTICATORS: Final = frozenset({"auth-otp-form", "direct-grant-validate-otp"})
_WEBAUTHN_AUTHENTICATORS: Final = frozenset(
    {"webauthn-authenticator", "webauthn-authenticator-passwordless"}
)
_WEBAUTHN_CREDENTIALS: Final = frozenset({"webauthn", "webauthn-passwordless"})
#: Keycloak enforces no minimum length without `length(n)`; an empty password is refused.
_NO_LENGTH_POLICY: Final = 1
_MS_PER_S: Final = 1000


@dataclass(frozen=True, slots=True)
class KeycloakRealm:
    """What one realm export yields."""

    provider: IdentityProvider
    """The declared provider with `password_policy` and `mfa` filled in from the export."""
    accounts: tuple[Account, ...]
    """One account per (non-service-account) user."""
    scan: CredentialStoreScan
    """The users' stored password hashes, reduced to scheme and cost (store id = provider id)."""
    records: tuple[CredentialRecord, ...] = ()
    """The same, one record per password credential, to look into the export."""


def parse_password_policy(text: str) -> dict[str, str]:
    """Keycloak's policy string as {policy id: argument} (`""` for bare terms).

    `length(12) and notUsername` → {"length": "12", "notUsername": ""}.
    """
    policies: dict[str, str] = {}
    for term in text.split(" and "):
        m = _POLICY_TERM_RE.fullmatch(term)
        if m is not None:
            policies[m.group(1)] = (m.group(2) or "").strip()
    return policies


def read_realm_export(provider: IdentityProvider, estate_dir: Path | None = None) -> KeycloakRealm:
    """Read `provider.path`; raise `EstateError` (file, line; no values) when malformed."""
    display = _display(provider, estate_dir)
    if provider.path is None:
        raise EstateError("keycloak_export needs a path", file=provider.location.file)
    try:
        text = provider.path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = provider.path.read_bytes()[: exc.start].count(b"\n") + 1
        raise EstateError("realm export is not valid UTF-8", file=display, line=line) from None
    except OSError as exc:
        raise EstateError(
            f"cannot read the realm export ({type(exc).__name__})", file=display
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # `msg` is the parser's description ("Expecting ',' delimiter"), never document text.
        raise EstateError(f"not valid JSON: {exc.msg}", file=display, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise EstateError(f"not valid JSON ({type(exc).__name__})", file=display) from None
    return _Reader(provider, display, text).realm(data)


def _display(provider: IdentityProvider, estate_dir: Path | None) -> str:
    """The export's name as the user would write it: relative to the estate file's directory."""
    if provider.path is None:
        return provider.location.file
    if estate_dir is None:
        return str(provider.path)
    try:
        rel = os.path.relpath(provider.path, estate_dir)
    except ValueError:  # another drive on Windows
        return str(provider.path)
    return str(Path(provider.location.file).parent / rel)


class _Reader:
    """One export being read: the file's display name and user line numbers for errors."""

    def __init__(self, provider: IdentityProvider, display: str, text: str) -> None:
        self.provider = provider
        self.display = display
        self.lines = _username_lines(text)
        self.group_roles: dict[str, tuple[str, ...]] = {}

    def fail(self, message: str, field: str | None = None, line: int | None = None) -> EstateError:
        return EstateError(message, file=self.display, line=line, field=field)

    def realm(self, data: object) -> KeycloakRealm:
        if isinstance(data, list) and len(data) == 1:
            data = data[0]  # a single-realm export written as a list
        if not isinstance(data, dict):
            raise self.fail("not a realm export (expected a JSON object with the realm's settings)")
        if not isinstance(data.get("realm"), str) and "users" not in data:
            raise self.fail("not a realm export (no `realm` name and no `users`)")
        self.group_roles = dict(_group_roles(data.get("groups")))
        users = data.get("users") or []
        if not isinstance(users, list):
            raise self.fail("expected a list", "users")
        accounts: list[Account] = []
        records: list[CredentialRecord] = []
        problems: list[str] = []
        user_factors: set[str] = set()
        for index, user in enumerate(users):
            line = self.user_line(index, user)
            path = f"users[{index}]"
            if not isinstance(user, dict):
                raise self.fail("expected an object", path, line)
            username = user.get("username")
            if not isinstance(username, str) or not username:
                raise self.fail("a user needs a `username` string", path, line)
            if user.get("serviceAccountClientId"):
                continue
            credentials = user.get("credentials") or []
            if not isinstance(credentials, list):
                raise self.fail("expected a list", f"{path}.credentials", line)
            factors: list[str] = []
            changed: date | None = None
            for cindex, credential in enumerate(credentials):
                cpath = f"{path}.credentials[{cindex}]"
                if not isinstance(credential, dict):
                    raise self.fail("expected an object", cpath, line)
                kind = credential.get("type")
                if kind == "password":
                    record = self.password(username, line, credential, cpath, problems)
                    records.append(record)
                    if record.changed is not None and (changed is None or record.changed > changed):
                        changed = record.changed
                elif kind == "otp":
                    factors.append(_otp_method(credential))
                elif kind in _WEBAUTHN_CREDENTIALS:
                    factors.append("webauthn")
            user_factors.update(factors)
            accounts.append(
                Account(
                    id=username,
                    location=Location(self.display, line),
                    roles=self.roles(user, path, line),
                    mfa=tuple(dict.fromkeys(factors)),
                    password_changed=changed,
                    last_login=None,
                    enabled=_bool(user.get("enabled"), default=True),
                    identity=self.provider.id,
                )
            )
        provider = IdentityProvider(
            id=self.provider.id,
            kind=self.provider.kind,
            location=self.provider.location,
            path=self.provider.path,
            password_policy=self.password_policy(data),
            mfa=self.mfa(data, user_factors),
        )
        scan = scan_of(self.provider.id, "keycloak_export", records, problems)
        return KeycloakRealm(provider, tuple(accounts), scan, tuple(records))

    def user_line(self, index: int, user: object) -> int:
        """The JSON line of user `index`, when the text scan found the same user there."""
        if index < len(self.lines) and isinstance(user, dict):
            name, line = self.lines[index]
            if name == user.get("username"):
                return line
        return 1

    def roles(self, user: Mapping[str, Any], path: str, line: int) -> tuple[str, ...]:
        """Direct realm roles, then each group (path without the leading `/`) followed by the
        realm roles mapped on it and on its parent groups, which its members inherit."""
        roles: list[str] = []
        for key in ("realmRoles", "groups"):
            values = user.get(key) or []
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise self.fail("expected a list of strings", f"{path}.{key}", line)
            if key == "realmRoles":
                roles.extend(values)
                continue
            for group in values:
                roles.append(group.lstrip("/"))
                parts = group.strip("/").split("/")
                for depth in range(len(parts), 0, -1):
                    roles.extend(self.group_roles.get("/" + "/".join(parts[:depth]), ()))
        return tuple(dict.fromkeys(r for r in roles if r))

    def password(
        self,
        username: str,
        line: int,
        credential: Mapping[str, Any],
        path: str,
        problems: list[str],
    ) -> CredentialRecord:
        """The password credential's scheme, cost and change date; its secretData dropped."""
        changed = _ms_date(credential.get("createdDate"))
        if credential.get("createdDate") is not None and changed is None:
            problems.append(f"row {line}: {path}.createdDate is not a millisecond timestamp")
        data = _json_field(credential.get("credentialData"))
        scheme: str = "unknown"
        params: Mapping[str, int | str] = MappingProxyType({})
        if data is None:
            problems.append(f"row {line}: {path}.credentialData is not a JSON object")
        else:
            scheme, params = _scheme(data)
        secret = _json_field(credential.get("secretData"))
        value = secret.get("value") if secret is not None else None
        key = value_key(value) if isinstance(value, str) and value else None
        return CredentialRecord(
            account_id=username,
            row=line,
            scheme=scheme,
            params=params,
            salted=True if scheme != "unknown" else None,
            group_key=key,
            changed=changed,
        )

    def password_policy(self, data: Mapping[str, Any]) -> PasswordPolicy:
        raw = data.get("passwordPolicy") or ""
        if not isinstance(raw, str):
            raise self.fail("expected a policy string", "passwordPolicy")
        policy = parse_password_policy(raw)
        min_length = _int(policy.get("length"))
        if "length" in policy and min_length is None:
            raise self.fail("length(n) needs a whole number", "passwordPolicy")
        max_age = _int(policy.get("forceExpiredPasswordChange"))
        return PasswordPolicy(
            min_length=_NO_LENGTH_POLICY if min_length is None else min_length,
            max_age_days=max_age or 0,
            breach_screening="passwordBlacklist" in policy,
            lockout=_bool(data.get("bruteForceProtected"), default=False),
        )

    def mfa(self, data: Mapping[str, Any], user_factors: set[str]) -> MfaConfig:
        actions = {
            a.get("alias")
            for a in _dicts(data.get("requiredActions"))
            if _bool(a.get("enabled"), default=True)
        }
        authenticators = {
            e.get("authenticator")
            for flow in _dicts(data.get("authenticationFlows"))
            for e in _dicts(flow.get("authenticationExecutions"))
            if e.get("requirement") != "DISABLED"
        }
        otp_type = data.get("otpPolicyType", "totp")
        otp_method = "hotp" if otp_type == "hotp" else "totp"
        methods: list[str] = []
        totp = None
        if (
            actions & _OTP_ACTIONS
            or authenticators & _OTP_AUTHENTICATORS
            or user_factors & {"totp", "hotp"}
        ):
            methods.append(otp_method)
            if otp_method == "totp":
                window = _int(data.get("otpPolicyLookAheadWindow"))
                totp = TotpConfig(
                    digits=_int(data.get("otpPolicyDigits")) or 6,
                    period=_int(data.get("otpPolicyPeriod")) or 30,
                    window=1 if window is None else window,
                )
        if (
            actions & _WEBAUTHN_ACTIONS
            or authenticators & _WEBAUTHN_AUTHENTICATORS
            or "webauthn" in user_factors
        ):
            methods.append("webauthn")
        return MfaConfig(methods=tuple(methods), totp=totp)


def _username_lines(text: str) -> list[tuple[object, int]]:
    """(username, line) of each `"username": "..."` in the text, in order.

    `json` gives no positions; users are matched to these by order and name, so a stray
    `username` key elsewhere only costs line numbers (then 1), never a wrong line.
    """
    found: list[tuple[object, int]] = []
    line, last = 1, 0
    for m in _USERNAME_RE.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        try:
            name: object = json.loads(m.group(1))
        except ValueError:
            name = None
        found.append((name, line))
    return found


def _group_roles(groups: object) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(group path, realm roles mapped on the group) through the whole group tree."""
    for group in _dicts(groups):
        path, roles = group.get("path"), group.get("realmRoles")
        if isinstance(path, str) and isinstance(roles, list):
            yield path, tuple(r for r in roles if isinstance(r, str))
        yield from _group_roles(group.get("subGroups"))


def _dicts(value: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, dict))


def _json_field(value: object) -> dict[str, Any] | None:
    """`credentialData` / `secretData`: a JSON object serialised into a string."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _otp_method(credential: Mapping[str, Any]) -> str:
    data = _json_field(credential.get("credentialData"))
    return "hotp" if data is not None and data.get("subType") == "hotp" else "totp"


def _scheme(data: Mapping[str, Any]) -> tuple[str, Mapping[str, int | str]]:
    algorithm = data.get("algorithm")
    scheme = _SCHEMES.get(algorithm, "unknown") if isinstance(algorithm, str) else "unknown"
    iterations = _int(data.get("hashIterations"))
    params: dict[str, int | str] = {}
    if scheme.startswith("pbkdf2") and iterations is not None:
        params["rounds"] = iterations
    elif scheme == "argon2":
        extra = data.get("additionalParameters")
        extra = extra if isinstance(extra, dict) else {}
        kind = (_first(extra.get("type")) or "id").lower()  # Keycloak writes "id", "i", "d"
        params["variant"] = kind if kind.startswith("argon2") else f"argon2{kind}"
        memory = _int(_first(extra.get("memory")))
        parallelism = _int(_first(extra.get("parallelism")))
        if memory is not None:
            params["memory_kib"] = memory
        if iterations is not None:
            params["time_cost"] = iterations
        if parallelism is not None:
            params["parallelism"] = parallelism
    return scheme, MappingProxyType(params)


def _first(value: object) -> str | None:
    """Keycloak writes `additionalParameters` values as one-element string lists."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _bool(value: object, *, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _ms_date(value: object) -> date | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / _MS_PER_S, UTC).date()
    except (OverflowError, OSError, ValueError):
        return None
