"""TOTP seed stores (SQLite, CSV) and the four auth.totp_* checks, through the engine."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date
from pathlib import Path

import pytest

import hardening.checks.auth.totp_secret_invalid as invalid
import hardening.checks.auth.totp_secret_shared as shared
import hardening.checks.auth.totp_secret_too_short as too_short
import hardening.checks.auth.totp_window_too_wide as window
from hardening.collectors.totp import record, scan_totp_store
from hardening.estate import (
    Estate,
    IdentityProvider,
    Location,
    MfaConfig,
    Organisation,
    TotpConfig,
    TotpStore,
)
from hardening.model import RunResult, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

# A valid 160-bit seed used as the canary: it must never appear in any output.
CANARY = "KRUGS4ZANFZSAYLOEBQWK43UMVZCAY3BNZQXE6JA"
SHORT_80 = "MFRGGZDFMZTWQ2LK"
SHORT_112 = "MFRGGZDFMZTWQ2LKNNWG23TP"
GOOD_160 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _sqlite(path: Path, rows: list[tuple[str, str | None]]) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE otp (username TEXT, secret TEXT)")
    con.executemany("INSERT INTO otp VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return path


def _store(tmp_path: Path, rows: list[tuple[str, str | None]], store_id: str = "otp") -> TotpStore:
    db = _sqlite(tmp_path / f"{store_id}.db", rows)
    return TotpStore(
        id=store_id,
        kind="sql",
        location=Location("estate.yaml", 12),
        dsn=f"sqlite:///{db}",
        table="otp",
        id_column="username",
        secret_column="secret",
    )


def _run(estate: Estate) -> RunResult:
    registry = from_modules([invalid, shared, too_short, window])
    return run_checks(estate, registry, RunOptions(today=date(2026, 11, 25)))


def _estate(*stores: TotpStore, identity: tuple[IdentityProvider, ...] | None = None) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("T"),
        totp_stores=stores or None,
        identity=identity,
    )


def _by_check(run: RunResult) -> dict[str, list[tuple[str, Status, Severity, str]]]:
    out: dict[str, list[tuple[str, Status, Severity, str]]] = {}
    for f in run.findings:
        out.setdefault(f.check_id, []).append((f.resource.id, f.status, f.severity, f.detail))
    return out


def test_record_measures_without_keeping_the_seed() -> None:
    assert (record("a", 1, GOOD_160).valid_base32, record("a", 1, GOOD_160).bits) == (True, 160)
    assert record("a", 1, "jbsw y3dp ehpk 3pxp").bits == 80  # app-style spacing and case
    assert record("a", 1, "JBSWY3DPEHPK3PX!").valid_base32 is False
    assert record("a", 1, "").valid_base32 is False
    assert CANARY not in repr(record("a", 1, CANARY))
    assert record("a", 1, GOOD_160).group_key == record("b", 2, GOOD_160.lower()).group_key


def test_bad_store_fails_each_check_and_a_good_one_passes(tmp_path: Path) -> None:
    bad = _store(
        tmp_path,
        [
            ("alice", CANARY),
            ("bob", CANARY),
            ("carol", SHORT_80),
            ("dave", "not base32!"),
            ("erin", None),
        ],
        "bad",
    )
    good = _store(tmp_path, [("frank", GOOD_160), ("grace", SHORT_112 + "AAAAAAAA")], "good")
    run = _run(_estate(bad, good))
    got = _by_check(run)
    statuses = {cid: {rid: st for rid, st, _, _ in rows} for cid, rows in got.items()}
    assert statuses["auth.totp_secret_invalid"] == {"bad": Status.FAIL, "good": Status.PASS}
    assert statuses["auth.totp_secret_shared"] == {"bad": Status.FAIL, "good": Status.PASS}
    assert statuses["auth.totp_secret_too_short"] == {"bad": Status.FAIL, "good": Status.PASS}
    short = next(r for r in got["auth.totp_secret_too_short"] if r[0] == "bad")
    assert short[2] is Severity.HIGH and "80 bits" in short[3]
    shared_detail = next(r for r in got["auth.totp_secret_shared"] if r[0] == "bad")[3]
    assert "2 accounts" in shared_detail
    doc = json.dumps(run.to_dict())
    assert CANARY not in doc and SHORT_80 not in doc
    assert "alice;bob" in doc  # account ids are named so the engineer can re-enrol them


def test_findings_over_a_store_of_many_batches(tmp_path: Path) -> None:
    # 25,000 seeds: the store is read in several batches; what the findings name must not
    # depend on where a batch ends.
    rows: list[tuple[str, str | None]] = [
        (f"m{i:05d}", f"{i:05d}".translate(str.maketrans("0123456789", "ABCDEFGHIJ")) * 8)
        for i in range(1, 25_001)
    ]
    rows[9_999] = ("zed", CANARY)  # row 10,000: last of the first batch
    rows[10_000] = ("amy", CANARY.lower())  # row 10,001: first of the second
    rows[24_999] = ("kim", CANARY)  # the last row
    rows[5] = ("short-1", SHORT_80)
    rows[19_000] = ("short-2", "GEZDGNBVGY3TQOJQ")  # 80 bits too, another seed
    rows[12_000] = ("bad-1", "not base32!")
    rows[12_001] = ("nul", None)
    run = _run(_estate(_store(tmp_path, rows)))
    got = {f.check_id: f for f in run.findings if f.resource.id == "otp"}
    shared = got["auth.totp_secret_shared"]
    assert shared.status is Status.FAIL
    assert (
        shared.detail == "1 TOTP seed(s) are each enrolled on several accounts (3 accounts in all)"
    )
    assert dict(shared.evidence) == {
        "seeds": 24_999,
        "shared_seeds": 1,
        "accounts_sharing": 3,
        "sample": "amy;kim;zed",
    }
    short = got["auth.totp_secret_too_short"]
    assert short.detail == "2 of 24998 TOTP seeds are shorter than 128 bits (shortest: 80 bits)"
    assert short.evidence["sample"] == "short-1;short-2"
    invalid = got["auth.totp_secret_invalid"]
    assert invalid.detail == "1 of 24999 stored TOTP seeds are not valid base32"
    assert invalid.evidence["sample"] == "bad-1"
    assert CANARY not in json.dumps(run.to_dict())


def test_112_bit_seed_is_short_but_not_critically(tmp_path: Path) -> None:
    run = _run(_estate(_store(tmp_path, [("a", SHORT_112)])))
    (finding,) = [f for f in run.findings if f.check_id == "auth.totp_secret_too_short"]
    assert finding.status is Status.FAIL and finding.severity is Severity.MEDIUM


def test_csv_store(tmp_path: Path) -> None:
    path = tmp_path / "otp.csv"
    path.write_text(f"user,seed\nann,{GOOD_160}\nben,{SHORT_80}\n")
    store = TotpStore(
        id="csv-otp",
        kind="csv",
        location=Location("estate.yaml", 3),
        path=path,
        id_column="user",
        secret_column="seed",
    )
    scan = scan_totp_store(store)
    assert (scan.seeds, scan.invalid, scan.problems) == (2, 0, ())
    assert [(length.bits, length.count, length.sample) for length in scan.lengths] == [
        (80, 1, ((3, "ben"),)),
        (160, 1, ((2, "ann"),)),
    ]


def test_unreadable_store_is_an_error_and_names_no_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "s3cr3t-dir" / "otp.db"
    broken.parent.mkdir()
    broken.write_bytes(b"not a database at all " * 50)
    store = TotpStore(
        id="broken",
        kind="sql",
        location=Location("estate.yaml", 5),
        dsn=f"sqlite:///{broken}",
        table="otp",
        id_column="username",
        secret_column="secret",
    )
    with caplog.at_level(logging.ERROR):
        run = _run(_estate(store))
    for f in run.findings:
        if f.check_id != "auth.totp_window_too_wide":
            assert f.status is Status.ERROR and "s3cr3t" not in f.detail
    assert "s3cr3t" not in caplog.text


def test_window_wider_than_policy_fails(tmp_path: Path) -> None:
    def idp(pid: str, w: int | None) -> IdentityProvider:
        totp = TotpConfig(window=w) if w is not None else None
        return IdentityProvider(
            id=pid,
            kind="inline",
            location=Location("estate.yaml", 7),
            mfa=MfaConfig(methods=("totp",), totp=totp),
        )

    run = _run(_estate(identity=(idp("wide", 3), idp("ok", 1), idp("undeclared", None))))
    got = {rid: (st, detail) for rid, st, _, detail in _by_check(run)["auth.totp_window_too_wide"]}
    assert got["wide"][0] is Status.FAIL and "7 codes" in got["wide"][1]
    assert got["ok"][0] is Status.PASS
    assert got["undeclared"][0] is Status.SKIP
