"""The shipped notification rules file: JSON Schema, provenance, overrides, strict loading."""

from __future__ import annotations

import json
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hardening.cli import main
from hardening.errors import InputError
from hardening.notify import (
    CLOCKS,
    DATA_CATEGORIES,
    ENTITY_TYPES,
    OPERATORS,
    RECIPIENTS,
    RISK_LEVELS,
    RULES_RESOURCE,
    VERIFICATION,
    Incident,
    assess,
    load_rules,
)

DATA = Path(__file__).parent / "data" / "notify"

_STR = {"type": "string", "minLength": 1}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_COUNT = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "propertyNames": {"enum": list(OPERATORS)},
    "additionalProperties": {"type": "integer", "minimum": 0},
}
_ITEM = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {"text": _STR, "citation": _STR, "verification": {"enum": list(VERIFICATION)}},
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema_version", "rules"],
    "additionalProperties": False,
    "$defs": {
        "condition": {
            "type": "object",
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
                "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
                "not": {"$ref": "#/$defs/condition"},
                "data_any": {"type": "array", "items": {"enum": list(DATA_CATEGORIES)}},
                "data_all": {"type": "array", "items": {"enum": list(DATA_CATEGORIES)}},
                "entity_any": {"type": "array", "items": {"enum": list(ENTITY_TYPES)}},
                "affected": _COUNT,
                "affected_total": _COUNT,
                "affected_state": _COUNT,
                "risk_at_least": {"enum": list(RISK_LEVELS)},
                "ref": _STR,
            },
        },
        "obligation": {
            "type": "object",
            "required": ["id", "recipient", "to", "trigger", "deadline", "citation"],
            "additionalProperties": False,
            "properties": {
                "id": _STR,
                "recipient": {"enum": list(RECIPIENTS)},
                "to": _STR,
                "trigger": _STR,
                "when": {"$ref": "#/$defs/condition"},
                "status": {"enum": ["required", "decision"]},
                "per_state": {"type": "boolean"},
                "deadline": {
                    "type": "object",
                    "required": ["standard"],
                    "additionalProperties": False,
                    "properties": {
                        "standard": _STR,
                        "within": {
                            "type": "object",
                            "minProperties": 1,
                            "maxProperties": 1,
                            "additionalProperties": False,
                            "properties": {
                                u: {"type": "integer", "minimum": 0}
                                for u in ("hours", "days", "business_days")
                            },
                        },
                        "from": {"enum": list(CLOCKS)},
                        "outer_limit": {"type": "boolean"},
                        "note": _STR,
                    },
                },
                "citation": _STR,
                "source_url": {"type": "string", "pattern": "^https?://"},
                "verification": {"enum": list(VERIFICATION)},
            },
        },
        "rule": {
            "type": "object",
            "required": [
                "id",
                "name",
                "jurisdiction",
                "citation",
                "source_url",
                "last_verified",
                "verification",
                "obligations",
            ],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z]{2}-[a-z0-9-]+$"},
                "revision": {"type": "integer", "minimum": 1},
                "name": _STR,
                "jurisdiction": {
                    "type": "object",
                    "required": ["code", "level", "residence"],
                    "additionalProperties": False,
                    "properties": {
                        "code": _STR,
                        "level": {"enum": ["supranational", "country", "us_federal", "us_state"]},
                        "residence": {"type": "array", "minItems": 1, "items": _STR},
                    },
                },
                "effective_from": _DATE,
                "effective_until": _DATE,
                "citation": _STR,
                "source_url": {"type": "string", "pattern": "^https?://"},
                "last_verified": _DATE,
                "verification": {"enum": list(VERIFICATION)},
                "applies": {"$ref": "#/$defs/condition"},
                "personal_info": {"$ref": "#/$defs/condition"},
                "safe_harbour": {
                    "type": "object",
                    "required": ["kind", "covers", "description", "citation"],
                    "additionalProperties": False,
                    "properties": {
                        "kind": {"enum": ["encryption"]},
                        "lost_if_key_compromised": {"type": "boolean"},
                        "covers": {"oneOf": [{"const": "all"}, {"type": "array", "items": _STR}]},
                        "description": _STR,
                        "citation": _STR,
                        "source_url": {"type": "string", "pattern": "^https?://"},
                        "verification": {"enum": list(VERIFICATION)},
                    },
                },
                "decisions": {"type": "array", "items": _ITEM},
                "notes": {"type": "array", "items": _ITEM},
                "obligations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/obligation"},
                },
            },
        },
    },
    "properties": {
        "schema_version": {"const": 1},
        "ruleset": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": _STR,
                "version": _STR,
                "published": _DATE,
                "disclaimer": _STR,
            },
        },
        "definitions": {
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/condition"},
        },
        "rules": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/rule"}},
    },
}


def _jsonable(v: Any) -> Any:
    """YAML dates become ISO strings, as they would be in a JSON copy of the file."""
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def _shipped() -> Any:
    text = (files("hardening") / "data" / RULES_RESOURCE).read_text(encoding="utf-8")
    return _jsonable(yaml.safe_load(text))


def test_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_shipped_rules_validate_against_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(_shipped()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_schema_rejects_code_in_conditions() -> None:
    doc = _shipped()
    doc["rules"][0]["obligations"][0]["when"] = {"python": "__import__('os').system('x')"}
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc))


def test_required_regimes_are_encoded() -> None:
    ids = {r.id for r in load_rules().rules}
    assert {
        "eu-gdpr",
        "uk-gdpr",
        "uk-pecr",
        "us-hipaa",
        "us-ftc-hbnr",
        "ca-pipeda",
        "au-ndb",
    } <= ids
    states = {i for i in ids if i.startswith("us-") and len(i) == 5}
    # Every state in the notes' fixed-deadline and regulator/CRA tables.
    assert states >= {
        "us-ca", "us-co", "us-fl", "us-me", "us-ny", "us-wa", "us-al", "us-az", "us-in",
        "us-md", "us-oh", "us-wi", "us-or", "us-tn", "us-vt", "us-nm", "us-ri", "us-ct",
        "us-de", "us-sd", "us-tx", "us-la", "us-pr", "us-il", "us-pa", "us-ut", "us-ok",
        "us-ar",
    }  # fmt: skip


def test_every_rule_carries_provenance() -> None:
    for rule in load_rules().rules:
        assert rule.citation and rule.source_url.startswith("http")
        assert rule.last_verified == date(2026, 11, 24)
        for ob in rule.obligations:
            assert ob.citation and ob.verification in VERIFICATION


def test_unverified_marks_follow_the_reference() -> None:
    rules = {(r.id, r.revision): r for r in load_rules().rules}
    # [U] in the notes: NM/RI/LA deadlines, 45 CFR 164.410, Alabama and Oregon AG thresholds,
    # the Colorado AG deadline, Arkansas AG timing.
    for rid in ("us-nm", "us-ri", "us-la"):
        assert rules[(rid, 1)].verification == "unverified"
    obs = {(r.id, o.id): o for r in rules.values() for o in r.obligations if r.revision >= 1}
    for key in [
        ("us-hipaa", "covered_entity"),
        ("us-al", "attorney_general"),
        ("us-or", "attorney_general"),
        ("us-co", "attorney_general"),
        ("us-ar", "attorney_general"),
    ]:
        assert obs[key].verification == "unverified", key
    # [V] facts stay verified.
    assert obs[("us-tx", "attorney_general")].verification == "verified"
    assert obs[("uk-gdpr", "ico")].verification == "verified"
    assert obs[("us-hipaa", "media")].verification == "verified"


def test_organisation_rules_override_and_add(tmp_path: Path) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        """
schema_version: 1
ruleset: {version: acme-1}
rules:
  - id: us-tx
    name: Texas (counsel's reading)
    jurisdiction: {code: US-TX, level: us_state, residence: [US-TX]}
    citation: Tex. Bus. & Com. Code 521.053
    source_url: https://example.org/tx
    last_verified: 2026-11-20
    verification: verified
    obligations:
      - id: individuals
        recipient: individuals
        to: Texas residents
        trigger: any breach
        deadline: {standard: within 45 days (internal policy), within: {days: 45}}
        citation: internal policy
  - id: us-ga
    name: Georgia
    jurisdiction: {code: US-GA, level: us_state, residence: [US-GA]}
    citation: O.C.G.A. 10-1-912
    source_url: https://example.org/ga
    last_verified: 2026-11-20
    verification: unverified
    personal_info: {all: [{data_any: [name]}, {data_any: [ssn]}]}
    obligations:
      - id: credit_bureaus
        recipient: credit_bureaus
        to: CRAs
        trigger: more than 10,000
        when: {affected: {gt: 10000}}
        deadline: {standard: without unreasonable delay}
        citation: O.C.G.A. 10-1-912(d)
""",
        encoding="utf-8",
    )
    rules = load_rules([own])
    assert [r.name for r in rules.rules if r.id == "us-tx"] == ["Texas (counsel's reading)"]
    assert any("acme-1" in f for f in rules.files)
    inc = Incident(
        file="x",
        discovered=date(2026, 3, 2),
        data_categories=frozenset({"name", "ssn"}),
        affected={"US-TX": 600, "US-GA": 20},
    )
    a = assess(inc, rules)
    tx = next(r for r in a.regimes if r.id == "us-tx")
    assert [(o.id, o.due) for o in tx.obligations] == [("individuals", date(2026, 4, 16))]
    assert "US-GA" not in a.uncovered
    assert any(r.id == "us-ga" for r in a.regimes)


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ("rules:\n  - id: x\n", ":1: schema_version: ", "required"),
        ("schema_version: 2\nrules: []\n", ":1: schema_version: ", "unsupported"),
        (
            "schema_version: 1\ndefinitions:\n  bad: {python: 'print(1)'}\nrules: []\n",
            ":3: definitions.bad: ",
            "unknown condition 'python'",
        ),
        (
            "schema_version: 1\ndefinitions:\n  a: {ref: a}\n"
            "rules:\n  - id: r\n    name: n\n    jurisdiction: {code: X, level: country, "
            "residence: [XX]}\n    citation: c\n    source_url: http://x\n    last_verified: "
            "2026-01-01\n    verification: verified\n    personal_info: {ref: a}\n"
            "    obligations:\n      - {id: o, recipient: individuals, to: t, trigger: t, "
            "deadline: {standard: s}, citation: c}\n",
            "definitions.a.ref: ",
            "refers to itself",
        ),
        (
            "schema_version: 1\nrules:\n  - id: r\n    name: n\n    jurisdiction: {code: X, "
            "level: country, residence: [XX]}\n    citation: c\n    source_url: http://x\n"
            "    last_verified: 2026-01-01\n    verification: maybe\n    obligations: []\n",
            ":9: rules[0].verification: ",
            "not one of",
        ),
    ],
)
def test_bad_rules_files(tmp_path: Path, body: str, where: str, words: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules([path])
    message = str(info.value)
    assert where in message and words in message, message
    assert "\n" not in message


def test_cli_rules_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("schema_version: 1\nrules: {}\n", encoding="utf-8")
    assert main(["notify", str(DATA / "texas_ssn.yaml"), "--rules", str(bad)]) == 2
    assert "rules.yaml:2: rules: expected a list" in capsys.readouterr().err
    assert main(["notify", str(DATA / "texas_ssn.yaml"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ruleset"]["version"] == "2026.11.0"
