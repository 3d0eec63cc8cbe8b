"""placement.region_outside_policy: cloud and SaaS regions against `allowed_regions`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.placement.region_outside_policy import RegionOutsidePolicy
from hardening.estate import Datastore, Estate, Location, Organisation, Policy
from hardening.model import Finding, Severity, Status

EU = Policy(allowed_regions=("eu-west-1", "eu-central-1"))


def _store(**fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    fields.setdefault("hosting", "cloud")
    fields.setdefault("provider", "aws")
    return Datastore(location=Location("estate.yaml", 60), **fields)


def _run(*stores: Datastore, policy: Policy = EU) -> list[Finding]:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), policy=policy, datastores=stores)
    return list(RegionOutsidePolicy().evaluate(CheckContext(estate, date(2026, 11, 25))))


def _judge(store: Datastore, policy: Policy = EU) -> Finding:
    [finding] = _run(store, policy=policy)
    return finding


def test_store_outside_the_allowed_regions_fails() -> None:
    f = _judge(_store(id="loan-documents", classification="confidential", region="us-east-1"))
    assert f.status is Status.FAIL
    assert f.severity is Severity.MEDIUM
    assert f.resource.id == "loan-documents"
    assert "us-east-1" in f.detail and "eu-west-1, eu-central-1" in f.detail
    assert f.remediation is not None and "eu-west-1 or eu-central-1" in f.remediation


@pytest.mark.parametrize("region", ["eu-west-1", "EU-Central-1 "])
def test_store_in_an_allowed_region_passes(region: str) -> None:
    assert _judge(_store(classification="confidential", region=region)).status is Status.PASS


def test_saas_stores_are_judged_too() -> None:
    f = _judge(_store(hosting="saas", provider="snowflake", region="us-west-2"))
    assert f.status is Status.FAIL


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.HIGH),
        ("confidential", Severity.MEDIUM),
        ("internal", Severity.LOW),
        ("public", Severity.INFO),
        (None, Severity.MEDIUM),
    ],
)
def test_severity_follows_classification(classification: str | None, severity: Severity) -> None:
    f = _judge(_store(classification=classification, region="ap-south-1"))
    assert f.severity is severity
    assert ("classification not declared; treated as confidential" in f.detail) == (
        classification is None
    )


def test_undeclared_region_is_skipped() -> None:
    f = _judge(_store(region=None))
    assert f.status is Status.SKIP
    assert "placement.location_unknown" in f.detail


def test_on_premises_and_unhosted_stores_get_no_finding() -> None:
    assert _run(_store(hosting="on_prem", region="us-east-1"), _store(hosting=None)) == []


def test_without_a_region_policy_every_cloud_store_passes_visibly() -> None:
    findings = _run(
        _store(id="a", region="us-east-1"),
        _store(id="b", region=None),
        _store(id="c", hosting="on_prem"),
        policy=Policy(allowed_regions=None),
    )
    assert [(f.resource.id, f.status) for f in findings] == [("a", Status.PASS), ("b", Status.PASS)]
    assert all("no region policy set" in f.detail for f in findings)


def test_an_empty_region_list_allows_nothing() -> None:
    f = _judge(_store(region="eu-west-1"), Policy(allowed_regions=()))
    assert f.status is Status.FAIL
    assert "(none)" in f.detail
