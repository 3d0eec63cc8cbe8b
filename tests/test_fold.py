"""Identical verdicts on many resources fold into one group finding (`--group-above`)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from hardening.cli import main
from hardening.model import Finding, ResourceRef, Severity, Status
from hardening.reports.json import schema
from hardening.runner import fold_identical


def _finding(i: int, detail: str = "storage is not encrypted at rest", **evidence: str) -> Finding:
    return Finding(
        "datastore.unencrypted_at_rest",
        Status.FAIL,
        Severity.HIGH,
        ResourceRef("datastore", f"store-{i:03d}", "stores.jsonl", i + 1),
        detail,
        evidence or {"classification": "restricted"},
        "Enable encryption at rest.",
    )


def test_only_identical_findings_above_the_limit_fold() -> None:
    same = [_finding(i) for i in range(150)]
    other = [_finding(900, "different detail"), _finding(901, classification="public")]
    findings = [same[0], other[0], *same[1:], other[1]]
    out = fold_identical(findings, 100)
    assert out[:2] == other  # single findings first, in their order
    (group,) = out[2:]
    assert group.affected == tuple(f"store-{i:03d}" for i in range(150))
    assert (group.status, group.severity, group.detail) == (
        Status.FAIL,
        Severity.HIGH,
        same[0].detail,
    )
    assert group.remediation == "Enable encryption at rest."
    assert group.evidence == {"classification": "restricted", "resources": 150}
    assert group.resource.kind == "datastore_group"
    assert group.resource.id.startswith("datastores-fail-high-")
    assert (group.resource.file, group.resource.line) == ("stores.jsonl", None)
    assert group.count == 150
    # The same verdict gets the same group id, hence the same fingerprint, in the next run.
    again = fold_identical([_finding(i) for i in range(120)], 100)
    assert again[0].fingerprint == group.fingerprint


def test_at_or_below_the_limit_nothing_changes() -> None:
    findings = [_finding(i) for i in range(100)]
    assert fold_identical(findings, 100) is findings
    assert fold_identical(findings, 1000) is findings
    assert len(fold_identical(findings, 0)) == 1


def test_a_scan_of_many_stores_reports_groups_end_to_end(tmp_path: Path) -> None:
    rows = [
        json.dumps(
            {
                "id": f"store-{i:04d}",
                "classification": "restricted",
                "hosting": "on_prem",
                "zone": "app_tier",
                "internet_exposed": False,
                "encryption": {"at_rest": i % 2 == 0, "in_transit": "required"},
                "backups": [
                    {"kind": "offline", "encrypted": True, "last_restore_test": "2026-11-01"}
                ],
            }
        )
        for i in range(400)
    ]
    (tmp_path / "stores.jsonl").write_text("\n".join(rows) + "\n")
    estate = tmp_path / "estate.yaml"
    estate.write_text("version: 1\norganisation: {name: Org}\ndatastores: {source: stores.jsonl}\n")
    out = tmp_path / "run.json"
    args = ["scan", str(estate), "--no-store", "--no-progress", "--today", "2026-11-25"]
    assert main([*args, "--format", "json", "-o", str(out)]) == 1
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, schema())
    unencrypted = [
        f
        for f in doc["findings"]
        if f["check_id"] == "datastore.unencrypted_at_rest" and f["status"] == "fail"
    ]
    (group,) = unencrypted
    assert group["affected"] == [f"store-{i:04d}" for i in range(1, 400, 2)]
    assert len(doc["findings"]) < 40
    # The plan counts the stores, not the group.
    action = next(a for a in doc["plan"] if a["check_ids"] == ["datastore.unencrypted_at_rest"])
    assert action["title"].endswith("— 200 data stores")
    # With a high enough limit every store is its own finding again.
    assert main([*args, "--group-above", "1000", "--format", "json", "-o", str(out)]) == 1
    doc = json.loads(out.read_text())
    assert sum(f["check_id"] == "datastore.unencrypted_at_rest" for f in doc["findings"]) == 400
