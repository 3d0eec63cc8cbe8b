"""Tests for `hardening.store`: the SQLite results store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import platformdirs
import pytest

from hardening.errors import RunNotFoundError, StoreError, UsageError
from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    LoadError,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
    Waiver,
)
from hardening.store import (
    SCHEMA_VERSION,
    STORE_ENV,
    ResultStore,
    RunInfo,
    SQLiteStore,
    default_store_path,
    open_store,
)

WRITER = Path(__file__).parent / "data" / "store" / "writer.py"
T0 = datetime(2026, 11, 1, 9, 30, 0, 123456, tzinfo=UTC)

_STATUSES = (Status.FAIL, Status.PASS, Status.FAIL, Status.ERROR, Status.SKIP)


def make_run(
    run_id: str,
    started: datetime = T0,
    findings: int = 12,
    estate: str = "Example Credit Union",
) -> RunResult:
    """A run exercising every field of the model, with `findings` findings."""
    checks = {
        "auth.mfa_not_enforced": CheckSpec(
            id="auth.mfa_not_enforced",
            title="MFA is not enforced for privileged roles",
            severity=Severity.HIGH,
            rationale="Stolen passwords alone open privileged accounts.",
            remediation=Remediation("Require MFA for admin.", ("set mfa: required",)),
            references=("NIST SP 800-63B-4",),
            public_title="Sign-in protection",
            needs=frozenset({"accounts"}),
        ),
        "datastore.tls_not_required": CheckSpec(
            id="datastore.tls_not_required",
            title="Clients may connect without TLS",
            severity=Severity.MEDIUM,
            rationale="Credentials cross the network in clear.",
            remediation=Remediation("Require TLS."),
        ),
    }
    ids = list(checks)
    found = []
    for i in range(findings):
        check_id = ids[i % 2]
        found.append(
            Finding(
                check_id=check_id,
                status=_STATUSES[i % len(_STATUSES)],
                severity=tuple(Severity)[i % 5],
                resource=ResourceRef(
                    "account" if i % 2 == 0 else "datastore",
                    f"r-{i:05d}",
                    file="estate.yaml" if i % 3 == 0 else None,
                    line=i + 1 if i % 3 == 0 else None,
                ),
                detail=f"resource r-{i:05d} — détail {i}",
                evidence={
                    "count": i,
                    "ratio": i / 7,
                    "flag": i % 2 == 0,
                    "scheme": "md5",
                    "n": None,
                },
                remediation="rotate it" if i % 4 == 0 else None,
                waiver=(
                    Waiver("accepted until migration", "ciso", date(2027, 1, 1))
                    if i % 6 == 0
                    else None
                ),
            )
        )
    return RunResult(
        id=run_id,
        started_at=started,
        finished_at=started + timedelta(seconds=42),
        estate=EstateInfo(
            estate, "estate.yaml", date(2026, 10, 2), incident_contained=date(2026, 10, 5)
        ),
        tool_version="0.1.0",
        checks=checks,
        findings=tuple(found),
        outcomes={
            ids[0]: CheckOutcome(ids[0], OutcomeState.COMPLETED, 3),
            ids[1]: CheckOutcome(ids[1], OutcomeState.SKIPPED, 0, "no datastores declared"),
        },
        load_errors=(LoadError("acme_checks", "ImportError: no module named acme"),),
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "runs.sqlite"


@pytest.fixture
def store(db: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(db) as s:
        yield s


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text.strip() == text and text
    return text


# -- round trip and listing -------------------------------------------------------------------


def test_save_load_round_trip(store: SQLiteStore, db: Path) -> None:
    run = make_run("20261101T093000-aaaa1111")
    store.save(run)
    assert store.load(run.id).to_dict() == run.to_dict()
    store.close()
    # A fresh connection (another process, in real use) sees the same run.
    with SQLiteStore(db) as again:
        assert again.load(run.id).to_dict() == run.to_dict()


def test_store_satisfies_protocol_and_open_store(db: Path) -> None:
    store: ResultStore = open_store(db)
    try:
        assert isinstance(store, SQLiteStore)
        store.save(make_run("abcd-0001"))
        assert [r.id for r in store.list_runs()] == ["abcd-0001"]
    finally:
        store.close()
        store.close()  # closing twice is harmless


def test_creates_parent_dirs_wal_and_schema(store: SQLiteStore, db: Path) -> None:
    assert db.is_file()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == (SCHEMA_VERSION,)
        indexes = {r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type='index'")}
        assert any("findings (run_id)" in (s or "") for s in indexes)
        assert any("findings (fingerprint)" in (s or "") for s in indexes)
    finally:
        conn.close()


def test_findings_rows_match_the_run(store: SQLiteStore, db: Path) -> None:
    run = make_run("run-rows-1", findings=50)
    store.save(run)
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT fingerprint, check_id, status, severity, resource_kind, resource_id"
            " FROM findings WHERE run_id = ?",
            (run.id,),
        ).fetchall()
    finally:
        conn.close()
    expected = [
        (
            f.fingerprint,
            f.check_id,
            f.status.value,
            f.severity.value,
            f.resource.kind,
            f.resource.id,
        )
        for f in run.findings
    ]
    assert sorted(rows) == sorted(expected)


def test_list_runs_newest_first_with_info(store: SQLiteStore) -> None:
    old = make_run("run-a", T0, findings=5, estate="Old Estate")
    new = make_run("run-c", T0 + timedelta(days=2), findings=7)
    mid = make_run("run-b", T0 + timedelta(days=1), findings=0)
    for run in (old, new, mid):  # saved out of order on purpose
        store.save(run)

    infos = store.list_runs()
    assert [i.id for i in infos] == ["run-c", "run-b", "run-a"]
    assert [i.id for i in store.list_runs(limit=2)] == ["run-c", "run-b"]
    assert store.list_runs(limit=0) == []

    info = infos[2]
    assert isinstance(info, RunInfo)
    assert info.started_at == old.started_at
    assert info.finished_at == old.finished_at
    assert info.started_at.tzinfo is not None
    assert info.estate == "Old Estate"
    assert info.tool_version == "0.1.0"
    assert dict(info.summary) == old.summary()
    assert dict(info.severity_counts) == old.severity_counts()
    assert list(info.severity_counts) == ["critical", "high", "medium", "low", "info"]
    assert info.total == 5
    assert infos[1].total == 0
    hash(info)  # frozen and hashable despite its count mappings


def test_list_orders_by_instant_not_by_text(store: SQLiteStore) -> None:
    # 10:00+02:00 is 08:00Z: earlier than 09:00Z although its text sorts later; and a run whose
    # start has no microseconds must not sort after one a fraction of a second later.
    plus2 = timezone(timedelta(hours=2))
    base = datetime(2026, 11, 1, 9, 0, 0, tzinfo=UTC)
    store.save(make_run("run-1", datetime(2026, 11, 1, 10, 0, 0, tzinfo=plus2)))
    store.save(make_run("run-2", base))
    store.save(make_run("run-3", base + timedelta(microseconds=500)))
    assert [i.id for i in store.list_runs()] == ["run-3", "run-2", "run-1"]
    assert (
        store.load("run-1").to_dict()
        == make_run("run-1", datetime(2026, 11, 1, 10, 0, 0, tzinfo=plus2)).to_dict()
    )


def test_empty_store(store: SQLiteStore) -> None:
    assert store.list_runs() == []
    with pytest.raises(RunNotFoundError) as exc:
        store.load("latest")
    assert str(exc.value) == "no stored run matches 'latest'"


def test_negative_limit_is_a_bug(store: SQLiteStore) -> None:
    with pytest.raises(ValueError):
        store.list_runs(limit=-1)


# -- references -------------------------------------------------------------------------------


@pytest.fixture
def three(store: SQLiteStore) -> SQLiteStore:
    store.save(make_run("20261101T0900-1111", T0))
    store.save(make_run("20261102T0900-2222", T0 + timedelta(days=1)))
    store.save(make_run("20261103T0900-3333", T0 + timedelta(days=2)))
    return store


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("20261102T0900-2222", "20261102T0900-2222"),
        ("20261101", "20261101T0900-1111"),
        ("2026110", None),  # ambiguous, tested below
        ("latest", "20261103T0900-3333"),
        ("latest~0", "20261103T0900-3333"),
        ("latest~1", "20261102T0900-2222"),
        ("latest~2", "20261101T0900-1111"),
    ],
)
def test_load_refs(three: SQLiteStore, ref: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(UsageError):
            three.load(ref)
    else:
        assert three.load(ref).id == expected


def test_latest_beyond_history(three: SQLiteStore) -> None:
    with pytest.raises(RunNotFoundError) as exc:
        three.load("latest~3")
    assert str(exc.value) == "no stored run matches 'latest~3'"


def test_unknown_ref(three: SQLiteStore) -> None:
    with pytest.raises(RunNotFoundError) as exc:
        three.load("zzzz-nope")
    assert isinstance(exc.value, UsageError)
    assert _one_line(exc.value) == "no stored run matches 'zzzz-nope'"


def test_short_prefix_rejected(three: SQLiteStore) -> None:
    with pytest.raises(UsageError) as exc:
        three.load("202")
    assert "at least 4 characters" in _one_line(exc.value)


def test_short_full_id_still_loads(store: SQLiteStore) -> None:
    store.save(make_run("ab"))
    assert store.load("ab").id == "ab"


def test_prefix_is_literal_and_case_sensitive(store: SQLiteStore) -> None:
    store.save(make_run("run_%x-0001"))
    store.save(make_run("RUNA-0002", T0 + timedelta(hours=1)))
    assert store.load("run_%").id == "run_%x-0001"
    with pytest.raises(RunNotFoundError):
        store.load("run_x")
    with pytest.raises(RunNotFoundError):
        store.load("runa")


def test_ambiguous_prefix_lists_up_to_five(store: SQLiteStore) -> None:
    for k in range(7):
        store.save(make_run(f"dead{k}-beef", T0 + timedelta(hours=k)))
    with pytest.raises(UsageError) as exc:
        store.load("dead")
    message = _one_line(exc.value)
    assert not isinstance(exc.value, RunNotFoundError)
    assert "ambiguous" in message
    # Newest first, five of them, then how many more.
    assert "dead6-beef, dead5-beef, dead4-beef, dead3-beef, dead2-beef and 2 more" in message
    assert "dead1-beef" not in message

    assert store.load("dead6").id == "dead6-beef"  # unique again


def test_two_candidates_listed(store: SQLiteStore) -> None:
    store.save(make_run("beef-0001"))
    store.save(make_run("beef-0002", T0 + timedelta(hours=1)))
    with pytest.raises(UsageError, match=r"matches beef-0002, beef-0001; give more"):
        store.load("beef")
    assert store.load("beef-0001").id == "beef-0001"


# -- errors -----------------------------------------------------------------------------------


def test_duplicate_id_rejected_and_original_kept(store: SQLiteStore, db: Path) -> None:
    first = make_run("dup-0001", findings=10)
    store.save(first)
    with pytest.raises(StoreError) as exc:
        store.save(make_run("dup-0001", T0 + timedelta(days=1), findings=3))
    assert "dup-0001 is already stored" in _one_line(exc.value)
    assert str(db) in str(exc.value)
    # Nothing of the rejected run leaked in, and the store is still usable.
    assert store.load("dup-0001").to_dict() == first.to_dict()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM findings").fetchone() == (10,)
    finally:
        conn.close()
    store.save(make_run("dup-0002"))
    assert len(store.list_runs()) == 2


def test_newer_schema_rejected(db: Path) -> None:
    SQLiteStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = 2 WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as exc:
        SQLiteStore(db)
    assert _one_line(exc.value) == (
        f"results store {db} was written by a newer hardening (schema 2); upgrade hardening"
    )


@pytest.mark.parametrize(
    "content",
    [
        b"version: 1\norganisation:\n  name: not a database\n",
        b"\x00" * 5000,
        b"SQLite format 3\x00" + b"\xff" * 200,  # right magic, garbage after it
    ],
)
def test_not_sqlite_rejected_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "estate.yaml"
    path.write_bytes(content)
    with pytest.raises(StoreError) as exc:
        SQLiteStore(path)
    message = _one_line(exc.value)
    assert str(path) in message
    assert "Traceback" not in message
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["estate.yaml"]


def test_foreign_sqlite_database_rejected_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE runs (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a hardening results store") as exc:
        SQLiteStore(path)
    assert str(path) in _one_line(exc.value)
    assert path.read_bytes() == before


def test_missing_table_rejected(db: Path) -> None:
    SQLiteStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE findings")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a hardening results store"):
        SQLiteStore(db)


def test_path_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as exc:
        SQLiteStore(tmp_path)
    assert str(tmp_path) in _one_line(exc.value)


def test_parent_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as exc:
        SQLiteStore(blocker / "runs.sqlite")
    assert "cannot create its directory" in _one_line(exc.value)


def test_closed_store(db: Path) -> None:
    s = SQLiteStore(db)
    s.close()
    with pytest.raises(StoreError, match="is closed"):
        s.list_runs()


def test_corrupt_document_is_a_store_error(store: SQLiteStore, db: Path) -> None:
    store.save(make_run("bad-0001"))
    conn = sqlite3.connect(db)
    conn.execute("UPDATE runs SET document = '{\"run\": {}}'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="stored run bad-0001 is unreadable") as exc:
        store.load("bad-0001")
    _one_line(exc.value)


# -- default path -----------------------------------------------------------------------------


def test_default_store_path_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "x.sqlite"))
    assert default_store_path() == tmp_path / "x.sqlite"
    with open_store(None) as store:
        store.save(make_run("env-0001"))
    assert (tmp_path / "x.sqlite").is_file()


def test_default_store_path_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV, raising=False)
    expected = platformdirs.user_data_path("hardening", appauthor=False) / "runs.sqlite"
    assert default_store_path() == expected


# -- crashes and concurrency ------------------------------------------------------------------


def _start_writer(db: Path, mode: str, findings: int) -> subprocess.Popen[str]:
    # The child imports the installed `hardening` (the same interpreter and environment).
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), mode, str(findings)],
        stdout=subprocess.PIPE,
        text=True,
    )


def _kill(proc: subprocess.Popen[str]) -> str:
    """SIGKILL the writer (if still alive) and return what it printed that was not read yet."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.stdout is not None
    rest = proc.stdout.read()
    proc.stdout.close()
    return rest


def _writer_holds_lock(probe: sqlite3.Connection) -> bool:
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    probe.execute("ROLLBACK")
    return False


def _assert_store_consistent(db: Path, earlier: list[RunResult]) -> list[RunInfo]:
    """Earlier runs intact; every visible run complete; no findings without their run."""
    with SQLiteStore(db) as s:
        infos = s.list_runs()
        for run in earlier:
            assert s.load(run.id).to_dict() == run.to_dict()
        for info in infos:
            if info.id.startswith("child-"):
                assert len(s.load(info.id).findings) == info.total
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        counts = dict(conn.execute("SELECT run_id, count(*) FROM findings GROUP BY run_id"))
    finally:
        conn.close()
    assert {i.id for i in infos} >= set(counts)  # no orphaned findings of a half-saved run
    for info in infos:
        assert counts.get(info.id, 0) == info.total
    return infos


def test_sigkill_mid_write_leaves_earlier_runs_intact(db: Path) -> None:
    earlier = [make_run("early-0001", T0), make_run("early-0002", T0 + timedelta(hours=1))]
    with SQLiteStore(db) as s:
        for run in earlier:
            s.save(run)

    wal = db.with_name(db.name + "-wal")
    proc = _start_writer(db, "loop", 300_000)
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        deadline = time.monotonic() + 60
        # Kill while the child holds the write lock and has put > 8 MB of its ~140 MB transaction
        # in the WAL: inside the write, long before its commit. (The loop test below and the
        # readers test kill it part-way through the findings rows.)
        while True:
            assert proc.poll() is None, "writer exited early"
            assert time.monotonic() < deadline, "writer never started writing"
            if wal.exists() and wal.stat().st_size > 8_000_000 and _writer_holds_lock(probe):
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        probe.close()
        _kill(proc)

    infos = _assert_store_consistent(db, earlier)
    assert [i.id for i in infos] == ["early-0002", "early-0001"]
    with SQLiteStore(db) as s:  # and the store still takes new runs
        s.save(make_run("after-0001", T0 + timedelta(days=1)))
        assert s.load("latest").id == "after-0001"


def test_sigkill_while_looping_saves(db: Path) -> None:
    earlier = [make_run("early-0001", T0), make_run("early-0002", T0 + timedelta(hours=1))]
    with SQLiteStore(db) as s:
        for run in earlier:
            s.save(run)

    proc = _start_writer(db, "loop", 20_000)
    assert proc.stdout is not None
    saved = 0
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        # Let it commit two runs, then kill it inside its next write.
        for line in proc.stdout:
            if line.startswith("SAVED"):
                saved += 1
                if saved == 2:
                    break
        # A 20k-finding save holds the lock for ~0.2 s; kill 50 ms into it, if it is still
        # writing then (else try the next save).
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            if _writer_holds_lock(probe):
                time.sleep(0.05)
                if _writer_holds_lock(probe):
                    break
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        probe.close()
        rest = _kill(proc)
    saved += rest.count("SAVED")

    infos = _assert_store_consistent(db, earlier)
    children = [i.id for i in infos if i.id.startswith("child-")]
    # The run being written when killed is not visible (allow one committed just before the kill).
    assert len(children) in (saved, saved + 1)
    assert all(i.total == 20_000 for i in infos if i.id.startswith("child-"))


def test_readers_and_openers_work_during_a_write(db: Path) -> None:
    earlier = [make_run("early-0001", T0), make_run("early-0002", T0 + timedelta(hours=1))]
    with SQLiteStore(db) as s:
        for run in earlier:
            s.save(run)

    proc = _start_writer(db, "pause", 60_000)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "MID-WRITE"
        # The child is inside its save's transaction, with uncommitted pages in the WAL.
        assert db.with_name(db.name + "-wal").stat().st_size > 1_000_000
        for _ in range(3):
            with SQLiteStore(db) as reader:
                assert [i.id for i in reader.list_runs()] == ["early-0002", "early-0001"]
                assert reader.load("latest").to_dict() == earlier[1].to_dict()
                assert reader.load("early-0001").to_dict() == earlier[0].to_dict()
        # A second writer waits for the lock, then gives up with a one-line StoreError.
        with SQLiteStore(db, timeout=0.2) as writer:
            with pytest.raises(StoreError, match="locked by another process") as exc:
                writer.save(make_run("blocked-0001", T0 + timedelta(days=9)))
            _one_line(exc.value)
            assert len(writer.list_runs()) == 2
    finally:
        _kill(proc)

    infos = _assert_store_consistent(db, earlier)
    assert [i.id for i in infos] == ["early-0002", "early-0001"]


def test_document_is_the_json_report(store: SQLiteStore, db: Path) -> None:
    run = make_run("doc-0001")
    store.save(run)
    conn = sqlite3.connect(db)
    try:
        (document,) = conn.execute("SELECT document FROM runs").fetchone()
    finally:
        conn.close()
    assert json.loads(document) == json.loads(json.dumps(run.to_dict()))
