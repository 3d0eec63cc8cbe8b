"""auth.totp_secret_invalid: stored TOTP seeds that are not valid base32."""

from __future__ import annotations

from hardening.check import CheckContext, register
from hardening.facets import TotpStoreScan
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

from ._totp import TotpStoreCheck, sample


@register
class TotpSecretInvalid(TotpStoreCheck):
    """What it does
    Decodes every TOTP seed in each declared TOTP store as base32 (RFC 4648; lower case,
    spaces and missing padding are accepted, as authenticator apps accept them) and fails the
    store when any seed does not decode. One finding per store, with the number of bad seeds
    and a sample of the affected account ids; the seeds themselves are never shown.

    Why is this bad
    A seed that does not decode either never produced a working code (the account has no
    working second factor and someone is letting it sign in anyway) or is stored in a
    different encoding than the verifier expects: hex, raw bytes, or an encrypted blob whose
    key handling is worth a look after a breach.

    Example
    A row `secret = 'JBSWY3DP-EHPK3PXP!'` fails; `secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'`
    (160 bits) passes.
    """

    spec = CheckSpec(
        id="auth.totp_secret_invalid",
        title="A stored TOTP secret is not valid base32",
        severity=Severity.MEDIUM,
        rationale=(
            "An undecodable seed means the account's second factor cannot work as enrolled, "
            "or that seeds are stored in an unexpected form that the verifier handles "
            "differently from what the inventory says."
        ),
        remediation=Remediation(
            "Re-enrol the affected accounts with a fresh 160-bit seed and find out how the "
            "malformed value was written.",
            (
                "Generate a new seed per account (e.g. `pyotp.random_base32()`, 32 characters "
                "= 160 bits) and re-enrol through a verified channel.",
                "Delete the malformed value; do not try to 'repair' it.",
                "Check the enrolment code path and any migration that touched the seed table.",
            ),
        ),
        references=("RFC 6238 §5.1", "RFC 4648 §6", "NIST SP 800-63B-4 §3.1.4"),
        public_title="Two-factor authentication",
        needs=frozenset({"totp_stores"}),
    )

    def judge(self, ctx: CheckContext, scan: TotpStoreScan, resource: ResourceRef) -> Finding:
        evidence: dict[str, Scalar] = {
            "seeds": scan.seeds,
            "invalid": scan.invalid,
            "sample": sample(scan.invalid_sample),
        }
        if scan.invalid:
            return self.failed(
                resource,
                f"{scan.invalid} of {scan.seeds} stored TOTP seeds are not valid base32",
                evidence=evidence,
            )
        else:
            return self.passed(
                resource,
                f"all {scan.seeds} TOTP seeds decode as base32",
                evidence=evidence,
            )
