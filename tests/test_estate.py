"""The estate loader: valid files load to the right dataclasses; every bad input is one
`EstateError` line naming file, line and field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from hardening import estate as estate_module
from hardening.errors import EstateError
from hardening.estate import (
    Account,
    Backup,
    CloudAccount,
    Datastore,
    Encryption,
    Host,
    IdentityProvider,
    Incident,
    Location,
    MfaConfig,
    Organisation,
    PasswordPolicy,
    Policy,
    TotpConfig,
    load_estate,
)

# --------------------------------------------------------------------------------------------
# helpers


def write(directory: Path, text: str, name: str = "estate.yaml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def touch(directory: Path, *names: str) -> None:
    for name in names:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


def load_error(path: Path | str) -> str:
    """Load, expect an EstateError, check it is a single line, return it."""
    with pytest.raises(EstateError) as caught:
        load_estate(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


HEAD = "version: 1\norganisation: {name: Example}\n"

FULL = """\
version: 1
organisation:
  name: Example Credit Union
  incident: {discovered: 2026-10-02, contained: "2026-10-05"}
policy:
  password_min_length: 16
  mfa_required_roles: [admin, staff]
  hash_schemes_allowed: [argon2, bcrypt]
  stale_account_days: 60
  restore_test_max_age_days: 30
  placement: {restricted: [on_prem], confidential: [on_prem, cloud]}
  allowed_regions: [eu-west-1, eu-central-1]
identity:
  - id: corp-sso
    kind: keycloak_export
    path: exports/realm.json
    password_policy: {min_length: 8, max_age_days: 90, breach_screening: false, lockout: true}
    mfa: {methods: [totp, sms], totp: {digits: 6, period: 30, window: 2}}
  - {id: aws, kind: aws_iam}
accounts:
  - {id: u-1001, roles: [admin], mfa: [totp], password_changed: 2026-09-01,
     last_login: "2026-11-01", enabled: true, identity: corp-sso}
  - {id: svc-backup}
credential_stores:
  - {id: web-users, kind: sql, dsn: "sqlite:///users.db", table: users, id_column: username,
     hash_column: password_hash, changed_column: changed_at}
  - {id: pg-users, kind: sql, dsn: "postgresql://auditor:s3cret@db.internal/app",
     table: users, id_column: username, hash_column: password_hash}
  - {id: bastion, kind: shadow, path: host/etc/shadow}
  - {id: intranet, kind: htpasswd, path: host/.htpasswd}
totp_stores:
  - {id: web-totp, kind: sql, dsn: "sqlite:///users.db", table: otp, id_column: username,
     secret_column: secret}
  - {id: vpn-totp, kind: csv, path: exports/totp.csv, id_column: user, secret_column: seed}
hosts:
  - {id: bastion, sshd_config: host/etc/ssh/sshd_config}
datastores:
  - id: customer-db
    engine: postgresql
    classification: restricted
    hosting: on_prem
    provider: null
    region: null
    endpoint: 127.0.0.1:5432
    internet_exposed: false
    zone: isolated
    encryption: {at_rest: true, in_transit: off}
    backups:
      - {kind: offline, encrypted: true, last_restore_test: 2026-08-14}
      - {kind: online}
  - {id: marketing-bucket, engine: s3, classification: public, hosting: cloud,
     provider: aws, region: eu-west-1}
cloud:
  - {kind: aws, profile: prod, regions: [eu-west-1]}
"""

FULL_FILES = (
    "exports/realm.json",
    "exports/totp.csv",
    "users.db",
    "host/etc/shadow",
    "host/.htpasswd",
    "host/etc/ssh/sshd_config",
)


# --------------------------------------------------------------------------------------------
# valid files


def test_full_estate_loads_every_section(tmp_path: Path) -> None:
    touch(tmp_path, *FULL_FILES)
    path = write(tmp_path, FULL)
    estate = load_estate(path)
    root = tmp_path.resolve()
    shown = str(path)

    assert estate.path == path.resolve()
    assert estate.organisation == Organisation(
        name="Example Credit Union",
        incident=Incident(discovered=date(2026, 10, 2), contained=date(2026, 10, 5)),
    )

    policy = estate.policy
    assert policy.password_min_length == 16
    assert policy.password_min_length_with_mfa == Policy().password_min_length_with_mfa
    assert policy.mfa_required_roles == ("admin", "staff")
    assert policy.hash_schemes_allowed == ("argon2", "bcrypt")
    assert policy.stale_account_days == 60
    assert policy.restore_test_max_age_days == 30
    assert policy.allowed_regions == ("eu-west-1", "eu-central-1")
    # Given classifications replaced, the others keep their defaults.
    assert policy.placement == {
        "public": ("on_prem", "cloud", "saas"),
        "internal": ("on_prem", "cloud", "saas"),
        "confidential": ("on_prem", "cloud"),
        "restricted": ("on_prem",),
    }

    assert estate.identity == (
        IdentityProvider(
            id="corp-sso",
            kind="keycloak_export",
            location=Location(shown, 14),
            path=root / "exports/realm.json",
            password_policy=PasswordPolicy(
                min_length=8, max_age_days=90, breach_screening=False, lockout=True
            ),
            mfa=MfaConfig(methods=("totp", "sms"), totp=TotpConfig(digits=6, period=30, window=2)),
        ),
        IdentityProvider(id="aws", kind="aws_iam", location=Location(shown, 19)),
    )

    assert estate.accounts == (
        Account(
            id="u-1001",
            location=Location(shown, 21),
            roles=("admin",),
            mfa=("totp",),
            password_changed=date(2026, 9, 1),
            last_login=date(2026, 11, 1),
            enabled=True,
            identity="corp-sso",
        ),
        Account(id="svc-backup", location=Location(shown, 23)),
    )

    assert estate.credential_stores is not None
    web, pg, shadow, htpasswd = estate.credential_stores
    assert web.kind == "sql"
    assert web.dsn == f"sqlite:///{root / 'users.db'}"
    assert web.dsn.startswith("sqlite:////")
    assert (web.table, web.id_column, web.hash_column, web.changed_column) == (
        "users",
        "username",
        "password_hash",
        "changed_at",
    )
    assert web.location == Location(shown, 25)
    assert pg.dsn == "postgresql://auditor:s3cret@db.internal/app"
    assert pg.changed_column is None
    assert shadow.kind == "shadow"
    assert shadow.path == root / "host/etc/shadow"
    assert shadow.dsn is None
    assert htpasswd.path == root / "host/.htpasswd"
    # Secrets stay out of repr().
    assert "s3cret" not in repr(estate)

    assert estate.totp_stores is not None
    web_totp, vpn_totp = estate.totp_stores
    assert web_totp.dsn == f"sqlite:///{root / 'users.db'}"
    assert web_totp.secret_column == "secret"
    assert vpn_totp.kind == "csv"
    assert vpn_totp.path == root / "exports/totp.csv"
    assert (vpn_totp.id_column, vpn_totp.secret_column) == ("user", "seed")

    assert estate.hosts == (
        Host(
            id="bastion",
            location=Location(shown, 36),
            sshd_config=root / "host/etc/ssh/sshd_config",
        ),
    )

    assert estate.datastores == (
        Datastore(
            id="customer-db",
            location=Location(shown, 38),
            engine="postgresql",
            classification="restricted",
            hosting="on_prem",
            endpoint="127.0.0.1:5432",
            internet_exposed=False,
            zone="isolated",
            # A bare `off` is a YAML 1.1 boolean; in_transit reads it as "off".
            encryption=Encryption(at_rest=True, in_transit="off"),
            backups=(
                Backup(kind="offline", encrypted=True, last_restore_test=date(2026, 8, 14)),
                Backup(kind="online"),
            ),
        ),
        Datastore(
            id="marketing-bucket",
            location=Location(shown, 51),
            engine="s3",
            classification="public",
            hosting="cloud",
            provider="aws",
            region="eu-west-1",
        ),
    )
    assert estate.cloud == (
        CloudAccount(
            kind="aws", location=Location(shown, 54), profile="prod", regions=("eu-west-1",)
        ),
    )


def test_minimal_estate_has_defaults_and_absent_sections(tmp_path: Path) -> None:
    estate = load_estate(write(tmp_path, HEAD))
    assert estate.organisation == Organisation(name="Example")
    assert estate.policy == Policy()
    assert estate.identity is None
    assert estate.accounts is None
    assert estate.credential_stores is None
    assert estate.totp_stores is None
    assert estate.hosts is None
    assert estate.datastores is None
    assert estate.cloud is None


def test_empty_sections_are_empty_tuples_and_null_is_absent(tmp_path: Path) -> None:
    text = HEAD + "accounts: []\ndatastores: []\nhosts: []\ncloud: []\nidentity:\n"
    estate = load_estate(write(tmp_path, text))
    assert estate.accounts == ()
    assert estate.datastores == ()
    assert estate.hosts == ()
    assert estate.cloud == ()
    assert estate.identity is None


def test_paths_resolve_relative_to_the_estate_file_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "conf/host/sshd_config", "conf/users.db")
    text = HEAD + (
        "hosts:\n  - {id: h, sshd_config: host/sshd_config}\n"
        "credential_stores:\n"
        "  - {id: s, kind: sql, dsn: 'sqlite:///users.db?mode=ro', table: t,"
        " id_column: a, hash_column: b}\n"
    )
    write(tmp_path, text, "conf/estate.yaml")
    monkeypatch.chdir(tmp_path)
    estate = load_estate("conf/estate.yaml")
    assert estate.hosts is not None
    assert estate.hosts[0].sshd_config == (tmp_path / "conf/host/sshd_config").resolve()
    assert estate.hosts[0].location == Location("conf/estate.yaml", 4)
    assert estate.credential_stores is not None
    users = (tmp_path / "conf/users.db").resolve()
    assert estate.credential_stores[0].dsn == f"sqlite:///{users}?mode=ro"


def test_absolute_sqlite_dsn_is_kept(tmp_path: Path) -> None:
    touch(tmp_path, "data/users.db")
    absolute = (tmp_path / "data/users.db").resolve()
    text = HEAD + (
        "credential_stores:\n"
        f"  - {{id: s, kind: sql, dsn: 'sqlite:///{absolute}', table: t,"
        " id_column: a, hash_column: b}\n"
    )
    estate = load_estate(write(tmp_path, text))
    assert estate.credential_stores is not None
    assert estate.credential_stores[0].dsn == f"sqlite:///{absolute}"


def test_dates_accept_yaml_dates_quoted_strings_and_timestamps(tmp_path: Path) -> None:
    text = HEAD + (
        "accounts:\n"
        "  - {id: a, password_changed: 2026-09-01, last_login: '2026-11-02'}\n"
        '  - {id: b, password_changed: 2026-09-01 10:30:00, last_login: "2026-11-03"}\n'
    )
    estate = load_estate(write(tmp_path, text))
    assert estate.accounts is not None
    assert [(a.password_changed, a.last_login) for a in estate.accounts] == [
        (date(2026, 9, 1), date(2026, 11, 2)),
        (date(2026, 9, 1), date(2026, 11, 3)),
    ]


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = HEAD + (
        "datastores:\n"
        "  - &base {id: a, engine: postgresql, classification: restricted, hosting: on_prem}\n"
        "  - <<: *base\n"
        "    id: b\n"
        "    hosting: cloud\n"
    )
    estate = load_estate(write(tmp_path, text))
    assert estate.datastores is not None
    a, b = estate.datastores
    assert (b.id, b.engine, b.classification, b.hosting) == (
        "b",
        "postgresql",
        "restricted",
        "cloud",
    )
    assert b.location.line == 5
    assert a.hosting == "on_prem"


def test_libyaml_loader_is_used_when_available() -> None:
    if hasattr(yaml, "CSafeLoader"):
        assert estate_module._YAML_LOADER is yaml.CSafeLoader
    else:  # pragma: no cover - PyYAML built without libyaml
        assert estate_module._YAML_LOADER is yaml.SafeLoader
    # Never a loader that can build arbitrary objects.
    assert issubclass(estate_module._YAML_LOADER, yaml.constructor.SafeConstructor)


# --------------------------------------------------------------------------------------------
# exports

ACCOUNTS_CSV = """\
id,roles,mfa,password_changed,last_login,enabled,identity
u-1,admin;staff,totp;webauthn,2026-09-01,2026-11-01,yes,sso
u-2,,,,,,

u-3,staff,,2026-01-15,,FALSE,
"""

ACCOUNT_ROWS: list[dict[str, Any]] = [
    {
        "id": "u-1",
        "roles": ["admin", "staff"],
        "mfa": ["totp", "webauthn"],
        "password_changed": "2026-09-01",
        "last_login": "2026-11-01",
        "enabled": True,
        "identity": "sso",
    },
    {"id": "u-2"},
    {"id": "u-3", "roles": ["staff"], "password_changed": "2026-01-15", "enabled": False},
]

DATASTORES_CSV = """\
id,engine,classification,hosting,provider,region,endpoint,internet_exposed,zone,\
encryption.at_rest,encryption.in_transit,backups
db-1,postgresql,restricted,on_prem,,,10.0.0.5:5432,false,isolated,true,required,\
offline:encrypted:2026-08-14;online::
db-2,s3,public,cloud,aws,eu-west-1,,1,internet,,,immutable:2026-07-01
db-3,,,,,,,,,,,
"""

DATASTORE_ROWS: list[dict[str, Any]] = [
    {
        "id": "db-1",
        "engine": "postgresql",
        "classification": "restricted",
        "hosting": "on_prem",
        "endpoint": "10.0.0.5:5432",
        "internet_exposed": False,
        "zone": "isolated",
        "encryption": {"at_rest": True, "in_transit": "required"},
        "backups": [
            {"kind": "offline", "encrypted": True, "last_restore_test": "2026-08-14"},
            {"kind": "online"},
        ],
    },
    {
        "id": "db-2",
        "engine": "s3",
        "classification": "public",
        "hosting": "cloud",
        "provider": "aws",
        "region": "eu-west-1",
        "internet_exposed": True,
        "zone": "internet",
        "backups": [{"kind": "immutable", "last_restore_test": "2026-07-01"}],
    },
    {"id": "db-3"},
]

SSO = "identity:\n  - {id: sso, kind: inline}\n"


def expected_accounts(file: str, lines: list[int]) -> tuple[Account, ...]:
    return (
        Account(
            id="u-1",
            location=Location(file, lines[0]),
            roles=("admin", "staff"),
            mfa=("totp", "webauthn"),
            password_changed=date(2026, 9, 1),
            last_login=date(2026, 11, 1),
            enabled=True,
            identity="sso",
        ),
        Account(id="u-2", location=Location(file, lines[1])),
        Account(
            id="u-3",
            location=Location(file, lines[2]),
            roles=("staff",),
            password_changed=date(2026, 1, 15),
            enabled=False,
        ),
    )


def expected_datastores(file: str, lines: list[int]) -> tuple[Datastore, ...]:
    return (
        Datastore(
            id="db-1",
            location=Location(file, lines[0]),
            engine="postgresql",
            classification="restricted",
            hosting="on_prem",
            endpoint="10.0.0.5:5432",
            internet_exposed=False,
            zone="isolated",
            encryption=Encryption(at_rest=True, in_transit="required"),
            backups=(
                Backup(kind="offline", encrypted=True, last_restore_test=date(2026, 8, 14)),
                Backup(kind="online"),
            ),
        ),
        Datastore(
            id="db-2",
            location=Location(file, lines[1]),
            engine="s3",
            classification="public",
            hosting="cloud",
            provider="aws",
            region="eu-west-1",
            internet_exposed=True,
            zone="internet",
            backups=(Backup(kind="immutable", last_restore_test=date(2026, 7, 1)),),
        ),
        Datastore(id="db-3", location=Location(file, lines[2])),
    )


def estate_with_sources(tmp_path: Path, accounts: str, datastores: str) -> Path:
    text = HEAD + SSO + f"accounts: {{source: {accounts}}}\ndatastores:\n  source: {datastores}\n"
    return write(tmp_path, text)


def test_csv_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ACCOUNTS_CSV, "exports/accounts.csv")
    write(tmp_path, DATASTORES_CSV, "exports/stores.csv")
    estate_with_sources(tmp_path, "exports/accounts.csv", "exports/stores.csv")
    monkeypatch.chdir(tmp_path)
    estate = load_estate("estate.yaml")
    # Rows keep their physical line; the blank line 4 is skipped.
    assert estate.accounts == expected_accounts("exports/accounts.csv", [2, 3, 5])
    assert estate.datastores == expected_datastores("exports/stores.csv", [2, 3, 4])


def test_csv_row_with_quoted_newline_keeps_physical_lines(tmp_path: Path) -> None:
    text = 'id,roles\n"u-1",admin\n"u-\n2",staff\nu-3,staff\n'
    write(tmp_path, text, "accounts.csv")
    estate = load_estate(write(tmp_path, HEAD + "accounts: {source: accounts.csv}\n"))
    assert estate.accounts is not None
    assert [(a.id, a.location.line) for a in estate.accounts] == [
        ("u-1", 2),
        ("u-\n2", 3),
        ("u-3", 5),
    ]


# Rows the fast CSV path takes, and rows it hands to the checked path, in one file: padding,
# list separators, every boolean spelling, quoted cells, CRLF and blank lines.
MIXED_ACCOUNTS_CSV = (
    "mfa , id,enabled,roles,identity,last_login,password_changed\r\n"
    "totp,u-1,true,admin,sso,2026-11-01,2026-09-01\r\n"
    " totp ; sms ,  u-2  , No , admin;;staff ; , , 2026-11-01 ,\r\n"
    "\r\n"
    ',u-3,YES,"a,b",,,20260901\r\n'
    '"webauthn",u-4,0,"multi\r\nline",sso,2026-11-02,\r\n'
    ",u-5,,,,,\r\n"
    "  ,u-6,1,;,sso,2026-11-01,2026-09-01\r\n"
)


def test_fast_csv_accounts_equal_the_checked_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, MIXED_ACCOUNTS_CSV, "accounts.csv")
    path = write(tmp_path, HEAD + SSO + "accounts: {source: accounts.csv}\n")
    fast = load_estate(path).accounts
    monkeypatch.setattr(estate_module, "_account_csv_fast", lambda ctx, names: None)
    monkeypatch.setattr(estate_module, "_account_fast", lambda m, loc, known, interned: None)
    checked = load_estate(path).accounts
    assert fast is not None
    assert fast == checked
    assert [a.location.line for a in fast] == [2, 3, 5, 6, 8, 9]
    assert fast[1] == Account(
        id="u-2",
        location=Location(str(tmp_path / "accounts.csv"), 3),
        roles=("admin", "staff"),
        mfa=("totp", "sms"),
        last_login=date(2026, 11, 1),
        enabled=False,
    )
    assert (fast[2].roles, fast[3].roles, fast[5].roles) == (("a,b",), ("multi\r\nline",), ())
    for account in fast:
        assert type(account) is Account
        assert type(account.location) is Location
        assert repr(account) == repr(checked[fast.index(account)])
        assert hash(account) == hash(checked[fast.index(account)])
        with pytest.raises(AttributeError):  # FrozenInstanceError
            account.id = "x"  # type: ignore[misc]
        with pytest.raises(AttributeError):
            account.location.line = 1  # type: ignore[misc]


def test_fast_datastores_are_frozen_datastores(tmp_path: Path) -> None:
    stores = "\n".join(json.dumps(row) for row in DATASTORE_ROWS) + "\n"
    write(tmp_path, stores, "stores.jsonl")
    estate = load_estate(write(tmp_path, HEAD + "datastores: {source: stores.jsonl}\n"))
    assert estate.datastores == expected_datastores(str(tmp_path / "stores.jsonl"), [1, 2, 3])
    for store in estate.datastores:
        assert type(store) is Datastore
        with pytest.raises(AttributeError):
            store.engine = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("second", "field", "fragment"),
    [
        ('{"kind": "offline", "encrypted": 1}', "backups[0].encrypted", "expected a boolean"),
        (
            '{"kind": "offline", "encrypted": true, "last_restore_test": "2026-02-30"}',
            "backups[0].last_restore_test",
            "not a valid date",
        ),
        ('{"kind": ["offline"]}', "backups[0].kind", "expected one of offline"),
    ],
)
def test_remembered_backups_do_not_hide_a_bad_one(
    tmp_path: Path, second: str, field: str, fragment: str
) -> None:
    # The first row's backup is parsed and shared; a second that only looks equal (1 == True)
    # or differs must still be checked.
    first = '{"id": "a", "backups": [{"kind": "offline", "encrypted": true}]}'
    write(tmp_path, f'{first}\n{{"id": "b", "backups": [{second}]}}\n', "stores.jsonl")
    error = load_error(write(tmp_path, HEAD + "datastores: {source: stores.jsonl}\n"))
    assert error.startswith(f"{tmp_path / 'stores.jsonl'}:2: datastores[1].{field}: "), error
    assert fragment in error


BIG_CSV_ROWS = 5000


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        ("u-x,admin,sms2,,", "mfa[0]", "'sms2' is not one of totp, hotp, push,"),
        ("u-x,admin,totp,2026-02-30,", "password_changed", "'2026-02-30' is not a valid date"),
        ("u-x,admin,totp,,maybe", "enabled", "expected a boolean (true/false/yes/no/1/0)"),
        (" ,admin,totp,,", "id", "required but missing"),
        ("u-7,admin,totp,,", "id", "duplicate id 'u-7' (first declared at "),
        ("u-x,admin,totp,,,", "", "row has 6 cells, the header has 5"),
        ('u-x,admin,"totp,,', "", "malformed CSV: unexpected end of data"),
    ],
)
def test_bad_row_deep_in_a_large_csv_names_file_line_and_field(
    tmp_path: Path, bad_row: str, field: str, message: str
) -> None:
    rows = [f"u-{i},member,totp,2026-01-{i % 28 + 1:02d},yes" for i in range(BIG_CSV_ROWS)]
    rows[4321] = bad_row
    text = "id,roles,mfa,password_changed,enabled\n" + "\n".join(rows) + "\n"
    write(tmp_path, text, "accounts.csv")
    error = load_error(write(tmp_path, HEAD + "accounts: {source: accounts.csv}\n"))
    # An unclosed quote runs to the end of the file, where csv notices it.
    line, where = (5001, "accounts") if "malformed" in message else (4323, "accounts[4321]")
    prefix = f"{tmp_path / 'accounts.csv'}:{line}: {where}{'.' if field else ''}{field}: "
    assert error.startswith(prefix + message), error
    if "duplicate" in message:
        assert error.endswith("(first declared at line 9)")


@pytest.mark.parametrize(
    ("name", "rows", "line", "field", "fragment"),
    [
        # The duplicate (line 3) comes before the bad row (line 4): it is the error.
        ("a.csv", "id,enabled\na,\nb,\na,\nc,maybe\n", 4, "accounts[2].id", "duplicate id 'a'"),
        ("a.csv", "id,enabled\na,\nb,maybe\na,\n", 3, "accounts[1].enabled", "got 'maybe'"),
        ("a.csv", 'id\na\na\n"b\n', 3, "accounts[1].id", "duplicate id 'a'"),
        (
            "a.jsonl",
            '{"id": "a"}\n{"id": "a"}\n{"id": "c", "enabled": 1}\n',
            2,
            "accounts[1].id",
            "duplicate id 'a' (first declared at line 1)",
        ),
        ("a.jsonl", '{"id": "a"}\n{"id": "a"}\n{"id": \n', 2, "accounts[1].id", "duplicate"),
        ("a.jsonl", '{"id": "a"}\n{"id": }\n{"id": "a"}\n', 2, "accounts[1]", "invalid JSON"),
    ],
)
def test_first_error_in_row_order_wins(
    tmp_path: Path, name: str, rows: str, line: int, field: str, fragment: str
) -> None:
    write(tmp_path, rows, name)
    error = load_error(write(tmp_path, HEAD + f"accounts: {{source: {name}}}\n"))
    assert error.startswith(f"{tmp_path / name}:{line}: {field}: "), error
    assert fragment in error


def test_jsonl_exports(tmp_path: Path) -> None:
    accounts = "\n".join(json.dumps(row) for row in ACCOUNT_ROWS) + "\n"
    # A blank line between rows is skipped but counted.
    stores = (
        json.dumps(DATASTORE_ROWS[0])
        + "\n\n"
        + "\n".join(json.dumps(row) for row in DATASTORE_ROWS[1:])
    )
    write(tmp_path, accounts, "accounts.jsonl")
    write(tmp_path, stores, "stores.ndjson")
    estate = load_estate(estate_with_sources(tmp_path, "accounts.jsonl", "stores.ndjson"))
    assert estate.accounts == expected_accounts(str(tmp_path / "accounts.jsonl"), [1, 2, 3])
    assert estate.datastores == expected_datastores(str(tmp_path / "stores.ndjson"), [1, 3, 4])


def test_json_exports_report_the_line_each_object_starts(tmp_path: Path) -> None:
    write(tmp_path, json.dumps(ACCOUNT_ROWS), "accounts.json")
    write(tmp_path, json.dumps(DATASTORE_ROWS, indent=2), "stores.json")
    estate = load_estate(estate_with_sources(tmp_path, "accounts.json", "stores.json"))
    assert estate.accounts == expected_accounts(str(tmp_path / "accounts.json"), [1, 1, 1])
    pretty = json.dumps(DATASTORE_ROWS, indent=2).splitlines()
    starts = [n for n, text in enumerate(pretty, 1) if text == "  {"]
    assert estate.datastores == expected_datastores(str(tmp_path / "stores.json"), starts)


def test_inline_and_exported_rows_are_validated_alike(tmp_path: Path) -> None:
    inline = yaml.safe_dump({"accounts": ACCOUNT_ROWS, "datastores": DATASTORE_ROWS})
    estate = load_estate(write(tmp_path, HEAD + SSO + inline))
    assert estate.accounts is not None
    assert estate.datastores is not None
    lines = [a.location.line for a in estate.accounts]
    assert estate.accounts == expected_accounts(str(tmp_path / "estate.yaml"), lines)
    lines = [d.location.line for d in estate.datastores]
    assert estate.datastores == expected_datastores(str(tmp_path / "estate.yaml"), lines)


def test_large_jsonl_export_loads_every_row_with_its_line(tmp_path: Path) -> None:
    rows = 30_000
    row = DATASTORE_ROWS[0]
    with (tmp_path / "stores.jsonl").open("w", encoding="utf-8") as f:
        for i in range(rows):
            f.write(json.dumps({**row, "id": f"db-{i}"}) + "\n")
    path = write(tmp_path, HEAD + "datastores: {source: stores.jsonl}\n")
    estate = load_estate(path)
    assert estate.datastores is not None
    assert len(estate.datastores) == rows
    assert estate.datastores[-1].location.line == rows


# --------------------------------------------------------------------------------------------
# errors in the estate file


def test_malformed_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "hosts:\n  - {id: a\n  - {id: b}\n")
    message = load_error(path)
    assert message.startswith(f"{path}:5: invalid YAML: ")


def test_malformed_yaml_does_not_echo_the_offending_line(tmp_path: Path) -> None:
    text = (
        HEAD + 'credential_stores:\n  - {id: a, kind: sql, dsn: "postgresql://u:CANARY-pw@h/db}\n'
    )
    message = load_error(write(tmp_path, text))
    assert "invalid YAML" in message
    assert "CANARY" not in message


def test_unknown_key_with_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "datastores:\n  - id: a\n    hostng: cloud\n")
    message = load_error(path)
    assert message == (f"{path}:5: datastores[0]: unknown key 'hostng' (did you mean 'hosting'?)")


def test_unknown_top_level_and_policy_keys(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "polcy: {}\n")
    assert load_error(path) == f"{path}:3: unknown key 'polcy' (did you mean 'policy'?)"
    path = write(tmp_path, HEAD + "policy:\n  stale_acount_days: 30\n")
    assert load_error(path) == (
        f"{path}:4: policy: unknown key 'stale_acount_days' (did you mean 'stale_account_days'?)"
    )


@pytest.mark.parametrize(
    ("snippet", "line", "field", "expected"),
    [
        ("policy:\n  password_min_length: '15'\n", 4, "policy.password_min_length", "an integer"),
        ("policy:\n  bcrypt_min_cost: true\n", 4, "policy.bcrypt_min_cost", "an integer"),
        ("policy:\n  mfa_required_roles: admin\n", 4, "policy.mfa_required_roles", "a list"),
        ("accounts:\n  - {id: a, enabled: 'no'}\n", 4, "accounts[0].enabled", "a boolean"),
        ("accounts:\n  - {id: 1001}\n", 4, "accounts[0].id", "a string"),
        ("datastores:\n  - {id: a, encryption: yes}\n", 4, "datastores[0].encryption", "a mapping"),
        ("hosts: {id: a}\n", 3, "hosts", "a list"),
    ],
)
def test_wrong_type(tmp_path: Path, snippet: str, line: int, field: str, expected: str) -> None:
    path = write(tmp_path, HEAD + snippet)
    message = load_error(path)
    assert message.startswith(f"{path}:{line}: {field}: expected {expected}")


def test_negative_number(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "policy:\n  stale_account_days: -5\n")
    assert load_error(path) == (
        f"{path}:4: policy.stale_account_days: expected a non-negative integer, got -5"
    )


@pytest.mark.parametrize("value", ["2026-13-40", "'2026-02-30'", "soon", "'01/02/2026'"])
def test_bad_date(tmp_path: Path, value: str) -> None:
    text = HEAD.replace("{name: Example}", "\n  name: Example\n  incident:\n")
    text += f"    discovered: {value}\n"
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:6: organisation.incident.discovered: ")
    assert "not a valid date" in message


def test_bad_enum_value(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "datastores:\n  - {id: a}\n  - {id: b, hosting: clod}\n")
    assert load_error(path) == (
        f"{path}:5: datastores[1].hosting: 'clod' is not one of on_prem, cloud, saas"
        " (did you mean 'cloud'?)"
    )


@pytest.mark.parametrize(
    ("snippet", "line", "field", "allowed"),
    [
        ("datastores:\n  - {id: a, zone: dmz}\n", 4, "datastores[0].zone", "offline, isolated"),
        (
            "datastores:\n  - id: a\n    encryption: {in_transit: maybe}\n",
            5,
            "datastores[0].encryption.in_transit",
            "required, optional, off",
        ),
        (
            "datastores:\n  - id: a\n    backups:\n      - {kind: tape}\n",
            6,
            "datastores[0].backups[0].kind",
            "offline, immutable, online",
        ),
        (
            "datastores:\n  - {id: a, classification: secret}\n",
            4,
            "datastores[0].classification",
            "public, internal, confidential, restricted",
        ),
        ("identity:\n  - {id: a, kind: ldap}\n", 4, "identity[0].kind", "inline, keycloak_export"),
        ("accounts:\n  - {id: a, mfa: [sms, yubikey]}\n", 4, "accounts[0].mfa[1]", "totp"),
        (
            "policy:\n  placement:\n    restricted: [on_prem, colo]\n",
            5,
            "policy.placement.restricted[1]",
            "on_prem, cloud, saas",
        ),
    ],
)
def test_enum_fields(tmp_path: Path, snippet: str, line: int, field: str, allowed: str) -> None:
    path = write(tmp_path, HEAD + snippet)
    message = load_error(path)
    assert message.startswith(f"{path}:{line}: {field}: ")
    assert allowed in message


@pytest.mark.parametrize(
    ("snippet", "line", "field"),
    [
        ("hosts:\n  - {sshd_config: null}\n", 4, "hosts[0].id"),
        ("credential_stores:\n  - {id: a}\n", 4, "credential_stores[0].kind"),
        ("credential_stores:\n  - {id: a, kind: shadow}\n", 4, "credential_stores[0].path"),
        (
            "credential_stores:\n  - {id: a, kind: sql, dsn: 'postgresql://h/d', table: t,"
            " id_column: u}\n",
            4,
            "credential_stores[0].hash_column",
        ),
        (
            "totp_stores:\n  - {id: a, kind: sql, dsn: 'postgresql://h/d', table: t,"
            " id_column: u}\n",
            4,
            "totp_stores[0].secret_column",
        ),
        (
            "totp_stores:\n  - {id: a, kind: csv, id_column: u, secret_column: s}\n",
            4,
            "totp_stores[0].path",
        ),
        ("identity:\n  - {id: a, kind: keycloak_export}\n", 4, "identity[0].path"),
        ("cloud:\n  - {profile: prod}\n", 4, "cloud[0].kind"),
    ],
)
def test_missing_required_field(tmp_path: Path, snippet: str, line: int, field: str) -> None:
    path = write(tmp_path, HEAD + snippet)
    message = load_error(path)
    assert message.startswith(f"{path}:{line}: {field}: ")
    assert "missing" in message


def test_missing_organisation_and_name(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nhosts: []\n")
    assert load_error(path) == f"{path}:1: organisation: required but missing"
    path = write(tmp_path, "version: 1\norganisation:\n  incident: null\n")
    assert load_error(path) == f"{path}:3: organisation.name: required but missing"


def test_field_not_applying_to_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEAD + "credential_stores:\n  - {id: a, kind: shadow, path: x, table: t}\n"
    )
    touch(tmp_path, "x")
    assert load_error(path) == (
        f"{path}:4: credential_stores[0].table: does not apply to kind 'shadow'"
    )


@pytest.mark.parametrize(
    "section",
    ["accounts", "datastores", "credential_stores", "totp_stores", "hosts", "identity"],
)
def test_duplicate_ids(tmp_path: Path, section: str) -> None:
    touch(tmp_path, "f")
    extra = {
        "credential_stores": ", kind: shadow, path: f",
        "totp_stores": ", kind: csv, path: f, id_column: u, secret_column: s",
        "identity": ", kind: inline",
    }.get(section, "")
    text = HEAD + f"{section}:\n  - {{id: a{extra}}}\n  - {{id: b{extra}}}\n  - {{id: a{extra}}}\n"
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:6: {section}[2].id: duplicate id 'a' (first declared at line 4)"
    )


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "hosts:\n  - id: a\n    id: b\n")
    assert load_error(path) == f"{path}:5: duplicate key 'id' (first at line 4)"


def test_unsupported_version(tmp_path: Path) -> None:
    path = write(tmp_path, "organisation: {name: X}\nversion: 2\n")
    assert load_error(path) == (
        f"{path}:2: version: unsupported estate version 2 (this hardening reads version 1)"
    )


def test_missing_version(tmp_path: Path) -> None:
    path = write(tmp_path, "organisation: {name: X}\n")
    assert load_error(path).startswith(f"{path}:1: version: required but missing")


@pytest.mark.parametrize(
    ("text", "line", "got"),
    [("- version: 1\n", 1, "a list"), ("\n\njust text\n", 3, "a single value")],
)
def test_top_level_not_a_mapping(tmp_path: Path, text: str, line: int, got: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:{line}: expected a mapping of sections at the top of the estate file, got {got}"
    )


def test_missing_referenced_file(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "hosts:\n  - {id: a, sshd_config: etc/ssh/sshd_confg}\n")
    assert load_error(path) == (
        f"{path}:4: hosts[0].sshd_config: file not found: etc/ssh/sshd_confg"
    )


def test_missing_source_file(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "datastores:\n  source: exports/stores.csv\n")
    assert load_error(path) == (f"{path}:4: datastores.source: file not found: exports/stores.csv")


def test_sqlite_dsn_with_missing_file_never_shows_the_dsn(tmp_path: Path) -> None:
    text = HEAD + (
        "credential_stores:\n"
        "  - id: web-users\n"
        "    kind: sql\n"
        "    dsn: sqlite:///CANARY-secret-123.db\n"
        "    table: users\n    id_column: u\n    hash_column: h\n"
    )
    path = write(tmp_path, text)
    message = load_error(path)
    assert message == (
        f"{path}:6: credential_stores[0].dsn: database file for store 'web-users' not found"
    )
    assert "CANARY-secret-123" not in message


@pytest.mark.parametrize(
    "dsn", ["sqlite://CANARY-secret-123.db", "CANARY-secret-123", "://CANARY-secret-123"]
)
def test_malformed_dsn_is_not_echoed(tmp_path: Path, dsn: str) -> None:
    text = HEAD + (
        "totp_stores:\n"
        f"  - {{id: otp, kind: sql, dsn: '{dsn}', table: t, id_column: u, secret_column: s}}\n"
    )
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:4: totp_stores[0].dsn: dsn of store 'otp' is not")
    assert "CANARY" not in message


def test_unknown_identity_reference(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + SSO + "accounts:\n  - {id: a, identity: ssso}\n")
    assert load_error(path) == (
        f"{path}:6: accounts[0].identity: unknown identity 'ssso' (did you mean 'sso'?)"
    )


def test_incident_contained_before_discovered(tmp_path: Path) -> None:
    text = "version: 1\norganisation:\n  name: X\n  incident: {discovered: 2026-10-05,"
    path = write(tmp_path, text + " contained: 2026-10-01}\n")
    message = load_error(path)
    assert message.startswith(f"{path}:4: organisation.incident.contained: ")


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "hosts: !!python/object/apply:os.getcwd []\n")
    assert load_error(path) == f"{path}:3: unsupported YAML tag '!!python/object/apply:os.getcwd'"


def test_non_string_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "hosts:\n  - {id: a, 22: b}\n")
    assert load_error(path) == f"{path}:4: mapping keys must be strings, got an integer"


def test_absurd_nesting_is_refused_without_crashing(tmp_path: Path) -> None:
    depth = 200_000  # libyaml's composer would crash the interpreter on this
    path = write(tmp_path, HEAD + "hosts: " + "[" * depth + "]" * depth + "\n")
    message = load_error(path)
    # Our own guard, or (PyYAML >= 6.0.4) libyaml's: either way one line at the right place.
    assert message.startswith(f"{path}:3: ")
    assert "nesting" in message and "\n" not in message


# --------------------------------------------------------------------------------------------
# file-level errors


def test_estate_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert load_error(path) == f"{path}: file not found"


def test_estate_file_is_a_directory(tmp_path: Path) -> None:
    assert load_error(tmp_path).startswith(f"{tmp_path}: ")


def test_estate_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "estate.yaml"
    path.write_bytes(b"version: 1\norganisation: {name: \xff\xfe}\n")
    assert load_error(path).startswith(f"{path}:2: not valid UTF-8")


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_estate_file_empty(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}:1: the estate file is empty"


# --------------------------------------------------------------------------------------------
# errors in exports


def test_bad_row_in_csv_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = ["id,hosting"] + [f"db-{i},cloud" for i in range(12)] + ["db-12,clod"]
    write(tmp_path, "\n".join(rows) + "\n", "stores.csv")
    write(tmp_path, HEAD + "datastores: {source: stores.csv}\n")
    monkeypatch.chdir(tmp_path)
    assert load_error("estate.yaml") == (
        "stores.csv:14: datastores[12].hosting: 'clod' is not one of on_prem, cloud, saas"
        " (did you mean 'cloud'?)"
    )


@pytest.mark.parametrize(
    ("csv_text", "line", "field", "fragment"),
    [
        (
            "id,hostng\na,cloud\n",
            1,
            "datastores",
            "unknown column 'hostng' (did you mean 'hosting'?)",
        ),
        (
            "id,internet_exposed\na,false\nb,maybe\n",
            3,
            "datastores[1].internet_exposed",
            "expected a boolean (true/false/yes/no/1/0), got 'maybe'",
        ),
        ("id,encryption.at_rest\na,sure\n", 2, "datastores[0].encryption.at_rest", "got 'sure'"),
        (
            "id,backups\na,offline:encrypted:2026-02-30\n",
            2,
            "datastores[0].backups[0].last_restore_test",
            "not a valid date",
        ),
        (
            "id,backups\na,online;tape:encrypted\n",
            2,
            "datastores[0].backups[1].kind",
            "'tape' is not one of offline, immutable, online",
        ),
        (
            "id,backups\na,offline:encrypted:unencrypted\n",
            2,
            "datastores[0].backups[0]",
            "is not kind[:encrypted|unencrypted][:YYYY-MM-DD]",
        ),
        ("id,engine\na,pg,extra\n", 2, "datastores[0]", "row has 3 cells, the header has 2"),
        (
            "id,engine\na,pg\na,mysql\n",
            3,
            "datastores[1].id",
            "duplicate id 'a' (first declared at line 2)",
        ),
        ("engine\npg\n", 2, "datastores[0].id", "required but missing"),
        ('id,engine\na,"pg\n', 2, "datastores", "malformed CSV"),
        ("", 1, "datastores", "empty"),
    ],
)
def test_csv_export_errors(
    tmp_path: Path, csv_text: str, line: int, field: str, fragment: str
) -> None:
    write(tmp_path, csv_text, "stores.csv")
    write(tmp_path, HEAD + "datastores: {source: stores.csv}\n")
    message = load_error(tmp_path / "estate.yaml")
    assert message.startswith(f"{tmp_path / 'stores.csv'}:{line}: {field}: ")
    assert fragment in message


def test_bad_jsonl_line(tmp_path: Path) -> None:
    good = json.dumps({"id": "a"})
    write(tmp_path, f'{good}\n{json.dumps({"id": "b"})}\n{{"id": "c",\n', "accounts.jsonl")
    write(tmp_path, HEAD + "accounts: {source: accounts.jsonl}\n")
    message = load_error(tmp_path / "estate.yaml")
    assert message.startswith(f"{tmp_path / 'accounts.jsonl'}:3: accounts[2]: invalid JSON: ")


@pytest.mark.parametrize(
    ("jsonl", "line", "field", "fragment"),
    [
        ('{"id": "a"}\n[1, 2]\n', 2, "accounts[1]", "expected a JSON object, got a list"),
        ('{"id": "a", "enabled": "yes"}\n', 1, "accounts[0].enabled", "expected a boolean"),
        ('{"id": "a"}\n\n{"id": "a"}\n', 3, "accounts[1].id", "duplicate id 'a'"),
        ('{"id": "a", "rolse": []}\n', 1, "accounts[0]", "unknown key 'rolse' (did you mean"),
        ('{"id": "a", "last_login": "2026-02-30"}\n', 1, "accounts[0].last_login", "not a valid"),
    ],
)
def test_jsonl_export_errors(
    tmp_path: Path, jsonl: str, line: int, field: str, fragment: str
) -> None:
    write(tmp_path, jsonl, "accounts.jsonl")
    write(tmp_path, HEAD + "accounts: {source: accounts.jsonl}\n")
    message = load_error(tmp_path / "estate.yaml")
    assert message.startswith(f"{tmp_path / 'accounts.jsonl'}:{line}: {field}: ")
    assert fragment in message


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        ('{"id": "a"}', 1, "datastores", "expected a JSON list of objects"),
        ('[\n  {"id": "a"},\n  {"id": "b",\n   "zone": "dmz"}\n]', 3, "datastores[1].zone", "dmz"),
        ('[\n  {"id": "a"},\n  "b"\n]', 3, "datastores[1]", "expected a JSON object"),
        ('[\n  {"id": "a"}\n  {"id": "b"}\n]', 3, "datastores", "invalid JSON"),
        ('[\n  {"id": "a"},\n]', 3, "datastores", "invalid JSON"),
        ('[{"id": "a"}] x', 1, "datastores", "extra data"),
    ],
)
def test_json_export_errors(
    tmp_path: Path, text: str, line: int, field: str, fragment: str
) -> None:
    write(tmp_path, text, "stores.json")
    write(tmp_path, HEAD + "datastores: {source: stores.json}\n")
    message = load_error(tmp_path / "estate.yaml")
    assert message.startswith(f"{tmp_path / 'stores.json'}:{line}: {field}: ")
    assert fragment in message


@pytest.mark.parametrize("name", ["accounts.csv", "accounts.jsonl", "accounts.json"])
def test_export_not_utf8_names_the_exact_line(tmp_path: Path, name: str) -> None:
    # Far enough in that the decoder's 8 KiB chunks do not line up with rows.
    good = "id\n" if name.endswith(".csv") else ""
    row = "u-{}\n" if name.endswith(".csv") else '{{"id": "u-{}"}}\n'
    body = good + "".join(row.format(i) for i in range(2000))
    data = body.encode() + b"\xff\xfe\n"
    if name.endswith(".json"):
        data = b"[\n" + data
    (tmp_path / name).write_bytes(data)
    write(tmp_path, HEAD + f"accounts: {{source: {name}}}\n")
    bad_line = data.count(b"\n", 0, data.index(b"\xff")) + 1
    assert load_error(tmp_path / "estate.yaml") == (
        f"{tmp_path / name}:{bad_line}: accounts: not valid UTF-8"
    )


def test_unsupported_export_format(tmp_path: Path) -> None:
    touch(tmp_path, "stores.xlsx")
    path = write(tmp_path, HEAD + "datastores: {source: stores.xlsx}\n")
    assert load_error(path) == (
        f"{path}:3: datastores.source: unsupported export format '.xlsx'"
        " (use .csv, .jsonl, .ndjson or .json)"
    )


def test_source_mapping_has_only_source(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "accounts: {sorce: a.csv}\n")
    assert load_error(path) == (f"{path}:3: accounts: unknown key 'sorce' (did you mean 'source'?)")
