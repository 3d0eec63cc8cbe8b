"""The JUnit XML report: counts match the JSON summary, testcases, escaping of hostile text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardening import reports
from hardening.cli import main
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
from hardening.reports.json import render_json
from hardening.reports.junit import FORMAT, LOAD_ERRORS_SUITE, render_junit

START = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
MFA = "auth.mfa_not_enforced"
HASH = "auth.password_hash_weak"
TLS = "datastore.tls_not_required"


def spec(check_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=kw.pop("title", f"Title of {check_id}"),
        severity=severity,
        rationale="Why it matters.",
        remediation=kw.pop("remediation", Remediation(f"Fix {check_id}.", ("step one",))),
        **kw,
    )


def finding(check_id: str, status: Status, rid: str, **kw: Any) -> Finding:
    ref = ResourceRef(kw.pop("kind", "account"), rid, kw.pop("file", None), kw.pop("line", None))
    severity = kw.pop("severity", Severity.HIGH)
    return Finding(check_id, status, severity, ref, kw.pop("detail", f"detail of {rid}"), **kw)


def make_run(
    specs: list[CheckSpec],
    findings: list[Finding],
    outcomes: dict[str, CheckOutcome] | None = None,
    *,
    load_errors: tuple[LoadError, ...] = (),
) -> RunResult:
    all_outcomes = {s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs}
    all_outcomes.update(outcomes or {})
    return RunResult(
        id="20261125T200102Z-1a2b3c",
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        estate=EstateInfo("Example Credit Union"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes=all_outcomes,
        load_errors=load_errors,
    )


def synthetic_run() -> RunResult:
    specs = [spec(MFA), spec(HASH, Severity.CRITICAL), spec(TLS, Severity.MEDIUM)]
    findings = [
        finding(MFA, Status.FAIL, "u-1001", remediation="Enrol TOTP for u-1001."),
        finding(
            MFA,
            Status.FAIL,
            "svc-backup",
            waiver=Waiver("IP-restricted", "ciso", date(2026, 12, 31)),
        ),
        finding(MFA, Status.PASS, "u-1002"),
        finding(HASH, Status.ERROR, HASH, kind="check", detail="check crashed with KeyError"),
        finding(TLS, Status.SKIP, "datastores", kind="estate", detail="no datastores declared"),
    ]
    outcomes = {
        MFA: CheckOutcome(MFA, OutcomeState.COMPLETED, 1234),
        HASH: CheckOutcome(HASH, OutcomeState.ERRORED, 2, "check crashed with KeyError"),
        TLS: CheckOutcome(TLS, OutcomeState.SKIPPED, 0, "no datastores declared"),
    }
    load_errors = (
        LoadError("acme = acme.checks", "ImportError: no module named 'acme'"),
        LoadError("beta = beta.checks", "spec invalid"),
    )
    return make_run(specs, findings, outcomes, load_errors=load_errors)


def parse(run: RunResult) -> ET.Element:
    text = render_junit(run)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    return ET.fromstring(text.encode("utf-8"))


def count(element: ET.Element, key: str) -> int:
    return int(element.get(key, "-1"))


def assert_counts_match_json(run: RunResult, root: ET.Element) -> None:
    summary = json.loads(render_json(run))["summary"]
    loads = len(run.load_errors)
    assert count(root, "tests") == sum(summary.values()) + loads
    assert count(root, "failures") == summary["fail"]
    assert count(root, "errors") == summary["error"] + loads
    assert count(root, "skipped") == summary["skip"]
    cases = root.findall("testsuite/testcase")
    assert len(cases) == count(root, "tests")
    assert len(root.findall("testsuite/testcase/failure")) == summary["fail"]
    assert len(root.findall("testsuite/testcase/error")) == summary["error"] + loads
    assert len(root.findall("testsuite/testcase/skipped")) == summary["skip"]
    for suite in root.findall("testsuite"):
        assert count(suite, "tests") == len(suite.findall("testcase"))
        assert count(suite, "failures") == len(suite.findall("testcase/failure"))
        assert count(suite, "errors") == len(suite.findall("testcase/error"))
        assert count(suite, "skipped") == len(suite.findall("testcase/skipped"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("demo") / "demo.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HARDENING_STORE", str(out.parent / "runs.sqlite"))
        argv = ["scan", "--demo", "--no-store", "--no-progress", "--format", "json"]
        assert main([*argv, "-o", str(out)]) == 1
    return RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))


def test_demo_counts_match_the_json_summary(demo_run: RunResult) -> None:
    root = parse(demo_run)
    assert_counts_match_json(demo_run, root)
    assert [s.get("name") for s in root.findall("testsuite")] == list(demo_run.checks)
    assert count(root, "failures") > 0


def test_synthetic_counts_match_the_json_summary() -> None:
    run = synthetic_run()
    assert_counts_match_json(run, parse(run))


def test_one_suite_per_check_and_one_case_per_finding() -> None:
    root = parse(synthetic_run())
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [MFA, HASH, TLS, LOAD_ERRORS_SUITE]
    mfa = suites[0]
    assert mfa.get("time") == "1.234"
    assert [c.get("name") for c in mfa.findall("testcase")] == [
        "account:u-1001",
        "account:svc-backup",
        "account:u-1002",
    ]
    assert {c.get("classname") for c in mfa.findall("testcase")} == {f"hardening.{MFA}"}
    assert mfa.findall("testcase")[2].find("*") is None


def test_failure_carries_title_severity_detail_and_remediation() -> None:
    cases = parse(synthetic_run()).findall("testsuite")[0].findall("testcase")
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == f"Title of {MFA}"
    assert failure.get("type") == "high"
    assert failure.text is not None
    assert failure.text.startswith("detail of u-1001\n\nRemediation: Enrol TOTP for u-1001.")
    assert "1. step one" in failure.text
    waived = cases[1].find("failure")
    assert waived is not None and waived.text is not None
    assert f"Remediation: Fix {MFA}." in waived.text
    assert "Waived (approved by ciso), expires 2026-12-31: IP-restricted" in waived.text


def test_error_and_whole_check_skip() -> None:
    suites = parse(synthetic_run()).findall("testsuite")
    error = suites[1].find("testcase/error")
    assert error is not None
    assert error.get("message") == "check crashed with KeyError"
    assert suites[1].find("testcase").get("name") == f"check:{HASH}"  # type: ignore[union-attr]
    skipped_case = suites[2].find("testcase")
    assert skipped_case is not None
    assert skipped_case.get("name") == "estate:datastores"
    skipped = skipped_case.find("skipped")
    assert skipped is not None and skipped.get("message") == "no datastores declared"


def test_load_errors_are_their_own_suite() -> None:
    suite = parse(synthetic_run()).findall("testsuite")[-1]
    assert suite.get("name") == LOAD_ERRORS_SUITE
    assert (count(suite, "tests"), count(suite, "errors")) == (2, 2)
    case = suite.findall("testcase")[0]
    assert case.get("classname") == LOAD_ERRORS_SUITE
    assert case.get("name") == "acme = acme.checks"
    error = case.find("error")
    assert error is not None
    assert error.get("message") == "ImportError: no module named 'acme'"
    assert error.get("type") == "load-error"


def test_no_load_error_suite_without_load_errors() -> None:
    root = parse(make_run([spec(MFA)], [finding(MFA, Status.PASS, "u-1")]))
    assert [s.get("name") for s in root.findall("testsuite")] == [MFA]


def test_empty_run() -> None:
    root = parse(make_run([], []))
    assert root.tag == "testsuites"
    assert (count(root, "tests"), count(root, "failures")) == (0, 0)


HOSTILE = [
    '<script>alert("x")</script>',
    "a&b&amp;c",
    "\"quoted\" 'single'",
    "ctl\x00\x01\x08\x0b\x0c\x1b[31m\x7f",
    "nonchar\ufffe\uffff",
    "]]><!-- CDATA end",
    "new\nline\ttab\rcr",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_ids_and_details_give_valid_xml(hostile: str) -> None:
    run = make_run(
        [spec(MFA)],
        [
            finding(MFA, Status.FAIL, hostile, kind=hostile, detail=hostile),
            finding(MFA, Status.ERROR, hostile, detail=hostile),
            finding(MFA, Status.SKIP, hostile, detail=hostile),
        ],
        load_errors=(LoadError(hostile, hostile),),
    )
    root = parse(run)
    assert_counts_match_json(run, root)
    case = root.findall("testsuite")[0].findall("testcase")[0]
    name = case.get("name")
    assert name is not None
    for bad in ("\x00", "\x01", "\x1b", "\ud800", "\ufffe"):
        assert bad not in name
    if hostile.isprintable():
        assert name == f"{hostile}:{hostile}"
        failure = case.find("failure")
        assert failure is not None and failure.text is not None
        assert failure.text.startswith(hostile)


def test_lone_surrogates_in_text_are_replaced() -> None:
    # Fingerprints cannot hash a lone surrogate, so only details and plugin messages carry one.
    run = make_run(
        [spec(MFA)],
        [finding(MFA, Status.FAIL, "u-1", detail="a\ud800b")],
        load_errors=(LoadError("x\udfff", "y\udc80"),),
    )
    root = parse(run)
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert failure.text.startswith("a\ufffdb")
    load = root.find(f"testsuite[@name='{LOAD_ERRORS_SUITE}']/testcase")
    assert load is not None and load.get("name") == "x\ufffd"


def test_control_characters_become_replacement_characters() -> None:
    run = make_run([spec(MFA)], [finding(MFA, Status.FAIL, "a\x00b\x1bc")])
    case = parse(run).find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == "account:a\ufffdb\ufffdc"


def test_100k_findings(tmp_path: Path) -> None:
    specs = [spec(f"auth.check_{i}") for i in range(5)]
    statuses = (Status.FAIL, Status.PASS, Status.ERROR, Status.SKIP)
    findings = [
        finding(f"auth.check_{n % 5}", statuses[n % 4], f"u-{n}", file="a.csv", line=n + 2)
        for n in range(100_000)
    ]
    run = make_run(specs, findings)
    root = parse(run)
    assert count(root, "tests") == 100_000
    assert count(root, "failures") == 25_000
    assert count(root, "errors") == 25_000
    assert count(root, "skipped") == 25_000


def test_format_is_registered() -> None:
    assert FORMAT.name == "junit" and FORMAT.extension == "xml"
    assert reports.get("junit").render(synthetic_run(), True) == render_junit(synthetic_run())
