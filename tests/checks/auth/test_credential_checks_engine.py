"""The credential-store and sshd checks through the engine: collectors, runner, JSON report."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import credential_build as build
import pytest

import hardening.checks.auth.password_hash_unsalted as unsalted
import hardening.checks.auth.password_hash_weak as weak
import hardening.checks.auth.password_stored_plaintext as plaintext
import hardening.checks.auth.ssh_password_login_enabled as ssh
from hardening.estate import Host, Location
from hardening.model import RunResult, Severity, Status
from hardening.registry import from_modules
from hardening.runner import ExitCode, RunOptions, exit_code, run_checks

TODAY = date(2026, 11, 25)
MODULES = [weak, unsalted, plaintext, ssh]


def _estate(tmp_path: Path, *, shadow_path: Path | None = None) -> object:
    db = build.write_sqlite(tmp_path / "data" / "users.db")
    shadow = shadow_path or build.write_shadow(tmp_path / "host" / "etc" / "shadow")
    htpasswd = build.write_htpasswd(tmp_path / "host" / ".htpasswd")
    sshd = tmp_path / "host" / "etc" / "ssh" / "sshd_config"
    sshd.parent.mkdir(parents=True, exist_ok=True)
    sshd.write_text("PermitRootLogin yes\nUsePAM yes\n", encoding="utf-8")
    stores = (
        build.sql_store(db),
        build.file_store(shadow, "shadow", "bastion", line=14),
        build.file_store(htpasswd, "htpasswd", "intranet", line=15),
        build.sql_store(
            Path("unused"),
            store_id="billing-users",
            # An engine we cannot read: skipped with its reason (and no network is touched).
            dsn=f"mysql://app:{build.CANARY}@db/billing",
        ),
    )
    hosts = (Host(id="bastion", location=Location("estate.yaml", 30), sshd_config=sshd),)
    return build.estate(stores, hosts)


def _run(estate: object) -> RunResult:
    registry = from_modules(MODULES)
    assert registry.load_errors == ()
    return run_checks(estate, registry, RunOptions(today=TODAY))  # type: ignore[arg-type]


def test_engine_run_over_real_stores(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    run = _run(_estate(tmp_path))
    got = {(f.check_id, f.resource.id): (f.status, f.severity) for f in run.findings}
    fail, skip = Status.FAIL, Status.SKIP
    crit, high = Severity.CRITICAL, Severity.HIGH
    assert got == {
        ("auth.password_hash_weak", "web-users"): (fail, crit),
        ("auth.password_hash_weak", "bastion"): (fail, crit),
        ("auth.password_hash_weak", "intranet"): (fail, crit),
        ("auth.password_hash_weak", "billing-users"): (skip, high),
        ("auth.password_hash_unsalted", "web-users"): (fail, crit),
        ("auth.password_hash_unsalted", "bastion"): (fail, high),
        ("auth.password_hash_unsalted", "intranet"): (fail, crit),
        ("auth.password_hash_unsalted", "billing-users"): (skip, high),
        ("auth.password_stored_plaintext", "web-users"): (fail, crit),
        ("auth.password_stored_plaintext", "bastion"): (fail, crit),
        ("auth.password_stored_plaintext", "intranet"): (fail, crit),
        ("auth.password_stored_plaintext", "billing-users"): (skip, crit),
        ("auth.ssh_password_login_enabled", "bastion"): (fail, crit),
    }
    assert exit_code(run) is ExitCode.FINDINGS
    assert all(o.state.value == "completed" for o in run.outcomes.values())

    # No hash, no planted password, no DSN anywhere in the report or the log.
    report = json.dumps(run.to_dict())
    logs = caplog.text
    for secret in build.secrets_written():
        assert secret not in report
        assert secret not in logs
    assert "db/billing" not in report
    # The report round-trips.
    assert RunResult.from_dict(json.loads(report)).findings == run.findings


def test_unreadable_store_errors_only_that_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run = _run(_estate(tmp_path, shadow_path=tmp_path / "pr1vate" / "shadow"))
    for cid in (
        "auth.password_hash_weak",
        "auth.password_hash_unsalted",
        "auth.password_stored_plaintext",
    ):
        by_store = {f.resource.id: f for f in run.findings if f.check_id == cid}
        assert by_store["bastion"].status is Status.ERROR
        assert "cannot open the file" in by_store["bastion"].detail
        assert "pr1vate" not in by_store["bastion"].detail
        # The readable stores beside it are still judged.
        assert by_store["intranet"].status in (Status.PASS, Status.FAIL)
    ssh = [f for f in run.findings if f.check_id == "auth.ssh_password_login_enabled"]
    assert ssh[0].status is Status.FAIL
    assert exit_code(run) is ExitCode.CHECK_ERROR
    # The failure is logged, but not the path it failed on.
    assert "could not be read" in caplog.text
    assert "pr1vate" not in caplog.text
