"""placement.location_unknown: hosting, and provider and region for cloud/SaaS, are declared."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.placement.location_unknown import LocationUnknown
from hardening.estate import Datastore, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(**fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    return Datastore(location=Location("estate.yaml", 80), **fields)


def _judge(store: Datastore) -> Finding:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=(store,))
    [finding] = LocationUnknown().evaluate(CheckContext(estate, date(2026, 11, 25)))
    return finding


def test_store_without_hosting_fails() -> None:
    f = _judge(_store(id="legacy-file-share", classification="internal"))
    assert f.status is Status.FAIL
    assert f.severity is Severity.MEDIUM
    assert f.resource.id == "legacy-file-share"
    assert "does not declare hosting" in f.detail


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"hosting": "cloud", "provider": "aws"}, "region"),
        ({"hosting": "saas", "region": "eu-west-1"}, "provider"),
        ({"hosting": "cloud"}, "provider or region"),
    ],
)
def test_cloud_and_saas_stores_need_provider_and_region(
    fields: dict[str, Any], missing: str
) -> None:
    f = _judge(_store(classification="internal", **fields))
    assert f.status is Status.FAIL
    assert f"does not declare {missing}" in f.detail


@pytest.mark.parametrize(
    "fields",
    [
        {"hosting": "on_prem"},
        {"hosting": "cloud", "provider": "aws", "region": "eu-west-1"},
        {"hosting": "saas", "provider": "snowflake", "region": "eu-central-1"},
    ],
)
def test_complete_location_passes(fields: dict[str, Any]) -> None:
    assert _judge(_store(classification="restricted", **fields)).status is Status.PASS


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.HIGH),
        ("confidential", Severity.HIGH),
        ("internal", Severity.MEDIUM),
        ("public", Severity.MEDIUM),
        (None, Severity.HIGH),
    ],
)
def test_severity_is_high_for_sensitive_data(
    classification: str | None, severity: Severity
) -> None:
    f = _judge(_store(classification=classification))
    assert f.severity is severity
    assert ("classification not declared; treated as confidential" in f.detail) == (
        classification is None
    )


def test_remediation_is_to_complete_the_inventory() -> None:
    assert "Complete the inventory" in LocationUnknown.spec.remediation.text
