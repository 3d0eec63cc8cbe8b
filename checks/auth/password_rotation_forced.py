"""auth.password_rotation_forced: an identity provider forces periodic password changes."""

from __future__ import annotations

from collections.abc import Iterator

from hardening.check import CheckContext, ref, register
from hardening.estate import IdentityProvider, PasswordPolicy
from hardening.model import CheckSpec, Finding, Remediation, Severity

from ._policy import PasswordPolicyCheck


@register
class PasswordRotationForced(PasswordPolicyCheck):
    """What it does
    Reads `password_policy.max_age_days` of every identity provider and fails it when it is a
    positive number of days, i.e. passwords expire on a schedule. A missing value or 0 means no
    forced rotation (as the estate file defines the field) and passes. A provider with no
    password policy is skipped.

    Why is this bad
    NIST SP 800-63B-4 says verifiers shall not require periodic password changes. People
    forced to change on a schedule choose predictable successors (`Autumn2026!` after
    `Summer2026!`), which an attacker holding an old password from the breach guesses at once,
    and they pick weaker, shorter passwords they can keep changing. A change is right when
    there is evidence of compromise: after this incident a one-off forced reset of the affected
    credentials is exactly what to do (`auth.credential_not_reset_since_incident`), but it
    should not become a standing rotation.

    Example
    Failing: `password_policy: {max_age_days: 90}` (Keycloak `forceExpiredPasswordChange(90)`,
    AWS `MaxPasswordAge: 90`). Fixed: `password_policy: {max_age_days: 0}` with breach
    screening and a one-off reset of the credentials that predate the incident.
    """

    spec = CheckSpec(
        id="auth.password_rotation_forced",
        title="An identity provider forces periodic password changes",
        severity=Severity.LOW,
        rationale=(
            "Scheduled expiry makes users pick predictable, incrementally changed passwords; "
            "NIST SP 800-63B-4 forbids it and asks for a change only on evidence of compromise."
        ),
        remediation=Remediation(
            "Remove the scheduled expiry and force a change only on evidence of compromise - "
            "as now, after the incident, with a one-off reset - backed by breach screening of "
            "new passwords and MFA.",
            steps=(
                "Keycloak: remove `forceExpiredPasswordChange(<days>)` from the realm's "
                "`passwordPolicy` string (Authentication > Policies > Password policy > "
                "'Expire password').",
                "AWS IAM: re-run `aws iam update-account-password-policy` with every current "
                "setting but without `--max-password-age` (omitted settings revert to their "
                "defaults, and the default is no expiry).",
                "Active Directory: Group Policy 'Maximum password age' = 0 (never expires), or "
                "`-MaxPasswordAge 0` on fine-grained password policies.",
                "For PCI DSS scope: requirement 8.3.9 asks for 90-day changes only where the "
                "password is the only factor; enforce MFA (8.4) or dynamic analysis instead.",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §3.1.1.2 (no periodic changes; force a change on evidence of "
            "compromise)",
            "OWASP ASVS 4.0.3 V2.1.10 (no periodic credential rotation)",
            "PCI DSS 4.0 8.3.9 (rotation only where the password is the sole factor)",
            "ISO/IEC 27001:2022 A.5.17 (authentication information)",
        ),
        public_title="Password protection",
        needs=frozenset({"identity"}),
    )

    def judge(
        self, ctx: CheckContext, provider: IdentityProvider, declared: PasswordPolicy
    ) -> Iterator[Finding]:
        days = declared.max_age_days
        evidence = {"max_age_days": days}
        if days is not None and days > 0:
            yield self.failed(
                ref(provider),
                f"passwords expire every {days} days; NIST SP 800-63B-4 says verifiers shall "
                "not require periodic changes",
                evidence=evidence,
            )
        else:
            yield self.passed(
                ref(provider), "no periodic password change is forced", evidence=evidence
            )
