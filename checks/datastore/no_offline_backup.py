"""`datastore.no_offline_backup`: a sensitive data store has no offline or immutable copy."""

from __future__ import annotations

from collections import Counter
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
from hardening.estate import Classification, Datastore, judged_classification
from hardening.model import Scalar

#: Classifications that must keep a copy an attacker cannot reach, with the severity of lacking one.
_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.CRITICAL,
    "confidential": Severity.HIGH,
}

_SAFE_KINDS: Final = frozenset({"offline", "immutable"})

_HOSTING_FIX: Final[Mapping[str, str]] = {
    "on_prem": (
        "Add an offline copy: a rotation of tapes or removable drives that are disconnected "
        "after each run and kept off-site, or a hardened immutable repository on a separate "
        "host with its own credentials (no domain join, no SSH from the production network)."
    ),
    "cloud": (
        "Add an immutable copy in a separate backup account: an AWS Backup vault with Vault "
        "Lock in compliance mode (`aws backup put-backup-vault-lock-configuration "
        "--backup-vault-name <vault> --min-retention-days 35 --changeable-for-days 3`) or an "
        "S3 bucket with Object Lock in COMPLIANCE mode (Azure: immutable vault; GCP: backup "
        "vault with enforced retention)."
    ),
    "saas": (
        "Export the data on a schedule through the provider's export or backup API into "
        "storage you control with Object Lock or offline rotation; the provider's own "
        "recycle bin and point-in-time restore are reachable by whoever holds an admin session."
    ),
}


@register
class NoOfflineBackup(Check):
    """What it does
    For every confidential or restricted data store (and every store without a classification,
    treated as confidential), fails when none of its declared backups is of kind `offline` or
    `immutable`, including stores that declare no backups at all. Public and internal stores pass
    with a note that such a copy is not required for their data, so the coverage stays visible.
    Severity is critical for restricted data and high otherwise.

    Why is this bad
    Ransomware operators and wipers delete or encrypt every backup they can reach with the
    credentials they stole, and online copies (snapshots, a backup server joined to the domain, a
    replica) are reachable by definition. Without a copy the attacker cannot touch, the organisation
    cannot recover without paying or losing the data.

    Example
    `{id: card-disputes-archive, classification: restricted, backups: [{kind: online}]}` fails as
    critical; adding `{kind: offline, encrypted: true}` (a weekly tape rotation kept off-site) makes
    it pass.
    """

    spec = CheckSpec(
        id="datastore.no_offline_backup",
        title="A sensitive data store has no offline or immutable backup",
        severity=Severity.HIGH,
        rationale=(
            "After a breach the attacker holds administrative credentials; any backup those "
            "credentials can delete or overwrite will be destroyed in a ransomware or wiper "
            "attack, leaving no clean recovery point."
        ),
        remediation=Remediation(
            "Keep at least one copy of every confidential or restricted store that production "
            "credentials cannot alter or delete: offline (air-gapped) or immutable "
            "(write-once with enforced retention).",
            steps=(
                "Follow 3-2-1-1-0: three copies, two media, one off-site, one offline or "
                "immutable, zero errors on restore verification.",
                "Cloud: write to a backup vault in a separate account with a compliance-mode "
                "lock (AWS Backup Vault Lock, S3 Object Lock COMPLIANCE, Azure immutable vault).",
                "On premises: rotate tapes or removable media off-site, or use a hardened "
                "immutable repository whose credentials are not in the production directory.",
                "Set retention longer than the attacker's likely dwell time (at least 30 days; "
                "keep monthly copies for a year).",
                "Declare the copy in the estate: `backups: [{kind: offline, encrypted: true, "
                "last_restore_test: <date>}]`.",
            ),
        ),
        references=(
            "CIS Controls v8 11.3",
            "CIS Controls v8 11.4",
            "NIST CSF 2.0 PR.DS-11",
            "ISO/IEC 27001:2022 A.8.13",
            "CISA #StopRansomware Guide (2023)",
        ),
        public_title="Backups",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(
            ctx, judged_stores(ctx, _facts, lambda store, _: _verdict(store))
        )


def _facts(store: Datastore) -> Hashable:
    """Classification, hosting (the fix) and backup kinds."""
    backups = store.backups
    if not backups:
        kinds: tuple[str, ...] = ()
    elif len(backups) == 1:
        kinds = (backups[0].kind,)
    else:
        kinds = tuple([b.kind for b in backups])
    return store.classification, store.hosting, kinds


def _verdict(store: Datastore) -> Verdict:
    kinds = Counter(b.kind for b in store.backups)
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "backups": len(store.backups),
        **{f"{kind}_backups": n for kind, n in sorted(kinds.items())},
    }
    if store.classification in ("public", "internal"):
        return verdict(
            Status.PASS,
            f"an offline or immutable copy is not required for {store.classification} data",
            evidence,
        )
    safe = sorted(k for k in kinds if k in _SAFE_KINDS)
    if safe:
        return verdict(
            Status.PASS, f"has a backup the attacker cannot alter ({', '.join(safe)})", evidence
        )
    classification, note = judged_classification(store)
    found = (
        f"only online backups ({kinds['online']}), none offline or immutable,"
        if kinds
        else "no backups declared"
    )
    return verdict(
        Status.FAIL,
        f"{found} for {classification} data{note}",
        evidence,
        severity=_SEVERITY[classification],
        remediation=_HOSTING_FIX.get(store.hosting or ""),
    )
