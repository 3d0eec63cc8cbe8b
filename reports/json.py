"""The JSON report: `RunResult.to_dict()` plus the fix plan, and the JSON Schema of both.

The document is schema_version 1 (DESIGN §5). The schema ships inside the `hardening` package
as `schemas/report-v1.schema.json`, so consumers and the tests validate against the same file.

The report adds a top-level `plan` (the ranked actions of `hardening.plan`) to the run document.
It is derived data: `RunResult.to_dict()` (what the store keeps) leaves it out, `from_dict`
ignores it, and the schema lists it as the one optional top-level key. Each action names at
most `PLAN_RESOURCES_MAX` resources, with `resource_count` and `resources_truncated` saying how
many it touches in all; the findings list has every one.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from hardening.model import ResourceRef, RunResult
from hardening.plan import FixPlan, build_plan
from hardening.reports import Format

__all__ = ["PLAN_RESOURCES_MAX", "SCHEMA_RESOURCE", "plan_to_list", "render_json", "schema"]

#: Where the schema lives inside the `hardening` package.
SCHEMA_RESOURCE = ("schemas", "report-v1.schema.json")

#: Resources listed per plan action; the findings list holds the rest.
PLAN_RESOURCES_MAX = 1_000


def render_json(run: RunResult) -> str:
    """The run and its fix plan as a JSON report document: indented, UTF-8 text kept as is."""
    doc = run.to_dict()
    doc["plan"] = plan_to_list(build_plan(run))
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def plan_to_list(plan: FixPlan) -> list[dict[str, Any]]:
    """The `plan` list of the JSON report: one object per action, rank 1 first."""
    return [
        {
            "rank": a.rank,
            "title": a.title,
            "severity": a.severity.value,
            "score": a.score,
            "check_ids": list(a.check_ids),
            "remediation": a.remediation,
            "steps": list(a.steps),
            "resource_count": a.resource_count,
            "resources": [_resource(r) for r in a.resources[:PLAN_RESOURCES_MAX]],
            "resources_truncated": len(a.resources) > PLAN_RESOURCES_MAX,
            "internet_exposed": a.internet_exposed,
            "restricted_data": a.restricted_data,
        }
        for a in plan.actions
    ]


def _resource(r: ResourceRef) -> dict[str, Any]:
    return {"kind": r.kind, "id": r.id, "file": r.file, "line": r.line}


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, loaded fresh from the package data."""
    resource = files("hardening").joinpath(*SCHEMA_RESOURCE)
    loaded: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


FORMAT = Format("json", "json", lambda run, color: render_json(run))
"""The `json` format: the full run, schema version 1."""
