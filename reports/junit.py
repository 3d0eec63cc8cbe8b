"""The JUnit XML report, for CI systems that show test results (GitLab, Jenkins, Azure, GitHub).

`<testsuites>` holds one `<testsuite>` per check, named by the check id, with one `<testcase>`
per finding (`classname` `hardening.<check id>`, `name` `<resource kind>:<resource id>`): a
`<failure>` for `fail` (message = check title, type = severity, text = detail and remediation),
an `<error>` for `error` and a `<skipped>` for `skip`, so a check skipped as a whole is one
skipped testcase. Plugin load errors form an extra suite, `hardening.load_errors`. The per-status
counts therefore equal the JSON report's summary; waived failures stay failures (the exit code,
not this report, decides whether they fail the build) and say so in their text.

The document is built with `xml.etree.ElementTree`, which escapes markup; characters XML 1.0
cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are replaced with U+FFFD,
so hostile ids from estate files always give a well-formed document.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from hardening.model import CheckOutcome, CheckSpec, Finding, RunResult, Status
from hardening.reports import Format, detail_text

__all__ = ["LOAD_ERRORS_SUITE", "render_junit"]

#: Name of the suite that holds plugin load errors.
LOAD_ERRORS_SUITE = "hardening.load_errors"

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STATUSES = (Status.FAIL, Status.ERROR, Status.SKIP)


def render_junit(run: RunResult) -> str:
    """The run as a JUnit XML document (UTF-8 declaration, indented, newline-terminated)."""
    root = ET.Element("testsuites", {"name": "hardening"})
    by_check: dict[str, list[Finding]] = {cid: [] for cid in run.checks}
    for f in run.findings:
        by_check.setdefault(f.check_id, []).append(f)

    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    total_ms = 0
    for cid, findings in by_check.items():
        outcome = run.outcomes.get(cid)
        suite = _check_suite(root, cid, run.checks.get(cid), findings, outcome)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        total_ms += outcome.duration_ms if outcome else 0
    if run.load_errors:
        suite = _suite(root, LOAD_ERRORS_SUITE)
        for err in run.load_errors:
            case = _case(suite, LOAD_ERRORS_SUITE, err.source)
            _child(case, "error", err.message, message=err.message, type="load-error")
        _counts(suite, len(run.load_errors), errors=len(run.load_errors))
        totals["tests"] += len(run.load_errors)
        totals["errors"] += len(run.load_errors)

    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(total_ms))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _check_suite(
    root: ET.Element,
    check_id: str,
    spec: CheckSpec | None,
    findings: Iterable[Finding],
    outcome: CheckOutcome | None,
) -> ET.Element:
    suite = _suite(root, check_id)
    counts = dict.fromkeys(_STATUSES, 0)
    tests = 0
    classname = f"hardening.{check_id}"
    title = spec.title if spec else check_id
    for f in findings:
        tests += 1
        case = _case(suite, classname, f.resource.key)
        if f.status is Status.FAIL:
            _child(case, "failure", _failure_text(f, spec), message=title, type=f.severity.value)
        elif f.status is Status.ERROR:
            _child(case, "error", f.detail, message=f.detail, type="check-error")
        elif f.status is Status.SKIP:
            _child(case, "skipped", None, message=f.detail)
        if f.status in counts:
            counts[f.status] += 1
    _counts(
        suite,
        tests,
        failures=counts[Status.FAIL],
        errors=counts[Status.ERROR],
        skipped=counts[Status.SKIP],
        time_ms=outcome.duration_ms if outcome else 0,
    )
    return suite


def _failure_text(f: Finding, spec: CheckSpec | None) -> str:
    parts = [detail_text(f)]
    fix = f.remediation or (spec.remediation.text if spec else "")
    if fix:
        parts.append(f"Remediation: {fix}")
    if spec and spec.remediation.steps:
        parts.append("\n".join(f"{n}. {s}" for n, s in enumerate(spec.remediation.steps, 1)))
    if f.waiver is not None:
        by = f" (approved by {f.waiver.approved_by})" if f.waiver.approved_by else ""
        until = f", expires {f.waiver.expires.isoformat()}" if f.waiver.expires else ""
        parts.append(f"Waived{by}{until}: {f.waiver.reason}")
    return "\n\n".join(parts)


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", {"name": _xml_text(name)})


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    attrs = {"classname": _xml_text(classname), "name": _xml_text(name), "time": "0"}
    return ET.SubElement(suite, "testcase", attrs)


def _child(parent: ET.Element, tag: str, text: str | None, **attrs: str) -> None:
    element = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    if text:
        element.text = _xml_text(text)


def _counts(
    suite: ET.Element,
    tests: int,
    *,
    failures: int = 0,
    errors: int = 0,
    skipped: int = 0,
    time_ms: int = 0,
) -> None:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", _seconds(time_ms))


def _seconds(ms: int) -> str:
    return f"{max(ms, 0) / 1000:.3f}"


def _xml_text(value: str) -> str:
    return _INVALID_XML.sub("\ufffd", value)


FORMAT = Format("junit", "xml", lambda run, color: render_junit(run))
"""The `junit` format: JUnit XML for CI test-result views."""
