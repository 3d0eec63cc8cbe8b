"""hardening: a post-breach security hardening auditor.

The names below are the public API for check and renderer authors.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hardening")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

from hardening.check import Check, ref, register
from hardening.context import CheckContext
from hardening.model import (
    CheckOutcome,
    CheckSpec,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
)

__all__ = [
    "Check",
    "CheckContext",
    "CheckOutcome",
    "CheckSpec",
    "Finding",
    "OutcomeState",
    "Remediation",
    "ResourceRef",
    "RunResult",
    "Severity",
    "Status",
    "__version__",
    "ref",
    "register",
]
