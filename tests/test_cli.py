"""The command line end to end, as a security engineer would drive it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from hardening.cli import main
from hardening.reports.json import schema

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo" / "estate.yaml"


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "store" / "runs.sqlite"
    monkeypatch.setenv("HARDENING_STORE", str(store))
    return store


def _validate(doc: dict[str, object]) -> None:
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    validator.validate(doc)


def test_demo_scan_exits_1_with_a_valid_json_report(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    assert main(["scan", "--demo", "--format", "json", "-o", str(out)]) == 1
    doc = json.loads(out.read_text())
    _validate(doc)
    statuses = {f["status"] for f in doc["findings"]}
    assert {"pass", "fail", "skip"} <= statuses
    assert "error" not in statuses and doc["load_errors"] == []
    for cid, spec in doc["checks"].items():
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", cid)
        assert spec["title"] and spec["severity"] and spec["remediation"]
    assert any(
        f["severity"] in ("high", "critical") and f["status"] == "fail" for f in doc["findings"]
    )


def test_demo_scan_terminal_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--demo", "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert "Harbour Point Credit Union" in out
    assert "auth.mfa_not_enforced" in out
    assert "\x1b[" not in out  # not a TTY: no colour
    assert err == ""  # not a TTY: no progress bar


def test_scan_from_a_path_matches_demo(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["scan", str(DEMO), "--no-store", "--format", "json", "-o", str(out)]) == 1
    assert json.loads(out.read_text())["run"]["estate"] == "Harbour Point Credit Union"


def test_checks_explain_prints_the_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "explain", "auth.mfa_not_enforced"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("auth.mfa_not_enforced — ")
    for word in ("severity: high", "What it does", "Remediation:", "References:"):
        assert word in out


def test_checks_explain_unknown_id_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "explain", "auth.mfa_not_enforce"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'auth.mfa_not_enforced'" in err
    assert len(err.strip().splitlines()) == 1


def test_checks_list_shows_every_domain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "list"]) == 0
    out = capsys.readouterr().out
    for domain in ("auth.", "datastore.", "placement."):
        assert domain in out


def test_selection_by_domain_and_skip(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(
        [
            "scan",
            "--demo",
            "--no-store",
            "--check",
            "placement",
            "--skip-check",
            "placement.location_unknown",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert code in (0, 1)
    ids = set(json.loads(out.read_text())["checks"])
    assert ids and all(i.startswith("placement.") for i in ids)
    assert "placement.location_unknown" not in ids


def test_unknown_check_pattern_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--demo", "--no-store", "--check", "auht"]) == 2
    assert "did you mean 'auth'" in capsys.readouterr().err


def test_fail_on_controls_exit_code() -> None:
    assert (
        main(
            [
                "scan",
                "--demo",
                "--no-store",
                "--fail-on",
                "never",
                "--format",
                "json",
                "-o",
                os.devnull,
            ]
        )
        == 0
    )


def test_runs_and_report_reload_stored_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.json"
    assert main(["scan", "--demo", "--format", "json", "-o", str(first)]) == 1
    assert main(["scan", "--demo", "--format", "json", "-o", str(tmp_path / "second.json")]) == 1
    capsys.readouterr()
    assert main(["runs"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all("Harbour Point Credit Union" in line for line in lines)
    run_id = json.loads(first.read_text())["run"]["id"]
    again = tmp_path / "again.json"
    assert main(["report", run_id[:20], "--format", "json", "-o", str(again)]) == 0
    assert json.loads(again.read_text()) == json.loads(first.read_text())


def test_report_of_unknown_run_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", "--demo", "--format", "json", "-o", os.devnull])
    capsys.readouterr()
    assert main(["report", "nosuchrun"]) == 2
    assert "no stored run matches 'nosuchrun'" in capsys.readouterr().err


def test_several_formats_into_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "scan",
                "--demo",
                "--no-store",
                "--format",
                "json",
                "--format",
                "terminal",
                "-o",
                str(out),
            ]
        )
        == 1
    )
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".txt"]


def _write_plugin(root: Path, body: str) -> None:
    """A real third-party pack, registered through an entry point in a .dist-info."""
    (root / "crashpack.py").write_text(textwrap.dedent(body))
    info = root / "crashpack-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crashpack\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[hardening.checks]\ncrashpack = crashpack\n")


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "HARDENING_STORE": str(tmp_path / "s.db")}
    return subprocess.run(
        [sys.executable, "-m", "hardening", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_crashing_plugin_is_an_error_finding_and_exit_3(tmp_path: Path) -> None:
    _write_plugin(
        tmp_path,
        """
        from hardening import Check, CheckSpec, Remediation, Severity, register, ResourceRef

        @register
        class Explodes(Check):
            '''A plugin check with a bug.'''
            spec = CheckSpec(id="auth.plugin_explodes", title="t", severity=Severity.LOW,
                             rationale="r", remediation=Remediation("f"))

            def evaluate(self, ctx):
                yield self.passed(ResourceRef("account", "x"), "fine so far")
                raise RuntimeError("boom")
    """,
    )
    out = tmp_path / "r.json"
    proc = _cli(tmp_path, "scan", "--demo", "--format", "json", "-o", str(out))
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(out.read_text())
    _validate(doc)
    mine = [f for f in doc["findings"] if f["check_id"] == "auth.plugin_explodes"]
    assert [f["status"] for f in mine] == ["pass", "error"]
    assert "RuntimeError" in mine[1]["detail"]
    others = [f for f in doc["findings"] if f["check_id"] != "auth.plugin_explodes"]
    assert any(f["status"] == "fail" for f in others)
    assert doc["outcomes"]["auth.plugin_explodes"]["state"] == "errored"
    assert "Traceback" in proc.stderr  # logged for the engineer


def test_plugin_that_fails_to_import_is_a_load_error_in_reports(tmp_path: Path) -> None:
    _write_plugin(tmp_path, "import this_module_does_not_exist\n")
    out = tmp_path / "r.json"
    proc = _cli(tmp_path, "scan", "--demo", "--format", "json", "-o", str(out))
    assert proc.returncode == 3
    doc = json.loads(out.read_text())
    (err,) = doc["load_errors"]
    assert "crashpack" in err["source"] and "ModuleNotFoundError" in err["message"]
    term = _cli(tmp_path, "report", "latest")
    assert "crashpack" in term.stdout


BROKEN = {
    "malformed yaml": ("version: 1\norganisation: {name: X\n", 3, None),
    "unknown key": ("version: 1\norganisation: {name: X}\ndatastorse: []\n", 3, "datastorse"),
    "wrong type": (
        "version: 1\norganisation: {name: X}\npolicy: {stale_account_days: soon}\n",
        3,
        "stale_account_days",
    ),
    "bad date": (
        "version: 1\norganisation:\n  name: X\n  incident: {discovered: 2026-13-45}\n",
        4,
        "discovered",
    ),
    "missing file": (
        "version: 1\norganisation: {name: X}\nhosts:\n  - {id: h, sshd_config: nope}\n",
        4,
        "sshd_config",
    ),
    "duplicate id": (
        "version: 1\norganisation: {name: X}\ndatastores:\n  - {id: a}\n  - {id: a}\n",
        5,
        "id",
    ),
    "unsupported version": ("version: 7\norganisation: {name: X}\n", 1, "version"),
    "bad enum": (
        "version: 1\norganisation: {name: X}\ndatastores:\n  - {id: a, hosting: clod}\n",
        4,
        "hosting",
    ),
    "missing required": ("version: 1\norganisation: {}\n", 2, "name"),
    "not a mapping": ("- just\n- a list\n", 1, None),
    "empty file": ("", 1, None),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_estate_is_one_line_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, line, field = BROKEN[case]
    estate = tmp_path / "estate.yaml"
    estate.write_text(text)
    assert main(["scan", str(estate), "--no-store"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"estate.yaml:{line}" in err
    if field:
        assert field in err


def test_broken_estate_leaves_the_store_untouched(tmp_path: Path, _isolated_store: Path) -> None:
    main(["scan", "--demo", "--format", "json", "-o", os.devnull])
    before = _isolated_store.read_bytes()
    estate = tmp_path / "estate.yaml"
    estate.write_text("version: 1\norganisation: {name: X}\nbogus: 1\n")
    assert main(["scan", str(estate)]) == 2
    assert _isolated_store.read_bytes() == before


CANARY = "CANARY-9f3b2e-hunter2"
SEED = "KRUGS4ZANFZSAYLOEBQWK43UMVZCAY3BNZQXE6JA"  # a valid 200-bit TOTP seed, as a canary


def test_secret_canaries_never_reach_any_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A DSN with a password, a shadow hash, and a TOTP seed: none may appear anywhere.
    from passlib.hash import md5_crypt

    db = tmp_path / f"{CANARY}.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (u TEXT, h TEXT)")
    con.execute("INSERT INTO users VALUES ('alice', ?)", (f"plain-{CANARY}",))
    con.execute("INSERT INTO users VALUES ('bob', ?)", (md5_crypt.hash(CANARY),))
    con.execute("CREATE TABLE otp (u TEXT, s TEXT)")
    con.executemany("INSERT INTO otp VALUES (?, ?)", [("alice", SEED), ("bob", SEED)])
    con.commit()
    con.close()
    hashed = md5_crypt.hash("another-" + CANARY)
    (tmp_path / "shadow").write_text(f"root:{hashed}:20000:0:99999:7:::\n")
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        textwrap.dedent(f"""\
        version: 1
        organisation: {{name: Canary Org}}
        credential_stores:
          - {{id: app, kind: sql, dsn: "sqlite:///{db.name}", table: users, id_column: u, hash_column: h}}
          - {{id: pg, kind: sql, dsn: "postgresql://app:{CANARY}@127.0.0.1:1/db", table: users, id_column: u, hash_column: h}}
          - {{id: host, kind: shadow, path: shadow}}
        totp_stores:
          - {{id: otp, kind: sql, dsn: "sqlite:///{db.name}", table: otp, id_column: u, secret_column: s}}
        """)
    )
    out = tmp_path / "out"
    from hardening import reports

    every_format = [arg for name in reports.available() for arg in ("--format", name)]
    main(["scan", str(estate), *every_format, "-o", str(out), "-v"])
    assert len(list(out.iterdir())) == len(reports.available())
    main(["scan", str(estate), "--no-progress"])
    main(["runs"])
    main(["report", "latest", "--format", "json"])
    printed = "".join(capsys.readouterr())
    written = "".join(p.read_text() for p in out.iterdir())
    stored = Path(os.environ["HARDENING_STORE"]).read_bytes()
    for text in (printed, written):
        assert CANARY not in text and hashed not in text and SEED not in text
    for secret in (CANARY, hashed, SEED):
        assert secret.encode() not in stored
    assert "auth.totp_secret_shared" in written  # the seed was read and judged


def test_sigkill_during_the_store_write_leaves_earlier_runs_loadable(tmp_path: Path) -> None:
    """A scan killed while it writes its run: the earlier runs stay intact and readable."""
    import signal
    import time

    store = tmp_path / "kill.sqlite"
    env = {**os.environ, "HARDENING_STORE": str(store)}
    for _ in range(2):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "hardening",
                "scan",
                "--demo",
                "--format",
                "json",
                "-o",
                os.devnull,
            ],
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1
    before = subprocess.run(
        [sys.executable, "-m", "hardening", "runs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    # A big estate, so the write lasts long enough to be interrupted.
    rows = (
        json.dumps(
            {
                "id": f"store-{i:06d}",
                "classification": "restricted",
                "hosting": "cloud",
                "provider": "aws",
                "region": "us-east-1",
                "internet_exposed": True,
                "encryption": {"at_rest": False},
            }
        )
        for i in range(40_000)
    )
    (tmp_path / "stores.jsonl").write_text("\n".join(rows) + "\n")
    estate = tmp_path / "big.yaml"
    estate.write_text(
        "version: 1\norganisation: {name: Big Org}\ndatastores: {source: stores.jsonl}\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardening",
            "scan",
            str(estate),
            "--format",
            "json",
            "-o",
            os.devnull,
            "--group-above",  # one finding per store: a write long enough to interrupt
            "1000000",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = store.with_name(store.name + "-wal")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 4_000_000:
            break
        time.sleep(0.01)
    killed_mid_write = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert killed_mid_write, "the scan finished before it could be killed mid-write"
    after = subprocess.run(
        [sys.executable, "-m", "hardening", "runs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert after == before  # no partial run visible, earlier ones listed as they were
    for line in after.splitlines():
        run_id = line.split()[0]
        shown = subprocess.run(
            [sys.executable, "-m", "hardening", "report", run_id, "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        _validate(json.loads(shown.stdout))


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "HARDENING_STORE": str(tmp_path / "p.sqlite")}
    args = [
        sys.executable,
        "-m",
        "hardening",
        "scan",
        "--demo",
        "--format",
        "json",
        "-o",
        os.devnull,
    ]
    proc = subprocess.run(
        args, env=env, stderr=slave, stdout=subprocess.DEVNULL, timeout=120, check=False
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 1
    assert re.search(rb"\] (\d+)/\1 ", seen), seen[-200:]
    quiet = subprocess.run(
        [*args, "--no-progress"], env=env, capture_output=True, timeout=120, check=False
    )
    assert b"/" not in quiet.stderr.replace(b"wrote /dev/null", b"")


def test_unreadable_credential_store_is_an_error_for_that_store_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.db").write_bytes(b"this is not a database " * 100)
    (tmp_path / "shadow").write_text("ops:$1$abcdefgh$0123456789abcdefghijkl:20000:0:99999:7:::\n")
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        textwrap.dedent("""\
        version: 1
        organisation: {name: X}
        credential_stores:
          - {id: broken-db, kind: sql, dsn: "sqlite:///broken.db", table: users, id_column: u, hash_column: h}
          - {id: host, kind: shadow, path: shadow}
        """)
    )
    out = tmp_path / "r.json"
    code = main(
        [
            "scan",
            str(estate),
            "--no-store",
            "--check",
            "auth.password_hash_weak",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert code == 3
    by_store = {f["resource"]["id"]: f for f in json.loads(out.read_text())["findings"]}
    assert by_store["broken-db"]["status"] == "error"
    assert by_store["host"]["status"] == "fail"
    assert "broken.db" not in capsys.readouterr().err


def test_writing_to_dev_null_leaves_the_device_alone() -> None:
    assert main(["scan", "--demo", "--no-store", "--format", "json", "-o", os.devnull]) == 1
    assert Path(os.devnull).is_char_device()
