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

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
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
        """Build a finding of this check; severity defaults to the spec's."""
        return Finding(
            check_id=self.spec.id,
            status=status,
            severity=severity or self.spec.severity,
            resource=resource,
            detail=detail,
            evidence=dict(evidence or {}),
            remediation=remediation,
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
