"""auth.totp_secret_too_short: TOTP seeds shorter than policy (default 128 bits)."""

from __future__ import annotations

from hardening.check import CheckContext, register
from hardening.facets import TotpStoreScan, first_accounts
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

from ._totp import TotpStoreCheck, sample

#: Below this many bits a seed is weaker than pyotp itself will accept (it refuses < 112).
CRITICALLY_SHORT_BITS = 80


@register
class TotpSecretTooShort(TotpStoreCheck):
    """What it does
    Measures the decoded length of every valid TOTP seed in each declared TOTP store and
    fails the store when any seed is shorter than `policy.totp_secret_min_bits` (default 128;
    RFC 4226 requires at least 128 and recommends 160). Severity is high when a seed is 80
    bits or shorter. One finding per store; invalid seeds are left to
    auth.totp_secret_invalid.

    Why is this bad
    The seed is the whole secret of the second factor. Short seeds came from old enrolment
    code (10-byte secrets were common) and shrink the work needed to recover a seed from
    observed codes; after a breach, every weakness in the second factor matters because the
    first factor may already be known.

    Example
    A 16-character seed `MFRGGZDFMZTWQ2LK` (80 bits) fails; a 32-character seed
    (160 bits, what `pyotp.random_base32()` makes) passes.
    """

    spec = CheckSpec(
        id="auth.totp_secret_too_short",
        title="A TOTP secret is shorter than 128 bits",
        severity=Severity.MEDIUM,
        rationale=(
            "RFC 4226 requires shared secrets of at least 128 bits and recommends 160; short "
            "seeds are a sign of legacy enrolment code and weaken the second factor."
        ),
        remediation=Remediation(
            "Re-enrol the affected accounts with 160-bit seeds and fix the enrolment code to "
            "generate them.",
            (
                "Generate seeds with a CSPRNG at 160 bits (`pyotp.random_base32()`, or 20 bytes "
                "from `secrets.token_bytes`).",
                "Force re-enrolment for the listed accounts through a verified channel, then "
                "delete the old seeds.",
            ),
        ),
        references=("RFC 4226 §4 (R6)", "RFC 6238 §5.1", "NIST SP 800-63B-4 §3.1.4.1"),
        public_title="Two-factor authentication",
        needs=frozenset({"totp_stores"}),
    )

    def judge(self, ctx: CheckContext, scan: TotpStoreScan, resource: ResourceRef) -> Finding:
        floor = ctx.policy.totp_secret_min_bits
        valid = sum(length.count for length in scan.lengths)
        too_short = [length for length in scan.lengths if length.bits < floor]
        short = sum(length.count for length in too_short)
        shortest = min((length.bits for length in scan.lengths), default=None)
        evidence: dict[str, Scalar] = {
            "seeds": valid,
            "short": short,
            "shortest_bits": shortest,
            "min_bits": floor,
            "sample": sample(first_accounts(length.sample for length in too_short)),
        }
        if not short:
            return self.passed(
                resource,
                f"all {valid} valid TOTP seeds have at least {floor} bits",
                evidence=evidence,
            )
        severity = (
            Severity.HIGH if shortest is not None and shortest <= CRITICALLY_SHORT_BITS else None
        )
        return self.failed(
            resource,
            f"{short} of {valid} TOTP seeds are shorter than {floor} bits "
            f"(shortest: {shortest} bits)",
            severity=severity,
            evidence=evidence,
        )
