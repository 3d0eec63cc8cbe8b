"""Read an AWS account, read-only, into the estate's own types (`[aws]` extra, boto3).

Each `cloud: [{kind: aws, profile: P, regions: [R, ...]}]` entry is read with
`boto3.Session(profile_name=P)`. Only `Describe*`, `List*` and `Get*` calls are made. The
endpoint can be redirected for testing against moto or LocalStack with the environment
variable `HARDENING_AWS_ENDPOINT_URL` (passed to every client); never set it in production.

What is read, and how it maps
    Data stores (`Datastore`, hosting `cloud`, provider `aws`, location = the cloud entry):

    - RDS, per configured region (`describe_db_instances`): id `aws:rds:<region>:<instance>`;
      `internet_exposed` = `PubliclyAccessible`; `encryption.at_rest` = `StorageEncrypted`;
      automated backups (`BackupRetentionPeriod` > 0) are an `online` copy (snapshots of an
      encrypted instance are encrypted). `DeletionProtection` is read into nothing the
      checks judge yet and is not kept.
    - S3, listed once (`list_buckets`), each bucket in its real region (`get_bucket_location`)
      whether or not that region is configured: id `aws:s3:<bucket>`. `internet_exposed` is
      False when the bucket's public access block has all four settings on; otherwise True
      when the bucket policy is public (`get_bucket_policy_status`) or the ACL grants
      `AllUsers`/`AuthenticatedUsers`, False when both are known not to, None when either is
      unknown. A missing or partial public access block alone is not exposure.
      `encryption.at_rest` = a default encryption rule exists (`get_bucket_encryption`; since
      January 2023 AWS reports SSE-S3 for every bucket, emulators may not). Object Lock with a
      default retention in `COMPLIANCE` mode is an `immutable` copy; versioning alone (or
      Object Lock in `GOVERNANCE` mode, which `s3:BypassGovernanceRetention` lifts) is an
      `online` copy.
    - DynamoDB, per configured region (`list_tables`): id `aws:dynamodb:<region>:<table>`;
      always encrypted at rest (AWS cannot turn it off); point-in-time recovery
      (`describe_continuous_backups`) is an `online` copy. `internet_exposed` is None: the
      table is reached through the regional API with IAM credentials, not a network listener.
    - AWS Backup, per configured region: a recovery point in a vault (linked to a store by the
      resource ARN) is an `immutable` copy when the vault has Vault Lock in compliance mode
      past its grace time (`Locked` with a `LockDate` in the past), else an `online` copy.

    `classification` comes from a resource tag `classification` (key in any case) with value
    `public`, `internal`, `confidential` or `restricted`; otherwise None (the checks then treat
    the store as confidential and say so).

    Identity (`IdentityProvider`, kind `aws_iam`, id `aws:iam:<profile>`): the account
    password policy (`MinimumPasswordLength`; `MaxPasswordAge` when `ExpirePasswords`, else 0).
    An account without a custom policy (`NoSuchEntity`) is held to AWS's default policy, whose
    minimum length is 8. IAM has no breach screening or lockout setting: both None (unknown).
    Second factors offered: `totp` (virtual and hardware MFA) and `webauthn` (FIDO keys).

    Accounts (`Account`, id `aws:iam:<profile>:<user>`, identity = the provider id): IAM users
    with a console password (`get_login_profile`); users without one cannot sign in with a
    password and are left out. Roles are the user's group names, plus `admin` when the
    `AdministratorAccess` managed policy is attached to the user or one of its groups. MFA:
    `webauthn` for a FIDO device (`:u2f/` serial), else `totp`. `last_login` is
    `PasswordLastUsed`; `password_changed` is not readable without generating a credential
    report and stays None.

Errors
    Every service is read separately. `AccessDenied` (and its kin) on a service's listing call
    records that service as `denied`. On a per-resource call (one bucket's encryption, one
    vault's recovery points, one user's login profile) the store is kept with that fact
    unknown (None), or the user left out, and the service is `partial`; IAM's per-user listings
    (groups, MFA devices, attached policies) decide roles and MFA, so a denial there denies
    IAM as a whole rather than guess. Anything else is `failed` (exception type only). Each
    becomes a `CloudCollection` that the runner turns into `skip` (denied, partial) or `error`
    (failed) findings of the checks that needed the service, so a service that could not be
    read never passes. Error messages are never kept: only the error code and operation name.
    Clients use standard retries (3 attempts, or `AWS_MAX_ATTEMPTS`) and a 5 s connect timeout.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, TypeVar, cast

from hardening.estate import (
    Account,
    Backup,
    BackupKind,
    Classification,
    CloudAccount,
    Datastore,
    Encryption,
    IdentityProvider,
    Location,
    MfaConfig,
    PasswordPolicy,
)
from hardening.facets import CloudCollection

__all__ = ["ENDPOINT_ENV", "AwsInventory", "collect_aws"]

log = logging.getLogger(__name__)

R = TypeVar("R")

#: Environment variable redirecting every client (moto, LocalStack); testing only.
ENDPOINT_ENV: Final = "HARDENING_AWS_ENDPOINT_URL"

#: Error codes that mean "the credentials may not do this".
_DENIED: Final = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AllAccessDisabled",
    }
)
_CLASSIFICATIONS: Final = frozenset({"public", "internal", "confidential", "restricted"})
_STORES: Final = frozenset({"datastores"})
_IDENTITY: Final = frozenset({"identity", "accounts"})
#: AWS's default password policy when no custom one is set: 8 characters minimum.
_AWS_DEFAULT_MIN_LENGTH: Final = 8
_ADMIN_POLICY_ARN_SUFFIX: Final = ":policy/AdministratorAccess"


@dataclass(frozen=True)
class AwsInventory:
    """What was read from the estate's AWS accounts."""

    datastores: tuple[Datastore, ...] = ()
    """RDS instances, S3 buckets and DynamoDB tables."""
    identity: tuple[IdentityProvider, ...] = ()
    """One `aws_iam` provider per account whose IAM could be read."""
    accounts: tuple[Account, ...] = ()
    """IAM users with a console password."""
    collections: tuple[CloudCollection, ...] = ()
    """How each service went."""


class _Denied(Exception):
    """A listing call was refused: the service is `denied`."""

    def __init__(self, code: str, operation: str) -> None:
        super().__init__(f"{code} on {operation}")


@dataclass
class _Service:
    """Book-keeping while one service is read."""

    gaps: dict[str, int] = field(default_factory=dict)
    """Per-resource calls refused or failed, as "Code on Operation" → count."""

    def note_gap(self, code: str, operation: str) -> None:
        key = f"{code} on {operation}"
        self.gaps[key] = self.gaps.get(key, 0) + 1


def _client_error() -> type[Exception]:
    module = importlib.import_module("botocore.exceptions")
    return cast("type[Exception]", module.ClientError)


def _error_code(exc: Exception) -> tuple[str, str]:
    response: Mapping[str, Any] = getattr(exc, "response", None) or {}
    code = str((response.get("Error") or {}).get("Code") or "Unknown")
    return code, str(getattr(exc, "operation_name", "") or "unknown operation")


def collect_aws(accounts: Sequence[CloudAccount]) -> AwsInventory:
    """Read every AWS account in `accounts`. Never raises: failures become `CloudCollection`s."""
    out = AwsInventory()
    for account in accounts:
        if account.kind != "aws":
            continue
        out = _merge(out, _AccountReader(account).read())
    return out


def _merge(a: AwsInventory, b: AwsInventory) -> AwsInventory:
    return AwsInventory(
        a.datastores + b.datastores,
        a.identity + b.identity,
        a.accounts + b.accounts,
        a.collections + b.collections,
    )


class _AccountReader:
    """Reads one cloud entry: its session, then each service in each region."""

    def __init__(self, account: CloudAccount) -> None:
        self.account = account
        self.label = account.profile or "default"
        self.location: Location = account.location
        self.endpoint = os.environ.get(ENDPOINT_ENV) or None
        self.session: Any = None
        self.config: Any = None
        self.clients: dict[tuple[str, str], Any] = {}
        self.collections: list[CloudCollection] = []

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self.clients:
            kwargs: dict[str, Any] = {"region_name": region, "config": self.config}
            if self.endpoint:
                kwargs["endpoint_url"] = self.endpoint
            self.clients[key] = self.session.client(service, **kwargs)
        return self.clients[key]

    def read(self) -> AwsInventory:
        regions = self.account.regions
        home = regions[0] if regions else "us-east-1"
        services = [("global", "iam"), ("global", "s3")] + [
            (r, s) for r in regions for s in ("rds", "dynamodb", "backup")
        ]
        try:
            boto3 = importlib.import_module("boto3")
            config = importlib.import_module("botocore.config")
            self.session = boto3.Session(profile_name=self.account.profile)
            # Bounded: a dead endpoint costs seconds per service, not botocore's minutes.
            # Standard retry mode makes 3 attempts unless AWS_MAX_ATTEMPTS says otherwise.
            self.config = config.Config(
                connect_timeout=5, read_timeout=30, retries={"mode": "standard"}
            )
        except ModuleNotFoundError:
            reason = "boto3 is not installed (pip install 'hardening[aws]')"
            return self._all_failed(services, reason)
        except Exception as exc:  # ProfileNotFound and the like; the message is not kept
            log.error("AWS profile %s could not be used: %s", self.label, type(exc).__name__)
            return self._all_failed(
                services, f"session could not be created ({type(exc).__name__})"
            )

        stores: dict[str, Datastore] = {}
        arns: dict[str, str] = {}  # resource ARN → store id, for AWS Backup recovery points
        identity: tuple[IdentityProvider, ...] = ()
        users: tuple[Account, ...] = ()

        iam = self._run("global", "iam", self._iam, home)
        if iam is not None:
            identity, users = (iam[0],), iam[1]
        found = self._run("global", "s3", self._s3, home)
        for store, arn in found or ():
            stores[store.id], arns[arn] = store, store.id
        readers = {"rds": self._rds, "dynamodb": self._dynamodb}
        for region in regions:
            for name, reader in readers.items():
                found = self._run(region, name, reader, region)
                for store, arn in found or ():
                    stores[store.id], arns[arn] = store, store.id
        for region in regions:
            points = self._run(region, "backup", self._backup, region)
            for arn, copy in points or ():
                sid = arns.get(arn)
                if sid is not None:
                    stores[sid] = replace(stores[sid], backups=(*stores[sid].backups, copy))
        return AwsInventory(tuple(stores.values()), identity, users, tuple(self.collections))

    def _all_failed(self, services: Sequence[tuple[str, str]], reason: str) -> AwsInventory:
        for region, name in services:
            self._record(region, name, "failed", reason)
        return AwsInventory(collections=tuple(self.collections))

    def _record(self, region: str, service: str, status: str, reason: str | None) -> None:
        facets = _IDENTITY if service == "iam" else _STORES
        where = (self.location.file, self.location.line)
        self.collections.append(
            CloudCollection("aws", self.label, region, service, status, facets, reason, where)
        )

    def _run(
        self, region: str, service: str, read: Callable[[_Service, str], R], where: str
    ) -> R | None:
        """Read one service (`read(svc, where)`), recording how it went; None when nothing
        could be read."""
        svc = _Service()
        client_error = _client_error()
        try:
            result = read(svc, where)
        except _Denied as exc:
            log.warning("AWS %s %s %s: %s", self.label, region, service, exc)
            self._record(region, service, "denied", str(exc))
            return None
        except client_error as exc:
            code, operation = _error_code(exc)
            status = "denied" if code in _DENIED else "failed"
            log.warning("AWS %s %s %s: %s on %s", self.label, region, service, code, operation)
            self._record(region, service, status, f"{code} on {operation}")
            return None
        except Exception as exc:  # endpoint unreachable, no credentials, a bug: never a pass
            log.error("AWS %s %s %s failed: %s", self.label, region, service, type(exc).__name__)
            self._record(region, service, "failed", f"{type(exc).__name__}")
            return None
        if svc.gaps:
            calls = "; ".join(f"{k} ({n} resource(s))" for k, n in sorted(svc.gaps.items()))
            self._record(region, service, "partial", f"{calls}; those settings are unknown")
        else:
            self._record(region, service, "collected", None)
        return result

    # -- calls ---------------------------------------------------------------------------------

    def _list(self, client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
        """All items under `key` of a listing call, through its paginator when it has one.

        A denial here is the whole service's (`_Denied`).
        """
        client_error = _client_error()
        try:
            if client.can_paginate(operation):
                pages: Iterator[Mapping[str, Any]] = iter(
                    list(client.get_paginator(operation).paginate(**kwargs))
                )
            else:
                pages = iter([getattr(client, operation)(**kwargs)])
        except client_error as exc:
            code, op = _error_code(exc)
            if code in _DENIED:
                raise _Denied(code, op) from None
            raise
        for page in pages:
            yield from page.get(key) or ()

    def _get(
        self, svc: _Service, client: Any, operation: str, missing: Sequence[str] = (), **kwargs: Any
    ) -> Mapping[str, Any] | None:
        """One per-resource call. None when the thing does not exist (`missing` error codes) or
        the call was denied (noted on `svc`)."""
        client_error = _client_error()
        try:
            return cast("Mapping[str, Any]", getattr(client, operation)(**kwargs))
        except client_error as exc:
            code, op = _error_code(exc)
            if code in missing:
                return None
            if code in _DENIED:
                svc.note_gap(code, op)
                return None
            raise

    def _store(self, sid: str, **kwargs: Any) -> Datastore:
        return Datastore(id=sid, location=self.location, hosting="cloud", provider="aws", **kwargs)

    # -- services ------------------------------------------------------------------------------

    def _rds(self, svc: _Service, region: str) -> list[tuple[Datastore, str]]:
        rds = self.client("rds", region)
        out = []
        for db in self._list(rds, "describe_db_instances", "DBInstances"):
            arn = str(db.get("DBInstanceArn") or "")
            tags = db.get("TagList")
            if tags is None and arn:
                got = self._get(svc, rds, "list_tags_for_resource", ResourceName=arn)
                tags = (got or {}).get("TagList")
            encrypted = _opt_bool(db.get("StorageEncrypted"))
            retention = db.get("BackupRetentionPeriod")
            backups = (
                (Backup("online", encrypted=encrypted),)
                if isinstance(retention, int) and retention > 0
                else ()
            )
            endpoint = db.get("Endpoint") or {}
            address, port = endpoint.get("Address"), endpoint.get("Port")
            store = self._store(
                f"aws:rds:{region}:{db['DBInstanceIdentifier']}",
                engine=_engine(str(db.get("Engine") or "")),
                classification=_classification(tags),
                region=region,
                endpoint=f"{address}:{port}" if address and port else None,
                internet_exposed=_opt_bool(db.get("PubliclyAccessible")),
                encryption=Encryption(at_rest=encrypted),
                backups=backups,
            )
            out.append((store, arn))
        return out

    def _s3(self, svc: _Service, home: str) -> list[tuple[Datastore, str]]:
        s3 = self.client("s3", home)
        out = []
        for bucket in self._list(s3, "list_buckets", "Buckets"):
            name = str(bucket["Name"])
            located = self._get(svc, s3, "get_bucket_location", Bucket=name)
            region = _bucket_region(located)
            client = self.client("s3", region) if region else s3
            encrypted = self._bucket_encrypted(svc, client, name)
            store = self._store(
                f"aws:s3:{name}",
                engine="s3",
                classification=_classification(self._bucket_tags(svc, client, name)),
                region=region,
                internet_exposed=self._bucket_public(svc, client, name),
                encryption=Encryption(at_rest=encrypted),
                backups=self._bucket_copies(svc, client, name, encrypted),
            )
            out.append((store, f"arn:aws:s3:::{name}"))
        return out

    def _bucket_encrypted(self, svc: _Service, s3: Any, name: str) -> bool | None:
        missing = ("ServerSideEncryptionConfigurationNotFoundError",)
        got = self._get(svc, s3, "get_bucket_encryption", missing, Bucket=name)
        if got is None:
            return None if _had_gap(svc, "GetBucketEncryption") else False
        rules = (got.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or ()
        return any(r.get("ApplyServerSideEncryptionByDefault") for r in rules)

    def _bucket_tags(self, svc: _Service, s3: Any, name: str) -> list[Any] | None:
        got = self._get(svc, s3, "get_bucket_tagging", ("NoSuchTagSet",), Bucket=name)
        return list((got or {}).get("TagSet") or ())

    def _bucket_public(self, svc: _Service, s3: Any, name: str) -> bool | None:
        missing = ("NoSuchPublicAccessBlockConfiguration",)
        pab = self._get(svc, s3, "get_public_access_block", missing, Bucket=name)
        settings = (pab or {}).get("PublicAccessBlockConfiguration") or {}
        keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        if all(settings.get(k) is True for k in keys):
            return False
        policy_public: bool | None = None
        if settings.get("RestrictPublicBuckets") is True:
            policy_public = False  # a public policy grants nothing outside the account
        else:
            status = self._get(
                svc, s3, "get_bucket_policy_status", ("NoSuchBucketPolicy",), Bucket=name
            )
            if status is None:
                policy_public = None if _had_gap(svc, "GetBucketPolicyStatus") else False
            else:
                is_public = (status.get("PolicyStatus") or {}).get("IsPublic")
                policy_public = is_public if isinstance(is_public, bool) else None
        acl_public: bool | None = None
        if settings.get("IgnorePublicAcls") is True:
            acl_public = False
        else:
            acl = self._get(svc, s3, "get_bucket_acl", Bucket=name)
            if acl is not None:
                acl_public = any(_public_grant(g) for g in acl.get("Grants") or ())
        if policy_public or acl_public:
            return True
        if policy_public is False and acl_public is False:
            return False
        return None

    def _bucket_copies(
        self, svc: _Service, s3: Any, name: str, encrypted: bool | None
    ) -> tuple[Backup, ...]:
        missing = ("ObjectLockConfigurationNotFoundError",)
        lock = self._get(svc, s3, "get_object_lock_configuration", missing, Bucket=name)
        config = (lock or {}).get("ObjectLockConfiguration") or {}
        retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
        if config.get("ObjectLockEnabled") == "Enabled" and retention.get("Mode") == "COMPLIANCE":
            return (Backup("immutable", encrypted=encrypted),)
        versioning = self._get(svc, s3, "get_bucket_versioning", Bucket=name) or {}
        if versioning.get("Status") == "Enabled" or config.get("ObjectLockEnabled") == "Enabled":
            return (Backup("online", encrypted=encrypted),)
        return ()

    def _dynamodb(self, svc: _Service, region: str) -> list[tuple[Datastore, str]]:
        ddb = self.client("dynamodb", region)
        out = []
        for table in self._list(ddb, "list_tables", "TableNames"):
            described = self._get(
                svc, ddb, "describe_table", ("ResourceNotFoundException",), TableName=table
            )
            arn = str(((described or {}).get("Table") or {}).get("TableArn") or "")
            tags = None
            if arn:
                got = self._get(svc, ddb, "list_tags_of_resource", ResourceArn=arn)
                tags = (got or {}).get("Tags")
            cb = self._get(
                svc,
                ddb,
                "describe_continuous_backups",
                ("TableNotFoundException",),
                TableName=table,
            )
            pitr = (
                ((cb or {}).get("ContinuousBackupsDescription") or {}).get(
                    "PointInTimeRecoveryDescription"
                )
                or {}
            ).get("PointInTimeRecoveryStatus")
            # DynamoDB encrypts every table at rest (AWS owned, AWS managed or customer key).
            store = self._store(
                f"aws:dynamodb:{region}:{table}",
                engine="dynamodb",
                classification=_classification(tags),
                region=region,
                encryption=Encryption(at_rest=True),
                backups=(Backup("online", encrypted=True),) if pitr == "ENABLED" else (),
            )
            out.append((store, arn))
        return out

    def _backup(self, svc: _Service, region: str) -> list[tuple[str, Backup]]:
        client = self.client("backup", region)
        now = datetime.now(UTC)
        out = []
        for vault in self._list(client, "list_backup_vaults", "BackupVaultList"):
            lock_date = vault.get("LockDate")
            locked = (
                bool(vault.get("Locked")) and isinstance(lock_date, datetime) and (lock_date <= now)
            )
            kind: BackupKind = "immutable" if locked else "online"
            try:
                points = list(
                    self._list(
                        client,
                        "list_recovery_points_by_backup_vault",
                        "RecoveryPoints",
                        BackupVaultName=vault["BackupVaultName"],
                    )
                )
            except _Denied as exc:
                code, _, operation = str(exc).partition(" on ")
                svc.note_gap(code, operation)
                continue
            except _client_error() as exc:  # one vault unreadable: its copies stay unknown
                svc.note_gap(*_error_code(exc))
                continue
            for point in points:
                if point.get("Status") not in (None, "COMPLETED"):
                    continue
                arn = str(point.get("ResourceArn") or "")
                encrypted = _opt_bool(point.get("IsEncrypted"))
                out.append((arn, Backup(kind, encrypted=encrypted)))
        return out

    def _iam(self, svc: _Service, home: str) -> tuple[IdentityProvider, tuple[Account, ...]]:
        iam = self.client("iam", home)
        pid = f"aws:iam:{self.label}"
        got = self._get(svc, iam, "get_account_password_policy", ("NoSuchEntity",))
        if got is None and _had_gap(svc, "GetAccountPasswordPolicy"):
            policy = None
        elif got is None:
            policy = PasswordPolicy(min_length=_AWS_DEFAULT_MIN_LENGTH, max_age_days=0)
        else:
            p = got.get("PasswordPolicy") or {}
            max_age = p.get("MaxPasswordAge") if p.get("ExpirePasswords") else 0
            policy = PasswordPolicy(
                min_length=p.get("MinimumPasswordLength"), max_age_days=max_age or 0
            )
        provider = IdentityProvider(
            id=pid,
            kind="aws_iam",
            location=self.location,
            password_policy=policy,
            mfa=MfaConfig(methods=("totp", "webauthn")),
        )
        group_admin: dict[str, bool] = {}
        accounts = []
        for user in self._list(iam, "list_users", "Users"):
            name = str(user["UserName"])
            login = self._get(svc, iam, "get_login_profile", ("NoSuchEntity",), UserName=name)
            if login is None:
                continue  # no console password (or unknown: the denial is noted)
            groups = [
                str(g["GroupName"])
                for g in self._list(iam, "list_groups_for_user", "Groups", UserName=name)
            ]
            admin = self._admin(iam, "list_attached_user_policies", UserName=name) or any(
                self._group_admin(iam, g, group_admin) for g in groups
            )
            roles = tuple(dict.fromkeys([*groups, *(["admin"] if admin else [])]))
            devices = list(self._list(iam, "list_mfa_devices", "MFADevices", UserName=name))
            mfa = tuple(
                dict.fromkeys(
                    "webauthn" if ":u2f/" in str(d.get("SerialNumber", "")) else "totp"
                    for d in devices
                )
            )
            used = user.get("PasswordLastUsed")
            accounts.append(
                Account(
                    id=f"{pid}:{name}",
                    location=self.location,
                    roles=roles,
                    mfa=mfa,
                    last_login=used.date() if isinstance(used, datetime) else None,
                    enabled=True,
                    identity=pid,
                )
            )
        return provider, tuple(accounts)

    def _admin(self, iam: Any, operation: str, **kwargs: Any) -> bool:
        policies = self._list(iam, operation, "AttachedPolicies", **kwargs)
        return any(str(p.get("PolicyArn", "")).endswith(_ADMIN_POLICY_ARN_SUFFIX) for p in policies)

    def _group_admin(self, iam: Any, group: str, cache: dict[str, bool]) -> bool:
        if group not in cache:
            cache[group] = self._admin(iam, "list_attached_group_policies", GroupName=group)
        return cache[group]


def _had_gap(svc: _Service, operation: str) -> bool:
    return any(key.endswith(f" on {operation}") for key in svc.gaps)


def _opt_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _engine(engine: str) -> str | None:
    """RDS engine name → the estate's engine vocabulary (`postgres` → `postgresql`)."""
    if not engine:
        return None
    if engine.startswith(("postgres", "aurora-postgresql")):
        return "postgresql"
    if engine.startswith(("mysql", "aurora-mysql", "aurora")):
        return "mysql"
    return engine


def _bucket_region(located: Mapping[str, Any] | None) -> str | None:
    if located is None:
        return None
    constraint = located.get("LocationConstraint")
    if not constraint:
        return "us-east-1"  # S3 reports the original region as an empty constraint
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _public_grant(grant: Mapping[str, Any]) -> bool:
    uri = str((grant.get("Grantee") or {}).get("URI") or "")
    return uri.endswith(("/global/AllUsers", "/global/AuthenticatedUsers"))


def _classification(tags: object) -> Classification | None:
    """The `classification` tag's value, from a list of `{Key, Value}` tags."""
    if not isinstance(tags, list):
        return None
    for tag in tags:
        if isinstance(tag, Mapping) and str(tag.get("Key", "")).casefold() == "classification":
            value = str(tag.get("Value", "")).strip().casefold()
            if value in _CLASSIFICATIONS:
                return cast("Classification", value)
    return None
