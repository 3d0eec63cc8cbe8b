"""auth.credential_not_reset_since_incident: a password predates the incident's discovery."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from hardening.check import (
    FAILED,
    PASSED,
    SKIPPED,
    Check,
    CheckContext,
    Verdict,
    ref,
    register,
)
from hardening.estate import Account
from hardening.facets import CredentialStoreScan, first_accounts
from hardening.model import (
    CheckSpec,
    Finding,
    Remediation,
    ResourceRef,
    Scalar,
    Severity,
    Status,
)

from .mfa_not_enforced import PrivilegedRoles, privileged_roles

#: Stores whose accounts are also collected as accounts (with their change dates): judged there.
_ACCOUNT_BACKED = frozenset({"keycloak_export"})


@register
class CredentialNotResetSinceIncident(Check):
    """What it does
    Compares the `password_changed` date of every enabled account with the date the incident
    was discovered (`organisation.incident.discovered`), and does the same, one finding per
    store, for credential stores that record a change date (`changed_column` in SQL tables, the
    last-change field of a shadow file). It fails the account when the password
    was last changed before that date and passes it when the change was on or after it; a pass
    notes when the change still came before the incident was contained. An account with no
    change date recorded is skipped, never passed: an unknown date proves nothing. A failing
    account in a privileged role (see `auth.mfa_not_enforced`) is reported as critical.
    Disabled accounts are not examined - reset them before anyone enables them again.

    Why is this bad
    A password set before the breach was discovered must be assumed to be in the attacker's
    hands: read from the stolen store, cracked from its hash, or captured while the attacker
    was inside. Until it is changed the attacker can simply sign in, and with tokens, API keys
    and sessions issued before the reset they may not even need to.

    Example
    Failing (incident discovered 2026-10-02): `{id: u-1001, password_changed: 2026-09-01}`.
    Fixed: the password is reset through a channel the attacker does not control, its sessions
    and keys revoked, and the estate records `password_changed: 2026-10-06`.
    """

    spec = CheckSpec(
        id="auth.credential_not_reset_since_incident",
        title="An account's password was last changed before the incident was discovered",
        severity=Severity.HIGH,
        rationale=(
            "Credentials that existed during the breach must be assumed known to the attacker; "
            "NIST SP 800-63B-4 requires a forced change on evidence of compromise."
        ),
        remediation=Remediation(
            "Reset every credential that predates the incident - privileged accounts first - "
            "and revoke everything issued on the strength of the old one: sessions, refresh "
            "tokens, API keys, SSH keys, and TOTP enrolments if the seed store may have been "
            "read.",
            steps=(
                "Do not rely on 'change at next sign-in' alone: whoever signs in next with the "
                "leaked password chooses the new one. Set a random temporary password delivered "
                "out of band, or send a reset link to a verified address that was not itself "
                "compromised.",
                "Keycloak: `kcadm.sh update users/<user-id>/execute-actions-email -r <realm> "
                "-b '[\"UPDATE_PASSWORD\"]'`, then end its sessions with "
                "`kcadm.sh create users/<user-id>/logout -r <realm>`.",
                "Active Directory: `Set-ADAccountPassword -Identity <user> -Reset` with a random "
                "temporary password, then `Set-ADUser -Identity <user> -ChangePasswordAtLogon "
                "$true`.",
                "AWS IAM: `aws iam update-login-profile --user-name <user> --password <random> "
                "--password-reset-required`; create new access keys, then "
                "`aws iam update-access-key --status Inactive` and `delete-access-key` the old.",
                "Re-enrol TOTP for accounts whose seeds were in a store the attacker could read.",
                "Record the new `password_changed` dates in the estate and re-run.",
            ),
        ),
        references=(
            "NIST SP 800-63B-4 §3.1.1.2 (force a change on evidence of compromise)",
            "NIST SP 800-61 Rev. 3 (incident response: recovery)",
            "ISO/IEC 27001:2022 A.5.26 (response to information security incidents)",
            "ISO/IEC 27001:2022 A.5.17 (authentication information)",
            "PCI DSS 4.0 12.10.1 (incident response plan)",
        ),
        # Never public: "being strengthened" would tell the attacker leaked passwords still work.
        public_title=None,
        needs=frozenset({"incident"}),
        uses=frozenset({"accounts", "credential_stores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        incident = ctx.incident
        if incident is None or incident.discovered is None:
            return  # the runner skips the check before this point
        scans = [s for s in ctx.credential_scans or () if s.kind not in _ACCOUNT_BACKED]
        if not ctx.accounts and not scans:
            yield self.skipped(
                ResourceRef("estate", "accounts"),
                "the estate declares no accounts and no credential store records change dates",
            )
            return
        yield from self._accounts(ctx, incident.discovered, incident.contained)
        stores = {s.id: s for s in ctx.estate.credential_stores or ()}
        for scan in scans:
            store = stores.get(scan.store_id)
            where = ref(store) if store else ResourceRef("credential_store", scan.store_id)
            yield self._store(scan, where, incident.discovered)

    def _store(self, scan: CredentialStoreScan, where: ResourceRef, discovered: date) -> Finding:
        """One finding per credential store, from the change dates the store itself records."""
        if scan.unreadable is not None:
            return self.errored(where, f"Not judged: {scan.unreadable}.")
        live = scan.undated + sum(day.count for day in scan.changes)
        dated = sum(day.count for day in scan.changes)
        before = [day for day in scan.changes if day.day < discovered]
        stale = sum(day.count for day in before)
        evidence: dict[str, Scalar] = {
            "incident_discovered": discovered.isoformat(),
            "accounts": live,
            "with_change_date": dated,
            "not_reset": stale,
            "sample": ";".join(first_accounts(day.sample for day in before)),
        }
        if not dated:
            return self.skipped(
                where,
                "the store records no password change dates (declare changed_column), so "
                "resets since the incident cannot be shown",
                evidence=evidence,
            )
        unknown = scan.undated
        tail = f"; {unknown:,} more have no change date" if unknown else ""
        if stale:
            return self.failed(
                where,
                f"{stale:,} of {live:,} stored passwords were last changed before the "
                f"incident was discovered on {discovered.isoformat()}{tail}",
                evidence=evidence,
            )
        if unknown:
            return self.skipped(
                where,
                f"all {dated:,} dated passwords changed since the incident, but "
                f"{unknown:,} have no change date",
                evidence=evidence,
            )
        return self.passed(
            where,
            f"all {dated:,} stored passwords changed on or after {discovered.isoformat()}",
            evidence=evidence,
        )

    def _accounts(
        self, ctx: CheckContext, discovered: date, contained: date | None
    ) -> Iterator[Finding]:
        policy = ctx.policy
        critical: Verdict = (Status.FAIL, Severity.CRITICAL)
        since = f"the incident was discovered on {discovered.isoformat()}"

        privileged = PrivilegedRoles(policy)

        accounts = [a for a in ctx.accounts if a.enabled]
        verdicts = [
            SKIPPED
            if (changed := a.password_changed) is None
            else PASSED
            if changed >= discovered
            else critical
            if privileged[a.roles]
            else FAILED
            for a in accounts
        ]

        def describe(account: Account, status: Status) -> tuple[str, Mapping[str, Scalar]]:
            changed = account.password_changed
            evidence: dict[str, Scalar] = {"incident_discovered": discovered.isoformat()}
            if changed is None:
                return (
                    "no password change date recorded, so a reset since the incident cannot "
                    "be shown",
                    evidence,
                )
            evidence["password_changed"] = changed.isoformat()
            if status is Status.PASS:
                caveat = ""
                if contained is not None and changed < contained:
                    evidence["before_containment"] = True
                    caveat = (
                        f", but before containment on {contained.isoformat()}; reset again if "
                        "the attacker could still read credentials then"
                    )
                return (
                    f"password changed on {changed.isoformat()}, on or after {since}{caveat}",
                    evidence,
                )
            roles = privileged_roles(account, policy)
            days = (discovered - changed).days
            evidence["days_before_discovery"] = days
            privileged = (
                f"; critical because of privileged role {', '.join(roles)}" if roles else ""
            )
            return (
                f"password last changed on {changed.isoformat()}, {days} day(s) before {since}, "
                "and not reset since" + privileged,
                evidence,
            )

        def summarise(
            status: Status, severity: Severity, accounts: Sequence[Account]
        ) -> tuple[str, Mapping[str, Scalar]]:
            evidence: dict[str, Scalar] = {"incident_discovered": discovered.isoformat()}
            n = len(accounts)
            if status is Status.SKIP:
                return (
                    f"enabled accounts recording no password change date, so that a reset "
                    f"since the incident cannot be shown: {n:,}",
                    evidence,
                )
            dates = [a.password_changed for a in accounts if a.password_changed is not None]
            if status is Status.PASS:
                early = sum(1 for d in dates if d < contained) if contained is not None else 0
                caveat = ""
                if early:
                    evidence["before_containment"] = early
                    caveat = (
                        f"; {early:,} of them before containment on {contained.isoformat()}"
                        if contained is not None
                        else ""
                    )
                return (
                    f"enabled accounts whose password changed on or after {since}: {n:,}{caveat}",
                    evidence,
                )
            oldest = min(dates)
            evidence.update(
                oldest_change=oldest.isoformat(),
                days_before_discovery_max=(discovered - oldest).days,
            )
            privileged = (
                "; critical because each holds a privileged role"
                if severity is Severity.CRITICAL
                else ""
            )
            return (
                f"enabled accounts whose password was last changed before {since} and not "
                f"reset since: {n:,}, the oldest changed on {oldest.isoformat()}" + privileged,
                evidence,
            )

        return self.account_findings(ctx, accounts, verdicts, describe, summarise)
