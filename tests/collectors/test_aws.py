"""The AWS collector against a real moto server process on 127.0.0.1.

The server is started once per module (`python -m moto.server`), filled through boto3 with
an estate's worth of resources, and the whole engine is run over an `Estate` whose `cloud`
entry points at it (through `HARDENING_AWS_ENDPOINT_URL` and a `prod` profile in a temporary
AWS config). Only the AccessDenied case patches a client method: moto does not enforce IAM.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

from botocore.exceptions import ClientError  # noqa: E402

from hardening.collectors.aws import ENDPOINT_ENV, collect_aws  # noqa: E402
from hardening.estate import (  # noqa: E402
    CloudAccount,
    Estate,
    Location,
    Organisation,
    Policy,
)
from hardening.model import Finding, Status  # noqa: E402
from hardening.registry import discover  # noqa: E402
from hardening.runner import ExitCode, RunOptions, exit_code, run_checks  # noqa: E402

REGION = "eu-west-1"
ESTATE_FILE = "estate.yaml"
CLOUD_LINE = 17
SECRET_KEY = "testing-secret-canary-5e1d"
TODAY_OPTIONS = RunOptions(today=date(2026, 11, 25))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto server did not start; see its log")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(autouse=True)
def aws_env(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A `prod` profile with dummy keys, every client pointed at the moto server."""
    creds = tmp_path / "credentials"
    creds.write_text(f"[prod]\naws_access_key_id = testing\naws_secret_access_key = {SECRET_KEY}\n")
    config = tmp_path / "config"
    config.write_text(f"[profile prod]\nregion = {REGION}\n")
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv(ENDPOINT_ENV, moto_url)
    yield


def _client(moto_url: str, service: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture(scope="module")
def aws_estate(moto_url: str) -> None:
    """The resources every test reads (created once)."""
    rds = _client(moto_url, "rds")
    common = {
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
        "MasterUsername": "dbadmin",
        "MasterUserPassword": "not-a-real-password-1",
        "AllocatedStorage": 20,
    }
    rds.create_db_instance(
        DBInstanceIdentifier="public-db",
        PubliclyAccessible=True,
        StorageEncrypted=False,
        BackupRetentionPeriod=0,
        Tags=[{"Key": "classification", "Value": "restricted"}],
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="private-db",
        PubliclyAccessible=False,
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        Tags=[{"Key": "Classification", "Value": "Confidential"}],
        **common,
    )
    s3 = _client(moto_url, "s3")
    where = {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    s3.create_bucket(Bucket="plain-bucket", **where)
    s3.put_bucket_tagging(
        Bucket="plain-bucket",
        Tagging={"TagSet": [{"Key": "classification", "Value": "restricted"}]},
    )
    s3.create_bucket(Bucket="locked-bucket", ObjectLockEnabledForBucket=True, **where)
    s3.put_object_lock_configuration(
        Bucket="locked-bucket",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}},
        },
    )
    s3.put_bucket_encryption(
        Bucket="locked-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    s3.put_bucket_tagging(
        Bucket="locked-bucket",
        Tagging={"TagSet": [{"Key": "classification", "Value": "restricted"}]},
    )
    s3.create_bucket(Bucket="open-bucket", **where)
    s3.put_bucket_acl(Bucket="open-bucket", ACL="public-read")
    ddb = _client(moto_url, "dynamodb")
    ddb.create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    iam = _client(moto_url, "iam")
    iam.update_account_password_policy(MinimumPasswordLength=8)
    iam.create_group(GroupName="admin")
    iam.create_group(GroupName="staff")
    iam.create_user(UserName="alice")  # admin, password, no MFA
    iam.create_login_profile(UserName="alice", Password="Not-a-real-pw-1!")
    iam.add_user_to_group(GroupName="admin", UserName="alice")
    iam.create_user(UserName="bob")  # admin, password, virtual MFA
    iam.create_login_profile(UserName="bob", Password="Not-a-real-pw-2!")
    iam.add_user_to_group(GroupName="admin", UserName="bob")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="bob",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_user(UserName="deploy-bot")  # access keys only: no console password
    iam.add_user_to_group(GroupName="admin", UserName="deploy-bot")


def _estate() -> Estate:
    return Estate(
        path=Path(ESTATE_FILE),
        organisation=Organisation("Example Credit Union"),
        policy=Policy(mfa_required_roles=("admin",)),
        cloud=(
            CloudAccount(
                kind="aws",
                location=Location(ESTATE_FILE, CLOUD_LINE),
                profile="prod",
                regions=(REGION,),
            ),
        ),
    )


def _by(findings: tuple[Finding, ...], check_id: str, resource_id: str) -> Finding:
    hits = [f for f in findings if f.check_id == check_id and f.resource.id == resource_id]
    assert len(hits) == 1, (check_id, resource_id, [f.resource.id for f in findings])
    return hits[0]


def test_collector_maps_resources(aws_estate: None) -> None:
    inv = collect_aws(_estate().cloud or ())
    stores = {s.id: s for s in inv.datastores}
    public = stores[f"aws:rds:{REGION}:public-db"]
    assert (public.engine, public.hosting, public.provider, public.region) == (
        "postgresql",
        "cloud",
        "aws",
        REGION,
    )
    assert public.internet_exposed is True
    assert public.encryption.at_rest is False
    assert public.classification == "restricted"
    assert public.backups == ()
    assert public.location == Location(ESTATE_FILE, CLOUD_LINE)
    private = stores[f"aws:rds:{REGION}:private-db"]
    assert private.internet_exposed is False
    assert private.encryption.at_rest is True
    assert private.classification == "confidential"
    assert [b.kind for b in private.backups] == ["online"]
    locked = stores["aws:s3:locked-bucket"]
    assert [b.kind for b in locked.backups] == ["immutable"]
    assert locked.encryption.at_rest is True
    assert locked.region == REGION
    plain = stores["aws:s3:plain-bucket"]
    assert all(b.kind == "online" for b in plain.backups)
    assert stores["aws:s3:open-bucket"].internet_exposed is True
    table = stores[f"aws:dynamodb:{REGION}:sessions"]
    assert table.backups == ()  # no point-in-time recovery
    assert table.encryption.at_rest is True

    (provider,) = inv.identity
    assert provider.id == "aws:iam:prod"
    assert provider.kind == "aws_iam"
    assert provider.password_policy is not None
    assert provider.password_policy.min_length == 8
    users = {a.id: a for a in inv.accounts}
    assert set(users) == {"aws:iam:prod:alice", "aws:iam:prod:bob"}  # deploy-bot has no password
    assert users["aws:iam:prod:alice"].roles == ("admin",)
    assert users["aws:iam:prod:alice"].mfa == ()
    assert users["aws:iam:prod:bob"].mfa == ("totp",)
    assert all(a.identity == "aws:iam:prod" for a in users.values())
    statuses = {(c.region, c.service): c.status for c in inv.collections}
    assert statuses[("global", "iam")] == "collected"
    assert statuses[("global", "s3")] == "collected"
    assert statuses[(REGION, "rds")] == "collected"
    assert statuses[(REGION, "dynamodb")] == "collected"


def test_engine_findings_on_moto(aws_estate: None) -> None:
    run = run_checks(_estate(), discover(), TODAY_OPTIONS)
    f = run.findings
    public_db = f"aws:rds:{REGION}:public-db"
    exposed = _by(f, "datastore.internet_exposed", public_db)
    assert exposed.status is Status.FAIL
    assert (exposed.resource.file, exposed.resource.line) == (ESTATE_FILE, CLOUD_LINE)
    assert _by(f, "datastore.unencrypted_at_rest", public_db).status is Status.FAIL
    assert _by(f, "datastore.no_offline_backup", public_db).status is Status.FAIL
    private_db = f"aws:rds:{REGION}:private-db"
    assert _by(f, "datastore.internet_exposed", private_db).status is Status.PASS
    assert _by(f, "datastore.unencrypted_at_rest", private_db).status is Status.PASS
    assert _by(f, "datastore.no_offline_backup", "aws:s3:plain-bucket").status is Status.FAIL
    assert _by(f, "datastore.no_offline_backup", "aws:s3:locked-bucket").status is Status.PASS
    assert _by(f, "datastore.internet_exposed", "aws:s3:open-bucket").status is Status.FAIL
    # restricted data is on-prem only by default policy
    assert _by(f, "placement.sensitive_data_in_cloud", public_db).status is Status.FAIL
    mfa = _by(f, "auth.mfa_not_enforced", "aws:iam:prod:alice")
    assert mfa.status is Status.FAIL
    assert _by(f, "auth.mfa_not_enforced", "aws:iam:prod:bob").status is Status.PASS
    length = _by(f, "auth.password_min_length_too_short", "aws:iam:prod")
    assert length.status is Status.FAIL
    assert "8" in length.detail
    assert not [x for x in f if x.resource.kind == "cloud_service"]  # everything was read
    assert SECRET_KEY not in repr(run.to_dict())


def _denied(operation: str) -> Any:
    def call(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, operation)

    return call


def _patch_client(monkeypatch: pytest.MonkeyPatch, service: str, **methods: Any) -> None:
    """Make every `service` client boto3 creates answer `methods` instead of moto."""
    real_client = boto3.Session.client

    def client(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        made = real_client(self, name, *args, **kwargs)
        if name == service:
            made.can_paginate = lambda _op: False
            for attr, method in methods.items():
                setattr(made, attr, method)
        return made

    monkeypatch.setattr(boto3.Session, "client", client)


def test_access_denied_is_a_skip_not_a_pass(
    aws_estate: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_client(monkeypatch, "rds", describe_db_instances=_denied("DescribeDBInstances"))
    run = run_checks(_estate(), discover(), TODAY_OPTIONS)
    ids = {x.resource.id for x in run.findings}
    assert f"aws:rds:{REGION}:public-db" not in ids  # not collected ...
    gap_id = f"aws:prod:{REGION}:rds"
    gaps = [x for x in run.findings if x.resource.id == gap_id]
    # ... and every data store check says so, as a skip with the reason
    assert {g.check_id for g in gaps} >= {
        "datastore.internet_exposed",
        "datastore.unencrypted_at_rest",
        "datastore.no_offline_backup",
        "placement.sensitive_data_in_cloud",
    }
    for g in gaps:
        assert g.status is Status.SKIP
        assert g.resource.kind == "cloud_service"
        assert "AccessDenied on DescribeDBInstances" in g.detail
        assert (g.resource.file, g.resource.line) == (ESTATE_FILE, CLOUD_LINE)
    assert not [g for g in gaps if g.check_id.startswith("auth.")]  # IAM was read
    # the other services still count
    assert _by(run.findings, "datastore.no_offline_backup", "aws:s3:plain-bucket").status is (
        Status.FAIL
    )


def test_denied_per_bucket_call_is_unknown_and_partial(
    aws_estate: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_client(monkeypatch, "s3", get_bucket_encryption=_denied("GetBucketEncryption"))
    run = run_checks(_estate(), discover(), TODAY_OPTIONS)
    enc = _by(run.findings, "datastore.unencrypted_at_rest", "aws:s3:plain-bucket")
    assert enc.status is not Status.PASS  # unknown, never a pass
    assert enc.status is not Status.FAIL  # and not a false alarm either
    gap = _by(run.findings, "datastore.unencrypted_at_rest", "aws:prod:global:s3")
    assert gap.status is Status.SKIP
    assert "AccessDenied on GetBucketEncryption (3 resource(s))" in gap.detail


def test_backup_vault_lock_makes_copies_immutable(
    aws_estate: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    rds_arn = _client(os.environ[ENDPOINT_ENV], "rds").describe_db_instances(
        DBInstanceIdentifier="private-db"
    )["DBInstances"][0]["DBInstanceArn"]
    now = datetime.now(UTC)
    vaults = [
        {"BackupVaultName": "locked", "Locked": True, "LockDate": now - timedelta(days=10)},
        {"BackupVaultName": "cooling", "Locked": True, "LockDate": now + timedelta(days=2)},
    ]
    points = {
        "locked": [{"ResourceArn": rds_arn, "Status": "COMPLETED", "IsEncrypted": True}],
        "cooling": [{"ResourceArn": "arn:aws:s3:::plain-bucket", "Status": "COMPLETED"}],
    }
    # moto implements vault lock but not list_recovery_points_by_backup_vault
    _patch_client(
        monkeypatch,
        "backup",
        list_backup_vaults=lambda **_: {"BackupVaultList": vaults},
        list_recovery_points_by_backup_vault=lambda BackupVaultName, **_: {
            "RecoveryPoints": points[BackupVaultName]
        },
    )
    inv = collect_aws(_estate().cloud or ())
    stores = {s.id: s for s in inv.datastores}
    private = stores[f"aws:rds:{REGION}:private-db"]
    assert [(b.kind, b.encrypted) for b in private.backups] == [
        ("online", True),
        ("immutable", True),
    ]
    assert [b.kind for b in stores["aws:s3:plain-bucket"].backups] == ["online"]
    run = run_checks(_estate(), discover(), TODAY_OPTIONS)
    f = run.findings
    assert _by(f, "datastore.no_offline_backup", f"aws:rds:{REGION}:private-db").status is (
        Status.PASS
    )
    assert _by(f, "datastore.no_offline_backup", "aws:s3:plain-bucket").status is Status.FAIL


def test_unreachable_endpoint_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, f"http://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    inv = collect_aws(_estate().cloud or ())
    assert inv.datastores == () and inv.accounts == ()
    assert {c.status for c in inv.collections} == {"failed"}
    assert {c.reason for c in inv.collections} == {"EndpointConnectionError"}
    run = run_checks(_estate(), discover(), TODAY_OPTIONS)
    gap = _by(run.findings, "datastore.internet_exposed", f"aws:prod:{REGION}:rds")
    assert gap.status is Status.ERROR  # the audit is incomplete: exit code 3, never a pass
    assert "EndpointConnectionError" in gap.detail
    assert exit_code(run) is ExitCode.CHECK_ERROR
    assert not [f for f in run.findings if f.status is Status.PASS and f.domain != "auth"]


def test_unknown_profile_fails_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    estate = _estate()
    account = CloudAccount(
        kind="aws", location=Location(ESTATE_FILE, 3), profile="nope", regions=(REGION,)
    )
    inv = collect_aws((account,))
    assert {(c.service, c.status) for c in inv.collections} == {
        ("iam", "failed"),
        ("s3", "failed"),
        ("rds", "failed"),
        ("dynamodb", "failed"),
        ("backup", "failed"),
    }
    assert all("ProfileNotFound" in (c.reason or "") for c in inv.collections)
    assert estate.cloud is not None
