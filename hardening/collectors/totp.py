"""Read TOTP seed stores (SQL tables, CSV exports) into `TotpStoreScan` facets.

Each seed is read on the spot as base32 (accepting the lower-case, unpadded and
space-separated forms authenticator apps and libraries write), reduced to its
length in bits, its validity and a keyed `group_key` for spotting seeds enrolled on several
accounts, and dropped. Validity and length are what `base64.b32decode` would find, worked out
from the seed's alphabet and length without decoding it (`decoded_bits`). No seed, and no part
of one, is kept, logged or put into a message.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from typing import Final

from hardening.bulk import gc_paused, slot_setters
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


#: A seed already in canonical form: upper-case base32 letters, optional `=` padding.
_CANONICAL_RE: Final = re.compile(r"[A-Z2-7]*=*")
#: Normalised seed (no spaces, upper case, padding stripped) made of base32 letters only.
_BASE32_RE: Final = re.compile(r"[A-Z2-7]*")
#: Unpadded lengths (mod 8) that no padding makes valid: RFC 4648 pads to 0, 1, 3, 4 or 6 `=`.
_BAD_TAIL_LENGTHS: Final = frozenset({1, 3, 6})


def decoded_bits(normal: str) -> int | None:
    """Decoded length in bits of a normalised seed, or None when it is not valid base32.

    What `base64.b32decode` (after re-padding) accepts, without decoding: only base32
    letters, a length that padding can complete, and at least one byte. Every 8 characters
    make 5 bytes and a partial group of 2, 4, 5 or 7 makes 1, 2, 3 or 4: 5 bits a character,
    rounded down to whole bytes.
    """
    n = len(normal)
    if not n or n % 8 in _BAD_TAIL_LENGTHS or _BASE32_RE.fullmatch(normal) is None:
        return None
    return 5 * n // 8 * 8


#: `object.__new__`, typed for the class: a record with no slot set yet.
_new_totp: Final = TotpRecord.__new__
_set_account_id, _set_row, _set_valid, _set_bits, _set_group_key = slot_setters(
    TotpRecord, ("account_id", "row", "valid_base32", "bits", "group_key")
)


def _valid_record(account_id: str, row: int, bits: int, key: bytes) -> TotpRecord:
    """`TotpRecord(account_id, row, True, bits, key)` without the frozen dataclass `__init__`
    (see `slot_setters`)."""
    made = _new_totp(TotpRecord)
    _set_account_id(made, account_id)
    _set_row(made, row)
    _set_valid(made, True)
    _set_bits(made, bits)
    _set_group_key(made, key)
    return made


def record(account_id: str, row: int, secret: str) -> TotpRecord:
    """The non-secret facts of one seed."""
    # Decoded here, not by pyotp: pyotp refuses seeds under 112 bits, which are exactly the
    # ones an auditor must measure.
    if _CANONICAL_RE.fullmatch(secret) is not None:
        normal = secret.rstrip("=")  # what `_normalise` makes of it, without the copies
    else:
        normal = _normalise(secret)
    bits = decoded_bits(normal)
    if bits is None:
        return TotpRecord(account_id, row, valid_base32=False, bits=None)
    return _valid_record(account_id, row, bits, group_key(normal))


def _rows_to_scan(
    store: TotpStore, rows: Iterable[tuple[int, object, object]], problems: list[str]
) -> TotpStoreScan:
    records: list[TotpRecord] = []
    append = records.append
    for number, account, secret in rows:
        account_id = account if type(account) is str else "" if account is None else str(account)
        if not account_id or account_id.isspace():
            problems.append(f"row {number}: no account id")
            continue
        if type(secret) is str:
            text = secret
        elif isinstance(secret, str | bytes):
            text = secret.decode("ascii", "replace") if isinstance(secret, bytes) else secret
        else:
            problems.append(f"row {number}: no secret stored")
            continue
        append(record(account_id, number, text))
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
            with gc_paused():
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
