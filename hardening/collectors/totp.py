"""Read TOTP seed stores (SQL tables, CSV exports) into `TotpStoreScan` facets.

Each seed is decoded on the spot as base32 (accepting the lower-case, unpadded and
space-separated forms authenticator apps and libraries write), reduced to its
length in bits, its validity and a keyed `group_key` for spotting seeds enrolled on several
accounts, and dropped. No seed, and no part of one, is kept, logged or put into a message.
"""

from __future__ import annotations

import base64
import binascii
import csv
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from typing import Final

from hardening.collectors.credentials import group_key
from hardening.collectors.sqlsource import (
    IDENT_RE,
    POSTGRES_SCHEMES,
    StoreReadError,
    dsn_engine,
    open_readonly,
    select,
    sqlite_path,
    valid_table,
)
from hardening.estate import TotpStore
from hardening.facets import TotpRecord, TotpStoreScan

_BATCH: Final = 1000


def scan_totp_store(store: TotpStore) -> TotpStoreScan:
    """Read one TOTP store; raise `StoreReadError` when it cannot be opened at all."""
    if store.kind == "csv":
        return _scan_csv(store)
    return _scan_sql(store)


def _normalise(secret: str) -> str:
    return "".join(secret.split()).upper().rstrip("=")


def record(account_id: str, row: int, secret: str) -> TotpRecord:
    """The non-secret facts of one seed."""
    normal = _normalise(secret)
    try:
        # Decoded here, not by pyotp: pyotp refuses seeds under 112 bits, which are exactly
        # the ones an auditor must measure.
        decoded = base64.b32decode(normal + "=" * (-len(normal) % 8)) if normal else b""
    except (binascii.Error, ValueError):
        return TotpRecord(account_id, row, valid_base32=False, bits=None)
    if not decoded:
        return TotpRecord(account_id, row, valid_base32=False, bits=None)
    return TotpRecord(account_id, row, True, len(decoded) * 8, group_key(normal))


def _rows_to_scan(
    store: TotpStore, rows: Iterable[tuple[int, object, object]], problems: list[str]
) -> TotpStoreScan:
    records: list[TotpRecord] = []
    for number, account, secret in rows:
        if account is None or str(account).strip() == "":
            problems.append(f"row {number}: no account id")
            continue
        if secret is None or not isinstance(secret, str | bytes):
            problems.append(f"row {number}: no secret stored")
            continue
        text = secret.decode("ascii", "replace") if isinstance(secret, bytes) else secret
        records.append(record(str(account), number, text))
    return TotpStoreScan(store.id, tuple(records), tuple(problems))


def _scan_csv(store: TotpStore) -> TotpStoreScan:
    problems: list[str] = []
    if store.path is None or not store.id_column or not store.secret_column:
        return TotpStoreScan(
            store.id, (), (f"store {store.id}: needs path, id_column and secret_column",)
        )
    try:
        fh = store.path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise StoreReadError(
            f"store {store.id!r}: cannot open the file ({type(exc).__name__})"
        ) from None
    with fh:
        try:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            for column in (store.id_column, store.secret_column):
                if column not in header:
                    raise StoreReadError(f"store {store.id!r}: column {column!r} not found")
            id_col, secret_col = store.id_column, store.secret_column
            rows = ((reader.line_num, row.get(id_col), row.get(secret_col)) for row in reader)
            return _rows_to_scan(store, rows, problems)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(f"store {store.id}: reading stopped ({type(exc).__name__})")
            return TotpStoreScan(store.id, (), tuple(problems))


def _scan_sql(store: TotpStore) -> TotpStoreScan:
    if store.dsn and dsn_engine(store.dsn) in POSTGRES_SCHEMES:
        from hardening.collectors.postgres import scan_totp

        return scan_totp(store)
    if not store.dsn or dsn_engine(store.dsn) != "sqlite":
        why = "only SQLite and PostgreSQL TOTP stores can be read"
        return TotpStoreScan(store.id, (), (f"store {store.id}: {why}",))
    path = sqlite_path(store.dsn, store.location.file)
    table, id_col, secret_col = store.table, store.id_column, store.secret_column
    if path is None or not table or not id_col or not secret_col:
        why = "needs a sqlite DSN with a file, table, id_column and secret_column"
        return TotpStoreScan(store.id, (), (f"store {store.id}: {why}",))
    if not valid_table(table) or not (
        IDENT_RE.fullmatch(id_col) and IDENT_RE.fullmatch(secret_col)
    ):
        return TotpStoreScan(
            store.id, (), (f"store {store.id}: names are not plain SQL identifiers",)
        )
    problems: list[str] = []
    with closing(open_readonly(store.id, path)) as conn:
        cursor = select(store.id, conn, table, (id_col, secret_col))
        try:
            return _rows_to_scan(store, _numbered(cursor), problems)
        except sqlite3.Error as exc:
            problems.append(f"store {store.id}: reading stopped ({type(exc).__name__})")
            return TotpStoreScan(store.id, (), tuple(problems))


def _numbered(cursor: sqlite3.Cursor) -> Iterator[tuple[int, object, object]]:
    number = 0
    while batch := cursor.fetchmany(_BATCH):
        for account, secret in batch:
            number += 1
            yield number, account, secret
