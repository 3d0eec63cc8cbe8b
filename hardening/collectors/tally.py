"""Summarise a credential store's rows into a `CredentialStoreScan`: counts, not records.

Collectors feed a `CredentialTally` one row at a time (`add`) or a batch of columns at a time
(`extend`, the SQL readers); `scan` then counts them, mostly in C (`Counter`, `map`, `zip`),
and keeps small samples of accounts. A store of a million accounts becomes a scan of a few
kilobytes, which is what lets a worker process read it and send it back.

Stored values are compared by `hash(value)` (see `hardening.facets`): the tally keeps those
integers, never the values.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date
from itertools import compress
from typing import Final, Protocol, TypeVar

from hardening.facets import (
    SAMPLE_SIZE,
    ChangeDay,
    CredentialRecord,
    CredentialStoreScan,
    HashKind,
    Sample,
    SharedValues,
)

__all__ = ["UNKEYED", "CredentialTally", "ValueKind", "scan_of", "value_key"]

K = TypeVar("K", bound=Hashable)
#: A kind of stored value: scheme, parameters (sorted items), salted.
_KindKey = tuple[str, tuple[tuple[str, int | str], ...], bool | None]

#: Schemes with nothing stored to compare (and no credential to have changed).
UNKEYED: Final = frozenset({"empty", "locked"})


class ValueKind(Protocol):
    """What a classifier found about a stored value (`hashes.Classified`, a record)."""

    @property
    def scheme(self) -> str: ...

    @property
    def params(self) -> Mapping[str, int | str]: ...

    @property
    def salted(self) -> bool | None: ...


def value_key(value: str) -> int:
    """The key two equal stored values share (surrounding blanks ignored)."""
    return hash(value.strip())


def scan_of(
    store_id: str, kind: str, records: Iterable[CredentialRecord], problems: Iterable[str] = ()
) -> CredentialStoreScan:
    """The scan summarising `records` (rows already reduced to records)."""
    tally = CredentialTally()
    for record in records:
        tally.add_record(record)
    return tally.scan(store_id, kind, problems)


class CredentialTally:
    """A credential store's rows, kept as columns until `scan` summarises them."""

    __slots__ = ("_accounts", "_changed", "_found", "_keys", "_rows")

    def __init__(self) -> None:
        self._accounts: list[str] = []
        self._rows = array("q")
        self._found: list[ValueKind] = []
        self._keys: list[int | None] = []
        self._changed: list[date | None] = []

    def __len__(self) -> int:
        return len(self._found)

    def add(
        self,
        account_id: str,
        row: int,
        found: ValueKind,
        value: str | None,
        changed: date | None = None,
    ) -> None:
        """One row: its account, row number, classification, stored value (only its key is
        kept; None when nothing is stored) and change date."""
        self._accounts.append(account_id)
        self._rows.append(row)
        self._found.append(found)
        self._keys.append(None if value is None or found.scheme in UNKEYED else value_key(value))
        self._changed.append(changed)

    def add_record(self, record: CredentialRecord) -> None:
        """A row already reduced to a record (its `group_key` kept as the value's key)."""
        self._accounts.append(record.account_id)
        self._rows.append(record.row)
        self._found.append(record)
        self._keys.append(record.group_key)
        self._changed.append(record.changed)

    def extend(
        self,
        accounts: Sequence[str],
        rows: Iterable[int],
        found: Sequence[ValueKind],
        keys: Iterable[int | None],
        changed: Iterable[date | None],
    ) -> None:
        """A batch of rows as columns of equal length. `keys` may hold a key for a value of an
        unkeyed scheme (`UNKEYED`): `scan` ignores it."""
        self._accounts.extend(accounts)
        self._rows.extend(rows)
        self._found.extend(found)
        self._keys.extend(keys)
        self._changed.extend(changed)

    def records(self) -> list[CredentialRecord]:
        """Every row as a `CredentialRecord`, in store order (to inspect a store)."""
        return [
            CredentialRecord(
                account,
                row,
                found.scheme,
                found.params,
                found.salted,
                None if found.scheme in UNKEYED else key,
                changed,
            )
            for account, row, found, key, changed in zip(
                self._accounts, self._rows, self._found, self._keys, self._changed, strict=True
            )
        ]

    def scan(self, store_id: str, kind: str, problems: Iterable[str]) -> CredentialStoreScan:
        """The summary of every row added so far."""
        found = self._found
        if not found:
            return CredentialStoreScan(store_id, kind, problems=tuple(problems))
        # Classifications are shared objects (one per parameter prefix): count by identity in
        # C, then merge the identities that describe one kind.
        ids = list(map(id, found))
        objects = dict(zip(ids, found, strict=True))  # first appearance order
        per_object = Counter(ids)
        kind_of_object: dict[int, _KindKey] = {}
        standing: dict[_KindKey, ValueKind] = {}
        counts: Counter[_KindKey] = Counter()
        for ident, obj in objects.items():
            key = (obj.scheme, tuple(sorted(obj.params.items())), obj.salted)
            kind_of_object[ident] = key
            standing.setdefault(key, obj)
            counts[key] += per_object[ident]
        kind_rows = _first_rows(map(kind_of_object.__getitem__, ids), counts)
        kinds = tuple(
            HashKind(obj.scheme, obj.params, obj.salted, counts[key], self._sample(kind_rows[key]))
            for key, obj in standing.items()
        )
        # Rows with a credential (neither empty nor locked): compared, and dated.
        live = {ident for ident, obj in objects.items() if obj.scheme not in UNKEYED}
        mask = None if len(live) == len(objects) else list(map(live.__contains__, ids))
        changes, undated = self._changes(mask)
        return CredentialStoreScan(
            store_id,
            kind,
            accounts=len(found),
            kinds=kinds,
            shared=self._shared(objects, ids, mask),
            changes=changes,
            undated=undated,
            problems=tuple(problems),
        )

    def _sample(self, positions: Sequence[int]) -> Sample:
        return tuple((self._rows[i], self._accounts[i]) for i in positions)

    def _shared(
        self, objects: Mapping[int, ValueKind], ids: list[int], mask: list[bool] | None
    ) -> tuple[SharedValues, ...]:
        keys = self._keys
        positions: Iterable[int] = range(len(keys))
        compared: Iterable[int | None] = keys
        if mask is not None:
            compared, positions = compress(keys, mask), compress(positions, mask)
        sizes = Counter(compared)
        shared = {key: n for key, n in sizes.items() if key is not None and n > 1}
        if not shared:
            return ()
        # The scheme of each shared value, from the last row that holds it (built in C).
        last = dict(zip(compress(keys, mask) if mask is not None else keys, positions, strict=True))
        groups: Counter[str] = Counter()
        accounts: Counter[str] = Counter()
        largest: dict[str, int] = {}
        scheme_of: dict[int, str] = {}
        for key, n in shared.items():
            scheme = objects[ids[last[key]]].scheme
            scheme_of[key] = scheme
            groups[scheme] += 1
            accounts[scheme] += n
            largest[scheme] = max(largest.get(scheme, 0), n)
        labels: Iterable[str | None]
        if mask is None:
            labels = map(scheme_of.get, keys)  # type: ignore[arg-type]  # None keys: None
        else:
            labels = (
                scheme_of.get(key) if ok and key is not None else None
                for key, ok in zip(keys, mask, strict=True)
            )
        rows = _first_rows(labels, accounts)
        return tuple(
            SharedValues(
                scheme,
                groups[scheme],
                accounts[scheme],
                largest[scheme],
                self._sample(rows[scheme]),
            )
            for scheme in sorted(groups)
        )

    def _changes(self, mask: list[bool] | None) -> tuple[tuple[ChangeDay, ...], int]:
        changed: Iterable[date | None] = self._changed
        if mask is not None:
            changed = [day if ok else None for day, ok in zip(self._changed, mask, strict=True)]
        counted = Counter(changed if mask is None else compress(self._changed, mask))
        days = {day: n for day, n in counted.items() if day is not None}
        rows = _first_rows(changed, days)
        return (
            tuple(ChangeDay(day, days[day], self._sample(rows[day])) for day in sorted(days)),
            counted[None],
        )


def _first_rows(labels: Iterable[K | None], sizes: Mapping[K, int]) -> dict[K, list[int]]:
    """For each label of `sizes`, the positions of its first `SAMPLE_SIZE` occurrences in
    `labels` (None is no label); stops reading as soon as every label has them."""
    wanted = {label: min(SAMPLE_SIZE, n) for label, n in sizes.items()}
    found: dict[K, list[int]] = {label: [] for label in sizes}
    left = sum(1 for n in wanted.values() if n)
    if not left:
        return found
    for position, label in enumerate(labels):
        got = found.get(label)  # type: ignore[arg-type]
        if got is None or len(got) >= wanted[label]:  # type: ignore[index]
            continue
        got.append(position)
        if len(got) == wanted[label]:  # type: ignore[index]
            left -= 1
            if not left:
                break
    return found
