"""The read-only view a check gets: the estate and the facets collectors produced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Final

from hardening.estate import (
    Account,
    Datastore,
    Estate,
    Host,
    IdentityProvider,
    Incident,
    Policy,
)
from hardening.facets import (
    CloudCollection,
    CredentialStoreScan,
    ProbeResult,
    SshdConfig,
    TotpStoreScan,
)

#: Facet names a `CheckSpec.needs` may list, with what is missing when one is absent.
FACETS: Final[Mapping[str, str]] = {
    "accounts": "the estate declares no accounts",
    "identity": "the estate declares no identity providers",
    "incident": "the estate declares no incident discovery date (organisation.incident)",
    "credential_stores": "the estate declares no credential stores",
    "totp_stores": "the estate declares no TOTP stores",
    "sshd": "the estate declares no hosts with an sshd_config",
    "datastores": "the estate declares no data stores",
    "probes": "live probes were not run (use --probe)",
}

#: Default of `--group-above`: above this many resources with the same verdict from one check,
#: they are reported as one group finding listing every resource id (`Finding.affected`), so a
#: million-account directory or a 100,000-store inventory yields a readable report.
GROUP_ABOVE: Final = 100


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may read. Checks never open files or sockets themselves."""

    estate: Estate
    """The validated estate file."""
    today: date
    """The date the run treats as today (fixed per run, injectable in tests)."""
    credential_scans: tuple[CredentialStoreScan, ...] | None = None
    """Credential stores as read by collectors."""
    totp_scans: tuple[TotpStoreScan, ...] | None = None
    """TOTP seed stores as read by collectors."""
    sshd: tuple[SshdConfig, ...] | None = None
    """Parsed sshd_config of each host that declares one."""
    probes: Mapping[str, ProbeResult] | None = None
    """Live probe conclusions by datastore id (only with `--probe`)."""
    facet_errors: Mapping[str, str] = field(default_factory=dict)
    """Facets whose collector failed, with a one-line reason (no secrets)."""
    discovered_identity: tuple[IdentityProvider, ...] = ()
    """Identity providers collectors found (a Keycloak export, AWS IAM), beside declared ones."""
    discovered_accounts: tuple[Account, ...] = ()
    """Accounts collectors found (a Keycloak export, AWS IAM users), beside declared ones."""
    discovered_datastores: tuple[Datastore, ...] = ()
    """Data stores collectors found (e.g. in a cloud account), beside declared ones."""
    cloud_collections: tuple[CloudCollection, ...] = ()
    """How each cloud service went; the runner reports those not fully read (`aws` collector)."""
    group_above: int = GROUP_ABOVE
    """Most resources one check reports one finding each per verdict (`--group-above`)."""

    @property
    def policy(self) -> Policy:
        """The organisation's policy, defaults filled in."""
        return self.estate.policy

    @property
    def incident(self) -> Incident | None:
        """The declared incident, if any."""
        return self.estate.organisation.incident

    @cached_property
    def accounts(self) -> tuple[Account, ...]:
        """Declared and discovered accounts (empty when none)."""
        return (self.estate.accounts or ()) + self.discovered_accounts

    @cached_property
    def identity(self) -> tuple[IdentityProvider, ...]:
        """Declared and discovered identity providers (empty when none).

        A discovered provider with a declared provider's id (a `keycloak_export` entry whose
        facts a collector read from the export) takes the declared one's place, so each
        provider is judged once.
        """
        found = {p.id: p for p in self.discovered_identity}
        declared = tuple(found.get(p.id, p) for p in self.estate.identity or ())
        ids = {p.id for p in declared}
        return declared + tuple(p for p in self.discovered_identity if p.id not in ids)

    @cached_property
    def datastores(self) -> tuple[Datastore, ...]:
        """Declared and discovered data stores (empty when none)."""
        return (self.estate.datastores or ()) + self.discovered_datastores

    @property
    def hosts(self) -> tuple[Host, ...]:
        """Declared hosts (empty when none)."""
        return self.estate.hosts or ()

    def missing(self, facet: str) -> str | None:
        """Why `facet` is unavailable, or None when a check needing it can run."""
        present = {
            "accounts": bool(self.accounts),
            "identity": bool(self.identity),
            "incident": bool(self.incident and self.incident.discovered),
            "credential_stores": bool(self.credential_scans),
            "totp_stores": bool(self.totp_scans),
            "sshd": bool(self.sshd),
            "datastores": bool(self.datastores),
            "probes": self.probes is not None,
        }
        if present.get(facet, False):
            return None
        return FACETS.get(facet, f"unknown facet {facet!r}")
