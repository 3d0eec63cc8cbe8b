"""Real servers for tests: PostgreSQL, Redis and Elasticsearch-like HTTP nodes on 127.0.0.1.

Every server listens on 127.0.0.1 only, on a free port, with its files in a temporary directory
that is removed at the end of the session. PostgreSQL and Redis come from Debian's packages
(`postgresql`, `redis-server`, `openssl`); when a binary is missing the fixture skips with the
package to install. The servers start lazily: a test run that uses none of them starts none.

Fixtures (session scope):

- `postgres_server`: PostgreSQL accepting TLS-less TCP connections with password auth
  (`host all all 127.0.0.1/32 md5`); `.host`, `.port`, `.superuser`, `.superuser_password`,
  `.dsn(dbname, user, password)`, `.psql(sql)` (runs SQL as the superuser, returns the output).
- `postgres_tls_server`: the same with `ssl = on` (self-signed certificate) and only `hostssl`
  lines, so TLS-less TCP connections are refused by pg_hba.
- `redis_open_server` / `redis_auth_server`: Redis without and with `requirepass`.
- `es_open_server` / `es_auth_server`: an HTTP node answering `/_cat/indices` anonymously / 401.

Modules: `tests/data/credentials/build.py` (real-format credential stores) is importable as
`credential_build` (tests have no packages): one copy for the session, so its cached hashes are
made once and `secrets_written()` knows every value any test wrote.
"""

from __future__ import annotations

import contextlib
import glob
import http.server
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest


def _register(name: str, path: Path) -> None:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_register("credential_build", Path(__file__).parent / "data" / "credentials" / "build.py")

LOCALHOST = "127.0.0.1"
#: Planted in server data by the probe tests; must never appear in any finding or report.
CANARY_INDEX = "canary-index-xyz"
CANARY_VALUE = "canary-redis-value-8c1f"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((LOCALHOST, port), 0.2):
            return True
        time.sleep(0.05)
    return False


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for cand in reversed(candidates):
        if (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    return None


@dataclass
class PostgresServer:
    """A running PostgreSQL cluster on 127.0.0.1 for tests."""

    host: str
    """Always 127.0.0.1."""
    port: int
    """TCP port it listens on."""
    superuser: str
    """Name of the cluster's superuser."""
    superuser_password: str
    """Password of the superuser (for TCP connections; the unix socket trusts it)."""
    bindir: Path
    """Directory of `initdb`, `pg_ctl`, `psql`."""
    socket_dir: Path
    """Directory holding the unix socket (local connections are `trust`)."""
    tls: bool = False
    """Whether the cluster has `ssl = on` and only `hostssl` lines."""
    run_as: list[str] = field(default_factory=list)
    """Command prefix to run as the cluster owner (`runuser -u postgres --` when root)."""

    def dsn(
        self, dbname: str = "postgres", user: str | None = None, password: str | None = None
    ) -> str:
        """A `postgresql://` URL for a TCP connection to `dbname` as `user`."""
        user = user or self.superuser
        password = self.superuser_password if password is None else password
        query = "?sslmode=require" if self.tls else ""
        return (
            f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}"
            f"@{self.host}:{self.port}/{quote(dbname, safe='')}{query}"
        )

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run `sql` as the superuser over the unix socket; return psql's unaligned output."""
        cmd = [
            *self.run_as,
            str(self.bindir / "psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            self.superuser,
            "-d",
            dbname,
        ]
        proc = subprocess.run(
            cmd, input=sql, capture_output=True, text=True, timeout=30, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout


def _pg_owner() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run PostgreSQL as (it refuses to run as root)."""
    if not stat.S_ISCHR(os.stat(os.devnull).st_mode):
        # initdb's children write to /dev/null; seen replaced by a root-only regular file.
        pytest.skip(f"{os.devnull} is not a character device on this machine; initdb needs it")
    if os.geteuid() != 0:
        return [], None, None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and no `postgres` user exists (apt-get install postgresql)")
    if shutil.which("runuser") is None:
        pytest.skip("running as root and `runuser` is missing (util-linux)")
    return ["runuser", "-u", "postgres", "--"], pw.pw_uid, pw.pw_gid


def _make_cert(directory: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("`openssl` is missing (apt-get install openssl)")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(directory / "server.key"),
            "-out",
            str(directory / "server.crt"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    (directory / "server.key").chmod(0o600)


@contextlib.contextmanager
def _postgres(tls: bool) -> Iterator[PostgresServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    run_as, uid, gid = _pg_owner()
    # Not under pytest's tmp_path: that is mode 0700 for root, and the cluster owner must enter.
    root = Path(tempfile.mkdtemp(prefix="hardening-pg-"))
    root.chmod(0o755)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    superuser, password = "hardening_admin", secrets.token_urlsafe(16)
    (root / "pwfile").write_text(password + "\n")
    if tls:
        _make_cert(root)
    if uid is not None and gid is not None:
        for p in (root, sock, *root.iterdir()):
            os.chown(p, uid, gid)
    proc_env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        subprocess.run(
            [
                *run_as,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                superuser,
                f"--pwfile={root / 'pwfile'}",
                "--auth-local=trust",
                "--auth-host=md5",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            capture_output=True,
            check=True,
            timeout=120,
            env=proc_env,
        )
        hba = ["local all all trust"]
        if tls:
            hba.append("hostssl all all 127.0.0.1/32 md5")
        else:
            hba.append("host all all 127.0.0.1/32 md5")
        conf = [
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{sock}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "shared_buffers = 16MB",
            "max_connections = 30",
            "log_min_messages = warning",
        ]
        if tls:
            conf += [
                "ssl = on",
                f"ssl_cert_file = '{root / 'server.crt'}'",
                f"ssl_key_file = '{root / 'server.key'}'",
            ]
        # Written by the cluster owner's files: append as root keeps ownership (content only).
        (data / "pg_hba.conf").write_text("\n".join(hba) + "\n")
        with (data / "postgresql.conf").open("a") as fh:
            fh.write("\n".join(conf) + "\n")
        port = 0
        started = False
        for _ in range(3):  # the free port may be taken between choosing and binding
            port = free_port()
            proc = subprocess.run(
                [
                    *run_as,
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    f"-p {port}",
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "-t",
                    "30",
                    "start",
                ],
                capture_output=True,
                check=False,
                timeout=60,
                env=proc_env,
            )
            if proc.returncode == 0:
                started = True
                break
        if not started:
            log = (root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start:\n{log}")
        server = PostgresServer(
            host=LOCALHOST,
            port=port,
            superuser=superuser,
            superuser_password=password,
            bindir=bindir,
            socket_dir=sock,
            tls=tls,
            run_as=run_as,
        )
        try:
            yield server
        finally:
            subprocess.run(
                [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                check=False,
                timeout=60,
                env=proc_env,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """PostgreSQL that accepts TLS-less TCP connections with password auth."""
    with _postgres(tls=False) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_tls_server() -> Iterator[PostgresServer]:
    """PostgreSQL with `ssl = on` and only `hostssl` lines: TLS-less TCP is refused."""
    with _postgres(tls=True) as server:
        yield server


# --- Redis -------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A running redis-server on 127.0.0.1 for tests."""

    host: str
    """Always 127.0.0.1."""
    port: int
    """TCP port it listens on."""
    password: str | None
    """`requirepass`, or None for a server without a password."""

    @property
    def endpoint(self) -> str:
        """`host:port` as an estate file declares it."""
        return f"{self.host}:{self.port}"

    def command(self, *args: str) -> bytes:
        """Send one command (after AUTH when a password is set) and return the raw reply."""
        parts = [*(("AUTH", self.password) if self.password else ()), *args]
        with socket.create_connection((self.host, self.port), 5) as s:
            replies = []
            for cmd in [parts[:2], parts[2:]] if self.password else [parts]:
                payload = f"*{len(cmd)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in cmd)
                s.sendall(payload.encode())
                replies.append(s.recv(65536))
            return replies[-1]


@contextlib.contextmanager
def _redis(password: str | None) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("`redis-server` is missing (apt-get install redis-server)")
    workdir = Path(tempfile.mkdtemp(prefix="hardening-redis-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(3):
            port = free_port()
            cmd = [
                binary,
                "--port",
                str(port),
                "--bind",
                LOCALHOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
                "--daemonize",
                "no",
            ]
            if password:
                cmd += ["--requirepass", password]
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir
            )
            if _wait_for_port(port):
                break
            proc.kill()
            proc.wait(10)
            proc = None
        if proc is None:
            raise RuntimeError("redis-server did not start")
        server = RedisServer(LOCALHOST, port, password)
        server.command("SET", "canary-key", CANARY_VALUE)
        yield server
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_open_server() -> Iterator[RedisServer]:
    """Redis without a password (anonymous access), holding a canary key."""
    with _redis(None) as server:
        yield server


@pytest.fixture(scope="session")
def redis_auth_server() -> Iterator[RedisServer]:
    """Redis with `requirepass`, holding a canary key."""
    with _redis(secrets.token_urlsafe(16)) as server:
        yield server


# --- Elasticsearch-like HTTP node ---------------------------------------------------------------


@dataclass
class HttpStoreServer:
    """A small HTTP server answering like an Elasticsearch / CouchDB node."""

    host: str
    """Always 127.0.0.1."""
    port: int
    """TCP port it listens on."""
    requires_auth: bool
    """Whether every request gets 401."""
    requests_seen: list[str] = field(default_factory=list)
    """Paths requested, in order (to prove what a probe asked for)."""
    auth_headers_seen: list[bool] = field(default_factory=list)
    """Whether each request carried an Authorization header."""

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{self.host}:{self.port}"


def _http_handler(server: HttpStoreServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "canary-banner/9.9.9"
        sys_version = ""

        def do_GET(self) -> None:
            server.requests_seen.append(self.path)
            server.auth_headers_seen.append("Authorization" in self.headers)
            payload: object
            if server.requires_auth:
                payload = {"error": f"security_exception for {CANARY_INDEX}"}
                status = 401
            elif self.path.startswith("/_cat/indices"):
                payload, status = [{"index": CANARY_INDEX, "docs.count": "42"}], 200
            elif self.path.startswith("/_all_dbs"):
                payload, status = [CANARY_INDEX], 200
            else:
                payload, status = {"name": CANARY_INDEX, "tagline": "You Know, for Search"}, 200
            body = json.dumps(payload).encode()
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="security"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def _http_store(requires_auth: bool) -> Iterator[HttpStoreServer]:
    state = HttpStoreServer(LOCALHOST, 0, requires_auth)
    httpd = http.server.ThreadingHTTPServer((LOCALHOST, 0), _http_handler(state))
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, name="es-like", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


@pytest.fixture(scope="session")
def es_open_server() -> Iterator[HttpStoreServer]:
    """An Elasticsearch-like node that lists its indices to anyone (index `canary-index-xyz`)."""
    with _http_store(requires_auth=False) as server:
        yield server


@pytest.fixture(scope="session")
def es_auth_server() -> Iterator[HttpStoreServer]:
    """The same node with security on: every request gets 401."""
    with _http_store(requires_auth=True) as server:
        yield server
