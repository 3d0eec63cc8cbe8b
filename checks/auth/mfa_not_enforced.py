"""auth.mfa_not_enforced: an account whose role requires MFA signs in with a password alone.

This module also defines which roles count as privileged (`privileged_roles`); the other
account checks of the auth pack import it from here so the scope is decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

from hardening.check import FAILED, PASSED, Check, CheckContext, Verdict, register
from hardening.estate import Account, Policy
from hardening.model import CheckSpec, Finding, Remediation, Scalar, Severity, Status

#: A role whose name contains this is administrative, whatever the policy lists.
ADMIN_MARK = "admin"


def is_admin_role(role: str) -> bool:
    """Whether `role` names administrative access (`admin`, `sysadmin`, `db-admin`, ...)."""
    return ADMIN_MARK in role.casefold()


def privileged_roles(account: Account, policy: Policy) -> tuple[str, ...]:
    """The roles of `account` that require a second factor.

    Those are the roles `policy.mfa_required_roles` lists (compared case-insensitively, so a
    directory export spelling `Admin` is not silently out of scope) and every administrative
    role: CIS Controls v8 6.5 requires MFA for administrative access even where the
    organisation's policy forgot to list the role.
    """
    if not account.roles:
        return ()
    return _privileged(account.roles, policy.mfa_required_roles)


class PrivilegedRoles(dict[tuple[str, ...], tuple[str, ...]]):
    """`privileged_roles` by role list, for a loop over many accounts: `table[account.roles]`
    is a plain dict look-up once a role list has been seen (a directory of a million accounts
    holds a handful of distinct role lists)."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self._required = policy.mfa_required_roles

    def __missing__(self, roles: tuple[str, ...]) -> tuple[str, ...]:
        found = _privileged(roles, self._required) if roles else ()
        self[roles] = found
        return found


@lru_cache(maxsize=4096)
def _privileged(roles: tuple[str, ...], required: tuple[str, ...]) -> tuple[str, ...]:
    # Memoised: a directory of a million accounts holds a handful of distinct role lists.
    wanted = {role.casefold() for role in required}
    return tuple(r for r in roles if r.casefold() in wanted or is_admin_role(r))


@register
class MfaNotEnforced(Check):
    """What it does
    Looks at every enabled account that holds a role requiring a second factor - a role listed
    in `policy.mfa_required_roles`, or any role whose name contains "admin" - and fails it when
    the account has no second factor enrolled (`mfa` is empty). Disabled accounts and accounts
    in no such role are not examined. A failing administrator is reported as critical.

    Why is this bad
    After a breach every password has to be treated as known: cracked from the stolen hashes,
    phished, or reused from another leak. A second factor is what stops a known password from
    becoming a session. A privileged account that signs in with a password alone gives whoever
    holds that password the systems the role controls.

    Example
    Failing: `{id: u-1001, roles: [admin], mfa: []}` with `mfa_required_roles: [admin]`.
    Fixed: `{id: u-1001, roles: [admin], mfa: [webauthn]}`, enrolled through a verified
    channel, with the identity provider refusing password-only sign-in for the role.
    """

    spec = CheckSpec(
        id="auth.mfa_not_enforced",
        title="An account whose role requires MFA signs in with a password alone",
        severity=Severity.HIGH,
        rationale=(
            "After a breach, passwords must be assumed known to the attacker; without a second "
            "factor a known password of a privileged account is a working sign-in."
        ),
        remediation=Remediation(
            "Enrol every account whose role requires MFA in a second factor (phishing-resistant "
            "WebAuthn/FIDO2 for administrators) and make the identity provider refuse "
            "password-only sign-in for those roles.",
            steps=(
                "Enrol through a verified channel (in person, or a call-back to a number on "
                "file): whoever holds the leaked password could otherwise enrol an "
                "authenticator of their own first.",
                "Keycloak: require the factor for the user with "
                "`kcadm.sh update users/<user-id> -r <realm> "
                "-s 'requiredActions=[\"CONFIGURE_TOTP\"]'` (or `webauthn-register`), and make "
                "the OTP/WebAuthn step REQUIRED in the browser flow for these roles "
                "(conditional sub-flow with `Condition - user role`).",
                "AWS IAM: attach a policy that denies all actions when "
                '`"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}`, then register a '
                "device with `aws iam enable-mfa-device`.",
                "Until a factor is enrolled, disable the account or remove the privileged role.",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §2.2 (AAL2 requires two distinct factors)",
            "CIS Controls v8 6.5 (require MFA for administrative access)",
            "CIS Controls v8 6.3 (require MFA for externally-exposed applications)",
            "PCI DSS 4.0 8.4.1 (MFA for non-console administrative access to the CDE)",
            "PCI DSS 4.0 8.4.2 (MFA for all access into the CDE)",
            "ISO/IEC 27001:2022 A.8.5 (secure authentication)",
            "OWASP Multifactor Authentication Cheat Sheet",
        ),
        public_title="Two-factor authentication",
        needs=frozenset({"accounts"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        policy = ctx.policy
        critical: Verdict = (Status.FAIL, Severity.CRITICAL)
        listed = {role.casefold() for role in policy.mfa_required_roles}
        privileged = PrivilegedRoles(policy)

        accounts = [a for a in ctx.accounts if a.enabled and privileged[a.roles]]
        verdicts = [
            PASSED
            if a.mfa
            else critical
            if any(is_admin_role(r) for r in privileged[a.roles])
            else FAILED
            for a in accounts
        ]

        def describe(account: Account, status: Status) -> tuple[str, Mapping[str, Scalar]]:
            roles = privileged_roles(account, policy)
            evidence = {"roles": ", ".join(roles), "mfa_methods": ", ".join(account.mfa)}
            if status is Status.PASS:
                return (
                    f"second factor enrolled ({', '.join(account.mfa)}) for role "
                    f"{', '.join(roles)}",
                    evidence,
                )
            admin = any(is_admin_role(r) for r in roles)
            covered = [r for r in roles if r.casefold() in listed]
            why = (
                f"policy requires MFA for role {', '.join(covered)}"
                if covered
                else f"administrative role {', '.join(roles)} requires MFA (CIS Controls v8 6.5) "
                "although policy.mfa_required_roles does not list it"
            )
            return (
                f"enabled account signs in with a password alone; {why}"
                + ("; critical because the role is administrative" if admin else ""),
                evidence,
            )

        def summarise(
            status: Status, severity: Severity, accounts: Sequence[Account]
        ) -> tuple[str, Mapping[str, Scalar]]:
            by_role: dict[str, int] = {}
            for account in accounts:
                for role in privileged_roles(account, policy):
                    by_role[role] = by_role.get(role, 0) + 1
            evidence: dict[str, Scalar] = {
                f"role_{role}": count for role, count in sorted(by_role.items())
            }
            roles = ", ".join(sorted(by_role))
            n = len(accounts)
            if status is Status.PASS:
                return (
                    f"enabled accounts in roles requiring MFA ({roles}) with a second factor "
                    f"enrolled: {n:,}",
                    evidence,
                )
            admin = (
                "; critical because the roles are administrative"
                if (severity is Severity.CRITICAL)
                else ""
            )
            return (
                f"enabled accounts in roles requiring MFA ({roles}) that sign in with a "
                f"password alone: {n:,}" + admin,
                evidence,
            )

        return self.account_findings(ctx, accounts, verdicts, describe, summarise)
