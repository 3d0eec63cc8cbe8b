"""The CSV report: header, round trip through the csv module, RFC 4180 quoting, formula injection."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hardening import reports
from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
    Waiver,
)
from hardening.reports.csv import FORMAT, HEADER, neutralise, render_csv

START = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
MFA = "auth.mfa_not_enforced"
EXPECTED_HEADER = [
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
]


def spec(check_id: str, severity: Severity = Severity.HIGH) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=f"Title of {check_id}",
        severity=severity,
        rationale="Why it matters.",
        remediation=Remediation(f"Fix {check_id}.", ("step one",)),
    )


def finding(rid: str, status: Status = Status.FAIL, **kw: Any) -> Finding:
    ref = ResourceRef(kw.pop("kind", "account"), rid, kw.pop("file", None), kw.pop("line", None))
    check_id = kw.pop("check_id", MFA)
    severity = kw.pop("severity", Severity.HIGH)
    return Finding(check_id, status, severity, ref, kw.pop("detail", f"detail of {rid}"), **kw)


def make_run(findings: list[Finding], specs: list[CheckSpec] | None = None) -> RunResult:
    specs = [spec(MFA)] if specs is None else specs
    return RunResult(
        id="20261125T200102Z-1a2b3c",
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        estate=EstateInfo("Example Credit Union"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes={s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs},
    )


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_finding() -> None:
    run = make_run(
        [
            finding("u-1", file="/srv/estate.yaml", line=12, remediation="Enrol TOTP."),
            finding("u-2", Status.PASS),
            finding("u-3", waiver=Waiver("accepted")),
            finding("datastores", Status.SKIP, kind="estate", detail="no datastores"),
        ]
    )
    header, *body = rows(render_csv(run))
    assert header == EXPECTED_HEADER == list(HEADER)
    assert len(body) == 4
    first = dict(zip(header, body[0], strict=True))
    assert first == {
        "check_id": MFA,
        "status": "fail",
        "severity": "high",
        "resource_kind": "account",
        "resource_id": "u-1",
        "file": "/srv/estate.yaml",
        "line": "12",
        "detail": "detail of u-1",
        "remediation": "Enrol TOTP.",
        "fingerprint": run.findings[0].fingerprint,
        "waived": "false",
        "affected": "",
    }
    by_id = {r[4]: dict(zip(header, r, strict=True)) for r in body}
    assert by_id["u-2"]["remediation"] == ""
    assert by_id["u-2"]["file"] == by_id["u-2"]["line"] == ""
    assert by_id["u-3"]["remediation"] == f"Fix {MFA}."
    assert by_id["u-3"]["waived"] == "true"
    assert by_id["datastores"]["status"] == "skip"


def test_rfc4180_line_ends_and_quoting() -> None:
    run = make_run(
        [finding('comma, "quote"', detail="line one\nline two\r\nthree"), finding("plain")]
    )
    text = render_csv(run)
    assert text.endswith("\r\n")
    assert text.split("\r\n", 1)[0] == ",".join(EXPECTED_HEADER)
    assert '"comma, ""quote"""' in text
    assert ",plain," in text
    body = rows(text)[1:]
    assert body[0][4] == 'comma, "quote"'
    assert body[0][7] == "line one\nline two\r\nthree"
    assert len(body) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("safe=1", "safe=1"),
        ("", ""),
        ("'already", "'already"),
    ],
)
def test_formula_injection_is_neutralised_everywhere(value: str, expected: str) -> None:
    assert neutralise(value) == expected
    run = make_run(
        [
            finding(
                value,
                kind=value,
                detail=value,
                file=value or None,
                remediation=value or None,
            )
        ]
    )
    row = dict(zip(EXPECTED_HEADER, rows(render_csv(run))[1], strict=True))
    assert row["resource_id"] == expected
    assert row["resource_kind"] == expected
    assert row["detail"] == expected
    if value:
        assert row["file"] == expected
        assert row["remediation"] == expected


def test_round_trip_of_unusual_text() -> None:
    values = ["Coöperatie-archief — 東京", "nul\x00byte", "tab\tinside", "  leading space", '"']
    run = make_run([finding(v, detail=v) for v in values])
    body = rows(render_csv(run))[1:]
    assert [r[4] for r in body] == values
    assert [r[7] for r in body] == values


def test_empty_run_is_the_header_alone() -> None:
    assert render_csv(make_run([], [])) == ",".join(EXPECTED_HEADER) + "\r\n"


def test_100k_findings() -> None:
    findings = [
        finding(f"u-{n}", Status.FAIL if n % 3 else Status.PASS, file="a.csv", line=n + 2)
        for n in range(100_000)
    ]
    text = render_csv(make_run(findings))
    body = rows(text)[1:]
    assert len(body) == 100_000
    assert body[-1][4] == "u-99999"
    assert text.count("\r\n") == 100_001


def test_format_is_registered() -> None:
    assert FORMAT.name == "csv" and FORMAT.extension == "csv"
    run = make_run([finding("u-1")])
    assert reports.get("csv").render(run, True) == render_csv(run)
