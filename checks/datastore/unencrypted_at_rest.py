"""`datastore.unencrypted_at_rest`: a data store's storage is not encrypted."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Final

from hardening.check import (
    Check,
    CheckContext,
    CheckSpec,
    Finding,
    Remediation,
    Severity,
    Status,
    register,
)
from hardening.checks.datastore.verdicts import Verdict, judged_stores, verdict
from hardening.estate import Classification, Datastore, judged_classification, remediation_engine
from hardening.model import Scalar

_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.CRITICAL,
    "confidential": Severity.HIGH,
    "internal": Severity.MEDIUM,
    "public": Severity.LOW,
}


#: How to encrypt an existing store in place or by migration, per engine.
_ENGINE_FIX: Final[Mapping[str, str]] = {
    "postgresql": (
        "PostgreSQL has no native transparent data encryption: move the data directory and WAL "
        "archive onto a LUKS2 volume (`cryptsetup luksFormat --type luks2 /dev/<disk>`, "
        "`cryptsetup open /dev/<disk> pgdata`, `mkfs.xfs /dev/mapper/pgdata`, stop PostgreSQL, "
        "`rsync -aHAX` the data directory across, mount it through /etc/crypttab and "
        "/etc/fstab, start) or onto a cloud volume encrypted with a customer-managed key."
    ),
    "rds": (
        "Amazon RDS cannot encrypt an existing instance in place: snapshot it, make an "
        "encrypted copy (`aws rds copy-db-snapshot --source-db-snapshot-identifier <snap> "
        "--target-db-snapshot-identifier <snap>-enc --kms-key-id <key>`), restore a new "
        "instance from the copy (`aws rds restore-db-instance-from-db-snapshot`), move clients, "
        "then delete the old instance and its unencrypted snapshots. If the engine runs "
        "self-managed on EC2 instead, copy its EBS snapshots with `aws ec2 copy-snapshot "
        "--encrypted --kms-key-id <key>`, swap the volumes, and run "
        "`aws ec2 enable-ebs-encryption-by-default`."
    ),
    "mysql": (
        "Enable InnoDB data-at-rest encryption: load a keyring component (a KMIP or vault "
        "keyring for production), set `default_table_encryption=ON`, "
        "`innodb_redo_log_encrypt=ON`, `innodb_undo_log_encrypt=ON` and `binlog_encryption=ON`, "
        "then `ALTER TABLE <table> ENCRYPTION='Y'` for existing tables and "
        "`ALTER TABLESPACE mysql ENCRYPTION='Y'` (MariaDB: `file_key_management` plugin with "
        "`innodb_encrypt_tables=ON`); or move the data directory onto a LUKS2 volume."
    ),
    "s3": (
        "Set default encryption to SSE-KMS with a bucket key: `aws s3api put-bucket-encryption "
        "--bucket <bucket> --server-side-encryption-configuration "
        '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms",'
        '"KMSMasterKeyID":"<key-arn>"},"BucketKeyEnabled":true}]}\'`; objects already stored '
        "keep their old encryption, so re-encrypt them with an S3 Batch Operations copy in place."
    ),
    "redis": (
        "Redis does not encrypt its files: put the persistence directory (`dir` in redis.conf, "
        "holding the RDB and AOF files) on a LUKS2 or cloud-encrypted volume, or turn "
        'persistence off (`save ""`, `appendonly no`) if it is only a cache. ElastiCache '
        "cannot switch an existing replication group: create one with "
        "`--at-rest-encryption-enabled` from a snapshot and move clients."
    ),
    "elasticsearch": (
        "Elasticsearch does not encrypt index files: put every `path.data` directory and the "
        "snapshot repository on LUKS2 or cloud-encrypted volumes and move shards node by node. "
        "On Amazon OpenSearch Service enable it on the domain "
        "(`aws opensearch update-domain-config --domain-name <domain> "
        "--encryption-at-rest-options Enabled=true,KmsKeyId=<key>`)."
    ),
    "mongodb": (
        "MongoDB Community does not encrypt data files: put `storage.dbPath` on a LUKS2 or "
        "cloud-encrypted volume and resync members one at a time; MongoDB Enterprise can use "
        "the encrypted storage engine (`security.enableEncryption: true` with a KMIP key server)."
    ),
}


@register
class UnencryptedAtRest(Check):
    """What it does
    Reports every data store declared with `encryption.at_rest: false`. A store declaring `true`
    passes; one that does not declare it is skipped with a request to declare it. Severity scales
    with the data: restricted is critical, confidential high, internal medium, public low; a store
    without a classification is treated as confidential. The finding carries the way to encrypt that
    engine (PostgreSQL, RDS, MySQL, S3, Redis, Elasticsearch, MongoDB) where one is known.

    Why is this bad
    Without storage encryption every copy of the disk carries the data in the clear: a stolen or
    decommissioned drive, a VM or EBS snapshot shared by mistake, a hypervisor or storage
    administrator, or an attacker who reaches the storage layer reads it without ever authenticating
    to the database.

    Example
    `{id: card-disputes-archive, engine: mysql, classification: restricted, encryption: {at_rest:
    false}}` fails as critical; after enabling InnoDB encryption the declaration `encryption:
    {at_rest: true}` passes.
    """

    spec = CheckSpec(
        id="datastore.unencrypted_at_rest",
        title="A data store's storage is not encrypted",
        severity=Severity.HIGH,
        rationale=(
            "Unencrypted storage exposes the data through every disk, snapshot and backup of "
            "the volume, bypassing the database's authentication entirely; after a breach, "
            "snapshots and volume copies are a common exfiltration path."
        ),
        remediation=Remediation(
            "Encrypt the store's storage with keys held in a key management service, not next "
            "to the data, then record `encryption: {at_rest: true}` in the estate.",
            steps=(
                "Choose the mechanism: engine-native encryption where it exists (InnoDB, "
                "MongoDB Enterprise, cloud services' KMS encryption), otherwise an encrypted "
                "volume (LUKS2/dm-crypt, BitLocker, encrypted EBS / managed disks).",
                "Create or select a customer-managed key (`aws kms create-key`, a Vault "
                "transit key, an HSM) and restrict who may use it for decryption.",
                "Encrypt by migration where in-place is impossible: restore an encrypted copy, "
                "switch clients, then destroy the unencrypted volumes and snapshots.",
                "Turn on encryption by default for new volumes and buckets so new stores "
                "cannot regress (`aws ec2 enable-ebs-encryption-by-default`).",
                "Update the estate: `encryption: {at_rest: true}`.",
            ),
        ),
        references=(
            "CIS Controls v8 3.11",
            "PCI DSS 4.0 3.5.1",
            "NIST SP 800-53 Rev. 5 SC-28",
            "ISO/IEC 27001:2022 A.8.24",
        ),
        public_title="Data encryption",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(
            ctx, judged_stores(ctx, _facts, lambda store, _: _verdict(store))
        )


def _facts(store: Datastore) -> Hashable:
    """The declared facts read; hosting and provider pick the fix."""
    return (
        store.classification,
        store.engine,
        store.encryption.at_rest,
        store.hosting,
        store.provider,
    )


def _verdict(store: Datastore) -> Verdict:
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "engine": store.engine,
        "at_rest": store.encryption.at_rest,
    }
    if store.encryption.at_rest is None:
        detail = "at-rest encryption not declared; declare encryption.at_rest"
        return verdict(Status.SKIP, detail, evidence)
    if store.encryption.at_rest:
        return verdict(Status.PASS, "storage is encrypted at rest", evidence)
    classification, note = judged_classification(store)
    return verdict(
        Status.FAIL,
        f"storage is not encrypted at rest while holding {classification} data{note}",
        evidence,
        severity=_SEVERITY[classification],
        remediation=_ENGINE_FIX.get(_engine(store)),
    )


def _engine(store: Datastore) -> str:
    # OpenSearch stores its data like Elasticsearch: the same encryption fix applies.
    engine = remediation_engine(store)
    return "elasticsearch" if engine == "opensearch" else engine
