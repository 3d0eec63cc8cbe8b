"""The communications pack: facts file validation, the six pieces, lint, overrides, CLI."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hardening.cli import main
from hardening.comms import INDEX, PIECES, build_pack, lint_pack, load_facts, render_pack
from hardening.disclosure import LintConfig
from hardening.errors import InputError
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
)
from hardening.public import build_summary
from hardening.reports.public.environment import lint_overrides, public_env
from hardening.store import SQLiteStore

DATA = Path(__file__).parent / "data" / "comms"
CANARIES = (
    "canary-store-5d1",
    "canary-bastion.corp.internal",
    "CANARYDETAIL",
    "CANARYEVIDENCE",
    "CANARYERROR",
    "/srv/CANARYPATH/estate.yaml",
    "mysql://u:CANARYPW@db.canary.internal:3306/x",
)


def run_of(run_id: str, started: datetime, status: Status) -> RunResult:
    checks = {
        "auth.mfa_not_enforced": "Two-factor authentication",
        "auth.password_hash_weak": "Password protection",
        "datastore.restore_untested": "Backups",
    }
    specs = {
        cid: CheckSpec(cid, f"CANARYTITLE {cid}", Severity.HIGH, "CANARYWHY",
                       Remediation("CANARYFIX", (CANARIES[6],)), public_title=title)
        for cid, title in checks.items()
    }  # fmt: skip
    findings = tuple(
        Finding(
            cid,
            Status.PASS if cid == "datastore.restore_untested" else status,
            Severity.HIGH,
            ResourceRef("datastore", CANARIES[0], CANARIES[5], 3),
            f"{CANARIES[2]} on {CANARIES[1]} ({CANARIES[6]})",
            {"CANARYKEY": CANARIES[3], "rows": 4213},
        )
        for cid in checks
    )
    outcomes = {cid: CheckOutcome(cid, OutcomeState.COMPLETED, 1) for cid in checks}
    # An errored check whose reason carries canaries (its area is then left out entirely).
    errored = "placement.location_unknown"
    specs[errored] = CheckSpec(errored, "CANARYTITLE", Severity.LOW, "CANARYWHY",
                               Remediation("CANARYFIX"), public_title="Data placement")  # fmt: skip
    outcomes[errored] = CheckOutcome(
        errored, OutcomeState.ERRORED, 1, f"{CANARIES[4]}: {CANARIES[6]} at {CANARIES[1]}"
    )
    return RunResult(
        run_id, started, started,
        EstateInfo("Example Credit Union", CANARIES[5], date(2026, 10, 2), date(2026, 10, 5)),
        "0.1.0", specs, findings, outcomes, (LoadError(CANARIES[4], CANARIES[6]),),
    )  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "runs.sqlite"
    with SQLiteStore(path) as store:
        store.save(run_of("20261001T000000Z-base", datetime(2026, 10, 1, tzinfo=UTC), Status.FAIL))
        store.save(run_of("20261120T000000Z-now0", datetime(2026, 11, 20, tzinfo=UTC), Status.PASS))
    return path


def test_load_facts() -> None:
    facts = load_facts(DATA / "incident.yaml")
    assert facts.period == "October 2026"
    assert facts.card_reissue and facts.credit_monitoring is not None
    assert facts.credit_monitoring.months == 12
    assert facts.contact.phone == "0800 123 4567"
    assert facts.public_domains == ("examplecu.example",)


@pytest.mark.parametrize(
    ("name", "where"),
    [
        (
            "bad_key.yaml",
            r"bad_key\.yaml:8: contact: unknown key 'emial' \(did you mean 'email'\?\)",
        ),
        ("bad_period.yaml", r"bad_period\.yaml:2: period: give the month only"),
        ("missing_apology.yaml", r"missing_apology\.yaml:1: apology: required but missing"),
    ],
)
def test_bad_facts_file_is_one_line_with_file_line_field(
    name: str, where: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputError) as info:
        load_facts(DATA / name)
    assert re.search(where, str(info.value)), str(info.value)
    args = ["comms", str(DATA / name), "--store", str(db), "-o", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and re.search(where, err)


def test_comms_renders_six_lint_clean_pieces_and_an_index(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    assert main(["comms", str(DATA / "incident.yaml"), "--store", str(db), "-o", str(out)]) == 0
    written = {p.name for p in out.iterdir()}
    assert written == {*PIECES, INDEX}
    index = (out / INDEX).read_text()
    for name in PIECES:
        assert f'href="{name}"' in index
    texts = {name: (out / name).read_text() for name in written}
    for name, text in texts.items():
        for canary in (*CANARIES, "CANARY", "4213", "4,213"):
            assert canary.lower() not in text.lower(), (name, canary)
    config = LintConfig(allow_domains=("examplecu.example",), resource_ids=(CANARIES[0],))
    assert list(lint_pack(texts, config)) == []
    assert "never ask for your account details" in texts["social-post.txt"]
    for name in ("email.txt", "letter.html", "faq.html"):
        assert "deeply sorry" in texts[name]
    faq = texts["faq.html"]
    for question in (
        "What happened?", "What signs should I watch for?",
        "What should I do if I see suspicious activity?", "What happens if my identity is stolen?",
        "How do I protect myself?", "What have you improved?",
    ):  # fmt: skip
        assert question in faq
    assert "strengthened two-factor authentication since October 2026" in faq
    assert "12 months of free credit monitoring" in texts["email.txt"]
    assert "Escalation answers" in texts["call-centre-brief.html"]
    assert "https://www.examplecu.example/security-update" in texts["banner.html"]
    assert "placement" not in texts["faq.html"].lower()


def test_organisations_own_wording_is_linted_and_blocks(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    assert main(["comms", str(DATA / "leaky.yaml"), "--store", str(db), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "product-version" in err and "PostgreSQL 15.4" in err and "db01.corp" in err
    assert "faq.html:" in err and "nothing written" in err
    assert not out.exists()


def test_comms_template_override_is_used_and_linted(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "social-post.txt.j2").write_text(
        "{{ pack.organisation }}: we are sorry. Details soon.\n"
    )
    out = tmp_path / "pack"
    args = ["comms", str(DATA / "incident.yaml"), "--store", str(db), "-o", str(out)]
    assert main([*args, "--templates", str(ours)]) == 0
    assert (
        out / "social-post.txt"
    ).read_text() == "Example Credit Union: we are sorry. Details soon.\n"
    (ours / "banner.html.j2").write_text(
        "{% if false %}<p>Our 10.1.2.3 servers are still vulnerable.</p>{% endif %}<p>Sorry.</p>"
    )
    assert main([*args, "--templates", str(ours)]) == 1
    err = capsys.readouterr().err
    assert "banner.html.j2" in err and "ip-address" in err and "residual-weakness" in err


def test_html_pieces_escape_the_organisations_text(db: Path) -> None:
    facts = load_facts(DATA / "incident.yaml")
    facts = type(facts)(**{**{f: getattr(facts, f) for f in facts.__slots__},
                           "apology": "<script>x()</script> Sorry."})  # fmt: skip
    with SQLiteStore(db) as store:
        summary = build_summary(store.load("latest"))
    env = public_env(packs=("comms", "public"))
    files = render_pack(build_pack(facts, summary, env), env)
    for name, text in files.items():
        if name.endswith(".html"):
            assert "<script>x()" not in text, name
    assert "&lt;script&gt;" in files["faq.html"]


def test_shipped_templates_are_lint_clean_in_every_branch() -> None:
    root = Path(__file__).parents[1] / "reports" / "templates"
    for pack in ("public", "comms"):
        assert list(lint_overrides(root / pack, LintConfig())) == [], pack
