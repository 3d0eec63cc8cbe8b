"""Real-format credential stores for the collector and check tests, with hashes made at test time.

`tests/conftest.py` makes it importable (tests have no packages):

    import credential_build as build

Every value written is recorded in `secrets_written()` so tests can prove that no hash, and
not the planted `CANARY` password, reaches a finding, a problem or a scan's repr.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from passlib import hash as ph  # type: ignore[import-untyped]

from hardening.estate import CredentialStore, Estate, Host, Incident, Location, Organisation

#: A password planted in plaintext in every store; it must never appear in any output.
CANARY = "Canary-Pw-9c41e!"
#: A realistic Debian 12 /etc/shadow yescrypt entry (cost 5: N=2^12, r=32, 16 MiB).
YESCRYPT = "$y$j9T$4xV9rkYdS2nL7aE1cQ0bW/$M8a1Jm3qLZk0Yp4vXbT6sWnRf2Gd9HcE5uA7oIy.Nz2"

_written: set[str] = set()


def _keep(value: str) -> str:
    _written.add(value)
    return value


def secrets_written() -> frozenset[str]:
    """Every stored value (hash or plaintext) any builder wrote, plus the canary."""
    return frozenset(_written | {CANARY})


@functools.cache
def hashes() -> dict[str, str]:
    """One real hash per scheme, generated with passlib (cached for the session)."""
    made = {
        "bcrypt12": ph.bcrypt.using(rounds=12).hash("correct horse 1"),
        "bcrypt8": ph.bcrypt.using(rounds=8).hash("correct horse 2"),
        "bcrypt2y": ph.bcrypt.using(rounds=12, ident="2y").hash("correct horse 3"),
        "argon2id_strong": ph.argon2.using(memory_cost=65536, time_cost=3, parallelism=4).hash(
            "correct horse 4"
        ),
        "argon2id_owasp": ph.argon2.using(memory_cost=19456, time_cost=2, parallelism=1).hash(
            "correct horse 5"
        ),
        "argon2id_weak": ph.argon2.using(memory_cost=4096, time_cost=1, parallelism=1).hash(
            "correct horse 6"
        ),
        "argon2i": ph.argon2.using(type="I", memory_cost=65536, time_cost=3).hash("ch 7"),
        "argon2d": ph.argon2.using(type="D", memory_cost=65536, time_cost=3).hash("ch 8"),
        "sha512_crypt": ph.sha512_crypt.using(rounds=656000).hash("correct horse 9"),
        "sha512_crypt_low": ph.sha512_crypt.using(rounds=1000).hash("correct horse 10"),
        "md5_crypt": ph.md5_crypt.hash("summer2019"),
        "apr_md5_crypt": ph.apr_md5_crypt.hash("intranet1"),
        "des_crypt": ph.des_crypt.hash("oldpass"),
        "ldap_sha1": ph.ldap_sha1.hash("letmein"),
        "hex_md5": ph.hex_md5.hash("password"),
        "pbkdf2_sha256_low": ph.pbkdf2_sha256.using(rounds=29000).hash("correct horse 11"),
        "pbkdf2_sha256_ok": ph.pbkdf2_sha256.using(rounds=600000).hash("correct horse 12"),
        "django_pbkdf2": ph.django_pbkdf2_sha256.using(rounds=870000).hash("correct horse 13"),
        "scrypt_low": ph.scrypt.using(rounds=14).hash("correct horse 14"),
    }
    for value in made.values():
        _keep(value)
    _keep(YESCRYPT)
    return made


def write_shadow(path: Path) -> Path:
    """A Debian-style /etc/shadow: system accounts, locked, empty, shared and weak entries."""
    h = hashes()
    shared = _keep(ph.sha512_crypt.using(rounds=5000).hash("Welcome2026"))
    erin_hash = _keep(ph.sha512_crypt.hash("other"))
    lines = [
        f"root:{YESCRYPT}:20300:0:99999:7:::",
        "daemon:*:20300:0:99999:7:::",
        "bin:*:20300:0:99999:7:::",
        "sshd:!:20300::::::",
        f"alice:{h['sha512_crypt']}:20350:0:99999:7:::",
        f"bob:{h['md5_crypt']}:19000:0:99999:7:::",
        f"carol:!{h['md5_crypt']}:20000:0:99999:7:::",
        "guest::20300:0:99999:7:::",
        f"dave:{h['des_crypt']}:0:0:99999:7:::",
        f"svc-backup:{shared}:20736:0:99999:7:::",
        f"svc-deploy:{shared}:20736:0:99999:7:::",
        f"erin:{erin_hash}:20736:0:99999:7:::",
        f"frank:{_keep(CANARY)}:20300:0:99999:7:::",
        "trunc:*",  # only two fields
        f"oldfmt:{h['sha512_crypt_low']}:notaday:0:99999:7:::",
    ]
    raw = (
        "\n".join(lines).encode()
        + b"\nm\xe9lanie:"
        + h["bcrypt12"].encode()
        + b":20300:0:99999:7:::\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return path


def write_htpasswd(path: Path) -> Path:
    """An Apache htpasswd file mixing every format htpasswd(1) can write, and a bad line."""
    h = hashes()
    lines = [
        "# intranet users - managed by ops",
        f"alice:{h['apr_md5_crypt']}",
        f"bob:{h['ldap_sha1']}",
        f"carol:{h['bcrypt2y']}",
        f"dave:{h['des_crypt']}",
        f"erin:{_keep(CANARY)}",
        "",
        "this line has no separator",
        f"frank:{h['bcrypt12']}",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: Rows of the web users table: (username, stored value, changed_at), value None = NULL.
def web_rows() -> list[tuple[str | None, str | bytes | None, object]]:
    h = hashes()
    raw_md5 = bytes.fromhex(ph.hex_md5.hash("raw-binary-digest"))
    _keep(raw_md5.hex())
    return [
        ("ada", h["argon2id_strong"], "2026-10-10"),
        ("ben", h["argon2id_owasp"], "2026-10-11T09:30:00Z"),
        ("cleo", h["argon2id_weak"], "2026-01-02 10:00:00"),
        ("dan", h["bcrypt12"], 1767225600),  # epoch seconds: 2026-01-01
        ("eve", h["bcrypt8"], 1735689600000),  # epoch milliseconds: 2025-01-01
        ("fay", h["pbkdf2_sha256_low"], "2024-03-01"),
        ("gus", h["hex_md5"], None),
        ("hal", h["hex_md5"], None),  # same password, same unsalted digest
        ("ivy", _keep(CANARY), "2026-11-01"),
        ("jon", None, None),  # SSO-only account: no local password
        ("kim", h["django_pbkdf2"], "2026-10-12"),
        ("lea", h["argon2i"], "yesterday"),  # a changed_at that is not a date
        (None, h["bcrypt12"], "2026-10-13"),  # a row without a username
        ("max", raw_md5, "2026-10-14"),  # a raw BINARY(16) digest
        ("ned", YESCRYPT, "2026-10-15"),
    ]


def write_sqlite(path: Path, rows: Sequence[tuple[object, object, object]] | None = None) -> Path:
    """A web application's users table with mixed schemes and a changed_at column."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, "
            "password_hash TEXT, changed_at)"
        )
        conn.executemany(
            "INSERT INTO users (username, password_hash, changed_at) VALUES (?, ?, ?)",
            web_rows() if rows is None else rows,
        )
    conn.close()
    return path


def sql_store(db: Path, store_id: str = "web-users", **overrides: object) -> CredentialStore:
    fields: dict[str, object] = {
        "id": store_id,
        "kind": "sql",
        "location": Location("estate.yaml", 10),
        "dsn": f"sqlite:///{db}",
        "table": "users",
        "id_column": "username",
        "hash_column": "password_hash",
        "changed_column": "changed_at",
    }
    fields.update(overrides)
    return CredentialStore(**fields)  # type: ignore[arg-type]


def file_store(
    path: Path, kind: Literal["shadow", "htpasswd"], store_id: str, line: int = 20
) -> CredentialStore:
    return CredentialStore(
        id=store_id, kind=kind, location=Location("estate.yaml", line), path=path
    )


def estate(
    stores: tuple[CredentialStore, ...] = (),
    hosts: tuple[Host, ...] | None = None,
    *,
    incident: bool = True,
) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation(
            "Example Credit Union",
            Incident(discovered=date(2026, 10, 2), contained=date(2026, 10, 5))
            if incident
            else None,
        ),
        credential_stores=stores or None,
        hosts=hosts,
    )
