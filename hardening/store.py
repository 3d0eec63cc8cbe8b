"""The results store: every finished run, kept for reports, history and diffs.

`ResultStore` is the interface; `SQLiteStore` is the built-in implementation (stdlib `sqlite3`,
one file). A run is stored whole, as its JSON report document, so `load` gives back exactly what
was saved; its findings are also kept one row each (`findings` table) for history and diff
queries that must not parse every document.

Runs are immutable once saved. Each `save` is one transaction: a process killed part-way through
leaves every earlier run intact and no part of the new one visible.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import platformdirs

from hardening.errors import RunNotFoundError, StoreError, UsageError
from hardening.model import RunResult

#: Version of the store layout this code reads and writes (`meta.schema_version`).
SCHEMA_VERSION = 1

#: Environment variable that overrides `default_store_path()`.
STORE_ENV = "HARDENING_STORE"

#: Shortest run-id prefix `load` accepts, so a typo does not silently pick some run.
MIN_PREFIX = 4

#: How many candidates an ambiguous-prefix error lists.
MAX_CANDIDATES = 5

_LATEST_RE = re.compile(r"^latest(?:~(\d+))?$")

# Queries are literal strings (no formatting). Newest first everywhere: by start time, then by id,
# because run ids sort by start time too.
_LIST_RUNS = (
    "SELECT id, started_at, finished_at, estate, tool_version, summary, severity FROM runs"
    " ORDER BY started_at DESC, id DESC LIMIT ?"
)
_NTH_NEWEST = "SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?"
_BY_PREFIX = "SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC, id DESC"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    estate TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    summary TEXT NOT NULL,
    severity TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started_at ON runs (started_at, id);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_run_id ON findings (run_id);
CREATE INDEX IF NOT EXISTS findings_fingerprint ON findings (fingerprint);
"""

_OUR_TABLES = frozenset({"meta", "runs", "findings"})


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One stored run as `list_runs` shows it: its header and counts, without its findings."""

    id: str
    """Run id."""
    started_at: datetime
    """When the run started, in UTC."""
    finished_at: datetime
    """When the run finished, in UTC."""
    estate: str
    """Name of the organisation whose estate was scanned."""
    tool_version: str
    """Version of `hardening` that produced the run."""
    summary: Mapping[str, int] = field(hash=False)
    """Number of findings per status: `pass`, `fail`, `error`, `skip` (as `RunResult.summary`)."""
    severity_counts: Mapping[str, int] = field(hash=False)
    """Number of `fail` findings per severity, highest first, waived ones included (as
    `RunResult.severity_counts`)."""

    @property
    def total(self) -> int:
        """Number of findings in the run."""
        return sum(self.summary.values())


class ResultStore(Protocol):
    """Where finished runs are kept. Implementations translate their own errors to `StoreError`."""

    def save(self, run: RunResult) -> None:
        """Store `run` atomically; `StoreError` if a run with its id is already stored."""
        ...

    def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        """Stored runs, newest first; at most `limit` of them when given."""
        ...

    def load(self, ref: str) -> RunResult:
        """The run `ref` names: a full run id, a unique prefix of one (at least 4 characters),
        `latest`, or `latest~N` (the run N before the latest).

        An ambiguous prefix raises `UsageError` naming some candidates; a reference that matches
        nothing raises `RunNotFoundError`.
        """
        ...

    def close(self) -> None:
        """Release the store; calling it again does nothing."""
        ...

    def __enter__(self) -> Self:
        """`with open_store(...) as store:` closes the store on leaving the block."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def default_store_path() -> Path:
    """`$HARDENING_STORE` if set, else `runs.sqlite` in the user's data directory."""
    override = os.environ.get(STORE_ENV)
    if override:
        return Path(override).expanduser()
    # appauthor=False: no extra "hardening\hardening" level on Windows.
    return platformdirs.user_data_path("hardening", appauthor=False) / "runs.sqlite"


def open_store(path: Path | None = None) -> ResultStore:
    """Open the results store at `path`, or at `default_store_path()` when None."""
    return SQLiteStore(path if path is not None else default_store_path())


class SQLiteStore:
    """A `ResultStore` in one SQLite file, safe for concurrent readers and writers.

    The file and its parent directories are created on first use. Open it in one thread; use one
    `SQLiteStore` per thread or process.
    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        """Open (or create) the store at `path`, waiting up to `timeout` seconds for a lock held
        by another process (a concurrent `save`) before giving up with `StoreError`."""
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"results store {self.path}: cannot create its directory: {_one_line(exc)}"
            ) from None
        with self._errors("open"):
            # isolation_level=None: no implicit transactions; every write below says BEGIN itself.
            self._conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            try:
                self._open()
            except BaseException:
                self._conn.close()
                self._conn = None
                raise

    # -- ResultStore -------------------------------------------------------------------------

    def save(self, run: RunResult) -> None:
        """Store `run` in one transaction; `StoreError` if its id is already stored."""
        conn = self._connection()
        # Build everything before taking the write lock, so the lock is held only while writing.
        doc = run.to_dict()
        try:
            document = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise StoreError(
                f"results store {self.path}: run {run.id} cannot be stored: {_one_line(exc)}"
            ) from None
        header = (
            run.id,
            _utc_text(run.started_at),
            _utc_text(run.finished_at),
            run.estate.name,
            run.tool_version,
            json.dumps(doc["summary"]),
            json.dumps(run.severity_counts()),
            document,
        )
        # In fingerprint order, so the fingerprint index (which holds every earlier run's
        # fingerprints) is updated page by page instead of at random; with a few earlier runs of
        # the same estate this cut the findings insert by about 40% (measured, 100k findings).
        # Row order carries no meaning; the document keeps the findings' order.
        rows = sorted(_finding_rows(run.id, doc["findings"]), key=_by_fingerprint)
        with self._errors(f"save run {run.id}"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                try:
                    conn.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", header)
                except sqlite3.IntegrityError:
                    raise StoreError(
                        f"results store {self.path}: run {run.id} is already stored"
                    ) from None
                conn.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                # Also on KeyboardInterrupt: never leave a half-written run in an open transaction.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        """Stored runs, newest first; at most `limit` of them when given."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, not {limit}")
        conn = self._connection()
        with self._errors("list runs"):
            rows = conn.execute(
                _LIST_RUNS,
                (-1 if limit is None else limit,),
            ).fetchall()
        return [self._run_info(row) for row in rows]

    def load(self, ref: str) -> RunResult:
        """The run `ref` names: a full id, a unique prefix (at least 4 characters), `latest` or
        `latest~N`."""
        conn = self._connection()
        with self._errors(f"load run {ref!r}"):
            # One read transaction: resolving the reference and reading the document see the same
            # snapshot.
            conn.execute("BEGIN")
            try:
                run_id = self._resolve(conn, ref)
                row = conn.execute("SELECT document FROM runs WHERE id = ?", (run_id,)).fetchone()
            finally:
                conn.execute("COMMIT")
        try:
            return RunResult.from_dict(json.loads(row[0]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(
                f"results store {self.path}: stored run {run_id} is unreadable: "
                f"{type(exc).__name__}: {_one_line(exc)}"
            ) from None

    def close(self) -> None:
        """Close the database connection; calling it again does nothing."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with self._errors("close"):
                conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- internals ---------------------------------------------------------------------------

    def _open(self) -> None:
        conn = self._connection()
        # Look before writing anything: a file that is not ours must be left untouched.
        state = self._check_schema(conn)
        # WAL: readers see the last committed run while a save is in progress, and a writer
        # killed mid-transaction leaves only uncommitted WAL frames, which the next open ignores.
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL rather than NORMAL: in WAL mode NORMAL is already safe against a killed process and
        # never corrupts, but may lose the last committed runs on power loss or an OS crash. A
        # saved run is audit evidence, and we commit once per run, so one fsync per save is cheap.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        # A large run grows the WAL well past its usual size; give the disk space back after the
        # next checkpoint.
        conn.execute("PRAGMA journal_size_limit=67108864")
        # A bigger page cache (up to 32 MiB, allocated only as used): a large run spills fewer
        # uncommitted pages into the WAL only to rewrite them before commit.
        conn.execute("PRAGMA cache_size=-32768")
        if state == "empty":
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have created the schema since we looked; IF NOT EXISTS and
                # OR IGNORE make this idempotent, and the check below runs under the write lock.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (SCHEMA_VERSION,),
                )
                self._check_schema(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _check_schema(self, conn: sqlite3.Connection) -> str:
        """`"empty"` for a database without tables, `"ok"` for ours; else `StoreError`."""
        try:
            tables = {
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                )
            }
        except sqlite3.DatabaseError as exc:
            if _error_name(exc) == "SQLITE_NOTADB":
                raise StoreError(
                    f"results store {self.path} is not a SQLite database "
                    "(give another path with --store or HARDENING_STORE)"
                ) from None
            raise
        if not tables:
            return "empty"
        not_ours = StoreError(
            f"results store {self.path} is a SQLite database but not a hardening results store"
        )
        if "meta" not in tables:
            raise not_ours
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not isinstance(row[0], int) or row[0] < 1:
            raise not_ours
        version = row[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"results store {self.path} was written by a newer hardening "
                f"(schema {version}); upgrade hardening"
            )
        if not tables >= _OUR_TABLES:
            raise not_ours
        return "ok"

    def _resolve(self, conn: sqlite3.Connection, ref: str) -> str:
        """The id of the run `ref` names."""
        latest = _LATEST_RE.match(ref)
        if latest is not None:
            back = int(latest.group(1) or 0)
            row = conn.execute(_NTH_NEWEST, (back,)).fetchone()
            if row is None:
                raise RunNotFoundError(f"no stored run matches {ref!r}")
            return str(row[0])
        if conn.execute("SELECT 1 FROM runs WHERE id = ?", (ref,)).fetchone() is not None:
            return ref
        if len(ref) < MIN_PREFIX:
            raise UsageError(
                f"run reference {ref!r} is too short: give at least {MIN_PREFIX} characters "
                "of a run id, 'latest' or 'latest~N'"
            )
        # substr, not LIKE: ids may contain '%' or '_', and LIKE ignores ASCII case.
        matches = [str(rid) for (rid,) in conn.execute(_BY_PREFIX, (len(ref), ref))]
        if not matches:
            raise RunNotFoundError(f"no stored run matches {ref!r}")
        if len(matches) > 1:
            shown = ", ".join(matches[:MAX_CANDIDATES])
            more = len(matches) - MAX_CANDIDATES
            rest = f" and {more} more" if more > 0 else ""
            raise UsageError(
                f"run reference {ref!r} is ambiguous: it matches {shown}{rest}; "
                "give more characters of the run id"
            )
        return matches[0]

    def _run_info(self, row: tuple[Any, ...]) -> RunInfo:
        run_id, started, finished, estate, version, summary, severity = row
        try:
            return RunInfo(
                id=run_id,
                started_at=datetime.fromisoformat(started),
                finished_at=datetime.fromisoformat(finished),
                estate=estate,
                tool_version=version,
                summary=json.loads(summary),
                severity_counts=json.loads(severity),
            )
        except (ValueError, TypeError) as exc:
            raise StoreError(
                f"results store {self.path}: stored run {run_id} is unreadable: {_one_line(exc)}"
            ) from None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"results store {self.path} is closed")
        return self._conn

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn `sqlite3` errors into one-line `StoreError`s naming the store and the action."""
        try:
            yield
        except sqlite3.Error as exc:
            name = _error_name(exc)
            if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
                reason = "the store is locked by another process; try again"
            else:
                reason = _one_line(exc)
            raise StoreError(f"results store {self.path}: cannot {action}: {reason}") from None
        except UnicodeError as exc:
            raise StoreError(
                f"results store {self.path}: cannot {action}: {_one_line(exc)}"
            ) from None


def _finding_rows(
    run_id: str, findings: Iterable[Mapping[str, Any]]
) -> Iterator[tuple[str, str, str, str, str, str, str]]:
    """Rows of the `findings` table, from the findings of a run's report document."""
    for f in findings:
        resource = f["resource"]
        yield (
            run_id,
            f["fingerprint"],
            f["check_id"],
            f["status"],
            f["severity"],
            resource["kind"],
            resource["id"],
        )


def _by_fingerprint(row: tuple[str, ...]) -> str:
    return row[1]


def _utc_text(value: datetime) -> str:
    """Fixed-width UTC text, so that ordering by text is ordering by time (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _error_name(exc: BaseException) -> str:
    return str(getattr(exc, "sqlite_errorname", ""))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
