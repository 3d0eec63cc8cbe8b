"""Read credential stores (shadow, htpasswd, SQL tables) into `CredentialStoreScan` facets.

Every stored value is reduced on the spot to its scheme, cost and a keyed `group_key`; the
value itself is never kept, logged or put into a message. Rows are streamed: a file is read a
line at a time and a table through a cursor in batches, so a large store never sits in memory.

Problems and failures
    A row that cannot be read fully (a missing field, bad UTF-8, a date that is not a date)
    becomes a problem "row N: what was wrong", naming the row number only; the row's record is
    kept when its account id and stored value could still be read. A store whose declaration
    cannot be used (an unsupported database engine, an unsafe identifier, a missing column
    name) becomes a scan with a store-level problem "store ID: ..." and no records, which
    checks report as skipped. A store that cannot be opened or queried at all raises
    `CredentialStoreError`, which `build_context` turns into a facet error; its message names
    the store id and the exception type, never the path or DSN.

Formats
    `shadow`: `name:password:lastchg:min:max:warn:inactive:expire:reserved`. An empty password
    field is `empty` (passwordless login); a field starting with `!` or `*` is `locked`, and a
    real hash behind the lock is kept as `params["locked_scheme"]`. `lastchg` counts days since
    1970-01-01; 0 means "must change at next login" and is recorded as `params["must_change"]
    = 1` with `changed` left None (the stored password is still the old one).
    `htpasswd`: `user:hash` lines as Apache reads them (`#` comments and blank lines skipped,
    the hash ends at the next `:`).
    `sql`: SQLite (`sqlite:////absolute/path.db`), opened read-only, and PostgreSQL
    (`postgresql://...`, the [postgres] extra; see `hardening.collectors.postgres`). A NULL hash is
    `empty`; a BLOB that is not text is read as a raw digest (hex-encoded before classifying);
    `changed_column` may hold ISO dates or datetimes (text or native date/timestamp
    columns), or Unix epoch seconds (values above 10^11 are read as milliseconds).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Final

from hardening.bulk import gc_paused, slot_setters
from hardening.collectors.hashes import EMPTY, LOCKED, Classified, classify, locked_over
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
from hardening.estate import CredentialStore
from hardening.facets import CredentialRecord, CredentialStoreScan

__all__ = [
    "CredentialStoreError",
    "group_key",
    "row_problem_numbers",
    "scan_credential_store",
    "store_problems",
]

#: Key of the keyed BLAKE2 `group_key`: random per process, never stored or logged.
_GROUP_KEY: Final = secrets.token_bytes(32)
_EPOCH: Final = date(1970, 1, 1)
_BATCH: Final = 1000
_ROW_PROBLEM_RE: Final = re.compile(r"row (\d+): ")
#: Epoch values above this are read as milliseconds (10^11 s is the year 5138).
_EPOCH_MS_THRESHOLD: Final = 10**11
_SHADOW_FIELDS: Final = 9


#: A credential store could not be opened or queried at all.
CredentialStoreError = StoreReadError


def scan_credential_store(store: CredentialStore) -> CredentialStoreScan:
    """Read one credential store into a scan; see the module docstring for failure modes."""
    if store.kind == "shadow":
        return _scan_file(store, _shadow_line)
    if store.kind == "htpasswd":
        return _scan_file(store, _htpasswd_line)
    if store.kind == "sql":
        return _scan_sql(store)
    return _unusable(store, "this credential store kind is not supported")


def store_problems(scan: CredentialStoreScan) -> list[str]:
    """Problems about the store as a whole (not about one row)."""
    return [p for p in scan.problems if not _ROW_PROBLEM_RE.match(p)]


def row_problem_numbers(scan: CredentialStoreScan) -> list[int]:
    """Distinct row numbers that had a problem, in order of appearance."""
    rows: dict[int, None] = {}
    for problem in scan.problems:
        m = _ROW_PROBLEM_RE.match(problem)
        if m is not None:
            rows[int(m.group(1))] = None
    return list(rows)


#: The keyed hash state after absorbing the key: copying it skips the key block per value.
_KEYED: Final = hashlib.blake2b(key=_GROUP_KEY, digest_size=16)
#: Schemes whose records carry no `group_key` (nothing is stored to compare).
_UNKEYED: Final = frozenset({"empty", "locked"})


def group_key(value: str) -> bytes:
    """Keyed digest of a stored value: equal values, equal keys; meaningless outside the run."""
    digest = _KEYED.copy()
    digest.update(value.encode("utf-8", "surrogateescape"))
    return digest.digest()


#: `object.__new__`, typed for the class: a record with no slot set yet.
_new_credential: Final = CredentialRecord.__new__
(
    _set_account_id,
    _set_row,
    _set_scheme,
    _set_params,
    _set_salted,
    _set_group_key,
    _set_changed,
) = slot_setters(
    CredentialRecord,
    ("account_id", "row", "scheme", "params", "salted", "group_key", "changed"),
)


def _record(
    account_id: str, row: int, value: str, found: Classified, changed: date | None = None
) -> CredentialRecord:
    scheme = found.scheme
    return CredentialRecord(
        account_id,
        row,
        scheme,
        found.params,
        found.salted,
        b"" if scheme in _UNKEYED else group_key(value.strip()),
        changed,
    )


def _unusable(store: CredentialStore, why: str) -> CredentialStoreScan:
    return CredentialStoreScan(store.id, store.kind, (), (f"store {store.id}: {why}",))


def _cannot_read(store: CredentialStore, what: str, exc: BaseException) -> CredentialStoreError:
    # Only the exception type: its message may quote the path, DSN or the offending data.
    return CredentialStoreError(f"credential store {store.id!r}: {what} ({type(exc).__name__})")


# --- files -------------------------------------------------------------------------------------

LineParser = Callable[[int, str, list[str]], CredentialRecord | None]


def _scan_file(store: CredentialStore, parse: LineParser) -> CredentialStoreScan:
    problems: list[str] = []
    records: list[CredentialRecord] = []
    for number, line in _lines(store, problems):
        record = parse(number, line, problems)
        if record is not None:
            records.append(record)
    return CredentialStoreScan(store.id, store.kind, tuple(records), tuple(problems))


def _lines(store: CredentialStore, problems: list[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines of the store's file, decoded as UTF-8; a bad byte is a row problem."""
    if store.path is None:
        raise CredentialStoreError(f"credential store {store.id!r}: no path declared")
    try:
        handle = store.path.open("rb")
    except OSError as exc:
        raise _cannot_read(store, "cannot open the file", exc) from None
    with handle:
        number = 0
        while True:
            try:
                raw = handle.readline()
            except OSError as exc:
                raise _cannot_read(store, f"read failed after row {number}", exc) from None
            if not raw:
                return
            number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"row {number}: not valid UTF-8 (undecodable bytes replaced)")
                text = raw.decode("utf-8", "replace")
            yield number, text.rstrip("\r\n")


def _shadow_value(value: str) -> Classified:
    if not value:
        return EMPTY
    if value[0] in "!*":
        # Any leading "!" or "*" makes crypt(3) comparison fail: the password is locked.
        behind = value.lstrip("!*")
        return locked_over(classify(behind)) if behind else LOCKED
    return classify(value)


def _shadow_line(number: int, line: str, problems: list[str]) -> CredentialRecord | None:
    if not line.strip():
        return None
    if line[0] in "+-":
        problems.append(f"row {number}: NIS compat entry, not a local account (skipped)")
        return None
    fields = line.split(":")
    if len(fields) < 2 or not fields[0]:
        problems.append(f"row {number}: not a shadow entry (expected name:password:...)")
        return None
    if len(fields) != _SHADOW_FIELDS:
        problems.append(
            f"row {number}: expected {_SHADOW_FIELDS} colon-separated fields, found {len(fields)}"
        )
    name, value = fields[0], fields[1]
    found = _shadow_value(value)
    changed = None
    lastchg = fields[2].strip() if len(fields) > 2 else ""
    if lastchg:
        try:
            days = int(lastchg)
            if days < 0:
                raise ValueError
            if days == 0:
                params = MappingProxyType({**found.params, "must_change": 1})
                found = Classified(found.scheme, params, found.salted)
            else:
                changed = _EPOCH + timedelta(days=days)
        except (ValueError, OverflowError):
            problems.append(f"row {number}: last-change field is not a day count")
    return _record(name, number, value, found, changed)


def _htpasswd_line(number: int, line: str, problems: list[str]) -> CredentialRecord | None:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if ":" not in line:
        problems.append(f"row {number}: no ':' between user name and password")
        return None
    user, rest = line.split(":", 1)
    if not user:
        problems.append(f"row {number}: empty user name")
        return None
    value = rest.split(":", 1)[0]  # mod_authn_file stops the password at the next ':'
    return _record(user, number, value, classify(value))


# --- SQL ---------------------------------------------------------------------------------------


def _scan_sql(store: CredentialStore) -> CredentialStoreScan:
    if not store.dsn:
        return _unusable(store, "no dsn declared")
    engine = dsn_engine(store.dsn)
    if engine in POSTGRES_SCHEMES:
        from hardening.collectors.postgres import scan_credentials

        return scan_credentials(store)
    if engine != "sqlite":
        return _unusable(
            store,
            "store kind sql with this database engine is not supported "
            "(SQLite and PostgreSQL only)",
        )
    path = sqlite_path(store.dsn, store.location.file)
    if path is None:
        return _unusable(store, "the sqlite DSN names no database file (sqlite:////path.db)")
    names = _sql_names(store)
    if isinstance(names, str):
        return _unusable(store, names)
    table, columns = names
    with closing(open_readonly(store.id, path)) as conn:
        cursor = select(store.id, conn, table, columns)
        return _read_rows(store, cursor, with_changed=len(columns) == 3)


def _sql_names(store: CredentialStore) -> tuple[str, tuple[str, ...]] | str:
    """Validated (table, columns), or why the declaration cannot be used."""
    if not store.table:
        return "no table declared"
    if not valid_table(store.table):
        return "table name is not a plain SQL identifier"
    columns: list[str] = []
    for field_name, column in (
        ("id_column", store.id_column),
        ("hash_column", store.hash_column),
        ("changed_column", store.changed_column),
    ):
        if column is None:
            if field_name == "changed_column":
                continue
            return f"no {field_name} declared"
        if not IDENT_RE.fullmatch(column):
            return f"{field_name} is not a plain SQL identifier"
        columns.append(column)
    return store.table, tuple(columns)


def _read_rows(
    store: CredentialStore, cursor: sqlite3.Cursor, *, with_changed: bool
) -> CredentialStoreScan:
    problems: list[str] = []
    records: list[CredentialRecord] = []
    append = records.append
    number = 0
    try:
        with gc_paused():
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    number += 1
                    record = _sql_record(number, row, with_changed, problems)
                    if record is not None:
                        append(record)
    except sqlite3.Error as exc:
        problems.append(
            f"store {store.id}: reading stopped after row {number} ({type(exc).__name__})"
        )
    return CredentialStoreScan(store.id, store.kind, tuple(records), tuple(problems))


def _sql_record(
    number: int, row: tuple[object, ...], with_changed: bool, problems: list[str]
) -> CredentialRecord | None:
    # Text columns, the common case, skip the general conversions (`_text`, `_stored_value`).
    account = row[0]
    if type(account) is not str:
        account = _text(account)
    if not account:
        problems.append(f"row {number}: account id is empty")
        return None
    value = row[1]
    if type(value) is not str:
        value = _stored_value(value)
    found = EMPTY if value is None else classify(value)
    changed = None
    if with_changed:
        raw = row[2]
        changed = _DATES.get(raw) if type(raw) is str else None
        if changed is None:
            try:
                changed = _changed_date(raw)
            except (ValueError, TypeError, OverflowError, OSError):
                problems.append(f"row {number}: changed column is not a date or epoch timestamp")
    scheme = found.scheme
    if value is None or scheme in _UNKEYED:
        key = b""
    else:
        digest = _KEYED.copy()
        digest.update(value.strip().encode("utf-8", "surrogateescape"))
        key = digest.digest()
    # `CredentialRecord(...)` without the frozen dataclass `__init__` (see `slot_setters`).
    record = _new_credential(CredentialRecord)
    _set_account_id(record, account)
    _set_row(record, number)
    _set_scheme(record, scheme)
    _set_params(record, found.params)
    _set_salted(record, found.salted)
    _set_group_key(record, key)
    _set_changed(record, changed)
    return record


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _stored_value(value: object) -> str | None:
    """The stored credential as text: None for NULL, raw binary digests as hex."""
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return value.hex()
        return text if text.isprintable() else value.hex()
    return str(value)


#: Parsed `changed_column` texts: dates repeat across a store, so each distinct text is parsed
#: once and its `date` shared by every record (bounded: cleared when full).
_DATES: dict[str, date] = {}
_DATES_MAX: Final = 65_536


def _changed_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii")
    if isinstance(value, bool):
        raise TypeError("a boolean is not a date")
    if isinstance(value, datetime):  # PostgreSQL timestamp / timestamptz columns
        return (value.astimezone(UTC) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        hit = _DATES.get(value)
        if hit is not None:
            return hit
        parsed = _text_date(value)
        if parsed is not None:
            if len(_DATES) >= _DATES_MAX:
                _DATES.clear()
            _DATES[value] = parsed
        return parsed
    if isinstance(value, int | float):
        return _epoch_date(value)
    raise TypeError("not a date")


def _text_date(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return _epoch_date(int(text))
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def _epoch_date(seconds: float) -> date:
    if abs(seconds) > _EPOCH_MS_THRESHOLD:
        seconds = seconds / 1000
    return datetime.fromtimestamp(seconds, UTC).date()
