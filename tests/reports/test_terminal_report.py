"""The terminal report: layout, ordering, truncation on huge runs, colour and terminal safety."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
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
from hardening.reports.terminal import render_terminal

START = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def spec(check_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=kw.pop("title", f"Title of {check_id}"),
        severity=severity,
        rationale="Why it matters.",
        remediation=kw.pop("remediation", Remediation(f"Fix {check_id}.")),
        **kw,
    )


def fail(check_id: str, severity: Severity, rid: str, detail: str = "bad", **kw: Any) -> Finding:
    kind = kw.pop("kind", "account")
    ref = ResourceRef(kind, rid, kw.pop("file", None), kw.pop("line", None))
    return Finding(check_id, kw.pop("status", Status.FAIL), severity, ref, detail, **kw)


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
        finished_at=START + timedelta(seconds=2, milliseconds=300),
        estate=estate or EstateInfo("Example Credit Union", "estate.yaml"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes=all_outcomes,
        load_errors=load_errors,
    )


CRASH = "check crashed with KeyError at password_hash_weak.py:41; traceback in the log"


def small_run() -> RunResult:
    """Failures of three severities, a waiver, an errored and a skipped check, a load error."""
    specs = [
        spec("auth.mfa_not_enforced", Severity.HIGH, title="MFA is not enforced"),
        spec(
            "auth.password_stored_plaintext",
            Severity.CRITICAL,
            title="A stored credential is not a recognisable hash",
            remediation=Remediation(
                "Hash every stored password with argon2id.",
                ("Add a hash column", "Force a reset", "Drop the old column", "Rotate secrets"),
            ),
        ),
        spec("datastore.tls_not_required", Severity.MEDIUM, title="Clients may skip TLS"),
        spec("auth.password_hash_weak", Severity.HIGH, title="Weak hash scheme"),
        spec("auth.totp_secret_too_short", Severity.MEDIUM, title="Short TOTP secret"),
        spec("auth.stale_account", Severity.LOW, title="Stale account"),
    ]
    mfa, plain = "auth.mfa_not_enforced", "auth.password_stored_plaintext"
    findings = [
        fail(
            mfa,
            Severity.HIGH,
            "u-1001",
            "admin signs in with a password alone",
            file="accounts.csv",
            line=2,
            evidence={"roles": "admin", "mfa": None},
        ),
        fail(mfa, Severity.MEDIUM, "u-1002", "staff signs in with a password alone"),
        fail(
            mfa,
            Severity.HIGH,
            "svc-backup",
            "service account",
            waiver=Waiver("IP-restricted", "ciso", date(2026, 12, 31)),
        ),
        fail(mfa, Severity.HIGH, "u-1003", "ok", status=Status.PASS),
        fail(
            plain,
            Severity.CRITICAL,
            "web-users/alice",
            "value is not a hash",
            kind="credential",
            file="estate.yaml",
            line=40,
        ),
        fail(
            "datastore.tls_not_required",
            Severity.MEDIUM,
            "customer-db",
            "in_transit optional",
            kind="datastore",
            remediation="Set ssl=on in postgresql.conf",
        ),
        fail(
            "datastore.tls_not_required",
            Severity.MEDIUM,
            "crm-db",
            "cannot read config",
            kind="datastore",
            status=Status.ERROR,
        ),
        fail(
            "auth.password_hash_weak",
            Severity.HIGH,
            "auth.password_hash_weak",
            CRASH,
            kind="check",
            status=Status.ERROR,
        ),
        fail(
            "auth.totp_secret_too_short",
            Severity.INFO,
            "totp_stores",
            "no totp_stores declared",
            kind="estate",
            status=Status.SKIP,
        ),
        fail("auth.stale_account", Severity.LOW, "u-9", "never logged in", status=Status.SKIP),
        fail("auth.stale_account", Severity.LOW, "u-8", "idle", status=Status.PASS),
    ]
    outcomes = {
        "auth.password_hash_weak": CheckOutcome(
            "auth.password_hash_weak", OutcomeState.ERRORED, 2, CRASH
        ),
        "auth.totp_secret_too_short": CheckOutcome(
            "auth.totp_secret_too_short", OutcomeState.SKIPPED, 0, "no totp_stores declared"
        ),
    }
    return make_run(
        specs,
        findings,
        outcomes,
        load_errors=(LoadError("acme = acme.checks", "ImportError: no module named 'acme'"),),
        estate=EstateInfo(
            "Example Credit Union", "estate.yaml", date(2026, 10, 2), date(2026, 10, 5)
        ),
    )


SECTION = re.compile(r"^[A-Z]{3,}( [A-Z]+)* \(")


def section(text: str, title: str) -> list[str]:
    """The lines under the section heading starting with `title`, up to the next heading."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    body = lines[start + 1 :]
    for i, line in enumerate(body):
        if SECTION.match(line) or line.startswith("Result:"):
            return body[:i]
    return body


def test_header_shows_organisation_run_date_and_incident() -> None:
    text = render_terminal(small_run())
    head = text.splitlines()[:5]
    assert head[0] == "hardening 0.1.0 — Example Credit Union"
    assert "20261125T200102Z-1a2b3c" in head[1]
    assert "2026-11-25 20:01:02 UTC (took 2.3 s)" in head[2]
    assert head[4] == "Incident  discovered 2026-10-02, contained 2026-10-05"


def test_no_incident_line_without_incident() -> None:
    text = render_terminal(make_run([], []))
    assert "Incident" not in text


def test_counts_by_status_and_failing_by_severity() -> None:
    text = render_terminal(small_run())
    assert "Checks    6 selected: 4 completed, 1 errored, 1 skipped" in text
    assert "Findings  2 pass, 5 fail, 2 error, 2 skip" in text
    assert "Failing   1 critical, 1 high, 2 medium, 0 low, 0 info (+ 1 waived)" in text


def test_load_errors_and_errored_checks_are_prominent() -> None:
    text = render_terminal(small_run())
    lines = text.splitlines()
    load = lines.index("LOAD ERRORS (1) — 1 check plugin failed to load; the audit is incomplete")
    errors = next(i for i, line in enumerate(lines) if line.startswith("ERRORS"))
    failures = next(i for i, line in enumerate(lines) if line.startswith("FAILURES"))
    assert load < errors < failures
    assert "  ! acme = acme.checks: ImportError: no module named 'acme'" in lines
    body = "\n".join(lines[errors:failures])
    assert "! auth.password_hash_weak — Weak hash scheme" in body
    assert CRASH in body
    assert body.count(CRASH) == 1  # the runner's error finding repeats the reason: shown once
    # A resource-level error inside a completed check is incomplete coverage too.
    assert "! datastore.tls_not_required" in body
    assert "datastore crm-db — cannot read config" in body


def test_failures_grouped_and_ordered_by_severity_then_count() -> None:
    text = render_terminal(small_run())
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert [h.split()[1] for h in headers] == [
        "auth.password_stored_plaintext",
        "auth.mfa_not_enforced",
        "datastore.tls_not_required",
    ]
    assert headers[0].startswith("[CRITICAL] auth.password_stored_plaintext — A stored")
    assert headers[0].endswith("(1 resource)")
    assert (
        headers[1]
        == "[HIGH]     auth.mfa_not_enforced — MFA is not enforced (2 resources, 1 waived)"
    )


def test_failure_group_lists_resources_fix_and_steps() -> None:
    lines = render_terminal(small_run()).splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("[CRITICAL]"))
    assert lines[i + 1 : i + 7] == [
        "  credential web-users/alice — value is not a hash (estate.yaml:40)",
        "  Fix: Hash every stored password with argon2id.",
        "    - Add a hash column",
        "    - Force a reset",
        "    - Drop the old column",
        "    … and 1 more step",
    ]
    text = "\n".join(lines)
    # Highest severity first inside a group; a lower one is labelled; evidence as small scalars.
    assert (
        "  account u-1001 — admin signs in with a password alone (accounts.csv:2) "
        "[roles=admin, mfa=null]\n  account u-1002 — staff signs in with a password alone (medium)"
    ) in text
    assert "svc-backup" not in section(text, "FAILURES")
    assert "      fix: Set ssl=on in postgresql.conf" in text


def test_waived_and_skipped_sections() -> None:
    text = render_terminal(small_run())
    assert section(text, "WAIVED") == [
        '  auth.mfa_not_enforced — 1 resource (e.g. "IP-restricted", expires 2026-12-31)',
        "",
    ]
    skipped = section(text, "SKIPPED (1 check)")
    assert "  auth.totp_secret_too_short — no totp_stores declared" in skipped
    assert "  auth.stale_account — 1 resource not evaluated: never logged in" in skipped


def test_verdict_line() -> None:
    last = render_terminal(small_run()).splitlines()[-1]
    assert last == (
        "Result: INCOMPLETE (2 checks errored, 1 plugin failed to load); "
        "1 critical, 1 high, 2 medium failures (1 waived)"
    )
    clean = make_run([spec("auth.lockout_missing")], [])
    assert render_terminal(clean).splitlines()[-1] == "Result: no unwaived failures"


def test_verdict_counts_unwaived_failures_only() -> None:
    s = spec("auth.lockout_missing", Severity.CRITICAL)
    waived = Waiver("accepted")
    run = make_run([s], [fail(s.id, Severity.CRITICAL, "idp", waiver=waived)])
    text = render_terminal(run)
    assert text.splitlines()[-1] == "Result: no unwaived failures (1 waived)"
    assert "FAILURES" not in text
    assert "WAIVED (1 failure, accepted risk)" in text


def test_colour_only_when_asked() -> None:
    run = small_run()
    plain = render_terminal(run)
    coloured = render_terminal(run, color=True)
    assert "\x1b" not in plain
    assert "\x1b[1;31m[CRITICAL]\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_control_characters_from_data_never_reach_the_terminal() -> None:
    s = spec("auth.mfa_not_enforced")
    hostile = fail(
        s.id,
        Severity.HIGH,
        "u-1\x1b[2J\x1b]0;pwned\x07",
        "line one\nline two\u202eevil",
        file="accounts\r.csv",
        line=3,
    )
    run = make_run(
        [s], [hostile], load_errors=(LoadError("evil\x1b[31m", "Traceback\n  boom\x9b"),)
    )
    for color in (False, True):
        text = ANSI.sub("", render_terminal(run, color=color))
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text)
    assert (
        "account u-1?[2J?]0;pwned? — line one line two?evil (accounts .csv:3)"
        in render_terminal(run)
    )


def test_evidence_values_only_as_small_scalars() -> None:
    s = spec("auth.password_hash_weak")
    long_value = "$2b$04$" + "x" * 53
    finding = fail(
        s.id,
        Severity.HIGH,
        "u-1",
        evidence={"scheme": "bcrypt", "cost": 4, "ratio": 0.25, "ok": False, "sample": long_value},
    )
    text = render_terminal(make_run([s], [finding]))
    assert long_value not in text
    assert "[scheme=bcrypt, cost=4, ratio=0.25, ok=false, …]" in text
    finding = fail(s.id, Severity.HIGH, "u-2", evidence={"sample": long_value})
    assert "[sample=<60 chars>]" in render_terminal(make_run([s], [finding]))


def test_many_skips_collapse_by_reason() -> None:
    specs = [spec(f"datastore.check_{i:02d}") for i in range(30)]
    reasons = ["no datastores declared", "needs probes: run with --probe"]
    outcomes = {
        s.id: CheckOutcome(s.id, OutcomeState.SKIPPED, 0, reasons[i % 3 == 0])
        for i, s in enumerate(specs)
    }
    text = render_terminal(make_run(specs, [], outcomes))
    assert section(text, "SKIPPED (30 checks)") == [
        "  no datastores declared — 20 checks: datastore.check_01, datastore.check_02, "
        "datastore.check_04, … and 17 more",
        "  needs probes: run with --probe — 10 checks: datastore.check_00, datastore.check_03, "
        "datastore.check_06, … and 7 more",
        "",
    ]


def test_few_skips_listed_one_per_line() -> None:
    specs = [spec(f"datastore.check_{i}") for i in range(3)]
    outcomes = {s.id: CheckOutcome(s.id, OutcomeState.SKIPPED, 0, "no datastores") for s in specs}
    text = render_terminal(make_run(specs, [], outcomes))
    assert section(text, "SKIPPED (3 checks)")[:3] == [
        f"  datastore.check_{i} — no datastores" for i in range(3)
    ]


def test_finding_for_a_check_missing_from_the_catalogue() -> None:
    orphan = fail("auth.orphan", Severity.LOW, "u-1")
    text = render_terminal(make_run([], [orphan]))
    assert "[LOW]      auth.orphan — (check not in this run's catalogue) (1 resource)" in text


def test_max_per_check_bounds() -> None:
    s = spec("auth.stale_account", Severity.LOW)
    run = make_run([s], [fail(s.id, Severity.LOW, f"u-{i}") for i in range(5)])
    text = render_terminal(run, max_per_check=0)
    assert "u-0" not in text
    assert "  … and 5 more" in text
    with pytest.raises(ValueError, match="max_per_check"):
        render_terminal(run, max_per_check=-1)


def huge_run(n: int = 100_000) -> RunResult:
    severities = list(Severity)
    specs = [spec(f"auth.check_{i}", severities[i % 5]) for i in range(8)]
    findings = [
        fail(
            specs[i % 8].id,
            specs[i % 8].severity,
            f"u-{i}",
            "account has the bad state",
            file="accounts.csv",
            line=i + 2,
            status=Status.FAIL if i % 5 else Status.PASS,
            evidence={"n": i},
        )
        for i in range(n)
    ]
    many_skips = [spec(f"datastore.skip_{i}") for i in range(200)]
    outcomes = {
        s.id: CheckOutcome(s.id, OutcomeState.SKIPPED, 0, f"reason {i % 50}")
        for i, s in enumerate(many_skips)
    }
    errored = [spec(f"placement.err_{i}") for i in range(40)]
    outcomes.update({s.id: CheckOutcome(s.id, OutcomeState.ERRORED, 1, "crashed") for s in errored})
    errors = tuple(LoadError(f"pack_{i}", "ImportError") for i in range(30))
    return make_run(specs + many_skips + errored, findings, outcomes, load_errors=errors)


def test_huge_run_output_stays_short() -> None:
    run = huge_run()
    text = render_terminal(run)
    lines = text.splitlines()
    # 8 groups x (header + 10 resources + more + fix + blank) + capped lists + header/counts.
    assert len(lines) < 200
    assert "Findings  20000 pass, 80000 fail, 0 error, 0 skip" in text
    assert text.count("  … and 9990 more\n") == 8
    assert "  … and 20 more load errors" in text
    assert "  … and 30 more errored checks" in text
    assert "  … and 40 more reasons" in text


def test_huge_run_groups_ordered_and_truncated() -> None:
    text = render_terminal(huge_run(), max_per_check=3)
    headers = [line for line in text.splitlines() if line.startswith("[")]
    ranks = [Severity(h[1 : h.index("]")].lower()).rank for h in headers]
    assert ranks == sorted(ranks, reverse=True)
    assert len(headers) == 8
    first = text.splitlines().index(headers[0])
    block = text.splitlines()[first + 1 : first + 5]
    assert all(line.startswith("  account u-") for line in block[:3])
    assert block[3].startswith("  … and ")


def test_fix_first_section_comes_before_failures() -> None:
    text = render_terminal(small_run())
    lines = text.splitlines()
    fix = next(i for i, line in enumerate(lines) if line.startswith("FIX FIRST"))
    failures = next(i for i, line in enumerate(lines) if line.startswith("FAILURES"))
    assert fix < failures
    # Unwaived failures of three checks: three actions, the critical one first.
    assert lines[fix] == "FIX FIRST (3 actions)"
    body = section(text, "FIX FIRST")
    actions = [line for line in body if line.strip()]
    assert actions[0].startswith("  1. [CRITICAL] Hash every stored password with argon2id — 1 ")
    assert actions[1].startswith("  2. [HIGH]     ")
    assert actions[1].endswith("— 2 accounts")
    assert actions[2].endswith("— 1 data store")
    assert "more action" not in text


def test_fix_first_shows_five_actions_and_counts_the_rest() -> None:
    specs = [spec(f"auth.check_{i:02d}", Severity.HIGH) for i in range(12)]
    findings = [
        fail(s.id, Severity.HIGH, f"u-{n}") for i, s in enumerate(specs) for n in range(i + 1)
    ]
    text = render_terminal(make_run(specs, findings))
    body = [line for line in section(text, "FIX FIRST") if line.strip()]
    assert text.splitlines()[text.splitlines().index(body[0]) - 1] == (
        "FIX FIRST (top 5 of 12 actions)"
    )
    assert [line.split(".", 1)[0].strip() for line in body[:5]] == ["1", "2", "3", "4", "5"]
    # Most resources first when severity and exposure are equal.
    assert body[0].endswith("— 12 accounts")
    assert body[5] == "  … and 7 more actions in the full report"
    assert len(body) == 6


def test_fix_first_absent_without_unwaived_failures() -> None:
    s = spec("auth.stale_account")
    waived = fail(s.id, Severity.HIGH, "u-1", waiver=Waiver("accepted"))
    assert "FIX FIRST" not in render_terminal(make_run([s], [waived]))
    assert "FIX FIRST" not in render_terminal(make_run([s], []))


def test_fix_first_titles_are_terminal_safe() -> None:
    s = spec("auth.stale_account", remediation=Remediation("Disable\x1b[2J them\x07 now."))
    text = render_terminal(make_run([s], [fail(s.id, Severity.HIGH, "u-1")]))
    body = section(text, "FIX FIRST")
    assert "\x1b" not in "".join(body) and "\x07" not in "".join(body)
