"""`datastore.tls_not_required`: clients may connect to a data store without TLS."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Final

from hardening.check import (
    Check,
    CheckContext,
    CheckSpec,
    Finding,
    Remediation,
    Severity,
    Status,
    register,
)
from hardening.checks.datastore.verdicts import Verdict, judged_stores, verdict
from hardening.estate import Classification, Datastore, canonical_engine, judged_classification
from hardening.facets import ProbeResult
from hardening.model import Scalar

#: Credentials and queries cross the wire in every case, so even public data floors at medium.
_SEVERITY: Final[Mapping[Classification, Severity]] = {
    "restricted": Severity.HIGH,
    "confidential": Severity.HIGH,
    "internal": Severity.MEDIUM,
    "public": Severity.MEDIUM,
}

_RAISED: Final[Mapping[Severity, Severity]] = {
    Severity.MEDIUM: Severity.HIGH,
    Severity.HIGH: Severity.CRITICAL,
}


#: How to make TLS mandatory, per engine.
_ENGINE_FIX: Final[Mapping[str, str]] = {
    "postgresql": (
        "In postgresql.conf set `ssl = on` (with `ssl_cert_file`, `ssl_key_file` and "
        "`ssl_min_protocol_version = 'TLSv1.2'`); in pg_hba.conf turn every `host` line into "
        "`hostssl`, remove the remaining `host` lines, and put `hostnossl all all 0.0.0.0/0 "
        "reject` and `hostnossl all all ::/0 reject` first; `SELECT pg_reload_conf();`; "
        "clients connect with `sslmode=verify-full`."
    ),
    "rds_postgresql": (
        "Set `rds.force_ssl = 1` in the instance's DB parameter group (`aws rds "
        "modify-db-parameter-group --parameters ParameterName=rds.force_ssl,ParameterValue=1,"
        "ApplyMethod=immediate`); clients connect with `sslmode=verify-full` and the RDS CA bundle."
    ),
    "mysql": (
        "Set `require_secure_transport = ON` under [mysqld] (or `SET PERSIST "
        "require_secure_transport = ON;`) with `tls_version = TLSv1.2,TLSv1.3`; clients "
        "connect with `--ssl-mode=VERIFY_IDENTITY`."
    ),
    "rds_mysql": (
        "Set `require_secure_transport = 1` in the instance's DB parameter group; clients "
        "connect with `--ssl-mode=VERIFY_IDENTITY` and the RDS CA bundle."
    ),
    "redis": (
        "In redis.conf set `tls-port 6379`, `port 0` (closes the plaintext port), "
        "`tls-cert-file`, `tls-key-file`, `tls-ca-cert-file`, `tls-auth-clients yes`, and "
        "`tls-replication yes` / `tls-cluster yes` for replicas and cluster links."
    ),
    "mongodb": (
        "In mongod.conf set `net.tls.mode: requireTLS` with `net.tls.certificateKeyFile` and "
        "`net.tls.CAFile` (step through `preferTLS` while clients are moved), and "
        "`net.tls.disabledProtocols: TLS1_0,TLS1_1`."
    ),
    "elasticsearch": (
        "In elasticsearch.yml set `xpack.security.http.ssl.enabled: true` with "
        "`xpack.security.http.ssl.keystore.path`, and `xpack.security.transport.ssl.enabled: "
        "true` for node-to-node traffic; clients use https:// URLs and verify the CA."
    ),
    "s3": (
        "Add a bucket-policy statement that denies `s3:*` to every principal when "
        '`"Condition": {"Bool": {"aws:SecureTransport": "false"}}`, and require TLS 1.2 with '
        '`"NumericLessThan": {"s3:TlsVersion": "1.2"}`.'
    ),
}


@register
class TlsNotRequired(Check):
    """What it does
    Reports every data store whose declared transport encryption is `off` or `optional`; `optional`
    fails too, because a server that merely offers TLS still accepts clients in the clear, and a
    network attacker can strip TLS from clients that only prefer it. `required` passes; a store that
    does not declare `encryption.in_transit` is skipped. Severity is high for restricted and
    confidential data (and for stores without a classification, treated as confidential) and medium
    for internal and public data, since credentials and queries cross the wire either way; it is
    raised one level when the store is declared reachable from the internet.

    With `--probe`, what the server does overrides what is declared when it proves clients can
    connect in clear: a PostgreSQL or Redis store that accepts a TLS-less session from the audit
    host, an `http://` store that answers, or a PostgreSQL/MySQL server that does not offer TLS at
    all fails whatever its declaration says ("confirmed by probe"). A probe that was refused
    without TLS only confirms a `required` declaration; it never turns `off` into a pass, because
    the probe tried one user name and pg_hba may still admit others without TLS.

    Why is this bad
    Whoever can see the traffic (a compromised host on the same network, a mirrored switch port, a
    cloud peering link) reads the data, and for engines that send passwords or tokens in the clear
    (Redis AUTH, MySQL clear-text plugins, HTTP basic authentication to Elasticsearch) takes the
    credentials too. After a breach, attackers often still hold a foothold inside the network.

    Example
    `{id: session-cache, engine: redis, encryption: {in_transit: off}}` fails; after `tls-port
    6379`, `port 0` and `tls-auth-clients yes`, the declaration `encryption: {in_transit: required}`
    passes.
    """

    spec = CheckSpec(
        id="datastore.tls_not_required",
        title="Clients may connect to a data store without TLS",
        severity=Severity.HIGH,
        rationale=(
            "A store that accepts plaintext connections exposes its data, queries and often "
            "its credentials to anyone on the network path, and lets an attacker downgrade "
            "clients that would use TLS if forced to."
        ),
        remediation=Remediation(
            "Make TLS mandatory on the server (not merely available), then make clients verify "
            "the server certificate.",
            steps=(
                "Issue the store a certificate from the internal CA for the name clients use.",
                "Enable TLS and close the plaintext path on the server (engine settings in "
                "the finding: e.g. PostgreSQL `hostssl` lines only, MySQL "
                "`require_secure_transport=ON`, Redis `port 0`, MongoDB `requireTLS`).",
                "Switch clients to verifying modes (`sslmode=verify-full`, "
                "`--ssl-mode=VERIFY_IDENTITY`, https:// with the CA pinned).",
                "Verify from a client host that a plaintext connection is refused "
                "(`psql 'sslmode=disable host=<store>'` must fail).",
                "Update the estate: `encryption: {in_transit: required}`.",
            ),
        ),
        references=(
            "CIS Controls v8 3.10",
            "PCI DSS 4.0 4.2.1",
            "NIST SP 800-52 Rev. 2",
            "NIST SP 800-53 Rev. 5 SC-8",
            "ISO/IEC 27001:2022 A.8.24",
        ),
        public_title="Data encryption",
        needs=frozenset({"datastores"}),
    )

    def evaluate(self, ctx: CheckContext) -> Iterator[Finding]:
        return self.judged_findings(ctx, judged_stores(ctx, _facts, _verdict, probed=True))


def _facts(store: Datastore) -> Hashable:
    """The declared facts read; engine, hosting and provider pick the fix."""
    return (
        store.classification,
        store.engine,
        store.encryption.in_transit,
        store.hosting,
        store.provider,
        store.internet_exposed,
        store.zone,
    )


def _verdict(store: Datastore, probe: ProbeResult | None) -> Verdict:
    mode = store.encryption.in_transit
    evidence: dict[str, Scalar] = {
        "classification": store.classification,
        "engine": store.engine,
        "in_transit": mode,
    }
    if probe is not None and probe.reachable and probe.error is None:
        evidence["probe_plaintext_accepted"] = probe.plaintext_accepted
        evidence["probe_tls_offered"] = probe.tls_offered
        if probe.plaintext_accepted is True or probe.tls_offered is False:
            return _fail(store, mode, evidence, _probed_clear(probe, mode))
    else:
        probe = None
    if mode is None:
        detail = (
            "transport encryption not declared; declare encryption.in_transit "
            f"(required | optional | off){_probe_note(probe)}"
        )
        return verdict(Status.SKIP, detail, evidence)
    if mode == "required":
        detail = f"TLS is required for every client{_probe_note(probe)}"
        return verdict(Status.PASS, detail, evidence)
    return _fail(store, mode, evidence, _probe_note(probe))


def _fail(store: Datastore, mode: str | None, evidence: dict[str, Scalar], probed: str) -> Verdict:
    classification, note = judged_classification(store)
    severity = _SEVERITY[classification]
    if mode == "off":
        what = "TLS is off: every client connects in clear"
    elif mode == "optional":
        what = "TLS is optional: clients may still connect in clear"
    elif mode == "required":
        what = "TLS is declared required"
    else:
        what = "transport encryption is not declared"
    exposure = ""
    if store.internet_exposed is True or store.zone == "internet":
        severity = _RAISED.get(severity, severity)
        exposure = "; raised because the store is reachable from the internet"
    return verdict(
        Status.FAIL,
        f"{what}{probed}; it holds {classification} data{note}{exposure}",
        evidence,
        severity=severity,
        remediation=_remediation(store),
    )


def _probed_clear(probe: ProbeResult, mode: str | None) -> str:
    """What the probe saw that proves clients can connect in clear, for the finding's detail."""
    but = ", but" if mode == "required" else ";"
    if probe.plaintext_accepted is True:
        return (
            f"{but} the server accepted a TLS-less session from the audit host (confirmed by probe)"
        )
    return (
        f"{but} the server does not offer TLS at all, so every client connects in clear "
        "(confirmed by probe)"
    )


def _probe_note(probe: ProbeResult | None) -> str:
    """A probe result that agrees with, or cannot overturn, the declaration."""
    if probe is None:
        return ""
    if probe.plaintext_accepted is False:
        # pg_hba refused the probe's user without TLS; other users may still have `host` lines.
        return "; the probe's TLS-less session was refused by the server"
    if probe.tls_offered is True:
        return "; the server offers TLS (probe; whether it is required cannot be seen before login)"
    return ""


def _remediation(store: Datastore) -> str | None:
    engine = canonical_engine(store)
    on_aws = store.hosting == "cloud" and (store.provider or "").lower() == "aws"
    if on_aws and engine in {"postgresql", "mysql"}:
        # The same engine may be RDS or self-managed on EC2; the estate does not say which.
        return (
            f"On Amazon RDS: {_ENGINE_FIX[f'rds_{engine}']} "
            f"If it is self-managed: {_ENGINE_FIX[engine]}"
        )
    return _ENGINE_FIX.get(engine)
