"""The SARIF 2.1.0 report, for code-scanning dashboards (GitHub, Azure DevOps, SARIF viewers).

One run whose driver declares one rule per check of the run. Every failing finding is a result
(`kind: "fail"`) whose level comes from the finding's severity and whose `partialFingerprints`
carry the finding fingerprint, so a dashboard tracks the same check on the same resource across
runs. A result points at the estate file line that declared the resource, relative to the
estate directory (`uriBaseId` `ESTATEROOT`); when the file is unknown it names the resource as a
logical location instead. Waived findings stay results with an accepted external suppression.
Passing and skipped findings are not results. Errored checks, checks skipped as a whole and
plugin load errors become tool execution notifications, and any error marks the invocation as
unsuccessful.

Details, resource ids and plugin messages come from estate files and third-party code: control
and bidirectional-override characters are replaced, and square brackets are escaped so a hostile
id cannot forge a SARIF embedded link in a message.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from hardening.model import (
    CheckSpec,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
    Waiver,
)
from hardening.reports import SAMPLE_IDS, Format, detail_text

__all__ = ["FINGERPRINT_KEY", "ROOT_BASE_ID", "SCHEMA_URI", "render_sarif", "sarif_log"]

#: Value of the document's `$schema`.
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: The `uriBaseId` of artifact locations relative to the estate file's directory.
ROOT_BASE_ID = "ESTATEROOT"
#: Largest number of results written indented.
INDENT_MAX_RESULTS = 5000
#: Key of the finding fingerprint in `partialFingerprints`.
FINGERPRINT_KEY = "hardeningFindingFingerprint/v1"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads `security-severity` as a string holding a CVSS-like score.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}

_CHECK_ERROR = "check-error"
_LOAD_ERROR = "load-error"
_CHECK_SKIPPED = "check-skipped"
_NOTIFICATIONS = (
    (_CHECK_ERROR, "A check crashed or could not read a facet it needs; its findings are missing."),
    (_LOAD_ERROR, "A check plugin could not be loaded; its checks did not run."),
    (_CHECK_SKIPPED, "A check was skipped because the estate does not declare what it needs."),
)
_NOTIFICATION_INDEX = {nid: i for i, (nid, _) in enumerate(_NOTIFICATIONS)}

# Keep newlines and tabs; replace other C0/C1 controls and bidi overrides (Trojan Source).
_UNSAFE = {
    c: "\ufffd"
    for c in (
        *range(0x00, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    )
    if c not in (0x09, 0x0A)
}
_UNSAFE.update({0x200E: "\ufffd", 0x200F: "\ufffd"})
_BRACKET = re.compile(r"(\\*)([\[\]])")
_NO_REMEDIATION = Remediation("")


def render_sarif(run: RunResult) -> str:
    """The run as a SARIF 2.1.0 log: UTF-8 text kept as is, newline-terminated.

    Indented up to `INDENT_MAX_RESULTS` results; larger logs are written compact, because the
    indenting encoder is pure Python and takes seconds per 100k results.
    """
    log = sarif_log(run)
    indent = 2 if len(log["runs"][0]["results"]) <= INDENT_MAX_RESULTS else None
    return json.dumps(log, indent=indent, ensure_ascii=False) + "\n"


def sarif_log(run: RunResult) -> dict[str, Any]:
    """The SARIF 2.1.0 log object of `run`."""
    specs = _specs(run)
    rule_index = {cid: i for i, cid in enumerate(specs)}
    root = _estate_root(run.estate.path)

    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for f in run.findings:
        if f.status is Status.FAIL:
            results.append(_result(f, rule_index[f.check_id], root))
        elif f.status is Status.ERROR:
            notifications.append(
                _notification(
                    "error",
                    _text(f.detail),
                    _CHECK_ERROR,
                    rule_id=f.check_id,
                    rule_index=rule_index[f.check_id],
                    locations=[_location(f.resource, root)],
                )
            )
    for cid, outcome in run.outcomes.items():
        if outcome.state is OutcomeState.SKIPPED and cid in rule_index:
            reason = outcome.reason or "no reason recorded"
            message = _text(f"{cid} skipped: {reason}")
            notifications.append(
                _notification(
                    "note", message, _CHECK_SKIPPED, rule_id=cid, rule_index=rule_index[cid]
                )
            )
    for err in run.load_errors:
        message = _text(f"{err.source}: {err.message}")
        notifications.append(_notification("error", message, _LOAD_ERROR))

    failed = bool(run.load_errors) or any(
        o.state is OutcomeState.ERRORED for o in run.outcomes.values()
    )
    invocation: dict[str, Any] = {
        "executionSuccessful": not (failed or any(n["level"] == "error" for n in notifications)),
        "startTimeUtc": _utc(run.started_at.isoformat()),
        "endTimeUtc": _utc(run.finished_at.isoformat()),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    sarif_run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "hardening",
                "version": run.tool_version,
                "rules": [_rule(spec) for spec in specs.values()],
                "notifications": [
                    {"id": nid, "shortDescription": {"text": text}} for nid, text in _NOTIFICATIONS
                ],
            }
        },
        "invocations": [invocation],
    }
    if root is not None and root.is_absolute():
        sarif_run["originalUriBaseIds"] = {ROOT_BASE_ID: {"uri": _dir_uri(root)}}
    sarif_run["results"] = results
    sarif_run["properties"] = {"runId": run.id, "estate": _clean(run.estate.name)}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [sarif_run]}


def _specs(run: RunResult) -> dict[str, CheckSpec]:
    # Rules follow the run's check order; a finding of an undeclared check still gets a rule.
    specs = dict(run.checks)
    for f in run.findings:
        if f.check_id not in specs:
            specs[f.check_id] = CheckSpec(
                id=f.check_id,
                title=f.check_id,
                severity=f.severity,
                rationale="",
                remediation=_NO_REMEDIATION,
            )
    return specs


def _rule(spec: CheckSpec) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": spec.id,
        "name": _camel(spec.id),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.rationale or spec.title},
        "help": {"text": _help_text(spec), "markdown": _help_markdown(spec)},
        "defaultConfiguration": {"level": _LEVEL[spec.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[spec.severity],
            "tags": _unique(["security", spec.domain]),
        },
    }
    return rule


def _camel(check_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[._\-]+", check_id))


def _help_text(spec: CheckSpec) -> str:
    parts = [spec.remediation.text or spec.title]
    if spec.remediation.steps:
        steps = "\n".join(f"{n}. {s}" for n, s in enumerate(spec.remediation.steps, 1))
        parts.append(f"Steps:\n{steps}")
    if spec.references:
        parts.append("References:\n" + "\n".join(f"- {r}" for r in spec.references))
    return "\n\n".join(parts)


def _help_markdown(spec: CheckSpec) -> str:
    parts = [spec.remediation.text or spec.title]
    if spec.remediation.steps:
        steps = "\n".join(f"{n}. {s}" for n, s in enumerate(spec.remediation.steps, 1))
        parts.append(f"**Steps**\n\n{steps}")
    if spec.references:
        parts.append("**References**\n\n" + "\n".join(f"- {r}" for r in spec.references))
    return "\n\n".join(parts)


def _result(f: Finding, rule_index: int, root: PurePath | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": _LEVEL[f.severity],
        "message": {"text": _text(detail_text(f))},
        "locations": [_location(f.resource, root)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"severity": f.severity.value, **_group(f)},
    }
    if f.waiver is not None:
        result["suppressions"] = [_suppression(f.waiver)]
    return result


def _group(f: Finding) -> dict[str, Any]:
    """A group finding's size and its first account ids (the JSON report lists all)."""
    if not f.affected:
        return {}
    return {
        "affected": len(f.affected),
        "affectedSample": [_text(a) for a in f.affected[:SAMPLE_IDS]],
    }


def _suppression(waiver: Waiver) -> dict[str, Any]:
    suppression: dict[str, Any] = {
        "kind": "external",
        "status": "accepted",
        "justification": _clean(waiver.reason),
    }
    props: dict[str, str] = {}
    if waiver.approved_by:
        props["approvedBy"] = _clean(waiver.approved_by)
    if waiver.expires:
        props["expires"] = waiver.expires.isoformat()
    if props:
        suppression["properties"] = props
    return suppression


def _location(resource: ResourceRef, root: PurePath | None) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if resource.file:
        physical: dict[str, Any] = {"artifactLocation": _artifact(resource.file, root)}
        if resource.line is not None and resource.line >= 1:
            physical["region"] = {"startLine": resource.line}
        location["physicalLocation"] = physical
    location["logicalLocations"] = [
        {
            "name": _clean(resource.id),
            "fullyQualifiedName": _clean(resource.key),
            "kind": _clean(resource.kind),
        }
    ]
    return location


def _artifact(file: str, root: PurePath | None) -> dict[str, str]:
    uri, base = _artifact_uri(file, root)
    return {"uri": uri, "uriBaseId": base} if base else {"uri": uri}


@lru_cache(maxsize=4096)
def _artifact_uri(file: str, root: PurePath | None) -> tuple[str, str | None]:
    # Cached: 100k findings usually point into a handful of files.
    path = PurePath(os.path.normpath(file))
    if root is not None and path.is_absolute() == root.is_absolute():
        try:
            relative = path.relative_to(root)
        except ValueError:
            pass
        else:
            return quote(relative.as_posix(), safe="/"), ROOT_BASE_ID
    if path.is_absolute():
        return path.as_uri(), None
    return quote(path.as_posix(), safe="/"), None


def _estate_root(estate_path: str | None) -> PurePath | None:
    if not estate_path:
        return None
    return PurePath(os.path.normpath(estate_path)).parent


def _dir_uri(root: PurePath) -> str:
    uri = root.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _notification(
    level: str,
    message: str,
    descriptor: str,
    *,
    rule_id: str | None = None,
    rule_index: int | None = None,
    locations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    note: dict[str, Any] = {
        "level": level,
        "message": {"text": message},
        "descriptor": {"id": descriptor, "index": _NOTIFICATION_INDEX[descriptor]},
    }
    if rule_id is not None and rule_index is not None:
        note["associatedRule"] = {"id": rule_id, "index": rule_index}
    if locations:
        note["locations"] = locations
    return note


def _clean(value: str) -> str:
    return value.translate(_UNSAFE)


def _text(value: str) -> str:
    # SARIF plain-text messages treat `[text](target)` as an embedded link; brackets from data
    # are escaped with a backslash (and backslashes right before them doubled) per §3.11.6.
    return _BRACKET.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), _clean(value))


def _utc(iso: str) -> str:
    return iso.replace("+00:00", "Z")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


FORMAT = Format("sarif", "sarif", lambda run, color: render_sarif(run))
"""The `sarif` format: SARIF 2.1.0 for code-scanning dashboards."""
