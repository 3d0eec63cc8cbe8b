"""Collectors: read real inputs once and reduce them to facets for checks.

Each module reads one format. `build_context` runs only the collectors that the selected
checks need. A credential store that cannot be read at all is marked `unreadable` (its checks
report `error` for that store alone); a bad row inside a store becomes a `problem` on that
store's scan; a collector that fails as a whole becomes a facet error (its checks report
`error`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from hardening.context import CheckContext
from hardening.estate import CredentialStore, Estate, TotpStore
from hardening.facets import CredentialStoreScan, TotpStoreScan

if TYPE_CHECKING:
    from hardening.collectors.keycloak import KeycloakRealm
    from hardening.collectors.prefetch import Prefetch

log = logging.getLogger(__name__)

T = TypeVar("T")


def build_context(
    estate: Estate,
    facets: Collection[str],
    today: date,
    *,
    probe: bool = False,
    prefetch: Prefetch | None = None,
    stores: bool = True,
) -> CheckContext:
    """Collect the facets in `facets` from the estate's inputs into a `CheckContext`, taking
    the scans `prefetch` read in worker processes (see `hardening.collectors.prefetch`).

    With `stores` False, the declared credential and TOTP stores are left out (the scans of
    Keycloak exports are in): `with_store_scans` adds them later, so that a run can judge the
    checks that do not need them while workers are still reading.
    """
    errors: dict[str, str] = {}

    def guarded(name: str, collect: Callable[[], T]) -> T | None:
        try:
            return collect()
        except Exception as exc:
            # The message may echo a path or DSN fragment: name only the exception type.
            log.error("collector for %s failed: %s", name, type(exc).__name__, exc_info=True)
            errors[name] = f"collector failed ({type(exc).__name__}); see the log"
            return None

    sshd = None
    if "sshd" in facets and estate.hosts:
        from hardening.collectors.sshd import read_sshd_config

        hosts = [h for h in estate.hosts if h.sshd_config is not None]
        sshd = guarded("sshd", lambda: tuple(read_sshd_config(h) for h in hosts))
    probes = None
    if probe and ("probes" in facets or "datastores" in facets) and estate.datastores:
        from hardening.collectors.probes import probe_datastores

        datastores = estate.datastores
        probes = guarded("probes", lambda: probe_datastores(datastores))
    realms = _keycloak_realms(estate, facets)
    credential_scans = None
    if realms and "credential_stores" in facets:
        credential_scans = tuple(r.scan for r in realms)
    aws = None
    if estate.cloud and {"datastores", "accounts", "identity"} & set(facets):
        from hardening.collectors.aws import collect_aws

        aws = collect_aws(estate.cloud)  # never raises: failures are in aws.collections
    context = CheckContext(
        estate=estate,
        today=today,
        credential_scans=credential_scans,
        sshd=sshd,
        probes=probes,
        facet_errors=errors,
        discovered_identity=tuple(r.provider for r in realms) + (aws.identity if aws else ()),
        discovered_accounts=tuple(a for r in realms for a in r.accounts)
        + (aws.accounts if aws else ()),
        discovered_datastores=aws.datastores if aws else (),
        cloud_collections=aws.collections if aws else (),
    )
    return with_store_scans(context, facets, prefetch) if stores else context


def with_store_scans(
    context: CheckContext, facets: Collection[str], prefetch: Prefetch | None = None
) -> CheckContext:
    """`context` with the scans of the estate's credential and TOTP stores (those in `facets`),
    taken from `prefetch` where a worker read them (waiting for it) and read here otherwise.
    The declared stores come before the Keycloak exports' scans already in `context`."""
    estate = context.estate
    credential_scans = context.credential_scans
    if "credential_stores" in facets and estate.credential_stores:
        declared = tuple(
            (prefetch and prefetch.credential_scan(s)) or read_credential_store(s)
            for s in estate.credential_stores
        )
        credential_scans = declared + (credential_scans or ())
    totp_scans = context.totp_scans
    if "totp_stores" in facets and estate.totp_stores:
        totp_scans = tuple(
            (prefetch and prefetch.totp_scan(s)) or read_totp_store(s) for s in estate.totp_stores
        )
    return replace(context, credential_scans=credential_scans, totp_scans=totp_scans)


def _keycloak_realms(estate: Estate, facets: Collection[str]) -> list[KeycloakRealm]:
    """Read each `keycloak_export` identity provider's realm file (once, when needed).

    A malformed export raises `EstateError` (file and line, exit code 2) like any other bad
    file the estate refers to.
    """
    exports = [p for p in estate.identity or () if p.kind == "keycloak_export"]
    if not exports or not {"identity", "accounts", "credential_stores"} & set(facets):
        return []
    from hardening.collectors.keycloak import read_realm_export

    return [read_realm_export(p, estate.path.parent) for p in exports]


def _unreadable_reason(store_id: str, exc: Exception) -> str:
    from hardening.collectors.sqlsource import StoreReadError

    if isinstance(exc, StoreReadError):  # its message names the store id, never a path or DSN
        log.error("store %s could not be read: %s", store_id, exc)
        return str(exc)
    log.error("store %s could not be read", store_id, exc_info=True)
    return f"store could not be read ({type(exc).__name__}); see the log"


def read_credential_store(store: CredentialStore) -> CredentialStoreScan:
    """Scan one store; a store that cannot be read fails alone (its scan is `unreadable`),
    not its neighbours."""
    from hardening.collectors.credentials import scan_credential_store

    try:
        return scan_credential_store(store)
    except Exception as exc:
        return CredentialStoreScan(
            store.id, store.kind, unreadable=_unreadable_reason(store.id, exc)
        )


def read_totp_store(store: TotpStore) -> TotpStoreScan:
    """Scan one TOTP store; a store that cannot be read fails alone."""
    from hardening.collectors.totp import scan_totp_store

    try:
        return scan_totp_store(store)
    except Exception as exc:
        return TotpStoreScan(store.id, unreadable=_unreadable_reason(store.id, exc))
