"""Facets: the read-only facts collectors produce for checks.

Collectors read real inputs (shadow files, SQL tables, sshd_config, probes) once and reduce them
to these values. Secrets never get this far: a password hash becomes its scheme and cost, a
TOTP seed becomes its length and validity. Where checks need to know that two secrets are
equal, collectors compare them by Python's string hash, a SipHash under a random per-process
key: it is never stored or reported, and it means nothing outside the process that made it.
(Two distinct values of a million-account store share a 64-bit hash with odds of about one in
30 million.)
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from types import MappingProxyType
from typing import Final

#: Accounts a store scan keeps, per count it reports, to show as a sample.
SAMPLE_SIZE: Final = 5

#: `(row, account id)` pairs in store order: the first accounts behind a count.
Sample = tuple[tuple[int, str], ...]


def first_accounts(samples: Iterable[Sample], n: int = SAMPLE_SIZE) -> list[str]:
    """The first `n` account ids, in store order, of the union of several samples.

    Each sample holds the first accounts of its own count, so the first `n` of the union are
    the first `n` of the union of the counts.
    """
    return [account for _, account in heapq.nsmallest(n, chain.from_iterable(samples))]


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """One account's stored credential, reduced to non-secret facts.

    What a collector reads from one row; a `CredentialStoreScan` keeps only their counts.
    `hardening.collectors.credentials.read_records` returns them, for inspecting a store.
    """

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
    group_key: int | None = None
    """Keyed digest of the stored value, for spotting identical values; None if nothing is
    stored to compare (`empty`, `locked`)."""
    changed: date | None = None
    """When the credential was last changed, when the store records it."""


@dataclass(frozen=True, slots=True)
class HashKind:
    """The stored values of one scheme with one set of cost parameters, counted."""

    scheme: str
    """Canonical scheme (see `CredentialRecord.scheme`)."""
    params: Mapping[str, int | str]
    """Cost parameters shared by every value of this kind."""
    salted: bool | None
    """Whether the scheme uses a per-hash salt; None when unknown."""
    count: int
    """Accounts whose stored value is of this kind."""
    sample: Sample
    """The first `SAMPLE_SIZE` of them."""

    def __reduce__(self) -> tuple[Callable[..., HashKind], tuple[object, ...]]:
        # A read-only mapping does not pickle (a worker sends scans back): copy, wrap again.
        return _hash_kind, (self.scheme, dict(self.params), self.salted, self.count, self.sample)


def _hash_kind(
    scheme: str, params: dict[str, int | str], salted: bool | None, count: int, sample: Sample
) -> HashKind:
    return HashKind(scheme, MappingProxyType(params), salted, count, sample)


@dataclass(frozen=True, slots=True)
class SharedValues:
    """Identical stored values held by more than one account, for one scheme."""

    scheme: str
    """Scheme of the values (identical values are always of one scheme)."""
    groups: int
    """Distinct values held by more than one account."""
    accounts: int
    """Accounts holding one of those values."""
    largest: int
    """Accounts holding the most widely shared value."""
    sample: Sample
    """The first `SAMPLE_SIZE` accounts holding a shared value."""


@dataclass(frozen=True, slots=True)
class ChangeDay:
    """Live credentials (neither locked nor empty) last changed on one day."""

    day: date
    """The day of the change."""
    count: int
    """Credentials last changed that day."""
    sample: Sample
    """The first `SAMPLE_SIZE` of their accounts."""


@dataclass(frozen=True, slots=True)
class CredentialStoreScan:
    """What a collector read from one credential store, as counts: which schemes and costs,
    which values are shared, and when the credentials were last changed.

    Counts and small samples only, never one entry per account, so that a store of a million
    accounts is a few kilobytes (it may be read in a worker process and sent back) and a check
    judges each kind of value once. `hardening.collectors.credentials.CredentialTally` builds
    it from rows.
    """

    store_id: str
    """Estate id of the store."""
    kind: str
    """`sql`, `shadow`, `htpasswd` or `keycloak_export`."""
    accounts: int = 0
    """Account rows read (each with an account id and a stored value, possibly empty)."""
    kinds: tuple[HashKind, ...] = ()
    """Stored values by scheme and parameters, in order of first appearance."""
    shared: tuple[SharedValues, ...] = ()
    """Values held by several accounts, by scheme (only schemes that have some)."""
    changes: tuple[ChangeDay, ...] = ()
    """Live credentials by the day they were last changed, oldest first."""
    undated: int = 0
    """Live credentials whose change date the store does not record."""
    problems: tuple[str, ...] = ()
    """Rows that could not be read, as "row N: what was wrong" (never the row's content)."""
    unreadable: str | None = None
    """Why the store could not be read at all (no secrets); its checks report `error`."""

    def count(self, scheme: str) -> int:
        """Accounts whose stored value is of `scheme`."""
        return sum(k.count for k in self.kinds if k.scheme == scheme)


@dataclass(frozen=True, slots=True)
class TotpRecord:
    """One enrolled TOTP seed, reduced to non-secret facts.

    What a collector finds in one row (`hardening.collectors.totp.record`); a `TotpStoreScan`
    keeps only their counts.
    """

    account_id: str
    """Account id."""
    row: int
    """1-based row in the store."""
    valid_base32: bool
    """Whether the seed decodes as base32."""
    bits: int | None
    """Decoded length in bits; None when invalid."""
    group_key: int | None = None
    """`hash()` of the normalised seed (per-process, never stored), for spotting shared seeds;
    None when invalid."""


@dataclass(frozen=True, slots=True)
class SeedLength:
    """The valid seeds of one decoded length in a TOTP store, counted."""

    bits: int
    """Decoded length in bits."""
    count: int
    """Valid seeds of this length."""
    sample: Sample
    """The first `SAMPLE_SIZE` of them, in store order."""


@dataclass(frozen=True, slots=True)
class TotpStoreScan:
    """What a collector read from one TOTP seed store, as counts: how many seeds are invalid,
    how long the valid ones are, and how many are enrolled on several accounts.

    Counts and small samples of account ids only, never one entry per seed, so that a store of
    400,000 seeds is a few hundred bytes (it may be read in a worker process and sent back).
    `hardening.collectors.totp.SeedTally` builds it from rows.
    """

    store_id: str
    """Estate id of the store."""
    seeds: int = 0
    """Seeds read: rows with an account id and a stored secret, valid or not."""
    invalid: int = 0
    """Seeds that do not decode as base32."""
    invalid_sample: tuple[str, ...] = ()
    """Account ids of the first `SAMPLE_SIZE` invalid seeds, in store order."""
    lengths: tuple[SeedLength, ...] = ()
    """Valid seeds by decoded length, shortest first."""
    shared_seeds: int = 0
    """Distinct seeds enrolled on more than one distinct account."""
    sharing_accounts: int = 0
    """Accounts holding one of those seeds, counted once per shared seed they hold."""
    sharing_sample: tuple[str, ...] = ()
    """The first `SAMPLE_SIZE` of those account ids in sorted order (an account holding two
    shared seeds is there twice)."""
    problems: tuple[str, ...] = ()
    """Rows that could not be read, as "row N: what was wrong" (never the row's content), then
    any store-level problem."""
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
