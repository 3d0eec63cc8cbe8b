"""What the three TOTP-store checks share: walking scans and naming affected accounts."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import Final

from hardening.check import Check, ref
from hardening.context import CheckContext
from hardening.facets import SAMPLE_SIZE, TotpStoreScan
from hardening.model import Finding, ResourceRef

#: Account ids shown as a sample in a finding's evidence (what a scan keeps per count).
SAMPLE: Final = SAMPLE_SIZE


def scans(ctx: CheckContext) -> Iterator[tuple[TotpStoreScan, ResourceRef]]:
    """Each TOTP store scan with the resource pointing at the store's declaration."""
    declared = {s.id: s for s in ctx.estate.totp_stores or ()}
    for scan in ctx.totp_scans or ():
        store = declared.get(scan.store_id)
        if store is not None:
            where = ResourceRef("totp_store", store.id, store.location.file, store.location.line)
        else:
            where = ResourceRef("totp_store", scan.store_id)
        yield scan, where


def not_judged(scan: TotpStoreScan) -> str | None:
    """Why a store with no readable seeds cannot be judged, or None when it can."""
    if scan.seeds:
        return None
    return "; ".join(scan.problems) or "no TOTP seeds were read from the store"


def sample(accounts: Sequence[str]) -> str:
    """Up to `SAMPLE` account ids, `;`-joined, for evidence."""
    return ";".join(accounts[:SAMPLE])


class TotpStoreCheck(Check):
    """One finding per TOTP store: `error` if unreadable, `skip` if empty, else `judge`."""

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        for scan, resource in scans(ctx):
            if scan.unreadable is not None:
                yield self.errored(resource, f"Not judged: {scan.unreadable}.")
                continue
            why = not_judged(scan)
            if why is not None:
                yield self.skipped(resource, f"Not judged: {why}.")
                continue
            yield self.judge(ctx, scan, resource)

    @abstractmethod
    def judge(self, ctx: CheckContext, scan: TotpStoreScan, resource: ResourceRef) -> Finding:
        """The finding for one store with at least one readable seed."""


__all__ = ["SAMPLE", "TotpStoreCheck", "not_judged", "ref", "sample", "scans"]
