"""What the `datastore.*` and `placement.*` checks share to stay cheap on a 100,000-store estate.

Many stores declare the same combination of the facts a check reads (classification, engine,
hosting, zone, backup kinds...). A check therefore judges each distinct combination once, as a
`Verdict`, and hands the same detail, remediation and evidence objects to every store that
declares it; evidence mappings are shared between findings and must never be mutated (nothing
does: `Finding.evidence` is a read-only `Mapping`). Every check of a run also points its findings
at the same `ResourceRef` per store (`store_refs`) instead of building its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from types import MappingProxyType
from typing import Final

from hardening.check import CheckContext, Judgement, ResourceRef, Severity, Status, ref
from hardening.estate import Datastore
from hardening.facets import ProbeResult
from hardening.model import Scalar

#: A judgement before it is attached to a store (`hardening.check.Judgement`).
Verdict = Judgement


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


def judged_stores(
    ctx: CheckContext,
    facts: Callable[[Datastore], Hashable | None],
    judge: Callable[[Datastore, ProbeResult | None], Verdict],
    *,
    probed: bool = False,
) -> Iterator[tuple[ResourceRef, Verdict]]:
    """`(ref, verdict)` for every store a check examines, for `Check.judged_findings`.

    `facts(store)` returns the declared facts the check reads, as a hashable key, or None for
    a store the check does not examine; `judge(store, probe)` is called once per distinct key
    and its verdict shared by every store with that key. With `probed`, a store that has a
    live probe result is judged on its own, never from the shared table.
    """
    stores = ctx.datastores
    probes = ctx.probes if probed and ctx.probes else None
    seen: dict[Hashable, Verdict] = {}
    for store, resource in zip(stores, store_refs(stores), strict=True):
        key = facts(store)
        if key is None:
            continue
        probe = probes.get(store.id) if probes is not None else None
        if probe is not None:
            yield resource, judge(store, probe)
            continue
        judged = seen.get(key)
        if judged is None:
            judged = seen[key] = judge(store, None)
        yield resource, judged
