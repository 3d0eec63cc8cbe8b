"""Large stores are read in worker processes while the estate loads, with the same findings."""

from __future__ import annotations

import csv
import logging
import multiprocessing
import os
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import credential_build as build
import pytest

from hardening.cli import main
from hardening.collectors import prefetch
from hardening.errors import EstateError
from hardening.model import RunResult
from hardening.registry import discover
from hardening.runner import RunOptions, load_and_run

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked"
)


def _estate(root: Path, *, bad_account: bool = False) -> Path:
    """A members table and a TOTP seed table in SQLite, and an accounts CSV."""
    h = build.hashes()
    db = root / "users.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (username TEXT, password_hash TEXT, changed_at TEXT)")
        conn.execute("CREATE TABLE otp (username TEXT, secret TEXT)")
        conn.executemany(
            "INSERT INTO users VALUES (?, ?, ?)",
            [
                (f"m{i:04d}", h["md5_crypt"] if i % 3 else h["bcrypt12"], "2026-09-01")
                for i in range(3000)
            ],
        )
        conn.executemany(
            "INSERT INTO otp VALUES (?, ?)",
            [(f"m{i:04d}", "JBSWY3DPEHPK3PXP" if i % 7 else "SHORT234") for i in range(0, 3000, 2)],
        )
    conn.close()
    with (root / "accounts.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "roles", "mfa", "password_changed", "last_login", "enabled"])
        for i in range(3000):
            out.writerow(
                [
                    f"m{i:04d}",
                    "admin" if i % 100 == 0 else "member",
                    "",
                    "2026-09-01",
                    "2026-11-01",
                    "true",
                ]
            )
        if bad_account:
            out.writerow(["m9999", "member", "", "not a date", "", "true"])
    (root / "estate.yaml").write_text(
        "version: 1\n"
        "organisation: {name: Bench, incident: {discovered: 2026-10-02}}\n"
        "policy: {mfa_required_roles: [admin]}\n"
        "accounts: {source: accounts.csv}\n"
        "credential_stores:\n"
        "  - {id: members, kind: sql, dsn: 'sqlite:///users.db', table: users,"
        " id_column: username, hash_column: password_hash, changed_column: changed_at}\n"
        "totp_stores:\n"
        "  - {id: members-otp, kind: sql, dsn: 'sqlite:///users.db', table: otp,"
        " id_column: username, secret_column: secret}\n",
        encoding="utf-8",
    )
    return root / "estate.yaml"


def _findings(run: RunResult) -> list[tuple[object, ...]]:
    return [
        (f.check_id, f.status, f.severity, f.resource, f.detail, dict(f.evidence), f.affected)
        for f in run.findings
    ]


def _run(path: Path, jobs: int) -> RunResult:
    options = RunOptions(include=["auth"], today=date(2026, 11, 25), jobs=jobs)
    return load_and_run(path, discover(), options)[1]


@pytest.fixture
def every_store_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefetch, "PREFETCH_MIN_BYTES", 0)


@pytest.fixture
def single_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the CLI: other tests of the session may leave threads behind (a moto server)."""
    monkeypatch.setattr(prefetch, "_threaded", lambda: False)


@pytest.mark.usefixtures("every_store_is_large", "single_threaded")
def test_workers_read_the_stores_and_the_findings_are_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _estate(tmp_path)
    alone = _run(path, jobs=1)
    with caplog.at_level(logging.DEBUG, logger="hardening.collectors.prefetch"):
        shared = _run(path, jobs=3)
    assert "reading 2 store(s) in 2 worker process(es)" in caplog.text
    assert _findings(shared) == _findings(alone)
    failing = {f.check_id for f in alone.findings if f.status.value == "fail"}
    assert {"auth.password_hash_weak", "auth.totp_secret_too_short"} <= failing
    assert multiprocessing.active_children() == []


def test_small_stores_stay_in_the_main_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="hardening.collectors.prefetch"):
        _run(_estate(tmp_path), jobs=4)
    assert "worker process" not in caplog.text


@pytest.mark.usefixtures("every_store_is_large")
def test_no_fork_while_the_calling_program_runs_threads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _estate(tmp_path)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        with caplog.at_level(logging.DEBUG, logger="hardening.collectors.prefetch"):
            run = _run(path, jobs=2)
    finally:
        stop.set()
        other.join()
    assert "worker process" not in caplog.text
    assert _findings(run) == _findings(_run(path, jobs=1))


def _dies(*_: object) -> None:
    os._exit(9)


@pytest.mark.usefixtures("every_store_is_large", "single_threaded")
def test_a_worker_that_dies_costs_time_not_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = _estate(tmp_path)
    alone = _run(path, jobs=1)
    monkeypatch.setattr(prefetch, "_work", _dies)
    with caplog.at_level(logging.WARNING, logger="hardening.collectors.prefetch"):
        survived = _run(path, jobs=2)
    assert "the worker reading members, members-otp stopped (exit code 9)" in caplog.text
    assert _findings(survived) == _findings(alone)


def _sleeps(*_: object) -> None:
    time.sleep(120)


@pytest.mark.usefixtures("every_store_is_large", "single_threaded")
def test_an_invalid_estate_stops_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _estate(tmp_path, bad_account=True)
    monkeypatch.setattr(prefetch, "_work", _sleeps)
    with pytest.raises(EstateError, match="accounts.csv:3002"):
        _run(path, jobs=2)
    assert multiprocessing.active_children() == []


def test_jobs_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--demo", "--no-store", "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "--jobs" in capsys.readouterr().err
