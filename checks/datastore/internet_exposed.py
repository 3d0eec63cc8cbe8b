"""`datastore.internet_exposed`: a data store is declared reachable from the internet."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
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
from hardening.estate import Classification, Datastore, judged_classification, remediation_engine
from hardening.facets import ProbeResult
from hardening.model import Scalar

#: Severity of an exposed store by classification (public stores pass: exposure is by design).
_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.CRITICAL,
    "confidential": Severity.HIGH,
    "internal": Severity.MEDIUM,
}

#: Zones that are not the internet.
_INTERNAL_ZONES: Final = frozenset({"offline", "isolated", "app_tier", "corporate"})


#: How to close the listener, per engine (the general steps are in the spec).
_ENGINE_FIX: Final[Mapping[str, str]] = {
    "postgresql": (
        "Set `listen_addresses` in postgresql.conf to the application-tier interface only (never "
        "'*'), keep pg_hba.conf entries to the application-tier subnets, and let only those "
        "subnets reach tcp/5432 at the firewall."
    ),
    "mysql": (
        "Set `bind-address` under [mysqld] to the application-tier interface, restrict accounts "
        "to application hosts (`'app'@'10.0.2.%'`, no `'%'` hosts), and let only the application "
        "tier reach tcp/3306."
    ),
    "redis": (
        "Set `bind` in redis.conf to loopback and the application-tier interface, keep "
        "`protected-mode yes`, and let only the application tier reach tcp/6379."
    ),
    "mongodb": (
        "Set `net.bindIp` in mongod.conf to loopback and the application-tier interface, keep "
        "`security.authorization: enabled`, and let only the application tier reach tcp/27017."
    ),
    "elasticsearch": (
        "Set `network.host` (and `http.host`) in elasticsearch.yml to the application-tier "
        "interface, and let only the application tier reach tcp/9200 and tcp/9300."
    ),
    "s3": (
        "Turn on S3 Block Public Access for the bucket (`aws s3api put-public-access-block "
        "--bucket <bucket> --public-access-block-configuration BlockPublicAcls=true,"
        "IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`) and remove "
        'bucket-policy statements with `"Principal": "*"`.'
    ),
    "rds": (
        "Make the instance private (`aws rds modify-db-instance --db-instance-identifier <id> "
        "--no-publicly-accessible --apply-immediately`) and remove 0.0.0.0/0 and ::/0 ingress "
        "from its security groups."
    ),
}


@register
class InternetExposed(Check):
    """What it does
    Reports every data store whose declaration says it can be reached from the internet
    (`internet_exposed: true` or `zone: internet`). A store declared not exposed, or placed in the
    `offline`, `isolated`, `app_tier` or `corporate` zone, passes. A store that declares neither is
    skipped until it is declared or probed. Public-classification stores pass either way, because
    publishing them is their purpose. Severity scales with the data: restricted is critical,
    confidential high, internal medium; a store without a classification is treated as confidential.
    A contradictory declaration (exposed in one field, internal in the other) fails and says so.
    With `--probe`, a store whose endpoint is a globally routable address and accepted a connection
    from the audit host fails whatever its declaration ("confirmed by probe"); reaching it on a
    private address proves nothing about the internet and changes nothing.

    Why is this bad
    A database listener on the internet is found by mass scanners within hours and is then exposed
    to credential stuffing, unauthenticated access through misconfiguration, and engine
    vulnerabilities. After a breach the attacker already knows where it is.

    Example
    `{id: search-index, classification: confidential, zone: internet, internet_exposed: true}` fails
    with high severity; the fixed declaration `{id: search-index, classification: confidential,
    zone: app_tier, internet_exposed: false}` passes once the listener is bound to the
    application-tier interface.
    """

    spec = CheckSpec(
        id="datastore.internet_exposed",
        title="A data store is reachable from the internet",
        severity=Severity.HIGH,
        rationale=(
            "Database, cache and search listeners on the internet are scanned continuously; "
            "exposure turns a single weak credential, missing authentication or unpatched "
            "engine flaw into a data breach, and lets an attacker who was evicted come back."
        ),
        remediation=Remediation(
            "Take the store off the internet: only the application tier (and a bastion for "
            "administration) may reach it.",
            steps=(
                "Confirm from a host outside the organisation (`nmap -Pn -p <port> "
                "<public address>`) and review the store's connection logs for unknown "
                "source addresses since the incident.",
                "Bind the listener to the internal interface and allow the port only from "
                "application-tier addresses at the host firewall "
                "(`nft add rule inet filter input ip saddr 10.0.2.0/24 tcp dport 5432 accept`, "
                "then drop the rest) and at the perimeter or security group.",
                "For managed services: turn off public accessibility / public endpoints and "
                "remove 0.0.0.0/0 and ::/0 ingress rules; for buckets, enable Block Public Access.",
                "Rotate every credential that could sign in to the store: it may have been "
                "brute-forced while exposed.",
                "Record the new placement in the estate (`internet_exposed: false`, "
                "`zone: app_tier`).",
            ),
        ),
        references=(
            "CIS Controls v8 4.4",
            "CIS Controls v8 12.2",
            "PCI DSS 4.0 1.4.4",
            "ISO/IEC 27001:2022 A.8.20",
            "ISO/IEC 27001:2022 A.8.22",
        ),
        public_title="Network exposure",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(ctx, judged_stores(ctx, _facts, _verdict, probed=True))


def _facts(store: Datastore) -> Hashable:
    """The declared facts read; engine, hosting and provider pick the fix."""
    return (
        store.classification,
        store.internet_exposed,
        store.zone,
        store.engine,
        store.hosting,
        store.provider,
    )


def _verdict(store: Datastore, probe: ProbeResult | None) -> Verdict:
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "internet_exposed": store.internet_exposed,
        "zone": store.zone,
    }
    # A globally routable address that answered the audit host: the listener faces the
    # internet unless a firewall admits only us, which the engineer can then show.
    probed_public = bool(probe and probe.reachable and probe.public_address and probe.error is None)
    if probe is not None:
        evidence["probe_reachable"] = probe.reachable
        evidence["probe_public_address"] = probe.public_address
    exposed = store.internet_exposed is True or store.zone == "internet"
    declared_internal = store.internet_exposed is False or store.zone in _INTERNAL_ZONES
    if store.classification == "public":
        state = "is reachable from the internet" if exposed else "may face the internet"
        return verdict(
            Status.PASS,
            f"holds public data and {state} by design "
            "(whether it can be written anonymously is not judged here)",
            evidence,
        )
    if exposed or probed_public:
        classification, note = judged_classification(store)
        if not exposed:
            declared = f"declared {_fields(store)}" if declared_internal else "not declared"
            what = (
                f"exposure {declared}, but its endpoint is a globally routable address that "
                "accepted a connection from the audit host (confirmed by probe)"
            )
        else:
            confirmed = "; confirmed by probe" if probed_public else ""
            what = f"declared reachable from the internet ({_fields(store)}){confirmed}"
        return verdict(
            Status.FAIL,
            f"{what} while holding {classification} data{note}{_contradiction(store)}",
            evidence,
            severity=_SEVERITY[classification],
            remediation=_ENGINE_FIX.get(remediation_engine(store)),
        )
    if declared_internal:
        return verdict(Status.PASS, f"not reachable from the internet ({_fields(store)})", evidence)
    if probe is not None:
        seen = (
            "the probe reached it on a private address from the audit host"
            if probe.reachable
            else "the probe could not reach it from the audit host"
        )
        return verdict(
            Status.SKIP,
            f"exposure not declared (set internet_exposed and zone); {seen}, which does "
            "not tell whether the internet can",
            evidence,
        )
    return verdict(
        Status.SKIP,
        "exposure not declared (set internet_exposed and zone); run with --probe to test",
        evidence,
    )


def _fields(store: Datastore) -> str:
    parts = []
    if store.internet_exposed is not None:
        parts.append(f"internet_exposed: {str(store.internet_exposed).lower()}")
    if store.zone is not None:
        parts.append(f"zone: {store.zone}")
    return ", ".join(parts)


def _contradiction(store: Datastore) -> str:
    if store.internet_exposed is True and store.zone in _INTERNAL_ZONES:
        return f"; the declaration contradicts itself (zone {store.zone}), correct the inventory"
    if store.internet_exposed is False and store.zone == "internet":
        return "; the declaration contradicts itself (internet_exposed: false), correct it"
    return ""
