"""auth.password_min_length_too_short: an identity provider accepts passwords that are too short."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hardening.check import CheckContext, ref, register
from hardening.estate import Account, IdentityProvider, PasswordPolicy
from hardening.model import CheckSpec, Finding, Remediation, Scalar, Severity

from ._policy import PasswordPolicyCheck

#: NIST SP 800-63B-4 §3.1.1.2: minimum length of a password that is the only factor.
NIST_MIN_SINGLE_FACTOR = 15
#: NIST SP 800-63B-4 §3.1.1.2: minimum length of a password only used together with MFA.
NIST_MIN_WITH_MFA = 8


@dataclass(frozen=True, slots=True)
class MfaCoverage:
    """Whether every sign-in at a provider needs a second factor, and why we think so."""

    enforced: bool
    """True only when it is shown: the provider offers a factor and every account has one."""
    reason: str
    """Half a sentence saying why, for the finding's detail."""
    accounts: int
    """Enabled accounts attributed to the provider (`Account.identity`)."""
    without_mfa: int
    """How many of them have no second factor enrolled."""


def mfa_coverage(provider: IdentityProvider, accounts: Sequence[Account]) -> MfaCoverage:
    """Whether the password is only ever used together with a second factor at `provider`.

    NIST's shorter minimum applies only to "passwords that are only used as part of
    multi-factor authentication", so MFA counts as enforced only when the provider offers a
    factor and *every* enabled account attributed to it has one enrolled - not merely the
    accounts whose role requires MFA: an unprivileged account without a factor still signs in
    with the password alone. When that cannot be shown (no factor offered, no accounts
    attributed) the single-factor minimum applies.
    """
    offered = provider.mfa.methods if provider.mfa is not None else ()
    members = [a for a in accounts if a.enabled and a.identity == provider.id]
    without = sum(1 for a in members if not a.mfa)
    if not offered:
        reason = "the provider offers no second factor"
        return MfaCoverage(False, reason, len(members), without)
    if not members:
        reason = (
            "no enabled account is attributed to this provider (Account.identity), so MFA "
            "cannot be shown to be enforced for all"
        )
        return MfaCoverage(False, reason, 0, 0)
    if without:
        reason = (
            f"{without} of {len(members)} enabled account(s) of this provider have no second factor"
        )
        return MfaCoverage(False, reason, len(members), without)
    reason = f"all {len(members)} enabled account(s) of this provider have a second factor"
    return MfaCoverage(True, reason, len(members), 0)


@register
class PasswordMinLengthTooShort(PasswordPolicyCheck):
    """What it does
    Reads the minimum password length (`password_policy.min_length`) of every identity
    provider and fails it when it is below what NIST SP 800-63B-4 requires - 15 characters
    where the password is the only factor, 8 where it is only ever used with a second factor -
    or below the estate's own `policy.password_min_length` /
    `policy.password_min_length_with_mfa`, whichever is higher. The shorter minimum applies only
    when MFA is shown to be enforced at the provider: it offers at least one method and every
    enabled account attributed to it (`Account.identity`) has a factor enrolled; otherwise,
    including when no accounts are attributed, the single-factor minimum applies.

    A provider with no password policy is skipped. An `inline` provider whose declared policy
    names no `min_length` fails, because a policy written out without a minimum enforces none;
    for an exported provider (`keycloak_export`, `aws_iam`) a missing minimum is skipped as
    unknown.

    Why is this bad
    After a breach the attacker holds password hashes to crack offline and a list of leaked
    passwords to try online. Length is what makes both expensive: an 8-character password
    falls to offline cracking of a fast hash in hours, while a 15-character passphrase does
    not. NIST SP 800-63B-4 raised the single-factor minimum from 8 to 15 for that reason.

    Example
    Failing: `password_policy: {min_length: 8}` on a provider whose staff accounts have no
    second factor. Fixed: `password_policy: {min_length: 15}` (Keycloak `length(15)`), or
    `min_length: 8` once every account of the provider has a second factor enrolled.
    """

    spec = CheckSpec(
        id="auth.password_min_length_too_short",
        title="An identity provider's minimum password length is below NIST SP 800-63B-4",
        severity=Severity.HIGH,
        rationale=(
            "Short passwords fall quickly to offline cracking of stolen hashes and to online "
            "guessing; NIST SP 800-63B-4 requires 15 characters where the password is the only "
            "factor and 8 where a second factor is always required."
        ),
        remediation=Remediation(
            "Raise the provider's minimum password length to 15 characters (8 is acceptable "
            "only where every account must use a second factor), allow at least 64, and drop "
            "composition rules. Existing short passwords stay valid until they are changed, so "
            "pair the change with the post-incident reset.",
            steps=(
                "Keycloak: `kcadm.sh update realms/<realm> -s "
                "'passwordPolicy=\"length(15) and notUsername\"'` (the string "
                "replaces the whole policy: keep the other entries you rely on).",
                "AWS IAM: `aws iam update-account-password-policy --minimum-password-length 15` "
                "with every other current setting repeated (omitted settings revert to their "
                "defaults).",
                "Active Directory: fine-grained password policy `New-ADFineGrainedPasswordPolicy "
                "-MinPasswordLength 15` (the default domain policy stops at 14), or Group Policy "
                "'Minimum password length' with 'Relax minimum password length limits' enabled.",
                "Inline estate: set `password_policy: {min_length: 15}` once the provider "
                "enforces it.",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §3.1.1.2 (15 characters single-factor, 8 with MFA)",
            "CIS Controls v8 5.2 (14 characters, or 8 with MFA)",
            "PCI DSS 4.0 8.3.6 (at least 12 characters)",
            "OWASP ASVS 4.0.3 V2.1.1",
            "ISO/IEC 27001:2022 A.5.17 (authentication information)",
        ),
        public_title="Password protection",
        needs=frozenset({"identity"}),
    )

    def judge(
        self, ctx: CheckContext, provider: IdentityProvider, declared: PasswordPolicy
    ) -> Iterator[Finding]:
        coverage = mfa_coverage(provider, ctx.accounts)
        if coverage.enforced:
            nist, own = NIST_MIN_WITH_MFA, ctx.policy.password_min_length_with_mfa
            own_field, setting = "password_min_length_with_mfa", "with MFA enforced"
        else:
            nist, own = NIST_MIN_SINGLE_FACTOR, ctx.policy.password_min_length
            own_field, setting = "password_min_length", "where the password is the only factor"
        required = max(nist, own)
        evidence: dict[str, Scalar] = {
            "min_length": declared.min_length,
            "required_min_length": required,
            "nist_min_length": nist,
            "policy_min_length": own,
            "mfa_enforced": coverage.enforced,
            "accounts": coverage.accounts,
            "accounts_without_mfa": coverage.without_mfa,
        }
        fix = f"Set the minimum password length to at least {required}" + (
            ""
            if coverage.enforced
            else ", or require a second factor on every account of this provider, after "
            f"which {max(NIST_MIN_WITH_MFA, ctx.policy.password_min_length_with_mfa)} "
            "is enough"
        )
        length = declared.min_length
        if length is None:
            if provider.kind != "inline":
                yield self.skipped(
                    ref(provider),
                    f"no minimum password length is known for this {provider.kind} provider",
                    evidence=evidence,
                )
                return
            yield self.failed(
                ref(provider),
                "the declared password policy sets no minimum length, so none is enforced; "
                f"{required} is required {setting} ({coverage.reason})",
                remediation=fix + ".",
                evidence=evidence,
            )
            return
        if length >= required:
            yield self.passed(
                ref(provider),
                f"minimum password length {length} meets the {required} required {setting} "
                f"({coverage.reason})",
                evidence=evidence,
            )
            return
        # Name the estate policy only where it is stricter than NIST: an equal or laxer
        # policy adds nothing to the NIST bar.
        bars = []
        if length < nist:
            bars.append(f"the {nist} NIST SP 800-63B-4 requires {setting}")
        if own > nist:
            bars.append(f"the estate policy's {own} (policy.{own_field})")
        yield self.failed(
            ref(provider),
            f"minimum password length {length} is below {' and '.join(bars)} ({coverage.reason})",
            remediation=fix + ".",
            evidence=evidence,
        )
