"""Rebuild `users.db`, the demo's online-banking user table, with a realistic mix of hashes.

The table mirrors what years of platform migrations leave behind: current argon2id and bcrypt
hashes, a batch of bcrypt at a cost set in 2014, PBKDF2 at a framework's old default, md5_crypt
from the first portal, and unsalted MD5 from an import that was never cleaned up. Passwords are
made up for the demo. Run: `python examples/demo/make_users_db.py`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from passlib.hash import argon2, bcrypt, md5_crypt, pbkdf2_sha256  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent

# (username, scheme, changed_at, totp secret or None)
MEMBERS = [
    ("m.okafor", "argon2", "2026-10-06", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
    ("a.lindqvist", "argon2", "2026-10-07", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"),
    ("j.pereira", "bcrypt12", "2026-10-08", None),
    ("s.nakamura", "bcrypt12", "2026-10-06", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
    ("d.hughes", "bcrypt8", "2019-03-14", None),
    ("k.mensah", "bcrypt8", "2021-07-02", "MFRGGZDFMZTWQ2LK"),
    ("r.castillo", "pbkdf2", "2022-11-30", None),
    ("e.novak", "md5crypt", "2016-05-21", None),
    ("t.brennan", "md5crypt", "2017-01-09", None),
    ("p.adeyemi", "rawmd5", "2015-08-03", None),
    ("l.fischer", "rawmd5", "2015-08-03", None),
    ("n.haddad", "argon2", "2026-10-05", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
]


HANDLERS = {
    "argon2": argon2.using(type="ID", memory_cost=19456, rounds=2, parallelism=1),
    "bcrypt12": bcrypt.using(rounds=12),
    "bcrypt8": bcrypt.using(rounds=8),
    "pbkdf2": pbkdf2_sha256.using(rounds=29000),
    "md5crypt": md5_crypt,
}


def _hash(scheme: str, password: str) -> str:
    if scheme == "rawmd5":
        return hashlib.md5(password.encode()).hexdigest()  # noqa: S324 - the weakness on display
    return str(HANDLERS[scheme].hash(password))


def main() -> None:
    target = HERE / "users.db"
    target.unlink(missing_ok=True)
    db = sqlite3.connect(target)
    db.execute(
        "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,"
        " changed_at TEXT, email TEXT)"
    )
    db.execute("CREATE TABLE otp (username TEXT PRIMARY KEY, secret TEXT NOT NULL)")
    for n, (user, scheme, changed, secret) in enumerate(MEMBERS):
        password = "Summer2015!" if scheme == "rawmd5" else f"demo-only-{n}-{user}"
        db.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?)",
            (user, _hash(scheme, password), changed, f"{user}@members.example"),
        )
        if secret:
            db.execute("INSERT INTO otp VALUES (?, ?)", (user, secret))
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
