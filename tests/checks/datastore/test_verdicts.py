"""Verdicts shared between stores with the same facts never leak one store into another."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hardening.check import CheckContext
from hardening.checks.datastore.backup_unencrypted import BackupUnencrypted
from hardening.checks.datastore.restore_untested import RestoreUntested
from hardening.checks.datastore.tls_not_required import TlsNotRequired
from hardening.checks.datastore.unencrypted_at_rest import UnencryptedAtRest
from hardening.checks.placement.location_unknown import LocationUnknown
from hardening.estate import Backup, Datastore, Encryption, Estate, Location, Organisation
from hardening.facets import ProbeResult
from hardening.model import Status

TODAY = date(2026, 11, 25)


def _stores(prefix: str, n: int, **fields: object) -> tuple[Datastore, ...]:
    return tuple(
        Datastore(id=f"{prefix}-{i}", location=Location(f"{prefix}.yaml", i + 1), **fields)  # type: ignore[arg-type]
        for i in range(n)
    )


def _ctx(stores: tuple[Datastore, ...], **kw: object) -> CheckContext:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=stores)
    return CheckContext(estate, TODAY, **kw)  # type: ignore[arg-type]


def test_stores_with_the_same_facts_each_get_their_own_resource() -> None:
    stores = _stores("db", 3, engine="mysql", classification="restricted", hosting="on_prem")
    stores += _stores("cache", 2, engine="redis", hosting="cloud", provider="aws")
    findings = list(LocationUnknown().evaluate(_ctx(stores)))
    assert [(f.resource.id, f.resource.file, f.resource.line) for f in findings] == [
        (s.id, s.location.file, s.location.line) for s in stores
    ]
    assert [f.status for f in findings] == [Status.PASS] * 3 + [Status.FAIL] * 2
    assert findings[3].detail == findings[4].detail
    assert findings[3].detail.startswith("cloud store does not declare region (")
    assert "treated as confidential" not in findings[0].detail


def test_a_second_estate_gets_its_own_refs() -> None:
    fields = {"encryption": Encryption(at_rest=False), "classification": "internal"}
    first = _stores("a", 4, **fields)
    second = _stores("b", 4, **fields)
    for stores in (first, second, first):
        findings = list(UnencryptedAtRest().evaluate(_ctx(stores)))
        assert [f.resource.id for f in findings] == [s.id for s in stores]
        assert [f.resource.file for f in findings] == [s.location.file for s in stores]


def test_shared_evidence_is_read_only() -> None:
    stores = _stores("db", 2, encryption=Encryption(at_rest=True), engine="postgresql")
    one, two = UnencryptedAtRest().evaluate(_ctx(stores))
    assert (
        dict(one.evidence)
        == dict(two.evidence)
        == {
            "classification": None,
            "engine": "postgresql",
            "at_rest": True,
        }
    )
    with pytest.raises(TypeError):
        one.evidence["at_rest"] = False  # type: ignore[index]


def test_a_probe_is_judged_for_its_own_store_only() -> None:
    stores = _stores("db", 3, engine="postgresql", encryption=Encryption(in_transit="required"))
    probe = ProbeResult("db-1", "tcp", "postgresql", reachable=True, plaintext_accepted=True)
    findings = list(TlsNotRequired().evaluate(_ctx(stores, probes={"db-1": probe})))
    assert [f.status for f in findings] == [Status.PASS, Status.FAIL, Status.PASS]
    assert "confirmed by probe" in findings[1].detail
    assert "probe_plaintext_accepted" not in findings[0].evidence


def test_backup_position_and_order_stay_part_of_the_verdict() -> None:
    plain, safe = Backup("online", encrypted=False), Backup("offline", encrypted=True)
    stores = (
        *_stores("x", 1, backups=(plain, safe)),
        *_stores("y", 1, backups=(safe, plain)),
        *_stores("z", 1, backups=(plain, safe)),
    )
    findings = list(BackupUnencrypted().evaluate(_ctx(stores)))
    assert findings[0].detail.startswith("backup #1 (online) is not encrypted")
    assert findings[1].detail.startswith("backup #2 (online) is not encrypted")
    assert findings[2].detail == findings[0].detail


def test_restore_ages_follow_each_stores_dates() -> None:
    stores = (
        *_stores("old", 1, backups=(Backup("online", last_restore_test=date(2025, 1, 1)),)),
        *_stores("new", 1, backups=(Backup("online", last_restore_test=date(2026, 11, 1)),)),
        *_stores("none", 1, backups=(Backup("online"),)),
    )
    findings = list(RestoreUntested().evaluate(_ctx(stores)))
    assert [f.status for f in findings] == [Status.FAIL, Status.PASS, Status.FAIL]
    assert [f.evidence["newest_test_age_days"] for f in findings] == [693, 24, None]
