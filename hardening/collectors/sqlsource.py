"""Read-only access to SQLite tables named in the estate (credential and TOTP stores).

Table and column names come from the estate file, so they are validated as plain identifiers
and quoted; nothing from the file is ever spliced into SQL otherwise. Databases are opened
read-only. Errors raised here name the store id and the exception type, never the DSN or path.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Final

from hardening.errors import HardeningError

if TYPE_CHECKING:
    pass

#: A plain SQL identifier (schema-qualified tables are split on the dot first).
IDENT_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
POSTGRES_SCHEMES: Final = ("postgres", "postgresql")


class StoreReadError(HardeningError):
    """A store could not be opened or queried at all (message: store id and cause only)."""


def dsn_engine(dsn: str) -> str:
    """`sqlite`, `postgresql`, ... from a SQLAlchemy-style URL."""
    return dsn.split(":", 1)[0].split("+", 1)[0].lower()


def sqlite_path(dsn: str, declared_in: str) -> Path | None:
    """The database file of `sqlite:///relative.db` / `sqlite:////absolute.db`, or None."""
    # An optional driver (sqlite+pysqlite://) and query string; the host part must be empty.
    _, sep, rest = dsn.partition("://")
    if not sep or not rest.startswith("/"):
        return None
    raw = rest[1:].split("?", 1)[0]
    if not raw or raw == ":memory:":
        return None
    path = Path(raw)
    if not path.is_absolute():
        # The loader makes paths absolute; a hand-built store is taken relative to its file.
        path = Path(declared_in).parent / path
    return path


def quote(name: str) -> str:
    """Quote a name that passed `IDENT_RE` (split on the schema dot): it holds no quotes."""
    return ".".join(f'"{part}"' for part in name.split("."))


def valid_table(name: str) -> bool:
    """Whether `name` is `table` or `schema.table` made of plain identifiers."""
    return all(IDENT_RE.fullmatch(part) for part in name.split(".", 1))


def open_readonly(store_id: str, path: Path) -> sqlite3.Connection:
    """Open a SQLite database read-only."""
    try:
        return sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreReadError(
            f"store {store_id!r}: cannot open the database ({type(exc).__name__})"
        ) from None


def select(
    store_id: str, conn: sqlite3.Connection, table: str, columns: tuple[str, ...]
) -> sqlite3.Cursor:
    """`SELECT columns FROM table`, after checking that every column exists."""
    # SQLite reads a double-quoted name that is not a column as a string literal, so a typo in
    # a column name would silently turn every row into the same value: check first.
    schema, _, name = table.rpartition(".")
    try:
        pragma = f"PRAGMA {quote(schema) + '.' if schema else ''}table_info({quote(name)})"
        present = {str(row[1]).lower() for row in conn.execute(pragma)}
        if not present:
            raise StoreReadError(f"store {store_id!r}: table not found")
        for column in columns:
            if column.lower() not in present:
                raise StoreReadError(f"store {store_id!r}: column {column!r} not found")
        selected = ", ".join(quote(c) for c in columns)
        return conn.execute(f"SELECT {selected} FROM {quote(table)}")  # noqa: S608 - quoted names
    except sqlite3.Error as exc:
        raise StoreReadError(
            f"store {store_id!r}: cannot query the table ({type(exc).__name__})"
        ) from None
