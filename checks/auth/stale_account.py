"""auth.stale_account: an enabled account has not signed in for longer than policy allows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta

from hardening.check import FAILED, PASSED, SKIPPED, Check, CheckContext, Verdict, register
from hardening.estate import Account
from hardening.model import CheckSpec, Finding, Remediation, Scalar, Severity, Status

from .mfa_not_enforced import PrivilegedRoles, privileged_roles


@register
class StaleAccount(Check):
    """What it does
    Looks at every enabled account. It fails the account when its last sign-in
    (`last_login`) is more than `policy.stale_account_days` (default 90) before the run date,
    or when no sign-in is recorded and the password was set more than that long ago (an
    account created and never used). An account with no sign-in recorded whose password was
    set within the window is a new account and passes. An account with neither date is
    skipped, because it cannot be judged. A failing account in a privileged role (see
    `auth.mfa_not_enforced`) is reported as high. Disabled accounts are not examined.

    Why is this bad
    Nobody notices when a dormant account is used: its owner has left or forgotten it, so an
    attacker's sign-in raises no complaint, and its password is often an old one that was in
    the stolen data. Dormant privileged accounts are a favourite way back in after the
    obvious accounts have been reset.

    Example
    Failing (run on 2026-11-25, policy 90 days): `{id: svc-old, last_login: 2026-03-01}`.
    Fixed: the account is disabled (`enabled: false`) after checking with its owner, or it is
    in use again and `last_login` is within the last 90 days.
    """

    spec = CheckSpec(
        id="auth.stale_account",
        title="An enabled account has not signed in for longer than policy allows",
        severity=Severity.MEDIUM,
        rationale=(
            "Dormant accounts are used by attackers without anyone noticing, and their "
            "passwords are often old ones that were part of the stolen data."
        ),
        remediation=Remediation(
            "Disable dormant accounts (keep them for the investigation rather than deleting "
            "them), confirm with the owner whether each is still needed, and remove the "
            "privileges of those that are.",
            steps=(
                "Keycloak: `kcadm.sh update users/<user-id> -r <realm> -s enabled=false`.",
                "Active Directory: `Search-ADAccount -AccountInactive -TimeSpan 90.00:00:00 "
                "-UsersOnly | Disable-ADAccount`.",
                "AWS IAM: `aws iam delete-login-profile --user-name <user>` and "
                "`aws iam update-access-key --user-name <user> --access-key-id <key-id> "
                "--status Inactive`.",
                "Linux: `usermod --lock --expiredate 1 <user>`.",
                "Record `enabled: false` in the estate so the next run reflects it.",
            ),
        ),
        references=(
            "CIS Controls v8 5.3 (disable dormant accounts after 45 days of inactivity)",
            "PCI DSS 4.0 8.2.6 (inactive accounts removed or disabled within 90 days)",
            "ISO/IEC 27001:2022 A.5.18 (access rights: review and removal)",
            "NIST SP 800-53 Rev. 5 AC-2(3) (disable accounts)",
        ),
        public_title="Access controls",
        needs=frozenset({"accounts"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        window = ctx.policy.stale_account_days
        today = ctx.today
        cutoff = today - timedelta(days=window)
        policy = ctx.policy
        high: Verdict = (Status.FAIL, Severity.HIGH)

        privileged = PrivilegedRoles(policy)

        accounts = [a for a in ctx.accounts if a.enabled]
        verdicts = [
            SKIPPED
            if (seen := a.last_login or a.password_changed) is None
            else PASSED
            if seen >= cutoff
            else high
            if privileged[a.roles]
            else FAILED
            for a in accounts
        ]

        def describe(account: Account, status: Status) -> tuple[str, Mapping[str, Scalar]]:
            evidence: dict[str, Scalar] = {"stale_account_days": window}
            if account.last_login is not None:
                idle = (today - account.last_login).days
                evidence.update(last_login=account.last_login.isoformat(), days_idle=idle)
                if status is Status.PASS:
                    return f"last sign-in {idle} day(s) ago, within the {window}-day policy", (
                        evidence
                    )
                what = f"last sign-in was {idle} days ago"
            elif account.password_changed is not None:
                age = (today - account.password_changed).days
                evidence.update(
                    password_changed=account.password_changed.isoformat(), days_since_set=age
                )
                if status is Status.PASS:
                    return (
                        f"no sign-in recorded, but the password was set {age} day(s) ago "
                        f"(a new account, within the {window}-day policy)",
                        evidence,
                    )
                what = f"no sign-in is recorded and the password was set {age} days ago"
            else:
                return "neither a last sign-in nor a password change date is recorded", evidence
            roles = privileged_roles(account, policy)
            privileged = f"; high because of privileged role {', '.join(roles)}" if roles else ""
            return (
                f"enabled account is dormant: {what}, beyond the {window}-day policy" + privileged,
                evidence,
            )

        def summarise(
            status: Status, severity: Severity, accounts: Sequence[Account]
        ) -> tuple[str, Mapping[str, Scalar]]:
            evidence: dict[str, Scalar] = {"stale_account_days": window}
            n = len(accounts)
            if status is Status.SKIP:
                return (
                    f"enabled accounts recording neither a last sign-in nor a password change "
                    f"date: {n:,}",
                    evidence,
                )
            # Grouped accounts all have a date (the undated ones are skipped): no None here.
            seen = [a.last_login or a.password_changed for a in accounts]
            oldest = min(filter(None, seen))
            newest = max(filter(None, seen))
            if status is Status.PASS:
                evidence["latest_activity"] = newest.isoformat()
                return (
                    f"enabled accounts that signed in (or were set up) within the {window}-day "
                    f"policy: {n:,}",
                    evidence,
                )
            evidence.update(oldest_activity=oldest.isoformat(), days_idle_max=(today - oldest).days)
            privileged = (
                "; high because each holds a privileged role" if (severity is Severity.HIGH) else ""
            )
            return (
                f"dormant enabled accounts, with no sign-in (or, with none recorded, no "
                f"password change) within the {window}-day policy: {n:,}, idle the longest "
                f"since {oldest.isoformat()}" + privileged,
                evidence,
            )

        return self.account_findings(ctx, accounts, verdicts, describe, summarise)
