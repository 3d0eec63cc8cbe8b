"""Read TOTP seed stores (SQL tables, CSV exports) into `TotpStoreScan` summaries.

Each seed is read on the spot as base32 (accepting the lower-case, unpadded and
space-separated forms authenticator apps and libraries write), reduced to its validity, its
length in bits and `hash()` of its normalised form, and dropped. Validity and length are what
`base64.b32decode` would find, worked out from the seed's alphabet and length without decoding
it (`decoded_bits`). The hash is Python's string hash, a SipHash under a random per-process
key: it is only compared with the other seeds of the same store, to find seeds enrolled on
several accounts, and never leaves the process. No seed, and no part of one, is kept, logged or
put into a message.

A store becomes counts, not records (`SeedTally`): seeds read, invalid seeds, valid seeds per
decoded length, seeds shared by several accounts, each with the first few accounts behind it.
A store of 400,000 seeds is a scan of a few hundred bytes, cheap to send back from a worker.

Rows are fetched 1,000 at a time and summarised 10,000 at a time, as columns: a batch is
transposed (`zip(*batch)`), its types are checked for the whole column at once
(`set(map(type, column))`, `"" in accounts`), and only a batch holding a NULL, a number, a blob
or a blank account id goes row by row (`_usable_rows`), which names the rows it cannot use
("row N: no account id", "row N: no secret stored"). A batch of canonical seeds (upper-case
base32, no padding: what enrolment libraries write) is recognised in one pass over the joined
column and needs only the lengths; any other batch is normalised (`_normalise`) with `map`.
`record` reduces one seed the same way, one row at a time.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from functools import partial
from heapq import nsmallest
from itertools import chain, compress, islice, repeat
from operator import mul
from typing import TYPE_CHECKING, Final, cast

from hardening.bulk import gc_paused
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
from hardening.estate import TotpStore
from hardening.facets import SAMPLE_SIZE, SeedLength, TotpRecord, TotpStoreScan

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["SeedTally", "decoded_bits", "record", "scan_totp_store", "tally_batches"]

#: Rows fetched from a database at a time.
_FETCH: Final = 1000
#: Rows summarised at a time.
_BATCH: Final = 10_000


def scan_totp_store(store: TotpStore) -> TotpStoreScan:
    """Read one TOTP store; raise `StoreReadError` when it cannot be opened at all."""
    if store.kind == "csv":
        return _scan_csv(store)
    return _scan_sql(store)


def _normalise(secret: str) -> str:
    return "".join(secret.split()).upper().rstrip("=")


#: A seed already in canonical form: upper-case base32 letters, optional `=` padding.
_CANONICAL_RE: Final = re.compile(r"[A-Z2-7]*=*")
#: Normalised seed (no spaces, upper case, padding stripped) made of base32 letters only.
_BASE32_RE: Final = re.compile(r"[A-Z2-7]*")
#: Unpadded lengths (mod 8) that no padding makes valid: RFC 4648 pads to 0, 1, 3, 4 or 6 `=`.
_BAD_TAIL_LENGTHS: Final = frozenset({1, 3, 6})
#: The base32 alphabet, as bytes.
_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#: Byte table: a base32 letter becomes `A`, a newline stays, anything else becomes `0`.
_LETTERS: Final = bytes(
    ord("A") if byte in _ALPHABET else byte if byte == ord("\n") else ord("0")
    for byte in range(256)
)
_JUST_STR: Final = frozenset({str})


def _length_bits(length: int) -> int | None:
    """Decoded length in bits of `length` base32 letters (padding stripped), or None when no
    padding makes that many letters valid base32 (or there are none)."""
    if not length or length % 8 in _BAD_TAIL_LENGTHS:
        return None
    return 5 * length // 8 * 8


def decoded_bits(normal: str) -> int | None:
    """Decoded length in bits of a normalised seed, or None when it is not valid base32.

    What `base64.b32decode` (after re-padding) accepts, without decoding: only base32
    letters, a length that padding can complete, and at least one byte. Every 8 characters
    make 5 bytes and a partial group of 2, 4, 5 or 7 makes 1, 2, 3 or 4: 5 bits a character,
    rounded down to whole bytes. (So two valid lengths never decode to the same number of bits.)
    """
    if _BASE32_RE.fullmatch(normal) is None:
        return None
    return _length_bits(len(normal))


def record(account_id: str, row: int, secret: str) -> TotpRecord:
    """The non-secret facts of one seed: what `SeedTally` counts, for a single row."""
    # Decoded here, not by pyotp: pyotp refuses seeds under 112 bits, which are exactly the
    # ones an auditor must measure.
    if _CANONICAL_RE.fullmatch(secret) is not None:
        normal = secret.rstrip("=")  # what `_normalise` makes of it, without the copies
    else:
        normal = _normalise(secret)
    bits = decoded_bits(normal)
    if bits is None:
        return TotpRecord(account_id, row, valid_base32=False, bits=None)
    return TotpRecord(account_id, row, True, bits, hash(normal))


class SeedTally:
    """A TOTP store's rows, summarised batch by batch into a `TotpStoreScan`.

    Each batch is reduced to counts at once (seeds, invalid seeds, seeds per length, with the
    first `SAMPLE_SIZE` accounts behind each count); only the hash of each valid seed and its
    account are kept until `scan`, which counts the seeds held by more than one account.
    """

    __slots__ = (
        "_accounts",
        "_bits",
        "_invalid",
        "_invalid_sample",
        "_keys",
        "_samples",
        "problems",
    )

    def __init__(self) -> None:
        self._invalid = 0
        self._invalid_sample: list[str] = []
        self._bits: Counter[int] = Counter()
        self._samples: dict[int, list[tuple[int, str]]] = {}
        self._keys: list[int] = []  # hash of each valid seed, in store order
        self._accounts: list[str] = []  # the account of each of them
        #: Rows that could not be used, as "row N: what was wrong", in store order.
        self.problems: list[str] = []

    def add(
        self, rows: Sequence[int], accounts: Sequence[object], secrets: Sequence[object]
    ) -> None:
        """One batch of rows, as columns of equal length: row numbers (ascending, continuing
        the previous batch), account ids and secrets as read."""
        if (
            set(map(type, accounts)) == _JUST_STR
            and set(map(type, secrets)) == _JUST_STR
            and "" not in accounts
            and not any(map(str.isspace, cast("Sequence[str]", accounts)))
        ):
            texts = cast("Sequence[str]", secrets)
            self._add_seeds(rows, cast("Sequence[str]", accounts), texts, plain=True)
        else:
            usable = _usable_rows(rows, accounts, secrets, self.problems)
            if usable[0]:
                self._add_seeds(*usable, plain=False)

    def _add_seeds(
        self, rows: Sequence[int], accounts: Sequence[str], secrets: Sequence[str], *, plain: bool
    ) -> None:
        """Seeds with an account each. `plain`: every secret is exactly a `str`."""
        if plain and _all_letters(secrets):  # canonical and unpadded: already normal
            normals = secrets
            lengths = list(map(len, secrets))
        else:
            normals = list(
                map(str.rstrip, map(str.upper, map("".join, map(str.split, secrets))), repeat("="))
            )
            lengths = list(map(len, normals))
            if not _all_letters(normals):
                # A normal seed with a character outside base32 counts as length 0: invalid.
                lengths = list(map(mul, lengths, _letters_only(normals)))
        counts = Counter(lengths)
        bits_of = {length: _length_bits(length) for length in counts}
        invalid = [length for length, bits in bits_of.items() if bits is None]
        if invalid:
            self._invalid += sum(map(counts.__getitem__, invalid))
            wanted = SAMPLE_SIZE - len(self._invalid_sample)
            if wanted > 0:
                found = (_positions(lengths, n, min(wanted, counts[n])) for n in invalid)
                first = nsmallest(wanted, chain.from_iterable(found))
                self._invalid_sample.extend(map(accounts.__getitem__, first))
        for length, bits in bits_of.items():
            if bits is None:
                continue
            self._bits[bits] += counts[length]
            sample = self._samples.setdefault(bits, [])
            wanted = min(SAMPLE_SIZE - len(sample), counts[length])
            if wanted > 0:  # one length per number of bits: these come in store order
                sample.extend((rows[i], accounts[i]) for i in _positions(lengths, length, wanted))
        if invalid:
            valid = list(map(bool, map(bits_of.__getitem__, lengths)))
            self._keys.extend(map(hash, compress(normals, valid)))
            self._accounts.extend(compress(accounts, valid))
        else:
            self._keys.extend(map(hash, normals))
            self._accounts.extend(accounts)

    def scan(self, store_id: str, stopped: Iterable[str] = ()) -> TotpStoreScan:
        """The summary of every batch added; `stopped`: store-level problems met while reading
        (listed after the row problems)."""
        keys = self._keys
        shared: list[set[str]] = []
        if len(set(keys)) < len(keys):  # some seed is enrolled more than once
            repeated = {key for key, n in Counter(keys).items() if n > 1}
            holders: defaultdict[int, set[str]] = defaultdict(set)
            for key, account in compress(
                zip(keys, self._accounts, strict=True), map(repeated.__contains__, keys)
            ):
                holders[key].add(account)
            shared = [accounts for accounts in holders.values() if len(accounts) > 1]
        return TotpStoreScan(
            store_id,
            seeds=len(keys) + self._invalid,
            invalid=self._invalid,
            invalid_sample=tuple(self._invalid_sample),
            lengths=tuple(
                SeedLength(bits, self._bits[bits], tuple(self._samples[bits]))
                for bits in sorted(self._bits)
            ),
            shared_seeds=len(shared),
            sharing_accounts=sum(map(len, shared)),
            sharing_sample=tuple(nsmallest(SAMPLE_SIZE, chain.from_iterable(shared))),
            problems=(*self.problems, *stopped),
        )


def _all_letters(texts: Sequence[str]) -> bool:
    """Whether every text is made of base32 letters only (at C speed, over the joined column)."""
    joined = "".join(texts)
    return joined.isascii() and not joined.encode("ascii").translate(None, _ALPHABET)


def _letters_only(normals: Sequence[str]) -> Iterator[bool]:
    """For each normalised seed (no whitespace, so no newline), whether it is made of base32
    letters only: the joined column mapped to `A` (letter) or `0` (anything else), split again."""
    joined = "\n".join(normals).encode("ascii", "replace").translate(_LETTERS)
    return map(bytes.isalpha, joined.split(b"\n"))


def _positions(column: list[int], value: int, count: int) -> list[int]:
    """Positions of the first `count` occurrences of `value` in `column` (which holds at least
    that many), found by `list.index` in C."""
    found: list[int] = []
    at = -1
    for _ in range(count):
        at = column.index(value, at + 1)
        found.append(at)
    return found


def _usable_rows(
    rows: Sequence[int],
    accounts: Sequence[object],
    secrets: Sequence[object],
    problems: list[str],
) -> tuple[list[int], list[str], list[str]]:
    """The rows of a batch that hold an account id and a secret, one row at a time, as
    columns; every other row becomes a problem naming its number (never its content)."""
    numbers: list[int] = []
    ids: list[str] = []
    texts: list[str] = []
    for number, account, secret in zip(rows, accounts, secrets, strict=True):
        account_id = account if type(account) is str else "" if account is None else str(account)
        if not account_id or account_id.isspace():
            problems.append(f"row {number}: no account id")
            continue
        if isinstance(secret, str):
            text = secret
        elif isinstance(secret, bytes):
            text = secret.decode("ascii", "replace")
        else:
            problems.append(f"row {number}: no secret stored")
            continue
        numbers.append(number)
        ids.append(account_id)
        texts.append(text)
    return numbers, ids, texts


def tally_batches(
    fetch: Callable[[], Sequence[Sequence[object]]],
    error: type[Exception],
    tally: SeedTally,
) -> tuple[int, Exception | None]:
    """Feed `tally` the (account id, secret) rows `fetch` returns until it returns none,
    numbering them from 1; the number of rows read, and the `error` that stopped the reading
    part-way (its rows so far are in `tally`), if one did."""
    read = 0
    pending: list[Sequence[object]] = []
    failure: Exception | None = None
    with gc_paused():
        try:
            while fetched := fetch():
                pending += fetched
                if len(pending) >= _BATCH:
                    read = _add_batch(tally, read, pending)
                    pending = []
        except error as exc:
            failure = exc
        if pending:
            read = _add_batch(tally, read, pending)
    return read, failure


def _add_batch(tally: SeedTally, read: int, batch: Sequence[Sequence[object]]) -> int:
    accounts, secrets = zip(*batch, strict=True)
    tally.add(range(read + 1, read + 1 + len(batch)), accounts, secrets)
    return read + len(batch)


def _scan_csv(store: TotpStore) -> TotpStoreScan:
    if store.path is None or not store.id_column or not store.secret_column:
        why = "needs path, id_column and secret_column"
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {why}",))
    try:
        fh = store.path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise StoreReadError(
            f"store {store.id!r}: cannot open the file ({type(exc).__name__})"
        ) from None
    tally = SeedTally()
    stopped: list[Exception] = []
    with fh:
        try:
            reader = csv.reader(fh)
            header = next(reader, [])
            for column in (store.id_column, store.secret_column):
                if column not in header:
                    raise StoreReadError(f"store {store.id!r}: column {column!r} not found")
            rows = _csv_rows(
                reader, _last(header, store.id_column), _last(header, store.secret_column), stopped
            )
            while batch := list(islice(rows, _BATCH)):
                numbers, accounts, secrets = zip(*batch, strict=True)
                tally.add(numbers, accounts, secrets)
        except (csv.Error, UnicodeDecodeError) as exc:
            stopped.append(exc)
    if stopped:  # as for SQLite: a file that could not be read to the end is not judged
        why = f"store {store.id}: reading stopped ({type(stopped[0]).__name__})"
        return TotpStoreScan(store.id, problems=(*tally.problems, why))
    return tally.scan(store.id)


def _last(header: list[str], column: str) -> int:
    """Position of the last `column` in `header`: the one `csv.DictReader` reads."""
    return len(header) - 1 - header[::-1].index(column)


def _csv_rows(
    reader: Reader, id_at: int, secret_at: int, stopped: list[Exception]
) -> Iterator[tuple[int, str | None, str | None]]:
    """(row number, account id, secret) of each record that is not blank (as `csv.DictReader`
    reads them); a missing cell is None. A record is numbered by the line it ends on. A read
    error ends the rows and is put in `stopped`."""
    try:
        for row in filter(None, reader):
            width = len(row)
            yield (
                reader.line_num,
                row[id_at] if id_at < width else None,
                row[secret_at] if secret_at < width else None,
            )
    except (csv.Error, UnicodeDecodeError) as exc:
        stopped.append(exc)


def _scan_sql(store: TotpStore) -> TotpStoreScan:
    if store.dsn and dsn_engine(store.dsn) in POSTGRES_SCHEMES:
        from hardening.collectors.postgres import scan_totp

        return scan_totp(store)
    if not store.dsn or dsn_engine(store.dsn) != "sqlite":
        why = "only SQLite and PostgreSQL TOTP stores can be read"
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {why}",))
    path = sqlite_path(store.dsn, store.location.file)
    table, id_col, secret_col = store.table, store.id_column, store.secret_column
    if path is None or not table or not id_col or not secret_col:
        why = "needs a sqlite DSN with a file, table, id_column and secret_column"
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {why}",))
    if not valid_table(table) or not (
        IDENT_RE.fullmatch(id_col) and IDENT_RE.fullmatch(secret_col)
    ):
        why = "names are not plain SQL identifiers"
        return TotpStoreScan(store.id, problems=(f"store {store.id}: {why}",))
    tally = SeedTally()
    with closing(open_readonly(store.id, path)) as conn:
        cursor = select(store.id, conn, table, (id_col, secret_col))
        _, failure = tally_batches(partial(cursor.fetchmany, _FETCH), sqlite3.Error, tally)
    if failure is not None:  # the rows read so far are not judged, only their problems kept
        why = f"store {store.id}: reading stopped ({type(failure).__name__})"
        return TotpStoreScan(store.id, problems=(*tally.problems, why))
    return tally.scan(store.id)
