"""auth.password_stored_plaintext: stored credentials that are not hashes at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from hardening.check import Check, CheckContext, ref, register
from hardening.collectors.credentials import row_problem_numbers, store_problems
from hardening.facets import CredentialStoreScan, first_accounts
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

_SAMPLE: Final = 5


@register
class PasswordStoredPlaintext(Check):
    """What it does
    Fails a credential store when any account's stored value is a readable password rather
    than a hash: a value that matches no hash format and looks like typed text (see
    `hardening.collectors.hashes` for the exact rule), including LDAP `{CLEARTEXT}`. In a
    shadow file it also fails, at high severity, on an empty password field: that account
    signs in with no password at all wherever PAM allows `nullok`. Empty values in SQL
    tables and htpasswd files are counted but do not fail (there they usually mean "no
    local password", and Apache rejects an empty hash). Values in an unrecognised format
    are left to auth.password_hash_weak.

    Why is this bad
    Anyone who reads the store — the attacker in the incident, a backup, a support
    engineer — has the passwords, and people reuse them elsewhere. A passwordless shadow
    entry is an open door for anyone who can reach a login prompt.

    Example
    A users table with `password = 'Summer2024!'`, an htpasswd line `alice:hunter2`
    (written by `htpasswd -p`), or `/etc/shadow` lines `backup:hunter2:...` (the classic
    `usermod -p` mistake) or `guest::19700:...` fail. They pass once every value is an
    argon2id/bcrypt/yescrypt hash and the empty entry is locked (`passwd -l guest`).
    """

    spec = CheckSpec(
        id="auth.password_stored_plaintext",
        title="Passwords are stored in plaintext (or a shadow account has no password)",
        severity=Severity.CRITICAL,
        rationale=(
            "Plaintext passwords are disclosed to whoever reads the store, including the "
            "attacker of the incident, and are reused on other services."
        ),
        remediation=Remediation(
            "Hash every plaintext value now with argon2id, force those accounts to choose new "
            "passwords, and fix the code path that wrote plaintext.",
            steps=(
                "One-off migration: replace each plaintext value with "
                "CryptContext(schemes=['argon2'], argon2__memory_cost=19456, "
                "argon2__time_cost=2).hash(value) — no user action needed.",
                "Then force a reset for those accounts: their passwords were readable.",
                "Find the writer: `htpasswd -p`, `usermod -p` (it takes a crypt(3) hash, "
                "not a password — use `passwd` or `chpasswd`), or application code.",
                "Shadow entries with an empty password: `passwd -l USER` (or set a password) "
                "and remove `nullok` from pam_unix in /etc/pam.d/common-auth.",
            ),
        ),
        references=(
            "OWASP Password Storage Cheat Sheet",
            "NIST SP 800-63B-4 §3.1.1.2",
            "PCI DSS 4.0 8.3.2",
            "CIS Controls v8 3.11",
            "ISO/IEC 27001:2022 A.5.17",
        ),
        public_title="Password protection",
        needs=frozenset({"credential_stores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        stores = {s.id: s for s in ctx.estate.credential_stores or ()}
        for scan in ctx.credential_scans or ():
            store = stores.get(scan.store_id)
            resource = ref(store) if store else ResourceRef("credential_store", scan.store_id)
            yield self._judge(scan, resource)

    def _judge(self, scan: CredentialStoreScan, resource: ResourceRef) -> Finding:
        if scan.unreadable is not None:
            return self.errored(resource, f"Not judged: {scan.unreadable}.")
        partial = store_problems(scan)
        if not scan.accounts:
            why = "; ".join(partial) or "no credential records were read from the store"
            return self.skipped(resource, f"Not judged: {why}.")

        total = scan.accounts
        plaintext = [k for k in scan.kinds if k.scheme == "plaintext"]
        empty = [k for k in scan.kinds if k.scheme == "empty"]
        n_plain = sum(k.count for k in plaintext)
        n_empty = sum(k.count for k in empty)
        passwordless = empty if scan.kind == "shadow" else []
        n_passwordless = n_empty if passwordless else 0
        evidence: dict[str, Scalar] = {
            "accounts": total,
            "plaintext_accounts": n_plain,
            "empty_password_accounts": n_empty,
        }
        notes = ""
        unknown = scan.count("unknown")
        if unknown:
            evidence["unrecognised_values"] = unknown
            notes += (
                f" {_count(unknown, 'value')} in no recognised format "
                f"{'was' if unknown == 1 else 'were'} not counted as plaintext "
                "(see auth.password_hash_weak)."
            )
        if n_empty and not passwordless:
            notes += (
                f" {_count(n_empty, 'account')} with no stored password (empty or NULL): "
                "confirm they cannot sign in with a password."
            )
        rows = row_problem_numbers(scan)
        if rows:
            evidence["unreadable_rows"] = ";".join(str(n) for n in rows[:10])
            evidence["unreadable_row_count"] = len(rows)
            notes += f" {_count(len(rows), 'row')} could not be read (see evidence)."

        if not n_plain and not n_passwordless:
            if partial:
                return self.skipped(
                    resource,
                    "No plaintext value among the readable rows, but the store was read only "
                    f"in part: {'; '.join(partial)}." + notes,
                )
            return self.passed(
                resource,
                f"None of the {total:,} stored values is plaintext." + notes,
                evidence=evidence,
            )

        parts = []
        fixes = []
        if n_plain:
            verb = "stores its password" if n_plain == 1 else "store their passwords"
            parts.append(f"{n_plain:,} of {total:,} accounts {verb} in plaintext")
            groups = sum(s.groups for s in scan.shared if s.scheme == "plaintext")
            if groups:
                evidence["shared_plaintext_groups"] = groups
                parts.append(f"{_count(groups, 'group')} of those accounts share one password")
            fixes.append(_plaintext_fix(scan.kind, n_plain))
        if n_passwordless:
            entries = "shadow entry" if n_passwordless == 1 else "shadow entries"
            parts.append(
                f"{n_passwordless:,} {entries} with an empty password field (passwordless login)"
            )
            fixes.append(
                "Lock or set a password for the passwordless accounts (`passwd -l USER`) and "
                "remove `nullok` from pam_unix in /etc/pam.d/common-auth."
            )
        # Plaintext accounts first, then passwordless ones, each in store order.
        sample = first_accounts((k.sample for k in plaintext), _SAMPLE)
        sample += first_accounts((k.sample for k in passwordless), _SAMPLE)
        evidence["sample_accounts"] = ";".join(sample[:_SAMPLE])
        return self.failed(
            resource,
            "; ".join(parts) + "." + notes,
            severity=Severity.CRITICAL if n_plain else Severity.HIGH,
            evidence=evidence,
            remediation=" ".join(fixes),
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _plaintext_fix(kind: str, n: int) -> str:
    accounts = _count(n, "account")
    if kind == "shadow":
        # crypt(3) never matches a plaintext value, so the account cannot use it to sign in,
        # but the password is readable and was probably meant to be set.
        return (
            f"Set a new password for the {accounts} with `passwd USER` (or `chpasswd`): a "
            "readable value in /etc/shadow usually comes from `usermod -p`, which expects a "
            "crypt(3) hash, and the value is exposed to anyone who read the file."
        )
    if kind == "htpasswd":
        return (
            f"Re-set the {accounts} with `htpasswd -B -C 12 FILE USER` (bcrypt) and have the "
            "users choose new passwords: the old ones were readable. Never use `htpasswd -p`."
        )
    return (
        f"Hash the plaintext values of the {accounts} with argon2id now - a one-off migration "
        '(`CryptContext(schemes=["argon2"]).hash(value)`) needs no user action - then force '
        "those accounts to reset: the passwords were readable."
    )
