"""The JSON report: `RunResult.to_dict()` serialised, and the JSON Schema that describes it.

The document is schema_version 1 (DESIGN §5). The schema ships inside the `hardening` package
as `schemas/report-v1.schema.json`, so consumers and the tests validate against the same file.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from hardening.model import RunResult
from hardening.reports import Format

__all__ = ["SCHEMA_RESOURCE", "render_json", "schema"]

#: Where the schema lives inside the `hardening` package.
SCHEMA_RESOURCE = ("schemas", "report-v1.schema.json")


def render_json(run: RunResult) -> str:
    """The run as a JSON report document, indented, UTF-8 text kept as is, newline-terminated."""
    return json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report, loaded fresh from the package data."""
    resource = files("hardening").joinpath(*SCHEMA_RESOURCE)
    loaded: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


FORMAT = Format("json", "json", lambda run, color: render_json(run))
"""The `json` format: the full run, schema version 1."""
