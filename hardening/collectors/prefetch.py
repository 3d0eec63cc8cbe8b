"""Read the large credential and TOTP stores in worker processes while the estate loads.

Reading a table of a million accounts takes seconds of Python, and so does loading an
inventory of a million accounts; on a machine with more than one core neither needs to wait
for the other. `load_estate` hands the validated store declarations to `Prefetch.start`
before it reads the inventories, and `start` forks workers that read the large stores. The
workers send back scans, which hold counts and samples only (a few kilobytes a store), and
`build_context` takes them instead of reading those stores itself.

Which stores
    A store is read in a worker when its file (shadow, htpasswd, CSV, SQLite database) is at
    least `PREFETCH_MIN_BYTES`, or when it is a PostgreSQL table (its size is not known in
    advance, and the time is spent waiting on the server as much as in Python). Everything
    else is read in the main process, where a worker would cost more than it saves.

Workers
    `jobs - 1` workers at most, so that one core is left for loading the estate and running the
    account checks; none when `jobs` is 1, when the platform cannot fork, or when the calling
    program runs other threads (a forked child would inherit their locks, held, forever). They
    are forked at `start`, before the main process has started any thread of its own, so they
    begin in milliseconds, log through the handlers already configured, and share the
    parent's memory until they write to it. A worker reads its stores in turn and then sends
    their scans; it ignores Ctrl-C, which the main process handles. A worker that dies
    (killed, out of memory) is not fatal: the stores it did not send are read again in the
    main process, with a warning in the log. `close` (or leaving the `with` block, for
    instance because the estate turned out to be invalid) stops any worker still running.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Collection, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Final, Literal

from hardening.bulk import gc_paused
from hardening.collectors.sqlsource import POSTGRES_SCHEMES, dsn_engine, sqlite_path
from hardening.estate import CredentialStore, TotpStore
from hardening.facets import CredentialStoreScan, TotpStoreScan

__all__ = ["PREFETCH_MIN_BYTES", "Prefetch", "default_jobs"]

log = logging.getLogger(__name__)

#: A store file at least this large is read in a worker process.
PREFETCH_MIN_BYTES: Final = 4 * 1024 * 1024

Kind = Literal["credential", "totp"]
Task = tuple[Kind, CredentialStore | TotpStore]
Scan = CredentialStoreScan | TotpStoreScan


def default_jobs() -> int:
    """Cores this process may run on (`os.sched_getaffinity` where there is one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Prefetch:
    """Store scans started in worker processes before the checks need them."""

    def __init__(self, jobs: int, facets: Collection[str]) -> None:
        """`jobs`: processes the run may use (1: no workers). `facets`: those the selected
        checks need; stores of a facet nobody needs are not read."""
        self._jobs = jobs
        self._facets = frozenset(facets)
        self._workers: list[tuple[BaseProcess, Connection, list[Task]]] = []
        self._scans: dict[tuple[Kind, str], Scan] = {}
        self._collected = False

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def pending(self) -> bool:
        """Whether workers are reading stores whose scans have not been taken yet."""
        return bool(self._workers) and not self._collected

    def start(
        self, credential_stores: Sequence[CredentialStore], totp_stores: Sequence[TotpStore]
    ) -> None:
        """Fork workers for the large stores among these declarations."""
        tasks: list[Task] = []
        if "credential_stores" in self._facets:
            tasks += [("credential", s) for s in credential_stores if _worth_a_worker(s)]
        if "totp_stores" in self._facets:
            tasks += [("totp", s) for s in totp_stores if _worth_a_worker(s)]
        workers = min(self._jobs - 1, len(tasks))
        if workers < 1 or "fork" not in multiprocessing.get_all_start_methods() or _threaded():
            return
        context = multiprocessing.get_context("fork")
        for i in range(workers):
            share = tasks[i::workers]
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_work, args=(send, share), name=f"hardening-read-{i}", daemon=True
            )
            process.start()
            send.close()  # the worker's end: only the worker holds it open now
            self._workers.append((process, receive, share))
        log.debug("reading %d store(s) in %d worker process(es)", len(tasks), workers)

    def credential_scan(self, store: CredentialStore) -> CredentialStoreScan | None:
        """The scan a worker made of `store`, or None (not prefetched, or its worker died)."""
        scan = self._take("credential", store.id)
        return scan if isinstance(scan, CredentialStoreScan) else None

    def totp_scan(self, store: TotpStore) -> TotpStoreScan | None:
        """The scan a worker made of `store`, or None (not prefetched, or its worker died)."""
        scan = self._take("totp", store.id)
        return scan if isinstance(scan, TotpStoreScan) else None

    def close(self) -> None:
        """Stop any worker still running and release its pipe."""
        for process, receive, _ in self._workers:
            if process.is_alive():
                process.terminate()
            process.join()
            receive.close()
        self._workers.clear()

    def _take(self, kind: Kind, store_id: str) -> Scan | None:
        if not self._collected:
            self._collect()
        return self._scans.pop((kind, store_id), None)

    def _collect(self) -> None:
        """Wait for every worker's scans."""
        self._collected = True
        for process, receive, share in self._workers:
            sent = 0
            try:
                while (message := receive.recv()) is not None:
                    kind, store_id, scan = message
                    self._scans[(kind, store_id)] = scan
                    sent += 1
            except (EOFError, OSError):
                process.join()
                lost = ", ".join(store.id for _, store in share[sent:])
                log.warning(
                    "the worker reading %s stopped (exit code %s); reading them here instead",
                    lost,
                    process.exitcode,
                )
        self.close()


def _threaded() -> bool:
    """Whether other threads run: a fork copies none of them, only the locks they hold."""
    return threading.active_count() > 1


def _worth_a_worker(store: CredentialStore | TotpStore) -> bool:
    dsn = store.dsn or ""
    engine = dsn_engine(dsn)
    if engine in POSTGRES_SCHEMES:
        return True
    path = store.path
    if engine == "sqlite":
        path = sqlite_path(dsn, store.location.file)
    if path is None:
        return False
    try:
        return path.stat().st_size >= PREFETCH_MIN_BYTES
    except OSError:
        return False  # the main process reports what is wrong with it


def _work(send: Connection, tasks: list[Task]) -> None:
    """A worker: read each store in turn, then send the scans; None when all are sent."""
    from hardening.collectors import read_credential_store, read_totp_store

    # Ctrl-C reaches the whole process group: the main process decides, and stops the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    scans: list[tuple[Kind, str, Scan]] = []
    with gc_paused():
        for kind, store in tasks:
            if isinstance(store, CredentialStore):
                scans.append((kind, store.id, read_credential_store(store)))
            else:
                scans.append((kind, store.id, read_totp_store(store)))
    # Sent at the end: a send blocks until the main process reads, which it does only when a
    # check needs the stores, and the next store must not wait for that.
    for message in scans:
        send.send(message)
    send.send(None)
    send.close()
