"""The JSON report: its text, the shipped schema, and the round trip through `from_dict`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator

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
from hardening.reports.json import PLAN_RESOURCES_MAX, plan_to_list, render_json, schema

START = datetime(2026, 11, 25, 20, 1, 2, 123456, tzinfo=UTC)


def spec(check_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=kw.pop("title", f"Title of {check_id}"),
        severity=severity,
        rationale=kw.pop("rationale", "Why it matters."),
        remediation=kw.pop("remediation", Remediation("Change the setting.", ("step one",))),
        **kw,
    )


def make_run(
    specs: list[CheckSpec],
    findings: list[Finding],
    outcomes: dict[str, CheckOutcome] | None = None,
    *,
    load_errors: tuple[LoadError, ...] = (),
    estate: EstateInfo | None = None,
) -> RunResult:
    if outcomes is None:
        outcomes = {s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs}
    return RunResult(
        id="20261125T200102Z-1a2b3c",
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        estate=estate or EstateInfo("Example Credit Union"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes=outcomes,
        load_errors=load_errors,
    )


def empty_run() -> RunResult:
    return make_run([], [])


def full_run() -> RunResult:
    """Every field populated: waivers, evidence of each scalar type, errors, skips, load errors."""
    specs = [
        spec(
            "auth.mfa_not_enforced",
            references=("NIST SP 800-63B-4 §2.2", "CIS Controls v8 6.5"),
            public_title="Multi-factor authentication",
            needs=frozenset({"accounts", "identity"}),
        ),
        spec("auth.password_hash_weak", Severity.CRITICAL),
        spec("datastore.tls_not_required", Severity.MEDIUM),
        spec("placement.location_unknown", Severity.LOW, remediation=Remediation("Declare it.")),
    ]
    findings = [
        Finding(
            "auth.mfa_not_enforced",
            Status.FAIL,
            Severity.HIGH,
            ResourceRef("account", "u-1001", "estate.yaml", 12),
            "admin signs in with a password alone",
            evidence={"roles": "admin", "methods": 0, "ratio": 0.5, "enrolled": False, "x": None},
            remediation="Enrol a TOTP factor for u-1001.",
        ),
        Finding(
            "auth.mfa_not_enforced",
            Status.FAIL,
            Severity.HIGH,
            ResourceRef("account", "svc-backup"),
            "service account without MFA",
            waiver=Waiver("IP-restricted service account", "ciso", date(2026, 12, 31)),
        ),
        Finding(
            "auth.mfa_not_enforced",
            Status.FAIL,
            Severity.MEDIUM,
            ResourceRef("account", "svc-report"),
            "report account without MFA",
            waiver=Waiver("legacy, retired in Q1"),
        ),
        Finding(
            "auth.mfa_not_enforced",
            Status.PASS,
            Severity.HIGH,
            ResourceRef("account", "u-1002"),
            "TOTP enforced",
        ),
        Finding(
            "auth.password_hash_weak",
            Status.ERROR,
            Severity.CRITICAL,
            ResourceRef("check", "auth.password_hash_weak"),
            "check crashed with KeyError at password_hash_weak.py:41; traceback in the log",
        ),
        Finding(
            "datastore.tls_not_required",
            Status.SKIP,
            Severity.INFO,
            ResourceRef("estate", "datastores"),
            "no datastores declared",
        ),
        Finding(
            "placement.location_unknown",
            Status.FAIL,
            Severity.LOW,
            ResourceRef("datastore", "Coöperatie-archief — 東京"),
            "no hosting declared",
        ),
    ]
    outcomes = {
        "auth.mfa_not_enforced": CheckOutcome("auth.mfa_not_enforced", OutcomeState.COMPLETED, 4),
        "auth.password_hash_weak": CheckOutcome(
            "auth.password_hash_weak",
            OutcomeState.ERRORED,
            2,
            "check crashed with KeyError at password_hash_weak.py:41; traceback in the log",
        ),
        "datastore.tls_not_required": CheckOutcome(
            "datastore.tls_not_required", OutcomeState.SKIPPED, 0, "no datastores declared"
        ),
        "placement.location_unknown": CheckOutcome(
            "placement.location_unknown", OutcomeState.COMPLETED, 0
        ),
    }
    return make_run(
        specs,
        findings,
        outcomes,
        load_errors=(LoadError("acme = acme.checks", "ImportError: no module named 'acme'"),),
        estate=EstateInfo(
            "Coöperatieve Spaarbank “Noord”",
            "examples/demo/estate.yaml",
            date(2026, 10, 2),
            date(2026, 10, 5),
        ),
    )


def many_run() -> RunResult:
    specs = [spec(f"auth.check_{i}", Severity(s)) for i, s in enumerate(Severity)]
    findings = [
        Finding(
            s.id,
            Status.FAIL if n % 3 else Status.PASS,
            s.severity,
            ResourceRef("account", f"u-{n}", "accounts.csv", n + 2),
            f"finding {n}",
            evidence={"n": n},
        )
        for s in specs
        for n in range(50)
    ]
    return make_run(specs, findings)


RUNS: dict[str, Callable[[], RunResult]] = {
    "empty": empty_run,
    "full": full_run,
    "many": many_run,
}


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    s = schema()
    Draft202012Validator.check_schema(s)
    return Draft202012Validator(s, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(params=sorted(RUNS))
def run(request: pytest.FixtureRequest) -> RunResult:
    return RUNS[request.param]()


def test_render_json_is_the_indented_document(run: RunResult) -> None:
    text = render_json(run)
    assert text.endswith("}\n")
    doc = json.loads(text)
    plan = doc.pop("plan")
    assert doc == run.to_dict()
    assert plan == plan_to_list(build_plan(run))
    assert text.startswith('{\n  "schema_version": 1,')


def test_plan_is_in_the_report_but_not_in_the_stored_document() -> None:
    run = full_run()
    assert "plan" not in run.to_dict()
    plan = json.loads(render_json(run))["plan"]
    assert plan, "full_run has unwaived failures"
    assert [a["rank"] for a in plan] == list(range(1, len(plan) + 1))
    first = plan[0]
    assert first["resource_count"] == len(first["resources"])
    assert first["resources_truncated"] is False
    assert first["severity"] in {"info", "low", "medium", "high", "critical"}


def test_plan_resources_are_capped() -> None:
    s = spec("auth.stale_account")
    n = PLAN_RESOURCES_MAX + 5
    findings = [
        Finding(s.id, Status.FAIL, Severity.HIGH, ResourceRef("account", f"u{i}"), "idle")
        for i in range(n)
    ]
    doc = json.loads(render_json(make_run([s], findings)))
    (action,) = doc["plan"]
    assert action["resource_count"] == n
    assert len(action["resources"]) == PLAN_RESOURCES_MAX
    assert action["resources_truncated"] is True
    assert action["resources"][0] == {"kind": "account", "id": "u0", "file": None, "line": None}


def test_stored_document_without_plan_still_validates(
    run: RunResult, validator: Draft202012Validator
) -> None:
    assert list(validator.iter_errors(run.to_dict())) == []


def test_from_dict_ignores_the_plan(run: RunResult) -> None:
    doc = json.loads(render_json(run))
    assert "plan" in doc
    assert RunResult.from_dict(doc).to_dict() == run.to_dict()


def test_non_ascii_is_kept_as_utf8() -> None:
    text = render_json(full_run())
    assert "Coöperatieve Spaarbank “Noord”" in text
    assert "\\u" not in text


def test_render_json_validates_against_schema(
    run: RunResult, validator: Draft202012Validator
) -> None:
    errors = list(validator.iter_errors(json.loads(render_json(run))))
    assert errors == []


def test_round_trip_through_from_dict(run: RunResult) -> None:
    again = RunResult.from_dict(json.loads(render_json(run)))
    assert again.to_dict() == run.to_dict()
    assert render_json(again) == render_json(run)


def test_full_run_exercises_every_optional_branch() -> None:
    doc = full_run().to_dict()
    assert doc["summary"] == {"pass": 1, "fail": 4, "error": 1, "skip": 1}
    assert {f["waiver"] is None for f in doc["findings"]} == {True, False}
    assert doc["run"]["incident"]["discovered"] == "2026-10-02"
    assert doc["run"]["started_at"].endswith("Z")


def test_schema_is_shipped_package_data() -> None:
    resource = files("hardening") / "schemas" / "report-v1.schema.json"
    assert resource.is_file()
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_returns_a_fresh_copy() -> None:
    first = schema()
    first["properties"].clear()
    assert schema()["properties"]


def _closed_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            yield node
        for value in node.values():
            yield from _closed_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _closed_objects(value)


def test_closed_objects_require_every_property() -> None:
    # With both, the schema describes exactly what to_dict() emits: no key missing, none extra.
    # The one exception is the top-level `plan`: the report writes it, the stored run does not.
    top = schema()
    assert set(top["properties"]) - set(top["required"]) == {"plan"}
    closed = list(_closed_objects(schema()))
    assert len(closed) >= 9
    for obj in closed:
        optional = {"plan"} if obj.get("$id") == top["$id"] else set()
        assert set(obj["required"]) == set(obj["properties"]) - optional, obj.get(
            "description", obj
        )


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def _delete(doc: dict[str, Any], path: tuple[Any, ...]) -> None:
    for key in path[:-1]:
        doc = doc[key]
    del doc[path[-1]]


def _rename_check(doc: dict[str, Any], old: str, new: str) -> None:
    doc["checks"][new] = doc["checks"].pop(old)


MFA = "auth.mfa_not_enforced"
MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "bad check id in findings": lambda d: _set(d, ("findings", 0, "check_id"), "Auth.MFA"),
    "check id without domain": lambda d: _set(d, ("findings", 0, "check_id"), "mfa_not_enforced"),
    "bad check id as checks key": lambda d: _rename_check(d, MFA, "auth.mfa-not-enforced"),
    "bad check id as outcomes key": lambda d: _set(d, ("outcomes", "auth..x"), d["outcomes"][MFA]),
    "bad status": lambda d: _set(d, ("findings", 0, "status"), "failed"),
    "bad severity": lambda d: _set(d, ("findings", 0, "severity"), "urgent"),
    "missing remediation": lambda d: _delete(d, ("checks", MFA, "remediation")),
    "empty remediation": lambda d: _set(d, ("checks", MFA, "remediation"), ""),
    "null remediation": lambda d: _set(d, ("checks", MFA, "remediation"), None),
    "bad check severity": lambda d: _set(d, ("checks", MFA, "severity"), "severe"),
    "references not a list": lambda d: _set(d, ("checks", MFA, "references"), "NIST"),
    "unknown check field": lambda d: _set(d, ("checks", MFA, "owner"), "team"),
    "unknown finding field": lambda d: _set(d, ("findings", 0, "secret"), "x"),
    "unknown top-level field": lambda d: _set(d, ("extra",), {}),
    "fingerprint uppercase": lambda d: _set(
        d, ("findings", 0, "fingerprint"), d["findings"][0]["fingerprint"].upper()
    ),
    "fingerprint too short": lambda d: _set(d, ("findings", 0, "fingerprint"), "abc123"),
    "evidence not scalar": lambda d: _set(d, ("findings", 0, "evidence", "roles"), ["admin"]),
    "resource line zero": lambda d: _set(d, ("findings", 0, "resource", "line"), 0),
    "resource missing kind": lambda d: _delete(d, ("findings", 0, "resource", "kind")),
    "waiver without reason": lambda d: _delete(d, ("findings", 1, "waiver", "reason")),
    "waiver bad expiry": lambda d: _set(d, ("findings", 1, "waiver", "expires"), "31/12/2026"),
    "outcome bad state": lambda d: _set(d, ("outcomes", MFA, "state"), "done"),
    "outcome negative duration": lambda d: _set(d, ("outcomes", MFA, "duration_ms"), -1),
    "outcome float duration": lambda d: _set(d, ("outcomes", MFA, "duration_ms"), 1.5),
    "summary missing skip": lambda d: _delete(d, ("summary", "skip")),
    "summary negative": lambda d: _set(d, ("summary", "fail"), -1),
    "schema version 2": lambda d: _set(d, ("schema_version",), 2),
    "naive timestamp": lambda d: _set(d, ("run", "started_at"), "2026-11-25T20:01:02"),
    "not a timestamp": lambda d: _set(d, ("run", "finished_at"), "yesterday"),
    "bad incident date": lambda d: _set(d, ("run", "incident", "discovered"), "2026-13-40"),
    "load error without message": lambda d: _delete(d, ("load_errors", 0, "message")),
    "plan not a list": lambda d: _set(d, ("plan",), {}),
    "plan rank zero": lambda d: _set(d, ("plan", 0, "rank"), 0),
    "plan unknown action field": lambda d: _set(d, ("plan", 0, "owner"), "team"),
    "plan missing truncation flag": lambda d: _delete(d, ("plan", 0, "resources_truncated")),
    "plan bad severity": lambda d: _set(d, ("plan", 0, "severity"), "urgent"),
    "plan bad check id": lambda d: _set(d, ("plan", 0, "check_ids"), ["Auth.MFA"]),
    "plan no check ids": lambda d: _set(d, ("plan", 0, "check_ids"), []),
    "plan resource without id": lambda d: _delete(d, ("plan", 0, "resources", 0, "id")),
    "plan exposure not bool": lambda d: _set(d, ("plan", 0, "internet_exposed"), "yes"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_schema_rejects_malformed_documents(mutation: str, validator: Draft202012Validator) -> None:
    doc = json.loads(render_json(full_run()))
    assert validator.is_valid(doc)
    bad = copy.deepcopy(doc)
    MUTATIONS[mutation](bad)
    assert not validator.is_valid(bad), mutation
