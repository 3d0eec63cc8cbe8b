"""What the `datastore.*` and `placement.*` checks share to stay cheap on a 100,000-store estate.

Many stores declare the same combination of the facts a check reads (classification, engine,
hosting, zone, backup kinds...). A check therefore judges each distinct combination once, as a
`Verdict`, and hands the same detail, remediation and evidence objects to every store that
declares it; evidence mappings are shared between findings and must never be mutated (nothing
does: `Finding.evidence` is a read-only `Mapping`). Every check of a run also points its findings
at the same `ResourceRef` per store (`store_refs`) instead of building its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from hardening.check import ResourceRef, Severity, Status, ref
from hardening.estate import Datastore
from hardening.model import Scalar

#: A judgement before it is attached to a store: status, detail, severity (None: the check's),
#: remediation and evidence.
Verdict = tuple[Status, str, Severity | None, str | None, Mapping[str, Scalar]]


def verdict(
    status: Status,
    detail: str,
    evidence: Mapping[str, Scalar],
    *,
    severity: Severity | None = None,
    remediation: str | None = None,
) -> Verdict:
    """A `Verdict` whose evidence is a read-only view, so that findings may share it."""
    return status, detail, severity, remediation, MappingProxyType(evidence)


#: The last `(stores, refs)` built: the checks of one run all read the same `ctx.datastores`
#: tuple, so each builds no refs of its own. Replaced whole, so a reader never sees it half-set.
_LAST: Final[list[tuple[tuple[Datastore, ...], tuple[ResourceRef, ...]]]] = [((), ())]


def store_refs(stores: tuple[Datastore, ...]) -> tuple[ResourceRef, ...]:
    """`ref(store)` for every store, in order, shared between the checks of a run."""
    last = _LAST[0]
    if last[0] is stores:
        return last[1]
    refs = tuple(map(ref, stores))
    _LAST[0] = (stores, refs)
    return refs
