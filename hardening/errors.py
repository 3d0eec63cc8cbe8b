"""The exception tree: one base, grouped by cause.

Every error a user can cause is an `InputError` whose `str()` is a single line naming the file,
line and field; the CLI prints it and exits with code 2. Lower-level errors (YAML, CSV, SQLite)
are translated into these at the boundary where they occur.
"""

from __future__ import annotations


class HardeningError(Exception):
    """Base of every error `hardening` raises on purpose."""


class InputError(HardeningError):
    """Bad input from the user: a file, an argument or a stored record; exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        what = f"{self.field}: " if self.field else ""
        # One line, always: a message must never spill a multi-line parser dump.
        return " ".join(f"{where}{what}{self.message}".split())


class EstateError(InputError):
    """The estate file, or a file it refers to, is malformed or inconsistent."""


class UsageError(InputError):
    """Bad command-line usage (unknown check id, unknown run id, bad option value)."""


class StoreError(HardeningError):
    """The results store cannot be opened, read or written."""


class RunNotFoundError(UsageError):
    """No stored run has the requested id."""
