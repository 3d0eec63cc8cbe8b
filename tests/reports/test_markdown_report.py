"""The Markdown report: sections and counts, escaping of hostile data, size on huge runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    LoadError,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
    Waiver,
)
from hardening.plan import build_plan
from hardening.reports import get
from hardening.reports.markdown import (
    ROWS_PER_CHECK,
    escape_cell,
    escape_inline,
    render_markdown,
)

START = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
HOSTILE = (
    "evil|id `code` <script>alert(1)</script>\n| injected | row | x | y |\r\n"
    "[x](javascript:alert(1)) ![img](http://e/x.png) **bold** _it_ ~~s~~ \\| <b>&lt;"
)


def spec(check_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=kw.pop("title", f"Title of {check_id}"),
        severity=severity,
        rationale="Why it matters.",
        remediation=kw.pop("remediation", Remediation(f"Fix {check_id}.", ("step one",))),
        **kw,
    )


def finding(check_id: str, status: Status, rid: str, detail: str = "bad", **kw: Any) -> Finding:
    ref = ResourceRef(kw.pop("kind", "account"), rid, kw.pop("file", None), kw.pop("line", None))
    return Finding(check_id, status, kw.pop("severity", Severity.HIGH), ref, detail, **kw)


def make_run(
    specs: list[CheckSpec],
    findings: list[Finding],
    outcomes: dict[str, CheckOutcome] | None = None,
    *,
    load_errors: tuple[LoadError, ...] = (),
    estate: EstateInfo | None = None,
) -> RunResult:
    all_outcomes = {s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs}
    all_outcomes.update(outcomes or {})
    return RunResult(
        id="20261125T200102Z-1a2b3c",
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        estate=estate or EstateInfo("Example Credit Union", "estate.yaml"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes=all_outcomes,
        load_errors=load_errors,
    )


def _unescaped(text: str, chars: str) -> list[str]:
    """Characters of `chars` in `text` that are not backslash-escaped."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            found.append(text[i])
        i += 1
    return found


def _cells(row: str) -> int:
    """Number of cells in a GFM table row, honouring `\\|` escapes."""
    return len(_unescaped(row, "|")) - 1


def _sections(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


def _assert_safe(text: str) -> None:
    # The template itself writes no HTML, code span or link: any of these came from data.
    assert _unescaped(text, "<`[]") == []
    assert "](" not in text.replace("\\]", "")
    tables = _tables(text)
    assert tables
    for rows in tables:
        widths = {_cells(r) for r in rows if not set(r) <= set("|-: ")}
        assert len(widths) == 1, rows[:3]


def _tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


# ----------------------------------------------------------------------------------- the filters


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain text 0.1.0", "plain text 0.1.0"),
        ("a|b", "a\\|b"),
        ("back\\slash", "back\\\\slash"),
        ("`tick`", "\\`tick\\`"),
        ("<script>", "&lt;script&gt;"),
        ("a & b", "a &amp; b"),
        ("*x* _y_ ~z~", "\\*x\\* \\_y\\_ \\~z\\~"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("line\nbreak\r\nand\u2028more", "line break and more"),
        ("tab\there\x1b[2J", "tab here [2J".replace("[", "\\[")),
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("1. item", "1\\. item"),
        ("12) item", "12\\) item"),
        ("1.5 GB", "1.5 GB"),
        ("> quote", "&gt; quote"),
        ("===", "\\==="),
    ],
)
def test_escape_inline(raw: str, escaped: str) -> None:
    assert escape_inline(raw) == escaped


def test_escape_cell_is_never_empty_and_is_capped() -> None:
    assert escape_cell("") == " "
    assert escape_cell("\n\n") == " "
    long = escape_cell("x" * 10_000)
    assert len(long) <= 500 and long.endswith("…")


# -------------------------------------------------------------------------------- demo and counts


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = Path(tmp_path_factory.mktemp("demo")) / "demo.json"
    subprocess.run(
        [sys.executable, "-m", "hardening", "scan", "--demo", "--no-store", "--format", "json"]
        + ["-o", str(out)],
        check=False,
        capture_output=True,
    )
    return RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))


def test_renders_the_demo_run(demo_run: RunResult) -> None:
    text = render_markdown(demo_run)
    assert text.startswith(f"# Hardening report — {demo_run.estate.name}\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert _sections(text) == [
        "## Summary",
        "## Fix plan",
        "## Findings by check",
        "## Errors",
        "## Skipped checks",
    ]
    # One heading per check, one ordered-list item per plan action.
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert len(headings) == len(demo_run.checks)
    plan = build_plan(demo_run)
    items = re.findall(r"^(\d+)\. \*\*\\\[", text, flags=re.MULTILINE)
    assert [int(n) for n in items] == [a.rank for a in plan.actions]
    _assert_safe(text)


def test_summary_counts_match_the_run(demo_run: RunResult) -> None:
    text = render_markdown(demo_run)
    for status, n in demo_run.summary().items():
        assert f"| {status} | {n} |" in text
    for severity, n in demo_run.severity_counts().items():
        assert f"| {severity} | {n} | 0 |" in text
    states = [o.state for o in demo_run.outcomes.values()]
    assert (
        f"**Checks:** {len(demo_run.checks)} selected — "
        f"{states.count(OutcomeState.COMPLETED)} completed" in text
    )
    # Each check's table has one row per finding (the demo is small).
    rows = sum(len(t) - 2 for t in _tables(text)[2:])
    assert rows == len(demo_run.findings)


def test_format_is_registered() -> None:
    fmt = get("markdown")
    assert (fmt.name, fmt.extension) == ("markdown", "md")
    run = make_run([], [])
    assert fmt.render(run, True) == render_markdown(run)


def test_empty_run() -> None:
    text = render_markdown(make_run([], []))
    assert "Nothing to fix: no unwaived failures." in text
    assert "None: every check loaded and ran." in text
    assert "## Skipped checks\n\nNone.\n" in text


def test_waivers_errors_skips_and_load_errors() -> None:
    specs = [
        spec("auth.mfa_not_enforced"),
        spec("auth.password_hash_weak"),
        spec("auth.totp_secret_too_short"),
        spec("auth.stale_account", Severity.LOW),
    ]
    findings = [
        finding("auth.mfa_not_enforced", Status.FAIL, "u-1", "no MFA"),
        finding(
            "auth.mfa_not_enforced",
            Status.FAIL,
            "svc",
            "service",
            waiver=Waiver("IP-restricted", "ciso", date(2026, 12, 31)),
        ),
        finding("auth.password_hash_weak", Status.ERROR, "auth.password_hash_weak", "crash"),
        finding("auth.stale_account", Status.SKIP, "u-9", "never logged in"),
    ]
    outcomes = {
        "auth.password_hash_weak": CheckOutcome(
            "auth.password_hash_weak", OutcomeState.ERRORED, 1, "KeyError at x.py:41"
        ),
        "auth.totp_secret_too_short": CheckOutcome(
            "auth.totp_secret_too_short", OutcomeState.SKIPPED, 0, "no totp_stores declared"
        ),
    }
    run = make_run(
        specs,
        findings,
        outcomes,
        load_errors=(LoadError("acme = acme.checks", "ImportError: no module named 'acme'"),),
        estate=EstateInfo("Example", "estate.yaml", date(2026, 10, 2), date(2026, 10, 5)),
    )
    text = render_markdown(run)
    assert "- **Incident:** discovered 2026-10-02 contained 2026-10-05" in text
    assert "| fail (waived: IP-restricted, expires 2026-12-31) |" in text
    assert "| critical | 0 | 0 |" in text and "| high | 1 | 1 |" in text
    assert "- **auth.password\\_hash\\_weak:** KeyError at x.py:41" in text
    assert "### Load errors" in text
    assert "- **acme = acme.checks:** ImportError: no module named 'acme'" in text
    assert "- **auth.totp\\_secret\\_too\\_short:** no totp\\_stores declared" in text
    assert "- **auth.stale\\_account:** 1 resource(s) not evaluated" in text
    assert "- **Incomplete:** 1 check plugin(s) failed to load" in text
    # The waived failure is no action; the open one is.
    assert text.count("Closes auth.mfa\\_not\\_enforced.") == 1


# ----------------------------------------------------------------------------------- hostility


def test_hostile_data_cannot_break_tables_or_make_links() -> None:
    s = spec(
        "auth.mfa_not_enforced",
        title=f"title {HOSTILE}",
        remediation=Remediation(f"fix {HOSTILE}", (HOSTILE, f"1. {HOSTILE}")),
        references=(HOSTILE,),
    )
    findings = [
        finding(
            s.id,
            Status.FAIL,
            HOSTILE,
            HOSTILE,
            kind=HOSTILE,
            file=HOSTILE,
            line=3,
            remediation=HOSTILE,
            waiver=None,
        ),
        finding(s.id, Status.FAIL, "w", "waived", waiver=Waiver(HOSTILE)),
        finding(s.id, Status.ERROR, "e", HOSTILE),
        finding("auth.other", Status.SKIP, "s", HOSTILE),
    ]
    outcomes = {
        s.id: CheckOutcome(s.id, OutcomeState.ERRORED, 1, HOSTILE),
        "auth.skipped": CheckOutcome("auth.skipped", OutcomeState.SKIPPED, 0, HOSTILE),
    }
    run = make_run(
        [s],
        findings,
        outcomes,
        load_errors=(LoadError(HOSTILE, HOSTILE),),
        estate=EstateInfo(HOSTILE, HOSTILE),
    )
    text = render_markdown(run)
    _assert_safe(text)
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text
    assert "\\[x\\](javascript:alert(1))" in text
    assert "!\\[img\\]" in text
    # The injected newline and row stayed inside one cell of one line.
    assert not any(line.startswith("| injected") for line in text.splitlines())
    assert "\r" not in text
    hostile_rows = [line for line in text.splitlines() if line.startswith("| evil")]
    assert hostile_rows and all(_cells(r) == 4 for r in hostile_rows)
    # Every hostile value reaches the page in escaped form (nothing dropped silently).
    assert text.count("evil\\|id \\`code\\`") >= 10


# --------------------------------------------------------------------------------- huge runs


def test_100k_findings_stay_bounded() -> None:
    specs = [spec(f"auth.check_{i}", Severity.HIGH) for i in range(10)]
    findings = [
        finding(
            specs[i % 10].id,
            Status.FAIL if i % 4 else Status.PASS,
            f"user-{i:06d}",
            "signs in with a password alone",
            file="accounts.csv",
            line=i + 2,
        )
        for i in range(100_000)
    ]
    run = make_run(specs, findings)
    text = render_markdown(run)
    # 10 checks x 200 rows of ~90 characters, plus the plan and the summary.
    assert len(text) < 400_000, len(text)
    assert "| fail | 75000 |" in text and "| pass | 25000 |" in text
    assert text.count(f"(tables list at most {ROWS_PER_CHECK})") == 10
    assert "… and 9800 more finding(s) for this check" in text
    for action in build_plan(run).actions:
        assert f"… and {len(action.resources) - 20} more (see the JSON report)" in text
    for table in _tables(text)[2:]:
        assert len(table) == 2 + ROWS_PER_CHECK
        # Failures come before passes in each capped table.
        assert all("| fail |" in row for row in table[2:])
