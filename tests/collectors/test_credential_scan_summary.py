"""A credential scan is counts and samples: what it reports for a large table read in batches."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import credential_build as build
import pytest

from hardening.collectors import credentials
from hardening.collectors.credentials import read_records, scan_credential_store
from hardening.collectors.tally import CredentialTally

ROWS = 10_000  # more than two batches


def _rows() -> list[tuple[object, object, object]]:
    """A member table: bcrypt everywhere, a shared default password in two far-apart rows, a
    column of plaintext, a NULL password, an empty user name and a bad date mid-table."""
    h = build.hashes()
    rows: list[tuple[object, object, object]] = []
    for i in range(ROWS):
        value: object = h["bcrypt12"] if i % 2 else h["argon2id_owasp"]
        day: object = f"2026-{1 + i % 12:02d}-15"
        rows.append((f"m{i:05d}", value, day))
    rows[10] = ("m00010", build.CANARY, "2026-10-20")  # plaintext
    rows[9_000] = ("m09000", build.CANARY, "2026-10-21")  # the same plaintext, later batch
    rows[5_000] = ("m05000", None, "2026-03-01")  # NULL: no password
    rows[6_000] = ("", h["bcrypt12"], "2026-03-01")  # no user name
    rows[7_000] = ("m07000", h["bcrypt12"], "last tuesday")  # not a date
    return rows


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.write_sqlite(tmp_path_factory.mktemp("summary") / "members.db", _rows())


def test_a_large_table_is_summarised_by_kind_value_and_day(table: Path) -> None:
    scan = scan_credential_store(build.sql_store(table, "members"))

    assert scan.accounts == ROWS - 1  # the row without a user name is not an account
    assert scan.problems == (
        "row 6001: account id is empty",
        "row 7001: changed column is not a date or epoch timestamp",
    )
    by_scheme = {k.scheme: k for k in scan.kinds}
    assert list(by_scheme) == ["argon2", "bcrypt", "plaintext", "empty"]  # first appearance
    assert by_scheme["plaintext"].count == 2
    assert by_scheme["plaintext"].sample == ((11, "m00010"), (9001, "m09000"))
    assert by_scheme["empty"].sample == ((5001, "m05000"),)
    assert by_scheme["bcrypt"].sample == (
        (2, "m00001"),
        (4, "m00003"),
        (6, "m00005"),
        (8, "m00007"),
        (10, "m00009"),
    )
    assert sum(k.count for k in scan.kinds) == scan.accounts

    shared = {s.scheme: s for s in scan.shared}
    # The plaintext pair shares one value across batches; each hash is shared by half the table.
    assert (shared["plaintext"].groups, shared["plaintext"].accounts) == (1, 2)
    assert shared["plaintext"].sample == ((11, "m00010"), (9001, "m09000"))
    assert shared["bcrypt"].largest == by_scheme["bcrypt"].count

    # Change dates of live credentials (the NULL password has none to change).
    days = {d.day: d.count for d in scan.changes}
    assert days[date(2026, 10, 20)] == 1 and days[date(2026, 10, 21)] == 1
    assert sum(days.values()) == scan.accounts - 1 - 1  # less the NULL and the bad date
    assert scan.undated == 1
    assert [d.day for d in scan.changes] == sorted(days)


def test_the_batch_path_and_the_row_path_agree(
    table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = build.sql_store(table, "members")
    batched = scan_credential_store(store)
    monkeypatch.setattr(credentials, "_batch_of_text", lambda *args: False)
    assert scan_credential_store(store) == batched


def test_the_scan_is_the_summary_of_its_records(table: Path) -> None:
    store = build.sql_store(table, "members")
    records, problems = read_records(store)
    tally = CredentialTally()
    for record in records:
        tally.add_record(record)
    assert tally.scan("members", "sql", problems) == scan_credential_store(store)


def test_a_scan_is_small_and_survives_the_trip_from_a_worker(table: Path) -> None:
    scan = scan_credential_store(build.sql_store(table, "members"))
    sent = pickle.dumps(scan)
    assert pickle.loads(sent) == scan
    assert len(sent) < 20_000  # counts and samples, not 10,000 accounts
    for secret in build.secrets_written():
        assert secret.encode() not in sent
