"""Read credential and TOTP stores held in PostgreSQL tables (the `[postgres]` extra, psycopg 3).

A `sql` store whose DSN is `postgresql://` / `postgres://` (a SQLAlchemy-style driver suffix,
`postgresql+psycopg://`, is accepted and dropped) is read here; `credentials` and `totp`
dispatch to this module and reduce every row exactly as they do for SQLite.

Access
    One connection per store, `connect_timeout` 5 s, in a read-only transaction
    (`conn.read_only`, i.e. `BEGIN READ ONLY`, with `default_transaction_read_only` also set for
    the session). Rows are streamed through a server-side (named) cursor, 1,000 at a time: the
    table never sits in memory, on the server or here. Table and column names from the estate
    must be plain identifiers (`sqlsource.IDENT_RE`, `schema.table` allowed) and are composed
    with `psycopg.sql.Identifier`; they are looked up first so that a typo is reported as
    "column 'x' not found". A name that is not found as written is also tried lower-cased,
    the way PostgreSQL folds unquoted names.

Secrets
    The DSN holds a password, and psycopg's messages echo host, user and database: no
    psycopg message is ever passed on. Errors name the store id and the exception type only
    (`store 'x': cannot connect to the database (OperationalError)`), raised `from None` so
    that no chained traceback carries the original message into a log.

Without psycopg
    The store becomes a scan with the store-level problem "needs the [postgres] extra: pip
    install 'hardening[postgres]'", which its checks report as skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import TYPE_CHECKING, Final

from hardening.collectors.credentials import CredentialTally, _sql_names, read_batches
from hardening.collectors.sqlsource import IDENT_RE, StoreReadError, valid_table
from hardening.collectors.totp import SeedTally, tally_batches
from hardening.estate import CredentialStore, TotpStore
from hardening.facets import TotpStoreScan

if TYPE_CHECKING:
    import psycopg

__all__ = ["EXTRA_MISSING", "read_credentials", "scan_totp"]

#: The store-level problem when psycopg is not installed.
EXTRA_MISSING: Final = "needs the [postgres] extra: pip install 'hardening[postgres]'"
_BATCH: Final = 1000
_CONNECT_TIMEOUT_S: Final = 5
_CURSOR: Final = "hardening_scan"


def read_credentials(
    store: CredentialStore, tally: CredentialTally, problems: list[str]
) -> str | None:
    """Read a PostgreSQL credential table into `tally`; why the declaration cannot be used,
    or None. Raise `StoreReadError` when the table cannot be read at all."""
    names = _sql_names(store)
    if isinstance(names, str):
        return names
    table, columns = names
    try:
        import psycopg
    except ImportError:
        return EXTRA_MISSING
    with _cursor(store.id, store.dsn or "", table, columns) as cursor:
        read_batches(
            store.id,
            partial(cursor.fetchmany, _BATCH),
            psycopg.Error,
            tally,
            problems,
            with_changed=len(columns) == 3,
        )
    return None


def scan_totp(store: TotpStore) -> TotpStoreScan:
    """Read a PostgreSQL TOTP seed table; raise `StoreReadError` when it cannot be read."""
    table, id_col, secret_col = store.table, store.id_column, store.secret_column
    if not table or not id_col or not secret_col:
        why = "needs a table, id_column and secret_column"
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {why}",))
    if not valid_table(table) or not (
        IDENT_RE.fullmatch(id_col) and IDENT_RE.fullmatch(secret_col)
    ):
        why = "names are not plain SQL identifiers"
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {why}",))
    try:
        import psycopg
    except ImportError:
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {EXTRA_MISSING}",))
    tally = SeedTally()
    with _cursor(store.id, store.dsn or "", table, (id_col, secret_col)) as cursor:
        read, failure = tally_batches(partial(cursor.fetchmany, _BATCH), psycopg.Error, tally)
    if failure is None:
        return tally.scan(store.id)
    # The rows read before the failure are judged; the store says where reading stopped.
    why = f"reading stopped after row {read} ({type(failure).__name__})"
    return tally.scan(store.id, (f"store {store.id}: {why}",))


def libpq_dsn(dsn: str) -> str:
    """The DSN as libpq reads it: `postgresql+psycopg://` → `postgresql://`."""
    scheme, sep, rest = dsn.partition("://")
    if not sep:
        return dsn
    return f"{scheme.split('+', 1)[0]}://{rest}"


@contextmanager
def _cursor(
    store_id: str, dsn: str, table: str, columns: tuple[str, ...]
) -> Iterator[psycopg.ServerCursor[tuple[object, ...]]]:
    """A server-side cursor over `SELECT columns FROM table` in a read-only transaction;
    a failure before the first row is `StoreReadError`."""
    import psycopg

    conn = _connect(store_id, dsn)
    try:
        query = _query(store_id, conn, table, columns)
        try:
            with conn.cursor(name=_CURSOR) as cursor:
                try:
                    cursor.execute(query)
                except psycopg.Error as exc:
                    raise _error(store_id, "cannot query the table", exc) from None
                yield cursor
        except psycopg.Error as exc:  # e.g. closing the cursor on a lost connection
            raise _error(store_id, "reading failed", exc) from None
    finally:
        with suppress(psycopg.Error):
            conn.rollback()  # read only: nothing to keep; ends the transaction and the cursor
        with suppress(psycopg.Error):
            conn.close()


def _connect(store_id: str, dsn: str) -> psycopg.Connection[tuple[object, ...]]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        # Keep the DSN's own `options` (e.g. a search_path) and add read-only on top.
        options = conninfo_to_dict(libpq_dsn(dsn)).get("options") or ""
        conninfo = make_conninfo(
            libpq_dsn(dsn),
            options=f"{options} -c default_transaction_read_only=on".strip(),
            connect_timeout=_CONNECT_TIMEOUT_S,
            application_name="hardening",
        )
        conn = psycopg.connect(conninfo)
    except Exception as exc:  # any message may echo the DSN: only the type leaves
        raise _error(store_id, "cannot connect to the database", exc) from None
    conn.read_only = True
    return conn


def _query(
    store_id: str,
    conn: psycopg.Connection[tuple[object, ...]],
    table: str,
    columns: tuple[str, ...],
) -> psycopg.sql.Composed:
    """The SELECT, after resolving the table and columns as PostgreSQL will read them."""
    import psycopg
    from psycopg import sql

    try:
        parts = _resolve_table(conn, table)
        if parts is None:
            raise StoreReadError(f"store {store_id!r}: table not found")
        present = _columns(conn, parts)
        selected: list[str] = []
        for column in columns:
            actual = column if column in present else _folded(column, present)
            if actual is None:
                raise StoreReadError(f"store {store_id!r}: column {column!r} not found")
            selected.append(actual)
        conn.rollback()  # the catalogue look-ups ran in their own transaction
    except psycopg.Error as exc:
        raise _error(store_id, "cannot look up the table", exc) from None
    return sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in selected), sql.Identifier(*parts)
    )


def _resolve_table(
    conn: psycopg.Connection[tuple[object, ...]], table: str
) -> tuple[str, ...] | None:
    """(schema, table) or (table,) as found in the catalogue, trying the lower-cased form too."""
    from psycopg import sql

    for candidate in dict.fromkeys((table, table.lower())):
        parts = tuple(candidate.split(".", 1))
        name = sql.Identifier(*parts).as_string(conn)
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        if row is not None and row[0]:
            return parts
    return None


def _columns(conn: psycopg.Connection[tuple[object, ...]], parts: tuple[str, ...]) -> set[str]:
    from psycopg import sql

    name = sql.Identifier(*parts).as_string(conn)
    rows = conn.execute(
        "SELECT attname FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
        (name,),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _folded(column: str, present: set[str]) -> str | None:
    lower = column.lower()
    return lower if lower in present else None


def _error(store_id: str, what: str, exc: BaseException) -> StoreReadError:
    # Only the exception type: psycopg messages quote host, user and database.
    return StoreReadError(f"store {store_id!r}: {what} ({type(exc).__name__})")
