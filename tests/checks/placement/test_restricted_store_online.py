"""placement.restricted_store_online: restricted stores stay offline, isolated or app-tier."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.placement.restricted_store_online import RestrictedStoreOnline
from hardening.estate import Datastore, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(**fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    fields.setdefault("classification", "restricted")
    return Datastore(location=Location("estate.yaml", 70), **fields)


def _run(*stores: Datastore) -> list[Finding]:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=stores)
    return list(RestrictedStoreOnline().evaluate(CheckContext(estate, date(2026, 11, 25))))


def _judge(store: Datastore) -> Finding:
    [finding] = _run(store)
    return finding


def test_restricted_store_on_the_corporate_network_fails_high() -> None:
    f = _judge(_store(id="card-disputes-archive", zone="corporate", internet_exposed=False))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert f.resource.id == "card-disputes-archive"
    assert "corporate network" in f.detail
    assert f.remediation is not None
    assert "application tier" in f.remediation and "MFA" in f.remediation


@pytest.mark.parametrize(
    "declared",
    [
        {"zone": "internet"},
        {"internet_exposed": True},
        {"zone": "app_tier", "internet_exposed": True},
    ],
)
def test_restricted_store_on_the_internet_fails_critical(declared: dict[str, Any]) -> None:
    f = _judge(_store(**declared))
    assert f.status is Status.FAIL
    assert f.severity is Severity.CRITICAL
    assert "reachable from the internet" in f.detail
    assert f.remediation is not None and "rotate" in f.remediation


@pytest.mark.parametrize("zone", ["offline", "isolated", "app_tier"])
def test_contained_zones_pass(zone: str) -> None:
    f = _judge(_store(zone=zone, internet_exposed=False))
    assert f.status is Status.PASS
    assert zone in f.detail


@pytest.mark.parametrize("declared", [{}, {"internet_exposed": False}])
def test_undeclared_zone_is_skipped(declared: dict[str, Any]) -> None:
    f = _judge(_store(**declared))
    assert f.status is Status.SKIP
    assert "declare zone: offline|isolated|app_tier|corporate|internet" in f.detail


@pytest.mark.parametrize("classification", ["public", "internal", "confidential", None])
def test_other_classifications_are_not_examined(classification: str | None) -> None:
    assert _run(_store(classification=classification, zone="internet")) == []


def test_remediation_steps_cover_offline_replica_and_bastion() -> None:
    steps = " ".join(RestrictedStoreOnline.spec.remediation.steps)
    assert "bastion" in steps and "offline" in steps and "replica" in steps
