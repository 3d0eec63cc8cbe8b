"""`placement.restricted_store_online`: a restricted store is reachable beyond its app tier."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Final

from hardening.check import (
    Check,
    CheckContext,
    CheckSpec,
    Finding,
    Remediation,
    Severity,
    Status,
    register,
)
from hardening.checks.datastore.verdicts import Verdict, judged_stores, verdict
from hardening.estate import Datastore
from hardening.facets import ProbeResult
from hardening.model import Scalar

#: Zones where a restricted store is out of reach of users and the internet.
_CONTAINED: Final = frozenset({"offline", "isolated", "app_tier"})

#: Zones from which the audit host (not the store's application) must not reach the store.
_SEALED: Final = frozenset({"offline", "isolated"})

_SEALED_FIX: Final = (
    "Find the path the audit host used (routes, firewall rules, security groups, a forgotten "
    "listener or port forward) and close it; an offline store should have no network "
    "interface at all, an isolated one should admit only its application tier. Then correct "
    "the declared zone if the store is in fact online."
)

_INTERNET_FIX: Final = (
    "Cut the internet path first (remove the public IP, port forward or 0.0.0.0/0 rule; for "
    "RDS `aws rds modify-db-instance --db-instance-identifier <id> --no-publicly-accessible "
    "--apply-immediately`), rotate the store's credentials, review its logs since the "
    "incident, then isolate it to the application tier."
)

_CORPORATE_FIX: Final = (
    "Move the store into a dedicated VLAN or security group that admits only the application "
    "tier's addresses on the database port, remove routes and firewall rules from user and "
    "corporate networks, and send administrators through a bastion that requires MFA."
)


@register
class RestrictedStoreOnline(Check):
    """What it does
    For every store classified `restricted`, passes when its declared `zone` is `offline`,
    `isolated` or `app_tier` (reachable only from the application that uses it), and fails when the
    zone is `corporate` or `internet` or the store is declared `internet_exposed: true` whatever its
    zone. A restricted store without a declared zone is skipped with a request to declare one.
    Stores with another or no classification are not examined. Severity is high, critical when the
    store is reachable from the internet. With `--probe`, a store declared `offline` or `isolated`
    that accepts a connection from the audit host fails ("reachable from the audit host"; critical
    on a globally routable address), and one the probe cannot reach passes with that confirmation.

    Why is this bad
    Restricted data (card numbers, identity documents, credentials, core banking records) should be
    reachable only by the application that needs it. On a corporate network every compromised
    laptop, phished user or lateral-movement foothold can reach it; on the internet, anyone can.

    Example
    `{id: card-disputes-archive, classification: restricted, zone: corporate}` fails; moving it
    behind a security group that admits only the dispute application's servers and declaring `zone:
    app_tier` passes. An archive nobody queries daily is better still taken offline (`zone:
    offline`).
    """

    spec = CheckSpec(
        id="placement.restricted_store_online",
        title="A restricted data store is reachable beyond its application tier",
        severity=Severity.HIGH,
        rationale=(
            "After a breach the attacker's foothold is usually a user workstation or server on "
            "the corporate network; a restricted store reachable from there, or from the "
            "internet, is one stolen credential away from exfiltration."
        ),
        remediation=Remediation(
            "Take the store offline or isolate it so that only its application tier can reach "
            "it, and administrators only through a bastion with MFA.",
            steps=(
                "If the data is not needed online (archives, history), take the store offline: "
                "export to encrypted offline media or shut it down and detach it from the network.",
                "Otherwise place it in a dedicated VLAN or security group whose only inbound "
                "rule is the database port from the application tier's addresses "
                "(`aws ec2 authorize-security-group-ingress --group-id <db-sg> --protocol tcp "
                "--port 5432 --source-group <app-sg>`, then revoke every other rule).",
                "Remove routes from user, VPN and corporate networks to that segment; allow "
                "administration only from a bastion that requires MFA and logs sessions.",
                "Restrict the engine too: pg_hba.conf / bind addresses / account host patterns "
                "to the application-tier subnets only.",
                "For analytics on crown-jewel data, give analysts an offline or masked replica "
                "instead of access to the live store.",
                "Declare the new `zone` (`isolated`, `app_tier` or `offline`) in the estate.",
            ),
        ),
        references=(
            "PCI DSS 4.0 1.4.4",
            "CIS Controls v8 3.12",
            "CIS Controls v8 12.2",
            "ISO/IEC 27001:2022 A.8.22",
            "NIST SP 800-207",
        ),
        public_title="Network exposure",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(ctx, judged_stores(ctx, _facts, _verdict, probed=True))


def _facts(store: Datastore) -> Hashable | None:
    """The three facts read, for restricted stores."""
    if store.classification != "restricted":
        return None
    return store.zone, store.internet_exposed, store.hosting


def _verdict(store: Datastore, probe: ProbeResult | None) -> Verdict:
    evidence: dict[str, Scalar] = {
        "zone": store.zone,
        "internet_exposed": store.internet_exposed,
        "hosting": store.hosting,
    }
    if probe is not None and probe.error is None:
        evidence["probe_reachable"] = probe.reachable
        evidence["probe_reason"] = probe.reason
        if probe.reachable and store.zone in _SEALED:
            return verdict(
                Status.FAIL,
                f"declared zone: {store.zone}, but it is reachable from the audit host "
                "(it accepted a connection from a live probe), so it is not offline or "
                "isolated",
                evidence,
                severity=Severity.CRITICAL if probe.public_address else None,
                remediation=_SEALED_FIX,
            )
    if store.internet_exposed is True or store.zone == "internet":
        declared = "internet_exposed: true" if store.internet_exposed else "zone: internet"
        return verdict(
            Status.FAIL,
            f"restricted data is reachable from the internet ({declared})",
            evidence,
            severity=Severity.CRITICAL,
            remediation=_INTERNET_FIX,
        )
    if store.zone == "corporate":
        return verdict(
            Status.FAIL,
            "restricted data is reachable from the corporate network (zone: corporate), "
            "not only from its application tier",
            evidence,
            remediation=_CORPORATE_FIX,
        )
    if store.zone in _CONTAINED:
        return verdict(
            Status.PASS,
            f"restricted data is contained (zone: {store.zone}){_probe_note(probe)}",
            evidence,
        )
    return verdict(
        Status.SKIP,
        "network zone not declared; declare zone: offline|isolated|app_tier|corporate|internet",
        evidence,
    )


def _probe_note(probe: ProbeResult | None) -> str:
    if probe is None or probe.error is not None:
        return ""
    if not probe.reachable:
        return f"; confirmed by probe: not reachable from the audit host ({probe.reason})"
    return (
        "; it answered a probe from the audit host, which is expected only if the audit host "
        "sits in its application tier"
    )
