"""`hardening notify`: obligations and deadlines for held-back-style incidents, bad files, CLI.

Expected dates are computed here from the research notes' sourced rules (shared reference
notification-rules.md), not read back from the rules file: e.g. Texas individuals 60 days and AG
30 days from determination (§2.4, [V]); GDPR/UK GDPR 72 hours from awareness (§2.1-2.2, [V]);
HIPAA 60 days from discovery, media for more than 500 residents of a state, HHS now for 500 or
more and by 60 days after the year's end otherwise (§2.3).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from hardening.cli import main
from hardening.errors import InputError
from hardening.model import (
    EstateInfo,
    Finding,
    ResourceRef,
    RunResult,
    Severity,
    Status,
)
from hardening.notify import (
    DISCLAIMER,
    Assessment,
    Incident,
    Obligation,
    Regime,
    assess,
    fill_from_run,
    load_rules,
)
from hardening.notifyfile import load_incident
from hardening.reports import notify_report
from hardening.store import SQLiteStore

DATA = Path(__file__).parent / "data" / "notify"


def _assess(name: str) -> Assessment:
    return assess(load_incident(DATA / name), load_rules())


def _regime(a: Assessment, rule_id: str) -> Regime:
    found = [r for r in a.regimes if r.id == rule_id]
    assert found, f"{rule_id} not among {[r.id for r in a.regimes]}"
    return found[0]


def _ob(a: Assessment, rule_id: str, ob_id: str) -> Obligation:
    found = [o for o in _regime(a, rule_id).obligations if o.id == ob_id]
    assert found, ob_id
    return found[0]


def _incident(**kw: object) -> Incident:
    base: dict[str, object] = {"file": "t.yaml", "discovered": date(2026, 3, 2)}
    base.update(kw)
    return Incident(**base)  # type: ignore[arg-type]


# ---- the incidents -----------------------------------------------------------------


def test_texas_600_unencrypted_ssns() -> None:
    a = _assess("texas_ssn.yaml")
    discovered = date(2026, 3, 2)
    tx = _regime(a, "us-tx")
    assert tx.status == "applies"
    assert tx.safe_harbour is not None and not tx.safe_harbour.applied
    assert "not encrypted" in tx.safe_harbour.reason
    individuals = _ob(a, "us-tx", "individuals")
    assert individuals.status == "required"
    assert individuals.due == discovered + timedelta(days=60)
    assert individuals.outer_limit and "unreasonable delay" in individuals.standard
    ag = _ob(a, "us-tx", "attorney_general")
    assert ag.status == "required"  # 600 >= 250
    assert ag.due == discovered + timedelta(days=30)
    assert ag.recipient == "regulator" and "Attorney General" in ag.to
    assert ag.verification == "verified" and "521.053" in ag.citation
    assert _ob(a, "us-tx", "credit_bureaus").status == "not_triggered"  # not > 10,000
    # No HIPAA/FTC duty for SSNs; considered and reported as not applicable.
    assert {r.id for r in a.not_applicable} >= {"us-hipaa", "us-ftc-hbnr"}
    # Earliest deadline first.
    assert a.timeline()[0] is ag


def test_texas_determination_date_moves_the_clock() -> None:
    inc = _incident(
        data_categories=frozenset({"name", "ssn"}),
        encrypted=False,
        determined=date(2026, 3, 9),
        affected={"US-TX": 600},
    )
    a = assess(inc, load_rules())
    assert _ob(a, "us-tx", "attorney_general").due == date(2026, 4, 8)
    assert _ob(a, "us-tx", "individuals").due == date(2026, 5, 8)


def test_california_400_encrypted_with_stolen_key() -> None:
    a = _assess("california_stolen_key.yaml")
    ca = _regime(a, "us-ca")
    assert ca.revision == 2  # SB 446 revision in force from 2026-01-01
    assert ca.safe_harbour is not None and not ca.safe_harbour.applied
    assert "key was compromised" in ca.safe_harbour.reason
    individuals = _ob(a, "us-ca", "individuals")
    assert individuals.status == "required"
    assert individuals.due == date(2026, 4, 10) + timedelta(days=30)
    assert individuals.verification == "secondary"  # SB 446 content only from law firms
    assert _ob(a, "us-ca", "attorney_general").status == "not_triggered"  # 400 is not > 500


def test_california_encrypted_with_safe_key_is_covered_by_the_safe_harbour() -> None:
    inc = _incident(
        discovered=date(2026, 4, 10),
        data_categories=frozenset({"name", "drivers_license"}),
        encrypted=True,
        key_compromised=False,
        affected={"US-CA": 400},
    )
    a = assess(inc, load_rules())
    ca = _regime(a, "us-ca")
    assert ca.safe_harbour is not None and ca.safe_harbour.applied
    assert {o.status for o in ca.obligations} <= {"not_required", "not_triggered"}
    assert _ob(a, "us-ca", "individuals").due is None


def test_california_encrypted_but_key_status_unknown_is_not_covered() -> None:
    inc = _incident(
        discovered=date(2026, 4, 10),
        data_categories=frozenset({"name", "ssn"}),
        encrypted=True,
        affected={"US-CA": 900},
    )
    a = assess(inc, load_rules())
    assert _ob(a, "us-ca", "individuals").status == "required"
    ag = _ob(a, "us-ca", "attorney_general")
    assert ag.status == "required"  # 900 > 500
    # 15 days after notice to individuals, which may come at the latest 30 days after discovery.
    assert ag.due == date(2026, 4, 10) + timedelta(days=30 + 15)
    assert ag.deadline_note is not None and "latest permitted individual notice" in ag.deadline_note
    assert any("key was not compromised" in d.text for d in _regime(a, "us-ca").decisions)


def test_uk_only_incident_with_low_risk() -> None:
    a = _assess("uk_low_risk.yaml")
    aware = datetime(2026, 6, 5, 16, 45, tzinfo=timezone(timedelta(hours=1)))
    ico = _ob(a, "uk-gdpr", "ico")
    assert ico.status == "required"
    assert ico.due_at == aware + timedelta(hours=72)
    assert ico.due == date(2026, 6, 8)
    assert ico.verification == "verified"
    assert _ob(a, "uk-gdpr", "individuals").status == "not_triggered"  # only for high risk
    assert _ob(a, "uk-gdpr", "breach_register").status == "required"
    assert [r.id for r in a.regimes if r.jurisdiction == "EU"] == []
    assert not a.uncovered


def test_uk_unlikely_risk_is_a_decision_never_applied_automatically() -> None:
    a = _assess("uk_unlikely_risk.yaml")
    ico = _ob(a, "uk-gdpr", "ico")
    assert ico.status == "required"
    assert ico.due == date(2026, 6, 5) + timedelta(days=3)
    assert ico.deadline_note is not None and "time of day" in ico.deadline_note
    texts = " ".join(d.text for d in _regime(a, "uk-gdpr").decisions)
    assert "unlikely to result in a risk" in texts


def test_uk_high_risk_tells_individuals_unless_encrypted() -> None:
    base = {
        "discovered": date(2026, 6, 5),
        "data_categories": frozenset({"name", "password"}),
        "risk": "high_risk",
        "affected": {"UK": 40},
    }
    a = assess(_incident(encrypted=False, **base), load_rules())
    assert _ob(a, "uk-gdpr", "individuals").status == "required"
    a = assess(_incident(encrypted=True, key_compromised=False, **base), load_rules())
    assert _ob(a, "uk-gdpr", "individuals").status == "not_required"
    assert _ob(a, "uk-gdpr", "ico").status == "required"  # the safe harbour covers only people


def test_hipaa_breach_of_700_across_two_states() -> None:
    a = _assess("hipaa_two_states.yaml")
    discovered = date(2026, 5, 14)
    hipaa = _regime(a, "us-hipaa")
    assert hipaa.affected == 700
    assert _ob(a, "us-hipaa", "individuals").due == discovered + timedelta(days=60)
    media_tx = _ob(a, "us-hipaa", "media:US-TX")
    assert media_tx.status == "required" and media_tx.recipient == "media"
    assert media_tx.due == discovered + timedelta(days=60)
    assert _ob(a, "us-hipaa", "media:US-OK").status == "not_triggered"  # 150 is not > 500
    hhs = _ob(a, "us-hipaa", "hhs_immediate")
    assert hhs.status == "required" and hhs.due == discovered + timedelta(days=60)
    assert hhs.verification == "secondary"
    assert _ob(a, "us-hipaa", "hhs_annual_log").status == "not_triggered"
    ba = _ob(a, "us-hipaa", "covered_entity")
    assert ba.status == "not_triggered" and ba.verification == "unverified"
    # Texas's own law also covers identifying health information.
    assert _ob(a, "us-tx", "attorney_general").status == "required"
    # The presumption-of-breach risk assessment is a human decision.
    assert any("low probability" in d.text for d in hipaa.decisions)


def test_hipaa_under_500_goes_to_the_annual_log() -> None:
    a = _assess("hipaa_small.yaml")
    log = _ob(a, "us-hipaa", "hhs_annual_log")
    assert log.status == "required"
    assert log.due == date(2026, 12, 31) + timedelta(days=60)
    assert _ob(a, "us-hipaa", "hhs_immediate").status == "not_triggered"
    assert _ob(a, "us-hipaa", "media:US-FL").status == "not_triggered"


def test_hipaa_boundaries_gte_500_total_but_not_more_than_500_in_a_state() -> None:
    inc = _incident(
        data_categories=frozenset({"phi"}),
        encrypted=False,
        entity_types=frozenset({"hipaa_covered_entity"}),
        affected={"US-NV": 500},
    )
    a = assess(inc, load_rules())
    assert _ob(a, "us-hipaa", "hhs_immediate").status == "required"  # 500 or more
    assert _ob(a, "us-hipaa", "media:US-NV").status == "not_triggered"  # not more than 500
    assert a.uncovered == ("US-NV",)


def test_hipaa_unknown_entity_type_is_undetermined_not_silent() -> None:
    inc = _incident(data_categories=frozenset({"phi"}), affected={"US-NV": 800})
    a = assess(inc, load_rules())
    hipaa = _regime(a, "us-hipaa")
    assert hipaa.status == "undetermined"
    assert _ob(a, "us-hipaa", "individuals").status == "undetermined"
    assert _ob(a, "us-hipaa", "hhs_immediate").status == "undetermined"
    assert _ob(a, "us-hipaa", "hhs_annual_log").status == "not_triggered"  # 800 is not < 500


# ---- verification marks, decisions, other regimes ------------------------------------------


def test_unverified_fact_is_shown_as_unverified() -> None:
    inc = _incident(
        data_categories=frozenset({"name", "ssn"}),
        encrypted=False,
        affected={"US-CO": 700},
    )
    a = assess(inc, load_rules())
    ag = _ob(a, "us-co", "attorney_general")  # CO AG deadline is [U] in the notes
    assert ag.status == "required" and ag.verification == "unverified"
    assert ag.due == date(2026, 3, 2) + timedelta(days=30)
    out = notify_report.render_terminal(a)
    assert "Colorado Attorney General" in out
    line = next(x for x in out.splitlines() if "Colorado Attorney General" in x)
    assert "UNVERIFIED" in line
    # The risk-of-harm filter is listed as a decision, never applied.
    assert _ob(a, "us-co", "individuals").status == "required"
    assert any("Risk-of-harm" in d.text for d in _regime(a, "us-co").decisions)
    data = json.loads(notify_report.render_json(a))
    co = next(r for r in data["regimes"] if r["id"] == "us-co")
    assert {o["id"]: o["verification"] for o in co["obligations"]}["attorney_general"] == (
        "unverified"
    )


def test_vermont_business_days() -> None:
    inc = _incident(
        discovered=date(2026, 11, 6),  # a Friday
        data_categories=frozenset({"name", "ssn"}),
        encrypted=False,
        affected={"US-VT": 3},
    )
    a = assess(inc, load_rules())
    ag = _ob(a, "us-vt", "attorney_general")
    assert ag.status == "required"
    assert ag.due == date(2026, 11, 26)  # 14 weekdays after Fri 6 Nov
    assert ag.deadline_note is not None and "holidays" in ag.deadline_note


def test_gdpr_for_eu_residents_and_pending_omnibus_note() -> None:
    inc = _incident(
        discovered_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        data_categories=frozenset({"email_address"}),
        affected={"DE": 30, "FR": 12},
    )
    a = assess(inc, load_rules())
    gdpr = _regime(a, "eu-gdpr")
    assert gdpr.affected == 42
    sa = _ob(a, "eu-gdpr", "supervisory_authority")
    assert sa.due_at == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    assert _ob(a, "eu-gdpr", "data_subjects").status == "undetermined"  # no risk given
    assert any(n.verification == "proposed" for n in gdpr.notes)


def test_pipeda_and_ndb_obligations_are_decisions() -> None:
    inc = _incident(
        data_categories=frozenset({"name", "email_address"}),
        entity_types=frozenset({"app_entity"}),
        affected={"CA": 10, "AU": 10},
    )
    a = assess(inc, load_rules())
    assert _ob(a, "ca-pipeda", "opc").status == "decision"
    assert _ob(a, "ca-pipeda", "opc").due is None
    assert _ob(a, "au-ndb", "oaic").status == "decision"
    assessment = _ob(a, "au-ndb", "assessment")
    assert assessment.status == "required" and assessment.due == date(2026, 4, 1)


def test_missing_name_makes_the_state_regime_presumed() -> None:
    inc = _incident(data_categories=frozenset({"ssn"}), encrypted=False, affected={"US-TX": 600})
    a = assess(inc, load_rules())
    tx = _regime(a, "us-tx")
    assert tx.status == "presumed"
    assert _ob(a, "us-tx", "attorney_general").status == "required"
    assert any("name" in d.text for d in tx.decisions)


def test_unknown_data_categories_is_undetermined() -> None:
    a = assess(_incident(affected={"US-TX": 600}), load_rules())
    assert _regime(a, "us-tx").status == "undetermined"


def test_states_without_a_rule_are_reported() -> None:
    inc = _incident(data_categories=frozenset({"name", "ssn"}), affected={"US-GA": 5, "JP": 2})
    a = assess(inc, load_rules())
    assert a.uncovered == ("US-GA", "JP")
    assert "No rule encoded for: US-GA, JP" in notify_report.render_terminal(a)


def test_revision_in_force_on_discovery_date() -> None:
    inc = _incident(
        discovered=date(2025, 6, 1),
        data_categories=frozenset({"name", "ssn"}),
        affected={"US-CA": 600},
    )
    a = assess(inc, load_rules())
    ca = _regime(a, "us-ca")
    assert ca.revision == 1
    assert _ob(a, "us-ca", "individuals").due is None  # no fixed day count before SB 446


# ---- scan facts ----------------------------------------------------------------------------


def _run(statuses: dict[str, Status], run_id: str = "20261125T100000-abcd") -> RunResult:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    findings = tuple(
        Finding(
            "datastore.unencrypted_at_rest",
            status,
            Severity.HIGH,
            ResourceRef("datastore", store),
            "storage verdict",
            evidence={"at_rest": status is Status.PASS},
        )
        for store, status in statuses.items()
    )
    return RunResult(
        id=run_id,
        started_at=now,
        finished_at=now,
        estate=EstateInfo("Example"),
        tool_version="0.1.0",
        checks={},
        findings=findings,
        outcomes={},
    )


def test_fill_from_run() -> None:
    inc = _incident(affected_stores=("customers", "archive"), key_compromised=True)
    filled = fill_from_run(inc, _run({"customers": Status.PASS, "archive": Status.FAIL}))
    assert filled.encrypted is False
    assert filled.key_compromised is True
    assert any("FAIL on 'archive'" in p for p in filled.provenance)
    filled = fill_from_run(inc, _run({"customers": Status.PASS, "archive": Status.PASS}))
    assert filled.encrypted is True
    filled = fill_from_run(inc, _run({"customers": Status.PASS}))
    assert filled.encrypted is None
    assert any("no at-rest encryption finding for store 'archive'" in p for p in filled.provenance)
    conflict = fill_from_run(
        _incident(affected_stores=("customers",), encrypted=True),
        _run({"customers": Status.FAIL}),
    )
    assert conflict.encrypted is False
    assert any("conservative" in p for p in conflict.provenance)


def test_cli_with_run_fills_encryption(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "results.db"
    with SQLiteStore(db) as store:
        store.save(_run({"payroll-db": Status.FAIL}))
    incident = tmp_path / "incident.yaml"
    incident.write_text(
        "version: 1\ndiscovered: 2026-03-02\ndata_categories: [name, ssn]\n"
        "encrypted: true\nkey_compromised: false\n"
        "affected: {US-TX: 600}\naffected_stores: [payroll-db]\n",
        encoding="utf-8",
    )
    rc = main(["notify", str(incident), "--run", "latest", "--store", str(db), "--format", "json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["disclaimer"] == DISCLAIMER
    assert data["incident"]["encrypted"] is False
    tx = next(r for r in data["regimes"] if r["id"] == "us-tx")
    assert tx["safe_harbour"]["applied"] is False
    ag = next(o for o in tx["obligations"] if o["id"] == "attorney_general")
    assert ag["status"] == "required" and ag["deadline"]["date"] == "2026-04-01"


# ---- CLI and renderings --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["terminal", "json", "markdown"])
def test_cli_formats_carry_the_disclaimer(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["notify", str(DATA / "hipaa_two_states.yaml"), "--format", fmt])
    assert rc == 0
    out = capsys.readouterr().out
    assert DISCLAIMER in out
    assert "2026-07-13" in out
    assert "45 CFR 164.406" in out


def test_cli_terminal_shows_obligations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", str(DATA / "texas_ssn.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(DISCLAIMER)
    assert "Texas Attorney General" in out and "2026-04-01" in out
    assert "safe harbour considered" in out and "not encrypted" in out
    assert "last verified 2026-11-24" in out


def test_markdown_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", str(DATA / "uk_low_risk.yaml"), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| REQUIRED | 2026-06-08T16:45+01:00" in out
    assert "## Needs a human decision" in out


# ---- bad incident files --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "where", "words"),
    [
        ("bad_category.yaml", ":5: data_categories[1]: ", "social_security"),
        ("bad_missing_discovered.yaml", ":1: discovered: ", "required"),
        ("bad_state.yaml", ":5: affected.US-XX: ", "not a US state"),
        ("bad_count.yaml", ":4: affected.US-TX: ", "integer"),
        ("bad_encrypted.yaml", ":3: encrypted: ", "boolean"),
        ("bad_yaml.yaml", ":4: ", "invalid YAML"),
        ("bad_unknown_key.yaml", ":4: ", "unknown key 'encrypted_at_rest'"),
    ],
)
def test_bad_incident_files(
    name: str, where: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputError) as info:
        load_incident(DATA / name)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(DATA / name) + where), message
    assert words in message
    assert main(["notify", str(DATA / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and where in err


def test_missing_and_empty_incident_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="incident file not found"):
        load_incident(tmp_path / "nope.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty.yaml:1: the incident file is empty"):
        load_incident(empty)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="incident file"):
        load_incident(listing)
