"""The customer-safe summary: allowlist view-model, bands, baseline choice, renders, CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hardening.cli import main
from hardening.disclosure import LintConfig, html_text, lint
from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    LoadError,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
    Waiver,
)
from hardening.public import Band, PublicArea, PublicSummary, build_summary, find_baseline
from hardening.reports.public import FORMATS
from hardening.reports.public.environment import public_env
from hardening.reports.public.json import lint_text
from hardening.store import SQLiteStore

# Canaries planted in every internal field of a run; none may reach public output.
CANARIES = {
    "resource": "canary-res-7f3a",
    "host": "canary-host-9b2.corp.internal",
    "detail": "CANARYDETAIL-41",
    "evidence_key": "CANARYEVKEY-52",
    "evidence": "CANARYEVIDENCE-63",
    "error": "CANARYERROR-74",
    "estate_path": "/srv/CANARYPATH-85/estate.yaml",
    "dsn": "postgresql://app:CANARYSECRET-96@db.canary.internal:5432/members",
    "remediation": "CANARYFIX-17",
    "waiver": "CANARYWAIVER-28",
    "title": "CANARYTITLE-39",
    "rationale": "CANARYWHY-40",
    "step": "CANARYSTEP-51",
    "reference": "CANARYREF-62",
    "load_error": "CANARYLOAD-73",
    "file": "/opt/CANARYFILE-84/accounts.csv",
}

AREAS = {
    "auth.mfa_not_enforced": "Two-factor authentication",
    "auth.mfa_weak_factor": "Two-factor authentication",
    "auth.password_hash_weak": "Password protection",
    "auth.password_hash_unsalted": "Password protection",
    "datastore.no_offline_backup": "Backups",
    "datastore.unencrypted_at_rest": "Data encryption",
    "placement.region_outside_policy": "Data placement",
    "auth.credential_not_reset_since_incident": None,
}


def spec(check_id: str) -> CheckSpec:
    c = CANARIES
    return CheckSpec(
        id=check_id,
        title=f"{c['title']} {check_id}",
        severity=Severity.HIGH,
        rationale=c["rationale"],
        remediation=Remediation(c["remediation"], (c["step"], c["dsn"])),
        references=(c["reference"],),
        public_title=AREAS[check_id],
    )


def finding(check_id: str, status: Status, n: int = 0, waived: bool = False) -> Finding:
    c = CANARIES
    return Finding(
        check_id=check_id,
        status=status,
        severity=Severity.CRITICAL,
        resource=ResourceRef("datastore", f"{c['resource']}-{n}", c["file"], 12),
        detail=f"{c['detail']} on {c['host']} via {c['dsn']} (4,213 rows, 10.0.4.17:5432)",
        evidence={c["evidence_key"]: c["evidence"], "count": 4213, "host": c["host"]},
        remediation=c["remediation"],
        waiver=Waiver(c["waiver"], "CANARYAPPROVER") if waived else None,
    )


def make_run(
    statuses: dict[str, list[Status]],
    *,
    run_id: str = "20261120T000000Z-aaaa",
    started: datetime = datetime(2026, 11, 20, tzinfo=UTC),
    errored: tuple[str, ...] = (),
    contained: date | None = date(2026, 10, 5),
    name: str = "Example Credit Union",
) -> RunResult:
    findings = tuple(
        finding(cid, st, i, waived=(st is Status.FAIL and i == 1))
        for cid, sts in statuses.items()
        for i, st in enumerate(sts)
    )
    outcomes = {
        cid: CheckOutcome(
            cid,
            OutcomeState.ERRORED if cid in errored else OutcomeState.COMPLETED,
            3,
            f"{CANARIES['error']} {CANARIES['dsn']}" if cid in errored else None,
        )
        for cid in statuses
    }
    return RunResult(
        id=run_id,
        started_at=started,
        finished_at=started,
        estate=EstateInfo(name, CANARIES["estate_path"], date(2026, 10, 2), contained),
        tool_version="0.1.0",
        checks={cid: spec(cid) for cid in statuses},
        findings=findings,
        outcomes=outcomes,
        load_errors=(LoadError(CANARIES["load_error"], CANARIES["dsn"]),),
    )


P, F, E, S = Status.PASS, Status.FAIL, Status.ERROR, Status.SKIP

BASELINE = {
    "auth.mfa_not_enforced": [F, P],
    "auth.mfa_weak_factor": [P],
    "auth.password_hash_weak": [F, F],
    "auth.password_hash_unsalted": [F],
    "datastore.no_offline_backup": [P, P],
    "datastore.unencrypted_at_rest": [F],
    "placement.region_outside_policy": [F],
    "auth.credential_not_reset_since_incident": [F],
}
NOW = {
    "auth.mfa_not_enforced": [P, P],  # fixed
    "auth.mfa_weak_factor": [P],
    "auth.password_hash_weak": [P, P],  # fixed
    "auth.password_hash_unsalted": [P],  # fixed
    "datastore.no_offline_backup": [P, P],  # passed before and now
    "datastore.unencrypted_at_rest": [F, F],  # still failing (one waived)
    "placement.region_outside_policy": [P],
    "auth.credential_not_reset_since_incident": [F],  # never public
}


def now_and_baseline() -> tuple[RunResult, RunResult]:
    now = make_run(NOW, errored=("placement.region_outside_policy",))
    base = make_run(
        BASELINE, run_id="20261001T000000Z-bbbb", started=datetime(2026, 10, 1, tzinfo=UTC)
    )
    return now, base


def test_fixed_mfa_and_hashing_are_improved_and_failing_areas_are_left_out() -> None:
    now, base = now_and_baseline()
    summary = build_summary(now, base)
    bands = {a.title: a.band for a in summary.areas}
    assert bands == {
        "Two-factor authentication": Band.IMPROVED,
        "Password protection": Band.IMPROVED,
        "Backups": Band.IN_PLACE,
    }  # encryption still fails: left out; placement errored now: nothing may be claimed
    assert summary.since == "October 2026"
    assert summary.organisation == "Example Credit Union"
    for fmt, (render, _ext, _html) in FORMATS.items():
        text = render(summary, public_env(), ())
        assert "encryption" not in text.lower(), fmt
        assert "placement" not in text.lower(), fmt


def test_mention_ongoing_adds_being_strengthened_only_when_opted_in() -> None:
    now, base = now_and_baseline()
    summary = build_summary(now, base, mention_ongoing=True)
    assert PublicArea("Data encryption", Band.STRENGTHENING) in summary.areas
    text = FORMATS["txt"][0](summary, public_env(), ())
    assert "We continue to strengthen data encryption." in text
    assert lint(text) == []


def test_without_baseline_passing_areas_are_in_place() -> None:
    now, _ = now_and_baseline()
    summary = build_summary(now)
    assert {a.band for a in summary.areas} == {Band.IN_PLACE}
    assert not summary.has_baseline


def test_area_is_in_place_only_when_every_contributing_check_passes() -> None:
    run = make_run({"auth.mfa_not_enforced": [P], "auth.mfa_weak_factor": [P, F]})
    assert build_summary(run).areas == ()
    run = make_run({"auth.mfa_not_enforced": [P], "auth.mfa_weak_factor": [S]})
    assert build_summary(run).areas == (PublicArea("Two-factor authentication", Band.IN_PLACE),)
    run = make_run({"auth.mfa_not_enforced": [P], "auth.mfa_weak_factor": [P, E]})
    assert build_summary(run).areas == ()


def test_summary_holds_only_allowlisted_fields() -> None:
    now, base = now_and_baseline()
    doc = build_summary(now, base, mention_ongoing=True).to_dict()
    assert set(doc) == {"organisation", "since", "areas"}
    assert all(set(a) == {"area", "band"} for a in doc["areas"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_canaries_reach_no_public_format(fmt: str) -> None:
    now, base = now_and_baseline()
    summary = build_summary(now, base, mention_ongoing=True)
    text = FORMATS[fmt][0](summary, public_env(), ())
    for name, canary in CANARIES.items():
        assert canary.lower() not in text.lower(), name
    for leak in ("4213", "4,213", "10.0.4.17", "5432", "CANARY", "2026-10-05", "5 October"):
        assert leak not in text
    body = html_text(text) if FORMATS[fmt][2] else text
    if fmt == "json":
        body = lint_text(text)
    assert lint(body, LintConfig(resource_ids=(CANARIES["resource"],))) == []


def test_html_is_autoescaped() -> None:
    summary = PublicSummary(
        "<script>alert(1)</script> & Co", "October 2026",
        (PublicArea("<b>Backups</b>", Band.IN_PLACE),), False,
    )  # fmt: skip
    page = FORMATS["html"][0](summary, public_env(), ())
    assert "<script>alert" not in page and "<b>Backups" not in page
    assert "&lt;script&gt;" in page


def store_with(tmp_path: Path, *runs: RunResult) -> Path:
    db = tmp_path / "runs.sqlite"
    with SQLiteStore(db) as store:
        for run in runs:
            store.save(run)
    return db


def test_baseline_is_the_stored_run_nearest_before_containment(tmp_path: Path) -> None:
    now, base = now_and_baseline()
    older = make_run(
        BASELINE, run_id="20260901T000000Z-cccc", started=datetime(2026, 9, 1, tzinfo=UTC)
    )
    after = make_run(
        NOW, run_id="20261010T000000Z-dddd", started=datetime(2026, 10, 10, tzinfo=UTC)
    )
    other = make_run(
        NOW, run_id="20261003T000000Z-eeee", started=datetime(2026, 10, 3, tzinfo=UTC), name="Other"
    )
    db = store_with(tmp_path, older, base, after, other, now)
    with SQLiteStore(db) as store:
        found = find_baseline(store, now)
        assert found is not None and found.id == base.id
        assert find_baseline(store, make_run(NOW, contained=None)) is None


def test_cli_summary_formats_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now, base = now_and_baseline()
    db = store_with(tmp_path, base, now)
    out = tmp_path / "summary.json"
    assert (
        main(["summary", "--public", "--store", str(db), "--format", "json", "-o", str(out)]) == 0
    )
    doc = json.loads(out.read_text())
    assert {a["area"]: a["band"] for a in doc["areas"]} == {
        "Two-factor authentication": "improved",
        "Password protection": "improved",
        "Backups": "in_place",
    }
    assert "CANARY" not in out.read_text()
    assert main(["summary", "--store", str(db), "--baseline", now.id, "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "Improved since" not in md and "Two-factor authentication" in md


def test_templates_override_is_used_and_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now, base = now_and_baseline()
    db = store_with(tmp_path, base, now)
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "summary.txt.j2").write_text(
        "{{ summary.organisation }} update. Thank you for your patience.\n"
        "{% for area, sentence in rows %}{{ area.title }}: {{ sentence }}\n{% endfor %}"
    )
    args = ["summary", "--store", str(db), "--templates", str(ours)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("Example Credit Union update. Thank you for your patience.")
    # Wording in a branch this render never reaches is linted too.
    (ours / "summary.txt.j2").write_text(
        "{% if false %}We upgraded PostgreSQL 15.4 on db01.corp.{% endif %}Thanks.\n"
    )
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "product-version" in err and "internal-domain" in err and "summary.txt.j2" in err
    assert main([*args, "--allow", "product-version", "--allow", "internal-domain"]) == 2
    assert (
        main(
            [
                *args,
                "--allow",
                "product-version",
                "--allow",
                "internal-domain",
                "--reason",
                "internal rehearsal only",
            ]
        )  # fmt: skip
        == 0
    )
    assert "allowed: internal rehearsal only" in capsys.readouterr().err


def test_allowed_rule_is_recorded_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now, base = now_and_baseline()
    db = store_with(tmp_path, base, now)
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "wording.j2").write_text(
        (Path(__file__).parents[1] / "reports/templates/public/wording.j2")
        .read_text()
        .replace("Passwords are protected", "Passwords are protected with bcrypt")
        .replace("We have improved how passwords are protected", "We moved to bcrypt")
    )
    args = ["summary", "--store", str(db), "--templates", str(ours), "--format", "json"]
    assert main(args) == 1
    assert "product-name" in capsys.readouterr().err
    assert main([*args, "--allow", "product-name", "--reason", "approved by CISO"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["disclosure_lint"]["allowed"] == [
        {"rule": "product-name", "reason": "approved by CISO"}
    ]


def test_approved_sentences_waive_only_the_sentence_layer_in_a_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now, base = now_and_baseline()
    db = store_with(tmp_path, base, now)
    ours = tmp_path / "ours"
    ours.mkdir()
    vetted = "Our volunteers staff the phones on the first Saturday of each month."
    (ours / "summary.txt.j2").write_text(f"Thank you for your patience.\n{vetted}\n")
    args = ["summary", "--store", str(db), "--templates", str(ours)]
    assert main(args) == 1
    assert "unvetted-statement" in capsys.readouterr().err
    approved = tmp_path / "approved.txt"
    approved.write_text(f"# vetted by the comms lead\n\n  {vetted.replace(' ', '  ')}\n")
    assert main([*args, "--approved", str(approved)]) == 0
    assert vetted in capsys.readouterr().out
    # An approved sentence is still read by the phrase rules.
    (ours / "summary.txt.j2").write_text("Thank you.\nOur volunteers use 10.0.0.7 for this.\n")
    approved.write_text("Our volunteers use 10.0.0.7 for this.\n")
    assert main([*args, "--approved", str(approved)]) == 1
    err = capsys.readouterr().err
    assert "ip-address" in err and "unvetted-statement" not in err
    assert main([*args, "--approved", str(tmp_path / "missing.txt")]) == 2
