"""auth.password_breach_screening_missing: new passwords are not checked against breach lists."""

from __future__ import annotations

from collections.abc import Iterator

from hardening.check import CheckContext, ref, register
from hardening.estate import IdentityProvider, PasswordPolicy
from hardening.model import CheckSpec, Finding, Remediation, Severity

from ._policy import PasswordPolicyCheck


@register
class PasswordBreachScreeningMissing(PasswordPolicyCheck):
    """What it does
    Reads `password_policy.breach_screening` of every identity provider and fails it when it
    is `false`: new and changed passwords are not compared with a list of breached, common or
    expected values. A provider that does not declare the setting, or has no password policy,
    is skipped with the reason, since nothing says whether screening happens.

    Why is this bad
    Attackers try leaked passwords first - from public breach corpora and, after this incident,
    from the organisation's own stolen data. Without screening, users can set (or reset to) a
    password that is already on those lists, and a post-incident reset may hand back a
    password the attacker already knows.

    Example
    Failing: `password_policy: {breach_screening: false}`. Fixed:
    `password_policy: {breach_screening: true}`, e.g. Keycloak's `passwordBlacklist` policy
    loaded with a breached-password list, or a k-anonymity lookup on every password change.
    """

    spec = CheckSpec(
        id="auth.password_breach_screening_missing",
        title="New passwords are not checked against breached or common passwords",
        severity=Severity.MEDIUM,
        rationale=(
            "Leaked and common passwords are the first ones attackers try; NIST SP 800-63B-4 "
            "requires new passwords to be compared with a blocklist of such values."
        ),
        remediation=Remediation(
            "Screen every new or changed password against a breached-password corpus plus "
            "context words (organisation, product and user names), and reject matches with a "
            "message that says why.",
            steps=(
                "Online: query a k-anonymity range API - send only the first 5 hex characters "
                "of the password's SHA-1 (`GET https://api.pwnedpasswords.com/range/<prefix>`) "
                "and compare the returned suffixes locally; the password never leaves the "
                "server.",
                "Offline: download a breached-password hash list (e.g. the Pwned Passwords "
                "downloader) and look candidates up locally.",
                "Keycloak: place a list in `data/password-blacklists/` and add "
                "`passwordBlacklist(<file>)` to the realm's `passwordPolicy`.",
                "Active Directory / Entra ID: enable Microsoft Entra Password Protection (with "
                "a custom banned list) or an on-premises password filter.",
                "Add words tied to this incident and organisation to the banned list.",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §3.1.1.2 (compare against a blocklist of compromised values)",
            "OWASP ASVS 4.0.3 V2.1.7 (check passwords against breached sets)",
            "OWASP Authentication Cheat Sheet",
            "ISO/IEC 27001:2022 A.5.17 (authentication information)",
        ),
        public_title="Password protection",
        needs=frozenset({"identity"}),
    )

    def judge(
        self, ctx: CheckContext, provider: IdentityProvider, declared: PasswordPolicy
    ) -> Iterator[Finding]:
        screening = declared.breach_screening
        evidence = {"breach_screening": screening}
        if screening is None:
            yield self.skipped(
                ref(provider),
                "the password policy does not declare whether breach screening is on",
                evidence=evidence,
            )
        elif screening:
            yield self.passed(
                ref(provider),
                "new passwords are screened against breached and common passwords",
                evidence=evidence,
            )
        else:
            yield self.failed(
                ref(provider),
                "new passwords are not screened against breached or common passwords, so "
                "a leaked password can be set again",
                evidence=evidence,
            )
