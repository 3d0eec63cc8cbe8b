"""Collectors: read real inputs once and reduce them to facets for checks.

Each module reads one format. `build_context` runs only the collectors that the selected
checks need. A store that cannot be read at all becomes a facet error (its checks report
`error`); a bad row inside a store becomes a `problem` on that store's scan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import date
from typing import TypeVar

from hardening.context import CheckContext
from hardening.estate import Estate

log = logging.getLogger(__name__)

T = TypeVar("T")


def build_context(
    estate: Estate,
    facets: Collection[str],
    today: date,
    *,
    probe: bool = False,
) -> CheckContext:
    """Collect the facets in `facets` from the estate's inputs into a `CheckContext`."""
    errors: dict[str, str] = {}

    def guarded(name: str, collect: Callable[[], T]) -> T | None:
        try:
            return collect()
        except Exception as exc:
            # The message may echo a path or DSN fragment: name only the exception type.
            log.error("collector for %s failed: %s", name, type(exc).__name__, exc_info=True)
            errors[name] = f"collector failed ({type(exc).__name__}); see the log"
            return None

    credential_scans = sshd = None
    if "credential_stores" in facets and estate.credential_stores:
        from hardening.collectors.credentials import scan_credential_store

        stores = estate.credential_stores
        credential_scans = guarded(
            "credential_stores", lambda: tuple(scan_credential_store(s) for s in stores)
        )
    if "sshd" in facets and estate.hosts:
        from hardening.collectors.sshd import read_sshd_config

        hosts = [h for h in estate.hosts if h.sshd_config is not None]
        sshd = guarded("sshd", lambda: tuple(read_sshd_config(h) for h in hosts))
    return CheckContext(
        estate=estate,
        today=today,
        credential_scans=credential_scans,
        sshd=sshd,
        probes=None,
        facet_errors=errors,
    )
