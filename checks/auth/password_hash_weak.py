"""auth.password_hash_weak: stored password hashes use a weak scheme or too low a cost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from hardening.check import Check, CheckContext, ref, register
from hardening.collectors.credentials import row_problem_numbers, store_problems
from hardening.collectors.hashes import BROKEN_SCHEMES, label, passlib_handler
from hardening.estate import Policy
from hardening.facets import CredentialStoreScan, HashKind, first_accounts
from hardening.model import CheckSpec, Finding, Remediation, ResourceRef, Scalar, Severity

#: OWASP Password Storage Cheat Sheet: argon2id settings of equal strength (memory KiB, t).
OWASP_ARGON2ID: Final = ((47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5))
#: Default argon2id settings for the remediation when the store has no good ones to keep.
_ARGON2_DEFAULT: Final = (19_456, 2)
#: Values that are not hashes; other checks report them.
_NOT_JUDGED: Final = frozenset({"locked", "empty", "plaintext"})
_SAMPLE: Final = 5
_GROUPS_IN_DETAIL: Final = 6


def meets_owasp_argon2id(memory_kib: int, time_cost: int) -> bool:
    """Whether (m, t) is at least as strong as one of OWASP's equivalent argon2id settings."""
    return any(memory_kib >= m and time_cost >= t for m, t in OWASP_ARGON2ID)


def allowed_schemes(policy: Policy) -> frozenset[str]:
    """The policy's allowed schemes in canonical form (argon2 variants are `argon2`)."""
    names = set()
    for name in policy.hash_schemes_allowed:
        canon = name.strip().lower().replace("-", "_")
        names.add("argon2" if canon.startswith("argon2") else canon)
    return frozenset(names)


@register
class PasswordHashWeak(Check):
    """What it does
    Reads every declared credential store (shadow files, htpasswd files, SQL user tables)
    and fails a store when any account's stored hash uses a scheme outside
    `policy.hash_schemes_allowed` (md5_crypt, DES crypt, unsalted digests, ...), an argon2
    variant other than argon2id, or a cost below the floor: bcrypt under
    `policy.bcrypt_min_cost`, argon2id below every one of OWASP's equivalent settings
    (46 MiB/t=1, 19 MiB/t=2, 12 MiB/t=3, 9 MiB/t=4, 7 MiB/t=5), PBKDF2 or sha512_crypt
    under their minimum iterations, scrypt under 2^`scrypt_min_log2_n`. Values in no
    recognised format fail at medium severity so that someone looks at them. Locked and
    empty entries and plaintext values are left to auth.password_stored_plaintext.

    Why is this bad
    After a breach the attacker may hold a copy of the store. Fast schemes (MD5, DES, SHA-1
    digests) are guessed at billions of candidates per second on one GPU, so most real
    passwords fall within hours; a low work factor does the same to a good scheme. With
    an incident declared, MD5/DES-based and unsalted hashes raise the finding to critical:
    treat those passwords as known and reset them rather than waiting for a rehash on login.

    Example
    A users table where 1,204 rows hold `$1$...` (md5_crypt) and 310 hold `$2b$08$...`
    (bcrypt cost 8) fails. It passes once new hashes are argon2id with m=19456 KiB, t=2
    (or bcrypt cost >= 10), the bcrypt rows are rehashed as users sign in, and the
    md5_crypt accounts have been reset.
    """

    spec = CheckSpec(
        id="auth.password_hash_weak",
        title="Stored password hashes use a weak scheme or a cost below the floor",
        severity=Severity.HIGH,
        rationale=(
            "A stolen copy of the credential store is cracked offline at the speed the hash "
            "scheme allows: fast or low-cost hashes turn a database leak into account takeover."
        ),
        remediation=Remediation(
            "Hash new passwords with argon2id (OWASP: m=19 MiB, t=2, p=1 or an equivalent "
            "setting), upgrade acceptable-but-weak hashes when users next sign in, and force a "
            "reset for accounts on fast, crackable schemes.",
            steps=(
                "Applications: verify through a passlib CryptContext that lists the legacy "
                "schemes as deprecated, e.g. CryptContext(schemes=['argon2', 'bcrypt', "
                "'md5_crypt'], deprecated=['md5_crypt'], argon2__memory_cost=19456, "
                "argon2__time_cost=2, bcrypt__min_rounds=10), and store the hash returned by "
                "verify_and_update() after each successful sign-in.",
                "Linux hosts: ENCRYPT_METHOD YESCRYPT (or SHA512) in /etc/login.defs and the "
                "same method on the pam_unix password line, then `passwd --expire USER` for "
                "the affected accounts.",
                "Apache htpasswd: re-set affected users with `htpasswd -B -C 12 FILE USER`.",
                "Reset now, rather than rehash on sign-in, every account on md5_crypt, DES "
                "crypt, phpass or an unsalted digest: after an incident those hashes may "
                "already be cracked.",
            ),
        ),
        references=(
            "OWASP Password Storage Cheat Sheet",
            "NIST SP 800-63B-4 §3.1.1.2",
            "RFC 9106 §4 (Argon2 parameter choice)",
            "PCI DSS 4.0 8.3.2",
            "ISO/IEC 27001:2022 A.5.17",
        ),
        public_title="Password protection",
        needs=frozenset({"credential_stores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        stores = {s.id: s for s in ctx.estate.credential_stores or ()}
        allowed = allowed_schemes(ctx.policy)
        incident = ctx.incident is not None
        for scan in ctx.credential_scans or ():
            store = stores.get(scan.store_id)
            resource = ref(store) if store else ResourceRef("credential_store", scan.store_id)
            yield self._judge(scan, resource, ctx.policy, allowed, incident=incident)

    def _judge(
        self,
        scan: CredentialStoreScan,
        resource: ResourceRef,
        policy: Policy,
        allowed: frozenset[str],
        *,
        incident: bool,
    ) -> Finding:
        if scan.unreadable is not None:
            return self.errored(resource, f"Not judged: {scan.unreadable}.")
        partial = store_problems(scan)
        if not scan.accounts:
            why = "; ".join(partial) or "no credential records were read from the store"
            return self.skipped(resource, f"Not judged: {why}.")

        kinds = scan.kinds
        schemes: Counter[str] = Counter()
        weak: Counter[str] = Counter()
        weak_schemes: Counter[str] = Counter()
        weak_kinds: list[HashKind] = []
        severities: dict[str, Severity] = {}
        locked_weak = 0
        # Judged once per distinct (scheme, parameters), weighted by how many accounts share it.
        for kind in kinds:
            count = kind.count
            schemes[kind.scheme] += count
            if kind.scheme in _NOT_JUDGED:
                behind = kind.params.get("locked_scheme")
                if behind is not None and (behind not in allowed or behind in BROKEN_SCHEMES):
                    locked_weak += count
                continue
            problem = weakness(kind, policy, allowed, incident=incident)
            if problem is None:
                continue
            what, severity = problem
            weak[what] += count
            severities[what] = max(severities.get(what, severity), severity, key=_rank)
            weak_schemes[kind.scheme] += count
            weak_kinds.append(kind)

        total = scan.accounts
        evidence: dict[str, Scalar] = {
            "accounts": total,
            "weak_accounts": weak_schemes.total(),
            "schemes": ";".join(f"{s}={n}" for s, n in sorted(schemes.items())),
        }
        notes = _notes(scan, schemes, locked_weak, evidence)
        if weak_kinds:
            evidence["weak_groups"] = "; ".join(f"{w}: {n}" for w, n in weak.most_common())
            evidence["sample_accounts"] = ";".join(
                first_accounts((k.sample for k in weak_kinds), _SAMPLE)
            )
            severity = max(severities.values(), key=_rank)
            groups = weak.most_common()
            shown = "; ".join(
                f"{n:,} {'use' if n != 1 else 'uses'} {w}"
                if i
                else f"{n:,} of {total:,} accounts {'use' if n != 1 else 'uses'} {w}"
                for i, (w, n) in enumerate(groups[:_GROUPS_IN_DETAIL])
            )
            if len(groups) > _GROUPS_IN_DETAIL:
                shown += f"; and {len(groups) - _GROUPS_IN_DETAIL} more kinds (see evidence)"
            detail = f"{shown}." + notes
            if severity is Severity.CRITICAL:
                detail += (
                    " Critical because MD5/DES-based or unsalted hashes were exposed to an "
                    "incident: treat those passwords as known."
                )
            return self.failed(
                resource,
                detail,
                severity=severity,
                evidence=evidence,
                remediation=remediation(
                    scan, kinds, weak_schemes, policy, allowed, incident=incident
                ),
            )
        hashed = sum(n for s, n in schemes.items() if s not in _NOT_JUDGED)
        if not hashed:
            found = ", ".join(f"{label(s)}: {n:,}" for s, n in schemes.most_common())
            return self.skipped(resource, f"No stored hashes to judge ({found})." + notes)
        if partial:
            return self.skipped(
                resource,
                f"No weak hash among the {hashed:,} readable ones, but the store was read only "
                f"in part: {'; '.join(partial)}." + notes,
            )
        judged = ", ".join(f"{s}: {n:,}" for s, n in schemes.most_common() if s not in _NOT_JUDGED)
        return self.passed(
            resource,
            f"All {hashed:,} stored hashes use allowed schemes at or above the cost floor"
            + (f" ({judged})." if judged else ".")
            + notes,
            evidence=evidence,
        )


def _rank(severity: Severity) -> int:
    return severity.rank


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _notes(
    scan: CredentialStoreScan,
    schemes: Mapping[str, int],
    locked_weak: int,
    evidence: dict[str, Scalar],
) -> str:
    notes = ""
    if locked_weak:
        evidence["locked_with_weak_hash"] = locked_weak
        notes += (
            f" {_count(locked_weak, 'locked account')} keep{'s' if locked_weak == 1 else ''} a "
            "weak hash behind the lock (unlocking restores it)."
        )
    if schemes.get("plaintext"):
        plain = schemes["plaintext"]
        notes += (
            f" {_count(plain, 'plaintext value')} {'is' if plain == 1 else 'are'} reported by "
            "auth.password_stored_plaintext."
        )
    rows = row_problem_numbers(scan)
    if rows:
        evidence["unreadable_rows"] = ";".join(str(n) for n in rows[:10])
        evidence["unreadable_row_count"] = len(rows)
        notes += f" {_count(len(rows), 'row')} could not be read (see evidence)."
    return notes


def weakness(
    kind: HashKind, policy: Policy, allowed: frozenset[str], *, incident: bool
) -> tuple[str, Severity] | None:
    """What is weak about one kind of stored hash, and how bad it is; None when acceptable."""
    scheme, p = kind.scheme, kind.params
    if scheme == "unknown":
        return "an unrecognised format (inspect by hand)", Severity.MEDIUM
    if scheme not in allowed:
        broken = scheme in BROKEN_SCHEMES
        return label(scheme), Severity.CRITICAL if broken and incident else Severity.HIGH
    if scheme == "argon2":
        return _argon2_weakness(p)
    if scheme == "bcrypt":
        cost = _int(p.get("rounds"))
        if cost is None or cost < policy.bcrypt_min_cost:
            return f"bcrypt cost {cost} (below {policy.bcrypt_min_cost})", Severity.HIGH
        if p.get("ident") == "2x":
            return "bcrypt $2x$ (hashes from the buggy pre-2011 crypt_blowfish)", Severity.MEDIUM
        return None
    floors: dict[str, tuple[str, int]] = {
        "pbkdf2_sha256": ("iterations", policy.pbkdf2_sha256_min_rounds),
        "pbkdf2_sha512": ("iterations", policy.pbkdf2_sha512_min_rounds),
        "sha512_crypt": ("rounds", policy.sha512_crypt_min_rounds),
        # sha256_crypt is the same construction; hold it to the same floor when allowed.
        "sha256_crypt": ("rounds", policy.sha512_crypt_min_rounds),
    }
    if scheme in floors:
        unit, floor = floors[scheme]
        rounds = _int(p.get("rounds"))
        if rounds is None:
            return f"{scheme} with no recorded {unit} count", Severity.HIGH
        if rounds < floor:
            return f"{scheme} {rounds:,} {unit} (below {floor:,})", Severity.HIGH
        return None
    if scheme == "scrypt":
        log2_n = _int(p.get("log2_n"))
        if log2_n is None or log2_n < policy.scrypt_min_log2_n:
            return f"scrypt N=2^{log2_n} (below 2^{policy.scrypt_min_log2_n})", Severity.HIGH
    return None


def _argon2_weakness(p: Mapping[str, int | str]) -> tuple[str, Severity] | None:
    variant = str(p.get("variant", "argon2"))
    memory, time_cost = _int(p.get("memory_kib")) or 0, _int(p.get("time_cost")) or 0
    if variant == "argon2d":
        return "argon2d (data-dependent, side-channel prone; not for passwords)", Severity.HIGH
    if not meets_owasp_argon2id(memory, time_cost):
        return (
            f"{variant} m={memory / 1024:g} MiB, t={time_cost} (below every OWASP setting)",
            Severity.HIGH,
        )
    if variant == "argon2i":
        return "argon2i (OWASP recommends argon2id)", Severity.MEDIUM
    return None


def _int(value: int | str | None) -> int | None:
    return value if isinstance(value, int) else None


def remediation(
    scan: CredentialStoreScan,
    kinds: Sequence[HashKind],
    weak_schemes: Mapping[str, int],
    policy: Policy,
    allowed: frozenset[str],
    *,
    incident: bool,
) -> str:
    """A fix tailored to the store's kind and the schemes found in it (`weak_schemes` counts
    the weak accounts by scheme)."""
    broken = {s: n for s, n in weak_schemes.items() if s in BROKEN_SCHEMES}
    reset = ""
    if broken:
        names = ", ".join(label(s) for s in sorted(broken))
        reset = (
            f" Reset now (do not wait for a rehash on sign-in) the "
            f"{_count(sum(broken.values()), 'account')} on {names}: these hashes crack at GPU "
            "speed, so "
            + (
                "after the incident treat those passwords as known."
                if incident
                else "treat those passwords as known if the store was ever copied."
            )
        )
    if scan.kind == "shadow":
        if "yescrypt" in allowed:
            method = (
                "Set `ENCRYPT_METHOD YESCRYPT` in /etc/login.defs and use `yescrypt` on the "
                "pam_unix password line"
            )
        else:
            floor = max(policy.sha512_crypt_min_rounds, 65_536)
            method = (
                f"Set `ENCRYPT_METHOD SHA512` and `SHA_CRYPT_MIN_ROUNDS {floor}` in "
                f"/etc/login.defs and use `sha512 rounds={floor}` on the pam_unix password line"
            )
        return (
            f"{method} (/etc/pam.d/common-password; `authselect` on RHEL), then make the "
            "affected accounts choose a new password: `passwd --expire USER`." + reset
        )
    if scan.kind == "keycloak_export":
        floor = max(policy.pbkdf2_sha512_min_rounds, 210_000)
        return (
            "In the realm's password policy set Hashing Algorithm to `argon2` (in current "
            "Keycloak releases) or "
            f"`hashAlgorithm(pbkdf2-sha512) and hashIterations({floor})`; Keycloak rehashes "
            "each password at its next sign-in. For accounts that must not wait, add the "
            "UPDATE_PASSWORD required action (`kcadm.sh update users/<id> -r <realm> -s "
            "'requiredActions=[\"UPDATE_PASSWORD\"]'`)." + reset
        )
    if scan.kind == "htpasswd":
        return (
            "Apache does not rehash on sign-in: re-set each affected user with "
            "`htpasswd -B -C 12 FILE USER` (bcrypt, cost 12)." + reset
        )
    return _crypt_context(kinds, policy, allowed) + reset


def _preferred(policy: Policy, allowed: frozenset[str]) -> str:
    """argon2 unless the policy rules it out; then the first allowed scheme passlib can hash."""
    if "argon2" in allowed:
        return "argon2"
    for name in policy.hash_schemes_allowed:
        canon = name.strip().lower().replace("-", "_")
        if canon in ("bcrypt", "scrypt", "pbkdf2_sha256", "pbkdf2_sha512", "sha512_crypt"):
            return canon
    return "argon2"


def _crypt_context(kinds: Sequence[HashKind], policy: Policy, allowed: frozenset[str]) -> str:
    counts: Counter[str] = Counter()
    deprecated: set[str] = set()
    unhandled: set[str] = set()
    good_argon2: Counter[tuple[int, int, int]] = Counter()
    for kind in kinds:
        if kind.scheme in _NOT_JUDGED or kind.scheme == "unknown":
            continue
        handler = passlib_handler(kind.scheme, kind.params)
        if handler is None:
            unhandled.add(label(kind.scheme))
            continue
        counts[handler] += kind.count
        if kind.scheme not in allowed or kind.scheme in BROKEN_SCHEMES:
            deprecated.add(handler)
        elif kind.scheme == "argon2" and _argon2_weakness(kind.params) is None:
            # Keep the store's own good argon2id settings: a context default below them
            # would make verify_and_update() rehash strong hashes into weaker ones.
            p = kind.params
            good_argon2[
                (_int(p["memory_kib"]) or 0, _int(p["time_cost"]) or 0, _int(p["parallelism"]) or 1)
            ] += kind.count
    preferred = _preferred(policy, allowed)
    schemes = [preferred, *(h for h, _ in counts.most_common() if h != preferred)]
    args = [f"schemes={schemes!r}".replace("'", '"')]
    if deprecated:
        args.append(f"deprecated={sorted(deprecated)!r}".replace("'", '"'))
    if preferred == "argon2":
        if good_argon2:
            (memory, time_cost, parallelism), _ = good_argon2.most_common(1)[0]
            args += [
                f"argon2__memory_cost={memory}",
                f"argon2__time_cost={time_cost}",
                f"argon2__parallelism={parallelism}",
            ]
        else:
            memory, time_cost = _ARGON2_DEFAULT
            args += [f"argon2__memory_cost={memory}", f"argon2__time_cost={time_cost}"]
        # argon2i/argon2d hashes then count as needing an update.
        args.append('argon2__type="ID"')
    floors = {
        "bcrypt": policy.bcrypt_min_cost,
        "pbkdf2_sha256": policy.pbkdf2_sha256_min_rounds,
        "django_pbkdf2_sha256": policy.pbkdf2_sha256_min_rounds,
        "pbkdf2_sha512": policy.pbkdf2_sha512_min_rounds,
        "scrypt": policy.scrypt_min_log2_n,
        "sha512_crypt": policy.sha512_crypt_min_rounds,
    }
    for handler, floor in floors.items():
        if handler in counts and handler not in deprecated:
            args.append(f"{handler}__min_rounds={floor}")
    text = (
        f"Verify with passlib `CryptContext({', '.join(args)})` and, after each successful "
        "sign-in, store the new hash that `ctx.verify_and_update(password, stored)` returns: "
        f"weak hashes are then replaced by {'argon2id' if preferred == 'argon2' else preferred} "
        "as users sign in."
    )
    if "hex_md5" in counts:
        text += (
            " If the 32-hex digests are NTLM rather than MD5, list `nthash` instead of `hex_md5`."
        )
    if unhandled:
        text += (
            f" passlib cannot verify {', '.join(sorted(unhandled))} in this format: verify those "
            "with the application's own library, then rehash with argon2id."
        )
    return text
