"""datastore.no_offline_backup: sensitive stores need an offline or immutable copy."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.no_offline_backup import NoOfflineBackup
from hardening.estate import Backup, Datastore, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(*kinds: Any, **fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    backups = tuple(Backup(kind, encrypted=True) for kind in kinds)
    return Datastore(location=Location("estate.yaml", 12), backups=backups, **fields)


def _judge(store: Datastore) -> Finding:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=(store,))
    [finding] = NoOfflineBackup().evaluate(CheckContext(estate, date(2026, 11, 25)))
    return finding


def test_restricted_store_with_only_online_backups_fails_critical() -> None:
    f = _judge(_store("online", "online", id="card-disputes-archive", classification="restricted"))
    assert f.status is Status.FAIL
    assert f.severity is Severity.CRITICAL
    assert f.resource.id == "card-disputes-archive"
    assert "only online backups (2)" in f.detail
    assert f.evidence["online_backups"] == 2


def test_confidential_store_without_backups_fails_high() -> None:
    f = _judge(_store(classification="confidential"))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert "no backups declared" in f.detail


def test_store_without_classification_is_judged_as_confidential() -> None:
    f = _judge(_store("online"))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert "classification not declared; treated as confidential" in f.detail


@pytest.mark.parametrize("safe", ["offline", "immutable"])
@pytest.mark.parametrize("classification", ["restricted", "confidential", None])
def test_an_offline_or_immutable_copy_fixes_it(safe: str, classification: str | None) -> None:
    f = _judge(_store("online", safe, classification=classification))
    assert f.status is Status.PASS
    assert safe in f.detail


@pytest.mark.parametrize("classification", ["public", "internal"])
def test_less_sensitive_stores_pass_with_a_note(classification: str) -> None:
    f = _judge(_store(classification=classification))
    assert f.status is Status.PASS
    assert f"not required for {classification} data" in f.detail


@pytest.mark.parametrize(
    ("hosting", "words"),
    [("on_prem", "tapes"), ("cloud", "Vault Lock"), ("saas", "export")],
)
def test_remediation_depends_on_hosting(hosting: str, words: str) -> None:
    f = _judge(_store("online", classification="restricted", hosting=hosting))
    assert f.remediation is not None and words in f.remediation


def test_unknown_hosting_keeps_the_general_remediation() -> None:
    f = _judge(_store(classification="restricted"))
    assert f.remediation is None
    assert any("3-2-1-1-0" in step for step in NoOfflineBackup.spec.remediation.steps)
