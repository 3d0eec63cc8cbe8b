"""`datastore.backup_unencrypted`: a backup copy of a data store is not encrypted."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
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
from hardening.estate import (
    Backup,
    Classification,
    Datastore,
    canonical_engine,
    judged_classification,
)
from hardening.model import Scalar

_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.CRITICAL,
    "confidential": Severity.HIGH,
    "internal": Severity.MEDIUM,
    "public": Severity.LOW,
}

#: How to encrypt backups written by the engine's usual tools.
_ENGINE_FIX: Final[Mapping[str, str]] = {
    "postgresql": (
        "With pgBackRest set `repo1-cipher-type=aes-256-cbc` and a `repo1-cipher-pass` kept in "
        "a secrets manager, then take a new full backup (`pgbackrest --stanza=<stanza> "
        "--type=full backup`); for pg_dump pipe the output through `age -r <recipient>` or "
        "`gpg --encrypt`."
    ),
    "mysql": (
        "With Percona XtraBackup use `--encrypt=AES256 --encrypt-key-file=<file>`; for "
        "mysqldump pipe the output through `age -r <recipient>` or `gpg --encrypt`; MySQL "
        "Enterprise Backup takes `--encrypt --key-file=<file>`."
    ),
}

_TAPE_FIX: Final = (
    "For tape, turn on LTO drive encryption (AES-256-GCM) with keys served by a key manager, "
    "not stored with the media."
)

_GENERIC_FIX: Final = (
    "Write backups through a tool that encrypts client-side (restic, BorgBackup, Kopia) or "
    "into a vault that encrypts with a customer-managed key (AWS Backup with a KMS key), then "
    "replace the unencrypted copies and destroy them."
)


@register
class BackupUnencrypted(Check):
    """What it does
    For every data store that declares backups, fails when any backup copy declares `encrypted:
    false`, naming the copies by position and kind. When no copy is declared unencrypted but some do
    not declare encryption at all, the store is skipped with the copies to declare. Stores without
    backups get no finding (`datastore.no_offline_backup` covers them). Severity follows
    classification: restricted critical, confidential high, internal medium, public low; a store
    without a classification is treated as confidential.

    Why is this bad
    Backups hold the whole data set and travel further than the live store (off-site tapes, other
    accounts, contractors), so they are the easiest way to steal it; an encrypted live database
    gains nothing if its dumps are plain files.

    Example
    `backups: [{kind: online, encrypted: false}]` on a restricted store fails as critical; after
    switching the backup tool to client-side encryption and replacing the old copies, `backups:
    [{kind: online, encrypted: true}]` passes.
    """

    spec = CheckSpec(
        id="datastore.backup_unencrypted",
        title="A backup copy of a data store is not encrypted",
        severity=Severity.HIGH,
        rationale=(
            "A backup is a complete copy of the data outside the store's access controls; "
            "unencrypted, anyone who reaches the backup server, bucket or tape reads everything."
        ),
        remediation=Remediation(
            "Encrypt every backup copy with a key held apart from the backups, then replace and "
            "destroy the unencrypted copies.",
            steps=(
                "Turn on encryption in the backup tool or vault (pgBackRest "
                "`repo1-cipher-type=aes-256-cbc`, XtraBackup `--encrypt=AES256`, restic/Borg "
                "repositories, AWS Backup vault with a customer-managed KMS key, LTO drive "
                "encryption for tape).",
                "Keep the decryption key outside the backup system and escrow a copy offline: "
                "an attacker who deletes the key destroys the backups as surely as the data.",
                "Take a new full backup and check that it restores, then crypto-shred or "
                "securely delete the unencrypted copies, including off-site media.",
                "Update the estate: `encrypted: true` on each backup.",
            ),
        ),
        references=(
            "CIS Controls v8 11.3",
            "NIST SP 800-53 Rev. 5 CP-9(8)",
            "PCI DSS 4.0 3.5.1",
            "ISO/IEC 27001:2022 A.8.13",
            "ISO/IEC 27001:2022 A.8.24",
        ),
        public_title="Backups",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(
            ctx, judged_stores(ctx, _facts, lambda store, _: _verdict(store))
        )


def _facts(store: Datastore) -> Hashable | None:
    """Classification, engine (the fix) and the kind and encryption of each copy."""
    backups = store.backups
    if not backups:
        return None
    if len(backups) == 1:
        first = backups[0]
        return store.classification, store.engine, ((first.kind, first.encrypted),)
    return store.classification, store.engine, tuple([(b.kind, b.encrypted) for b in backups])


def _verdict(store: Datastore) -> Verdict:
    numbered = list(enumerate(store.backups, start=1))
    plain = [(n, b) for n, b in numbered if b.encrypted is False]
    undeclared = [(n, b) for n, b in numbered if b.encrypted is None]
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "backups": len(store.backups),
        "unencrypted": len(plain),
        "undeclared": len(undeclared),
    }
    if plain:
        classification, note = judged_classification(store)
        verb = "is" if len(plain) == 1 else "are"
        rest = f"; encryption not declared for {_names(undeclared)}" if undeclared else ""
        return verdict(
            Status.FAIL,
            f"{_names(plain)} {verb} not encrypted; the store holds {classification} "
            f"data{note}{rest}",
            evidence,
            severity=_SEVERITY[classification],
            remediation=_remediation(store, plain),
        )
    if undeclared:
        return verdict(
            Status.SKIP,
            f"encryption not declared for {_names(undeclared)}; declare `encrypted` "
            "on every backup",
            evidence,
        )
    return verdict(Status.PASS, f"all {len(store.backups)} backup(s) are encrypted", evidence)


def _names(backups: Sequence[tuple[int, Backup]]) -> str:
    """`backup #2 (online)` or `backups #1 (offline), #3 (online)`."""
    listed = ", ".join(f"#{n} ({b.kind})" for n, b in backups)
    return f"backup {listed}" if len(backups) == 1 else f"backups {listed}"


def _remediation(store: Datastore, plain: Sequence[tuple[int, Backup]]) -> str:
    fix = _ENGINE_FIX.get(canonical_engine(store), _GENERIC_FIX)
    if any(b.kind == "offline" for _, b in plain):
        fix = f"{fix} {_TAPE_FIX}"
    return fix
