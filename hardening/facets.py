"""Facets: the read-only facts collectors produce for checks.

Collectors read real inputs (shadow files, SQL tables, sshd_config, probes) once and reduce them
to these values. Secrets never get this far: a password hash becomes its scheme and cost, a
TOTP seed becomes its length and validity. Where checks need to know that two secrets are
equal, collectors provide a `group_key`: a keyed BLAKE2 digest under a random per-process key
that is never stored, so it cannot be matched against anything outside the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """One account's stored credential, reduced to non-secret facts."""

    account_id: str
    """Account id (username)."""
    row: int
    """1-based line (files) or row number (tables) in the store."""
    scheme: str
    """Canonical scheme: `argon2`, `bcrypt`, `scrypt`, `pbkdf2_sha256`, `sha512_crypt`,
    `sha256_crypt`, `yescrypt`, `md5_crypt`, `apr_md5_crypt`, `des_crypt`, `ldap_sha1`,
    `ldap_md5`, `hex_md5`, `hex_sha1`, `hex_sha256`, `plaintext`, `locked`, `empty`, `unknown`."""
    params: Mapping[str, int | str] = field(default_factory=dict)
    """Cost parameters (`rounds`, `memory_kib`, `time_cost`, `parallelism`, `log2_n`, `ident`)."""
    salted: bool | None = None
    """Whether the scheme uses a per-hash salt; None when unknown."""
    group_key: bytes = b""
    """Keyed digest of the stored value, for spotting identical hashes; empty if not hashed."""
    changed: date | None = None
    """When the credential was last changed, when the store records it."""


@dataclass(frozen=True, slots=True)
class CredentialStoreScan:
    """What a collector read from one credential store."""

    store_id: str
    """Estate id of the store."""
    kind: str
    """`sql`, `shadow` or `htpasswd`."""
    records: tuple[CredentialRecord, ...]
    """One per account row."""
    problems: tuple[str, ...] = ()
    """Rows that could not be read, as "row N: what was wrong" (never the row's content)."""
    unreadable: str | None = None
    """Why the store could not be read at all (no secrets); its checks report `error`."""


@dataclass(frozen=True, slots=True)
class TotpRecord:
    """One enrolled TOTP seed, reduced to non-secret facts."""

    account_id: str
    """Account id."""
    row: int
    """1-based row in the store."""
    valid_base32: bool
    """Whether the seed decodes as base32."""
    bits: int | None
    """Decoded length in bits; None when invalid."""
    group_key: bytes = b""
    """Keyed digest of the normalised seed, for spotting shared seeds."""


@dataclass(frozen=True, slots=True)
class TotpStoreScan:
    """What a collector read from one TOTP seed store."""

    store_id: str
    """Estate id of the store."""
    records: tuple[TotpRecord, ...]
    """One per enrolled seed."""
    problems: tuple[str, ...] = ()
    """Rows that could not be read, as "row N: what was wrong"."""
    unreadable: str | None = None
    """Why the store could not be read at all (no secrets); its checks report `error`."""


@dataclass(frozen=True, slots=True)
class SshdSetting:
    """One effective sshd_config keyword."""

    value: str
    """Value as written (lower-cased keyword, value kept)."""
    line: int
    """1-based line in the file; 0 when it is sshd's built-in default."""


@dataclass(frozen=True, slots=True)
class SshdConfig:
    """A host's sshd configuration, global section resolved, Match blocks recognised."""

    host_id: str
    """Estate id of the host."""
    settings: Mapping[str, SshdSetting]
    """Effective global settings by lower-case keyword (first occurrence wins, as in sshd)."""
    match_overrides: tuple[tuple[str, str, str, int], ...] = ()
    """(match criteria, keyword, value, line) for settings inside Match blocks."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a live probe of one data store's declared endpoint concluded (`--probe` only).

    Only conclusions are kept: never a response body, banner, server version, index or database
    name, or server message, so nothing the store said can reach a report.
    """

    datastore_id: str
    """Estate id of the probed store."""
    endpoint_kind: str
    """`tcp` (a database wire protocol or a plain connect) or `http`."""
    protocol: str
    """Probe spoken: `redis`, `postgresql`, `mysql`, `http`, `https`, or `tcp` (connect only)."""
    reachable: bool
    """Whether the endpoint accepted a connection from the audit host."""
    reason: str | None = None
    """Why the probe reached no (full) conclusion: not reachable (`refused`, `timeout`, `dns`,
    `unreachable`, `invalid_endpoint`), or connected but `timeout`, `no_answer` (closed or not the
    expected protocol), `server_error` (the server answered with an error before any conclusion),
    `tls_error` (TLS handshake or certificate verification failed), `unexpected_status` (HTTP
    status other than 2xx/401/403); None when the probe concluded."""
    anonymous_read: bool | None = None
    """Whether the store served a read (or a session) without credentials; None if not tested."""
    tls_offered: bool | None = None
    """Whether the server offered or spoke TLS; None when the probe cannot tell."""
    plaintext_accepted: bool | None = None
    """Whether the server accepted a session without TLS; None when the probe cannot tell."""
    auth_required: bool | None = None
    """Whether the server demanded credentials before serving anything; None if not seen."""
    public_address: bool | None = None
    """Whether the endpoint's address is globally routable (internet-facing); None if unresolved."""
    error: str | None = None
    """Type of an unexpected exception that ended the probe (never its message)."""


@dataclass(frozen=True, slots=True)
class CloudCollection:
    """How reading one cloud service in one account and region went.

    A collector records one per service it tried, so that a service it could not read is never
    mistaken for a service with nothing in it: the runner turns each entry that is not
    `collected` into a finding of every check that needs one of `facets` (`skip` when access
    was denied or only partly read, `error` when the collection failed).
    """

    provider: str
    """`aws`."""
    account: str
    """Profile name (or `default`); never a key or token."""
    region: str
    """Region read, or `global` for global services (S3 listing, IAM)."""
    service: str
    """`rds`, `s3`, `dynamodb`, `backup`, `iam`."""
    status: str
    """`collected`, `partial` (some per-resource calls denied), `denied` or `failed`."""
    facets: frozenset[str]
    """Facets the service feeds (`datastores`; `identity` and `accounts` for IAM)."""
    reason: str | None = None
    """Error code and operation (`AccessDenied on DescribeDBInstances`) or exception type."""
    location: tuple[str, int] | None = None
    """Estate file and line of the cloud entry, for findings."""

    @property
    def resource_id(self) -> str:
        """`aws:<account>:<region>:<service>`, the id of the finding about this service."""
        return f"{self.provider}:{self.account}:{self.region}:{self.service}"
