"""Account-level checks on big directories: one finding per account while few share a verdict,
one group finding listing every account id above `--group-above`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest

from hardening.cli import main
from hardening.estate import Account, Estate, Incident, Location, Organisation, Policy
from hardening.model import Finding, RunResult, Severity, Status
from hardening.plan import build_plan
from hardening.registry import discover
from hardening.reports import get
from hardening.reports.json import schema
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)
DISCOVERED = date(2026, 10, 2)
STALE = "auth.stale_account"
NOT_RESET = "auth.credential_not_reset_since_incident"


def _account(aid: str, days_idle: int, roles: tuple[str, ...] = ("member",)) -> Account:
    seen = TODAY - timedelta(days=days_idle)
    return Account(
        id=aid,
        location=Location("accounts.csv", 2),
        roles=roles,
        last_login=seen,
        password_changed=seen,
    )


def _estate() -> Estate:
    # 30 dormant members, 2 dormant admins, 5 active members (estate order interleaved).
    accounts = [_account(f"m-{i:02d}", 200 + i) for i in range(30)]
    accounts.insert(7, _account("admin-a", 300, ("admin",)))
    accounts.insert(20, _account("admin-b", 120, ("admin",)))
    accounts += [_account(f"active-{i}", 3) for i in range(5)]
    return Estate(
        path=Path("estate.yaml"),
        organisation=Organisation("Test CU", incident=Incident(discovered=DISCOVERED)),
        policy=Policy(),
        accounts=tuple(accounts),
    )


def _run(detail: int) -> RunResult:
    options = RunOptions(include=[STALE, NOT_RESET], today=TODAY, group_above=detail)
    return run_checks(_estate(), discover(), options)


def _by(run: RunResult, check_id: str) -> list[Finding]:
    return [f for f in run.findings if f.check_id == check_id]


def test_small_directories_keep_one_finding_per_account() -> None:
    run = _run(1000)
    stale = _by(run, STALE)
    assert [f.resource.kind for f in stale] == ["account"] * 37
    assert all(not f.affected for f in run.findings)
    # estate order is kept
    assert [f.resource.id for f in stale][:8] == [*(f"m-{i:02d}" for i in range(7)), "admin-a"]


def test_many_accounts_with_one_verdict_become_one_group_finding() -> None:
    stale = _by(_run(10), STALE)
    singles = [f for f in stale if f.resource.kind == "account"]
    groups = [f for f in stale if f.resource.kind == "account_group"]
    # The two privileged (high) failures and the five passes stay individual: <= 10 each.
    assert sorted(f.resource.id for f in singles if f.status is Status.FAIL) == [
        "admin-a",
        "admin-b",
    ]
    assert {f.severity for f in singles if f.status is Status.FAIL} == {Severity.HIGH}
    assert sum(f.status is Status.PASS for f in singles) == 5
    (group,) = groups
    assert group.status is Status.FAIL and group.severity is Severity.MEDIUM
    assert group.resource.id == "accounts-fail-medium"
    assert group.affected == tuple(f"m-{i:02d}" for i in range(30))
    assert group.count == 30 and group.evidence["accounts"] == 30
    assert "dormant" in group.detail and ": 30" in group.detail
    assert group.evidence["oldest_activity"] == (TODAY - timedelta(days=229)).isoformat()
    # Groups come after the single findings.
    assert stale[-1] is group


def test_group_fingerprint_is_stable_across_runs() -> None:
    first = {f.fingerprint for f in _by(_run(10), STALE) if f.affected}
    second = {f.fingerprint for f in _by(_run(10), STALE) if f.affected}
    assert first == second and len(first) == 1


def test_not_reset_groups_and_keeps_critical_admins_individual() -> None:
    findings = _by(_run(10), NOT_RESET)
    critical = [f for f in findings if f.severity is Severity.CRITICAL]
    assert sorted(f.resource.id for f in critical) == ["admin-a", "admin-b"]
    (group,) = [f for f in findings if f.affected]
    assert group.resource.id == "accounts-fail-high"
    assert len(group.affected) == 30
    assert "not reset since: 30" in group.detail


def test_zero_detail_groups_everything() -> None:
    stale = _by(_run(0), STALE)
    assert {f.resource.id for f in stale} == {
        "accounts-fail-high",
        "accounts-fail-medium",
        "accounts-pass",
    }
    by_id = {f.resource.id: f for f in stale}
    assert by_id["accounts-fail-high"].affected == ("admin-a", "admin-b")
    assert len(by_id["accounts-pass"].affected) == 5


def test_json_report_lists_every_account_and_round_trips() -> None:
    run = _run(10)
    doc = json.loads(get("json").render(run, False))
    jsonschema.validate(doc, schema())
    groups = [f for f in doc["findings"] if f["affected"]]
    assert len(groups) == 2  # one per check
    assert all(len(f["affected"]) == 30 for f in groups)
    again = RunResult.from_dict(doc)
    assert [f.affected for f in again.findings] == [f.affected for f in run.findings]


def test_terminal_shows_a_sample_not_every_account() -> None:
    text = get("terminal").render(_run(10), False)
    assert "accounts-fail-medium" in text
    assert "m-00, m-01, m-02, m-03, m-04, …" in text
    assert "m-29" not in text
    assert "(32 resources)" in text  # two admins + the group of thirty


def test_plan_counts_the_accounts_of_a_group() -> None:
    plan = build_plan(_run(10))
    stale = [a for a in plan.actions if a.check_ids == (STALE,)]
    assert len(stale) == 1
    assert stale[0].title.endswith("— 32 accounts")


def test_cli_group_above(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["id,roles,last_login"] + [f"u-{i},member,2025-01-01" for i in range(12)]
    (tmp_path / "accounts.csv").write_text("\n".join(lines) + "\n")
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        "version: 1\norganisation: {name: Test CU}\naccounts: {source: accounts.csv}\n"
    )
    out = tmp_path / "run.json"
    args = [str(estate), "--no-store", "--no-progress", "--today", "2026-11-25", "--fail-on", "low"]
    code = main(["scan", *args, "--group-above", "5", "--format", "json", "-o", str(out)])
    assert code == 1
    (group,) = [f for f in json.loads(out.read_text())["findings"] if f["affected"]]
    assert group["affected"] == [f"u-{i}" for i in range(12)]
    with pytest.raises(SystemExit) as exc:
        main(["scan", *args, "--group-above", "-1"])
    assert exc.value.code == 2
    assert "--group-above" in capsys.readouterr().err
