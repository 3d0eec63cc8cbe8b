"""Live probes against real servers on 127.0.0.1 (Redis, PostgreSQL, an Elasticsearch-like node)
and small fake servers for what Debian's packages cannot show (MySQL handshakes, `trust`)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hardening.collectors import build_context
from hardening.collectors import probes as probes_mod
from hardening.collectors.probes import ProbeSettings, probe_datastore, probe_datastores
from hardening.estate import Datastore, Estate, Location, Organisation
from hardening.facets import ProbeResult

FAST = ProbeSettings(connect_timeout=0.5, read_timeout=0.5)
LOCALHOST = "127.0.0.1"
#: Planted by tests/conftest.py in the servers' data and banners.
CANARY_INDEX = "canary-index-xyz"
CANARY_VALUE = "canary-redis-value-8c1f"

# Fixture objects come from tests/conftest.py, not importable under --import-mode=importlib,
# so they are typed `Any` here.


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def _store(engine: str | None, endpoint: str | None, store_id: str = "db-1") -> Datastore:
    return Datastore(
        id=store_id, location=Location("estate.yaml", 3), engine=engine, endpoint=endpoint
    )


def _probe(engine: str | None, endpoint: str, settings: ProbeSettings = FAST) -> ProbeResult:
    return probe_datastore(_store(engine, endpoint), settings)


def _assert_no_canary(result: ProbeResult, *extra: str) -> None:
    text = repr(asdict(result))
    for canary in (CANARY_INDEX, CANARY_VALUE, "canary-banner", *extra):
        assert canary not in text


# --- Redis ---------------------------------------------------------------------------------------


def test_redis_without_password_is_anonymous(redis_open_server: Any) -> None:
    r = _probe("redis", redis_open_server.endpoint)
    assert (r.reachable, r.protocol, r.endpoint_kind) == (True, "redis", "tcp")
    assert r.anonymous_read is True
    assert r.auth_required is False
    assert r.plaintext_accepted is True
    assert r.public_address is False  # 127.0.0.1 is not globally routable
    assert (r.reason, r.error) == (None, None)
    _assert_no_canary(r)


def test_redis_with_requirepass_requires_auth(redis_auth_server: Any) -> None:
    r = _probe("redis", f"redis://{redis_auth_server.endpoint}/0")
    assert r.reachable is True
    assert r.auth_required is True
    assert r.anonymous_read is False
    assert r.plaintext_accepted is True  # NOAUTH still came back over plain TCP
    _assert_no_canary(r, str(redis_auth_server.password))


# --- PostgreSQL ----------------------------------------------------------------------------------


def test_postgresql_accepting_tls_less_sessions(postgres_server: Any) -> None:
    r = _probe("postgresql", f"{postgres_server.host}:{postgres_server.port}")
    assert (r.reachable, r.protocol) == (True, "postgresql")
    assert r.tls_offered is False  # no `ssl = on`: SSLRequest answered N
    assert r.plaintext_accepted is True  # md5 challenge over plain TCP
    assert r.auth_required is True
    assert r.anonymous_read is False
    assert r.reason is None


def test_postgresql_with_hostssl_only_refuses_tls_less_sessions(
    postgres_tls_server: Any,
) -> None:
    r = _probe("postgres", f"postgresql://{LOCALHOST}:{postgres_tls_server.port}/app")
    assert r.reachable is True
    assert r.tls_offered is True  # SSLRequest answered S
    assert r.plaintext_accepted is False  # pg_hba: no entry ... no encryption (SQLSTATE 28000)
    assert r.anonymous_read is None  # the probe never logs in over TLS
    assert r.reason is None


def test_postgresql_fixture_helpers(postgres_server: Any) -> None:
    assert postgres_server.psql("SELECT 1 + 1;").strip() == "2"
    assert postgres_server.psql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user;")[
        :1
    ] == ("t")
    dsn = postgres_server.dsn("postgres", "alice", "p@ss:/w")
    assert dsn == f"postgresql://alice:p%40ss%3A%2Fw@127.0.0.1:{postgres_server.port}/postgres"


# --- HTTP stores ---------------------------------------------------------------------------------


def test_elasticsearch_anonymous_index_listing(es_open_server: Any) -> None:
    before = len(es_open_server.requests_seen)
    r = _probe("elasticsearch", es_open_server.url)
    assert (r.reachable, r.protocol, r.endpoint_kind) == (True, "http", "http")
    assert r.anonymous_read is True
    assert r.auth_required is False
    assert r.plaintext_accepted is True
    assert es_open_server.requests_seen[before:] == ["/_cat/indices?format=json"]
    _assert_no_canary(r)


def test_elasticsearch_with_security_requires_auth(es_auth_server: Any) -> None:
    r = _probe("opensearch", es_auth_server.url)
    assert r.anonymous_read is False
    assert r.auth_required is True


def test_http_probe_drops_credentials_from_the_url_and_keeps_path_prefix(
    es_open_server: Any,
) -> None:
    before = len(es_open_server.requests_seen)
    url = f"http://admin:s3cret@{LOCALHOST}:{es_open_server.port}/es/"
    r = _probe("elasticsearch", url)
    assert r.anonymous_read is True
    assert es_open_server.requests_seen[before:] == ["/es/_cat/indices?format=json"]
    assert es_open_server.auth_headers_seen[before:] == [False]


def test_couchdb_and_generic_http_paths(es_open_server: Any) -> None:
    before = len(es_open_server.requests_seen)
    host_port = f"{LOCALHOST}:{es_open_server.port}"
    assert _probe("couchdb", host_port).anonymous_read is True
    assert _probe("json_api", f"{es_open_server.url}/v1/customers?limit=1").anonymous_read is True
    assert es_open_server.requests_seen[before:] == ["/_all_dbs", "/v1/customers?limit=1"]


# --- not reachable, timeouts, errors -------------------------------------------------------------


def test_refused_port_is_not_reachable_without_crash() -> None:
    port = free_port()
    for engine in ("redis", "postgresql", "mysql", "elasticsearch", "mongodb"):
        r = _probe(engine, f"{LOCALHOST}:{port}")
        assert r.reachable is False, engine
        assert r.reason == "refused", engine
        assert r.error is None
        assert r.anonymous_read is None


def test_unresolvable_host_is_reported_as_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("hardening.collectors.probes.socket.getaddrinfo", no_dns)
    for engine, endpoint in (("redis", "cache.corp.example:6379"), ("couchdb", "couch:5984")):
        r = _probe(engine, endpoint)
        assert (r.reachable, r.reason, r.public_address) == (False, "dns", None)


@pytest.mark.parametrize(
    ("engine", "endpoint"),
    [
        ("redis", "127.0.0.1:notaport"),
        ("mongodb", "127.0.0.1"),  # no default port for an engine without a probe
        ("postgresql", ":5432"),
        ("elasticsearch", "http://127.0.0.1:99999"),
        ("redis", "redis://[::1:6379"),
        ("http", "http://[fe80::1"),
    ],
)
def test_unusable_endpoint_is_reported_not_raised(engine: str, endpoint: str) -> None:
    r = _probe(engine, endpoint)
    assert (r.reachable, r.reason) == (False, "invalid_endpoint")


@contextmanager
def _silent_server(backlog: int = 128) -> Iterator[tuple[int, list[int]]]:
    """Accepts connections (kernel backlog) and never says a word; counts what it accepted."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((LOCALHOST, 0))
    srv.listen(backlog)
    accepted: list[int] = []
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(1)
            held.append(conn)

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield int(srv.getsockname()[1]), accepted
    finally:
        stop.set()
        t.join(5)
        for c in held:
            c.close()
        srv.close()


def test_silent_server_times_out_once_retried_and_is_reachable() -> None:
    settings = ProbeSettings(connect_timeout=0.5, read_timeout=0.2, retries=1)
    with _silent_server() as (port, accepted):
        start = time.monotonic()
        r = _probe("redis", f"{LOCALHOST}:{port}", settings)
        elapsed = time.monotonic() - start
        time.sleep(0.1)
    assert (r.reachable, r.reason) == (True, "timeout")
    assert r.anonymous_read is None
    assert len(accepted) == 2  # one retry, no more
    assert elapsed < 2


def test_connect_timeout_is_not_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[float] = []

    class BlackholeSocket(socket.socket):
        def connect(self, address: Any) -> None:
            attempts.append(self.gettimeout() or 0.0)
            raise TimeoutError("timed out")

    monkeypatch.setattr("hardening.collectors.probes.socket.socket", BlackholeSocket)
    r = _probe("postgresql", f"{LOCALHOST}:5432", ProbeSettings(connect_timeout=0.7))
    assert (r.reachable, r.reason) == (False, "timeout")
    assert attempts == [0.7, 0.7]  # the configured connect timeout, tried twice


def test_unexpected_exception_becomes_error_with_type_only(
    monkeypatch: pytest.MonkeyPatch, redis_open_server: Any
) -> None:
    def boom(*args: Any) -> None:
        raise ValueError("server said canary-index-xyz")

    monkeypatch.setitem(probes_mod._PROBES, "redis", boom)
    r = _probe("redis", redis_open_server.endpoint)
    assert r.error == "ValueError"
    assert r.reachable is False
    _assert_no_canary(r)


def test_a_thousand_dead_endpoints_finish_in_seconds() -> None:
    ports = [free_port() for _ in range(20)]
    stores = [
        _store(
            ("redis", "postgresql", "elasticsearch", "mysql")[i % 4],
            f"{LOCALHOST}:{ports[i % 20]}",
            f"s{i}",
        )
        for i in range(1000)
    ]
    start = time.monotonic()
    results = probe_datastores(stores)
    assert time.monotonic() - start < 15
    assert len(results) == 1000
    assert {r.reason for r in results.values()} == {"refused"}


def test_silent_endpoints_are_probed_concurrently() -> None:
    settings = ProbeSettings(connect_timeout=0.5, read_timeout=0.25, retries=1, max_in_flight=32)
    with _silent_server(backlog=1024) as (port, _):
        stores = [_store("redis", f"{LOCALHOST}:{port}", f"s{i}") for i in range(128)]
        start = time.monotonic()
        results = probe_datastores(stores, settings)
        elapsed = time.monotonic() - start
    # Serially: 128 x 2 x 0.25 s = 64 s; 32 at a time: about 2 s.
    assert elapsed < 10
    assert {r.reason for r in results.values()} == {"timeout"}


def test_in_flight_probes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    lock = threading.Lock()
    now = peak = 0

    def slow(target: Any, settings: ProbeSettings, outcome: Any) -> None:
        nonlocal now, peak
        with lock:
            now += 1
            peak = max(peak, now)
        time.sleep(0.02)
        with lock:
            now -= 1
        outcome.reachable = True

    monkeypatch.setitem(probes_mod._PROBES, "tcp", slow)
    stores = [_store("mongodb", f"{LOCALHOST}:27017", f"s{i}") for i in range(100)]
    results = probe_datastores(stores, ProbeSettings(max_in_flight=7))
    assert len(results) == 100
    assert peak == 7


def test_stores_without_endpoint_are_not_probed() -> None:
    assert probe_datastores([_store("redis", None)]) == {}


# --- fake servers: MySQL handshakes, PostgreSQL `trust` ------------------------------------------


@contextmanager
def _one_shot_server(reply: Callable[[socket.socket], None]) -> Iterator[int]:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((LOCALHOST, 0))
    srv.listen(8)
    srv.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with suppress(OSError):
                    reply(conn)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        t.join(5)
        srv.close()


def _mysql_handshake(caps: int) -> bytes:
    payload = (
        b"\x0a"
        + b"8.0.99-canary-banner\0"
        + struct.pack("<I", 7)
        + b"abcdefgh"
        + b"\0"
        + struct.pack("<H", caps & 0xFFFF)
        + b"\x21"
        + struct.pack("<H", 2)
        + struct.pack("<H", caps >> 16)
        + b"\x15"
        + b"\0" * 10
        + b"ijklmnopqrst\0"
        + b"caching_sha2_password\0"
    )
    return len(payload).to_bytes(3, "little") + b"\0" + payload


@pytest.mark.parametrize(("caps", "offered"), [(0xFFFF_F7FF, False), (0xFFFF_FFFF, True)])
def test_mysql_handshake_capability_says_whether_tls_is_offered(caps: int, offered: bool) -> None:
    with _one_shot_server(lambda c: c.sendall(_mysql_handshake(caps))) as port:
        r = _probe("mariadb", f"{LOCALHOST}:{port}")
    assert (r.reachable, r.protocol, r.tls_offered) == (True, "mysql", offered)
    assert r.plaintext_accepted is None  # require_secure_transport is invisible before login
    assert r.anonymous_read is None
    _assert_no_canary(r, "8.0.99")


def test_mysql_error_packet_is_a_server_error() -> None:
    packet = b"\xff" + struct.pack("<H", 1130) + b"Host 'canary-banner' is not allowed"
    wire = len(packet).to_bytes(3, "little") + b"\0" + packet
    with _one_shot_server(lambda c: c.sendall(wire)) as port:
        r = _probe("mysql", f"{LOCALHOST}:{port}")
    assert (r.reachable, r.reason, r.tls_offered) == (True, "server_error", None)


def _pg_trust(conn: socket.socket) -> None:
    assert conn.recv(8) == struct.pack("!II", 8, 80877103)
    conn.sendall(b"N")
    conn.recv(4096)  # StartupMessage
    conn.sendall(b"R" + struct.pack("!II", 8, 0))  # AuthenticationOk
    conn.sendall(b"S" + struct.pack("!I", 31) + b"server_version\x0016.9-canary\x00")


def test_postgresql_trust_is_anonymous() -> None:
    with _one_shot_server(_pg_trust) as port:
        r = _probe("postgresql", f"{LOCALHOST}:{port}")
    assert r.anonymous_read is True
    assert r.auth_required is False
    assert r.plaintext_accepted is True
    assert r.tls_offered is False
    _assert_no_canary(r, "16.9")


# --- build_context ---------------------------------------------------------------------------------


def test_build_context_probes_only_with_probe_flag(redis_open_server: Any) -> None:
    estate = Estate(
        Path("estate.yaml"),
        Organisation("Test CU"),
        datastores=(
            _store("redis", redis_open_server.endpoint, "cache"),
            _store("redis", None, "x"),
        ),
    )
    today = date(2026, 11, 25)
    assert build_context(estate, {"datastores"}, today).probes is None
    ctx = build_context(estate, {"datastores"}, today, probe=True)
    assert ctx.probes is not None
    assert set(ctx.probes) == {"cache"}
    assert ctx.probes["cache"].anonymous_read is True
    assert build_context(estate, {"accounts"}, today, probe=True).probes is None


def test_https_with_an_untrusted_certificate_is_tls_offered_but_inconclusive(
    tmp_path: Path,
) -> None:
    import http.server
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("`openssl` is missing (apt-get install openssl)")
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(crt)],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    httpd = http.server.HTTPServer((LOCALHOST, 0), http.server.BaseHTTPRequestHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        r = _probe("elasticsearch", f"https://{LOCALHOST}:{httpd.server_address[1]}")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (r.protocol, r.reachable, r.reason, r.tls_offered) == ("https", True, "tls_error", True)
    assert r.anonymous_read is None
