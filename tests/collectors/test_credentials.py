"""Credential store collectors on real formats: shadow, htpasswd and SQLite tables."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import credential_build as build
import pytest
from passlib import hash as ph  # type: ignore[import-untyped]

from hardening.collectors.credentials import (
    CredentialStoreError,
    read_records,
    row_problem_numbers,
    scan_credential_store,
    store_problems,
)
from hardening.collectors.tally import value_key
from hardening.estate import CredentialStore, Location
from hardening.facets import CredentialRecord


def _by_account(store: CredentialStore) -> dict[str, CredentialRecord]:
    records, _ = read_records(store)
    return {r.account_id: r for r in records}


def _assert_no_secret(*objects: object) -> None:
    text = "\n".join(repr(o) for o in objects)
    for secret in build.secrets_written():
        assert secret not in text


# --- shadow ------------------------------------------------------------------------------------


def test_shadow_schemes_locks_empties_and_dates(tmp_path: Path) -> None:
    store = build.file_store(build.write_shadow(tmp_path / "etc" / "shadow"), "shadow", "bastion")
    scan = scan_credential_store(store)
    recs = _by_account(store)

    assert scan.store_id == "bastion" and scan.kind == "shadow"
    assert scan.accounts == len(recs) == 16
    assert recs["root"].scheme == "yescrypt"
    assert recs["daemon"].scheme == "locked" and recs["sshd"].scheme == "locked"
    assert recs["alice"].scheme == "sha512_crypt" and recs["alice"].params["rounds"] == 656000
    assert recs["bob"].scheme == "md5_crypt"
    # "!" in front of a real hash: locked, but the hash behind the lock is noted.
    assert recs["carol"].scheme == "locked"
    assert recs["carol"].params == {"locked_scheme": "md5_crypt"}
    assert recs["guest"].scheme == "empty"  # passwordless login
    assert recs["frank"].scheme == "plaintext"  # `usermod -p password` mistake
    assert recs["dave"].scheme == "des_crypt"
    # lastchg is days since 1970-01-01; 0 means "must change at next login".
    assert recs["alice"].changed == date(2025, 9, 19)
    assert recs["dave"].changed is None and recs["dave"].params["must_change"] == 1
    assert recs["svc-backup"].changed == date(2026, 10, 10)
    # rows are 1-based line numbers
    assert recs["root"].row == 1 and recs["alice"].row == 5


def test_shadow_group_keys(tmp_path: Path) -> None:
    recs = _by_account(
        build.file_store(build.write_shadow(tmp_path / "shadow"), "shadow", "bastion")
    )
    assert recs["svc-backup"].group_key == recs["svc-deploy"].group_key is not None
    assert recs["alice"].group_key != recs["svc-backup"].group_key
    assert recs["guest"].group_key is None and recs["daemon"].group_key is None


def test_shadow_problems_name_rows_not_content(tmp_path: Path) -> None:
    scan = scan_credential_store(
        build.file_store(build.write_shadow(tmp_path / "shadow"), "shadow", "bastion")
    )
    assert row_problem_numbers(scan) == [14, 15, 16]
    assert store_problems(scan) == []
    assert any(p.startswith("row 14: expected 9") for p in scan.problems)
    assert any(p.startswith("row 15: last-change field") for p in scan.problems)
    assert any(p.startswith("row 16: not valid UTF-8") for p in scan.problems)
    # The row with a bad byte in the user name is still read: its hash is still judged.
    records, problems = read_records(
        build.file_store(build.write_shadow(tmp_path / "shadow"), "shadow", "bastion")
    )
    assert any(r.row == 16 and r.scheme == "bcrypt" for r in records)
    assert problems == list(scan.problems)
    _assert_no_secret(scan, records)


def test_shadow_missing_file_raises_without_the_path(tmp_path: Path) -> None:
    secret_dir = tmp_path / "s3cr3t-dir"
    store = build.file_store(secret_dir / "shadow", "shadow", "bastion")
    with pytest.raises(CredentialStoreError) as err:
        scan_credential_store(store)
    assert "bastion" in str(err.value)
    assert "FileNotFoundError" in str(err.value)
    assert "s3cr3t" not in str(err.value)
    assert err.value.__suppress_context__


# --- htpasswd ----------------------------------------------------------------------------------


def test_htpasswd_formats_comments_and_bad_line(tmp_path: Path) -> None:
    store = build.file_store(build.write_htpasswd(tmp_path / ".htpasswd"), "htpasswd", "intranet")
    scan = scan_credential_store(store)
    recs = _by_account(store)
    assert {k: v.scheme for k, v in recs.items()} == {
        "alice": "apr_md5_crypt",
        "bob": "ldap_sha1",
        "carol": "bcrypt",
        "dave": "des_crypt",
        "erin": "plaintext",
        "frank": "bcrypt",
    }
    assert recs["carol"].params["ident"] == "2y"
    assert recs["bob"].salted is False
    assert scan.problems == ("row 8: no ':' between user name and password",)
    _assert_no_secret(scan, recs)


def test_htpasswd_password_ends_at_next_colon(tmp_path: Path) -> None:
    bcrypt = ph.bcrypt.using(rounds=10).hash("x")
    path = tmp_path / "htpasswd"
    path.write_text(f"alice:{bcrypt}:extra field\n", encoding="utf-8")
    scan = scan_credential_store(build.file_store(path, "htpasswd", "h"))
    assert [(k.scheme, k.count, k.sample) for k in scan.kinds] == [("bcrypt", 1, ((1, "alice"),))]


# --- SQLite ------------------------------------------------------------------------------------


def test_sqlite_table_mixed_schemes_and_dates(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    scan = scan_credential_store(build.sql_store(db))
    recs = _by_account(build.sql_store(db))

    assert recs["ada"].scheme == "argon2" and recs["ada"].params["memory_kib"] == 65536
    assert recs["cleo"].params["memory_kib"] == 4096
    assert recs["dan"].params["rounds"] == 12 and recs["eve"].params["rounds"] == 8
    assert recs["fay"].scheme == "pbkdf2_sha256" and recs["fay"].params["rounds"] == 29000
    assert recs["gus"].scheme == "hex_md5" and recs["gus"].group_key == recs["hal"].group_key
    assert recs["ivy"].scheme == "plaintext"
    assert recs["jon"].scheme == "empty" and recs["jon"].group_key is None
    assert recs["kim"].params["format"] == "django"
    assert recs["max"].scheme == "hex_md5"  # raw BINARY(16) digest read as hex
    assert recs["ned"].scheme == "yescrypt"

    assert recs["ada"].changed == date(2026, 10, 10)
    assert recs["ben"].changed == date(2026, 10, 11)
    assert recs["cleo"].changed == date(2026, 1, 2)
    assert recs["dan"].changed == date(2026, 1, 1)  # epoch seconds
    assert recs["eve"].changed == date(2025, 1, 1)  # epoch milliseconds
    assert recs["gus"].changed is None
    assert recs["lea"].changed is None and recs["lea"].scheme == "argon2"

    assert scan.problems == (
        "row 12: changed column is not a date or epoch timestamp",
        "row 13: account id is empty",
    )
    assert scan.accounts == len(recs) == 14
    _assert_no_secret(scan, recs)


def test_sqlite_streams_large_tables_in_batches(tmp_path: Path) -> None:
    h = build.hashes()
    rows = [(f"u{i:05d}", h["md5_crypt"] if i % 4 == 0 else h["bcrypt12"], i) for i in range(5000)]
    db = build.write_sqlite(tmp_path / "big.db", rows)
    scan = scan_credential_store(build.sql_store(db))
    assert scan.accounts == 5000
    assert scan.count("md5_crypt") == 1250 and scan.count("bcrypt") == 3750
    records, _ = read_records(build.sql_store(db))
    assert [r.row for r in records[998:1002]] == [999, 1000, 1001, 1002]


def test_sqlite_is_opened_read_only(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    before = db.read_bytes()
    scan_credential_store(build.sql_store(db))
    assert db.read_bytes() == before
    assert not (tmp_path / "users.db-journal").exists()


def test_sqlite_schema_qualified_table_and_no_changed_column(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    scan = scan_credential_store(build.sql_store(db, table="main.users", changed_column=None))
    assert scan.accounts == 14
    assert scan.changes == () and scan.undated == 13  # every account but the empty one
    assert scan.problems == ("row 13: account id is empty",)


def test_sqlite_relative_dsn_resolves_against_the_estate_file(tmp_path: Path) -> None:
    build.write_sqlite(tmp_path / "data" / "users.db")
    store = build.sql_store(
        Path("data/users.db"), location=Location(str(tmp_path / "estate.yaml"), 3)
    )
    assert scan_credential_store(store).accounts == 14


def test_sqlite_dsn_with_driver_and_query(tmp_path: Path) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    store = build.sql_store(db, dsn=f"sqlite+pysqlite:///{db}?timeout=5")
    assert scan_credential_store(store).accounts == 14
    for dsn in ("sqlite://", "sqlite:///:memory:", "sqlite://host/x.db"):
        scan = scan_credential_store(build.sql_store(db, dsn=dsn))
        assert scan.problems == (
            "store web-users: the sqlite DSN names no database file (sqlite:////path.db)",
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("table", 'users"; DROP TABLE users; --', "table name is not a plain SQL identifier"),
        ("table", "users u", "table name is not a plain SQL identifier"),
        ("hash_column", "password_hash)", "hash_column is not a plain SQL identifier"),
        ("id_column", None, "no id_column declared"),
        ("table", None, "no table declared"),
    ],
)
def test_sqlite_unsafe_or_missing_identifiers_are_rejected(
    tmp_path: Path, field: str, value: str | None, message: str
) -> None:
    db = build.write_sqlite(tmp_path / "users.db")
    scan = scan_credential_store(build.sql_store(db, **{field: value}))
    assert scan.accounts == 0 and scan.kinds == ()
    assert scan.problems == (f"store web-users: {message}",)
    assert store_problems(scan) == list(scan.problems)
    with sqlite3.connect(db) as conn:  # nothing was dropped
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 15


def test_sqlite_misspelt_column_fails_instead_of_reading_a_literal(tmp_path: Path) -> None:
    # SQLite would read "pasword_hash" as the string literal 'pasword_hash' for every row.
    db = build.write_sqlite(tmp_path / "users.db")
    with pytest.raises(CredentialStoreError, match="column 'pasword_hash' not found"):
        scan_credential_store(build.sql_store(db, hash_column="pasword_hash"))
    with pytest.raises(CredentialStoreError, match="table not found"):
        scan_credential_store(build.sql_store(db, table="accounts"))


def test_sqlite_missing_database_raises_without_the_dsn(tmp_path: Path) -> None:
    store = build.sql_store(tmp_path / "n0-such-db.sqlite")
    with pytest.raises(CredentialStoreError) as err:
        scan_credential_store(store)
    assert "web-users" in str(err.value)
    assert "n0-such" not in str(err.value)


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "users.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CredentialStoreError, match="web-users"):
        scan_credential_store(build.sql_store(db))


def test_unsupported_engine_is_a_problem_that_never_shows_the_dsn() -> None:
    dsn = f"mysql://auditor:{build.CANARY}@db.internal:3306/app"
    scan = scan_credential_store(build.sql_store(Path("x"), store_id="my-users", dsn=dsn))
    assert scan.accounts == 0
    assert "not supported" in scan.problems[0]
    assert build.CANARY not in repr(scan) and "db.internal" not in repr(scan)


def test_value_key_is_stable_within_the_process() -> None:
    value = ph.hex_md5.hash("password")
    assert value_key(value) == value_key(f" {value}\n")
    assert value_key(value) != value_key(value.upper())


def test_repeated_date_texts_parse_once_and_bad_ones_keep_failing() -> None:
    from hardening.collectors.credentials import _changed_date

    first = _changed_date("2024-02-29")
    assert first == date(2024, 2, 29)
    assert _changed_date("2024-02-29") is first  # one shared date per distinct text
    assert _changed_date("  ") is None
    assert _changed_date("1700000000") == date(2023, 11, 14)
    for _ in range(2):  # a failure is not cached as a date
        with pytest.raises(ValueError):
            _changed_date("2024-02-30")
