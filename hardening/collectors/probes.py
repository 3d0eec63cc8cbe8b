"""Live probes (`--probe`): ask each data store's declared endpoint what it lets a stranger do.

Only endpoints declared in the estate are contacted, only from the audit host, and only with
requests a client without credentials could send. The engine decides the probe:

* `redis`: RESP `PING`, then `INFO server`, without `AUTH`. `+PONG` and a bulk reply mean
  anonymous access; `-NOAUTH` / `-WRONGPASS` mean a password is required. Any RESP reply on the
  plain port means the server accepts TLS-less sessions.
* `postgresql`: an `SSLRequest` (the `S`/`N` answer says whether TLS is offered), then a
  `StartupMessage` *without* TLS for user `hardening_probe`, database `postgres`. An
  authentication request means TLS-less connections are accepted (`AuthenticationOk` means the
  server trusts any client: anonymous); an error with SQLSTATE 28000 means pg_hba refused the
  TLS-less connection (`hostssl` only, or `hostnossl ... reject`).
* `mysql`: the server's initial handshake; its `CLIENT_SSL` capability says whether TLS is
  offered. Whether `require_secure_transport` is on cannot be seen before login, so MySQL
  probes never conclude that plaintext is accepted or refused.
* `elasticsearch` / `opensearch`: `GET /_cat/indices?format=json`; `couchdb`: `GET /_all_dbs`;
  `http` / `json_api` (or any `http(s)://` endpoint): `GET` the URL. 2xx is an anonymous read,
  401/403 means authentication is required. No redirect is followed, the body is never read, and
  neither proxies nor `.netrc` credentials from the environment are used.
* Any other engine with a `host:port` endpoint: a TCP connect (reachability only).

A probe that is refused, times out or cannot resolve its host is evidence that the store is not
reachable from the audit host, recorded with the reason. An unexpected exception becomes a
`ProbeResult` with `error` set to the exception's type. Results hold conclusions only: nothing
the server sent (banners, versions, index or database names, messages, bodies) is kept.

Timeouts are short (connect 2 s, read 3 s), a timeout is retried once, and at most 32 probes are
in flight, so a refused endpoint costs milliseconds and a silent one at most
2 x (connect + read) seconds, shared 32 ways.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
import ssl
import struct
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit, urlunsplit

from hardening.estate import Datastore
from hardening.facets import ProbeResult

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_IN_FLIGHT",
    "PROBE_USER",
    "READ_TIMEOUT",
    "RETRIES",
    "ProbeSettings",
    "probe_datastore",
    "probe_datastores",
]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT: Final = 2.0
"""Seconds to wait for a TCP connection (and for requests' connect phase)."""
READ_TIMEOUT: Final = 3.0
"""Seconds to wait for each answer once connected."""
RETRIES: Final = 1
"""Further attempts after a timeout (a refusal or DNS failure is not retried)."""
MAX_IN_FLIGHT: Final = 32
"""Probes running at the same time."""
PROBE_USER: Final = "hardening_probe"
"""User name a PostgreSQL probe presents (it never sends a password)."""

#: Never read more than this from a server, whatever length it announces.
_MAX_READ: Final = 64 * 1024

_ALIASES: Final = {
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mariadb": "mysql",
    "rediss": "redis",
    "opensearch": "elasticsearch",
    "es": "elasticsearch",
}
_DEFAULT_PORTS: Final = {"redis": 6379, "postgresql": 5432, "mysql": 3306}
#: Path each HTTP engine is asked for, relative to the endpoint's path; None = the URL as given.
_HTTP_PATHS: Final[dict[str, str | None]] = {
    "elasticsearch": "/_cat/indices?format=json",
    "couchdb": "/_all_dbs",
    "http": None,
    "json_api": None,
}


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    """Timeouts and bounds of a probe run."""

    connect_timeout: float = CONNECT_TIMEOUT
    """Seconds to wait for a connection."""
    read_timeout: float = READ_TIMEOUT
    """Seconds to wait for each answer."""
    retries: int = RETRIES
    """Further attempts after a timeout."""
    max_in_flight: int = MAX_IN_FLIGHT
    """Probes running at the same time."""


class _EndpointError(ValueError):
    """The declared endpoint cannot be probed (its text is never put in the message)."""


@dataclass(frozen=True, slots=True)
class _Target:
    datastore_id: str
    protocol: str
    """`redis`, `postgresql`, `mysql`, `tcp` or `http`."""
    host: str
    port: int
    url: str | None = None
    """For `http`: the URL to GET, with any user:password removed."""

    @property
    def kind(self) -> str:
        return "http" if self.protocol == "http" else "tcp"


@dataclass(slots=True)
class _Outcome:
    """What one attempt found out so far; turned into a `ProbeResult` at the end."""

    protocol: str
    reachable: bool = False
    reason: str | None = None
    anonymous_read: bool | None = None
    tls_offered: bool | None = None
    plaintext_accepted: bool | None = None
    auth_required: bool | None = None
    public_address: bool | None = None
    error: str | None = None


def probe_datastores(
    stores: Iterable[Datastore], settings: ProbeSettings | None = None
) -> dict[str, ProbeResult]:
    """Probe every store that declares an endpoint, at most `max_in_flight` at a time."""
    settings = settings or ProbeSettings()
    targets = [s for s in stores if s.endpoint]
    if not targets:
        return {}
    workers = max(1, min(settings.max_in_flight, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        results = list(pool.map(lambda s: probe_datastore(s, settings), targets))
    return {r.datastore_id: r for r in results}


def probe_datastore(store: Datastore, settings: ProbeSettings | None = None) -> ProbeResult:
    """Probe one store's declared endpoint; never raises."""
    settings = settings or ProbeSettings()
    try:
        target = _target(store)
    except ValueError as exc:  # _EndpointError, or urlsplit on e.g. an unclosed IPv6 bracket
        why = str(exc) if isinstance(exc, _EndpointError) else type(exc).__name__
        log.warning("datastore %s: endpoint not probed: %s", store.id, why)
        kind = "http" if _engine(store) in _HTTP_PATHS else "tcp"
        return ProbeResult(store.id, kind, kind, reachable=False, reason="invalid_endpoint")
    outcome = _Outcome(protocol=target.protocol)
    try:
        for attempt in range(settings.retries + 1):
            outcome = _Outcome(protocol=target.protocol)
            _PROBES[target.protocol](target, settings, outcome)
            if outcome.reason != "timeout" or attempt == settings.retries:
                break
            log.info("datastore %s: probe timed out, retrying", store.id)
    except Exception as exc:
        # The message may quote the endpoint or the server: keep the type only.
        log.warning("datastore %s: probe failed with %s", store.id, type(exc).__name__)
        outcome.error = type(exc).__name__
    result = ProbeResult(
        datastore_id=store.id,
        endpoint_kind=target.kind,
        protocol=outcome.protocol,
        reachable=outcome.reachable,
        reason=outcome.reason,
        anonymous_read=outcome.anonymous_read,
        tls_offered=outcome.tls_offered,
        plaintext_accepted=outcome.plaintext_accepted,
        auth_required=outcome.auth_required,
        public_address=outcome.public_address,
        error=outcome.error,
    )
    log.info(
        "datastore %s: probe %s reachable=%s reason=%s",
        store.id,
        result.protocol,
        result.reachable,
        result.reason,
    )
    return result


# --- endpoint parsing -------------------------------------------------------------------------


def _engine(store: Datastore) -> str:
    engine = (store.engine or "").strip().lower()
    return _ALIASES.get(engine, engine)


def _target(store: Datastore) -> _Target:
    endpoint = (store.endpoint or "").strip()
    engine = _engine(store)
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        scheme = parts.scheme.lower()
        if scheme in {"http", "https"}:
            return _http_target(store.id, engine, parts)
        protocol = engine if engine in _DEFAULT_PORTS else _ALIASES.get(scheme, scheme)
    else:
        parts = urlsplit("//" + endpoint)
        if engine in _HTTP_PATHS:
            return _http_target(store.id, engine, parts._replace(scheme="http"))
        protocol = engine
    if protocol not in _DEFAULT_PORTS:
        protocol = "tcp"
    host, port = _host_port(parts, _DEFAULT_PORTS.get(protocol))
    return _Target(store.id, protocol, host, port)


def _host_port(parts: SplitResult, default: int | None) -> tuple[str, int]:
    try:
        port = parts.port
    except ValueError:
        raise _EndpointError("port is not a number in 0-65535") from None
    host = parts.hostname
    if not host:
        raise _EndpointError("no host in the endpoint")
    port = port or default
    if not port:
        raise _EndpointError("no port in the endpoint and no default for its engine")
    return host, port


def _http_target(store_id: str, engine: str, parts: SplitResult) -> _Target:
    scheme = parts.scheme.lower()
    host, port = _host_port(parts, 443 if scheme == "https" else 80)
    # Credentials in the URL would make the read authenticated: drop them.
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    api = _HTTP_PATHS.get(engine)
    if api is None:
        path, query = parts.path or "/", parts.query
    else:
        api_path, _, query = api.partition("?")
        path = parts.path.rstrip("/") + api_path
    url = urlunsplit((scheme, netloc, path, query, ""))
    return _Target(store_id, "http", host, port, url)


# --- TCP plumbing -----------------------------------------------------------------------------


def _reason(exc: BaseException) -> str | None:
    """`refused`, `timeout`, `dns` or `unreachable` for a connection failure, else None."""
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
        if isinstance(cause, TimeoutError):
            return "timeout"
        if isinstance(cause, OSError) and cause.errno in {
            errno.ENETUNREACH,
            errno.EHOSTUNREACH,
            errno.EADDRNOTAVAIL,
        }:
            return "unreachable"
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps (`__cause__`, `__context__`, urllib3's `reason`)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for nxt in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _resolve(host: str, port: int, outcome: _Outcome) -> tuple[int, tuple[object, ...]] | None:
    """First address of `host`, or None with `outcome.reason` set to `dns`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        outcome.reason = "dns"
        return None
    family, _, _, _, sockaddr = infos[0]
    outcome.public_address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0]).is_global
    return family, tuple(sockaddr)


@contextmanager
def _connected(
    target: _Target, settings: ProbeSettings, outcome: _Outcome
) -> Iterator[socket.socket | None]:
    """A socket connected to the target, or None with `outcome.reason` set."""
    resolved = _resolve(target.host, target.port, outcome)
    if resolved is None:
        yield None
        return
    family, sockaddr = resolved
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(settings.connect_timeout)
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            outcome.reason = _reason(exc) or "unreachable"
            yield None
            return
        outcome.reachable = True
        sock.settimeout(settings.read_timeout)
        try:
            yield sock
        except TimeoutError:
            outcome.reason = "timeout"
        except ConnectionError:
            # Reset or closed mid-conversation: connected, but nothing conclusive came back.
            if outcome.reason is None:
                outcome.reason = "no_answer"
    finally:
        sock.close()


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    """Exactly `n` bytes, or fewer if the server closed the connection."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), _MAX_READ))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def _recv_line(sock: socket.socket, limit: int = 4096) -> bytes:
    """One CRLF-terminated line (without the CRLF), or what arrived before the server closed."""
    buf = bytearray()
    while len(buf) < limit:
        ch = sock.recv(1)
        if not ch:
            break
        buf += ch
        if buf.endswith(b"\r\n"):
            return bytes(buf[:-2])
    return bytes(buf)


def _discard(sock: socket.socket, n: int) -> None:
    """Read and drop up to `n` bytes (a bulk reply we must not keep)."""
    remaining = min(n, _MAX_READ)
    while remaining > 0:
        chunk = sock.recv(min(remaining, 16384))
        if not chunk:
            return
        remaining -= len(chunk)


# --- protocol probes --------------------------------------------------------------------------


def _probe_tcp(target: _Target, settings: ProbeSettings, outcome: _Outcome) -> None:
    with _connected(target, settings, outcome):
        pass


_REDIS_PING: Final = b"*1\r\n$4\r\nPING\r\n"
_REDIS_INFO: Final = b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"
_REDIS_AUTH_ERRORS: Final = (b"-NOAUTH", b"-WRONGPASS", b"-ERR operation not permitted")


def _probe_redis(target: _Target, settings: ProbeSettings, outcome: _Outcome) -> None:
    with _connected(target, settings, outcome) as sock:
        if sock is None:
            return
        sock.sendall(_REDIS_PING)
        line = _recv_line(sock)
        if not line:
            # Closed on a plaintext PING: a TLS-only port, or not Redis at all; cannot tell.
            outcome.reason = "no_answer"
            return
        if not line.startswith((b"+", b"-", b"$", b"*", b":")):
            outcome.reason = "no_answer"
            return
        outcome.plaintext_accepted = True
        if line.startswith(_REDIS_AUTH_ERRORS):
            outcome.auth_required = True
            outcome.anonymous_read = False
        elif line.startswith(b"-DENIED"):
            # Protected mode: no password set, but remote clients are refused.
            outcome.anonymous_read = False
        elif line == b"+PONG":
            outcome.auth_required = False
            sock.sendall(_REDIS_INFO)
            reply = _recv_line(sock)
            if reply.startswith(b"$") and reply[1:].isdigit():
                _discard(sock, int(reply[1:]) + 2)
                outcome.anonymous_read = True
            elif reply.startswith(b"-"):
                # An ACL default user allowed PING but not INFO: a session, not a read.
                outcome.anonymous_read = False
            else:
                outcome.reason = "no_answer"
        else:
            outcome.reason = "server_error"


_PG_SSL_REQUEST: Final = struct.pack("!II", 8, 80877103)
_PG_PROTOCOL_3: Final = 196608
_PG_TERMINATE: Final = b"X" + struct.pack("!I", 4)
#: SQLSTATE invalid_authorization_specification: pg_hba has no entry for, or rejects, the
#: connection. Before authentication that is the only way to get it.
_PG_HBA_REFUSED: Final = "28000"


def _pg_startup() -> bytes:
    params = b"".join(
        k + b"\0" + v + b"\0"
        for k, v in (
            (b"user", PROBE_USER.encode()),
            (b"database", b"postgres"),
            (b"application_name", b"hardening-probe"),
        )
    )
    body = struct.pack("!I", _PG_PROTOCOL_3) + params + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def _pg_message(sock: socket.socket) -> tuple[bytes, bytes]:
    """One backend message as (type, body); type is empty when the server closed."""
    head = _recv_exact(sock, 5)
    if len(head) < 5:
        return b"", b""
    (length,) = struct.unpack("!I", head[1:])
    body = _recv_exact(sock, max(0, min(length - 4, _MAX_READ)))
    return head[:1], body


def _pg_sqlstate(body: bytes) -> str | None:
    """The SQLSTATE (`C` field) of an ErrorResponse; the message text is never looked at."""
    for item in body.split(b"\0"):
        if item[:1] == b"C":
            return item[1:].decode("ascii", "replace")
    return None


def _probe_postgresql(target: _Target, settings: ProbeSettings, outcome: _Outcome) -> None:
    answer = b""
    with _connected(target, settings, outcome) as sock:
        if sock is None:
            return
        sock.sendall(_PG_SSL_REQUEST)
        answer = _recv_exact(sock, 1)
        outcome.tls_offered = {b"S": True, b"N": False}.get(answer)
        if answer == b"N":
            _pg_startup_without_tls(sock, outcome)
            return
    if answer != b"S" or outcome.reason is not None:
        if outcome.reachable and outcome.reason is None:
            outcome.reason = "no_answer"
        return
    # After `S` the server expects a TLS handshake on that connection: start a fresh one.
    with _connected(target, settings, outcome) as sock:
        if sock is not None:
            _pg_startup_without_tls(sock, outcome)


def _pg_startup_without_tls(sock: socket.socket, outcome: _Outcome) -> None:
    sock.sendall(_pg_startup())
    for _ in range(8):
        kind, body = _pg_message(sock)
        if kind in {b"v", b"N"}:  # NegotiateProtocolVersion, NoticeResponse
            continue
        if kind == b"R" and len(body) >= 4:
            (code,) = struct.unpack("!I", body[:4])
            outcome.plaintext_accepted = True
            if code == 0:
                # AuthenticationOk before any password: `trust` applies to any user name.
                outcome.auth_required = False
                outcome.anonymous_read = True
            else:
                outcome.auth_required = True
                outcome.anonymous_read = False
        elif kind == b"E":
            if _pg_sqlstate(body) == _PG_HBA_REFUSED:
                outcome.plaintext_accepted = False
            else:
                outcome.reason = "server_error"
        else:
            outcome.reason = "no_answer"
        break
    with suppress(OSError):
        sock.sendall(_PG_TERMINATE)


_MYSQL_CLIENT_SSL: Final = 0x0800


def _probe_mysql(target: _Target, settings: ProbeSettings, outcome: _Outcome) -> None:
    with _connected(target, settings, outcome) as sock:
        if sock is None:
            return
        head = _recv_exact(sock, 4)
        if len(head) < 4:
            outcome.reason = "no_answer"
            return
        length = int.from_bytes(head[:3], "little")
        payload = _recv_exact(sock, min(length, 4096))
        if payload[:1] == b"\xff":
            # An error packet instead of a handshake (host blocked, too many connections).
            outcome.reason = "server_error"
            return
        if payload[:1] != b"\x0a":
            outcome.reason = "no_answer"
            return
        end = payload.find(b"\0", 1)  # end of the server version string (not kept)
        caps_at = end + 1 + 4 + 8 + 1
        if end < 0 or len(payload) < caps_at + 2:
            outcome.reason = "no_answer"
            return
        (caps,) = struct.unpack("<H", payload[caps_at : caps_at + 2])
        outcome.tls_offered = bool(caps & _MYSQL_CLIENT_SSL)


def _probe_http(target: _Target, settings: ProbeSettings, outcome: _Outcome) -> None:
    import requests
    from urllib3.exceptions import NewConnectionError

    assert target.url is not None
    scheme = urlsplit(target.url).scheme
    outcome.protocol = scheme
    if _resolve(target.host, target.port, outcome) is None:
        return
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxies, no .netrc credentials: a stranger's view
            response = session.get(
                target.url,
                timeout=(settings.connect_timeout, settings.read_timeout),
                allow_redirects=False,
                stream=True,  # the body is never read
                headers={"User-Agent": "hardening-probe", "Accept": "application/json"},
            )
            status = response.status_code
            response.close()
    except requests.exceptions.SSLError as exc:
        outcome.reachable = True
        outcome.reason = "tls_error"
        if any(isinstance(c, ssl.SSLCertVerificationError) for c in _causes(exc)):
            outcome.tls_offered = True
        return
    except requests.exceptions.ConnectTimeout:
        outcome.reason = "timeout"
        return
    except requests.exceptions.ReadTimeout:
        outcome.reachable = True
        outcome.reason = "timeout"
        return
    except requests.exceptions.ConnectionError as exc:
        reason = _reason(exc)
        if reason is None and any(isinstance(c, NewConnectionError) for c in _causes(exc)):
            reason = "unreachable"
        if reason is None:
            # Connected, then the server hung up or spoke something that is not HTTP.
            outcome.reachable = True
            outcome.reason = "no_answer"
        else:
            outcome.reason = reason
        return
    outcome.reachable = True
    if scheme == "https":
        outcome.tls_offered = True
    else:
        outcome.plaintext_accepted = True
    if 200 <= status < 300:
        outcome.anonymous_read = True
        outcome.auth_required = False
    elif status in {401, 403}:
        outcome.anonymous_read = False
        outcome.auth_required = True
    else:
        outcome.reason = "unexpected_status"


_PROBES: Final[dict[str, Callable[[_Target, ProbeSettings, _Outcome], None]]] = {
    "tcp": _probe_tcp,
    "redis": _probe_redis,
    "postgresql": _probe_postgresql,
    "mysql": _probe_mysql,
    "http": _probe_http,
}
