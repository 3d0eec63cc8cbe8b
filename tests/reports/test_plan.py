"""The fix plan: grouping, exclusion of waived findings, ordering, titles and steps."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Scalar,
    Severity,
    Status,
    Waiver,
)
from hardening.plan import (
    CLASSIFICATION_MULTIPLIER,
    INTERNET_MULTIPLIER,
    SEVERITY_WEIGHT,
    Action,
    FixPlan,
    build_plan,
)

START = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def _spec(check_id: str, severity: Severity = Severity.HIGH, text: str = "") -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=f"Bad state of {check_id}",
        severity=severity,
        rationale="Why.",
        remediation=Remediation(
            text or f"Fix {check_id} everywhere. Then check again.", ("a", "b")
        ),
    )


def _fail(
    check_id: str,
    kind: str,
    rid: str,
    severity: Severity = Severity.HIGH,
    evidence: Mapping[str, Scalar] | None = None,
    **kw: object,
) -> Finding:
    return Finding(
        check_id,
        Status.FAIL,
        severity,
        ResourceRef(kind, rid),
        "detail",
        evidence=dict(evidence or {}),
        **kw,  # type: ignore[arg-type]
    )


def _run(findings: list[Finding], specs: list[CheckSpec] | None = None) -> RunResult:
    if specs is None:
        specs = [_spec(cid) for cid in dict.fromkeys(f.check_id for f in findings)]
    return RunResult(
        id="run-1",
        started_at=START,
        finished_at=START + timedelta(seconds=1),
        estate=EstateInfo("Example"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes={s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs},
    )


def test_empty_run_has_empty_plan() -> None:
    plan = build_plan(_run([]))
    assert plan == FixPlan(())
    assert plan.top(5) == ()


def test_internet_exposed_restricted_store_ranks_ahead_of_stale_internal_account() -> None:
    # The acceptance case, with the evidence the real checks emit.
    findings = [
        _fail(
            "auth.stale_account",
            "account",
            "b.olsen",
            Severity.HIGH,
            {"stale_account_days": 90, "days_idle": 268},
        ),
        _fail(
            "datastore.tls_not_required",
            "datastore",
            "cards",
            Severity.HIGH,
            {"classification": "restricted", "engine": "mysql", "in_transit": "optional"},
        ),
        Finding(
            "datastore.internet_exposed",
            Status.PASS,
            Severity.HIGH,
            ResourceRef("datastore", "intranet-db"),
            "not reachable",
            evidence={"classification": "internal", "internet_exposed": False, "zone": "corporate"},
        ),
        _fail(
            "datastore.internet_exposed",
            "datastore",
            "cards",
            Severity.HIGH,
            {"classification": "restricted", "internet_exposed": True, "zone": "internet"},
        ),
    ]
    plan = build_plan(_run(findings))
    order = [a.check_ids[0] for a in plan.actions]
    assert order.index("datastore.internet_exposed") < order.index("auth.stale_account")
    # Exposure learnt from one check's evidence raises the other failures on the same store.
    assert order.index("datastore.tls_not_required") < order.index("auth.stale_account")
    by_check = {a.check_ids[0]: a for a in plan.actions}
    exposed = by_check["datastore.internet_exposed"]
    assert exposed.internet_exposed and exposed.restricted_data
    assert by_check["datastore.tls_not_required"].internet_exposed
    stale = by_check["auth.stale_account"]
    assert not stale.internet_exposed and not stale.restricted_data
    assert exposed.score == pytest.approx(
        SEVERITY_WEIGHT[Severity.HIGH]
        * INTERNET_MULTIPLIER
        * CLASSIFICATION_MULTIPLIER["restricted"]
    )
    assert stale.score == pytest.approx(SEVERITY_WEIGHT[Severity.HIGH])
    assert [a.rank for a in plan.actions] == [1, 2, 3]


def test_exposed_restricted_store_beats_even_many_stale_accounts() -> None:
    stale = [_fail("auth.stale_account", "account", f"u{i}") for i in range(4000)]
    store = _fail(
        "placement.restricted_store_online",
        "datastore",
        "cards",
        evidence={"zone": "internet", "internet_exposed": True, "hosting": "on_prem"},
    )
    plan = build_plan(_run([*stale, store]))
    assert plan.actions[0].check_ids == ("placement.restricted_store_online",)
    # The check itself implies restricted data, even without a classification in evidence.
    assert plan.actions[0].restricted_data


def test_one_policy_change_groups_thousands_of_accounts() -> None:
    findings = [_fail("auth.mfa_not_enforced", "account", f"u{i}") for i in range(4000)]
    plan = build_plan(_run(findings))
    assert len(plan.actions) == 1
    action = plan.actions[0]
    assert len(action.resources) == 4000
    assert len(action.finding_fingerprints) == 4000
    assert action.title.endswith("— 4,000 accounts")
    assert action.score == pytest.approx(
        SEVERITY_WEIGHT[Severity.HIGH] * (1 + math.log10(4000)), abs=1e-3
    )


def test_per_store_findings_are_one_action_per_check_with_specific_fixes_as_steps() -> None:
    findings = [
        _fail("datastore.unencrypted_at_rest", "datastore", "a", remediation="Turn on TDE."),
        _fail("datastore.unencrypted_at_rest", "datastore", "b", remediation="Turn on TDE."),
        _fail("datastore.unencrypted_at_rest", "datastore", "c", remediation="Use LUKS."),
        _fail("datastore.unencrypted_at_rest", "datastore", "d"),
        _fail("auth.password_min_length_too_short", "identity", "corp-sso"),
        _fail("auth.password_min_length_too_short", "identity", "partner-sso"),
    ]
    plan = build_plan(_run(findings))
    assert sorted(a.check_ids[0] for a in plan.actions) == [
        "auth.password_min_length_too_short",
        "datastore.unencrypted_at_rest",
    ]
    store = next(a for a in plan.actions if a.check_ids == ("datastore.unencrypted_at_rest",))
    assert store.steps == ("a", "b", "For a, b: Turn on TDE.", "For c: Use LUKS.")
    assert store.remediation == "Fix datastore.unencrypted_at_rest everywhere. Then check again."
    assert [r.id for r in store.resources] == ["a", "b", "c", "d"]


def test_same_check_on_two_resource_kinds_makes_two_actions() -> None:
    findings = [
        _fail("auth.password_hash_weak", "credential_store", "web-users"),
        _fail("auth.password_hash_weak", "account", "u1"),
    ]
    plan = build_plan(_run(findings))
    assert len(plan.actions) == 2
    assert {a.resources[0].kind for a in plan.actions} == {"credential_store", "account"}


def test_waived_passing_erroring_and_skipped_findings_are_not_actions() -> None:
    waiver = Waiver("accepted by the CISO")
    findings = [
        _fail("auth.stale_account", "account", "waived", waiver=waiver),
        _fail("auth.lockout_missing", "identity", "sso", waiver=waiver),
        Finding(
            "auth.mfa_weak_factor", Status.PASS, Severity.HIGH, ResourceRef("account", "p"), ""
        ),
        Finding(
            "auth.mfa_weak_factor", Status.ERROR, Severity.HIGH, ResourceRef("account", "e"), ""
        ),
        Finding(
            "auth.mfa_weak_factor", Status.SKIP, Severity.HIGH, ResourceRef("account", "s"), ""
        ),
        _fail("auth.stale_account", "account", "open"),
    ]
    plan = build_plan(_run(findings))
    assert len(plan.actions) == 1
    assert [r.id for r in plan.actions[0].resources] == ["open"]


def test_severity_outranks_breadth_and_ties_break_by_check_id() -> None:
    findings = [
        *[_fail("auth.mfa_weak_factor", "account", f"u{i}", Severity.MEDIUM) for i in range(500)],
        _fail("auth.stale_account", "account", "x", Severity.HIGH),
        _fail("auth.lockout_missing", "identity", "sso", Severity.HIGH),
        _fail("auth.password_rotation_forced", "identity", "sso", Severity.LOW),
    ]
    plan = build_plan(_run(findings))
    assert [a.check_ids[0] for a in plan.actions] == [
        "auth.lockout_missing",
        "auth.stale_account",
        "auth.mfa_weak_factor",
        "auth.password_rotation_forced",
    ]
    # Highest severity among an action's findings is the action's severity.
    mixed = build_plan(
        _run(
            [
                _fail("auth.stale_account", "account", "a", Severity.LOW),
                _fail("auth.stale_account", "account", "b", Severity.CRITICAL),
            ]
        )
    )
    assert mixed.actions[0].severity is Severity.CRITICAL


def test_confidential_weighs_less_than_restricted() -> None:
    findings = [
        _fail(
            "datastore.tls_not_required",
            "datastore",
            "c",
            evidence={"classification": "confidential"},
        ),
        _fail(
            "datastore.backup_unencrypted",
            "datastore",
            "r",
            evidence={"classification": "restricted"},
        ),
        _fail(
            "datastore.restore_untested", "datastore", "i", evidence={"classification": "internal"}
        ),
    ]
    plan = build_plan(_run(findings))
    assert [a.check_ids[0] for a in plan.actions] == [
        "datastore.backup_unencrypted",
        "datastore.tls_not_required",
        "datastore.restore_untested",
    ]
    assert [a.restricted_data for a in plan.actions] == [True, True, False]


def test_titles_are_short_imperatives_with_counts() -> None:
    long_text = (
        "Give every account its own salted, slow hash (argon2id), and reset the passwords of "
        "accounts that had unsalted or shared hashes. More text."
    )
    specs = [
        _spec("auth.password_hash_unsalted", text=long_text),
        _spec("datastore.internet_exposed", text="Take the store off the internet: only the app."),
    ]
    findings = [
        _fail("auth.password_hash_unsalted", "credential_store", "web"),
        _fail("auth.password_hash_unsalted", "credential_store", "intranet"),
        _fail("datastore.internet_exposed", "datastore", "s"),
        _fail("auth.unknown_check", "widget", "w"),
    ]
    titles = {a.check_ids[0]: a.title for a in build_plan(_run(findings, specs)).actions}
    assert titles["auth.password_hash_unsalted"] == (
        "Give every account its own salted, slow hash — 2 credential stores"
    )
    assert titles["datastore.internet_exposed"] == "Take the store off the internet — 1 data store"
    # A check missing from the run's catalogue still gets an action.
    assert titles["auth.unknown_check"] == "Fix auth.unknown_check — 1 widget"


def test_action_fields_match_the_published_api() -> None:
    plan = build_plan(_run([_fail("auth.stale_account", "account", "u")]))
    action = plan.top(1)[0]
    assert isinstance(action, Action)
    assert set(Action.__dataclass_fields__) == {
        "rank",
        "title",
        "severity",
        "score",
        "check_ids",
        "remediation",
        "steps",
        "resources",
        "resource_count",
        "finding_fingerprints",
        "internet_exposed",
        "restricted_data",
    }
    assert action.finding_fingerprints == (plan.actions[0].finding_fingerprints[0],)
    assert action.resource_count == 1
    assert plan.top(0) == () and plan.top(-1) == () and plan.top(99) == plan.actions


def test_plan_of_100k_findings_groups_them_into_few_actions() -> None:
    checks = [f"auth.check_{i}" for i in range(20)]
    findings = [
        _fail(
            checks[i % 20],
            "account" if i % 3 else "datastore",
            f"r{i}",
            evidence={"classification": "restricted"} if i % 7 == 0 else {},
            remediation=f"fix {i % 50}",
        )
        for i in range(100_000)
    ]
    run = _run(findings)
    plan = build_plan(run)
    assert sum(len(a.resources) for a in plan.actions) == 100_000
    assert len(plan.actions) == 40
    assert all(len(a.steps) <= 2 + 10 for a in plan.actions)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = Path(tmp_path_factory.mktemp("demo")) / "demo.json"
    subprocess.run(
        [sys.executable, "-m", "hardening", "scan", "--demo", "--no-store", "--format", "json"]
        + ["-o", str(out)],
        check=False,
        capture_output=True,
    )
    return RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))


def test_demo_plan_puts_exposed_sensitive_stores_first(demo_run: RunResult) -> None:
    plan = build_plan(demo_run)
    assert plan.actions
    open_fails = [f for f in demo_run.findings if f.status is Status.FAIL and f.waiver is None]
    assert sum(len(a.finding_fingerprints) for a in plan.actions) == len(open_fails)
    first = plan.actions[0]
    assert first.internet_exposed and first.restricted_data
    order = [a.check_ids[0] for a in plan.actions]
    assert order.index("datastore.internet_exposed") < order.index("auth.stale_account")
    scores = [a.score for a in plan.actions]
    assert scores == sorted(scores, reverse=True)
