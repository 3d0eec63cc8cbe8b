"""datastore.internet_exposed: declared exposure, severity by classification, public by design."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.internet_exposed import InternetExposed
from hardening.estate import Datastore, Estate, Location, Organisation
from hardening.model import Finding, Severity, Status


def _store(**fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    return Datastore(location=Location("estate.yaml", 42), **fields)


def _judge(store: Datastore) -> Finding:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=(store,))
    [finding] = InternetExposed().evaluate(CheckContext(estate, date(2026, 11, 25)))
    return finding


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.CRITICAL),
        ("confidential", Severity.HIGH),
        ("internal", Severity.MEDIUM),
        (None, Severity.HIGH),
    ],
)
def test_exposed_store_fails_with_severity_by_classification(
    classification: str | None, severity: Severity
) -> None:
    f = _judge(_store(classification=classification, internet_exposed=True, zone="internet"))
    assert f.status is Status.FAIL
    assert f.severity is severity
    assert "reachable from the internet" in f.detail
    assert ("classification not declared; treated as confidential" in f.detail) == (
        classification is None
    )


def test_finding_points_at_the_store_declaration() -> None:
    f = _judge(_store(id="search-index", classification="confidential", zone="internet"))
    assert (f.resource.kind, f.resource.id) == ("datastore", "search-index")
    assert (f.resource.file, f.resource.line) == ("estate.yaml", 42)
    assert f.evidence["zone"] == "internet"


@pytest.mark.parametrize(
    "declared",
    [
        {"internet_exposed": False, "zone": "app_tier"},
        {"internet_exposed": False},
        {"zone": "offline"},
        {"zone": "isolated"},
        {"zone": "corporate"},
    ],
)
def test_fixed_declaration_passes(declared: dict[str, Any]) -> None:
    f = _judge(_store(classification="restricted", **declared))
    assert f.status is Status.PASS
    assert "not reachable from the internet" in f.detail


@pytest.mark.parametrize(
    "declared",
    [
        {"internet_exposed": True, "zone": "app_tier"},
        {"internet_exposed": False, "zone": "internet"},
    ],
)
def test_contradictory_declaration_fails_and_says_so(declared: dict[str, Any]) -> None:
    f = _judge(_store(classification="confidential", **declared))
    assert f.status is Status.FAIL
    assert "contradicts itself" in f.detail


def test_undeclared_exposure_is_skipped_with_a_pointer_to_probing() -> None:
    f = _judge(_store(classification="restricted"))
    assert f.status is Status.SKIP
    assert "exposure not declared" in f.detail
    assert "--probe" in f.detail


@pytest.mark.parametrize("declared", [{"internet_exposed": True}, {"zone": "internet"}, {}])
def test_public_store_passes_because_exposure_is_by_design(declared: dict[str, Any]) -> None:
    f = _judge(_store(id="cdn-assets", classification="public", **declared))
    assert f.status is Status.PASS
    assert "by design" in f.detail


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"engine": "postgresql", "hosting": "on_prem"}, "listen_addresses"),
        ({"engine": "Postgres", "hosting": "on_prem"}, "listen_addresses"),
        ({"engine": "mariadb"}, "bind-address"),
        ({"engine": "redis"}, "protected-mode yes"),
        ({"engine": "mongodb"}, "net.bindIp"),
        ({"engine": "elasticsearch"}, "network.host"),
        ({"engine": "s3", "hosting": "cloud", "provider": "aws"}, "Block Public Access"),
        (
            {"engine": "postgresql", "hosting": "cloud", "provider": "aws"},
            "--no-publicly-accessible",
        ),
    ],
)
def test_remediation_is_specific_to_the_engine(fields: dict[str, Any], words: str) -> None:
    f = _judge(_store(classification="confidential", internet_exposed=True, **fields))
    assert f.remediation is not None and words in f.remediation


def test_unknown_engine_falls_back_to_the_general_remediation() -> None:
    f = _judge(_store(classification="confidential", internet_exposed=True, engine="smb"))
    assert f.remediation is None
    assert InternetExposed.spec.remediation.steps


def test_endpoint_is_never_echoed() -> None:
    store = _store(
        classification="restricted",
        zone="internet",
        endpoint="postgres://admin:s3cret@db.example:5432",
    )
    f = _judge(store)
    text = " ".join([f.detail, f.remediation or "", *map(str, f.evidence.values())])
    assert "s3cret" not in text and "db.example" not in text
