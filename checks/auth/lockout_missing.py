"""auth.lockout_missing: failed sign-ins are neither rate limited nor locked out."""

from __future__ import annotations

from collections.abc import Iterator

from hardening.check import CheckContext, ref, register
from hardening.estate import IdentityProvider, PasswordPolicy
from hardening.model import CheckSpec, Finding, Remediation, Severity

from ._policy import PasswordPolicyCheck


@register
class LockoutMissing(PasswordPolicyCheck):
    """What it does
    Reads `password_policy.lockout` of every identity provider and fails it when it is
    `false`: failed sign-ins are neither throttled nor locked out. A provider that does not
    declare the setting, or has no password policy, is skipped with the reason.

    Why is this bad
    After a breach, credential stuffing with the leaked passwords is the attack to expect, and
    password spraying follows it. Without throttling an attacker can try every leaked and
    common password against every account as fast as the service answers. NIST SP 800-63B-4
    requires verifiers to limit consecutive failed attempts on an account.

    Example
    Failing: `password_policy: {lockout: false}` (Keycloak `bruteForceProtected: false`).
    Fixed: `password_policy: {lockout: true}`, e.g. Keycloak brute-force detection with a
    temporary lockout that grows with each failure.
    """

    spec = CheckSpec(
        id="auth.lockout_missing",
        title="Failed sign-ins are neither rate limited nor locked out",
        severity=Severity.HIGH,
        rationale=(
            "Leaked passwords are tried against every account after a breach; without "
            "throttling nothing slows credential stuffing or password spraying."
        ),
        remediation=Remediation(
            "Throttle failed sign-ins per account (and per source): a temporary lockout with "
            "growing delays, at most 10 consecutive failures before the first one (PCI DSS), "
            "never more than 100 (NIST), and alerts on spikes. Prefer temporary lockouts to "
            "permanent ones, which let an attacker lock everyone out.",
            steps=(
                "Keycloak: `kcadm.sh update realms/<realm> -s bruteForceProtected=true "
                "-s failureFactor=10 -s permanentLockout=false -s waitIncrementSeconds=60 "
                "-s maxFailureWaitSeconds=1800`.",
                "Active Directory: Group Policy 'Account lockout threshold' = 10, 'Account "
                "lockout duration' and 'Reset account lockout counter after' = 30 minutes.",
                "Applications: per-account and per-IP rate limits at the sign-in endpoint, plus "
                "bot detection or a CAPTCHA after repeated failures.",
                "Alert on many failed sign-ins across accounts from one source (spraying).",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §3.2.2 (rate limiting: at most 100 consecutive failures)",
            "PCI DSS 4.0 8.3.4 (lock out after at most 10 attempts, for at least 30 minutes)",
            "OWASP Authentication Cheat Sheet (account lockout)",
            "OWASP Credential Stuffing Prevention Cheat Sheet",
            "ISO/IEC 27001:2022 A.8.5 (secure authentication)",
        ),
        public_title="Password protection",
        needs=frozenset({"identity"}),
    )

    def judge(
        self, ctx: CheckContext, provider: IdentityProvider, declared: PasswordPolicy
    ) -> Iterator[Finding]:
        lockout = declared.lockout
        evidence = {"lockout": lockout}
        if lockout is None:
            yield self.skipped(
                ref(provider),
                "the password policy does not declare whether failed sign-ins are "
                "rate limited or locked out",
                evidence=evidence,
            )
        elif lockout:
            yield self.passed(
                ref(provider),
                "failed sign-ins are rate limited or locked out",
                evidence=evidence,
            )
        else:
            yield self.failed(
                ref(provider),
                "failed sign-ins are neither rate limited nor locked out, so leaked "
                "passwords can be tried against every account without limit",
                evidence=evidence,
            )
