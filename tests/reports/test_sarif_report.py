"""The SARIF 2.1.0 report: schema validity, rules, results, locations, fingerprints, safety."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft4Validator

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
from hardening.reports.sarif import (
    FINGERPRINT_KEY,
    FORMAT,
    INDENT_MAX_RESULTS,
    ROOT_BASE_ID,
    render_sarif,
)

SCHEMA_FILE = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
# RFC 3986 characters: unreserved, reserved and percent escapes, nothing else.
URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
START = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
ESTATE = EstateInfo("Example Credit Union", "/srv/estate/estate.yaml")


def spec(check_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=kw.pop("title", f"Title of {check_id}"),
        severity=severity,
        rationale=kw.pop("rationale", "Why it matters."),
        remediation=kw.pop("remediation", Remediation("Change the setting.", ("step one",))),
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
    estate: EstateInfo = ESTATE,
    run_id: str = "20261125T200102Z-1a2b3c",
) -> RunResult:
    all_outcomes = {s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs}
    all_outcomes.update(outcomes or {})
    return RunResult(
        id=run_id,
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        estate=estate,
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes=all_outcomes,
        load_errors=load_errors,
    )


MFA = "auth.mfa_not_enforced"
HASH = "auth.password_hash_weak"
TLS = "datastore.tls_not_required"
LOC = "placement.location_unknown"


def synthetic_run(**kw: Any) -> RunResult:
    """Errors, waivers, unknown locations, a skipped check, load errors and hostile text."""
    specs = [
        spec(MFA, references=("NIST SP 800-63B-4", "CIS Controls v8 6.5")),
        spec(HASH, Severity.CRITICAL),
        spec(TLS, Severity.MEDIUM),
        spec(LOC, Severity.LOW, remediation=Remediation("Declare it.")),
    ]
    findings = [
        finding(MFA, Status.FAIL, "u-1001", file="/srv/estate/estate.yaml", line=12),
        finding(
            MFA,
            Status.FAIL,
            "svc-backup",
            file="/srv/estate/exports/staff accounts%.csv",
            line=3,
            waiver=Waiver("IP-restricted service account", "ciso", date(2026, 12, 31)),
        ),
        finding(MFA, Status.FAIL, "svc-report", severity=Severity.MEDIUM, waiver=Waiver("legacy")),
        finding(MFA, Status.PASS, "u-1002"),
        finding(
            MFA,
            Status.FAIL,
            'evil<&">\x1b[31m\u202e[x](1)',
            detail="see [here](https://evil.example) \x00\x07 \u202eexe.txt",
            file="/elsewhere/other.yaml",
            line=1,
        ),
        finding(
            HASH,
            Status.ERROR,
            HASH,
            kind="check",
            severity=Severity.CRITICAL,
            detail="check crashed with KeyError at password_hash_weak.py:41",
        ),
        finding(TLS, Status.SKIP, "datastores", kind="estate", detail="no datastores declared"),
        finding(
            LOC, Status.FAIL, "Coöperatie-archief — 東京", kind="datastore", severity=Severity.LOW
        ),
    ]
    outcomes = {
        HASH: CheckOutcome(HASH, OutcomeState.ERRORED, 2, "check crashed with KeyError"),
        TLS: CheckOutcome(TLS, OutcomeState.SKIPPED, 0, "no datastores declared"),
    }
    return make_run(
        specs,
        findings,
        outcomes,
        load_errors=(LoadError("acme = acme.checks", "ImportError: no module named 'acme'"),),
        **kw,
    )


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    # $refs are all "#/definitions/..." inside the file; nothing is fetched.
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("demo") / "demo.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HARDENING_STORE", str(out.parent / "runs.sqlite"))
        code = main(
            ["scan", "--demo", "--no-store", "--no-progress", "--format", "json"] + ["-o", str(out)]
        )
    assert code == 1
    return RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))


def sarif(run: RunResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render_sarif(run))
    return doc


def only_run(doc: dict[str, Any]) -> dict[str, Any]:
    assert len(doc["runs"]) == 1
    run: dict[str, Any] = doc["runs"][0]
    return run


def assert_valid(doc: dict[str, Any], validator: Draft4Validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    for run in doc["runs"]:
        for result in run["results"]:
            for loc in result["locations"]:
                if "physicalLocation" in loc:
                    uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                    assert URI_CHARS.fullmatch(uri), uri
                    assert urlsplit(uri).geturl() == uri


def test_demo_run_validates(demo_run: RunResult, validator: Draft4Validator) -> None:
    doc = sarif(demo_run)
    assert_valid(doc, validator)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    run = only_run(doc)
    assert run["tool"]["driver"]["name"] == "hardening"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(demo_run.checks)
    assert len(run["results"]) == demo_run.summary()["fail"] > 0
    base = run["originalUriBaseIds"][ROOT_BASE_ID]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == ROOT_BASE_ID
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["region"]["startLine"] >= 1
        assert result["kind"] == "fail"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_synthetic_run_validates(validator: Draft4Validator) -> None:
    assert_valid(sarif(synthetic_run()), validator)


def test_empty_run_validates(validator: Draft4Validator) -> None:
    doc = sarif(make_run([], [], estate=EstateInfo("E")))
    assert_valid(doc, validator)
    run = only_run(doc)
    assert run["results"] == []
    assert "originalUriBaseIds" not in run


def test_rules_carry_help_level_and_security_severity() -> None:
    rules = only_run(sarif(synthetic_run()))["tool"]["driver"]["rules"]
    mfa = rules[0]
    assert mfa["id"] == MFA
    assert mfa["name"] == "AuthMfaNotEnforced"
    assert mfa["shortDescription"]["text"] == f"Title of {MFA}"
    assert mfa["fullDescription"]["text"] == "Why it matters."
    for key in ("text", "markdown"):
        assert "Change the setting." in mfa["help"][key]
        assert "1. step one" in mfa["help"][key]
        assert "- CIS Controls v8 6.5" in mfa["help"][key]
    assert mfa["properties"]["tags"] == ["security", "auth"]
    assert rules[3]["properties"]["tags"] == ["security", "placement"]


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        (Severity.CRITICAL, "error", "9.5"),
        (Severity.HIGH, "error", "8.0"),
        (Severity.MEDIUM, "warning", "5.5"),
        (Severity.LOW, "note", "3.0"),
        (Severity.INFO, "note", "1.0"),
    ],
)
def test_level_and_security_severity_mapping(severity: Severity, level: str, score: str) -> None:
    run = make_run([spec(MFA, severity)], [finding(MFA, Status.FAIL, "u-1", severity=severity)])
    doc = only_run(sarif(run))
    rule = doc["tool"]["driver"]["rules"][0]
    assert rule["defaultConfiguration"]["level"] == level
    assert rule["properties"]["security-severity"] == score
    assert doc["results"][0]["level"] == level


def test_result_level_follows_the_finding_not_the_check() -> None:
    run = make_run(
        [spec(MFA, Severity.CRITICAL)], [finding(MFA, Status.FAIL, "u-1", severity=Severity.LOW)]
    )
    result = only_run(sarif(run))["results"][0]
    assert result["level"] == "note"
    assert result["properties"]["severity"] == "low"


def test_no_results_for_pass_skip_or_error() -> None:
    findings = [
        finding(MFA, Status.PASS, "u-1"),
        finding(MFA, Status.SKIP, "u-2"),
        finding(MFA, Status.ERROR, "u-3"),
    ]
    assert only_run(sarif(make_run([spec(MFA)], findings)))["results"] == []


def test_results_point_at_the_declaring_line() -> None:
    results = only_run(sarif(synthetic_run()))["results"]
    assert [r["ruleId"] for r in results] == [MFA, MFA, MFA, MFA, LOC]
    assert [r["ruleIndex"] for r in results] == [0, 0, 0, 0, 3]
    first = results[0]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "estate.yaml", "uriBaseId": ROOT_BASE_ID},
        "region": {"startLine": 12},
    }
    assert first["locations"][0]["logicalLocations"] == [
        {"name": "u-1001", "fullyQualifiedName": "account:u-1001", "kind": "account"}
    ]
    quoted = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert quoted == {"uri": "exports/staff%20accounts%25.csv", "uriBaseId": ROOT_BASE_ID}
    outside = results[3]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert outside == {"uri": "file:///elsewhere/other.yaml"}


def test_unknown_file_gives_a_logical_location_only() -> None:
    results = only_run(sarif(synthetic_run()))["results"]
    unknown = results[2]["locations"][0]
    assert "physicalLocation" not in unknown
    assert unknown["logicalLocations"] == [
        {"name": "svc-report", "fullyQualifiedName": "account:svc-report", "kind": "account"}
    ]
    store = results[4]["locations"][0]
    assert store["logicalLocations"][0]["name"] == "Coöperatie-archief — 東京"
    assert store["logicalLocations"][0]["kind"] == "datastore"


def test_relative_estate_path_keeps_the_base_id_without_defining_it(
    validator: Draft4Validator,
) -> None:
    estate = EstateInfo("E", "examples/demo/estate.yaml")
    run = make_run(
        [spec(MFA)],
        [finding(MFA, Status.FAIL, "u-1", file="examples/demo/exports/a.csv", line=2)],
        estate=estate,
    )
    doc = sarif(run)
    assert_valid(doc, validator)
    out = only_run(doc)
    assert "originalUriBaseIds" not in out
    artifact = out["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "exports/a.csv", "uriBaseId": ROOT_BASE_ID}


def test_waived_findings_are_suppressed_results() -> None:
    results = only_run(sarif(synthetic_run()))["results"]
    assert "suppressions" not in results[0]
    assert results[1]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "IP-restricted service account",
            "properties": {"approvedBy": "ciso", "expires": "2026-12-31"},
        }
    ]
    assert results[2]["suppressions"][0]["justification"] == "legacy"


def test_errors_and_load_errors_are_notifications() -> None:
    run = only_run(sarif(synthetic_run()))
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["startTimeUtc"] == "2026-11-25T20:01:02Z"
    notes = invocation["toolExecutionNotifications"]
    by_descriptor = {n["descriptor"]["id"]: n for n in notes}
    assert set(by_descriptor) == {"check-error", "check-skipped", "load-error"}
    crash = by_descriptor["check-error"]
    assert crash["level"] == "error"
    assert crash["associatedRule"] == {"id": HASH, "index": 1}
    assert "KeyError" in crash["message"]["text"]
    skipped = by_descriptor["check-skipped"]
    assert skipped["level"] == "note"
    assert skipped["associatedRule"] == {"id": TLS, "index": 2}
    load = by_descriptor["load-error"]
    assert load["level"] == "error"
    assert "acme" in load["message"]["text"]
    descriptors = run["tool"]["driver"]["notifications"]
    for note in notes:
        assert descriptors[note["descriptor"]["index"]]["id"] == note["descriptor"]["id"]


def test_load_error_alone_marks_the_invocation_unsuccessful() -> None:
    run = make_run([spec(MFA)], [], load_errors=(LoadError("x", "broken"),))
    assert only_run(sarif(run))["invocations"][0]["executionSuccessful"] is False


def test_hostile_text_is_neutralised() -> None:
    results = only_run(sarif(synthetic_run()))["results"]
    hostile = results[3]
    text = hostile["message"]["text"]
    assert text.startswith("see \\[here\\](https://evil.example) ")
    assert "\x00" not in text and "\x07" not in text and "\u202e" not in text
    name = hostile["locations"][0]["logicalLocations"][0]["name"]
    assert name == 'evil<&">\ufffd[31m\ufffd[x](1)'


def test_brackets_after_backslashes_stay_literal() -> None:
    run = make_run([spec(MFA)], [finding(MFA, Status.FAIL, "u-1", detail="a\\[b] c\\d")])
    assert only_run(sarif(run))["results"][0]["message"]["text"] == "a\\\\\\[b\\] c\\d"


def test_output_is_deterministic_and_fingerprints_stable() -> None:
    assert render_sarif(synthetic_run()) == render_sarif(synthetic_run())
    first = only_run(sarif(synthetic_run()))["results"]
    later = synthetic_run(run_id="20261201T090000Z-ffffff")
    second = only_run(sarif(later))["results"]

    def key(r: dict[str, Any]) -> tuple[str, str]:
        return r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]

    prints_first = {key(r): r["partialFingerprints"][FINGERPRINT_KEY] for r in first}
    prints_second = {key(r): r["partialFingerprints"][FINGERPRINT_KEY] for r in second}
    assert prints_first == prints_second
    assert len(set(prints_first.values())) == len(first)
    fails = [f for f in synthetic_run().findings if f.status is Status.FAIL]
    assert [r["partialFingerprints"][FINGERPRINT_KEY] for r in first] == [
        f.fingerprint for f in fails
    ]


def test_fingerprint_ignores_line_detail_and_severity() -> None:
    a = make_run([spec(MFA)], [finding(MFA, Status.FAIL, "u-1", file="/srv/estate/a", line=3)])
    b = make_run(
        [spec(MFA)],
        [finding(MFA, Status.FAIL, "u-1", line=9, detail="other", severity=Severity.LOW)],
    )
    fa = only_run(sarif(a))["results"][0]["partialFingerprints"]
    fb = only_run(sarif(b))["results"][0]["partialFingerprints"]
    assert fa == fb


def test_finding_of_an_undeclared_check_still_gets_a_rule(validator: Draft4Validator) -> None:
    run = make_run([], [finding("auth.ghost_check", Status.FAIL, "u-1")])
    doc = sarif(run)
    assert_valid(doc, validator)
    out = only_run(doc)
    assert out["tool"]["driver"]["rules"][0]["id"] == "auth.ghost_check"
    assert out["results"][0]["ruleIndex"] == 0


def test_large_runs_are_written_compact(validator: Draft4Validator) -> None:
    n = INDENT_MAX_RESULTS + 1
    findings = [
        finding(MFA, Status.FAIL, f"u-{i}", file="/srv/estate/a.csv", line=i + 2) for i in range(n)
    ]
    text = render_sarif(make_run([spec(MFA)], findings))
    assert text.count("\n") == 1
    doc = json.loads(text)
    assert len(only_run(doc)["results"]) == n
    small = render_sarif(make_run([spec(MFA)], findings[:10]))
    assert small.startswith('{\n  "$schema"')


def test_format_is_registered() -> None:
    assert FORMAT.name == "sarif" and FORMAT.extension == "sarif"
    assert reports.get("sarif").render(synthetic_run(), True) == render_sarif(synthetic_run())


def test_cli_writes_sarif_junit_and_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: Draft4Validator
) -> None:
    monkeypatch.setenv("HARDENING_STORE", str(tmp_path / "store" / "runs.sqlite"))
    out = tmp_path / "out"
    argv = ["scan", "--demo", "--no-store", "--no-progress", "-o", str(out)]
    argv += ["--format", "sarif", "--format", "junit", "--format", "csv"]
    assert main(argv) == 1
    written = sorted(out.iterdir())
    assert [p.suffix for p in written] == [".csv", ".sarif", ".xml"]
    assert len({p.stem for p in written}) == 1
    csv_file, sarif_file, xml_file = written

    doc = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert_valid(doc, validator)
    fails = len(only_run(doc)["results"])
    assert fails > 0

    suites = ET.fromstring(xml_file.read_bytes())
    assert int(suites.get("failures", "-1")) == fails

    with csv_file.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sum(r["status"] == "fail" for r in rows) == fails
    assert int(suites.get("tests", "-1")) == len(rows)
    assert not (tmp_path / "store").exists()
    assert csv_file.read_bytes().endswith(b"\r\n")
