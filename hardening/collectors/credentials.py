"""Read credential stores (shadow, htpasswd, SQL tables) into `CredentialStoreScan` facets.

Every stored value is reduced on the spot to its scheme, cost and a key for spotting equal
values (`tally.value_key`); the value itself is never kept, logged or put into a message. Rows
are streamed: a file is read a line at a time and a table through a cursor in batches, so a
large store never sits in memory, and `CredentialTally` sums them up into counts.

Speed
    A table is read a batch of rows at a time. A batch whose account ids and stored values are
    all non-empty text (nearly every batch) is reduced column by column: types are checked,
    keys taken and change dates looked up with `map` and `set` in C, and only `classify` runs
    once per row in Python. Any other batch is read row by row, which reports each problem.

Problems and failures
    A row that cannot be read fully (a missing field, bad UTF-8, a date that is not a date)
    becomes a problem "row N: what was wrong", naming the row number only; the row is still
    counted when its account id and stored value could be read. A store whose declaration
    cannot be used (an unsupported database engine, an unsafe identifier, a missing column
    name) becomes a scan with a store-level problem "store ID: ..." and no accounts, which
    checks report as skipped. A store that cannot be opened or queried at all raises
    `CredentialStoreError`, which the collectors turn into an `unreadable` scan (that store's
    checks report `error`); its message names the store id and the exception type, never the
    path or DSN.

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

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Any, Final, cast

from hardening.bulk import gc_paused
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
from hardening.collectors.tally import CredentialTally
from hardening.estate import CredentialStore
from hardening.facets import CredentialRecord, CredentialStoreScan

__all__ = [
    "CredentialStoreError",
    "CredentialTally",
    "read_batches",
    "read_records",
    "row_problem_numbers",
    "scan_credential_store",
    "store_problems",
]

_EPOCH: Final = date(1970, 1, 1)
#: Rows fetched and reduced at a time.
_BATCH: Final = 4096
_ROW_PROBLEM_RE: Final = re.compile(r"row (\d+): ")
#: Epoch values above this are read as milliseconds (10^11 s is the year 5138).
_EPOCH_MS_THRESHOLD: Final = 10**11
_SHADOW_FIELDS: Final = 9


#: A credential store could not be opened or queried at all.
CredentialStoreError = StoreReadError


def scan_credential_store(store: CredentialStore) -> CredentialStoreScan:
    """Read one credential store into a scan; see the module docstring for failure modes."""
    tally = CredentialTally()
    problems: list[str] = []
    why = _read(store, tally, problems)
    if why is not None:
        return _unusable(store, why)
    return tally.scan(store.id, store.kind, problems)


def read_records(store: CredentialStore) -> tuple[list[CredentialRecord], list[str]]:
    """Every row of a credential store as a record, and the problems met: to look into one
    store (a scan keeps only counts). Fails as `scan_credential_store` does."""
    tally = CredentialTally()
    problems: list[str] = []
    why = _read(store, tally, problems)
    if why is not None:
        return [], [f"store {store.id}: {why}"]
    return tally.records(), problems


def _read(store: CredentialStore, tally: CredentialTally, problems: list[str]) -> str | None:
    """Read the store's rows into `tally`; why its declaration cannot be used, or None."""
    if store.kind == "shadow":
        _read_file(store, _shadow_line, tally, problems)
        return None
    if store.kind == "htpasswd":
        _read_file(store, _htpasswd_line, tally, problems)
        return None
    if store.kind == "sql":
        return _read_sql(store, tally, problems)
    return "this credential store kind is not supported"


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


def _unusable(store: CredentialStore, why: str) -> CredentialStoreScan:
    return CredentialStoreScan(store.id, store.kind, problems=(f"store {store.id}: {why}",))


def _cannot_read(store: CredentialStore, what: str, exc: BaseException) -> CredentialStoreError:
    # Only the exception type: its message may quote the path, DSN or the offending data.
    return CredentialStoreError(f"credential store {store.id!r}: {what} ({type(exc).__name__})")


# --- files -------------------------------------------------------------------------------------

#: A row read from a file: account id, stored value, its classification, change date.
FileRow = tuple[str, str, Classified, date | None]
LineParser = Callable[[int, str, list[str]], FileRow | None]


def _read_file(
    store: CredentialStore, parse: LineParser, tally: CredentialTally, problems: list[str]
) -> None:
    for number, line in _lines(store, problems):
        row = parse(number, line, problems)
        if row is not None:
            name, value, found, changed = row
            tally.add(name, number, found, value, changed)


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


def _shadow_line(number: int, line: str, problems: list[str]) -> FileRow | None:
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
    return name, value, found, changed


def _htpasswd_line(number: int, line: str, problems: list[str]) -> FileRow | None:
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
    return user, value, classify(value), None


# --- SQL ---------------------------------------------------------------------------------------


def _read_sql(store: CredentialStore, tally: CredentialTally, problems: list[str]) -> str | None:
    if not store.dsn:
        return "no dsn declared"
    engine = dsn_engine(store.dsn)
    if engine in POSTGRES_SCHEMES:
        from hardening.collectors.postgres import read_credentials

        return read_credentials(store, tally, problems)
    if engine != "sqlite":
        return (
            "store kind sql with this database engine is not supported (SQLite and PostgreSQL only)"
        )
    path = sqlite_path(store.dsn, store.location.file)
    if path is None:
        return "the sqlite DSN names no database file (sqlite:////path.db)"
    names = _sql_names(store)
    if isinstance(names, str):
        return names
    table, columns = names
    with closing(open_readonly(store.id, path)) as conn:
        cursor = select(store.id, conn, table, columns)
        read_batches(
            store.id,
            partial(cursor.fetchmany, _BATCH),
            sqlite3.Error,
            tally,
            problems,
            with_changed=len(columns) == 3,
        )
    return None


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


def read_batches(
    store_id: str,
    fetch: Callable[[], Sequence[tuple[object, ...]]],
    errors: type[Exception] | tuple[type[Exception], ...],
    tally: CredentialTally,
    problems: list[str],
    *,
    with_changed: bool,
) -> None:
    """Read `(account id, stored value[, changed])` rows from `fetch` (a cursor's fetchmany)
    into `tally`, a batch at a time, until it returns no rows. A database error (`errors`)
    ends the read with a problem "reading stopped after row N"."""
    number = 0
    dates = _ChangedDates()
    try:
        with gc_paused():
            while batch := fetch():
                if not _batch_of_text(batch, number, with_changed, tally, problems, dates):
                    for offset, row in enumerate(batch, start=number + 1):
                        _one_row(offset, row, with_changed, tally, problems)
                number += len(batch)
    except errors as exc:
        problems.append(
            f"store {store_id}: reading stopped after row {number} ({type(exc).__name__})"
        )


def _batch_of_text(  # noqa: PLR0917 - the read loop's state, passed once per batch
    batch: Sequence[tuple[object, ...]],
    number: int,
    with_changed: bool,
    tally: CredentialTally,
    problems: list[str],
    dates: _ChangedDates,
) -> bool:
    """Add a batch whose account ids and stored values are all non-empty text, column by
    column (the common case, mostly in C); False, adding nothing, for any other batch."""
    columns = list(zip(*batch, strict=True))
    accounts, values = columns[0], columns[1]
    if set(map(type, accounts)) != _STR or "" in accounts or set(map(type, values)) != _STR:
        return False
    changed: list[date | None]
    if with_changed:
        raws = columns[2]
        if bool in set(map(type, raws)):  # True == 1: the cache would mistake it for an epoch
            return False
        try:
            changed = list(map(dates.__getitem__, raws))
        except TypeError:  # an unhashable value: the row-by-row path reports it
            return False
        if _NOT_A_DATE in changed:
            for offset, day in enumerate(changed):
                if day is _NOT_A_DATE:
                    problems.append(f"row {number + offset + 1}: {_BAD_DATE}")
                    changed[offset] = None
    else:
        changed = [None] * len(batch)
    texts = cast("Sequence[str]", values)  # checked above
    tally.extend(
        cast("Sequence[str]", accounts),
        range(number + 1, number + len(batch) + 1),
        list(map(classify, texts)),
        map(hash, map(str.strip, texts)),  # `value_key` of each, without a Python call
        changed,
    )
    return True


def _one_row(
    number: int,
    row: tuple[object, ...],
    with_changed: bool,
    tally: CredentialTally,
    problems: list[str],
) -> None:
    account = _text(row[0])
    if not account:
        problems.append(f"row {number}: account id is empty")
        return
    value = _stored_value(row[1])
    changed = None
    if with_changed:
        try:
            changed = _changed_date(row[2])
        except (ValueError, TypeError, OverflowError, OSError):
            problems.append(f"row {number}: {_BAD_DATE}")
    tally.add(account, number, EMPTY if value is None else classify(value), value, changed)


_STR: Final = {str}
_BAD_DATE: Final = "changed column is not a date or epoch timestamp"
#: `_ChangedDates` value for a changed column that is not a date (a problem for its row).
_NOT_A_DATE: Final[Any] = object()


class _ChangedDates(dict[object, Any]):
    """Parsed `changed_column` values by raw value: dates repeat across a store, so each
    distinct value is parsed once (`_NOT_A_DATE` when it is not a date); bounded, cleared when
    full."""

    def __missing__(self, raw: object) -> Any:
        try:
            parsed: Any = _changed_date(raw)
        except (ValueError, TypeError, OverflowError, OSError):
            parsed = _NOT_A_DATE
        if len(self) >= _DATES_MAX:
            self.clear()
        self[raw] = parsed
        return parsed


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
