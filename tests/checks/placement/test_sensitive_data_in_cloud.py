"""placement.sensitive_data_in_cloud: hosting against the policy's placement map."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.check import CheckContext
from hardening.checks.placement.sensitive_data_in_cloud import SensitiveDataInCloud
from hardening.estate import (
    CLASSIFICATIONS,
    HOSTINGS,
    Datastore,
    Estate,
    Location,
    Organisation,
    Policy,
)
from hardening.model import Finding, Severity, Status

CUSTOM = Policy(
    placement={
        "restricted": ("on_prem",),
        "confidential": ("on_prem",),
        "internal": ("on_prem", "cloud"),
        "public": ("on_prem", "cloud", "saas"),
    }
)

#: (classification, hosting) pairs that fail; every other pair passes.
DEFAULT_FAILS = {("restricted", "cloud"), ("restricted", "saas"), ("confidential", "saas")}
CUSTOM_FAILS = DEFAULT_FAILS | {("confidential", "cloud"), ("internal", "saas")}


def _store(**fields: Any) -> Datastore:
    fields.setdefault("id", "db-1")
    return Datastore(location=Location("estate.yaml", 50), **fields)


def _judge(store: Datastore, policy: Policy | None = None) -> Finding:
    estate = Estate(
        Path("estate.yaml"), Organisation("Test CU"), policy=policy or Policy(), datastores=(store,)
    )
    [finding] = SensitiveDataInCloud().evaluate(CheckContext(estate, date(2026, 11, 25)))
    return finding


@pytest.mark.parametrize("hosting", HOSTINGS)
@pytest.mark.parametrize("classification", CLASSIFICATIONS)
@pytest.mark.parametrize(
    ("policy", "fails"),
    [(Policy(), DEFAULT_FAILS), (CUSTOM, CUSTOM_FAILS)],
    ids=["default", "custom"],
)
def test_matrix(
    classification: str, hosting: str, policy: Policy, fails: set[tuple[str, str]]
) -> None:
    f = _judge(_store(classification=classification, hosting=hosting), policy)
    expected = Status.FAIL if (classification, hosting) in fails else Status.PASS
    assert f.status is expected
    assert f.evidence["allowed"] == ", ".join(policy.placement[classification])


@pytest.mark.parametrize(
    ("classification", "hosting", "severity"),
    [
        ("restricted", "cloud", Severity.HIGH),
        ("restricted", "saas", Severity.HIGH),
        ("confidential", "saas", Severity.MEDIUM),
        ("confidential", "cloud", Severity.MEDIUM),
        ("internal", "saas", Severity.LOW),
    ],
)
def test_severity_scales_with_classification(
    classification: str, hosting: str, severity: Severity
) -> None:
    assert (
        _judge(_store(classification=classification, hosting=hosting), CUSTOM).severity is severity
    )


def test_failure_says_where_the_data_is_and_where_it_may_be() -> None:
    f = _judge(
        _store(id="member-portal-db", classification="restricted", hosting="cloud", provider="aws")
    )
    assert (f.resource.id, f.resource.line) == ("member-portal-db", 50)
    assert "restricted data is hosted in the cloud (aws)" in f.detail
    assert "only on premises" in f.detail
    assert f.remediation is not None
    for words in ("inventory", "encrypted transfer", "verify", "crypto-shred", "rotate keys"):
        assert words in f.remediation


def test_fixed_by_moving_on_premises() -> None:
    f = _judge(_store(id="member-portal-db", classification="restricted", hosting="on_prem"))
    assert f.status is Status.PASS


def test_missing_policy_entry_falls_back_to_the_default() -> None:
    partial = Policy(placement={"internal": ("on_prem",)})
    f = _judge(_store(classification="restricted", hosting="saas"), partial)
    assert f.status is Status.FAIL
    assert "default policy" in f.detail


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"hosting": "cloud"}, "classification not declared"),
        ({"classification": "restricted"}, "placement.location_unknown"),
    ],
)
def test_undeclared_hosting_or_classification_is_skipped(
    fields: dict[str, Any], words: str
) -> None:
    f = _judge(_store(**fields))
    assert f.status is Status.SKIP
    assert words in f.detail


def test_a_classification_allowed_nowhere_fails_everywhere() -> None:
    f = _judge(
        _store(classification="restricted", hosting="on_prem"), Policy(placement={"restricted": ()})
    )
    assert f.status is Status.FAIL
    assert "allows it nowhere" in f.detail
