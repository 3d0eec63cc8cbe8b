"""Benchmark: the auth audit over a synthetic 1,000,000-account estate.

    python benchmarks/auth_audit.py [--accounts N]

Builds, in a temporary directory, a SQLite user table with a realistic mix of hash schemes
(argon2id, bcrypt at two costs, pbkdf2_sha256, sha512_crypt, md5_crypt, unsalted MD5,
plaintext), a TOTP seed table and an accounts CSV with roles, MFA and dates; then runs every
`auth.*` check through the engine (`load_and_run`, with as many processes as this machine has
cores), in a child process so its peak RSS is its own.

Printed: accounts/second for the whole audit (estate load, collection, checks), peak RSS (the
audit process plus its largest worker), the ratio of our hash classification against the
naive approach measured in the same run: passlib's `CryptContext.identify()` plus
`from_string()` parameter parsing per hash (each side timed five times, alternately, best
kept); and `hardening scan` end to end.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from child import run_child
from passlib.context import CryptContext  # type: ignore[import-untyped]
from passlib.hash import (  # type: ignore[import-untyped]
    argon2,
    bcrypt,
    md5_crypt,
    pbkdf2_sha256,
    sha512_crypt,
)

# (scheme, share of accounts): what a decade-old member portal looks like.
MIX = (
    ("argon2", 0.30),
    ("bcrypt12", 0.25),
    ("bcrypt8", 0.10),
    ("pbkdf2", 0.10),
    ("sha512", 0.10),
    ("md5crypt", 0.08),
    ("rawmd5", 0.05),
    ("plain", 0.02),
)
# Hashing a million passwords for real would take hours: hash a pool per scheme (distinct
# salts) and deal them out, which is what the classifier sees in a real store anyway.
POOL = 200


def _pool(scheme: str, rng: random.Random) -> list[str]:
    def pw(i: int) -> str:
        return f"bench-{scheme}-{i}-{rng.random()}"

    makers = {
        "argon2": argon2.using(type="ID", memory_cost=19456, rounds=2, parallelism=1),
        "bcrypt12": bcrypt.using(rounds=12),
        "bcrypt8": bcrypt.using(rounds=8),
        "pbkdf2": pbkdf2_sha256.using(rounds=29000),
        "sha512": sha512_crypt.using(rounds=5000),
        "md5crypt": md5_crypt,
    }
    if scheme == "rawmd5":
        return [hashlib.md5(pw(i).encode()).hexdigest() for i in range(POOL)]
    if scheme == "plain":
        return [f"Winter{2000 + i}!" for i in range(POOL)]
    count = 20 if scheme == "bcrypt12" else POOL  # cost 12 is slow to make
    return [str(makers[scheme].hash(pw(i))) for i in range(count)]


def build(root: Path, n: int) -> tuple[Path, list[str]]:
    rng = random.Random(7)
    pools = {scheme: _pool(scheme, rng) for scheme, _ in MIX}
    schemes = [s for s, _ in MIX]
    weights = [w for _, w in MIX]
    db = sqlite3.connect(root / "users.db")
    db.execute("CREATE TABLE users (username TEXT, password_hash TEXT, changed_at TEXT)")
    db.execute("CREATE TABLE otp (username TEXT, secret TEXT)")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    hashes: list[str] = []
    with (root / "accounts.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "roles", "mfa", "password_changed", "last_login", "enabled"])
        batch: list[tuple[str, str, str]] = []
        otp: list[tuple[str, str]] = []
        for i in range(n):
            user = f"member{i:07d}"
            value = rng.choice(pools[rng.choices(schemes, weights)[0]])
            hashes.append(value)
            changed = f"20{rng.randint(15, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            batch.append((user, value, changed))
            mfa = rng.choice(["totp", "", "sms", "webauthn", "totp"])
            if mfa == "totp":
                otp.append(
                    (user, "".join(rng.choice(alphabet) for _ in range(rng.choice((16, 32)))))
                )
            roles = "admin" if i % 500 == 0 else "staff" if i % 50 == 0 else "member"
            last = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
            out.writerow([user, roles, mfa, changed, last, "true"])
            if len(batch) == 50_000:
                db.executemany("INSERT INTO users VALUES (?, ?, ?)", batch)
                db.executemany("INSERT INTO otp VALUES (?, ?)", otp)
                batch, otp = [], []
        db.executemany("INSERT INTO users VALUES (?, ?, ?)", batch)
        db.executemany("INSERT INTO otp VALUES (?, ?)", otp)
    db.commit()
    db.close()
    (root / "estate.yaml").write_text(
        "version: 1\n"
        "organisation: {name: Bench Union, incident: {discovered: 2026-10-02}}\n"
        "policy: {mfa_required_roles: [admin, staff]}\n"
        "accounts: {source: accounts.csv}\n"
        "credential_stores:\n"
        "  - {id: members, kind: sql, dsn: 'sqlite:///users.db', table: users,"
        " id_column: username, hash_column: password_hash, changed_column: changed_at}\n"
        "totp_stores:\n"
        "  - {id: members-otp, kind: sql, dsn: 'sqlite:///users.db', table: otp,"
        " id_column: username, secret_column: secret}\n"
    )
    return root / "estate.yaml", hashes


AUDIT = """
import json, resource, sys, time
from datetime import date
from hardening.collectors.prefetch import default_jobs
from hardening.registry import discover
from hardening.runner import RunOptions, load_and_run
registry = discover()
t0 = time.perf_counter()
jobs = default_jobs()
estate, run = load_and_run(
    sys.argv[1], registry, RunOptions(include=["auth"], today=date(2026, 11, 25), jobs=jobs)
)
t1 = time.perf_counter()
print(json.dumps({"audit_s": t1 - t0, "findings": len(run.findings), "jobs": jobs,
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "worker_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


SCAN = """
import json, resource, sys, time
from hardening.cli import main
t0 = time.perf_counter()
code = main(["scan", sys.argv[1], "--check", "auth", "--store", sys.argv[2], "--no-progress",
             "--today", "2026-11-25", "-o", sys.argv[3]])
print(json.dumps({"s": time.perf_counter() - t0, "code": code,
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "worker_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def classify_ratio(hashes: list[str], sample: int, repeats: int = 5) -> tuple[float, float]:
    """Hashes per second, ours (as the SQL collector calls it, `map` over a batch) and naive:
    each timed `repeats` times, alternately, best kept, so that a burst of load on the machine
    does not decide the ratio."""
    from hardening.collectors.hashes import classify

    values = hashes[:sample]
    ctx = CryptContext(
        schemes=[
            "argon2",
            "bcrypt",
            "pbkdf2_sha256",
            "sha512_crypt",
            "md5_crypt",
            "hex_md5",
            "plaintext",
        ]
    )

    def ours() -> None:
        list(map(classify, values))

    def naive() -> None:
        for v in values:
            handler = ctx.identify(v, resolve=True)
            if handler is not None and hasattr(handler, "from_string"):
                with contextlib.suppress(ValueError, TypeError):
                    handler.from_string(v)

    best = {ours: float("inf"), naive: float("inf")}
    for _ in range(repeats):
        for run in (ours, naive):
            t0 = time.perf_counter()
            run()
            best[run] = min(best[run], time.perf_counter() - t0)
    return sample / best[ours], sample / best[naive]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--ratio-sample", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        estate, hashes = build(Path(tmp), args.accounts)
        print(f"built {args.accounts:,} accounts in {time.perf_counter() - t0:.1f} s")
        ours, naive = classify_ratio(hashes, min(args.ratio_sample, len(hashes)))
        print(
            f"classification: ours {ours:,.0f} hashes/s, naive passlib identify+from_string "
            f"{naive:,.0f} hashes/s, ratio {ours / naive:.1f}x"
        )
        r = run_child(AUDIT, estate)
        total = r["audit_s"]
        rss = (r["rss_kib"] + r["worker_rss_kib"]) / 1024
        print(
            f"auth audit: {args.accounts / total:,.0f} accounts/s "
            f"({total:.1f} s for estate load, collection and checks, {r['jobs']} processes), "
            f"peak RSS {rss:,.0f} MiB (main {r['rss_kib'] / 1024:,.0f} + largest worker "
            f"{r['worker_rss_kib'] / 1024:,.0f}), {r['findings']:,} findings"
        )
        # What a user waits for: `hardening scan` end to end, with the run recorded in the
        # results store and the terminal report written.
        c = run_child(SCAN, estate, Path(tmp) / "runs.sqlite", Path(tmp) / "report.txt")
        print(
            f"`hardening scan --check auth` end to end (load, collection, checks, results store, "
            f"terminal report): {c['s']:.1f} s, peak RSS "
            f"{(c['rss_kib'] + c['worker_rss_kib']) / 1024:,.0f} MiB, exit {c['code']}"
        )


if __name__ == "__main__":
    main()
