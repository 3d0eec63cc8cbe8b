"""`placement.sensitive_data_in_cloud`: data is hosted where the policy does not allow it."""

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
from hardening.estate import Classification, Datastore, Policy
from hardening.model import Scalar

#: Severity of a disallowed placement by classification: the more sensitive, the worse.
_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.HIGH,
    "confidential": Severity.MEDIUM,
    "internal": Severity.LOW,
    "public": Severity.LOW,
}

_DEFAULT_PLACEMENT: Final = Policy().placement

_WHERE: Final[Mapping[str, str]] = {
    "on_prem": "on premises",
    "cloud": "in the cloud",
    "saas": "at a SaaS provider",
}


@register
class SensitiveDataInCloud(Check):
    """What it does
    Compares each data store's `hosting` (`on_prem`, `cloud`, `saas`) with the hostings the policy's
    `placement` map allows for its `classification`, and fails when the hosting is not allowed. The
    default policy keeps restricted data on premises, allows confidential data on premises and in
    the cloud, and allows internal and public data anywhere. When a custom policy has no entry for a
    classification, the default entry for it applies. A store that declares no hosting or no
    classification is skipped (`placement.location_unknown` reports missing hosting). Severity: high
    for restricted data, medium for confidential, low for internal or public data a custom policy
    restricts.

    Why is this bad
    Data hosted by a third party is exposed to that party's staff, its other tenants' mistakes, its
    breaches and foreign legal access, and is reachable through cloud identities that sit outside
    the organisation's own controls; the policy decides which data may accept that, and a store
    outside it is an unaccepted risk.

    Example
    `{id: member-portal-db, classification: restricted, hosting: cloud}` fails under the default
    policy; migrating it to `hosting: on_prem` passes, as does a policy that explicitly allows
    `restricted: [on_prem, cloud]` after a risk decision.
    """

    spec = CheckSpec(
        id="placement.sensitive_data_in_cloud",
        title="Data is hosted where the placement policy does not allow its classification",
        severity=Severity.HIGH,
        rationale=(
            "Sensitive data hosted by a cloud or SaaS provider inherits the provider's staff "
            "access, breaches, shared-tenancy flaws and jurisdiction; the placement policy is "
            "the organisation's decision on which data may carry those risks."
        ),
        remediation=Remediation(
            "Move the data to a hosting the policy allows for its classification (usually back "
            "in-house), or record a formal risk decision that changes the policy.",
            steps=(
                "Inventory what the store holds and everything derived from it: replicas, "
                "snapshots, backups, exports, logs and caches at the provider.",
                "Provision the target store in an allowed hosting with encryption at rest, "
                "TLS required and backups in place before moving any data.",
                "Transfer over an encrypted channel (TLS or an SSH/VPN tunnel; encrypted "
                "dump files), then verify row counts and checksums against the source.",
                "Switch clients over, then crypto-shred the cloud copies: schedule deletion of "
                "the KMS keys that encrypted them (`aws kms schedule-key-deletion`) after "
                "deleting the resources, snapshots and backups.",
                "Rotate every secret that lived in the cloud: database passwords, API and "
                "access keys, TLS private keys and encryption keys.",
                "If the data was misclassified, reclassify it with the data owner's sign-off "
                "instead, and record why.",
            ),
        ),
        references=(
            "ISO/IEC 27001:2022 A.5.12",
            "ISO/IEC 27001:2022 A.5.23",
            "CIS Controls v8 3.7",
            "CIS Controls v8 3.12",
            "NIST SP 800-144",
        ),
        public_title="Data placement",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(
            ctx, judged_stores(ctx, _facts, lambda store, _: _verdict(store, ctx.policy))
        )


def _facts(store: Datastore) -> Hashable:
    """The three facts read."""
    return store.classification, store.hosting, store.provider


def _verdict(store: Datastore, policy: Policy) -> Verdict:
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "hosting": store.hosting,
        "provider": store.provider,
    }
    if store.classification is None:
        return verdict(
            Status.SKIP, "classification not declared; declare it to judge placement", evidence
        )
    if store.hosting is None:
        return verdict(
            Status.SKIP,
            "hosting not declared (placement.location_unknown reports the gap)",
            evidence,
        )
    allowed = policy.placement.get(store.classification)
    source = "policy"
    if allowed is None:
        allowed = _DEFAULT_PLACEMENT[store.classification]
        source = "default policy (no entry in the estate policy)"
    evidence["allowed"] = ", ".join(allowed)
    where = _WHERE[store.hosting]
    if store.provider:
        where = f"{where} ({store.provider})"
    if store.hosting in allowed:
        return verdict(
            Status.PASS,
            f"{store.classification} data {where} is allowed by the {source}",
            evidence,
        )
    permitted = " or ".join(_WHERE.get(h, h) for h in allowed)
    return verdict(
        Status.FAIL,
        f"{store.classification} data is hosted {where}, but the {source} allows it "
        + (f"only {permitted}" if allowed else "nowhere"),
        evidence,
        severity=_SEVERITY[store.classification],
        remediation=(
            f"Move the data to a store {permitted or 'the policy allows'} following the "
            "migration steps (inventory, encrypted transfer, verify, crypto-shred the copies "
            f"left {_WHERE[store.hosting]}, rotate keys that were there), or change the "
            "policy through a recorded risk decision."
        ),
    )
