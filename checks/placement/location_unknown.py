"""`placement.location_unknown`: a data store's location is missing from the inventory."""

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
from hardening.estate import Datastore, judged_classification
from hardening.model import Scalar

_SENSITIVE: Final = frozenset({"restricted", "confidential"})


@register
class LocationUnknown(Check):
    """What it does
    Fails for every data store that does not declare its `hosting`, and for every `cloud` or `saas`
    store that does not declare both its `provider` and its `region`; the detail lists the missing
    fields. Every other store passes. Severity is medium, high for restricted and confidential data
    (and for stores without a classification, treated as confidential).

    Why is this bad
    A store whose location is unknown cannot be checked against the placement and residency policy,
    cannot be isolated or taken offline in an incident, and is exactly the kind of forgotten copy
    attackers find first. The placement checks skip such stores, so this check is where the gap
    shows.

    Example
    `{id: legacy-file-share, classification: confidential}` fails (no hosting); `{id:
    legacy-file-share, classification: confidential, hosting: on_prem}` passes, and a cloud store
    passes once it declares `provider: aws, region: eu-west-1`.
    """

    spec = CheckSpec(
        id="placement.location_unknown",
        title="A data store declares no hosting, provider or region",
        severity=Severity.MEDIUM,
        rationale=(
            "Stores missing from the location inventory escape placement, residency and "
            "isolation checks; after a breach, an unknown copy of the data is the one that "
            "leaks next."
        ),
        remediation=Remediation(
            "Complete the inventory: declare `hosting` for every store, and `provider` and "
            "`region` for every cloud or SaaS store.",
            steps=(
                "Ask each store's owner where it runs and check it against infrastructure "
                "records (CMDB, virtualisation inventory, DNS and firewall rules).",
                "For cloud, list resources per region from the provider's inventory "
                "(`aws resourcegroupstaggingapi get-resources --region <region>`, AWS Config, "
                "Azure Resource Graph, GCP Cloud Asset Inventory).",
                "For SaaS, take the data region from the contract or data processing agreement "
                "and the tenant's admin console.",
                "Record `hosting`, `provider` and `region` in the estate; retire or claim stores "
                "nobody owns.",
            ),
        ),
        references=(
            "CIS Controls v8 3.2",
            "NIST CSF 2.0 ID.AM-07",
            "ISO/IEC 27001:2022 A.5.9",
        ),
        public_title="Data placement",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(
            ctx, judged_stores(ctx, _facts, lambda store, _: _verdict(store))
        )


def _facts(store: Datastore) -> Hashable:
    """The four facts read."""
    return store.classification, store.hosting, store.provider, store.region


def _verdict(store: Datastore) -> Verdict:
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "hosting": store.hosting,
        "provider": store.provider,
        "region": store.region,
    }
    if store.hosting is None:
        missing = ["hosting"]
    elif store.hosting in ("cloud", "saas"):
        fields = (("provider", store.provider), ("region", store.region))
        missing = [name for name, value in fields if value is None]
    else:
        missing = []
    if not missing:
        where: str | None = store.hosting
        if store.hosting != "on_prem":
            where = f"{store.hosting} ({store.provider}, {store.region})"
        return verdict(Status.PASS, f"location declared: {where}", evidence)
    classification, note = judged_classification(store)
    scope = f"{store.hosting} store" if store.hosting else "store"
    return verdict(
        Status.FAIL,
        f"{scope} does not declare {' or '.join(missing)}{note}",
        evidence,
        severity=Severity.HIGH if classification in _SENSITIVE else Severity.MEDIUM,
    )
