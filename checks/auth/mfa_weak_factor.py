"""auth.mfa_weak_factor: a privileged account's only second factor is SMS, voice or email."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from hardening.check import FAILED, PASSED, SKIPPED, Check, CheckContext, register
from hardening.estate import Account
from hardening.model import CheckSpec, Finding, Remediation, Scalar, Severity, Status

from .mfa_not_enforced import PrivilegedRoles, privileged_roles

#: Factors whose code travels over a channel the attacker can redirect or read.
WEAK_FACTORS = frozenset({"sms", "voice", "email"})
#: Factors bound to a key on a device, which a look-alike site cannot relay.
PHISHING_RESISTANT_FACTORS = frozenset(
    {"webauthn", "fido2", "u2f", "passkey", "piv", "smartcard", "hardware_key", "security_key"}
)
#: App or token factors: not phishing-resistant, but not tied to a phone number or mailbox.
DEVICE_FACTORS = frozenset({"totp", "hotp", "push"})


def _normalise(factor: str) -> str:
    return factor.strip().casefold().replace("-", "_").replace(" ", "_")


@register
class MfaWeakFactor(Check):
    """What it does
    Looks at every enabled account that holds a role requiring MFA (see
    `auth.mfa_not_enforced`) and has at least one factor enrolled. It fails the account when
    every enrolled factor is `sms`, `voice` or `email`, and passes it when any of `totp`,
    `hotp`, `push`, `webauthn`, `fido2`, `u2f`, `passkey`, `piv`, `smartcard`,
    `hardware_key` or `security_key` is enrolled; a pass still notes a weak factor left
    enrolled as a fallback. An account with no recognised strong factor but a factor name it
    does not know is skipped with the names listed rather than guessed at. Accounts without
    any factor are left to `auth.mfa_not_enforced`.

    Why is this bad
    A code sent by SMS or voice call goes to whoever controls the phone number: SIM swaps and
    number ports are routine for attackers targeting administrators, and the code is as easy to
    phish as the password. A code sent by email goes to a mailbox that, after a breach, may
    itself be compromised or reset with the same leaked password. NIST SP 800-63B-4 restricts
    the PSTN and does not accept email as an out-of-band authenticator.

    Example
    Failing: `{id: u-1001, roles: [admin], mfa: [sms]}`.
    Fixed: `{id: u-1001, roles: [admin], mfa: [webauthn]}` (a security key or platform
    passkey), with the SMS factor removed so it cannot be chosen as a fallback.
    """

    spec = CheckSpec(
        id="auth.mfa_weak_factor",
        title="A privileged account's only second factor is SMS, voice or email",
        severity=Severity.MEDIUM,
        rationale=(
            "SMS and voice codes follow the phone number (SIM swap, number port) and email codes "
            "follow a mailbox that may be compromised too; neither resists phishing."
        ),
        remediation=Remediation(
            "Enrol a device-bound factor for every privileged account - WebAuthn/FIDO2 security "
            "keys or passkeys for administrators, an authenticator app at the least - then "
            "remove the SMS, voice and email factors so they cannot be chosen as a fallback.",
            steps=(
                "Enrol the new factor through a verified channel, not through the SMS/email "
                "factor being replaced.",
                "Keycloak: add WebAuthn to the browser flow and the `webauthn-register` required "
                "action for the user; remove SMS/email authenticators from the flow used by "
                "privileged roles.",
                "AWS IAM: `aws iam enable-mfa-device` with a FIDO security key or virtual MFA "
                "device (IAM offers no SMS factor for users; check federated IdPs instead).",
                "Remove the weak factor: delete the phone number or email OTP credential from "
                "the account once the new factor is verified.",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §3.1.3.3 (authentication using the PSTN is restricted)",
            "NIST SP 800-63B-4 §3.1.3.1 (email is not an out-of-band authenticator)",
            "NIST SP 800-63B-4 §3.2.5 (phishing resistance)",
            "CISA, Implementing Phishing-Resistant MFA (fact sheet, 2022)",
            "OWASP ASVS 4.0.3 V2.7.1 (restricted authenticators such as SMS not offered by "
            "default)",
            "OWASP Multifactor Authentication Cheat Sheet",
        ),
        public_title="Two-factor authentication",
        needs=frozenset({"accounts"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        policy = ctx.policy
        privileged = PrivilegedRoles(policy)

        accounts = [a for a in ctx.accounts if a.enabled and a.mfa and privileged[a.roles]]
        verdicts = [_VERDICTS[_judge(a.mfa, privileged[a.roles]).status] for a in accounts]

        def describe(account: Account, status: Status) -> tuple[str, Mapping[str, Scalar]]:
            verdict = _judge(account.mfa, privileged_roles(account, policy))
            return verdict.detail, verdict.evidence

        def summarise(
            status: Status, severity: Severity, accounts: Sequence[Account]
        ) -> tuple[str, Mapping[str, Scalar]]:
            n = len(accounts)
            verdicts = [_judge(a.mfa, privileged_roles(a, policy)) for a in accounts]
            if status is Status.PASS:
                fallback = sum(1 for v in verdicts if v.evidence.get("weak_fallback"))
                tail = (
                    f"; {fallback:,} of them also have SMS, voice or email enrolled, which may "
                    "be offered as a fallback: remove it"
                    if fallback
                    else ""
                )
                return (
                    f"privileged accounts with an app, token or phishing-resistant factor: "
                    f"{n:,}{tail}",
                    {"weak_fallback": fallback},
                )
            if status is Status.SKIP:
                return (
                    f"privileged accounts whose only factors are not known method names "
                    f"(expected e.g. totp, webauthn, push, sms, voice, email): {n:,}",
                    {},
                )
            by_factor: dict[str, int] = {}
            for v in verdicts:
                for factor in str(v.evidence["mfa_methods"]).split(", "):
                    by_factor[factor] = by_factor.get(factor, 0) + 1
            return (
                f"privileged accounts whose only second factor is SMS, voice or email, open to "
                f"SIM swap, number port or a compromised mailbox as well as phishing: {n:,}",
                {f"with_{factor}": count for factor, count in sorted(by_factor.items())},
            )

        return self.account_findings(ctx, accounts, verdicts, describe, summarise)


_VERDICTS = {Status.PASS: PASSED, Status.FAIL: FAILED, Status.SKIP: SKIPPED}


class _Verdict(NamedTuple):
    status: Status
    detail: str
    evidence: Mapping[str, Scalar]


@lru_cache(maxsize=4096)
def _judge(mfa: tuple[str, ...], roles: tuple[str, ...]) -> _Verdict:
    """The verdict on a privileged account with factors `mfa` (memoised: few combinations)."""
    factors = {_normalise(f) for f in mfa}
    weak = sorted(factors & WEAK_FACTORS)
    resistant = sorted(factors & PHISHING_RESISTANT_FACTORS)
    device = sorted(factors & DEVICE_FACTORS)
    unknown = sorted(factors - WEAK_FACTORS - PHISHING_RESISTANT_FACTORS - DEVICE_FACTORS)
    evidence: dict[str, Scalar] = {
        "roles": ", ".join(roles),
        "mfa_methods": ", ".join(sorted(factors)),
    }
    strong = resistant + device
    if strong:
        fallback = (
            f"; {', '.join(weak)} is still enrolled and may be offered as a fallback, remove it"
            if weak
            else ""
        )
        kind = "a phishing-resistant" if resistant else "an app or token"
        return _Verdict(
            Status.PASS,
            f"privileged account has {kind} factor ({', '.join(strong)}){fallback}",
            MappingProxyType({**evidence, "weak_fallback": bool(weak)}),
        )
    if unknown:
        return _Verdict(
            Status.SKIP,
            f"cannot judge the enrolled factor(s) {', '.join(unknown)}: not a known method "
            "name (expected e.g. totp, webauthn, push, sms, voice, email)",
            MappingProxyType(evidence),
        )
    risks = []
    if factors & {"sms", "voice"}:
        risks.append("SIM swap or number port")
    if "email" in factors:
        risks.append("a compromised mailbox")
    return _Verdict(
        Status.FAIL,
        f"privileged account's only second factor is {', '.join(weak)}, open to "
        f"{' and '.join(risks)} as well as phishing",
        MappingProxyType(evidence),
    )
