"""auth.totp_window_too_wide: TOTP verification accepting codes from too many time steps."""

from __future__ import annotations

from collections.abc import Iterator

from hardening.check import Check, CheckContext, ref, register
from hardening.model import CheckSpec, Finding, Remediation, Scalar, Severity


@register
class TotpWindowTooWide(Check):
    """What it does
    For each identity provider that offers TOTP, compares the declared verification window
    (`mfa.totp.window`: time steps accepted either side of now) with
    `policy.totp_window_max` (default 1, RFC 6238's recommendation) and fails when it is
    wider. Providers that offer TOTP without declaring its settings are skipped.

    Why is this bad
    Every extra step widens the time a phished or shoulder-surfed code stays valid and
    multiplies the codes an online guesser can hit: with a 30-second period and a window of
    3, seven codes are valid at any moment, for up to 3.5 minutes.

    Example
    `mfa: {methods: [totp], totp: {period: 30, window: 3}}` fails; `window: 1` passes (with
    clock drift handled by NTP on the server, not by a wider window).
    """

    spec = CheckSpec(
        id="auth.totp_window_too_wide",
        title="TOTP verification accepts more than one time step either side",
        severity=Severity.MEDIUM,
        rationale=(
            "A wide verification window keeps stolen one-time codes valid for minutes and "
            "makes online guessing several times easier."
        ),
        remediation=Remediation(
            "Accept at most one time step either side of the current one, and keep server "
            "clocks in sync instead of widening the window.",
            (
                "pyotp: `totp.verify(code, valid_window=1)`.",
                "Keycloak: Authentication → Policies → OTP Policy → Look Around Window = 1.",
                "Make sure the verifier's clock is NTP-synchronised.",
                "Reject a code that was already used once (replay protection).",
            ),
        ),
        references=("RFC 6238 §5.2", "NIST SP 800-63B-4 §3.1.4.2"),
        public_title="Two-factor authentication",
        needs=frozenset({"identity"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        limit = ctx.policy.totp_window_max
        for provider in ctx.identity:
            mfa = provider.mfa
            if mfa is None or "totp" not in mfa.methods:
                continue
            if mfa.totp is None:
                yield self.skipped(ref(provider), "offers TOTP but declares no TOTP settings")
                continue
            window, period = mfa.totp.window, mfa.totp.period
            evidence: dict[str, Scalar] = {
                "window": window,
                "period_s": period,
                "max_window": limit,
            }
            valid_codes = 2 * window + 1
            if window > limit:
                yield self.failed(
                    ref(provider),
                    f"accepts TOTP codes {window} steps either side ({valid_codes} codes valid "
                    f"at once, each for up to {valid_codes * period} s); policy allows {limit}",
                    evidence=evidence,
                )
            else:
                yield self.passed(
                    ref(provider),
                    f"TOTP window is {window} step(s) either side",
                    evidence=evidence,
                )
