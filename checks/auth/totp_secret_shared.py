"""auth.totp_secret_shared: one TOTP seed enrolled on more than one account."""

from __future__ import annotations

from hardening.check import CheckContext, register
from hardening.facets import TotpStoreScan
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

from ._totp import TotpStoreCheck, sample


@register
class TotpSecretShared(TotpStoreCheck):
    """What it does
    Compares the TOTP seeds in each declared TOTP store (by a hash that means nothing outside
    this run; seeds are never kept) and fails the store when one seed is enrolled on more than
    one account. Reports the number of shared seeds and accounts, never the seed.

    Why is this bad
    Anyone who holds one of those accounts' authenticators, or its enrolment QR code, can
    produce valid codes for all of them: the second factor no longer identifies a person.
    Shared seeds come from copied enrolments, test fixtures promoted to production, or a
    "team" authenticator for a shared admin account.

    Example
    Two rows `('ops-a', 'JBSWY3DP…')` and `('ops-b', 'JBSWY3DP…')` with the same seed fail;
    they pass once each account has re-enrolled with its own seed.
    """

    spec = CheckSpec(
        id="auth.totp_secret_shared",
        title="One TOTP secret is enrolled on more than one account",
        severity=Severity.HIGH,
        rationale=(
            "A shared seed lets whoever holds any one authenticator sign in as every account "
            "that shares it, so the second factor proves nothing about who is signing in."
        ),
        remediation=Remediation(
            "Re-enrol every account that shares a seed with its own new seed, and give shared "
            "administrative access individual accounts.",
            (
                "Generate a new 160-bit seed per account and re-enrol through a verified "
                "channel; delete the shared seed.",
                "Replace shared admin logins with personal accounts that each have their own "
                "factor (or a privileged-access tool that brokers the shared credential).",
                "Find the enrolment or migration path that copied the seed.",
            ),
        ),
        references=("NIST SP 800-63B-4 §3.1.4", "CIS Controls v8 5.2", "RFC 4226 §7.5"),
        public_title="Two-factor authentication",
        needs=frozenset({"totp_stores"}),
    )

    def judge(self, ctx: CheckContext, scan: TotpStoreScan, resource: ResourceRef) -> Finding:
        evidence: dict[str, Scalar] = {
            "seeds": scan.seeds,
            "shared_seeds": scan.shared_seeds,
            "accounts_sharing": scan.sharing_accounts,
            "sample": sample(scan.sharing_sample),
        }
        if scan.shared_seeds:
            return self.failed(
                resource,
                f"{scan.shared_seeds} TOTP seed(s) are each enrolled on several accounts "
                f"({scan.sharing_accounts} accounts in all)",
                evidence=evidence,
            )
        else:
            return self.passed(
                resource,
                f"each of {scan.seeds} TOTP seeds belongs to one account",
                evidence=evidence,
            )
