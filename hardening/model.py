"""The result model: what a run produces and every report reads.

Everything here is an immutable value. Reports, the store and the public summary read these
objects; nothing writes to them after the runner has built them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from hardening.bulk import slot_setters

#: A check id: ``<domain>.<condition>``, the condition named after the bad state.
CHECK_ID_RE = re.compile(r"^[a-z]+\.[a-z0-9_]+$")

#: Values allowed in a finding's evidence: small scalars, never secrets.
Scalar = str | int | float | bool | None


class Severity(StrEnum):
    """How bad a failing check is, lowest first."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for `info` up to 4 for `critical`; use it to compare severities."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = tuple(Severity)


class Status(StrEnum):
    """The verdict of one check on one resource."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"


class OutcomeState(StrEnum):
    """How a check as a whole ended in a run."""

    COMPLETED = "completed"
    ERRORED = "errored"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True, init=False)
class ResourceRef:
    """The thing a finding is about: an account, a credential store, a data store, a host."""

    kind: str
    """Resource kind, e.g. `account`, `credential_store`, `datastore`, `host`, `identity`."""
    id: str
    """The id the estate file gives the resource (never a DSN, path or secret)."""
    file: str | None = None
    """Estate file that declared the resource, when known (for SARIF locations)."""
    line: int | None = None
    """1-based line in `file` where the resource is declared, when known."""

    def __init__(
        self, kind: str, id: str, file: str | None = None, line: int | None = None
    ) -> None:
        # Written out instead of generated: a frozen dataclass's own __init__ is several times
        # slower, and a 100k-store audit builds close to a million of these.
        _set_kind(self, kind)
        _set_id(self, id)
        _set_file(self, file)
        _set_line(self, line)

    @property
    def key(self) -> str:
        """`kind:id`, unique within a run."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class Remediation:
    """How to fix a failing check."""

    text: str
    """One or two sentences saying what to change."""
    steps: tuple[str, ...] = ()
    """Concrete steps (commands, configuration lines) in the order to apply them."""


@dataclass(frozen=True, slots=True)
class Waiver:
    """An accepted risk: the finding keeps its status but no longer fails the run."""

    reason: str
    """Why the risk is accepted."""
    approved_by: str | None = None
    """Who accepted it."""
    expires: date | None = None
    """After this date the waiver no longer applies."""


def fingerprint(check_id: str, resource_kind: str, resource_id: str) -> str:
    """Stable identity of a finding across runs: the same check on the same resource."""
    raw = f"{check_id}\x1f{resource_kind}\x1f{resource_id}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """The verdict of one check on one resource, or on a group of accounts (`affected`)."""

    check_id: str
    """Id of the check that produced it."""
    status: Status
    """`pass`, `fail`, `error` or `skip`."""
    severity: Severity
    """Severity of this finding; usually the check's, raised or lowered by context."""
    resource: ResourceRef
    """What the finding is about."""
    detail: str
    """One internal sentence for engineers; never contains a secret."""
    evidence: Mapping[str, Scalar] = field(default_factory=dict)
    """Small, non-secret facts behind the verdict (scheme names, counts, settings)."""
    remediation: str | None = None
    """A fix specific to this resource, when it adds to the check's remediation."""
    waiver: Waiver | None = None
    """The waiver that applies to this finding, if any."""
    affected: tuple[str, ...] = ()
    """For a group finding (resource kind `account_group`): the ids of the accounts it stands
    for, in estate order. Empty for a finding about a single resource."""
    _fingerprint: str = field(default="", init=False, repr=False, compare=False)
    """Cache of `fingerprint`: computed on first use, since a run may make 100k+ findings."""

    def __init__(  # noqa: PLR0917 - the dataclass signature, positional order included
        self,
        check_id: str,
        status: Status,
        severity: Severity,
        resource: ResourceRef,
        detail: str,
        evidence: Mapping[str, Scalar] | None = None,
        remediation: str | None = None,
        waiver: Waiver | None = None,
        affected: tuple[str, ...] = (),
    ) -> None:
        # Written out for speed, like ResourceRef's. `evidence` is stored as given: callers
        # hand over a mapping they no longer change (`Check.finding` copies).
        _set_check_id(self, check_id)
        _set_status(self, status)
        _set_severity(self, severity)
        _set_resource(self, resource)
        _set_detail(self, detail)
        _set_evidence(self, _NO_EVIDENCE if evidence is None else evidence)
        _set_remediation(self, remediation)
        _set_waiver(self, waiver)
        _set_affected(self, affected)
        _set_fingerprint(self, "")

    @property
    def count(self) -> int:
        """How many resources the finding is about: the size of a group, else 1."""
        return len(self.affected) or 1

    @property
    def fingerprint(self) -> str:
        """Stable across runs: hash of check id, resource kind and resource id."""
        if not self._fingerprint:
            fp = fingerprint(self.check_id, self.resource.kind, self.resource.id)
            object.__setattr__(self, "_fingerprint", fp)
        return self._fingerprint

    @property
    def domain(self) -> str:
        """`auth`, `datastore` or `placement` (the part of the check id before the dot)."""
        return self.check_id.split(".", 1)[0]


_set_kind, _set_id, _set_file, _set_line = slot_setters(ResourceRef, ("kind", "id", "file", "line"))
(
    _set_check_id,
    _set_status,
    _set_severity,
    _set_resource,
    _set_detail,
    _set_evidence,
    _set_remediation,
    _set_waiver,
    _set_affected,
    _set_fingerprint,
) = slot_setters(
    Finding,
    (
        "check_id",
        "status",
        "severity",
        "resource",
        "detail",
        "evidence",
        "remediation",
        "waiver",
        "affected",
        "_fingerprint",
    ),
)
_NO_EVIDENCE: Mapping[str, Scalar] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """Everything known about a check before it runs, declared once in code."""

    id: str
    """`<domain>.<condition>`, the condition named after the bad state."""
    title: str
    """Short statement of the bad state, e.g. "MFA is not enforced for privileged roles"."""
    severity: Severity
    """Default severity of a failing finding."""
    rationale: str
    """Why the bad state matters after a breach."""
    remediation: Remediation
    """How to fix it."""
    references: tuple[str, ...] = ()
    """Standards and guidance (NIST SP 800-63B-4, CIS Controls v8, PCI DSS 4.0, OWASP ...)."""
    public_title: str | None = None
    """Customer-safe area label; None means this check never contributes to public output."""
    needs: frozenset[str] = frozenset()
    """Facets of the check context that must be present, else the check is skipped."""
    uses: frozenset[str] = frozenset()
    """Facets the check reads when present; unlike `needs`, their absence skips nothing."""

    @property
    def domain(self) -> str:
        """The part of the id before the dot."""
        return self.id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """How one check ended in a run."""

    check_id: str
    """Id of the check."""
    state: OutcomeState
    """`completed`, `errored` or `skipped`."""
    duration_ms: int
    """Wall time the check took."""
    reason: str | None = None
    """Why it was skipped, or what went wrong (exception type and place, never a secret)."""


@dataclass(frozen=True, slots=True)
class LoadError:
    """A check plugin that could not be loaded or validated."""

    source: str
    """Entry point, module or check id that failed."""
    message: str
    """What was wrong with it."""


@dataclass(frozen=True, slots=True)
class EstateInfo:
    """What a run records about the estate it scanned."""

    name: str
    """Organisation name from the estate file."""
    path: str | None = None
    """Estate file path as given on the command line."""
    incident_discovered: date | None = None
    """When the incident was discovered, if declared."""
    incident_contained: date | None = None
    """When the incident was contained, if declared."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished run: the checks that ran, their findings and how each ended."""

    id: str
    """Run id (sortable by start time)."""
    started_at: datetime
    """When the run started (UTC)."""
    finished_at: datetime
    """When the run finished (UTC)."""
    estate: EstateInfo
    """The estate scanned."""
    tool_version: str
    """Version of `hardening` that produced the run."""
    checks: Mapping[str, CheckSpec]
    """Specs of the checks selected for the run, by id."""
    findings: tuple[Finding, ...]
    """All findings, in check order."""
    outcomes: Mapping[str, CheckOutcome]
    """How each selected check ended, by id."""
    load_errors: tuple[LoadError, ...] = ()
    """Check plugins that failed to load."""

    def summary(self) -> dict[str, int]:
        """Number of findings per status."""
        counts = {s.value: 0 for s in Status}
        for f in self.findings:
            counts[f.status.value] += 1
        return counts

    def severity_counts(self, status: Status = Status.FAIL) -> dict[str, int]:
        """Number of findings with `status` per severity, highest first."""
        counts = {s.value: 0 for s in reversed(Severity)}
        for f in self.findings:
            if f.status is status:
                counts[f.severity.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The JSON report document (schema_version 1)."""
        return {
            "schema_version": 1,
            "tool": {"name": "hardening", "version": self.tool_version},
            "run": {
                "id": self.id,
                "started_at": _iso(self.started_at),
                "finished_at": _iso(self.finished_at),
                "estate": self.estate.name,
                "estate_path": self.estate.path,
                "incident": {
                    "discovered": _date(self.estate.incident_discovered),
                    "contained": _date(self.estate.incident_contained),
                },
            },
            "checks": {cid: _spec_dict(spec) for cid, spec in self.checks.items()},
            "findings": [_finding_dict(f) for f in self.findings],
            "outcomes": {
                cid: {"state": o.state.value, "duration_ms": o.duration_ms, "reason": o.reason}
                for cid, o in self.outcomes.items()
            },
            "load_errors": [{"source": e.source, "message": e.message} for e in self.load_errors],
            "summary": self.summary(),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RunResult:
        """Rebuild a run from its JSON report document."""
        run = doc["run"]
        incident = run.get("incident") or {}
        return cls(
            id=run["id"],
            started_at=datetime.fromisoformat(run["started_at"]),
            finished_at=datetime.fromisoformat(run["finished_at"]),
            estate=EstateInfo(
                name=run["estate"],
                path=run.get("estate_path"),
                incident_discovered=_parse_date(incident.get("discovered")),
                incident_contained=_parse_date(incident.get("contained")),
            ),
            tool_version=doc["tool"]["version"],
            checks={cid: _spec_from(cid, s) for cid, s in doc["checks"].items()},
            findings=tuple(_finding_from(f) for f in doc["findings"]),
            outcomes={
                cid: CheckOutcome(cid, OutcomeState(o["state"]), o["duration_ms"], o.get("reason"))
                for cid, o in doc["outcomes"].items()
            },
            load_errors=tuple(LoadError(e["source"], e["message"]) for e in doc["load_errors"]),
        )


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _spec_dict(spec: CheckSpec) -> dict[str, Any]:
    return {
        "title": spec.title,
        "severity": spec.severity.value,
        "domain": spec.domain,
        "rationale": spec.rationale,
        "remediation": spec.remediation.text,
        "remediation_steps": list(spec.remediation.steps),
        "references": list(spec.references),
        "public_title": spec.public_title,
        "needs": sorted(spec.needs),
    }


def _spec_from(check_id: str, s: Mapping[str, Any]) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=s["title"],
        severity=Severity(s["severity"]),
        rationale=s.get("rationale", ""),
        remediation=Remediation(s["remediation"], tuple(s.get("remediation_steps", ()))),
        references=tuple(s.get("references", ())),
        public_title=s.get("public_title"),
        needs=frozenset(s.get("needs", ())),
    )


def _finding_dict(f: Finding) -> dict[str, Any]:
    waiver = None
    if f.waiver is not None:
        waiver = {
            "reason": f.waiver.reason,
            "approved_by": f.waiver.approved_by,
            "expires": _date(f.waiver.expires),
        }
    return {
        "check_id": f.check_id,
        "status": f.status.value,
        "severity": f.severity.value,
        "resource": {
            "kind": f.resource.kind,
            "id": f.resource.id,
            "file": f.resource.file,
            "line": f.resource.line,
        },
        "detail": f.detail,
        "evidence": dict(f.evidence),
        "remediation": f.remediation,
        "fingerprint": f.fingerprint,
        "waiver": waiver,
        "affected": list(f.affected),
    }


def _finding_from(d: Mapping[str, Any]) -> Finding:
    r = d["resource"]
    w = d.get("waiver")
    return Finding(
        check_id=d["check_id"],
        status=Status(d["status"]),
        severity=Severity(d["severity"]),
        resource=ResourceRef(r["kind"], r["id"], r.get("file"), r.get("line")),
        detail=d["detail"],
        evidence=dict(d.get("evidence") or {}),
        remediation=d.get("remediation"),
        waiver=(
            Waiver(w["reason"], w.get("approved_by"), _parse_date(w.get("expires"))) if w else None
        ),
        affected=tuple(d.get("affected") or ()),
    )
