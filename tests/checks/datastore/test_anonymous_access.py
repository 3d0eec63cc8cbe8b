"""datastore.anonymous_access, and probe evidence in tls_not_required, internet_exposed and
placement.restricted_store_online: unit tests on `ProbeResult`s, then the engine and the CLI
against real servers from tests/conftest.py (Redis, PostgreSQL, an Elasticsearch-like node)."""

from __future__ import annotations

import json
import socket
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import hardening.checks.datastore.anonymous_access as anonymous_access
from hardening.check import Check, CheckContext
from hardening.checks.datastore.anonymous_access import AnonymousAccess
from hardening.checks.datastore.internet_exposed import InternetExposed
from hardening.checks.datastore.tls_not_required import TlsNotRequired
from hardening.checks.placement.restricted_store_online import RestrictedStoreOnline
from hardening.cli import main
from hardening.estate import Datastore, Encryption, Estate, Location, Organisation
from hardening.facets import ProbeResult
from hardening.model import Finding, OutcomeState, Severity, Status
from hardening.registry import from_modules
from hardening.runner import RunOptions, run_checks

TODAY = date(2026, 11, 25)
LOCALHOST = "127.0.0.1"
#: Planted by tests/conftest.py in the servers' data, banners and error bodies.
CANARIES = ("canary-index-xyz", "canary-redis-value-8c1f", "canary-banner")


def _store(**fields: Any) -> Datastore:
    fields.setdefault("id", "search")
    fields.setdefault("endpoint", "10.0.4.7:9200")
    fields.setdefault("engine", "elasticsearch")
    return Datastore(location=Location("estate.yaml", 7), **fields)


def _probe(store_id: str = "search", **fields: Any) -> ProbeResult:
    fields.setdefault("endpoint_kind", "http")
    fields.setdefault("protocol", "http")
    fields.setdefault("reachable", True)
    return ProbeResult(datastore_id=store_id, **fields)


def _ctx(store: Datastore, probe: ProbeResult | None) -> CheckContext:
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=(store,))
    probes = {} if probe is None else {probe.datastore_id: probe}
    return CheckContext(estate, TODAY, probes=probes)


def _judge(check: Check, store: Datastore, probe: ProbeResult | None) -> Finding:
    [finding] = check.evaluate(_ctx(store, probe))
    return finding


# --- datastore.anonymous_access --------------------------------------------------------------


@pytest.mark.parametrize(
    ("classification", "severity"),
    [
        ("restricted", Severity.CRITICAL),
        ("confidential", Severity.HIGH),
        ("internal", Severity.HIGH),
        ("public", Severity.LOW),
        (None, Severity.HIGH),
    ],
)
def test_anonymous_read_fails_with_severity_by_classification(
    classification: Any, severity: Severity
) -> None:
    probe = _probe(anonymous_read=True, auth_required=False, public_address=False)
    f = _judge(AnonymousAccess(), _store(classification=classification), probe)
    assert f.status is Status.FAIL
    assert f.severity is severity
    assert f.resource.id == "search"
    assert "without credentials" in f.detail
    assert f.remediation and "xpack.security.enabled: true" in f.remediation
    if classification is None:
        assert "treated as confidential" in f.detail


def test_anonymous_read_on_a_public_address_is_critical() -> None:
    probe = _probe(anonymous_read=True, public_address=True)
    f = _judge(AnonymousAccess(), _store(classification="internal"), probe)
    assert f.severity is Severity.CRITICAL
    assert "globally routable" in f.detail


def test_anonymous_redis_and_postgres_trust_name_what_happened() -> None:
    redis = _store(id="cache", engine="redis", endpoint="10.0.3.9:6379")
    f = _judge(AnonymousAccess(), redis, _probe("cache", protocol="redis", anonymous_read=True))
    assert "PING and INFO without AUTH" in f.detail
    assert f.remediation and "ACL SETUSER default off" in f.remediation
    pg = _store(id="pg", engine="postgres", endpoint="10.0.3.9:5432")
    f = _judge(AnonymousAccess(), pg, _probe("pg", protocol="postgresql", anonymous_read=True))
    assert "`trust`" in f.detail
    assert f.remediation and "scram-sha-256" in f.remediation


def test_auth_required_passes() -> None:
    probe = _probe(anonymous_read=False, auth_required=True)
    f = _judge(AnonymousAccess(), _store(classification="restricted"), probe)
    assert f.status is Status.PASS
    assert "demanded credentials" in f.detail


def test_no_endpoint_is_skipped() -> None:
    f = _judge(AnonymousAccess(), _store(endpoint=None), None)
    assert f.status is Status.SKIP
    assert "no endpoint declared" in f.detail


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("refused", "connection was refused"),
        ("timeout", "timed out"),
        ("dns", "did not resolve"),
        ("invalid_endpoint", "could not be parsed"),
    ],
)
def test_unreachable_store_is_skipped_with_the_reason(reason: str, words: str) -> None:
    f = _judge(AnonymousAccess(), _store(), _probe(reachable=False, reason=reason))
    assert f.status is Status.SKIP
    assert "not reachable from the audit host" in f.detail
    assert words in f.detail
    assert f.evidence["reason"] == reason


def test_inconclusive_probes_are_skipped_not_passed() -> None:
    mysql = _store(id="db", engine="mysql", endpoint="10.0.3.9:3306")
    f = _judge(AnonymousAccess(), mysql, _probe("db", protocol="mysql", tls_offered=True))
    assert f.status is Status.SKIP
    assert "never logs in" in f.detail
    f = _judge(AnonymousAccess(), _store(), _probe(reason="unexpected_status"))
    assert f.status is Status.SKIP
    assert "HTTP status" in f.detail
    f = _judge(AnonymousAccess(), _store(), _probe(reachable=False, error="KeyError"))
    assert f.status is Status.SKIP
    assert "probe failed (KeyError)" in f.detail


# --- probe evidence in the declared-value checks ---------------------------------------------


def test_tls_required_declared_but_plaintext_accepted_fails_confirmed_by_probe() -> None:
    store = _store(
        id="pg",
        engine="postgresql",
        classification="restricted",
        encryption=Encryption(in_transit="required"),
    )
    probe = _probe("pg", protocol="postgresql", plaintext_accepted=True, tls_offered=False)
    f = _judge(TlsNotRequired(), store, probe)
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert "declared required" in f.detail
    assert "accepted a TLS-less session" in f.detail
    assert "confirmed by probe" in f.detail
    assert f.remediation and "hostssl" in f.remediation


def test_tls_off_declared_and_probed_is_confirmed() -> None:
    store = _store(id="c", engine="redis", encryption=Encryption(in_transit="off"))
    f = _judge(TlsNotRequired(), store, _probe("c", protocol="redis", plaintext_accepted=True))
    assert f.status is Status.FAIL
    assert "TLS is off" in f.detail
    assert "confirmed by probe" in f.detail


def test_tls_undeclared_but_probe_shows_plaintext_fails() -> None:
    store = _store(id="c", engine="redis")
    f = _judge(TlsNotRequired(), store, _probe("c", protocol="redis", plaintext_accepted=True))
    assert f.status is Status.FAIL
    assert "not declared" in f.detail


def test_mysql_not_offering_tls_fails_whatever_is_declared() -> None:
    store = _store(id="m", engine="mysql", encryption=Encryption(in_transit="required"))
    f = _judge(TlsNotRequired(), store, _probe("m", protocol="mysql", tls_offered=False))
    assert f.status is Status.FAIL
    assert "does not offer TLS" in f.detail


def test_tls_required_and_plaintext_refused_passes_with_confirmation() -> None:
    store = _store(id="pg", engine="postgresql", encryption=Encryption(in_transit="required"))
    probe = _probe("pg", protocol="postgresql", plaintext_accepted=False, tls_offered=True)
    f = _judge(TlsNotRequired(), store, probe)
    assert f.status is Status.PASS
    assert "refused" in f.detail


def test_tls_off_declared_stays_failed_when_the_probe_was_refused() -> None:
    # The probe tried one user name; pg_hba may still admit others without TLS.
    store = _store(id="pg", engine="postgresql", encryption=Encryption(in_transit="off"))
    probe = _probe("pg", protocol="postgresql", plaintext_accepted=False, tls_offered=True)
    assert _judge(TlsNotRequired(), store, probe).status is Status.FAIL


def test_unreachable_probe_leaves_tls_verdict_to_the_declaration() -> None:
    store = _store(id="pg", engine="postgresql", encryption=Encryption(in_transit="required"))
    probe = _probe("pg", protocol="postgresql", reachable=False, reason="refused")
    f = _judge(TlsNotRequired(), store, probe)
    assert f.status is Status.PASS
    assert f.detail == "TLS is required for every client"


def test_internal_store_answering_on_a_public_address_is_internet_exposed() -> None:
    store = _store(classification="confidential", internet_exposed=False, zone="app_tier")
    f = _judge(InternetExposed(), store, _probe(public_address=True))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert "globally routable" in f.detail
    assert "confirmed by probe" in f.detail


def test_private_address_reachable_does_not_make_a_store_internet_exposed() -> None:
    store = _store(classification="confidential", internet_exposed=False, zone="app_tier")
    assert _judge(InternetExposed(), store, _probe(public_address=False)).status is Status.PASS
    undeclared = _store(classification="confidential")
    f = _judge(InternetExposed(), undeclared, _probe(public_address=False))
    assert f.status is Status.SKIP
    assert "private address" in f.detail


def test_offline_restricted_store_answering_a_probe_is_online() -> None:
    store = _store(classification="restricted", zone="offline")
    f = _judge(RestrictedStoreOnline(), store, _probe(public_address=False))
    assert f.status is Status.FAIL
    assert f.severity is Severity.HIGH
    assert "reachable from the audit host" in f.detail
    assert f.remediation


def test_offline_restricted_store_not_reachable_passes_with_confirmation() -> None:
    store = _store(classification="restricted", zone="isolated")
    f = _judge(RestrictedStoreOnline(), store, _probe(reachable=False, reason="timeout"))
    assert f.status is Status.PASS
    assert "confirmed by probe: not reachable from the audit host (timeout)" in f.detail


# --- engine and CLI against real servers -------------------------------------------------------


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def _real_stores(
    redis_open: Any, redis_auth: Any, es_open: Any, es_auth: Any
) -> tuple[Datastore, ...]:
    loc = Location("estate.yaml", 1)
    return (
        Datastore("open-cache", loc, engine="redis", classification="confidential",
                  endpoint=redis_open.endpoint),
        Datastore("locked-cache", loc, engine="redis", classification="confidential",
                  endpoint=redis_auth.endpoint),
        Datastore("open-search", loc, engine="elasticsearch", classification="restricted",
                  endpoint=es_open.url),
        Datastore("locked-search", loc, engine="elasticsearch", classification="restricted",
                  endpoint=es_auth.url),
        Datastore("dead", loc, engine="redis", classification="internal",
                  endpoint=f"{LOCALHOST}:{_dead_port()}"),
        Datastore("no-endpoint", loc, engine="redis", classification="internal"),
    )  # fmt: skip


def test_engine_run_with_probes_against_real_servers(
    redis_open_server: Any, redis_auth_server: Any, es_open_server: Any, es_auth_server: Any
) -> None:
    stores = _real_stores(redis_open_server, redis_auth_server, es_open_server, es_auth_server)
    estate = Estate(Path("estate.yaml"), Organisation("Test CU"), datastores=stores)
    registry = from_modules([anonymous_access])
    run = run_checks(estate, registry, RunOptions(today=TODAY, probe=True))
    by_id = {f.resource.id: f for f in run.findings}
    assert by_id["open-cache"].status is Status.FAIL
    assert by_id["open-cache"].severity is Severity.HIGH
    assert by_id["open-search"].status is Status.FAIL
    assert by_id["open-search"].severity is Severity.CRITICAL
    assert by_id["locked-cache"].status is Status.PASS
    assert by_id["locked-search"].status is Status.PASS
    assert by_id["dead"].status is Status.SKIP
    assert "connection was refused" in by_id["dead"].detail
    assert by_id["no-endpoint"].status is Status.SKIP

    text = json.dumps(run.to_dict())
    for canary in (*CANARIES, str(redis_auth_server.password)):
        assert canary not in text

    # Without --probe the check is skipped as a whole, saying how to run it.
    run = run_checks(estate, registry, RunOptions(today=TODAY))
    assert run.outcomes["datastore.anonymous_access"].state is OutcomeState.SKIPPED
    assert "--probe" in (run.outcomes["datastore.anonymous_access"].reason or "")


def test_cli_scan_with_probe(
    tmp_path: Path,
    redis_open_server: Any,
    redis_auth_server: Any,
    es_open_server: Any,
    postgres_server: Any,
    postgres_tls_server: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dead = _dead_port()
    # The PostgreSQL endpoint carries the superuser's password: it must never be echoed.
    pg_dsn = postgres_server.dsn("postgres")
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        f"""version: 1
organisation: {{name: Probe CU}}
datastores:
  - {{id: session-cache, engine: redis, classification: confidential, zone: app_tier,
     endpoint: "{redis_open_server.endpoint}", encryption: {{in_transit: required}}}}
  - {{id: locked-cache, engine: redis, classification: confidential, zone: app_tier,
     endpoint: "{redis_auth_server.endpoint}"}}
  - {{id: search, engine: elasticsearch, classification: internal, zone: app_tier,
     endpoint: "{es_open_server.url}"}}
  - {{id: core-db, engine: postgresql, classification: restricted, zone: isolated,
     endpoint: "{pg_dsn}", encryption: {{in_transit: required}}}}
  - {{id: card-vault, engine: postgresql, classification: restricted, zone: isolated,
     endpoint: "{LOCALHOST}:{postgres_tls_server.port}", encryption: {{in_transit: required}}}}
  - {{id: archive, engine: redis, classification: restricted, zone: offline,
     endpoint: "{LOCALHOST}:{dead}"}}
"""
    )
    out = tmp_path / "reports"
    argv = ["scan", str(estate), "--probe", "--no-store", "--no-progress", "--today", "2026-11-25"]
    argv += ["--check", "datastore", "--check", "placement"]
    formats = ["json", "terminal", "markdown", "html", "sarif", "csv"]
    code = main([*argv, *[x for f in formats for x in ("--format", f)], "-o", str(out)])
    assert code == 1
    [report] = out.glob("*.json")
    doc = json.loads(report.read_text())
    got = {(f["check_id"], f["resource"]["id"]): f for f in doc["findings"]}

    def status(check: str, store: str) -> str:
        return str(got[(check, store)]["status"])

    assert status("datastore.anonymous_access", "session-cache") == "fail"
    assert status("datastore.anonymous_access", "search") == "fail"
    assert status("datastore.anonymous_access", "locked-cache") == "pass"
    assert status("datastore.anonymous_access", "archive") == "skip"
    tls_cache = got[("datastore.tls_not_required", "session-cache")]
    assert tls_cache["status"] == "fail"
    assert "confirmed by probe" in tls_cache["detail"]
    tls_core = got[("datastore.tls_not_required", "core-db")]
    assert tls_core["status"] == "fail"
    assert "accepted a TLS-less session" in tls_core["detail"]
    assert status("datastore.tls_not_required", "card-vault") == "pass"
    online = got[("placement.restricted_store_online", "core-db")]
    assert online["status"] == "fail"
    assert "reachable from the audit host" in online["detail"]
    archive = got[("placement.restricted_store_online", "archive")]
    assert archive["status"] == "pass"
    assert "not reachable from the audit host (refused)" in archive["detail"]

    outputs = [p.read_text(errors="replace") for p in out.iterdir()]
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err]
    secrets_ = (*CANARIES, postgres_server.superuser_password, str(redis_auth_server.password))
    for text in outputs:
        for secret in secrets_:
            assert secret not in text
