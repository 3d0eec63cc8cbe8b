"""PostgreSQL credential and TOTP stores against a real server on 127.0.0.1 (`postgres_server`
from conftest): streamed, read-only, names checked; no DSN, hash or seed ever leaves."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from passlib import hash as ph  # type: ignore[import-untyped]

import hardening.checks.auth.password_hash_unsalted as unsalted
import hardening.checks.auth.password_hash_weak as weak
import hardening.checks.auth.password_stored_plaintext as plaintext
import hardening.checks.auth.totp_secret_invalid as totp_invalid
import hardening.checks.auth.totp_secret_shared as totp_shared
import hardening.checks.auth.totp_secret_too_short as totp_short
from hardening.collectors import build_context
from hardening.collectors.credentials import (
    CredentialStoreError,
    read_records,
    scan_credential_store,
)
from hardening.collectors.postgres import EXTRA_MISSING, libpq_dsn
from hardening.collectors.totp import scan_totp_store
from hardening.estate import CredentialStore, Estate, Location, Organisation, TotpStore
from hardening.model import Status
from hardening.registry import from_modules
from hardening.reports.json import render_json
from hardening.reports.terminal import render_terminal
from hardening.runner import RunOptions, run_checks

DB = "pgstores_app"
ROLE = "pgstores_auditor"
#: The auditor's password, planted in every DSN: it must never appear in any output.
CANARY_PW = "Pg-Canary-Pw-5e7d1!"
CANARY_PLAIN = "Canary-Plain-8813"
SEED_A = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits, enrolled on two accounts
SEED_SHORT = "GEZDGNBVGY3TQOJQ"  # 80 bits
SEED_BAD = "not-base32-1889!"
BULK = 2_500  # more than two fetch batches


def _hashes() -> dict[str, str]:
    return {
        "alice": ph.bcrypt.using(rounds=12).hash("alice-" + CANARY_PLAIN),
        "bob": ph.md5_crypt.hash("bob-" + CANARY_PLAIN),
        "carol": ph.pbkdf2_sha256.using(rounds=29_000).hash("carol-" + CANARY_PLAIN),
        "dave": hashlib.md5(b"dave-secret").hexdigest(),
        "erin": CANARY_PLAIN,
    }


HASHES = _hashes()


def _secrets() -> list[str]:
    return [CANARY_PW, CANARY_PLAIN, SEED_A, SEED_SHORT, SEED_BAD, *HASHES.values()]


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[Any]:
    """A database with a users table, a TOTP table and a read-only auditor role."""
    server = postgres_server
    server.psql(f"DROP DATABASE IF EXISTS {DB}; DROP ROLE IF EXISTS {ROLE};")
    server.psql(f"CREATE ROLE {ROLE} LOGIN PASSWORD {_q(CANARY_PW)}; CREATE DATABASE {DB};")
    rows = [
        f"({_q(u)}, {_q(h)}, TIMESTAMPTZ '2026-10-0{i + 1} 23:30:00+00')"
        for i, (u, h) in enumerate(HASHES.items())
    ]
    server.psql(
        f"""
        CREATE SCHEMA auth;
        CREATE TABLE auth.users (username text, password_hash text, changed_at timestamptz);
        INSERT INTO auth.users VALUES {", ".join(rows)};
        INSERT INTO auth.users VALUES ('frank', NULL, NULL), (NULL, 'x', NULL);
        CREATE TABLE bulk (name text, hash text, changed date);
        INSERT INTO bulk SELECT 'user' || g,
            '$2b$10$' || substr(md5(g::text) || md5((g + 1)::text), 1, 53), DATE '2026-11-01'
            FROM generate_series(1, {BULK}) AS g;
        CREATE TABLE raw (name text, digest bytea);
        INSERT INTO raw VALUES ('gina', decode(md5('gina'), 'hex'));
        CREATE TABLE otp (username text, secret text);
        INSERT INTO otp VALUES ('alice', {_q(SEED_A)}), ('bob', {_q(SEED_A.lower())}),
            ('carol', {_q(SEED_SHORT)}), ('dave', {_q(SEED_BAD)}), ('erin', NULL);
        CREATE TABLE audit_log (n int);
        CREATE FUNCTION leaky() RETURNS text LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO audit_log VALUES (1); RETURN 'x'; END $$;
        CREATE VIEW writes_on_read AS SELECT username, leaky() AS password_hash FROM auth.users;
        GRANT USAGE ON SCHEMA auth TO {ROLE};
        GRANT SELECT ON ALL TABLES IN SCHEMA auth, public TO {ROLE};
        REVOKE SELECT ON audit_log FROM {ROLE};
        GRANT INSERT ON audit_log TO {ROLE};
        """,
        dbname=DB,
    )
    yield server
    server.psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE); DROP ROLE IF EXISTS {ROLE};")


def _dsn(pg: Any, password: str = CANARY_PW, **kw: str) -> str:
    return str(pg.dsn(kw.get("db", DB), kw.get("user", ROLE), password))


def _cred(dsn: str, table: str = "auth.users", **fields: Any) -> CredentialStore:
    base: dict[str, Any] = {
        "id": "pg-users",
        "kind": "sql",
        "location": Location("estate.yaml", 12),
        "dsn": dsn,
        "table": table,
        "id_column": "username",
        "hash_column": "password_hash",
        "changed_column": "changed_at",
    }
    base.update(fields)
    return CredentialStore(**base)


def _totp(dsn: str, **fields: Any) -> TotpStore:
    base: dict[str, Any] = {
        "id": "pg-totp",
        "kind": "sql",
        "location": Location("estate.yaml", 20),
        "dsn": dsn,
        "table": "otp",
        "id_column": "username",
        "secret_column": "secret",
    }
    base.update(fields)
    return TotpStore(**base)


def _no_secret(*objects: object) -> None:
    text = "\n".join(o if isinstance(o, str) else repr(o) for o in objects)
    for secret in _secrets():
        assert secret not in text


# --- credential stores ---------------------------------------------------------------------------


def test_credential_table_is_read_through_the_shared_classifier(pg: Any) -> None:
    scan = scan_credential_store(_cred(_dsn(pg)))
    records, problems = read_records(_cred(_dsn(pg)))
    recs = {r.account_id: r for r in records}
    assert scan.store_id == "pg-users" and scan.kind == "sql"
    assert scan.accounts == len(recs) == 6
    assert recs["alice"].scheme == "bcrypt" and recs["alice"].params["rounds"] == 12
    assert recs["bob"].scheme == "md5_crypt"
    assert recs["carol"].scheme == "pbkdf2_sha256" and recs["carol"].params["rounds"] == 29_000
    assert recs["dave"].scheme == "hex_md5" and recs["dave"].salted is False
    assert recs["erin"].scheme == "plaintext"
    assert recs["frank"].scheme == "empty"
    # timestamptz values become UTC dates.
    assert recs["alice"].changed == date(2026, 10, 1)
    assert recs["frank"].changed is None
    # The row without a username is a problem naming its number only.
    assert scan.problems == ("row 7: account id is empty",) and problems == list(scan.problems)
    _no_secret(scan, records)


def test_large_table_streams_in_batches(pg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    fetched: list[int] = []
    real = psycopg.ServerCursor.fetchmany

    def spy(self: Any, size: int = 0) -> Any:
        rows = real(self, size)
        fetched.append(len(rows))
        return rows

    monkeypatch.setattr(psycopg.ServerCursor, "fetchmany", spy)
    store = _cred(_dsn(pg), "bulk", id_column="name", hash_column="hash", changed_column="changed")
    scan = scan_credential_store(store)
    assert scan.accounts == BULK and scan.problems == ()
    assert [(k.scheme, k.count) for k in scan.kinds] == [("bcrypt", BULK)]
    assert [(d.day, d.count) for d in scan.changes] == [(date(2026, 11, 1), BULK)]
    # A server-side cursor, 1,000 rows at a time.
    assert fetched == [1000, 1000, 500, 0]


def test_raw_digest_and_folded_names(pg: Any) -> None:
    store = _cred(_dsn(pg), "RAW", id_column="NAME", hash_column="Digest", changed_column=None)
    records, _ = read_records(store)
    assert [(r.account_id, r.scheme) for r in records] == [("gina", "hex_md5")]


def test_dsn_options_are_kept_beside_read_only(pg: Any) -> None:
    # The DSN's own search_path finds the unqualified table in schema `auth`.
    dsn = _dsn(pg) + "?options=-csearch_path%3Dauth"
    scan = scan_credential_store(_cred(dsn, "users"))
    assert scan.accounts == 6


def test_connection_is_read_only(pg: Any) -> None:
    store = _cred(_dsn(pg), "writes_on_read", changed_column=None)
    try:
        scan = scan_credential_store(store)
        text = repr(scan)
    except CredentialStoreError as exc:
        text = str(exc)
    assert "ReadOnlySqlTransaction" in text
    assert pg.psql("SELECT count(*) FROM audit_log", dbname=DB).strip() == "0"


@pytest.mark.parametrize(
    ("store_args", "dsn_args", "message"),
    [
        (
            {},
            {"password": "wrong-" + CANARY_PW},
            "cannot connect to the database (OperationalError)",
        ),
        ({}, {"db": "no_such_db_pgstores"}, "cannot connect to the database (OperationalError)"),
        ({"table": "missing_table"}, {}, "table not found"),
        ({"hash_column": "passwd"}, {}, "column 'passwd' not found"),
        (
            {"table": "audit_log", "id_column": "n", "hash_column": "n", "changed_column": None},
            {},
            "(InsufficientPrivilege)",
        ),
    ],
)
def test_errors_name_the_store_and_exception_type_only(
    pg: Any,
    caplog: pytest.LogCaptureFixture,
    store_args: dict[str, Any],
    dsn_args: dict[str, str],
    message: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    dsn = _dsn(pg, **dsn_args)
    with pytest.raises(CredentialStoreError) as err:
        scan_credential_store(_cred(dsn, **store_args))
    text = str(err.value)
    assert text.startswith("store 'pg-users': ") and message in text
    assert "\n" not in text
    # Neither the DSN nor anything psycopg said about it: user, database, port.
    for leak in (CANARY_PW, ROLE, DB, "no_such_db", str(pg.port), "wrong-"):
        assert leak not in text
        assert leak not in caplog.text
    # No chained psycopg error rides along into a logged traceback.
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__


def test_unreachable_server_is_an_error_for_that_store_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    dsn = f"postgresql+psycopg://{ROLE}:{CANARY_PW}@127.0.0.1:1/{DB}"
    estate = Estate(
        path=__import__("pathlib").Path("estate.yaml"),
        organisation=Organisation("Example Credit Union"),
        credential_stores=(_cred(dsn),),
    )
    ctx = build_context(estate, {"credential_stores"}, date(2026, 11, 25))
    (scan,) = ctx.credential_scans or ()
    assert scan.unreadable == "store 'pg-users': cannot connect to the database (OperationalError)"
    _no_secret(scan, caplog.text)
    assert ROLE not in caplog.text


def test_driver_suffix_is_dropped_for_libpq() -> None:
    assert libpq_dsn("postgresql+psycopg://u:p@h:5/d?sslmode=require") == (
        "postgresql://u:p@h:5/d?sslmode=require"
    )
    assert libpq_dsn("postgres://u@h/d") == "postgres://u@h/d"


def test_without_psycopg_the_store_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg → ImportError
    dsn = f"postgresql://{ROLE}:{CANARY_PW}@127.0.0.1:1/{DB}"
    scan = scan_credential_store(_cred(dsn))
    assert scan.accounts == 0
    assert scan.problems == (f"store pg-users: {EXTRA_MISSING}",)
    assert EXTRA_MISSING == "needs the [postgres] extra: pip install 'hardening[postgres]'"
    totp = scan_totp_store(_totp(dsn))
    assert totp.problems == (f"store pg-totp: {EXTRA_MISSING}",)
    _no_secret(scan, totp)


def test_unsafe_identifiers_are_refused_before_connecting() -> None:
    dsn = f"postgresql://{ROLE}:{CANARY_PW}@127.0.0.1:1/{DB}"
    scan = scan_credential_store(_cred(dsn, table='users"; DROP TABLE users; --'))
    assert scan.problems == ("store pg-users: table name is not a plain SQL identifier",)
    totp = scan_totp_store(_totp(dsn, secret_column="secret, pg_sleep(10)"))
    assert totp.problems == ("store pg-totp: names are not plain SQL identifiers",)


# --- TOTP stores -----------------------------------------------------------------------------


def test_totp_table_is_reduced_to_facts(pg: Any) -> None:
    scan = scan_totp_store(_totp(_dsn(pg)))
    assert (scan.seeds, scan.invalid, scan.invalid_sample) == (4, 1, ("dave",))
    assert [(length.bits, length.count, length.sample) for length in scan.lengths] == [
        (80, 1, ((3, "carol"),)),
        (160, 2, ((1, "alice"), (2, "bob"))),
    ]
    # alice and bob hold one seed, written in other cases.
    assert (scan.shared_seeds, scan.sharing_accounts, scan.sharing_sample) == (
        1,
        2,
        ("alice", "bob"),
    )
    assert scan.problems == ("row 5: no secret stored",)
    _no_secret(scan)


def test_totp_table_of_many_batches(pg: Any) -> None:
    # 25,000 rows, fetched 1,000 at a time: bad rows in the middle are named by number, the
    # other rows counted, and a seed enrolled in different batches found.
    pg.psql(
        f"""
        CREATE TABLE otp_bulk AS
            SELECT g, CASE WHEN g = 12345 THEN NULL ELSE 'user' || g END AS username,
                CASE WHEN g IN (3, 15000, 25000) THEN {_q(SEED_A)}
                    WHEN g = 10000 THEN NULL
                    ELSE upper(translate(md5(g::text), '0189', 'wxyz')) END AS secret
            FROM generate_series(1, 25000) AS g ORDER BY g;
        GRANT SELECT ON otp_bulk TO {ROLE};
        """,
        dbname=DB,
    )
    scan = scan_totp_store(_totp(_dsn(pg), table="otp_bulk"))
    assert scan.problems == ("row 10000: no secret stored", "row 12345: no account id")
    assert (scan.seeds, scan.invalid) == (24_998, 0)
    assert [(length.bits, length.count) for length in scan.lengths] == [(160, 24_998)]
    assert (scan.shared_seeds, scan.sharing_accounts, scan.sharing_sample) == (
        1,
        3,
        ("user15000", "user25000", "user3"),
    )
    _no_secret(scan)


def test_totp_errors_never_show_the_dsn(pg: Any) -> None:
    with pytest.raises(CredentialStoreError) as err:
        scan_totp_store(_totp(_dsn(pg, password="nope-" + CANARY_PW)))
    assert str(err.value) == "store 'pg-totp': cannot connect to the database (OperationalError)"


# --- through the engine ----------------------------------------------------------------------

_MODULES = [weak, unsalted, plaintext, totp_invalid, totp_shared, totp_short]


def _pg_estate(dsn: str) -> Estate:
    """An estate with the PostgreSQL credential table and TOTP table of the fixture."""
    return Estate(
        path=__import__("pathlib").Path("estate.yaml"),
        organisation=Organisation("Example Credit Union"),
        credential_stores=(_cred(dsn),),
        totp_stores=(_totp(dsn),),
    )


def test_engine_over_postgres_stores_leaks_nothing(
    pg: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    estate = _pg_estate(_dsn(pg))
    run = run_checks(estate, from_modules(_MODULES), RunOptions(today=date(2026, 11, 25)))
    got = {(f.check_id, f.resource.id): f.status for f in run.findings}
    assert got[("auth.password_hash_weak", "pg-users")] is Status.FAIL
    assert got[("auth.password_hash_unsalted", "pg-users")] is Status.FAIL
    assert got[("auth.password_stored_plaintext", "pg-users")] is Status.FAIL
    assert Status.FAIL in {s for (c, _), s in got.items() if c == "auth.totp_secret_shared"}
    assert Status.FAIL in {s for (c, _), s in got.items() if c == "auth.totp_secret_invalid"}
    report = render_json(run)
    json.loads(report)
    _no_secret(report, render_terminal(run), caplog.text, repr(run))
    assert ROLE not in report


def test_postgres_stores_read_in_a_worker_give_the_same_findings(
    pg: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardening.collectors import prefetch

    monkeypatch.setattr(prefetch, "_threaded", lambda: False)  # as in the CLI
    caplog.set_level(logging.DEBUG)
    estate = _pg_estate(_dsn(pg))
    options = RunOptions(today=date(2026, 11, 25))
    here = run_checks(estate, from_modules(_MODULES), options)
    facets = {"credential_stores", "totp_stores"}
    with prefetch.Prefetch(2, facets) as workers:
        workers.start(estate.credential_stores or (), estate.totp_stores or ())
        assert workers.pending  # PostgreSQL stores are always worth a worker
        there = run_checks(estate, from_modules(_MODULES), options, prefetch=workers)
    assert "reading 2 store(s) in 1 worker process(es)" in caplog.text
    assert [(f.check_id, f.status, f.resource, f.detail, f.evidence) for f in there.findings] == [
        (f.check_id, f.status, f.resource, f.detail, f.evidence) for f in here.findings
    ]
    _no_secret(render_json(there), caplog.text)
