"""The HTML report: content, escaping of hostile data, self-containment and size at 100k findings."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from hardening.cli import main
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
from hardening.reports import get
from hardening.reports.html import FORMAT, PAGE_SIZE, render_html

START = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"
HOSTILE_ATTR = '"onmouseover=alert(2) x="'
HOSTILE_TEMPLATE = "{{ 7*7 }}"
HOSTILE_COMMENT = "<!-- <script>"
DATA_OPEN = '<script type="application/json" id="report-data">'


def spec(check_id: str, severity: Severity = Severity.HIGH, **kw: Any) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=kw.pop("title", f"Title of {check_id}"),
        severity=severity,
        rationale=kw.pop("rationale", "Why it matters."),
        remediation=kw.pop("remediation", Remediation("Change the setting.", ("step one",))),
        **kw,
    )


def make_run(
    specs: list[CheckSpec],
    findings: list[Finding],
    outcomes: dict[str, CheckOutcome] | None = None,
    *,
    load_errors: tuple[LoadError, ...] = (),
    estate: EstateInfo | None = None,
) -> RunResult:
    if outcomes is None:
        outcomes = {s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs}
    return RunResult(
        id="20261125T200102Z-1a2b3c",
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        estate=estate or EstateInfo("Example Credit Union"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes=outcomes,
        load_errors=load_errors,
    )


def big_run(n: int = 100_000) -> RunResult:
    """`n` findings over five checks, mostly passes, a tenth failing."""
    specs = [
        spec("auth.stale_account", Severity.MEDIUM),
        spec("auth.mfa_not_enforced", Severity.HIGH),
        spec("datastore.tls_not_required", Severity.HIGH),
        spec("datastore.internet_exposed", Severity.CRITICAL),
        spec("placement.location_unknown", Severity.LOW),
    ]
    statuses = (Status.PASS,) * 8 + (Status.FAIL, Status.SKIP)
    findings = []
    for i in range(n):
        s = specs[i % len(specs)]
        kind = "account" if s.domain == "auth" else "datastore"
        status = statuses[(i // len(specs)) % len(statuses)]
        findings.append(
            Finding(
                s.id,
                status,
                s.severity,
                ResourceRef(kind, f"{kind}-{i:06d}", "exports/inventory.csv", i + 2),
                f"{kind} {kind}-{i:06d} was examined and the setting is {status.value}",
            )
        )
    findings.sort(key=lambda f: f.check_id)
    return make_run(specs, findings)


def hostile_run() -> RunResult:
    """Hostile text in every field that comes from estate files or plugins."""
    evil = f"{HOSTILE_SCRIPT}{HOSTILE_ATTR}{HOSTILE_TEMPLATE}{HOSTILE_COMMENT}"
    specs = [
        spec(
            "auth.stale_account",
            title=f"Stale {HOSTILE_SCRIPT}",
            rationale=HOSTILE_ATTR,
            remediation=Remediation(f"Disable {HOSTILE_TEMPLATE}.", (HOSTILE_SCRIPT,)),
            references=(evil,),
        ),
        spec("auth.lockout_missing"),
        spec("auth.totp_secret_invalid"),
    ]
    findings = [
        Finding(
            "auth.stale_account",
            Status.FAIL,
            Severity.HIGH,
            ResourceRef("account", evil, HOSTILE_SCRIPT, 3),
            evil,
            remediation=HOSTILE_SCRIPT,
        ),
        Finding(
            "auth.stale_account",
            Status.FAIL,
            Severity.MEDIUM,
            ResourceRef("account", HOSTILE_ATTR),
            HOSTILE_TEMPLATE,
            waiver=Waiver(HOSTILE_SCRIPT, HOSTILE_ATTR, date(2027, 1, 1)),
        ),
        Finding(
            "auth.lockout_missing",
            Status.ERROR,
            Severity.HIGH,
            ResourceRef("identity", HOSTILE_SCRIPT),
            evil,
        ),
        Finding(
            "auth.totp_secret_invalid",
            Status.SKIP,
            Severity.HIGH,
            ResourceRef("identity", HOSTILE_TEMPLATE),
            HOSTILE_SCRIPT,
        ),
    ]
    outcomes = {
        "auth.stale_account": CheckOutcome("auth.stale_account", OutcomeState.COMPLETED, 1),
        "auth.lockout_missing": CheckOutcome(
            "auth.lockout_missing", OutcomeState.ERRORED, 1, f"ValueError {evil}"
        ),
        "auth.totp_secret_invalid": CheckOutcome(
            "auth.totp_secret_invalid", OutcomeState.SKIPPED, 0, f"no facet {evil}"
        ),
    }
    return make_run(
        specs,
        findings,
        outcomes,
        load_errors=(LoadError(HOSTILE_SCRIPT, evil),),
        estate=EstateInfo(f"Org {HOSTILE_SCRIPT}", HOSTILE_ATTR, date(2026, 10, 2), None),
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    out = tmp_path_factory.mktemp("demo") / "demo.json"
    assert main(["scan", "--demo", "--no-store", "--format", "json", "-o", str(out)]) in (0, 1)
    return RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def demo_html(demo_run: RunResult) -> str:
    return render_html(demo_run)


class _Page(HTMLParser):
    """Collects what the tests look at: tags, attributes, script and style bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._raw: tuple[str, dict[str, str | None]] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._raw = (tag, dict(attrs))
            self._buf = []

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._raw is not None and tag == self._raw[0]:
            body = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._raw[1], body))
            else:
                self.styles.append(body)
            self._raw = None


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def embedded(page: str) -> dict[str, Any]:
    start = page.index(DATA_OPEN) + len(DATA_OPEN)
    end = page.index("</script>", start)
    data: dict[str, Any] = json.loads(page[start:end])
    return data


# --------------------------------------------------------------------------- the demo run


def test_format_is_registered() -> None:
    fmt = get("html")
    assert fmt is FORMAT
    assert (fmt.name, fmt.extension) == ("html", "html")


def test_demo_page_has_every_section(demo_run: RunResult, demo_html: str) -> None:
    page = demo_html
    assert page.startswith("<!DOCTYPE html>")
    assert page.endswith("</html>\n")
    for anchor in ("overview", "plan", "findings", "errors", "skipped"):
        assert f'<section id="{anchor}">' in page
    assert demo_run.estate.name in page
    assert demo_run.id in page
    assert "2026-10-02" in page  # the incident
    summary = demo_run.summary()
    for status, n in summary.items():
        assert f'<div class="card st-{status}"><span class="n">{n}</span>' in page
    # Every check is a collapsed <details> with its remediation and references.
    tags = parse(page).tags
    details = [a for t, a in tags if t == "details" and "check" in (a.get("class") or "")]
    assert [a["data-check"] for a in details] != []
    assert {a["data-check"] for a in details} == set(demo_run.checks)
    assert all("open" not in a for a in details)
    for cid, check in demo_run.checks.items():
        assert f'id="check-{cid}"' in page
        for ref in check.references:
            assert f"<li>{_esc(ref)}</li>" in page


def test_demo_plan_comes_first_and_in_rank_order(demo_run: RunResult, demo_html: str) -> None:
    from hardening.plan import build_plan

    plan = build_plan(demo_run)
    assert plan.actions, "the demo has failures, so a plan"
    page = demo_html
    plan_at, findings_at = page.index('<section id="plan">'), page.index('<section id="findings">')
    assert plan_at < findings_at
    positions = [page.index(_esc(a.title), plan_at) for a in plan.actions]
    assert positions == sorted(positions)
    assert all(plan_at < p < findings_at for p in positions)
    first = plan.actions[0]
    for step in first.steps:
        assert _esc(step) in page


def test_static_summary_without_javascript(demo_run: RunResult, demo_html: str) -> None:
    """Without the script: counts, plan and check list, and a first page of findings per check."""
    page = demo_html
    no_script = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    failing = [f for f in demo_run.findings if f.status is Status.FAIL]
    assert failing
    for f in failing[:5]:
        assert _esc(f.resource.id) in no_script
    assert no_script.count('class="static-rows"') == len({f.check_id for f in demo_run.findings})


def test_demo_data_block_holds_every_finding(demo_run: RunResult, demo_html: str) -> None:
    data = embedded(demo_html)
    assert data["pageSize"] == PAGE_SIZE
    rows = data["rows"]
    assert sum(len(r) for r in rows.values()) == len(demo_run.findings)
    ids = {(cid, r[2], r[3]) for cid, rs in rows.items() for r in rs}
    assert ids == {(f.check_id, f.resource.kind, f.resource.id) for f in demo_run.findings}
    # Failing rows first within each check.
    for rs in rows.values():
        statuses = [data["status"][r[0]] for r in rs]
        assert statuses == sorted(statuses, key=["fail", "error", "skip", "pass"].index)


def test_cli_writes_the_html_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["scan", "--demo", "--no-store", "--format", "html", "-o", str(out)]) in (0, 1)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --------------------------------------------------------------------------- self-containment


def test_page_loads_nothing_external(demo_html: str) -> None:
    page = parse(demo_html)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), f"<{tag} {name}={value!r}> points outside the page"
        assert tag not in ("link", "iframe", "img", "object", "embed", "base", "form")
    for _attrs, body in page.scripts:
        assert "http://" not in body and "https://" not in body
        assert "import(" not in body and "fetch(" not in body and "XMLHttpRequest" not in body
    for body in page.styles:
        assert "url(" not in body and "@import" not in body and "@font-face" not in body


def test_template_and_assets_carry_no_url() -> None:
    """With no data that mentions one, the page holds no URL at all."""
    page = render_html(make_run([spec("auth.stale_account")], []))
    assert re.search(r"(?i)\b(https?|ftp|wss?):", page) is None
    assert "//" not in re.sub(r"<script\b.*?</script>", "", page, flags=re.S).replace(
        "<!DOCTYPE", ""
    )


def test_csp_allows_only_our_inline_style_and_script(demo_html: str) -> None:
    page = parse(demo_html)
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1
    csp = metas[0]["content"] or ""
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    executable = [body for attrs, body in page.scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 1 and len(page.styles) == 1
    assert directives["script-src"] == f"'{_sha256(executable[0])}'"
    assert directives["style-src"] == f"'{_sha256(page.styles[0])}'"
    assert "unsafe" not in csp
    # No inline handlers or style attributes, which the CSP would block anyway.
    for _tag, attrs in page.tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs)


# --------------------------------------------------------------------------- hostile data


def test_hostile_text_is_escaped_everywhere() -> None:
    run = hostile_run()
    page = render_html(run)
    assert "<script>alert(1)" not in page
    assert "<!-- <script>" not in page
    # Outside the JSON block (where quotes are JSON-escaped), no raw quote from data survives.
    markup = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    assert HOSTILE_ATTR not in markup
    assert '"onmouseover' not in markup
    assert "&#34;onmouseover=alert(2) x=&#34;" in markup
    # Exactly our two script elements, each closed once.
    assert page.count("<script") == 2
    assert page.count("</script") == 2
    # Jinja2 does not evaluate data: the braces stay as text.
    assert HOSTILE_TEMPLATE in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = parse(page)
    assert [t for t, _ in parsed.tags].count("script") == 2
    for _tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs)


def test_hostile_text_cannot_close_the_data_block() -> None:
    run = hostile_run()
    page = render_html(run)
    start = page.index(DATA_OPEN) + len(DATA_OPEN)
    block = page[start : page.index("</script>", start)]
    assert "<" not in block and ">" not in block and "&" not in block
    data = embedded(page)
    ids = {r[3] for rs in data["rows"].values() for r in rs}
    assert {f.resource.id for f in run.findings} == ids
    details = {r[4] for rs in data["rows"].values() for r in rs}
    assert {f.detail for f in run.findings} == details


def test_hostile_run_lists_errors_and_skips() -> None:
    page = render_html(hostile_run())
    errors = page[page.index('<section id="errors">') : page.index('<section id="skipped">')]
    assert "Checks that failed to load (1)" in errors
    assert "Checks that crashed (1)" in errors
    assert "Findings in error" in errors
    skipped = page[page.index('<section id="skipped">') :]
    assert "Checks skipped (1)" in skipped
    assert "no facet " in skipped


def test_empty_run_renders() -> None:
    page = render_html(make_run([], []))
    assert "No checks ran." in page
    assert "Nothing to fix" in page
    assert embedded(page)["rows"] == {}


# --------------------------------------------------------------------------- huge runs


def test_plan_folds_resources_beyond_twenty() -> None:
    s = spec("datastore.tls_not_required")
    findings = [
        Finding(s.id, Status.FAIL, Severity.HIGH, ResourceRef("datastore", f"db-{i:03d}"), "x")
        for i in range(30)
    ]
    page = render_html(make_run([s], findings))
    plan = page[page.index('<section id="plan">') : page.index('<section id="findings">')]
    first, _, folded = plan.partition('<details class="more-resources">')
    assert all(f"<code>db-{i:03d}</code>" in first for i in range(20))
    assert "<summary>and 10 more</summary>" in folded
    assert all(f"<code>db-{i:03d}</code>" in folded for i in range(20, 30))


def test_100k_findings_render_bounded() -> None:
    run = big_run()
    page = render_html(run)
    assert len(page.encode("utf-8")) < 40 * 1024 * 1024
    # The static DOM stays small: a first page of rows per check, not 100,000 rows.
    assert page.count("<tr") < 200
    data = embedded(page)
    assert sum(len(r) for r in data["rows"].values()) == 100_000
    # The plan lists at most 500 resources per action and counts the rest.
    assert "listed under the check" in page


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
