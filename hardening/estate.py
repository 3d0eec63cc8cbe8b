"""The estate file (version 1): what the organisation declares about itself.

The dataclasses below are the parsed, validated form that collectors and checks read. The
loader (`load_estate`) turns YAML (and the CSV / JSON Lines / JSON exports it points at) into
them, and turns every problem into an `EstateError` naming file, line and field.

Secrets: `dsn` and referenced paths may carry credentials. They are kept out of `repr()`. A DSN
is never put into an error message; errors name the store id instead. A referenced file that
does not exist is reported as written in the estate file ("file not found: exports/x.csv"), so
the user can find the typo.

Parsing: YAML goes through `yaml.compose` with the libyaml `CSafeLoader` when present (never
`yaml.load`), and the node tree is walked here so every value keeps its line. Duplicate keys,
YAML tags other than the core scalars and `<<` merge keys pointing at non-mappings are errors.
YAML 1.1 reads a bare `off` as false; `encryption.in_transit: off` is accepted either way.

Values: an empty string is "not given" for optional fields; booleans are never integers; dates
are YAML dates or ISO strings (`2026-10-02`).

Exports: `accounts: {source: FILE}` and `datastores: {source: FILE}` read FILE by extension:

- `.csv`: the header names the inline keys. Empty cells mean "not given". List cells (`roles`,
  `mfa`) are `;`-separated. Booleans are `true/false/yes/no/1/0` (any case). Datastore
  encryption is flattened into the columns `encryption.at_rest` and `encryption.in_transit`.
  `backups` is one cell of `;`-separated copies, each `kind[:encrypted|unencrypted][:DATE]`,
  for example `offline:encrypted:2026-08-14;online::` or `immutable:2026-07-01`; an empty part
  means "not given".
- `.jsonl` / `.ndjson`: one JSON object per line, with the same keys as inline entries.
- `.json`: a JSON list of such objects.

CSV and JSON Lines are streamed. Every row goes through the same validation as an inline entry;
errors name the export file, the row's (first physical) line and the field, e.g.
`stores.csv:14: datastores[12].hosting: 'clod' is not one of on_prem, cloud, saas`.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import partial
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, Literal, NoReturn, Protocol, TypeVar, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hardening.bulk import gc_paused
from hardening.errors import EstateError

Classification = Literal["public", "internal", "confidential", "restricted"]
Hosting = Literal["on_prem", "cloud", "saas"]
TransitEncryption = Literal["required", "optional", "off"]
BackupKind = Literal["offline", "immutable", "online"]
NetworkZone = Literal["offline", "isolated", "app_tier", "corporate", "internet"]

CLASSIFICATIONS: tuple[Classification, ...] = ("public", "internal", "confidential", "restricted")
HOSTINGS: tuple[Hosting, ...] = ("on_prem", "cloud", "saas")


@dataclass(frozen=True, slots=True)
class Location:
    """Where in which file something was declared."""

    file: str
    """File path as the user gave it (estate file or an export it references)."""
    line: int
    """1-based line number."""


@dataclass(frozen=True, slots=True)
class Incident:
    """The breach this hardening work follows."""

    discovered: date | None = None
    """When the incident was discovered; credentials older than this count as not reset."""
    contained: date | None = None
    """When the incident was contained; the baseline for "improved since the incident"."""


@dataclass(frozen=True, slots=True)
class Organisation:
    """Who the estate belongs to."""

    name: str
    """Organisation name, as it may appear in public output."""
    incident: Incident | None = None
    """The incident, when declared."""


def _default_placement() -> dict[str, tuple[str, ...]]:
    return {
        "public": ("on_prem", "cloud", "saas"),
        "internal": ("on_prem", "cloud", "saas"),
        "confidential": ("on_prem", "cloud"),
        "restricted": ("on_prem",),
    }


@dataclass(frozen=True, slots=True)
class Policy:
    """The organisation's own rules. Every field has a default; the README lists them all."""

    password_min_length: int = 15
    """Minimum length where the password is the only factor (NIST SP 800-63B-4: 15)."""
    password_min_length_with_mfa: int = 8
    """Minimum length where a second factor is enforced (NIST SP 800-63B-4: 8)."""
    mfa_required_roles: tuple[str, ...] = ("admin",)
    """Roles whose accounts must sign in with a second factor."""
    hash_schemes_allowed: tuple[str, ...] = (
        "argon2",
        "bcrypt",
        "scrypt",
        "pbkdf2_sha256",
        "pbkdf2_sha512",
        "sha512_crypt",
        "yescrypt",
    )
    """Password hash schemes accepted for stored credentials."""
    bcrypt_min_cost: int = 10
    """Lowest bcrypt cost accepted (OWASP: 10)."""
    pbkdf2_sha256_min_rounds: int = 600_000
    """Lowest PBKDF2-HMAC-SHA256 iteration count accepted (OWASP: 600,000)."""
    pbkdf2_sha512_min_rounds: int = 210_000
    """Lowest PBKDF2-HMAC-SHA512 iteration count accepted (OWASP: 210,000)."""
    scrypt_min_log2_n: int = 17
    """Lowest scrypt log2(N) accepted (OWASP: N = 2^17)."""
    sha512_crypt_min_rounds: int = 5_000
    """Lowest sha512_crypt rounds accepted (glibc default: 5,000)."""
    totp_window_max: int = 1
    """Largest TOTP verification window accepted, in time steps either side."""
    totp_secret_min_bits: int = 128
    """Shortest TOTP secret accepted, in bits."""
    stale_account_days: int = 90
    """An enabled account unused for longer than this is stale."""
    restore_test_max_age_days: int = 90
    """A backup whose last successful restore test is older than this is untested."""
    placement: dict[str, tuple[str, ...]] = field(default_factory=_default_placement)
    """Hostings (`on_prem`, `cloud`, `saas`) allowed per data classification."""
    allowed_regions: tuple[str, ...] | None = None
    """Regions cloud/SaaS stores may live in; None means any region."""


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """A declared password policy of an identity provider. None means "not declared"."""

    min_length: int | None = None
    """Minimum password length."""
    max_age_days: int | None = None
    """Forced rotation period; None or 0 means no forced rotation."""
    breach_screening: bool | None = None
    """Whether new passwords are checked against breached/common lists."""
    lockout: bool | None = None
    """Whether failed sign-ins are rate limited or locked out."""


@dataclass(frozen=True, slots=True)
class TotpConfig:
    """TOTP verification settings."""

    digits: int = 6
    """Code length."""
    period: int = 30
    """Time step in seconds."""
    window: int = 1
    """Accepted steps either side of now."""


@dataclass(frozen=True, slots=True)
class MfaConfig:
    """Second factors an identity provider offers."""

    methods: tuple[str, ...] = ()
    """Offered methods: `totp`, `hotp`, `push`, `webauthn` (also `fido2`, `u2f`, `passkey`,
    `piv`, `smartcard`, `hardware_key`, `security_key`), `sms`, `voice`, `email`."""
    totp: TotpConfig | None = None
    """TOTP settings, when TOTP is offered."""


@dataclass(frozen=True, slots=True)
class IdentityProvider:
    """A place accounts sign in: an inline declaration, a Keycloak export, AWS IAM."""

    id: str
    """Estate id."""
    kind: Literal["inline", "keycloak_export", "aws_iam"]
    """Where the facts come from."""
    location: Location
    """Where it was declared."""
    path: Path | None = field(default=None, repr=False)
    """Export file (for `keycloak_export`), resolved relative to the estate file."""
    password_policy: PasswordPolicy | None = None
    """Declared password policy."""
    mfa: MfaConfig | None = None
    """Declared second factors."""


@dataclass(frozen=True, slots=True)
class Account:
    """A person's or service's sign-in."""

    id: str
    """Account id (username or directory id)."""
    location: Location
    """Where it was declared (estate file, or row of an export)."""
    roles: tuple[str, ...] = ()
    """Roles; compared with `policy.mfa_required_roles`."""
    mfa: tuple[str, ...] = ()
    """Enrolled second factors; empty means the account signs in with a password alone."""
    password_changed: date | None = None
    """When the password or key was last changed."""
    last_login: date | None = None
    """Last successful sign-in."""
    enabled: bool = True
    """Whether the account can sign in."""
    identity: str | None = None
    """Id of the identity provider the account belongs to, if declared."""


@dataclass(frozen=True, slots=True)
class CredentialStore:
    """Where password hashes are stored: an SQL table, a shadow file, an htpasswd file."""

    id: str
    """Estate id; the only name errors and findings use."""
    kind: Literal["sql", "shadow", "htpasswd"]
    """Format."""
    location: Location
    """Where it was declared."""
    path: Path | None = field(default=None, repr=False)
    """File, resolved relative to the estate file (`shadow`, `htpasswd`)."""
    dsn: str | None = field(default=None, repr=False)
    """Database URL (`sql`); may hold a password, never echoed."""
    table: str | None = None
    """Table holding the accounts (`sql`)."""
    id_column: str | None = None
    """Column with the account id (`sql`)."""
    hash_column: str | None = None
    """Column with the password hash (`sql`)."""
    changed_column: str | None = None
    """Column with the last password change (`sql`), optional."""


@dataclass(frozen=True, slots=True)
class TotpStore:
    """Where TOTP seeds are stored."""

    id: str
    """Estate id."""
    kind: Literal["sql", "csv"]
    """Format."""
    location: Location
    """Where it was declared."""
    path: Path | None = field(default=None, repr=False)
    """CSV file, resolved relative to the estate file."""
    dsn: str | None = field(default=None, repr=False)
    """Database URL (`sql`); may hold a password, never echoed."""
    table: str | None = None
    """Table (`sql`)."""
    id_column: str | None = None
    """Column with the account id."""
    secret_column: str | None = None
    """Column with the base32 secret."""


@dataclass(frozen=True, slots=True)
class Host:
    """A server whose configuration files are audited."""

    id: str
    """Estate id."""
    location: Location
    """Where it was declared."""
    sshd_config: Path | None = field(default=None, repr=False)
    """Path of its sshd_config, resolved relative to the estate file."""


@dataclass(frozen=True, slots=True)
class Encryption:
    """Declared encryption of a data store."""

    at_rest: bool | None = None
    """Storage encryption on; None means not declared."""
    in_transit: TransitEncryption | None = None
    """Whether clients must use TLS; None means not declared."""


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup copy of a data store."""

    kind: BackupKind
    """`offline` (air-gapped/tape), `immutable` (object lock, vault lock) or `online`."""
    encrypted: bool | None = None
    """Whether the copy is encrypted."""
    last_restore_test: date | None = None
    """Last successful restore from this copy."""


@dataclass(frozen=True, slots=True)
class Datastore:
    """A database, bucket, index or file share holding organisation data."""

    id: str
    """Estate id."""
    location: Location
    """Where it was declared (estate file, or row of an export)."""
    engine: str | None = None
    """`postgresql`, `mysql`, `redis`, `elasticsearch`, `s3`, ..."""
    classification: Classification | None = None
    """Data classification."""
    hosting: Hosting | None = None
    """`on_prem`, `cloud` or `saas`; None is an inventory gap."""
    provider: str | None = None
    """Cloud or SaaS provider."""
    region: str | None = None
    """Provider region."""
    endpoint: str | None = None
    """`host:port` or URL, probed only with `--probe`."""
    internet_exposed: bool | None = None
    """Declared reachability from the internet."""
    zone: NetworkZone | None = None
    """Declared network placement: `offline`, `isolated`, `app_tier`, `corporate`, `internet`."""
    encryption: Encryption = field(default_factory=Encryption)
    """Declared encryption."""
    backups: tuple[Backup, ...] = ()
    """Backup copies."""


def judged_classification(store: Datastore) -> tuple[Classification, str]:
    """The classification to judge `store` by, and a note to add to a finding's detail.

    A store that declares no classification is judged as `confidential`, never as harmless:
    the note says so, so the engineer knows to complete the inventory.
    """
    if store.classification is None:
        return "confidential", " (classification not declared; treated as confidential)"
    return store.classification, ""


#: Engine names written in more than one way in inventories, folded to one spelling.
ENGINE_ALIASES: dict[str, str] = {"postgres": "postgresql", "mariadb": "mysql", "mongo": "mongodb"}


_CANONICAL_ENGINES: dict[str | None, str] = {}
"""`canonical_engine` per engine string: checks ask for every store, inventories name few
engines. `ENGINE_ALIASES` is a constant; a results cache for it would go stale if it changed."""
_CANONICAL_ENGINES_MAX = 4096


def canonical_engine(store: Datastore) -> str:
    """`store.engine` lower-cased, with common aliases folded (`postgres` → `postgresql`)."""
    found = _CANONICAL_ENGINES.get(store.engine)
    if found is None:
        engine = (store.engine or "").strip().lower()
        found = ENGINE_ALIASES.get(engine, engine)
        if len(_CANONICAL_ENGINES) < _CANONICAL_ENGINES_MAX:
            _CANONICAL_ENGINES[store.engine] = found
    return found


def remediation_engine(store: Datastore) -> str:
    """The engine whose fix applies: `rds` for RDS/Aurora and SQL engines declared on AWS."""
    engine = canonical_engine(store)
    managed_sql = engine in {"postgresql", "mysql"} and store.hosting == "cloud"
    if engine in {"rds", "aurora"} or (managed_sql and (store.provider or "").lower() == "aws"):
        return "rds"
    return engine


@dataclass(frozen=True, slots=True)
class CloudAccount:
    """A cloud account to collect facts from (`[aws]` extra)."""

    kind: Literal["aws"]
    """Provider."""
    location: Location
    """Where it was declared."""
    profile: str | None = None
    """Credentials profile name."""
    regions: tuple[str, ...] = ()
    """Regions to read."""


@dataclass(frozen=True, slots=True)
class Estate:
    """A whole, validated estate file. A section that is absent is None; an empty one is ()."""

    path: Path
    """The estate file."""
    organisation: Organisation
    """Who it belongs to."""
    policy: Policy = field(default_factory=Policy)
    """The organisation's rules, with defaults filled in."""
    identity: tuple[IdentityProvider, ...] | None = None
    """Identity providers."""
    accounts: tuple[Account, ...] | None = None
    """Accounts (inline, or from an export)."""
    credential_stores: tuple[CredentialStore, ...] | None = None
    """Password hash stores."""
    totp_stores: tuple[TotpStore, ...] | None = None
    """TOTP seed stores."""
    hosts: tuple[Host, ...] | None = None
    """Hosts with configuration files."""
    datastores: tuple[Datastore, ...] | None = None
    """Data stores (inline, or from an export)."""
    cloud: tuple[CloudAccount, ...] | None = None
    """Cloud accounts."""


# --------------------------------------------------------------------------------------------
# Loader
# --------------------------------------------------------------------------------------------

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it; the pure-Python safe loader otherwise."""

_ESTATE_VERSION = 1

_TRANSIT: tuple[TransitEncryption, ...] = ("required", "optional", "off")
_BACKUP_KINDS: tuple[BackupKind, ...] = ("offline", "immutable", "online")
_ZONES: tuple[NetworkZone, ...] = ("offline", "isolated", "app_tier", "corporate", "internet")
_MFA_METHODS = (
    "totp",
    "hotp",
    "push",
    "webauthn",
    "fido2",
    "u2f",
    "passkey",
    "piv",
    "smartcard",
    "hardware_key",
    "security_key",
    "sms",
    "voice",
    "email",
)
_IDENTITY_KINDS = ("inline", "keycloak_export", "aws_iam")
_CRED_KINDS = ("sql", "shadow", "htpasswd")
_TOTP_KINDS = ("sql", "csv")
_CLOUD_KINDS = ("aws",)

_TOP_KEYS = (
    "version",
    "organisation",
    "policy",
    "identity",
    "accounts",
    "credential_stores",
    "totp_stores",
    "hosts",
    "datastores",
    "cloud",
)
_ORG_KEYS = ("name", "incident")
_INCIDENT_KEYS = ("discovered", "contained")
_IDENTITY_KEYS = ("id", "kind", "path", "password_policy", "mfa")
_PASSWORD_POLICY_KEYS = ("min_length", "max_age_days", "breach_screening", "lockout")
_MFA_KEYS = ("methods", "totp")
_TOTP_CONFIG_KEYS = ("digits", "period", "window")
_ACCOUNT_KEYS = (
    "id",
    "roles",
    "mfa",
    "password_changed",
    "last_login",
    "enabled",
    "identity",
)
_CRED_KEYS = ("id", "kind", "path", "dsn", "table", "id_column", "hash_column", "changed_column")
_TOTP_STORE_KEYS = ("id", "kind", "path", "dsn", "table", "id_column", "secret_column")
_HOST_KEYS = ("id", "sshd_config")
_DATASTORE_KEYS = (
    "id",
    "engine",
    "classification",
    "hosting",
    "provider",
    "region",
    "endpoint",
    "internet_exposed",
    "zone",
    "encryption",
    "backups",
)
_ENCRYPTION_KEYS = ("at_rest", "in_transit")
_BACKUP_KEYS = ("kind", "encrypted", "last_restore_test")
_CLOUD_KEYS = ("kind", "profile", "regions")
_SOURCE_KEYS = ("source",)

# Per kind: (required keys, optional keys) among the kind-specific ones; a kind-specific key
# that is neither is an error ("does not apply to kind ...").
_KindRules = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
_IDENTITY_RULES: _KindRules = {
    "inline": ((), ()),
    "keycloak_export": (("path",), ()),
    "aws_iam": ((), ()),
}
_CRED_RULES: _KindRules = {
    "sql": (("dsn", "table", "id_column", "hash_column"), ("changed_column",)),
    "shadow": (("path",), ()),
    "htpasswd": (("path",), ()),
}
_TOTP_RULES: _KindRules = {
    "sql": (("dsn", "table", "id_column", "secret_column"), ()),
    "csv": (("path", "id_column", "secret_column"), ()),
}

# Policy fields, read from the dataclass so a new field is settable without touching the loader.
_POLICY_INT_FIELDS = tuple(f.name for f in fields(Policy) if f.type == "int")
_POLICY_LIST_FIELDS = tuple(f.name for f in fields(Policy) if f.type == "tuple[str, ...]")
_POLICY_KEYS = tuple(f.name for f in fields(Policy))

# CSV column kinds.
_CELL_STR, _CELL_LIST, _CELL_BOOL, _CELL_BACKUPS = range(4)
_ACCOUNT_CSV = {
    "id": _CELL_STR,
    "roles": _CELL_LIST,
    "mfa": _CELL_LIST,
    "password_changed": _CELL_STR,
    "last_login": _CELL_STR,
    "enabled": _CELL_BOOL,
    "identity": _CELL_STR,
}
_DATASTORE_CSV = {
    "id": _CELL_STR,
    "engine": _CELL_STR,
    "classification": _CELL_STR,
    "hosting": _CELL_STR,
    "provider": _CELL_STR,
    "region": _CELL_STR,
    "endpoint": _CELL_STR,
    "internet_exposed": _CELL_BOOL,
    "zone": _CELL_STR,
    "encryption.at_rest": _CELL_BOOL,
    "encryption.in_transit": _CELL_STR,
    "backups": _CELL_BACKUPS,
}
_CSV_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

_JSON_WS = re.compile(r"[ \t\n\r]*")
_JSON_DECODER = json.JSONDecoder()

_TAG = "tag:yaml.org,2002:"

_Row = TypeVar("_Row", Account, Datastore)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def location(self) -> Location: ...


_WithId = TypeVar("_WithId", bound=_HasId)
_EMPTY_ENCRYPTION = Encryption()


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line of itself, of each key and of each value."""

    __slots__ = ("klines", "line", "vlines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.klines: dict[str, int] = {}
        self.vlines: dict[str, int] = {}


class _Seq(list[Any]):
    """A YAML sequence that remembers the line of itself and of each item."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


_CACHE_MAX = 1 << 16
"""Most distinct values a per-file cache keeps (dates, CSV cells, backups): the common ones
repeat thousands of times; a column of unique values just stops being cached."""


class _Interned:
    """Per-file caches of parsed values that repeat across rows (dates, backups).

    Sharing them saves parsing each again and keeps one object per distinct value instead of
    one per row (a million accounts carry a few thousand distinct dates).
    """

    __slots__ = ("backups", "dates")

    def __init__(self) -> None:
        self.dates: dict[str, date] = {}
        self.backups: dict[tuple[Any, bool | None, Any], Backup] = {}
        """Backups by their (kind, encrypted, last_restore_test) as written, once valid."""

    def iso_date(self, v: str) -> date | None:
        """The ISO date `v`, or None when it is not one (the checked path says why)."""
        found = self.dates.get(v)
        if found is None:
            try:
                found = date.fromisoformat(v)
            except ValueError:
                return None
            if len(self.dates) < _CACHE_MAX:
                self.dates[v] = found
        return found


@dataclass(slots=True)
class _Ctx:
    """The file being validated (the estate file or an export) and estate-wide state."""

    file: str
    """Display name used in errors and `Location`s."""
    base: Path
    """Absolute directory relative paths resolve against (the estate file's)."""
    display_dir: Path
    """The estate file's directory as the user gave it, for display names of exports."""
    identities: frozenset[str] | None = None
    """Declared identity provider ids; None when there is no identity section."""
    interned: _Interned = field(default_factory=_Interned)
    """Parsed values shared between the rows of this file."""


# ---- small helpers -------------------------------------------------------------------------


def _fail(ctx: _Ctx, line: int | None, fpath: str | None, message: str) -> NoReturn:
    raise EstateError(message, file=ctx.file, line=line, field=fpath)


def _join(fp: str | None, key: str) -> str:
    return key if fp is None else f"{fp}.{key}"


def _describe(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, datetime):
        return "a timestamp"
    if isinstance(v, date):
        return "a date"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__


def _hint(word: str, choices: tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' when a choice is close; only ever called on error paths."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _quote_hint(v: Any) -> str:
    """YAML 1.1 turns bare yes/no/on/off, 0123 and 2026-10-02 into non-strings."""
    return " (quote it to make it a string)" if isinstance(v, bool | int | float | date) else ""


def _not_one_of(v: Any, allowed: tuple[str, ...]) -> str:
    options = ", ".join(allowed)
    if type(v) is not str:
        return f"expected one of {options}, got {_describe(v)}{_quote_hint(v)}"
    return f"{v!r} is not one of {options}{_hint(v, allowed)}"


_KEY_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _key_set(keys: tuple[str, ...]) -> frozenset[str]:
    found = _KEY_SETS.get(keys)
    if found is None:
        found = _KEY_SETS[keys] = frozenset(keys)
    return found


class _Scope:
    """One mapping being validated: typed getters that fail with file, line and field path.

    Absent keys, null and "" all mean "not given" for optional fields. Lines come from the
    YAML node tree for `_Map`s; rows of an export use the row's line (`dl`) throughout.
    """

    __slots__ = ("ctx", "dl", "fp", "m")

    def __init__(self, ctx: _Ctx, m: Mapping[str, Any], fp: str | None, dl: int) -> None:
        self.ctx = ctx
        self.m = m
        self.fp = fp
        self.dl = m.line if isinstance(m, _Map) else dl
        """Line of the mapping itself (used when a key is absent)."""

    # -- lines and failures

    def line(self, key: str) -> int:
        """Line of a key's value, or of the mapping when the key is absent."""
        m = self.m
        return m.vlines.get(key, self.dl) if isinstance(m, _Map) else self.dl

    def key_line(self, key: str) -> int:
        m = self.m
        return m.klines.get(key, self.dl) if isinstance(m, _Map) else self.dl

    def fail(self, key: str, message: str) -> NoReturn:
        _fail(self.ctx, self.line(key), _join(self.fp, key), message)

    def bad_type(self, key: str, expected: str) -> NoReturn:
        v = self.m[key]
        hint = _quote_hint(v) if expected.startswith("a string") else ""
        self.fail(key, f"expected {expected}, got {_describe(v)}{hint}")

    def missing(self, key: str, why: str = "required but missing") -> NoReturn:
        _fail(self.ctx, self.dl, _join(self.fp, key), why)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        m = self.m
        if m.keys() <= _key_set(allowed):
            return
        for key in m:
            if key not in allowed:
                _fail(
                    self.ctx,
                    self.key_line(key),
                    self.fp,
                    f"unknown key {key!r}{_hint(key, allowed)}",
                )

    def given(self, key: str) -> bool:
        v = self.m.get(key)
        return v is not None and v != ""

    def child(self, key: str) -> _Scope | None:
        """The nested mapping under `key` as a scope, or None when not given."""
        v = self.m.get(key)
        if v is None:
            return None
        if not isinstance(v, dict):
            self.bad_type(key, "a mapping")
        return _Scope(self.ctx, v, _join(self.fp, key), self.line(key))

    # -- typed getters

    def opt_str(self, key: str) -> str | None:
        v = self.m.get(key)
        if v is None or v == "":
            return None
        if type(v) is str:
            return v
        self.bad_type(key, "a string")

    def req_str(self, key: str) -> str:
        v = self.opt_str(key)
        if v is None:
            self.missing(key)
        return v

    def opt_int(self, key: str, minimum: int = 0) -> int | None:
        v = self.m.get(key)
        if v is None:
            return None
        if type(v) is not int:
            self.bad_type(key, "an integer")
        if v < minimum:
            what = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
            self.fail(key, f"expected {what}, got {v}")
        return v

    def opt_bool(self, key: str) -> bool | None:
        v = self.m.get(key)
        if v is None or v == "":
            return None
        if type(v) is bool:
            return v
        self.bad_type(key, "a boolean (true or false)")

    def opt_date(self, key: str) -> date | None:
        v = self.m.get(key)
        if v is None or v == "":
            return None
        t = type(v)
        if t is date:
            return cast(date, v)
        if t is str:
            try:
                return date.fromisoformat(v)
            except ValueError:
                self.fail(key, f"{v!r} is not a valid date (expected YYYY-MM-DD)")
        if t is datetime:
            return cast(datetime, v).date()
        self.bad_type(key, "a date (YYYY-MM-DD)")

    def opt_enum(self, key: str, allowed: tuple[str, ...]) -> str | None:
        v = self.m.get(key)
        if v is None or v == "":
            return None
        if type(v) is str and v in allowed:
            return v
        self.fail(key, _not_one_of(v, allowed))

    def opt_list(self, key: str) -> list[Any] | None:
        v = self.m.get(key)
        if v is None:
            return None
        if isinstance(v, list):
            return v
        self.bad_type(key, "a list")

    def opt_str_list(
        self, key: str, allowed: tuple[str, ...] | None = None
    ) -> tuple[str, ...] | None:
        v = self.m.get(key)
        if v is None:
            return None
        if not isinstance(v, list):
            self.bad_type(key, "a list of strings")
        for i, item in enumerate(v):
            if type(item) is str and item and (allowed is None or item in allowed):
                continue
            line = v.lines[i] if isinstance(v, _Seq) else self.line(key)
            fpath = f"{_join(self.fp, key)}[{i}]"
            if item == "":
                _fail(self.ctx, line, fpath, "must not be empty")
            if allowed is not None:
                _fail(self.ctx, line, fpath, _not_one_of(item, allowed))
            message = f"expected a string, got {_describe(item)}{_quote_hint(item)}"
            _fail(self.ctx, line, fpath, message)
        return tuple(v)

    def entries(self, key: str) -> Iterator[_Scope]:
        """Scopes for the mappings in the list under `key` (`key[0]`, `key[1]`, ...)."""
        items = self.opt_list(key)
        if not items:
            return
        base = _join(self.fp, key)
        dl = self.line(key)
        for i, item in enumerate(items):
            line = items.lines[i] if isinstance(items, _Seq) else dl
            if not isinstance(item, dict):
                _fail(self.ctx, line, f"{base}[{i}]", f"expected a mapping, got {_describe(item)}")
            yield _Scope(self.ctx, item, f"{base}[{i}]", line)

    def kind(self, rules: _KindRules) -> str:
        """Validate `kind` and which kind-specific keys it requires or allows."""
        if not self.given("kind"):
            self.missing("kind")
        kind = self.opt_enum("kind", tuple(rules))
        assert kind is not None
        required, optional = rules[kind]
        for key in required:
            if not self.given(key):
                self.missing(key, f"required for kind {kind!r} but missing")
        specific = _kind_specific(rules)
        for key in self.m:
            if key in specific and key not in required and key not in optional:
                _fail(
                    self.ctx,
                    self.key_line(key),
                    _join(self.fp, key),
                    f"does not apply to kind {kind!r}",
                )
        return kind

    # -- paths and DSNs

    def path(self, key: str) -> Path | None:
        """A file path, resolved against the estate file's directory; it must exist."""
        written = self.opt_str(key)
        if written is None:
            return None
        p = Path(written)
        resolved = (p if p.is_absolute() else self.ctx.base / p).resolve()
        if not resolved.exists():
            self.fail(key, f"file not found: {written}")
        if resolved.is_dir():
            self.fail(key, f"expected a file, found a directory: {written}")
        return resolved

    def dsn(self, store_id: str) -> str | None:
        """A database URL, never echoed; a sqlite file path is resolved and made absolute."""
        v = self.m.get("dsn")
        if v is None or v == "":
            return None
        if type(v) is not str:
            self.bad_type("dsn", "a string")
        scheme, sep, rest = v.partition("://")
        if not sep or not scheme.replace("+", "").replace("-", "").isalnum():
            self.fail(
                "dsn",
                f"dsn of store {store_id!r} is not a database URL"
                " (expected e.g. sqlite:///users.db or postgresql://host/db)",
            )
        if scheme.split("+", 1)[0].lower() != "sqlite":
            return v
        if not rest.startswith("/"):
            self.fail(
                "dsn",
                f"dsn of store {store_id!r} is not a valid sqlite URL"
                " (expected sqlite:///relative/path.db or sqlite:////absolute/path.db)",
            )
        file_part, qmark, query = rest[1:].partition("?")
        if file_part in ("", ":memory:"):
            return v
        p = Path(file_part)
        resolved = (p if p.is_absolute() else self.ctx.base / p).resolve()
        if not resolved.is_file():
            self.fail("dsn", f"database file for store {store_id!r} not found")
        return f"{scheme}:///{resolved}{qmark}{query}"


_KIND_SPECIFIC: dict[int, frozenset[str]] = {}


def _kind_specific(rules: _KindRules) -> frozenset[str]:
    found = _KIND_SPECIFIC.get(id(rules))
    if found is None:
        found = frozenset(k for req, opt in rules.values() for k in (*req, *opt))
        _KIND_SPECIFIC[id(rules)] = found
    return found


def _seen(ctx: _Ctx, seen: dict[str, Location], obj: _HasId, fpath: str, line: int) -> None:
    """Fail on the second declaration of an id within a section."""
    first = seen.setdefault(obj.id, obj.location)
    if first is obj.location:
        return
    where = f"line {first.line}" if first.file == ctx.file else f"{first.file}:{first.line}"
    _fail(ctx, line, fpath, f"duplicate id {obj.id!r} (first declared at {where})")


# ---- YAML ----------------------------------------------------------------------------------


class _YamlWalker:
    """Turn a composed node tree into `_Map` / `_Seq` / safe scalars, keeping lines."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx
        self.constructor = SafeConstructor()
        self.memo: dict[int, Any] = {}  # aliases: convert each collection node once

    def convert(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        done = self.memo.get(id(node))
        if done is not None:
            return done
        line = node.start_mark.line + 1
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                self.bad_tag(node)
            seq = _Seq(line)
            self.memo[id(node)] = seq
            for child in node.value:
                seq.append(self.convert(child))
                seq.lines.append(child.start_mark.line + 1)
            return seq
        if isinstance(node, MappingNode):
            if node.tag != _TAG + "map":
                self.bad_tag(node)
            return self.mapping(node, line)
        self.bad_tag(node)

    def mapping(self, node: MappingNode, line: int) -> _Map:
        m = _Map(line)
        self.memo[id(node)] = m
        merges: list[Node] = []
        for knode, vnode in node.value:
            kline = knode.start_mark.line + 1
            if knode.tag == _TAG + "merge":
                merges.append(vnode)
                continue
            if not isinstance(knode, ScalarNode) or knode.tag != _TAG + "str":
                what = _describe(self.convert(knode))
                _fail(self.ctx, kline, None, f"mapping keys must be strings, got {what}")
            key = knode.value
            if key in m:
                _fail(
                    self.ctx,
                    kline,
                    None,
                    f"duplicate key {key!r} (first at line {m.klines[key]})",
                )
            m[key] = self.convert(vnode)
            m.klines[key] = kline
            m.vlines[key] = vnode.start_mark.line + 1
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    _fail(
                        self.ctx,
                        source.start_mark.line + 1,
                        None,
                        "a '<<' merge key must refer to a mapping or a list of mappings",
                    )
                merged = self.convert(source)
                for key, value in merged.items():
                    if key not in m:
                        m[key] = value
                        m.klines[key] = merged.klines[key]
                        m.vlines[key] = merged.vlines[key]
        return m

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        c = self.constructor
        try:
            if tag == _TAG + "str":
                return node.value
            if tag == _TAG + "null":
                return None
            if tag == _TAG + "bool":
                return c.construct_yaml_bool(node)
            if tag == _TAG + "int":
                return c.construct_yaml_int(node)
            if tag == _TAG + "float":
                return c.construct_yaml_float(node)
            if tag == _TAG + "timestamp":
                try:
                    return c.construct_yaml_timestamp(node)
                except ValueError:
                    return node.value  # e.g. 2026-13-40: the date check reports it
        except (ValueError, yaml.YAMLError):
            short = tag.removeprefix(_TAG)
            _fail(self.ctx, node.start_mark.line + 1, None, f"invalid {short} value")
        self.bad_tag(node)

    def bad_tag(self, node: Node) -> NoReturn:
        tag = node.tag.replace(_TAG, "!!", 1) if node.tag.startswith(_TAG) else node.tag
        _fail(self.ctx, node.start_mark.line + 1, None, f"unsupported YAML tag {tag!r}")


_MAX_DEPTH = 100
"""Deepest nesting accepted; an estate needs about six levels."""


def _check_depth(text: str, ctx: _Ctx) -> None:
    """Refuse absurd nesting before composing: libyaml's composer recurses in C and crashes the
    interpreter on very deep input, the walker below recurses in Python. The event parser is a
    state machine, so scanning its events first is safe at any depth (and costs ~15% of
    composing)."""
    if len(text) <= _MAX_DEPTH:
        return
    loader = _YAML_LOADER(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            cls = type(event)
            if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                depth += 1
                if depth > _MAX_DEPTH:
                    line = event.start_mark.line + 1
                    _fail(ctx, line, None, f"nesting deeper than {_MAX_DEPTH} levels")
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                depth -= 1
    finally:
        loader.dispose()


def _parse_yaml(text: str, ctx: _Ctx) -> _Map:
    try:
        _check_depth(text, ctx)
        node = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        # Only the parser's short phrases: its snippet of the offending line may hold a secret.
        message = f"invalid YAML: {e.problem or e.context or 'syntax error'}"
        if e.context and e.problem and e.context_mark is not None:
            message += f" ({e.context} at line {e.context_mark.line + 1})"
        _fail(ctx, line, None, message)
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1 if isinstance(e.position, int) else 1
        _fail(ctx, line, None, f"invalid YAML: {e.reason or 'unacceptable character'}")
    except yaml.YAMLError as e:
        _fail(ctx, 1, None, f"invalid YAML: {type(e).__name__}")
    if node is None:
        _fail(ctx, 1, None, "the estate file is empty")
    if not isinstance(node, MappingNode):
        what = "a list" if isinstance(node, SequenceNode) else "a single value"
        _fail(
            ctx,
            node.start_mark.line + 1,
            None,
            f"expected a mapping of sections at the top of the estate file, got {what}",
        )
    root = _YamlWalker(ctx).convert(node)
    assert isinstance(root, _Map)
    return root


# ---- sections ------------------------------------------------------------------------------


def _organisation(s: _Scope) -> Organisation:
    s.check_keys(_ORG_KEYS)
    name = s.req_str("name")
    incident = None
    i = s.child("incident")
    if i is not None:
        i.check_keys(_INCIDENT_KEYS)
        discovered = i.opt_date("discovered")
        contained = i.opt_date("contained")
        if discovered is not None and contained is not None and contained < discovered:
            i.fail(
                "contained",
                f"{contained.isoformat()} is before discovered ({discovered.isoformat()})",
            )
        incident = Incident(discovered=discovered, contained=contained)
    return Organisation(name=name, incident=incident)


def _policy(s: _Scope) -> Policy:
    s.check_keys(_POLICY_KEYS)
    values: dict[str, Any] = {}
    for key in _POLICY_INT_FIELDS:
        n = s.opt_int(key)
        if n is not None:
            values[key] = n
    for key in _POLICY_LIST_FIELDS:
        items = s.opt_str_list(key)
        if items is not None:
            values[key] = items
    if "allowed_regions" in s.m:
        values["allowed_regions"] = s.opt_str_list("allowed_regions")
    p = s.child("placement")
    if p is not None:
        p.check_keys(CLASSIFICATIONS)
        placement = _default_placement()
        for cls in CLASSIFICATIONS:
            if cls in p.m:
                hostings = p.opt_str_list(cls, HOSTINGS)
                if hostings is None:
                    p.bad_type(cls, "a list of hostings")
                placement[cls] = hostings
        values["placement"] = placement
    return Policy(**values)


def _identity(s: _Scope) -> IdentityProvider:
    s.check_keys(_IDENTITY_KEYS)
    ident = s.req_str("id")
    kind = s.kind(_IDENTITY_RULES)
    password_policy = None
    p = s.child("password_policy")
    if p is not None:
        p.check_keys(_PASSWORD_POLICY_KEYS)
        password_policy = PasswordPolicy(
            min_length=p.opt_int("min_length"),
            max_age_days=p.opt_int("max_age_days"),
            breach_screening=p.opt_bool("breach_screening"),
            lockout=p.opt_bool("lockout"),
        )
    mfa = None
    m = s.child("mfa")
    if m is not None:
        m.check_keys(_MFA_KEYS)
        totp = None
        t = m.child("totp")
        if t is not None:
            t.check_keys(_TOTP_CONFIG_KEYS)
            digits = t.opt_int("digits", minimum=1)
            period = t.opt_int("period", minimum=1)
            window = t.opt_int("window")
            totp = TotpConfig(
                digits=6 if digits is None else digits,
                period=30 if period is None else period,
                window=1 if window is None else window,
            )
        mfa = MfaConfig(methods=m.opt_str_list("methods", _MFA_METHODS) or (), totp=totp)
    return IdentityProvider(
        id=ident,
        kind=cast("Literal['inline', 'keycloak_export', 'aws_iam']", kind),
        location=Location(s.ctx.file, s.dl),
        path=s.path("path"),
        password_policy=password_policy,
        mfa=mfa,
    )


def _account(s: _Scope, loc: Location) -> Account:
    fast = _account_fast(s.m, loc, s.ctx.identities, s.ctx.interned)
    if fast is not None:
        return fast
    s.check_keys(_ACCOUNT_KEYS)
    ident = s.req_str("id")
    identity = s.opt_str("identity")
    known = s.ctx.identities
    if identity is not None and (known is None or identity not in known):
        why = " (no identity section is declared)" if known is None else ""
        s.fail(
            "identity", f"unknown identity {identity!r}{why or _hint(identity, tuple(known or ()))}"
        )
    enabled = s.opt_bool("enabled")
    return Account(
        id=ident,
        location=loc,
        roles=s.opt_str_list("roles") or (),
        mfa=s.opt_str_list("mfa", _MFA_METHODS) or (),
        password_changed=s.opt_date("password_changed"),
        last_login=s.opt_date("last_login"),
        enabled=True if enabled is None else enabled,
        identity=identity,
    )


# Fast paths for the large inventories (a million rows from an export). They accept only values
# the checked path above/below would accept unchanged, and return None on anything else, so the
# checked path stays the single source of every error message.

_DATASTORE_KEYSET = frozenset(_DATASTORE_KEYS)
_ACCOUNT_KEYSET = frozenset(_ACCOUNT_KEYS)
_ENCRYPTION_KEYSET = frozenset(_ENCRYPTION_KEYS)
_BACKUP_KEYSET = frozenset(_BACKUP_KEYS)
_BACKUP_KIND_SET = frozenset(_BACKUP_KINDS)
_MFA_METHOD_SET = frozenset(_MFA_METHODS)
_ENCRYPTIONS: dict[tuple[bool | None, str | None], Encryption] = {
    (at_rest, in_transit): Encryption(at_rest=at_rest, in_transit=in_transit)
    for at_rest in (None, True, False)
    for in_transit in (None, *_TRANSIT)
}
"""Encryption is frozen and has twelve possible values: share them."""


def _slots_twin(cls: type) -> Any:
    """A plain class with the slot layout of the frozen slots dataclass `cls`.

    The generated `__init__` of a frozen dataclass sets each field through
    `object.__setattr__` by name: over four times the cost of a plain one, which shows at a million
    rows. The loader's per-row constructors below fill a twin's slots with plain attribute
    stores and then make the object a `cls` (`__class__` assignment, which Python allows
    between classes of the same slot layout). The result is a genuine `cls`, frozen like any
    other; the twin never escapes.
    """
    twin = type(f"_{cls.__name__}Slots", (), {"__slots__": tuple(f.name for f in fields(cls))})
    probe: object = object.__new__(twin)
    probe.__class__ = cls  # raises TypeError at import should the layouts ever differ
    return twin


_new = object.__new__
_LOCATION_SLOTS = _slots_twin(Location)
_ACCOUNT_SLOTS = _slots_twin(Account)
_DATASTORE_SLOTS = _slots_twin(Datastore)


def _location(file: str, line: int) -> Location:
    """`Location(file, line)`, without the frozen `__init__`."""
    obj = _new(_LOCATION_SLOTS)
    obj.file = file
    obj.line = line
    obj.__class__ = Location
    loc: Location = obj
    return loc


def _new_account(  # noqa: PLR0917 - the dataclass fields, in order
    ident: str,
    loc: Location,
    roles: tuple[str, ...],
    mfa: tuple[str, ...],
    changed: date | None,
    last_login: date | None,
    enabled: bool,
    identity: str | None,
) -> Account:
    """`Account(...)` with every field given, without the frozen `__init__`."""
    obj = _new(_ACCOUNT_SLOTS)
    obj.id = ident
    obj.location = loc
    obj.roles = roles
    obj.mfa = mfa
    obj.password_changed = changed
    obj.last_login = last_login
    obj.enabled = enabled
    obj.identity = identity
    obj.__class__ = Account
    account: Account = obj
    return account


def _fast_date(v: Any, interned: _Interned) -> date | bool | None:
    """The date, None when not given, False when the checked path must look at it."""
    if v is None:
        return None
    t = type(v)
    if t is str:
        return interned.iso_date(v) or False
    if t is date:
        return cast(date, v)
    return False


def _fast_str_list(v: Any, allowed: frozenset[str] | None) -> tuple[str, ...] | None:
    if v is None:
        return ()
    if type(v) is not list and not isinstance(v, list):
        return None
    for item in v:
        if type(item) is not str or not item or (allowed is not None and item not in allowed):
            return None
    return tuple(v)


_CLASSIFICATION_OR_NONE = frozenset((None, *CLASSIFICATIONS))
_HOSTING_OR_NONE = frozenset((None, *HOSTINGS))
_ZONE_OR_NONE = frozenset((None, *_ZONES))


def _datastore_fast(
    m: Mapping[str, Any], loc: Location, identities: frozenset[str] | None, interned: _Interned
) -> Datastore | None:
    del identities  # only accounts refer to identity providers
    if not m.keys() <= _DATASTORE_KEYSET:
        return None
    g = m.get
    ident = g("id")
    if type(ident) is not str or not ident:
        return None
    engine, provider, region, endpoint = g("engine"), g("provider"), g("region"), g("endpoint")
    for v in (engine, provider, region, endpoint):
        if v is not None and (type(v) is not str or not v):
            return None
    classification, hosting, zone = g("classification"), g("hosting"), g("zone")
    try:  # only the allowed strings (or None) are in these sets; True or 1 never equal them
        if not (
            classification in _CLASSIFICATION_OR_NONE
            and hosting in _HOSTING_OR_NONE
            and zone in _ZONE_OR_NONE
        ):
            return None
    except TypeError:  # a list or a mapping: the checked path says what is wrong
        return None
    exposed = g("internet_exposed")
    if exposed is not None and type(exposed) is not bool:
        return None
    enc = g("encryption")
    encryption = _EMPTY_ENCRYPTION if enc is None else _fast_encryption(enc)
    raw_backups = g("backups")
    backups = () if raw_backups is None else _fast_backups(raw_backups, interned)
    if encryption is None or backups is None:
        return None
    obj = _new(_DATASTORE_SLOTS)
    obj.id = ident
    obj.location = loc
    obj.engine = engine
    obj.classification = classification
    obj.hosting = hosting
    obj.provider = provider
    obj.region = region
    obj.endpoint = endpoint
    obj.internet_exposed = exposed
    obj.zone = zone
    obj.encryption = encryption
    obj.backups = backups
    obj.__class__ = Datastore
    store: Datastore = obj
    return store


def _fast_encryption(enc: Any) -> Encryption | None:
    if not isinstance(enc, dict) or not enc.keys() <= _ENCRYPTION_KEYSET:
        return None
    at_rest, in_transit = enc.get("at_rest"), enc.get("in_transit")
    if (at_rest is not None and type(at_rest) is not bool) or (
        in_transit is not None and type(in_transit) is not str
    ):
        return None
    return _ENCRYPTIONS.get((at_rest, in_transit))


def _fast_backups(raw: Any, interned: _Interned) -> tuple[Backup, ...] | None:
    if not isinstance(raw, list):
        return None
    known = interned.backups
    built = []
    for b in raw:
        if not isinstance(b, dict) or not b.keys() <= _BACKUP_KEYSET:
            return None
        encrypted = b.get("encrypted")
        if encrypted is not None and type(encrypted) is not bool:
            return None  # 1 == True: only a real boolean may match a remembered backup
        key = (b.get("kind"), encrypted, b.get("last_restore_test"))
        try:
            backup = known.get(key) or _first_backup(key, interned)
        except TypeError:  # an unhashable kind or date
            return None
        if backup is None:
            return None
        built.append(backup)
    return tuple(built)


def _first_backup(key: tuple[Any, bool | None, Any], interned: _Interned) -> Backup | None:
    """A backup not seen before in this file: validated, then remembered by its raw values."""
    kind, encrypted, tested = key
    parsed = _fast_date(tested, interned)
    if type(kind) is not str or kind not in _BACKUP_KIND_SET or parsed is False:
        return None
    backup = Backup(
        kind=kind,
        encrypted=encrypted,
        last_restore_test=cast("date | None", parsed),
    )
    if len(interned.backups) < _CACHE_MAX:
        interned.backups[key] = backup
    return backup


def _account_fast(
    m: Mapping[str, Any], loc: Location, identities: frozenset[str] | None, interned: _Interned
) -> Account | None:
    if not m.keys() <= _ACCOUNT_KEYSET:
        return None
    g = m.get
    ident, identity, enabled = g("id"), g("identity"), g("enabled")
    if type(ident) is not str or not ident:
        return None
    if identity is not None and (
        type(identity) is not str or identities is None or identity not in identities
    ):
        return None
    if enabled is None:
        enabled = True
    elif type(enabled) is not bool:
        return None
    roles = _fast_str_list(g("roles"), None)
    mfa = _fast_str_list(g("mfa"), _MFA_METHOD_SET)
    changed = _fast_date(g("password_changed"), interned)
    last_login = _fast_date(g("last_login"), interned)
    if roles is None or mfa is None or changed is False or last_login is False:
        return None
    return _new_account(
        ident,
        loc,
        roles,
        mfa,
        cast("date | None", changed),
        cast("date | None", last_login),
        enabled,
        identity,
    )


def _credential_store(s: _Scope) -> CredentialStore:
    s.check_keys(_CRED_KEYS)
    ident = s.req_str("id")
    kind = s.kind(_CRED_RULES)
    return CredentialStore(
        id=ident,
        kind=cast("Literal['sql', 'shadow', 'htpasswd']", kind),
        location=Location(s.ctx.file, s.dl),
        path=s.path("path"),
        dsn=s.dsn(ident),
        table=s.opt_str("table"),
        id_column=s.opt_str("id_column"),
        hash_column=s.opt_str("hash_column"),
        changed_column=s.opt_str("changed_column"),
    )


def _totp_store(s: _Scope) -> TotpStore:
    s.check_keys(_TOTP_STORE_KEYS)
    ident = s.req_str("id")
    kind = s.kind(_TOTP_RULES)
    return TotpStore(
        id=ident,
        kind=cast("Literal['sql', 'csv']", kind),
        location=Location(s.ctx.file, s.dl),
        path=s.path("path"),
        dsn=s.dsn(ident),
        table=s.opt_str("table"),
        id_column=s.opt_str("id_column"),
        secret_column=s.opt_str("secret_column"),
    )


def _host(s: _Scope) -> Host:
    s.check_keys(_HOST_KEYS)
    return Host(
        id=s.req_str("id"),
        location=Location(s.ctx.file, s.dl),
        sshd_config=s.path("sshd_config"),
    )


def _datastore(s: _Scope, loc: Location) -> Datastore:
    fast = _datastore_fast(s.m, loc, None, s.ctx.interned)
    if fast is not None:
        return fast
    s.check_keys(_DATASTORE_KEYS)
    ident = s.req_str("id")
    encryption = _EMPTY_ENCRYPTION
    e = s.child("encryption")
    if e is not None:
        e.check_keys(_ENCRYPTION_KEYS)
        in_transit = "off" if e.m.get("in_transit") is False else e.opt_enum("in_transit", _TRANSIT)
        encryption = Encryption(
            at_rest=e.opt_bool("at_rest"),
            in_transit=cast("TransitEncryption | None", in_transit),
        )
    backups = tuple(_backup(b) for b in s.entries("backups")) if "backups" in s.m else ()
    return Datastore(
        id=ident,
        location=loc,
        engine=s.opt_str("engine"),
        classification=cast("Classification | None", s.opt_enum("classification", CLASSIFICATIONS)),
        hosting=cast("Hosting | None", s.opt_enum("hosting", HOSTINGS)),
        provider=s.opt_str("provider"),
        region=s.opt_str("region"),
        endpoint=s.opt_str("endpoint"),
        internet_exposed=s.opt_bool("internet_exposed"),
        zone=cast("NetworkZone | None", s.opt_enum("zone", _ZONES)),
        encryption=encryption,
        backups=backups,
    )


def _backup(s: _Scope) -> Backup:
    s.check_keys(_BACKUP_KEYS)
    if not s.given("kind"):
        s.missing("kind")
    return Backup(
        kind=cast(BackupKind, s.opt_enum("kind", _BACKUP_KINDS)),
        encrypted=s.opt_bool("encrypted"),
        last_restore_test=s.opt_date("last_restore_test"),
    )


def _cloud(s: _Scope) -> CloudAccount:
    s.check_keys(_CLOUD_KEYS)
    if not s.given("kind"):
        s.missing("kind")
    return CloudAccount(
        kind=cast("Literal['aws']", s.opt_enum("kind", _CLOUD_KINDS)),
        location=Location(s.ctx.file, s.dl),
        profile=s.opt_str("profile"),
        regions=s.opt_str_list("regions") or (),
    )


def _simple_section(
    root: _Scope, section: str, build: Callable[[_Scope], _WithId]
) -> tuple[_WithId, ...] | None:
    """A list section whose entries have unique ids; None when absent."""
    if root.m.get(section) is None:
        return None
    out: list[_WithId] = []
    seen: dict[str, Location] = {}
    for entry in root.entries(section):
        obj = build(entry)
        _seen(root.ctx, seen, obj, f"{entry.fp}.id", entry.line("id"))
        out.append(obj)
    return tuple(out)


# ---- accounts and datastores: inline or exported -------------------------------------------

_Rows = Callable[[_Ctx, IO[str], str], Iterator[tuple[int, dict[str, Any], int]]]
_Fast = Callable[[Mapping[str, Any], Location, frozenset[str] | None, _Interned], _Row | None]
_CsvRow = Callable[[list[str], int], _Row | None]
_CsvFast = Callable[[_Ctx, list[str]], _CsvRow[_Row] | None]


def _inventory(
    root: _Scope,
    section: str,
    *,
    build: Callable[[_Scope, Location], _Row],
    fast: _Fast[_Row],
    csv_columns: dict[str, int],
    csv_fast: _CsvFast[_Row] | None,
) -> tuple[_Row, ...] | None:
    """`accounts` / `datastores`: an inline list, or `{source: FILE}` streamed from an export.

    `build` is the checked path; `fast` (and `csv_fast` for CSV rows) build a row the checked
    path would accept unchanged, or return None to hand it to `build` for the error message.
    """
    raw = root.m.get(section)
    if raw is None:
        return None
    ctx = root.ctx
    seen: dict[str, Location] = {}
    out: list[_Row] = []
    if isinstance(raw, list):
        for entry in root.entries(section):
            obj = build(entry, Location(ctx.file, entry.dl))
            _seen(ctx, seen, obj, f"{entry.fp}.id", entry.line("id"))
            out.append(obj)
        return tuple(out)
    if not isinstance(raw, dict):
        root.bad_type(section, "a list, or a mapping {source: FILE}")
    src = _Scope(ctx, raw, section, root.line(section))
    src.check_keys(_SOURCE_KEYS)
    written = src.req_str("source")
    path = src.path("source")
    assert path is not None
    display = written if Path(written).is_absolute() else str(ctx.display_dir / written)
    ectx = _Ctx(display, ctx.base, ctx.display_dir, ctx.identities)
    suffix = path.suffix.lower()
    rows: _Rows | None = None
    if suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows
    elif suffix == ".json":
        rows = _json_rows
    elif suffix != ".csv":
        src.fail(
            "source",
            f"unsupported export format {suffix or '(no extension)'!r}"
            " (use .csv, .jsonl, .ndjson or .json)",
        )
    identities, interned = ectx.identities, ectx.interned
    try:
        with path.open(encoding="utf-8-sig", newline="") as f, gc_paused():
            try:
                if rows is None:
                    _csv_inventory(
                        ectx,
                        f,
                        section,
                        build=build,
                        columns=csv_columns,
                        csv_fast=csv_fast,
                        out=out,
                    )
                else:
                    for index, record, line in rows(ectx, f, section):
                        loc = _location(display, line)
                        quick = fast(record, loc, identities, interned)
                        if quick is None:
                            fp = f"{section}[{index}]"
                            quick = build(_Scope(ectx, record, fp, line), loc)
                        out.append(quick)
            except (EstateError, OSError, UnicodeDecodeError):
                _unique_ids(ectx, section, out)  # a duplicate before the bad row comes first
                raise
            _unique_ids(ectx, section, out)
    except OSError as e:
        src.fail("source", f"cannot read {written}: {e.strerror or type(e).__name__}")
    except UnicodeDecodeError:
        _fail(ectx, _bad_utf8_line(path), section, "not valid UTF-8")
    return tuple(out)


_ID = attrgetter("id")


def _unique_ids(ctx: _Ctx, section: str, rows: list[_Row]) -> None:
    """Fail on the first row of an export whose id an earlier row has: what `_seen` checks row
    by row, done at once (a set of a million ids costs half of a dict built row by row, and is
    gone once checked)."""
    if len(set(map(_ID, rows))) == len(rows):
        return
    seen: dict[str, Location] = {}
    for index, obj in enumerate(rows):
        _seen(ctx, seen, obj, f"{section}[{index}].id", obj.location.line)


def _bad_utf8_line(path: Path) -> int | None:
    """The exact line of the first undecodable byte (error path only: the text reader decodes
    in chunks, so its position is not the row's)."""
    try:
        data = path.read_bytes()
        data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return data.count(b"\n", 0, e.start) + 1
    except OSError:
        return None
    return None


def _csv_inventory(
    ctx: _Ctx,
    f: IO[str],
    section: str,
    *,
    build: Callable[[_Scope, Location], _Row],
    columns: dict[str, int],
    csv_fast: _CsvFast[_Row] | None,
    out: list[_Row],
) -> None:
    """Rows of a CSV export into `out`, each located at its first physical line; a row
    `csv_fast` declines becomes an inline-shaped record for `build`.

    A line holding no quote (nearly every line of an export) is what `csv.reader` would split
    at the commas, and is split here directly, three times faster. Any other record
    is read by `_csv_quoted`, so quoting, embedded newlines and every `malformed CSV` error are
    `csv`'s own.
    """
    lines = iter(f)
    limit = csv.field_size_limit()  # a longer line may hold a field csv refuses
    text = next(lines, None)
    if text is None:
        _fail(ctx, 1, section, "the CSV file is empty (expected a header row)")
    header, line = _csv_quoted(ctx, section, text, lines, 1)
    names = [h.strip() for h in header]
    known = tuple(columns)
    specs: list[tuple[str, str | None, int]] = []
    for name in names:
        if name not in columns:
            _fail(ctx, 1, section, f"unknown column {name!r}{_hint(name, known)}")
        if names.count(name) > 1:
            _fail(ctx, 1, section, f"column {name!r} appears more than once")
        parent, dot, leaf = name.partition(".")
        specs.append((leaf, parent, columns[name]) if dot else (name, None, columns[name]))
    width = len(specs)
    fast = None if csv_fast is None else csv_fast(ctx, names)
    if fast is None:
        fast = _csv_declined
    append = out.append
    for text in lines:
        line += 1
        start = line
        if '"' not in text and len(text) <= limit:
            cells = text.rstrip("\r\n")
            if not cells:
                continue
            row = cells.split(",")
        else:
            row, line = _csv_quoted(ctx, section, text, lines, line)
            if not row:
                continue
        if len(row) != width:
            fp = f"{section}[{len(out)}]"
            _fail(ctx, start, fp, f"row has {len(row)} cells, the header has {width}")
        obj = fast(row, start)
        if obj is None:
            fp = f"{section}[{len(out)}]"
            record = _csv_record(ctx, row, specs, fp, start)
            obj = build(_Scope(ctx, record, fp, start), _location(ctx.file, start))
        append(obj)


def _csv_quoted(
    ctx: _Ctx, section: str, text: str, lines: Iterator[str], line: int
) -> tuple[list[str], int]:
    """The record starting with `text` (physical line `line`) as `csv.reader` reads it, reading
    on through `lines` while a quoted cell spans lines; and the record's last line."""
    reader = csv.reader(chain((text,), lines), strict=True)
    try:
        row = next(reader)
    except csv.Error as e:
        _fail(ctx, line - 1 + (reader.line_num or 1), section, f"malformed CSV: {e}")
    return row, line - 1 + reader.line_num


def _csv_record(
    ctx: _Ctx, row: list[str], specs: list[tuple[str, str | None, int]], fp: str, line: int
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for raw, (key, parent, kind) in zip(row, specs, strict=True):
        cell = raw.strip()
        if not cell:
            continue
        value: Any
        if kind == _CELL_STR:
            value = cell
        elif kind == _CELL_LIST:
            value = [part.strip() for part in cell.split(";") if part.strip()]
        elif kind == _CELL_BOOL:
            value = _CSV_BOOLS.get(cell.lower())
            if value is None:
                fpath = f"{fp}.{key}" if parent is None else f"{fp}.{parent}.{key}"
                message = f"expected a boolean (true/false/yes/no/1/0), got {cell!r}"
                _fail(ctx, line, fpath, message)
        else:
            parts = [p for p in cell.split(";") if p.strip()]
            value = [_csv_backup(ctx, p, f"{fp}.backups[{i}]", line) for i, p in enumerate(parts)]
        if parent is None:
            record[key] = value
        else:
            record.setdefault(parent, {})[key] = value
    return record


class _Declined(Exception):
    """A CSV cell the fast path leaves to the checked path (which then gives the error)."""


_V = TypeVar("_V")


class _ParsedCells(dict[str, _V]):
    """Cell text -> parsed value for one CSV column, parsing each distinct text once."""

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[str], _V]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, cell: str) -> _V:
        value = self.parse(cell)  # may raise _Declined, which is not cached
        if len(self) < _CACHE_MAX:
            self[cell] = value
        return value


def _csv_declined(row: list[str], line: int) -> None:
    """The fast path of a section without one: every row goes to the checked path."""
    del row, line


def _csv_list(cell: str) -> tuple[str, ...]:
    """A `;`-separated list cell, as `_csv_record` reads it."""
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def _csv_mfa(cell: str) -> tuple[str, ...]:
    methods = _csv_list(cell)
    if not _MFA_METHOD_SET.issuperset(methods):
        raise _Declined
    return methods


def _csv_enabled(cell: str) -> bool:
    cell = cell.strip()
    if not cell:
        return True
    value = _CSV_BOOLS.get(cell.lower())
    if value is None:
        raise _Declined
    return value


def _csv_date(interned: _Interned, cell: str) -> date | None:
    cell = cell.strip()
    if not cell:
        return None
    found = interned.iso_date(cell)
    if found is None:
        raise _Declined
    return found


def _csv_identity(identities: frozenset[str] | None, cell: str) -> str | None:
    cell = cell.strip()
    if not cell:
        return None
    if identities is None or cell not in identities:
        raise _Declined
    return cell


def _account_csv_fast(ctx: _Ctx, names: list[str]) -> _CsvRow[Account] | None:
    """Builds an `Account` straight from a CSV row with header `names`, or None for a row the
    checked path must see (it then gives the error). Each distinct cell text of a column is
    parsed once, and the parsed values (dates, role tuples) are shared between rows."""
    col = {name: i for i, name in enumerate(names)}
    i_id = col.get("id")
    if i_id is None:
        return None  # every row lacks its id: the checked path says so
    # An absent column reads index -1: the empty cell appended to each row while it is read.
    i_roles, i_mfa, i_changed, i_login, i_enabled, i_identity = (
        col.get(k, -1)
        for k in ("roles", "mfa", "password_changed", "last_login", "enabled", "identity")
    )
    file, new, location_slots, account_slots = ctx.file, _new, _LOCATION_SLOTS, _ACCOUNT_SLOTS
    roles_of = _ParsedCells(_csv_list)
    mfa_of = _ParsedCells(_csv_mfa)
    date_of = _ParsedCells(partial(_csv_date, ctx.interned))
    enabled_of = _ParsedCells(_csv_enabled)
    identity_of = _ParsedCells(partial(_csv_identity, ctx.identities))

    def account(row: list[str], line: int) -> Account | None:
        row.append("")
        try:
            ident = row[i_id].strip()
            if not ident:
                raise _Declined
            roles = roles_of[row[i_roles]]
            mfa = mfa_of[row[i_mfa]]
            changed = date_of[row[i_changed]]
            last_login = date_of[row[i_login]]
            enabled = enabled_of[row[i_enabled]]
            identity = identity_of[row[i_identity]]
        except _Declined:
            row.pop()  # the row as read, for the checked path
            return None
        # _location and _new_account, inlined: this runs a million times.
        loc = new(location_slots)
        loc.file = file
        loc.line = line
        loc.__class__ = Location
        obj = new(account_slots)
        obj.id = ident
        obj.location = loc
        obj.roles = roles
        obj.mfa = mfa
        obj.password_changed = changed
        obj.last_login = last_login
        obj.enabled = enabled
        obj.identity = identity
        obj.__class__ = Account
        built: Account = obj
        return built

    return account


def _csv_backup(ctx: _Ctx, text: str, fp: str, line: int) -> dict[str, Any]:
    """`kind[:encrypted|unencrypted][:YYYY-MM-DD]`; empty parts are "not given"."""
    parts = [p.strip() for p in text.split(":")]
    backup: dict[str, Any] = {"kind": parts[0]}
    for part in parts[1:]:
        if not part:
            continue
        key = "encrypted" if part in ("encrypted", "unencrypted") else "last_restore_test"
        if key in backup or len(parts) > 3:
            shape = "kind[:encrypted|unencrypted][:YYYY-MM-DD]"
            _fail(ctx, line, fp, f"{text.strip()!r} is not {shape}")
        backup[key] = part == "encrypted" if key == "encrypted" else part
    return backup


def _jsonl_rows(ctx: _Ctx, f: IO[str], section: str) -> Iterator[tuple[int, dict[str, Any], int]]:
    """Objects of a JSON Lines export, one per non-blank line, with their index and line."""
    index = -1
    loads = json.loads
    for line, text in enumerate(f, 1):
        if text.isspace():
            continue
        index += 1
        try:
            obj = loads(text)
        except json.JSONDecodeError as e:
            _fail(ctx, line, f"{section}[{index}]", f"invalid JSON: {e.msg} (column {e.colno})")
        if type(obj) is not dict:
            _fail(ctx, line, f"{section}[{index}]", f"expected a JSON object, got {_describe(obj)}")
        yield index, obj, line


def _json_rows(ctx: _Ctx, f: IO[str], section: str) -> Iterator[tuple[int, Any, int]]:
    """A JSON list of objects, each reported at the line where it starts."""
    text = f.read()
    line, counted = 1, 0  # `line` is the line number at offset `counted`
    try:
        pos = _skip_ws(text, 0)
        if text[pos : pos + 1] != "[":
            _JSON_DECODER.raw_decode(text, pos)  # a JSON syntax error is the better message
            _fail(ctx, 1 + text.count("\n", 0, pos), section, "expected a JSON list of objects")
        pos = _skip_ws(text, pos + 1)
        index = 0
        if text[pos : pos + 1] != "]":
            while True:
                line += text.count("\n", counted, pos)
                counted = pos
                obj, end = _JSON_DECODER.raw_decode(text, pos)
                if type(obj) is not dict:
                    fp = f"{section}[{index}]"
                    _fail(ctx, line, fp, f"expected a JSON object, got {_describe(obj)}")
                yield index, obj, line
                index += 1
                pos = _skip_ws(text, end)
                if text[pos : pos + 1] == "]":
                    break
                if text[pos : pos + 1] != ",":
                    bad = 1 + text.count("\n", 0, pos)
                    _fail(ctx, bad, section, "invalid JSON: expected ',' or ']' after an object")
                pos = _skip_ws(text, pos + 1)
        pos = _skip_ws(text, pos + 1)
        if pos != len(text):
            bad = 1 + text.count("\n", 0, pos)
            _fail(ctx, bad, section, "invalid JSON: extra data after the list")
    except json.JSONDecodeError as e:
        _fail(ctx, e.lineno, section, f"invalid JSON: {e.msg} (column {e.colno})")


def _skip_ws(text: str, pos: int) -> int:
    found = _JSON_WS.match(text, pos)
    return found.end() if found else pos


# ---- entry point ---------------------------------------------------------------------------


#: Called with the validated credential and TOTP store declarations.
StoresDeclared = Callable[[tuple["CredentialStore", ...], tuple["TotpStore", ...]], None]


def load_estate(path: str | Path, *, on_stores: StoresDeclared | None = None) -> Estate:
    """Read and validate an estate file; raise `EstateError` (file:line: field: message).

    Relative paths in the file (and sqlite DSNs) resolve against the file's directory; the
    returned `path`, `sshd_config`, `source` paths and sqlite DSNs are absolute.

    `on_stores` is called with the credential and TOTP store declarations once they are
    validated and before the account and data store inventories are read (the slow part of a
    large estate), so that the stores can be read meanwhile (`hardening.collectors.prefetch`).
    """
    display = os.fspath(path)
    file = Path(path)
    ctx = _Ctx(display, Path(), file.parent)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        _fail(ctx, None, None, "file not found")
    except IsADirectoryError:
        _fail(ctx, None, None, "is a directory, expected an estate file")
    except OSError as e:
        _fail(ctx, None, None, f"cannot read the estate file: {e.strerror or type(e).__name__}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        _fail(ctx, line, None, f"not valid UTF-8 (byte offset {e.start})")
    if not text.strip():
        _fail(ctx, 1, None, "the estate file is empty")
    absolute = file.resolve()
    ctx.base = absolute.parent
    root = _Scope(ctx, _parse_yaml(text, ctx), None, 1)

    if "version" not in root.m:
        root.missing(
            "version", f"required but missing (this hardening reads version {_ESTATE_VERSION})"
        )
    version = root.m["version"]
    if type(version) is not int:
        root.bad_type("version", "an integer")
    if version != _ESTATE_VERSION:
        root.fail(
            "version",
            f"unsupported estate version {version}"
            f" (this hardening reads version {_ESTATE_VERSION})",
        )
    root.check_keys(_TOP_KEYS)

    org = root.child("organisation")
    if org is None:
        root.missing("organisation")
    organisation = _organisation(org)
    policy_scope = root.child("policy")
    policy = Policy() if policy_scope is None else _policy(policy_scope)
    identity = _simple_section(root, "identity", _identity)
    if identity is not None:
        ctx.identities = frozenset(p.id for p in identity)
    credential_stores = _simple_section(root, "credential_stores", _credential_store)
    totp_stores = _simple_section(root, "totp_stores", _totp_store)
    if on_stores is not None:
        on_stores(credential_stores or (), totp_stores or ())
    accounts = _inventory(
        root,
        "accounts",
        build=_account,
        fast=_account_fast,
        csv_columns=_ACCOUNT_CSV,
        csv_fast=_account_csv_fast,
    )
    hosts = _simple_section(root, "hosts", _host)
    datastores = _inventory(
        root,
        "datastores",
        build=_datastore,
        fast=_datastore_fast,
        csv_columns=_DATASTORE_CSV,
        csv_fast=None,
    )
    cloud = None
    if root.m.get("cloud") is not None:
        cloud = tuple(_cloud(entry) for entry in root.entries("cloud"))
    return Estate(
        path=absolute,
        organisation=organisation,
        policy=policy,
        identity=identity,
        accounts=accounts,
        credential_stores=credential_stores,
        totp_stores=totp_stores,
        hosts=hosts,
        datastores=datastores,
        cloud=cloud,
    )
