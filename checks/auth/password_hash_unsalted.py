"""auth.password_hash_unsalted: unsalted digests, or one stored hash shared by several accounts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Final

from hardening.check import Check, CheckContext, ref, register
from hardening.collectors.credentials import row_problem_numbers, store_problems
from hardening.collectors.hashes import label
from hardening.facets import CredentialStoreScan, first_accounts
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

#: Records that are not stored hashes; plaintext is auth.password_stored_plaintext's concern.
_NOT_HASHES: Final = frozenset({"locked", "empty", "plaintext"})
_SAMPLE: Final = 5


@register
class PasswordHashUnsalted(Check):
    """What it does
    Fails a credential store when any account's password is stored as an unsalted digest
    (bare 32/40/64/128-hex digests, LDAP `{MD5}`/`{SHA}`/`{SHA256}`/`{SHA512}`, MySQL 4.1
    `*HEX`), or when two or more accounts hold the very same stored hash. Identical hashes
    are found through keyed digests computed during the scan, so no hash is compared,
    stored or shown. Bare hex digests are named by length ("32-hex unsalted digest"): MD5
    and NTLM look the same. With an incident declared, unsalted digests make it critical.

    Why is this bad
    Without a salt, equal passwords give equal hashes: one lookup in a precomputed table
    cracks every account using a common password, and a leaked table shows at a glance
    which accounts share a password. Identical salted hashes mean a hash was copied between
    accounts (a default or provisioning password), so cracking one opens them all.

    Example
    A users table whose `password_hash` column holds `5f4dcc3b5aa765d61d8327deb882cf99`-style
    values, or an htpasswd file with `{SHA}` entries, fails; so does a shadow file where
    three service accounts carry the same `$6$...` line. It passes once every account has
    its own salted argon2id or bcrypt hash.
    """

    spec = CheckSpec(
        id="auth.password_hash_unsalted",
        title="Passwords are stored as unsalted digests or as hashes shared between accounts",
        severity=Severity.HIGH,
        rationale=(
            "Unsalted digests fall to precomputed tables and reveal which accounts share a "
            "password; a hash shared between accounts means one cracked password opens all."
        ),
        remediation=Remediation(
            "Give every account its own salted, slow hash (argon2id), and reset the passwords "
            "of accounts that had unsalted or shared hashes.",
            steps=(
                "Force a password reset for accounts with unsalted digests; until each reset "
                "is done, wrap the legacy digest (store argon2id(old digest) and verify "
                "argon2id(md5(password))) so the table no longer holds crackable values.",
                "Reset accounts that share a stored hash and fix the provisioning path that "
                "gave them one password (a default password or a copied hash).",
                "Store new passwords with passlib: CryptContext(schemes=['argon2'], "
                "argon2__memory_cost=19456, argon2__time_cost=2).hash(password).",
            ),
        ),
        references=(
            "OWASP Password Storage Cheat Sheet (Salting; Upgrading Legacy Hashes)",
            "NIST SP 800-63B-4 §3.1.1.2",
            "PCI DSS 4.0 8.3.2",
            "ISO/IEC 27001:2022 A.5.17",
        ),
        public_title="Password protection",
        needs=frozenset({"credential_stores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        stores = {s.id: s for s in ctx.estate.credential_stores or ()}
        incident = ctx.incident is not None
        for scan in ctx.credential_scans or ():
            store = stores.get(scan.store_id)
            resource = ref(store) if store else ResourceRef("credential_store", scan.store_id)
            yield self._judge(scan, resource, incident=incident)

    def _judge(
        self, scan: CredentialStoreScan, resource: ResourceRef, *, incident: bool
    ) -> Finding:
        if scan.unreadable is not None:
            return self.errored(resource, f"Not judged: {scan.unreadable}.")
        partial = store_problems(scan)
        if not scan.accounts:
            why = "; ".join(partial) or "no credential records were read from the store"
            return self.skipped(resource, f"Not judged: {why}.")

        hashes = [k for k in scan.kinds if k.scheme not in _NOT_HASHES]
        hashed = sum(k.count for k in hashes)
        unsalted_kinds = [k for k in hashes if k.salted is False]
        unsalted = sum(k.count for k in unsalted_kinds)
        shared = [s for s in scan.shared if s.scheme not in _NOT_HASHES]
        groups = sum(s.groups for s in shared)
        sharing = sum(s.accounts for s in shared)

        total = scan.accounts
        evidence: dict[str, Scalar] = {
            "accounts": total,
            "hashed_accounts": hashed,
            "unsalted_accounts": unsalted,
            "identical_hash_groups": groups,
            "accounts_sharing_a_hash": sharing,
        }
        notes = ""
        rows = row_problem_numbers(scan)
        if rows:
            evidence["unreadable_rows"] = ";".join(str(n) for n in rows[:10])
            evidence["unreadable_row_count"] = len(rows)
            notes = f" {_count(len(rows), 'row')} could not be read (see evidence)."

        if not unsalted and not shared:
            if not hashed:
                return self.skipped(resource, "No stored hashes to judge." + notes)
            if partial:
                return self.skipped(
                    resource,
                    f"No unsalted or shared hash among the {hashed:,} readable ones, but "
                    f"the store was read only in part: {'; '.join(partial)}." + notes,
                )
            return self.passed(
                resource,
                f"All {hashed:,} stored hashes are salted and distinct." + notes,
                evidence=evidence,
            )

        parts = []
        fixes = []
        severity = Severity.HIGH
        if unsalted:
            kinds: Counter[str] = Counter()
            for kind in unsalted_kinds:
                kinds[label(kind.scheme)] += kind.count
            evidence["unsalted_schemes"] = ";".join(f"{k}={n}" for k, n in kinds.most_common())
            listed = "; ".join(f"{k}: {n:,}" for k, n in kinds.most_common())
            verb = "uses an unsalted digest" if unsalted == 1 else "use unsalted digests"
            parts.append(f"{unsalted:,} of {total:,} accounts {verb} ({listed})")
            fixes.append(
                f"Force a reset for the {_count(unsalted, 'account')} with unsalted digests "
                "and "
                "hash new passwords with argon2id; until they reset, wrap the stored digests in "
                "argon2id so the table stops holding table-crackable values."
            )
            if incident:
                severity = Severity.CRITICAL
        if shared:
            largest = max(s.largest for s in shared)
            evidence["largest_group"] = largest
            parts.append(
                f"{_count(groups, 'group')} of identical stored hashes "
                f"cover{'s' if groups == 1 else ''} {sharing:,} accounts "
                f"(largest: {largest})"
            )
            fixes.append(
                "Reset the accounts that share a stored hash and find how they got one "
                "password (a default password or a hash copied between accounts)."
            )
        # Unsalted accounts first, then accounts sharing a hash, each in store order.
        sample = first_accounts((k.sample for k in unsalted_kinds), _SAMPLE)
        sample += [
            a for a in first_accounts((s.sample for s in shared), _SAMPLE) if a not in sample
        ]
        evidence["sample_accounts"] = ";".join(sample[:_SAMPLE])
        detail = "; ".join(parts) + "."
        if severity is Severity.CRITICAL:
            detail += (
                " Critical: unsalted digests exposed to an incident are cracked at table speed."
            )
        return self.failed(
            resource,
            detail + notes,
            severity=severity,
            evidence=evidence,
            remediation=" ".join(fixes),
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
