"""The runner: isolation of crashing checks, skips for missing facets, exit-code policy."""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hardening.check import Check, register
from hardening.context import CheckContext
from hardening.errors import UsageError
from hardening.estate import Account, Estate, Location, Organisation
from hardening.model import (
    CheckSpec,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    Severity,
    Status,
)
from hardening.registry import from_modules
from hardening.runner import ExitCode, RunOptions, exit_code, run_checks


def _spec(
    cid: str, severity: Severity = Severity.HIGH, needs: frozenset[str] = frozenset()
) -> CheckSpec:
    return CheckSpec(
        id=cid,
        title=f"title of {cid}",
        severity=severity,
        rationale="because",
        remediation=Remediation("fix it", ("step one",)),
        needs=needs,
    )


def _module(name: str, *classes: type) -> types.ModuleType:
    mod = types.ModuleType(name)
    for cls in classes:
        cls.__module__ = name
        setattr(mod, cls.__name__, cls)
    sys.modules[name] = mod
    return mod


def _estate(accounts: tuple[Account, ...] | None = None) -> Estate:
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test Org"),
        accounts=accounts,
    )


@register
class GoodCheck(Check):
    spec = _spec("auth.good_thing_missing", Severity.MEDIUM)

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        yield self.passed(ResourceRef("account", "a"), "fine")
        yield self.failed(ResourceRef("account", "b"), "not fine")


@register
class CrashingCheck(Check):
    spec = _spec("auth.crashy")

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        yield self.failed(ResourceRef("account", "c"), "found before the crash")
        raise KeyError("password=hunter2-CANARY")


@register
class NeedsAccounts(Check):
    spec = _spec("auth.needs_accounts", needs=frozenset({"accounts"}))

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        for account in ctx.accounts:
            yield self.passed(ResourceRef("account", account.id), "ok")


MOD = _module("fake_checks_runner", GoodCheck, CrashingCheck, NeedsAccounts)


def test_crashing_check_becomes_error_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = from_modules([MOD])
    with caplog.at_level(logging.ERROR):
        run = run_checks(_estate(), registry, RunOptions(today=date(2026, 11, 25)))
    crashy = [f for f in run.findings if f.check_id == "auth.crashy"]
    assert [f.status for f in crashy] == [Status.FAIL, Status.ERROR]  # yielded finding kept
    assert "KeyError" in crashy[1].detail
    assert "hunter2" not in crashy[1].detail  # the message may quote data; never shown
    assert run.outcomes["auth.crashy"].state is OutcomeState.ERRORED
    good = [f.status for f in run.findings if f.check_id == "auth.good_thing_missing"]
    assert good == [Status.PASS, Status.FAIL]
    assert "check auth.crashy crashed" in caplog.text
    assert exit_code(run) is ExitCode.CHECK_ERROR


def test_debug_reraises() -> None:
    registry = from_modules([MOD])
    with pytest.raises(KeyError):
        run_checks(_estate(), registry, RunOptions(debug=True))


def test_missing_facet_is_a_skip_with_reason() -> None:
    registry = from_modules([MOD])
    run = run_checks(_estate(), registry, RunOptions(include=["auth.needs_accounts"]))
    (finding,) = run.findings
    assert finding.status is Status.SKIP
    assert "no accounts" in finding.detail
    assert run.outcomes["auth.needs_accounts"].state is OutcomeState.SKIPPED
    assert exit_code(run) is ExitCode.OK


def test_present_facet_runs_the_check() -> None:
    acc = Account(id="u1", location=Location("estate.yaml", 3))
    run = run_checks(
        _estate((acc,)), from_modules([MOD]), RunOptions(include=["auth.needs_accounts"])
    )
    assert [f.status for f in run.findings] == [Status.PASS]


def test_selection_by_id_domain_and_skip() -> None:
    registry = from_modules([MOD])
    assert registry.select(["auth"]) == sorted(registry.checks)
    assert registry.select(["auth."], ["auth.crashy"]) == [
        "auth.good_thing_missing",
        "auth.needs_accounts",
    ]
    assert registry.select(["auth.crashy"]) == ["auth.crashy"]
    with pytest.raises(UsageError, match="did you mean 'auth.crashy'"):
        registry.select(["auth.crashi"])


def test_exit_code_policy_follows_fail_on() -> None:
    registry = from_modules([MOD])
    run = run_checks(_estate(), registry, RunOptions(include=["auth.good_thing_missing"]))
    assert exit_code(run, Severity.HIGH) is ExitCode.OK  # only a medium failure
    assert exit_code(run, Severity.MEDIUM) is ExitCode.FINDINGS
    assert exit_code(run, None) is ExitCode.OK


def test_fingerprint_is_stable_and_ignores_location() -> None:
    a = Finding("auth.x", Status.FAIL, Severity.LOW, ResourceRef("account", "u1", "a.yaml", 3), "d")
    b = Finding(
        "auth.x", Status.PASS, Severity.HIGH, ResourceRef("account", "u1", "b.yaml", 9), "e"
    )
    c = Finding("auth.x", Status.FAIL, Severity.LOW, ResourceRef("account", "u2"), "d")
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert len(a.fingerprint) == 32
