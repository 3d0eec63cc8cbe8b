"""TOTP seeds: the bit count and validity read without decoding match `base64.b32decode`, and a
store read in batches is summarised exactly as its rows one by one would be."""

from __future__ import annotations

import base64
import binascii
import pickle
import random
import sqlite3
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pyotp

from hardening.collectors.totp import _normalise, record, scan_totp_store
from hardening.estate import Location, TotpStore
from hardening.facets import SeedLength, TotpRecord, TotpStoreScan

GOOD_160 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SHORT_80 = "MFRGGZDFMZTWQ2LK"
SHORT_120 = "MFRGGZDFMZTWQ2LKNNWG23TP"
#: A valid 200-bit seed planted as a canary: it must appear in no problem and no scan.
CANARY = "KRUGS4ZANFZSAYLOEBQWK43UMVZCAY3BNZQXE6JA"


def _decoded(secret: str) -> TotpRecord:
    """What the collector recorded before: decode the whole seed with the standard library."""
    normal = _normalise(secret)
    try:
        decoded = base64.b32decode(normal + "=" * (-len(normal) % 8)) if normal else b""
    except (binascii.Error, ValueError):
        return TotpRecord("a", 1, valid_base32=False, bits=None)
    if not decoded:
        return TotpRecord("a", 1, valid_base32=False, bits=None)
    return TotpRecord("a", 1, True, len(decoded) * 8, hash(normal))


def test_seed_facts_match_b32decode() -> None:
    rng = random.Random(20261125)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz01890 =\t\n-!é\u00a0\u2003ıſßﬀ"
    samples = [
        "",
        " ",
        "=",
        "A",
        "AA",
        "AAA",
        "A" * 7,
        "A" * 8,
        "A" * 9,
        "AA======",
        "A=======",
        "AB=CD",
        "jbswy3dp ehpk3pxp",
        "JBSWY3DPEHPK3PXP",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "ıIII",  # dotless i upper-cases to I
        "ſSSSSSSS",  # long s upper-cases to S
        "ﬀ" * 4,  # one character that upper-cases to two
        "AAAAAAAA========",
    ]
    for n in range(40):
        samples += ["".join(rng.choice(alphabet) for _ in range(n)) for _ in range(100)]
    for secret in samples:
        assert record("a", 1, secret) == _decoded(secret), repr(secret)


def test_seeds_pyotp_accepts_are_valid_with_pyotp_s_length() -> None:
    """What an authenticator library makes of a seed: every seed pyotp accepts is read as valid
    with the length pyotp decodes; every seed read as invalid is refused by pyotp too."""
    rng = random.Random(20261126)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz0189="
    samples = [_seed(rng, n) for n in range(1, 41)]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(n)) for n in range(40) for _ in range(50)
    ]
    accepted = short = 0
    for secret in samples:
        facts = record("a", 1, secret)
        try:
            otp = pyotp.TOTP(secret)
        except (ValueError, binascii.Error):
            # Refused: not base32, or valid but shorter than pyotp's own minimum.
            if facts.valid_base32:
                assert facts.bits is not None and facts.bits < otp_minimum(), repr(secret)
                short += 1
            continue
        accepted += 1
        assert facts.valid_base32 and facts.bits == len(otp.byte_secret()) * 8, repr(secret)
    assert accepted > 25 and short > 10  # both sides were exercised


def otp_minimum() -> int:
    """The shortest seed, in bits, that pyotp accepts."""
    return int(getattr(pyotp.TOTP, "min_secret_length_bits", 112))


# --- stores read in batches -------------------------------------------------------------------


def _sqlite_store(tmp_path: Path, rows: list[tuple[object, object]]) -> TotpStore:
    """A SQLite seed table with untyped columns, so that each value keeps the type inserted."""
    db = tmp_path / "otp.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE otp (username, secret)")
    con.executemany("INSERT INTO otp VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return TotpStore(
        id="otp",
        kind="sql",
        location=Location("estate.yaml", 1),
        dsn=f"sqlite:///{db}",
        table="otp",
        id_column="username",
        secret_column="secret",
    )


def _seed(rng: random.Random, nbytes: int = 20) -> str:
    return base64.b32encode(rng.randbytes(nbytes)).decode().rstrip("=")


def _good_rows(n: int, seed: int = 1) -> list[tuple[object, object]]:
    rng = random.Random(seed)
    return [(f"user{i:05d}", _seed(rng)) for i in range(1, n + 1)]


def _no_seed_in(scan: TotpStoreScan, *seeds: object) -> None:
    text = repr(scan) + "".join(scan.problems)
    for seed in seeds:
        if isinstance(seed, str) and seed:
            assert seed not in text


def test_bad_rows_among_many_good_ones_are_named_and_the_rest_counted(tmp_path: Path) -> None:
    rows = _good_rows(45_000)
    rows[12_344] = ("user12345", None)  # NULL secret, in the middle of the second batch
    rows[12_345] = ("", CANARY)  # empty account id, holding a secret
    rows[12_346] = ("   ", CANARY)  # blank account id
    rows[17_000] = ("user17001", 4242)  # a number where a seed should be
    rows[17_001] = ("user17002", CANARY.encode())  # a blob: read as ASCII, counted
    rows[17_002] = (None, None)  # nothing at all: the missing account is what is named
    rows[25_000] = ("", CANARY)  # the only bad row of a batch of text
    rows[35_000] = ("\t ", CANARY)  # likewise, blank
    scan = scan_totp_store(_sqlite_store(tmp_path, rows))
    assert scan.problems == (
        "row 12345: no secret stored",
        "row 12346: no account id",
        "row 12347: no account id",
        "row 17001: no secret stored",
        "row 17003: no account id",
        "row 25001: no account id",
        "row 35001: no account id",
    )
    assert scan.seeds == 45_000 - 7
    assert scan.invalid == 0
    assert [(length.bits, length.count) for length in scan.lengths] == [
        (160, 45_000 - 8),
        (200, 1),
    ]
    assert scan.lengths[1].sample == ((17_002, "user17002"),)
    _no_seed_in(scan, CANARY)


def test_samples_are_the_first_accounts_in_store_order(tmp_path: Path) -> None:
    rows = _good_rows(30_000)
    # Short and invalid seeds spread over three batches, in an order that sorting by account
    # id or by length would not give.
    planted = {
        29_999: ("a-last", SHORT_80),
        25_000: ("b-third", "not base32!"),
        21_000: ("c-third", SHORT_120),
        15_000: ("z-second", SHORT_80),
        12_000: ("y-second", "0123"),
        9_999: ("x-first", SHORT_120),
        5_000: ("w-first", ""),
        10: ("v-first", SHORT_80.lower()),
        3: ("u-first", "AB=CD"),
        2: ("t-first", SHORT_120),
    }
    for at, row in planted.items():
        rows[at] = row
    scan = scan_totp_store(_sqlite_store(tmp_path, rows))
    assert scan.invalid == 4
    assert scan.invalid_sample == ("u-first", "w-first", "y-second", "b-third")
    by_bits = {length.bits: length for length in scan.lengths}
    assert (by_bits[80].count, by_bits[120].count) == (3, 3)
    assert by_bits[80].sample == ((11, "v-first"), (15_001, "z-second"), (30_000, "a-last"))
    assert by_bits[120].sample == ((3, "t-first"), (10_000, "x-first"), (21_001, "c-third"))
    assert len(by_bits[160].sample) == 5
    assert by_bits[160].sample == tuple((n, f"user{n:05d}") for n in (1, 2, 5, 6, 7))
    assert [length.bits for length in scan.lengths] == [80, 120, 160]


def test_a_seed_shared_across_batches_is_counted_once(tmp_path: Path) -> None:
    rows = _good_rows(30_000)
    shared, other = GOOD_160, SHORT_80
    rows[2] = ("mallory", shared)
    rows[14_999] = ("bob", shared.lower())  # the same seed, as an app would show it
    rows[29_999] = ("alice", " ".join(shared[i : i + 4] for i in range(0, 32, 4)))
    rows[9_999] = ("bob", other)  # bob also shares a second seed ...
    rows[10_000] = ("carol", other + "======")  # ... with carol, in the next batch
    rows[20_000] = ("dave", CANARY)  # dave enrolled twice with one seed: his alone
    rows[20_001] = ("dave", CANARY)
    scan = scan_totp_store(_sqlite_store(tmp_path, rows))
    assert scan.seeds == 30_000
    assert scan.shared_seeds == 2
    # Counted once per shared seed: bob holds both.
    assert scan.sharing_accounts == 5
    assert scan.sharing_sample == ("alice", "bob", "bob", "carol", "mallory")
    _no_seed_in(scan, shared, other, CANARY)


def _row_by_row(rows: list[tuple[object, object]]) -> TotpStoreScan:
    """The summary built the simple way: every row through `record`, then counted."""
    problems: list[str] = []
    records: list[TotpRecord] = []
    for number, (account, secret) in enumerate(rows, 1):
        account_id = "" if account is None else str(account)
        if not account_id.strip():
            problems.append(f"row {number}: no account id")
        elif isinstance(secret, bytes):
            records.append(record(account_id, number, secret.decode("ascii", "replace")))
        elif isinstance(secret, str):
            records.append(record(account_id, number, secret))
        else:
            problems.append(f"row {number}: no secret stored")
    invalid = [r.account_id for r in records if not r.valid_base32]
    by_bits: dict[int, list[TotpRecord]] = defaultdict(list)
    holders: dict[int, set[str]] = defaultdict(set)
    for r in records:
        if r.bits is not None and r.group_key is not None:
            by_bits[r.bits].append(r)
            holders[r.group_key].add(r.account_id)
    shared = [accounts for accounts in holders.values() if len(accounts) > 1]
    return TotpStoreScan(
        "otp",
        seeds=len(records),
        invalid=len(invalid),
        invalid_sample=tuple(invalid[:5]),
        lengths=tuple(
            SeedLength(bits, len(rs), tuple((r.row, r.account_id) for r in rs[:5]))
            for bits, rs in sorted(by_bits.items())
        ),
        shared_seeds=len(shared),
        sharing_accounts=sum(map(len, shared)),
        sharing_sample=tuple(sorted(a for accounts in shared for a in accounts)[:5]),
        problems=tuple(problems),
    )


def test_a_mixed_store_is_summarised_as_row_by_row(tmp_path: Path) -> None:
    rng = random.Random(7)
    pool = [_seed(rng, n) for n in (1, 5, 10, 10, 16, 20, 20)]

    def secret() -> object:
        r = rng.random()
        if r < 0.02:
            return rng.choice([None, 7, 2.5, b"\xff\xfe", pool[0].encode()])
        if r < 0.05:
            return rng.choice(["", "  ", "====", "A", "AAA", "not base32!", "ı" * 4, "ﬀ" * 4])
        seed = rng.choice(pool) if r < 0.1 else _seed(rng, rng.choice([5, 10, 16, 20, 32]))
        form = rng.random()
        if form < 0.2:
            return seed.lower()
        if form < 0.3:
            return " ".join(seed[i : i + 4] for i in range(0, len(seed), 4))
        if form < 0.4:
            return seed + "=" * (-len(seed) % 8)
        return seed

    def account() -> object:
        r = rng.random()
        if r < 0.01:
            return rng.choice([None, "", " ", "\t", 42, b"blob"])
        return f"u{rng.randrange(4_000)}"

    rows = [(account(), secret()) for _ in range(23_456)]
    # Whole batches of plain canonical seeds too, where the fast path applies.
    rows[:10_000] = [(f"c{i}", _seed(rng, rng.choice([10, 20]))) for i in range(10_000)]
    scan = scan_totp_store(_sqlite_store(tmp_path, rows))
    assert scan == _row_by_row(rows)
    assert scan.shared_seeds and scan.invalid and scan.problems  # the mix holds each case


def test_csv_rows_are_numbered_by_line_and_a_broken_file_is_not_judged(tmp_path: Path) -> None:
    lines = ["user,seed"] + [f"user{i},{GOOD_160}" for i in range(2, 12_002)]
    lines[5] = "ann"  # no secret cell
    lines[7] = f'"multi\nline",{SHORT_80}'  # one record over two lines
    good = tmp_path / "otp.csv"
    good.write_text("\n".join(lines) + f"\n\n\nlate,{SHORT_80}\n\n")
    store = TotpStore(
        id="csv-otp",
        kind="csv",
        location=Location("estate.yaml", 3),
        path=good,
        id_column="user",
        secret_column="seed",
    )
    scan = scan_totp_store(store)
    assert scan.problems == ("row 6: no secret stored",)
    assert scan.seeds == 12_000
    assert [(length.bits, length.count) for length in scan.lengths] == [(80, 2), (160, 11_998)]
    # A record is numbered by the line it ends on; blank lines are skipped, and counted.
    assert scan.lengths[0].sample == ((9, "multi\nline"), (12_005, "late"))

    broken = tmp_path / "broken.csv"
    broken.write_bytes(good.read_bytes() + b"\xff\xfe,x\n")
    scan = scan_totp_store(replace(store, path=broken))
    assert scan.seeds == 0
    assert scan.problems == (
        "row 6: no secret stored",
        "store csv-otp: reading stopped (UnicodeDecodeError)",
    )


def test_a_store_of_any_size_is_a_small_summary(tmp_path: Path) -> None:
    scan = scan_totp_store(_sqlite_store(tmp_path, _good_rows(50_000)))
    assert scan.seeds == 50_000
    assert len(pickle.dumps(scan)) < 1_000
