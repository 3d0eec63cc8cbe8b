"""The CSV report: one row per finding, for spreadsheets, tickets and ad-hoc analysis.

Columns: `check_id, status, severity, resource_kind, resource_id, file, line, detail,
remediation, fingerprint, waived`. `remediation` is the finding's own fix, else (for a failing
finding) the check's remediation text; `waived` is `true` or `false`. Quoting follows RFC 4180
(minimal quoting, CRLF line ends). Resource ids and details come from estate files, so any cell
that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
carriage return) gets a leading `'`, as OWASP's CSV-injection guidance recommends.
"""

from __future__ import annotations

import csv
import io

from hardening.model import Finding, RunResult, Status
from hardening.reports import Format

__all__ = ["HEADER", "neutralise", "render_csv"]

#: The header row.
HEADER = (
    "check_id",
    "status",
    "severity",
    "resource_kind",
    "resource_id",
    "file",
    "line",
    "detail",
    "remediation",
    "fingerprint",
    "waived",
    "affected",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_csv(run: RunResult) -> str:
    """The run's findings as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADER)
    remediation = {cid: spec.remediation.text for cid, spec in run.checks.items()}
    writer.writerows(_row(f, remediation.get(f.check_id, "")) for f in run.findings)
    return out.getvalue()


def _row(f: Finding, check_remediation: str) -> list[str]:
    r = f.resource
    return [
        neutralise(f.check_id),
        f.status.value,
        f.severity.value,
        neutralise(r.kind),
        neutralise(r.id),
        neutralise(r.file or ""),
        "" if r.line is None else str(r.line),
        neutralise(f.detail),
        neutralise(f.remediation or (check_remediation if f.status is Status.FAIL else "")),
        f.fingerprint,
        "true" if f.waiver is not None else "false",
        str(len(f.affected)) if f.affected else "",
    ]


def neutralise(cell: str) -> str:
    """`cell`, prefixed with `'` when a spreadsheet would evaluate it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


FORMAT = Format("csv", "csv", lambda run, color: render_csv(run))
"""The `csv` format: one row per finding."""
