"""`placement.region_outside_policy`: a cloud or SaaS store lives in a region not allowed."""

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
from hardening.estate import Classification, Datastore, judged_classification
from hardening.model import Scalar

#: Severity of data outside the allowed regions by classification.
_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.HIGH,
    "confidential": Severity.MEDIUM,
    "internal": Severity.LOW,
    "public": Severity.INFO,
}


@register
class RegionOutsidePolicy(Check):
    """What it does
    For every store hosted in the `cloud` or by a `saas` provider, fails when its `region` is not
    among the policy's `allowed_regions` (compared without regard to case). When the policy sets no
    `allowed_regions`, any region is allowed and each such store passes with a detail saying so, so
    the coverage stays visible. On-premises stores and stores with no hosting get no finding; a
    cloud store without a region is skipped (`placement.location_unknown` reports that gap).
    Severity: high for restricted, medium for confidential, low for internal, info for public data;
    a store without a classification is treated as confidential.

    Why is this bad
    Where data is stored decides which laws can compel access to it, which transfer rules apply
    (GDPR Chapter V) and what the organisation has promised customers and regulators. Stray regions
    are also where forgotten test copies and unmonitored replicas sit.

    Example
    With `allowed_regions: [eu-west-1, eu-central-1]`, `{id: loan-documents, hosting: cloud, region:
    us-east-1}` fails; after replicating the bucket to eu-west-1, switching clients and deleting the
    original, `region: eu-west-1` passes.
    """

    spec = CheckSpec(
        id="placement.region_outside_policy",
        title="A cloud or SaaS data store is in a region the policy does not allow",
        severity=Severity.MEDIUM,
        rationale=(
            "Data outside the allowed regions may breach data-residency law, contracts and "
            "transfer rules, and sits under the jurisdiction and monitoring gaps the policy "
            "was written to avoid."
        ),
        remediation=Remediation(
            "Move the store (with its replicas, snapshots and backups) into an allowed region, "
            "then stop new resources from being created elsewhere.",
            steps=(
                "Copy the data to an allowed region: cross-region replication or a snapshot "
                "copy (`aws rds copy-db-snapshot --source-region <from> --region <to>`, "
                "`aws s3 sync s3://<old> s3://<new>` into a bucket created in the right region), "
                "verify it, switch clients, then delete the source and its snapshots.",
                "For SaaS, ask the provider to move the tenant to an allowed data region and get "
                "the residency commitment in the contract or data processing agreement.",
                "Enforce the allowed regions: an AWS Organizations SCP denying actions when "
                "`aws:RequestedRegion` is not allowed, Azure Policy 'Allowed locations', GCP "
                "organisation policy `constraints/gcp.resourceLocations`.",
                "Update the estate's `region` for the store.",
            ),
        ),
        references=(
            "GDPR Art. 44-46",
            "ISO/IEC 27001:2022 A.5.23",
            "ISO/IEC 27001:2022 A.5.31",
            "ISO/IEC 27001:2022 A.5.34",
        ),
        public_title="Data placement",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        allowed = ctx.policy.allowed_regions
        normalised = frozenset(r.strip().lower() for r in allowed or ())
        return self.judged_findings(
            ctx,
            judged_stores(ctx, _facts, lambda store, _: _verdict(store, allowed, normalised)),
        )


def _facts(store: Datastore) -> Hashable | None:
    """The four facts read, for stores hosted by someone else."""
    if store.hosting not in ("cloud", "saas"):
        return None
    return store.classification, store.hosting, store.provider, store.region


def _verdict(
    store: Datastore, allowed: tuple[str, ...] | None, normalised: frozenset[str]
) -> Verdict:
    evidence = _evidence(store)
    if allowed is None:
        return verdict(
            Status.PASS,
            "no region policy set (allowed_regions), so any region is allowed",
            evidence,
        )
    evidence["allowed"] = ", ".join(allowed)
    if store.region is None:
        return verdict(
            Status.SKIP,
            "region not declared (placement.location_unknown reports the gap)",
            evidence,
        )
    if store.region.strip().lower() in normalised:
        return verdict(Status.PASS, f"region {store.region} is allowed", evidence)
    classification, note = judged_classification(store)
    return verdict(
        Status.FAIL,
        f"{classification} data is in region {store.region}, outside the allowed regions "
        f"({', '.join(allowed) or 'none'}){note}",
        evidence,
        severity=_SEVERITY[classification],
        remediation=(
            f"Move the store and its replicas, snapshots and backups to "
            f"{' or '.join(allowed)}, then delete the copies in {store.region}."
            if allowed
            else None
        ),
    )


def _evidence(store: Datastore) -> dict[str, Scalar]:
    return {
        "classification": store.classification,
        "hosting": store.hosting,
        "provider": store.provider,
        "region": store.region,
    }
