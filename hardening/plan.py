"""The fix plan: a run's failing findings turned into an ordered list of actions.

Findings that share one fix become one action: a check's failing findings on the same kind of
resource are closed by the same change (one identity-provider policy change fixes 4,000
accounts; one action per check covers every credential store or data store it flagged, with the
store-specific fixes as steps). Waived findings are accepted risk and stay out of the plan.

Actions are ordered by `score` (highest first), ties broken by check id and resource kind::

    score = SEVERITY_WEIGHT[severity] * exposure * (1 + log10(resources))

where `severity` is the highest severity among the action's findings and `exposure` is the
product of `INTERNET_MULTIPLIER` (the action touches a resource with internet-exposure evidence)
and the `CLASSIFICATION_MULTIPLIER` of the most sensitive data it touches. Exposure and
classification are read from the evidence of *every* finding in the run (a pass of
`datastore.internet_exposed` still records that a public store faces the internet), keyed by
resource, so a `tls_not_required` failure on an exposed store is ranked as exposed too.

The plan is built in one pass over the findings plus one pass over the failing ones, so it stays
fast on runs of 100,000 findings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hardening.model import CheckSpec, Finding, ResourceRef, RunResult, Scalar, Severity, Status

__all__ = [
    "CLASSIFICATION_MULTIPLIER",
    "INTERNET_MULTIPLIER",
    "SEVERITY_WEIGHT",
    "Action",
    "FixPlan",
    "build_plan",
]

SEVERITY_WEIGHT: Mapping[Severity, float] = {
    Severity.CRITICAL: 100.0,
    Severity.HIGH: 40.0,
    Severity.MEDIUM: 10.0,
    Severity.LOW: 3.0,
    Severity.INFO: 1.0,
}
"""Base weight of an action by its highest severity.

Roughly geometric, so that breadth, which counts only logarithmically (twice at 10 resources,
four times at 1,000), rarely outranks severity: a high failure on one resource (40) ties with a
medium one on 1,000 resources (10 * (1 + 3)), and a critical on one resource (100) with a high
on about 30. The exposure multipliers then lift what an attacker can reach first.
"""

INTERNET_MULTIPLIER = 3.0
"""Applied when any resource of the action is reachable from the internet.

Evidence for it: a failing `datastore.internet_exposed` finding, or any finding whose evidence
has `internet_exposed` true or `zone` equal to `"internet"` (what the datastore and placement
checks record). Anyone can attack an exposed resource; an internal one needs a foothold first.
"""

CLASSIFICATION_MULTIPLIER: Mapping[str, float] = {"restricted": 2.0, "confidential": 1.5}
"""Applied for the most sensitive data classification among the action's resources.

Read from the `classification` evidence key (the datastore and placement checks record it); a
failing `placement.restricted_store_online` finding implies `restricted`. Other classifications
(public, internal, none) multiply by 1.
"""

#: Resource-specific fixes listed as steps per action; the rest are counted.
_SPECIFIC_FIXES_MAX = 10
#: Resource ids named in one resource-specific step.
_IDS_PER_STEP = 5
_TITLE_MAX = 100

_INTERNET_CHECK = "datastore.internet_exposed"
_RESTRICTED_CHECK = "placement.restricted_store_online"
_IMPLYING_CHECKS = frozenset({_INTERNET_CHECK, _RESTRICTED_CHECK})
_SEVERITY_BY_RANK = tuple(Severity)
_CLASS_RANK = {"confidential": 1, "restricted": 2}
_CLASS_BY_RANK = {rank: name for name, rank in _CLASS_RANK.items()}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(])")
_CLAUSE_BREAKS = ((" - ",), (", and ", ", then ", ", or "), (", ",), (" and ",))
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")

_NOUNS = {
    "account": ("account", "accounts"),
    "credential_store": ("credential store", "credential stores"),
    "datastore": ("data store", "data stores"),
    "host": ("host", "hosts"),
    "identity": ("identity provider", "identity providers"),
}


@dataclass(frozen=True, slots=True)
class Action:
    """One fix that closes one or more failing findings."""

    rank: int
    """Position in the plan: 1 = do first."""
    title: str
    """Short imperative and the number of resources: "Make TLS mandatory … — 3 data stores"."""
    severity: Severity
    """Highest severity among its findings."""
    score: float
    """The ordering score (higher first); see the module docstring."""
    check_ids: tuple[str, ...]
    """Checks this action closes."""
    remediation: str
    """The fix, one paragraph (the check's remediation text)."""
    steps: tuple[str, ...]
    """Concrete steps in order: the check's steps, then resource-specific fixes."""
    resources: tuple[ResourceRef, ...]
    """Every resource it touches (may be many), in finding order; a group finding's resource
    stands for all its members."""
    resource_count: int
    """How many resources it touches, the members of group findings counted one by one."""
    finding_fingerprints: tuple[str, ...]
    """Fingerprints of the findings it closes."""
    internet_exposed: bool
    """Touches a resource with internet-exposure evidence."""
    restricted_data: bool
    """Touches restricted or confidential data."""


@dataclass(frozen=True, slots=True)
class FixPlan:
    """The ordered actions of a run."""

    actions: tuple[Action, ...]
    """Ordered, rank 1 first."""

    def top(self, n: int) -> tuple[Action, ...]:
        """The first `n` actions (fewer when the plan is shorter)."""
        return self.actions[: max(n, 0)]


_Key = tuple[str, str]
"""A resource as (kind, id): cheaper to hash than a `ResourceRef` on runs of 100k findings."""


@dataclass(slots=True)
class _Group:
    """The unwaived failures of one check on one kind of resource, accumulated in one pass."""

    check_id: str
    kind: str
    resources: dict[_Key, ResourceRef] = field(default_factory=dict)
    fingerprints: list[str] = field(default_factory=list)
    count: int = 0
    """Resources touched: a group finding counts the accounts it stands for."""
    top: int = 0
    """Highest severity rank among the findings."""
    fixes: dict[str, list[str]] = field(default_factory=dict)
    """Resource-specific fix text → ids of the resources it names (first few texts only)."""

    def add(self, f: Finding) -> None:
        r = f.resource
        # A resource appears twice only through a buggy plugin; it is touched once.
        if (r.kind, r.id) not in self.resources:
            self.resources[(r.kind, r.id)] = r
            self.count += f.count
        self.fingerprints.append(f.fingerprint)
        rank = f.severity.rank
        self.top = max(self.top, rank)
        fix = f.remediation
        if fix:
            ids = self.fixes.get(fix)
            if ids is None:
                if len(self.fixes) == _SPECIFIC_FIXES_MAX:
                    return
                ids = self.fixes[fix] = []
            ids.append(r.id)


def build_plan(run: RunResult) -> FixPlan:
    """The fix plan of `run`: its unwaived failing findings grouped into ranked actions."""
    exposed: set[_Key] = set()
    classification: dict[_Key, int] = {}
    groups: dict[tuple[str, str], _Group] = {}
    fail = Status.FAIL
    for f in run.findings:
        if f.evidence or f.check_id in _IMPLYING_CHECKS:
            _note_facts(f, exposed, classification)
        if f.status is not fail or f.waiver is not None:
            continue
        kind = f.resource.kind
        if f.affected:
            # A group finding stands for its members: one action with their single findings.
            kind = kind.removesuffix("_group")
        key = (f.check_id, kind)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(f.check_id, kind)
        group.add(f)

    drafts = [
        _draft(g, run.checks.get(g.check_id), exposed, classification) for g in groups.values()
    ]
    drafts.sort(key=lambda d: (-d.score, d.check_ids, d.resources[0].kind))
    actions = tuple(
        Action(
            rank=i,
            title=d.title,
            severity=d.severity,
            score=d.score,
            check_ids=d.check_ids,
            remediation=d.remediation,
            steps=d.steps,
            resources=d.resources,
            resource_count=d.resource_count,
            finding_fingerprints=d.finding_fingerprints,
            internet_exposed=d.internet_exposed,
            restricted_data=d.restricted_data,
        )
        for i, d in enumerate(drafts, start=1)
    )
    return FixPlan(actions)


def _note_facts(f: Finding, exposed: set[_Key], classification: dict[_Key, int]) -> None:
    """Record what `f` tells about its resource's exposure and data classification."""
    ev = f.evidence
    failed = f.status is Status.FAIL
    key = (f.resource.kind, f.resource.id)
    if (
        ev.get("internet_exposed") is True
        or ev.get("zone") == "internet"
        or (failed and f.check_id == _INTERNET_CHECK)
    ):
        exposed.add(key)
    rank = _class_rank(ev.get("classification"))
    if failed and f.check_id == _RESTRICTED_CHECK:
        rank = max(rank, _CLASS_RANK["restricted"])
    if rank and rank > classification.get(key, 0):
        classification[key] = rank


def _class_rank(value: Scalar) -> int:
    if isinstance(value, str):
        return _CLASS_RANK.get(value.strip().lower(), 0)
    return 0


def _draft(
    group: _Group,
    spec: CheckSpec | None,
    exposed: set[_Key],
    classification: dict[_Key, int],
) -> Action:
    keys = group.resources.keys()
    internet = not exposed.isdisjoint(keys)
    class_rank = max((classification.get(k, 0) for k in keys), default=0) if classification else 0
    top = _SEVERITY_BY_RANK[group.top]
    multiplier = SEVERITY_WEIGHT[top]
    if internet:
        multiplier *= INTERNET_MULTIPLIER
    if class_rank:
        multiplier *= CLASSIFICATION_MULTIPLIER[_CLASS_BY_RANK[class_rank]]
    count = group.count
    score = round(multiplier * (1 + math.log10(count)), 3)
    remediation = spec.remediation.text if spec else f"Fix what {group.check_id} reports."
    steps = (*(spec.remediation.steps if spec else ()), *_specific_fixes(group.fixes))
    return Action(
        rank=0,
        title=_title(spec, group, count),
        severity=top,
        score=score,
        check_ids=(group.check_id,),
        remediation=remediation,
        steps=steps,
        resources=tuple(group.resources.values()),
        resource_count=count,
        finding_fingerprints=tuple(group.fingerprints),
        internet_exposed=internet,
        restricted_data=class_rank > 0,
    )


def _specific_fixes(fixes: Mapping[str, list[str]]) -> tuple[str, ...]:
    """Resource-specific fixes, one step per distinct text, naming the first few resources."""
    steps = []
    for fix, ids in fixes.items():
        named = ", ".join(ids[:_IDS_PER_STEP])
        more = f" and {len(ids) - _IDS_PER_STEP} more" if len(ids) > _IDS_PER_STEP else ""
        steps.append(f"For {named}{more}: {fix}")
    return tuple(steps)


def _title(spec: CheckSpec | None, group: _Group, count: int) -> str:
    singular, plural = _NOUNS.get(group.kind, (group.kind.replace("_", " "),) * 2)
    if plural == singular:
        plural += "s"
    noun = singular if count == 1 else plural
    if spec is None:
        head = f"Fix {group.check_id}"
    else:
        head = _imperative(spec.remediation.text) or f"Fix: {spec.title}"
    return f"{head} — {count:,} {noun}"


def _imperative(text: str) -> str | None:
    """The first clause of a remediation text's first sentence, or None when it is too long."""
    first = _PARENTHETICAL.sub("", _SENTENCE_END.split(text.strip(), maxsplit=1)[0])
    first = first.rstrip(". ")
    first = first[: _first_outside_code(first, (":", ";"), 0)]
    # Too long: cut at the strongest clause boundary that leaves a short title.
    for seps in _CLAUSE_BREAKS:
        if len(first) <= _TITLE_MAX:
            break
        cut = _first_outside_code(first, seps, 20)
        if cut <= _TITLE_MAX:
            first = first[:cut]
    first = first.strip()
    return first if 0 < len(first) <= _TITLE_MAX else None


def _first_outside_code(text: str, seps: tuple[str, ...], start: int) -> int:
    """Index of the first of `seps` at or after `start` and outside backticks, else len(text)."""
    in_code = False
    for i, ch in enumerate(text):
        if ch == "`":
            in_code = not in_code
        elif not in_code and i >= start and any(text.startswith(sep, i) for sep in seps):
            return i
    return len(text)
