"""`datastore.anonymous_access`: a live probe read from a data store without credentials."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from hardening.check import (
    Check,
    CheckContext,
    CheckSpec,
    Finding,
    Remediation,
    Severity,
    ref,
    register,
)
from hardening.estate import Classification, Datastore, canonical_engine, judged_classification
from hardening.facets import ProbeResult
from hardening.model import Scalar

#: Anyone who can reach the store reads it: severity follows what they read.
_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.CRITICAL,
    "confidential": Severity.HIGH,
    "internal": Severity.HIGH,
    "public": Severity.LOW,
}

_RAISED: Final[Mapping[Severity, Severity]] = {
    Severity.HIGH: Severity.CRITICAL,
}

#: What the probe did that succeeded, per protocol (never what the server sent).
_WHAT: Final[Mapping[str, str]] = {
    "redis": "Redis answered PING and INFO without AUTH",
    "postgresql": (
        "PostgreSQL accepted a session for an arbitrary user name without a password "
        "(`trust` authentication)"
    ),
    "http": "an HTTP GET without credentials was answered with 2xx",
    "https": "an HTTPS GET without credentials was answered with 2xx",
}

_REASONS: Final[Mapping[str, str]] = {
    "refused": "the connection was refused",
    "timeout": "the probe timed out",
    "dns": "its host name did not resolve",
    "unreachable": "no route to its address",
    "invalid_endpoint": "its declared endpoint could not be parsed as host:port or URL",
    "no_answer": "it did not answer in the expected protocol",
    "server_error": "it answered with an error before any conclusion",
    "tls_error": "the TLS handshake or certificate verification failed",
    "unexpected_status": "it answered with an HTTP status other than 2xx, 401 or 403",
}


#: How to turn authentication on, per engine.
_ENGINE_FIX: Final[Mapping[str, str]] = {
    "redis": (
        "Disable the passwordless default user and create named users: `ACL SETUSER default "
        "off`, `ACL SETUSER app on >'<long random password>' ~app:* +@read +@write`, `ACL SAVE` "
        "(or at least `requirepass` with a long random value); keep `protected-mode yes`, bind "
        "to the application-tier interface, and rotate anything the cache held."
    ),
    "postgresql": (
        "Replace every `trust` method in pg_hba.conf with `scram-sha-256` (set "
        "`password_encryption = scram-sha-256` and reset passwords), keep `hostssl` lines only, "
        "then `SELECT pg_reload_conf();` and review `pg_stat_activity` and the logs for "
        "sessions from unknown addresses."
    ),
    "elasticsearch": (
        "Set `xpack.security.enabled: true` (OpenSearch: the security plugin with "
        "`anonymous_auth_enabled: false`), remove `xpack.security.authc.anonymous.roles`, "
        "create per-application users or API keys with index-scoped roles, and check the "
        "audit log for reads and snapshots since the incident."
    ),
    "couchdb": (
        "End the 'admin party': create an admin in `[admins]`, set `[chttpd] require_valid_user "
        "= true` and `[chttpd_auth] require_valid_user = true`, give each database a "
        "`_security` object with named members, and restart."
    ),
}

_GENERIC_FIX: Final = (
    "Require authentication on the API (API keys, OAuth2 client credentials or mutual TLS "
    "enforced by the service or an authenticating reverse proxy), and bind it to the "
    "application-tier interface."
)


@register
class AnonymousAccess(Check):
    """What it does
    Uses the live probes (`--probe`) of each data store's declared endpoint, made from the audit
    host without any credentials: Redis `PING` and `INFO server` without `AUTH`, a PostgreSQL
    startup message without a password, `GET /_cat/indices` on Elasticsearch and OpenSearch,
    `GET /_all_dbs` on CouchDB, and a `GET` of the declared URL for other HTTP stores. It fails
    when the store served the read (or, for PostgreSQL, admitted the session under `trust`), and
    passes when it demanded credentials. Stores without an endpoint, stores the probe could not
    reach (refused, timed out, name not resolved) and probes that reached no conclusion (MySQL is
    only asked for its handshake, never logged in to) are skipped with the reason. Severity is
    critical for restricted data, high for confidential, internal or unclassified data, low for
    public data; raised to critical when the endpoint is on a globally routable address.

    Why is this bad
    Anyone who can reach the port reads, and usually writes, the data: unauthenticated
    Elasticsearch, Redis and CouchDB instances are mass-scanned, dumped and ransomed within hours
    of exposure, and inside a breached network they are the attacker's easiest exfiltration path.

    Example
    `{id: search, engine: elasticsearch, endpoint: "http://10.0.4.7:9200", classification:
    confidential}` fails when `GET /_cat/indices` returns 200 without credentials; with
    `xpack.security.enabled: true` the same request gets 401 and the check passes.
    """

    spec = CheckSpec(
        id="datastore.anonymous_access",
        title="A data store serves reads without credentials",
        severity=Severity.HIGH,
        rationale=(
            "A store that answers unauthenticated requests gives its data to whoever reaches "
            "the port: a breached workstation, a scanner, or the attacker who was just evicted."
        ),
        remediation=Remediation(
            "Turn authentication on in the store itself (not only at the firewall), give each "
            "application its own credential with the least privilege it needs, and treat the "
            "data as exposed.",
            steps=(
                "Enable authentication (engine settings in the finding: Redis ACL / "
                "`requirepass`, pg_hba.conf `scram-sha-256` instead of `trust`, "
                "`xpack.security.enabled: true`, CouchDB `require_valid_user = true`).",
                "Create per-application users or API keys with least privilege, and "
                "distribute them through the secrets manager.",
                "Restrict the listener to the application tier (bind address, firewall, "
                "security group).",
                "Review the store's logs since the incident for unknown clients, dumps and "
                "snapshots; treat its contents as disclosed if you cannot rule that out.",
                "Re-run `hardening scan ESTATE --probe` and confirm the store now passes.",
            ),
        ),
        references=(
            "CIS Controls v8 6.1",
            "CIS Controls v8 3.3",
            "PCI DSS 4.0 8.2.1",
            "NIST SP 800-53 Rev. 5 AC-3",
            "ISO/IEC 27001:2022 A.8.5",
            "OWASP API Security Top 10 2023 API2",
        ),
        public_title="Access controls",
        needs=frozenset({"datastores", "probes"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        probes = ctx.probes or {}
        for store in ctx.datastores:
            yield self._judge(store, probes.get(store.id))

    def _judge(self, store: Datastore, probe: ProbeResult | None) -> Finding:
        if not store.endpoint:
            return self.skipped(
                ref(store), "no endpoint declared, so nothing was probed; declare endpoint"
            )
        if probe is None:
            return self.skipped(ref(store), "its endpoint was not probed in this run")
        evidence: dict[str, Scalar] = {
            "classification": store.classification,
            "engine": store.engine,
            "protocol": probe.protocol,
            "reachable": probe.reachable,
            "reason": probe.reason,
            "anonymous_read": probe.anonymous_read,
            "auth_required": probe.auth_required,
            "public_address": probe.public_address,
        }
        if probe.error is not None:
            evidence["probe_error"] = probe.error
            return self.skipped(
                ref(store), f"the probe failed ({probe.error}); see the log", evidence=evidence
            )
        if not probe.reachable:
            why = _REASONS.get(probe.reason or "", "it did not accept a connection")
            return self.skipped(
                ref(store), f"not reachable from the audit host: {why}", evidence=evidence
            )
        if probe.anonymous_read is True:
            return self._fail(store, probe, evidence)
        if probe.anonymous_read is False:
            how = (
                "demanded credentials before serving anything"
                if probe.auth_required
                else "refused the anonymous read"
            )
            return self.passed(ref(store), f"{how} (probe from the audit host)", evidence=evidence)
        return self.skipped(ref(store), _inconclusive(probe), evidence=evidence)

    def _fail(self, store: Datastore, probe: ProbeResult, evidence: dict[str, Scalar]) -> Finding:
        classification, note = judged_classification(store)
        severity = _SEVERITY[classification]
        exposure = ""
        if probe.public_address and classification != "public":
            severity = _RAISED.get(severity, severity)
            exposure = "; raised because its endpoint is a globally routable address"
        what = _WHAT.get(probe.protocol, "the store served a read without credentials")
        return self.failed(
            ref(store),
            f"{what} (probe from the audit host); it holds {classification} data{note}{exposure}",
            severity=severity,
            remediation=_ENGINE_FIX.get(_engine(store), _GENERIC_FIX),
            evidence=evidence,
        )


def _inconclusive(probe: ProbeResult) -> str:
    if probe.protocol == "mysql":
        return (
            "reachable, but the MySQL probe reads only the server handshake and never logs in, "
            "so anonymous access was not tested"
        )
    if probe.protocol == "tcp":
        return (
            "reachable, but there is no protocol probe for its engine (only the TCP connect "
            "was tested)"
        )
    if probe.protocol == "postgresql" and probe.plaintext_accepted is False:
        return (
            "reachable; the server refused a session without TLS and the probe does not log "
            "in over TLS, so anonymous access was not tested"
        )
    why = _REASONS.get(probe.reason or "", "the probe reached no conclusion")
    return f"reachable, but anonymous access could not be judged: {why}"


def _engine(store: Datastore) -> str:
    # OpenSearch answers the same anonymous-read probe, and takes the same fix, as Elasticsearch.
    engine = canonical_engine(store)
    return "elasticsearch" if engine == "opensearch" else engine
