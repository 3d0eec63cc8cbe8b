"""What the three TOTP-store checks share: walking scans and naming affected accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from hardening.check import ref
from hardening.context import CheckContext
from hardening.facets import TotpStoreScan
from hardening.model import ResourceRef

#: Account ids shown as a sample in a finding's evidence.
SAMPLE: Final = 5


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
    if scan.records:
        return None
    return "; ".join(scan.problems) or "no TOTP seeds were read from the store"


def sample(accounts: list[str]) -> str:
    """Up to `SAMPLE` account ids, `;`-joined, for evidence."""
    return ";".join(accounts[:SAMPLE])


__all__ = ["SAMPLE", "not_judged", "ref", "sample", "scans"]
