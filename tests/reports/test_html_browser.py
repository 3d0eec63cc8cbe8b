"""The HTML report in headless Chromium: no console errors, the filter, sorting and pages work.

Chromium is Debian's (`/usr/bin/chromium`); the test drives it over the Chrome DevTools
Protocol with `websocket-client`, loading the rendered file through `file://`, so nothing touches
the network. Screenshots land in the test's tmp_path and, for people to look at, in
/tmp/hardening-report*.png.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardening.cli import main
from hardening.model import (
    CheckOutcome,
    CheckSpec,
    EstateInfo,
    Finding,
    OutcomeState,
    Remediation,
    ResourceRef,
    RunResult,
    Severity,
    Status,
)
from hardening.reports.html import render_html

CHROMIUM = Path("/usr/bin/chromium")
SHOT = Path("/tmp/hardening-report.png")
SHOT_FINDINGS = Path("/tmp/hardening-report-findings.png")
SHOT_BIG = Path("/tmp/hardening-report-100k.png")
TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package")

try:  # websocket-client, from the test extra; missing it is a failure, not a skip
    import websocket
except ImportError:
    websocket = None

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


class Cdp:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self.ws.close()

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def wait_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for i, ev in enumerate(self.events):
                if ev["method"] == method:
                    return self.events.pop(i)
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def eval(self, expression: str) -> Any:
        res = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in res:
            raise AssertionError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression: str) -> Any:
        """Poll `expression` until it is truthy (the page's own timers run meanwhile)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(expression)

    def problems(self) -> list[str]:
        """JS exceptions, console errors and browser log errors (CSP violations among them)."""
        self.eval("0")  # drain pending events
        out = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(p["exceptionDetails"])[:500])
            elif ev["method"] == "Runtime.consoleAPICalled" and p.get("type") in (
                "error",
                "assert",
            ):
                out.append(json.dumps(p.get("args"))[:500])
            elif ev["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"].get("text", "")[:500])
        return out

    def screenshot(self, *targets: Path, height: int | None = None) -> None:
        params: dict[str, Any] = {"format": "png"}
        if height is not None:
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": 1400, "height": height, "scale": 1}
        png = base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])
        assert png.startswith(b"\x89PNG")
        for target in targets:
            target.write_bytes(png)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Cdp]:
    if websocket is None:
        pytest.fail("websocket-client is not installed: pip install -e '.[test]'")
    profile = tmp_path / "profile"
    profile.mkdir()
    proc = subprocess.Popen(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "chromium.log").open("wb"),
    )
    cdp = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not port_file.exists() or not port_file.read_text().strip():
            assert proc.poll() is None, (tmp_path / "chromium.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "chromium did not start"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        # Loopback only; never through a proxy from the environment.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as resp:
            targets = json.load(resp)
        page = next(t for t in targets if t["type"] == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            cdp.call(f"{domain}.enable")
        cdp.call(
            "Emulation.setDeviceMetricsOverride",
            width=1400,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield cdp
    finally:
        if cdp is not None:
            cdp.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def open_page(cdp: Cdp, path: Path) -> None:
    cdp.call("Page.navigate", url=path.as_uri())
    cdp.wait_event("Page.loadEventFired")
    # The script ran (so the CSP hash matched) and showed the controls.
    assert cdp.wait_for("document.documentElement.classList.contains('js')")
    assert cdp.eval("document.getElementById('controls').hidden") is False


def visible_rows(cdp: Cdp, check_id: str) -> int:
    count: int = cdp.eval(
        f"document.getElementById({json.dumps('check-' + check_id)})"
        ".querySelectorAll('table.live tbody tr').length"
    )
    return count


def open_check(cdp: Cdp, check_id: str) -> None:
    sel = json.dumps("check-" + check_id)
    cdp.eval(f"document.getElementById({sel}).open = true")
    cdp.wait_for(
        f"document.getElementById({sel}).querySelector('.live-rows').childElementCount > 0"
    )


def set_filter(cdp: Cdp, text: str) -> None:
    cdp.eval(
        "(() => { const box = document.getElementById('filter');"
        f" box.value = {json.dumps(text)};"
        " box.dispatchEvent(new Event('input', {bubbles: true})); })()"
    )
    # The filter is debounced; the script records the text it applied.
    applied = json.dumps(text.strip().lower())
    cdp.wait_for(f"document.getElementById('controls').dataset.applied === {applied}")


# --------------------------------------------------------------------------- the demo report


def test_demo_report_in_chromium(browser: Cdp, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["scan", "--demo", "--no-store", "--format", "json", "-o", str(out)]) in (0, 1)
    run = RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))
    out.write_text(render_html(run), encoding="utf-8")
    open_page(browser, out)
    assert browser.problems() == []

    browser.screenshot(tmp_path / "demo.png", SHOT, height=2400)

    # The check with the most findings: open it, filter to one resource, then clear.
    counts: dict[str, int] = {}
    for f in run.findings:
        counts[f.check_id] = counts.get(f.check_id, 0) + 1
    check_id = max(counts, key=lambda c: counts[c])
    open_check(browser, check_id)
    before = visible_rows(browser, check_id)
    assert before == min(counts[check_id], 100)
    target = next(f for f in run.findings if f.check_id == check_id)
    set_filter(browser, target.resource.id)
    after = visible_rows(browser, check_id)
    expected = sum(
        1
        for f in run.findings
        if f.check_id == check_id
        and target.resource.id.lower() in f"{f.resource.kind} {f.resource.id} {f.detail}".lower()
    )
    assert after == expected
    assert after < before
    set_filter(browser, "no-such-resource-anywhere")
    assert visible_rows(browser, check_id) == 0
    hidden = browser.eval("[...document.querySelectorAll('details.check')].every(d => d.hidden)")
    assert hidden is True
    set_filter(browser, "")
    assert visible_rows(browser, check_id) == before

    # The status filter narrows to failures only.
    browser.eval(
        "(() => { const s = document.getElementById('status-filter'); s.value = 'fail';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    fails = sum(1 for f in run.findings if f.check_id == check_id and f.status is Status.FAIL)
    assert visible_rows(browser, check_id) == fails
    statuses = browser.eval(
        f"[...document.getElementById({json.dumps('check-' + check_id)})"
        ".querySelectorAll('table.live tbody tr td:first-child .pill:first-child')]"
        ".map(e => e.textContent)"
    )
    assert set(statuses) <= {"fail"}

    # Open the failing checks for the second screenshot.
    browser.eval("document.getElementById('expand-failing').click()")
    browser.eval(f"document.getElementById({json.dumps('check-' + check_id)}).scrollIntoView()")
    browser.screenshot(tmp_path / "demo-findings.png", SHOT_FINDINGS)
    assert browser.problems() == []


def test_hostile_report_runs_no_injected_script(browser: Cdp, tmp_path: Path) -> None:
    s = CheckSpec(
        "auth.stale_account",
        "Stale </script><script>window.pwned=1</script>",
        Severity.HIGH,
        "why",
        Remediation("fix <img src=x onerror=window.pwned=2>"),
    )
    evil = '</script><script>window.pwned=3</script>"onmouseover=window.pwned=4 x="'
    finding = Finding(s.id, Status.FAIL, Severity.HIGH, ResourceRef("account", evil), evil)
    out = tmp_path / "hostile.html"
    out.write_text(render_html(_run([s], [finding])), encoding="utf-8")
    open_page(browser, out)
    open_check(browser, s.id)
    assert visible_rows(browser, s.id) == 1
    text = browser.eval(
        "document.querySelector('table.live tbody tr td:nth-child(3) code').textContent"
    )
    assert text == evil
    assert browser.eval("typeof window.pwned") == "undefined"
    assert browser.problems() == []


def test_demo_report_without_javascript(browser: Cdp, tmp_path: Path) -> None:
    """With scripts disabled the page still shows counts, the plan and a first page per check."""
    out = tmp_path / "report.html"
    assert main(["scan", "--demo", "--no-store", "--format", "html", "-o", str(out)]) in (0, 1)
    browser.call("Emulation.setScriptExecutionDisabled", value=True)
    browser.call("Page.navigate", url=out.as_uri())
    browser.wait_event("Page.loadEventFired")
    assert browser.eval("document.documentElement.classList.contains('js')") is False
    assert browser.eval("document.getElementById('controls').hidden") is True
    assert browser.eval("document.querySelectorAll('#plan li.action').length") > 0
    assert browser.eval("document.querySelectorAll('.static-rows tbody tr').length") > 0
    assert browser.eval("document.querySelector('.card.st-fail .n').textContent") != ""
    browser.screenshot(tmp_path / "nojs.png")
    assert browser.problems() == []


# --------------------------------------------------------------------------- 100,000 findings


def test_100k_report_opens_and_paginates(browser: Cdp, tmp_path: Path) -> None:
    run = _big_run(100_000)
    out = tmp_path / "big.html"
    out.write_text(render_html(run), encoding="utf-8")
    open_page(browser, out)
    assert browser.problems() == []
    # Nothing but the summary in the DOM until a check is opened.
    assert browser.eval("document.querySelectorAll('tr').length") < 200

    check_id = "auth.stale_account"
    total = sum(1 for f in run.findings if f.check_id == check_id)
    open_check(browser, check_id)
    assert visible_rows(browser, check_id) == 100
    sel = f"document.getElementById({json.dumps('check-' + check_id)})"
    assert browser.eval(f"{sel}.querySelector('.page-info').textContent").startswith(
        f"Rows 1\u2013100 of {total}"
    )
    browser.eval(f"{sel}.querySelector('.pager button.next').click()")
    assert browser.wait_for(f"{sel}.querySelector('.page-info').textContent.startsWith('Rows 101')")
    assert visible_rows(browser, check_id) == 100

    # Sorting by resource, descending, puts the highest id first.
    browser.eval(f"{sel}.querySelector('th[data-col=\"2\"]').click()")
    browser.eval(f"{sel}.querySelector('th[data-col=\"2\"]').click()")
    first = browser.eval(
        f"{sel}.querySelector('table.live tbody tr td:nth-child(3) code').textContent"
    )
    ids = sorted(f.resource.id for f in run.findings if f.check_id == check_id)
    assert first == ids[-1]

    # The filter works at this size too.
    set_filter(browser, ids[0])
    assert visible_rows(browser, check_id) == 1
    set_filter(browser, "")
    assert visible_rows(browser, check_id) == 100
    browser.eval(f"{sel}.scrollIntoView()")
    browser.screenshot(tmp_path / "big.png", SHOT_BIG)
    assert browser.problems() == []


def _run(specs: list[CheckSpec], findings: list[Finding]) -> RunResult:
    start = datetime(2026, 11, 25, 20, 1, 2, tzinfo=UTC)
    return RunResult(
        id="20261125T200102Z-1a2b3c",
        started_at=start,
        finished_at=start + timedelta(seconds=2),
        estate=EstateInfo("Example Credit Union"),
        tool_version="0.1.0",
        checks={s.id: s for s in specs},
        findings=tuple(findings),
        outcomes={s.id: CheckOutcome(s.id, OutcomeState.COMPLETED, 1) for s in specs},
    )


def _big_run(n: int) -> RunResult:
    specs = [
        CheckSpec(cid, f"Title of {cid}", sev, "why", Remediation("Change it.", ("step",)))
        for cid, sev in (
            ("auth.stale_account", Severity.MEDIUM),
            ("auth.mfa_not_enforced", Severity.HIGH),
            ("datastore.tls_not_required", Severity.HIGH),
            ("datastore.internet_exposed", Severity.CRITICAL),
            ("placement.location_unknown", Severity.LOW),
        )
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
    return _run(specs, findings)
