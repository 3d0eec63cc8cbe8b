"""The checks API: a `CheckSpec` declared once, a `Check` with `evaluate(ctx)`, `@register`.

A check module looks like this::

    @register
    class MfaNotEnforced(Check):
        '''What it does / why it is bad / example — printed by `hardening checks explain`.'''

        spec = CheckSpec(id="auth.mfa_not_enforced", title=..., severity=Severity.HIGH, ...)

        def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
            for account in ctx.accounts:
                ...
                yield self.fail(account_ref(account), "signs in with a password alone")

`evaluate` yields one finding per resource examined. Raising is a bug: the runner records it
as an `error` finding and carries on with the other checks.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress
from operator import attrgetter
from types import MappingProxyType
from typing import ClassVar, TypeVar

from hardening.context import CheckContext
from hardening.estate import Account, CredentialStore, Datastore, Host, IdentityProvider
from hardening.model import (
    CheckSpec,
    Finding,
    Remediation,
    ResourceRef,
    Scalar,
    Severity,
    Status,
)

__all__ = [
    "Check",
    "CheckContext",
    "CheckSpec",
    "Finding",
    "Remediation",
    "ResourceRef",
    "Severity",
    "Status",
    "ref",
    "register",
]

_MARK = "__hardening_check__"
_ACCOUNT_ID = attrgetter("id")

C = TypeVar("C", bound=type["Check"])


def register(cls: C) -> C:
    """Mark a `Check` subclass for discovery. It only marks; nothing global is changed."""
    setattr(cls, _MARK, True)
    return cls


def is_registered(obj: object) -> bool:
    """Whether `obj` is a class that `@register` marked (not inherited from a base)."""
    return isinstance(obj, type) and obj.__dict__.get(_MARK, False) is True


class Check(ABC):
    """Base of every check. Subclasses set `spec` and implement `evaluate`."""

    spec: ClassVar[CheckSpec]

    @abstractmethod
    def evaluate(self, ctx: CheckContext) -> Iterable[Finding]:
        """Yield one finding per resource examined."""

    def finding(
        self,
        status: Status,
        resource: ResourceRef,
        detail: str,
        *,
        severity: Severity | None = None,
        remediation: str | None = None,
        evidence: Mapping[str, Scalar] | None = None,
    ) -> Finding:
        """Build a finding of this check; severity defaults to the spec's.

        `evidence` is copied, unless it is a read-only `MappingProxyType`, which many findings
        may then share.
        """
        if evidence is None:
            evidence = {}
        elif type(evidence) is not MappingProxyType:
            evidence = dict(evidence)
        return Finding(
            self.spec.id,
            status,
            severity or self.spec.severity,
            resource,
            detail,
            evidence,
            remediation,
        )

    def passed(
        self, resource: ResourceRef, detail: str, *, evidence: Mapping[str, Scalar] | None = None
    ) -> Finding:
        """A `pass` finding: the bad state is absent on `resource`."""
        return self.finding(Status.PASS, resource, detail, evidence=evidence)

    def failed(
        self,
        resource: ResourceRef,
        detail: str,
        *,
        severity: Severity | None = None,
        remediation: str | None = None,
        evidence: Mapping[str, Scalar] | None = None,
    ) -> Finding:
        """A `fail` finding: the bad state is present on `resource`."""
        return self.finding(
            Status.FAIL,
            resource,
            detail,
            severity=severity,
            remediation=remediation,
            evidence=evidence,
        )

    def errored(self, resource: ResourceRef, detail: str) -> Finding:
        """An `error` finding: `resource` could not be examined (an input could not be read)."""
        return self.finding(Status.ERROR, resource, detail)

    def skipped(
        self, resource: ResourceRef, detail: str, *, evidence: Mapping[str, Scalar] | None = None
    ) -> Finding:
        """A `skip` finding: this resource could not be judged (say why in `detail`)."""
        return self.finding(Status.SKIP, resource, detail, evidence=evidence)

    def account_findings(
        self,
        ctx: CheckContext,
        accounts: Sequence[Account],
        verdicts: Sequence[Verdict],
        describe: Describe,
        summarise: Summarise,
    ) -> Iterator[Finding]:
        """Findings for `accounts` judged `verdicts` (one each, in order): one finding per
        account, `describe`d, in estate order; except that where more than `ctx.group_above`
        accounts share a verdict, those accounts become one group finding, `summarise`d, whose
        `affected` lists every account id.

        A verdict is `(status, severity)`, severity None meaning the spec's; use the same
        tuple object for the same verdict (module constants), it is what makes a million
        accounts cheap. The group's resource is `account_group:accounts-<status>` (and
        `-<severity>` for failures), stable across runs so history and diffs can follow it.
        Groups come after the single findings, failures first.
        """
        default = self.spec.severity
        if len(accounts) != len(verdicts):
            raise ValueError("one verdict per account")
        # Verdicts are shared tuples: count and sort them by identity, in C (hashing the
        # enums in a verdict runs Python code, a million times over).
        verdict_ids = list(map(id, verdicts))
        by_id = dict(zip(verdict_ids, verdicts, strict=True))
        limit = max(ctx.group_above, 0)
        norm = {i: (key[0], key[1] or default) for i, key in by_id.items()}
        sizes: Counter[tuple[Status, Severity]] = Counter()
        for i, n in Counter(verdict_ids).items():
            sizes[norm[i]] += n
        grouped = {key for key, n in sizes.items() if n > limit}
        single_ids = {i for i, key in norm.items() if key not in grouped}
        if single_ids:
            positions = compress(range(len(accounts)), map(single_ids.__contains__, verdict_ids))
            for i in positions:
                account = accounts[i]
                status, severity = norm[verdict_ids[i]]
                detail, evidence = describe(account, status)
                yield self.finding(
                    status, ref(account), detail, severity=severity, evidence=evidence
                )
        for status, severity in sorted(grouped, key=lambda key: group_order(*key)):
            ids = {i for i, key in norm.items() if key == (status, severity)}
            members = list(compress(accounts, map(ids.__contains__, verdict_ids)))
            detail, evidence = summarise(status, severity, members)
            suffix = f"-{severity.value}" if status is Status.FAIL else ""
            where = ResourceRef("account_group", f"accounts-{status.value}{suffix}")
            yield Finding(
                self.spec.id,
                status,
                severity,
                where,
                detail,
                {**evidence, "accounts": len(members)},
                None,
                None,
                tuple(map(_ACCOUNT_ID, members)),
            )

    def judged_findings(
        self, ctx: CheckContext, judged: Iterable[tuple[ResourceRef, Judgement]]
    ) -> Iterator[Finding]:
        """Findings for `(resource, judgement)` pairs, where a check judges each distinct
        combination of facts once and hands the same `Judgement` tuple to every resource that
        shares it: one finding per resource, in order, except that more than
        `ctx.group_above` resources with an equal judgement become one group finding (as
        `hardening.runner.fold_identical` would make, without building a finding per member).
        """
        default = self.spec.severity
        refs, verdicts = equal_judgements(judged, default)
        limit = max(ctx.group_above, 0)
        verdict_of: dict[int, Judgement] = {}
        groups: list[tuple[Judgement, list[int]]] = []
        for judgement, members in verdicts:
            if len(members) > limit:
                groups.append((judgement, members))
            else:
                verdict_of.update(dict.fromkeys(members, judgement))
        for i in sorted(verdict_of):
            status, detail, severity, remediation, evidence = verdict_of[i]
            yield self.finding(
                status,
                refs[i],
                detail,
                severity=severity,
                remediation=remediation,
                evidence=evidence,
            )
        groups.sort(key=lambda g: group_order(g[0][0], g[0][2] or default))
        for (status, detail, severity, remediation, evidence), members in groups:
            yield group_finding(
                self.spec.id,
                (status, detail, severity or default, remediation, evidence),
                [refs[i] for i in members],
            )


#: A judgement before it is attached to a resource: status, detail, severity (None: the
#: check's), remediation and evidence. Share one tuple between the resources it applies to.
Judgement = tuple[Status, str, Severity | None, str | None, Mapping[str, Scalar]]


def equal_judgements(
    judged: Iterable[tuple[ResourceRef, Judgement]], default: Severity
) -> tuple[list[ResourceRef], list[tuple[Judgement, list[int]]]]:
    """The resources of `judged`, and their positions grouped by equal judgement (and
    resource kind), each group in order: what both `Check.judged_findings` and
    `hardening.runner.fold_identical` fold.

    First by identity - checks share detail strings and evidence mappings between resources
    with the same verdict, and ids hash in no time (enum members hash through Python code) -
    then by value, once per distinct identity, so that equal judgements reached through
    different combinations of facts are one verdict. The first judgement of each identity is
    kept alive in the table, so an id is never reused while it is a key.
    """
    refs: list[ResourceRef] = []
    by_id: dict[tuple[object, ...], tuple[Judgement, list[int]]] = {}
    for i, (resource, judgement) in enumerate(judged):
        refs.append(resource)
        status, detail, severity, remediation, evidence = judgement
        key = (id(status), id(detail), id(severity), id(remediation), id(evidence), resource.kind)
        entry = by_id.get(key)
        if entry is None:
            by_id[key] = (judgement, [i])
        else:
            entry[1].append(i)
    by_value: dict[tuple[object, ...], tuple[Judgement, list[int]]] = {}
    merged: list[list[int]] = []
    for (*_, kind), (judgement, members) in by_id.items():
        status, detail, severity, remediation, evidence = judgement
        value = (status, detail, severity or default, remediation, tuple(evidence.items()), kind)
        known = by_value.get(value)
        if known is None:
            by_value[value] = (judgement, members)
        else:
            known[1].extend(members)
            merged.append(known[1])
    for members in merged:
        members.sort()  # back into order
    return refs, list(by_value.values())


def group_order(status: Status, severity: Severity) -> tuple[int, int]:
    """Sort key of group findings: failures first, then errors, skips, passes; most severe
    first within each."""
    return _STATUS_ORDER[status], -severity.rank


def group_finding(check_id: str, judgement: Judgement, members: Sequence[ResourceRef]) -> Finding:
    """One finding standing for `members`, which all received `judgement` from one check.

    Its resource is `<kind>_group:<kind>s-<status>-<severity>-<digest>`, the digest taken over
    the judgement so that the same verdict keeps its id from run to run; `affected` lists the
    members' ids in order; the evidence gains `resources`, their number.
    """
    status, detail, severity, remediation, evidence = judgement
    first = members[0]
    severity = severity or Severity.INFO
    files = {r.file for r in members}
    digest = hashlib.blake2b(
        repr((detail, remediation, tuple(evidence.items()))).encode(), digest_size=4
    ).hexdigest()
    where = ResourceRef(
        f"{first.kind}_group",
        f"{first.kind}s-{status.value}-{severity.value}-{digest}",
        files.pop() if len(files) == 1 else None,
    )
    return Finding(
        check_id,
        status,
        severity,
        where,
        detail,
        {**evidence, "resources": len(members)},
        remediation,
        None,
        tuple(r.id for r in members),
    )


#: A per-account verdict: `(status, severity)`, severity None meaning the check's default.
Verdict = tuple[Status, Severity | None]
PASSED: Verdict = (Status.PASS, None)
"""The account passes."""
FAILED: Verdict = (Status.FAIL, None)
"""The account fails at the check's default severity."""
SKIPPED: Verdict = (Status.SKIP, None)
"""The account cannot be judged."""
#: `describe(account, status)`: detail and evidence of one account's finding.
Describe = Callable[[Account, Status], tuple[str, Mapping[str, Scalar]]]
#: `summarise(status, severity, accounts)`: detail and evidence of a group finding.
Summarise = Callable[[Status, Severity, Sequence[Account]], tuple[str, Mapping[str, Scalar]]]

_STATUS_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.SKIP: 2, Status.PASS: 3}


Declared = Account | CredentialStore | Datastore | Host | IdentityProvider

_KINDS: Mapping[type, str] = {
    Account: "account",
    CredentialStore: "credential_store",
    Datastore: "datastore",
    Host: "host",
    IdentityProvider: "identity",
}


def ref(obj: Declared) -> ResourceRef:
    """The `ResourceRef` of an estate object, pointing at the line that declared it."""
    return ResourceRef(_KINDS[type(obj)], obj.id, obj.location.file, obj.location.line)
